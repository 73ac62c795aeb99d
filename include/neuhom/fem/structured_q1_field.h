#ifndef neuhom_fem_structured_q1_field_h
#define neuhom_fem_structured_q1_field_h

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/lac/trilinos_vector.h>

#include <neuhom/fem/point_field.h>

#include <vector>

namespace neuhom
{
  using namespace dealii;

  /**
   * A Q1 function on the uniform grid of the unit hypercube with n cells per
   * direction, stored as its (n+1)^dim nodal values on every MPI rank.
   *
   * This is how coarse fields (coarse FEM, LOD coarse solutions) are compared
   * with fine ones: the coarse mesh is small, so replicating its nodal values
   * costs little, and the field can then be evaluated at any fine quadrature
   * point on any rank without searching for cells or communicating.
   */
  template <int dim>
  class StructuredQ1Field : public PointField<dim>
  {
  public:
    /**
     * Gather the Q1 field @p u (ghosted) of @p dof_handler, whose mesh is the
     * unit hypercube with @p n cells per direction.
     */
    StructuredQ1Field(const DoFHandler<dim>               &dof_handler,
                      const TrilinosWrappers::MPI::Vector &u,
                      unsigned int                         n);

    /**
     * The Q1 field with the given (n+1)^dim nodal values, lexicographic with
     * x fastest (e.g. an LOD fine-scale reconstruction).
     */
    StructuredQ1Field(unsigned int n, std::vector<double> nodal_values);

    double
    value(const Point<dim> &p) const override;

    Tensor<1, dim>
    gradient(const Point<dim> &p) const override;

    unsigned int
    cells_per_direction() const
    {
      return n;
    }

  private:
    const unsigned int  n;
    std::vector<double> nodal_values;
  };
} // namespace neuhom

#endif
