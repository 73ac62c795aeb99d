#include <deal.II/base/quadrature_lib.h>

#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/precondition.h>
#include <deal.II/lac/solver_cg.h>
#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/numerics/vector_tools.h>

#include <neuhom/fem/periodic_cell_problem.h>

namespace neuhom
{
  template <int dim>
  PeriodicCellProblem<dim>::PeriodicCellProblem(
    const Function<dim> &coefficient,
    const unsigned int   cells_per_direction,
    const unsigned int   degree)
    : coefficient(coefficient)
    , fe(degree)
    , dof_handler(triangulation)
  {
    GridGenerator::subdivided_hyper_cube(triangulation,
                                         cells_per_direction,
                                         0.,
                                         1.,
                                         /*colorize=*/true);
    dof_handler.distribute_dofs(fe);
  }


  template <int dim>
  void
  PeriodicCellProblem<dim>::solve()
  {
    AffineConstraints<double> constraints;
    for (unsigned int d = 0; d < dim; ++d)
      DoFTools::make_periodicity_constraints(dof_handler,
                                             2 * d,
                                             2 * d + 1,
                                             d,
                                             constraints);
    // Periodic functions are determined up to a constant: pin one DoF that
    // is not itself a periodic image, remove the mean after the solve.
    for (types::global_dof_index i = 0; i < dof_handler.n_dofs(); ++i)
      if (!constraints.is_constrained(i))
        {
          constraints.add_line(i);
          break;
        }
    constraints.close();

    DynamicSparsityPattern dsp(dof_handler.n_dofs());
    DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
    SparsityPattern pattern;
    pattern.copy_from(dsp);
    SparseMatrix<double>        matrix(pattern);
    std::vector<Vector<double>> rhs(dim, Vector<double>(dof_handler.n_dofs()));

    const QGauss<dim>                    quadrature(fe.degree + 2);
    FEValues<dim>                        fe_values(fe,
                            quadrature,
                            update_gradients | update_quadrature_points |
                              update_JxW_values);
    const unsigned int                   n = fe.n_dofs_per_cell();
    FullMatrix<double>                   cell_matrix(n, n);
    std::vector<Vector<double>>          cell_rhs(dim, Vector<double>(n));
    std::vector<double>                  a(quadrature.size());
    std::vector<types::global_dof_index> dofs(n);
    for (const auto &cell : dof_handler.active_cell_iterators())
      {
        fe_values.reinit(cell);
        coefficient.value_list(fe_values.get_quadrature_points(), a);
        cell_matrix = 0;
        for (auto &r : cell_rhs)
          r = 0;
        for (unsigned int q = 0; q < quadrature.size(); ++q)
          for (unsigned int i = 0; i < n; ++i)
            {
              const auto grad_i = fe_values.shape_grad(i, q);
              for (unsigned int k = 0; k < n; ++k)
                cell_matrix(i, k) += a[q] *
                                     (grad_i * fe_values.shape_grad(k, q)) *
                                     fe_values.JxW(q);
              for (unsigned int j = 0; j < dim; ++j)
                cell_rhs[j](i) -= a[q] * grad_i[j] * fe_values.JxW(q);
            }
        cell->get_dof_indices(dofs);
        constraints.distribute_local_to_global(cell_matrix, dofs, matrix);
        for (unsigned int j = 0; j < dim; ++j)
          constraints.distribute_local_to_global(cell_rhs[j], dofs, rhs[j]);
      }

    PreconditionSSOR<SparseMatrix<double>> preconditioner;
    preconditioner.initialize(matrix, 1.2);
    correctors.assign(dim, Vector<double>(dof_handler.n_dofs()));
    for (unsigned int j = 0; j < dim; ++j)
      {
        SolverControl            control(10 * dof_handler.n_dofs(),
                              1e-13 * rhs[j].l2_norm(),
                              false,
                              false);
        SolverCG<Vector<double>> cg(control);
        cg.solve(matrix, correctors[j], rhs[j], preconditioner);
        constraints.distribute(correctors[j]);
        // The FE_Q basis is a partition of unity: subtracting the mean from
        // every DoF subtracts it from the function.
        correctors[j].add(
          -VectorTools::compute_mean_value(dof_handler,
                                           QGauss<dim>(fe.degree + 1),
                                           correctors[j],
                                           0));
      }
  }


  template <int dim>
  Tensor<2, dim>
  PeriodicCellProblem<dim>::integrate(
    const Function<dim>                       &weight,
    const std::function<double(double,
                               const std::vector<Tensor<1, dim>> &,
                               unsigned int,
                               unsigned int)> &integrand) const
  {
    AssertThrow(correctors.size() == dim, ExcMessage("call solve() first"));
    const QGauss<dim>                        quadrature(fe.degree + 2);
    FEValues<dim>                            fe_values(fe,
                            quadrature,
                            update_gradients | update_quadrature_points |
                              update_JxW_values);
    std::vector<std::vector<Tensor<1, dim>>> grad_chi(
      dim,
      std::vector<Tensor<1, dim>>(quadrature.size()));
    std::vector<Tensor<1, dim>> grads_at_q(dim);
    std::vector<double>         a(quadrature.size());
    Tensor<2, dim>              result;
    for (const auto &cell : dof_handler.active_cell_iterators())
      {
        fe_values.reinit(cell);
        weight.value_list(fe_values.get_quadrature_points(), a);
        for (unsigned int j = 0; j < dim; ++j)
          fe_values.get_function_gradients(correctors[j], grad_chi[j]);
        for (unsigned int q = 0; q < quadrature.size(); ++q)
          {
            for (unsigned int j = 0; j < dim; ++j)
              grads_at_q[j] = grad_chi[j][q];
            for (unsigned int i = 0; i < dim; ++i)
              for (unsigned int j = 0; j < dim; ++j)
                result[i][j] +=
                  integrand(a[q], grads_at_q, i, j) * fe_values.JxW(q);
          }
      }
    return result;
  }


  template <int dim>
  Tensor<2, dim>
  PeriodicCellProblem<dim>::effective_tensor() const
  {
    return integrate(coefficient,
                     [](const double                       a,
                        const std::vector<Tensor<1, dim>> &grad_chi,
                        const unsigned int                 i,
                        const unsigned int                 j) {
                       return a * ((i == j ? 1. : 0.) + grad_chi[j][i]);
                     });
  }


  template <int dim>
  Tensor<2, dim>
  PeriodicCellProblem<dim>::effective_tensor_energy() const
  {
    return energy_tensor(coefficient);
  }


  template <int dim>
  Tensor<2, dim>
  PeriodicCellProblem<dim>::energy_tensor(const Function<dim> &weight) const
  {
    return integrate(weight,
                     [](const double                       w,
                        const std::vector<Tensor<1, dim>> &grad_chi,
                        const unsigned int                 i,
                        const unsigned int                 j) {
                       Tensor<1, dim> e_i = grad_chi[i], e_j = grad_chi[j];
                       e_i[i] += 1;
                       e_j[j] += 1;
                       return w * (e_i * e_j);
                     });
  }


  template <int dim>
  double
  PeriodicCellProblem<dim>::corrector_l2_norm(const unsigned int j) const
  {
    Vector<float> cellwise(triangulation.n_active_cells());
    VectorTools::integrate_difference(dof_handler,
                                      correctors.at(j),
                                      Functions::ZeroFunction<dim>(),
                                      cellwise,
                                      QGauss<dim>(fe.degree + 2),
                                      VectorTools::L2_norm);
    return VectorTools::compute_global_error(triangulation,
                                             cellwise,
                                             VectorTools::L2_norm);
  }


  template <int dim>
  double
  PeriodicCellProblem<dim>::corrector_value(const unsigned int j,
                                            const Point<dim>  &y) const
  {
    return VectorTools::point_value(dof_handler, correctors.at(j), y);
  }


  template <int dim>
  const DoFHandler<dim> &
  PeriodicCellProblem<dim>::get_dof_handler() const
  {
    return dof_handler;
  }


  template <int dim>
  const Vector<double> &
  PeriodicCellProblem<dim>::corrector(const unsigned int j) const
  {
    return correctors.at(j);
  }


  double
  harmonic_mean(const std::function<double(double)> &a,
                const unsigned int                   n_intervals)
  {
    const QIterated<1> quadrature(QGauss<1>(5), n_intervals);
    double             mean_of_inverse = 0;
    for (unsigned int q = 0; q < quadrature.size(); ++q)
      mean_of_inverse += quadrature.weight(q) / a(quadrature.point(q)[0]);
    return 1. / mean_of_inverse;
  }


  template class PeriodicCellProblem<1>;
  template class PeriodicCellProblem<2>;
  template class PeriodicCellProblem<3>;
} // namespace neuhom
