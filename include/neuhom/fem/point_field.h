#ifndef neuhom_fem_point_field_h
#define neuhom_fem_point_field_h

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>

namespace neuhom
{
  using namespace dealii;

  /**
   * A scalar field that can be evaluated, with its gradient, at points of
   * the domain: what compare_with_fine() needs of the field it compares
   * with the fine FEM solution. A field may be known only near the points
   * a rank asks for (e.g. BlockQ1Field, the LOD reconstruction on the
   * coarse cells under a rank's part of the fine mesh).
   */
  template <int dim>
  class PointField
  {
  public:
    virtual ~PointField() = default;

    virtual double
    value(const Point<dim> &p) const = 0;

    virtual Tensor<1, dim>
    gradient(const Point<dim> &p) const = 0;
  };
} // namespace neuhom

#endif
