#ifndef neuhom_fem_field_comparison_h
#define neuhom_fem_field_comparison_h

#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/point_field.h>
#include <neuhom/fem/structured_q1_field.h>

#include <cmath>

namespace neuhom
{
  /**
   * Norms of the difference e = u_fine - u_other and of u_fine itself, in
   * L2 and in the energy norm ||v||_a = (int a |grad v|^2)^(1/2).
   */
  struct FieldDifference
  {
    double l2_error     = 0;
    double l2_norm      = 0;
    double energy_error = 0;
    double energy_norm  = 0;

    double
    relative_l2() const
    {
      return l2_error / l2_norm;
    }
    double
    relative_energy() const
    {
      return energy_error / energy_norm;
    }
  };

  /**
   * Compare the solution of @p fine with @p other on the fine mesh, at the
   * fine problem's quadrature points and with the coefficient at its current
   * time: the integrals are exact for the fine discretization. Each rank
   * evaluates @p other at the quadrature points of its locally owned cells
   * only (a StructuredQ1Field, or a BlockQ1Field holding the blocks under
   * them).
   */
  template <int dim>
  FieldDifference
  compare_with_fine(const DiffusionProblem<dim> &fine,
                    const Coefficient<dim>      &coefficient,
                    const PointField<dim>       &other);
} // namespace neuhom

#endif
