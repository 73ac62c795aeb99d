#include <deal.II/fe/fe_values.h>

#include <neuhom/fem/field_comparison.h>

namespace neuhom
{
  template <int dim>
  FieldDifference
  compare_with_fine(const DiffusionProblem<dim> &fine,
                    const Coefficient<dim>      &coefficient,
                    const PointField<dim>       &other)
  {
    const auto                 &dof_handler = fine.get_dof_handler();
    const auto                 &quadrature  = fine.get_quadrature();
    FEValues<dim>               fe_values(dof_handler.get_fe(),
                            quadrature,
                            update_values | update_gradients |
                              update_quadrature_points | update_JxW_values);
    std::vector<double>         u(quadrature.size()), a(quadrature.size());
    std::vector<Tensor<1, dim>> grad_u(quadrature.size());

    FieldDifference result;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(fine.solution(), u);
          fe_values.get_function_gradients(fine.solution(), grad_u);
          coefficient.value_list(fe_values.get_quadrature_points(), a);
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            {
              const Point<dim> &x      = fe_values.quadrature_point(q);
              const double      JxW    = fe_values.JxW(q);
              const double      e      = u[q] - other.value(x);
              const auto        grad_e = grad_u[q] - other.gradient(x);
              result.l2_error += e * e * JxW;
              result.l2_norm += u[q] * u[q] * JxW;
              result.energy_error += a[q] * (grad_e * grad_e) * JxW;
              result.energy_norm += a[q] * (grad_u[q] * grad_u[q]) * JxW;
            }
        }

    const MPI_Comm      comm = dof_handler.get_communicator();
    std::vector<double> sums = {result.l2_error,
                                result.l2_norm,
                                result.energy_error,
                                result.energy_norm};
    Utilities::MPI::sum(sums, comm, sums);
    return {std::sqrt(sums[0]),
            std::sqrt(sums[1]),
            std::sqrt(sums[2]),
            std::sqrt(sums[3])};
  }

  template FieldDifference
  compare_with_fine(const DiffusionProblem<1> &,
                    const Coefficient<1> &,
                    const PointField<1> &);
  template FieldDifference
  compare_with_fine(const DiffusionProblem<2> &,
                    const Coefficient<2> &,
                    const PointField<2> &);
  template FieldDifference
  compare_with_fine(const DiffusionProblem<3> &,
                    const Coefficient<3> &,
                    const PointField<3> &);
} // namespace neuhom
