#include <deal.II/base/quadrature_lib.h>

#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_solver.h>
#include <deal.II/numerics/vector_tools.h>

#include <neuhom/fem/mesh.h>
#include <neuhom/fem/quasilinear_diffusion_problem.h>

#include <stdexcept>
#include <string>

namespace neuhom
{
  template <int dim>
  QuasilinearDiffusionProblem<dim>::QuasilinearDiffusionProblem(
    MPI_Comm                      comm,
    const unsigned int            n_cells,
    const unsigned int            n_quadrature,
    const CoefficientFunction    &coefficient,
    const Function<dim>          &rhs,
    const Function<dim>          &boundary_values,
    const LinearSolverParameters &solver)
    : comm(comm)
    , n_cells(n_cells)
    , n_quadrature(n_quadrature)
    , coefficient(coefficient)
    , rhs(rhs)
    , boundary_values(boundary_values)
    , solver_parameters(solver)
    , triangulation(make_distributed_triangulation<dim>(comm))
    , fe(1)
    , dof_handler(*triangulation)
  {
    make_unit_hypercube(*triangulation, n_cells);
    dof_handler.distribute_dofs(fe);
    const IndexSet owned = dof_handler.locally_owned_dofs();
    const IndexSet relevant =
      DoFTools::extract_locally_relevant_dofs(dof_handler);

    constraints.reinit(relevant);
    DoFTools::make_zero_boundary_constraints(dof_handler, 0, constraints);
    constraints.close();

    DynamicSparsityPattern dsp(relevant);
    DoFTools::make_sparsity_pattern(dof_handler, dsp, constraints, false);
    SparsityTools::distribute_sparsity_pattern(dsp, owned, comm, relevant);
    jacobian.reinit(owned, owned, dsp, comm);
    residual.reinit(owned, comm);
    ghosted_solution.reinit(owned, relevant, comm);

    // Start: g on the boundary, 0 inside.
    owned_solution.reinit(owned, comm);
    std::map<types::global_dof_index, double> values;
    VectorTools::interpolate_boundary_values(dof_handler,
                                             0,
                                             boundary_values,
                                             values);
    for (const auto &[dof, value] : values)
      if (owned.is_element(dof))
        owned_solution[dof] = value;
    owned_solution.compress(VectorOperation::insert);
    ghosted_solution = owned_solution;
  }


  template <int dim>
  double
  QuasilinearDiffusionProblem<dim>::assemble(const bool with_jacobian)
  {
    const QGauss<dim>                    quadrature(n_quadrature);
    FEValues<dim>                        fe_values(fe,
                            quadrature,
                            update_values | update_gradients |
                              update_quadrature_points | update_JxW_values);
    const unsigned int                   n_dofs = fe.n_dofs_per_cell();
    const unsigned int                   n_q    = quadrature.size();
    FullMatrix<double>                   cell_matrix(n_dofs, n_dofs);
    Vector<double>                       cell_residual(n_dofs);
    std::vector<double>                  u(n_q), f(n_q);
    std::vector<Tensor<1, dim>>          grad_u(n_q);
    std::vector<types::global_dof_index> dofs(n_dofs);
    Tensor<2, dim>                       K, dK;

    if (with_jacobian)
      jacobian = 0;
    residual = 0;
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          fe_values.get_function_values(ghosted_solution, u);
          fe_values.get_function_gradients(ghosted_solution, grad_u);
          rhs.value_list(fe_values.get_quadrature_points(), f);
          cell_matrix   = 0;
          cell_residual = 0;
          for (unsigned int q = 0; q < n_q; ++q)
            {
              coefficient(fe_values.quadrature_point(q), u[q], K, dK);
              const double         JxW   = fe_values.JxW(q);
              const Tensor<1, dim> flux  = K * grad_u[q];
              const Tensor<1, dim> dflux = dK * grad_u[q];
              for (unsigned int i = 0; i < n_dofs; ++i)
                {
                  const Tensor<1, dim> grad_v = fe_values.shape_grad(i, q);
                  // Residual with the sign of the Newton right-hand side.
                  cell_residual(i) -=
                    (flux * grad_v - f[q] * fe_values.shape_value(i, q)) * JxW;
                  if (with_jacobian)
                    for (unsigned int j = 0; j < n_dofs; ++j)
                      cell_matrix(i, j) +=
                        ((K * fe_values.shape_grad(j, q)) * grad_v +
                         fe_values.shape_value(j, q) * (dflux * grad_v)) *
                        JxW;
                }
            }
          cell->get_dof_indices(dofs);
          if (with_jacobian)
            constraints.distribute_local_to_global(cell_matrix,
                                                   cell_residual,
                                                   dofs,
                                                   jacobian,
                                                   residual);
          else
            constraints.distribute_local_to_global(cell_residual,
                                                   dofs,
                                                   residual);
        }
    if (with_jacobian)
      jacobian.compress(VectorOperation::add);
    residual.compress(VectorOperation::add);
    return residual.l2_norm();
  }


  template <int dim>
  unsigned int
  QuasilinearDiffusionProblem<dim>::solve(const double       tolerance,
                                          const unsigned int max_iterations)
  {
    residuals.clear();
    double norm = assemble(true);
    residuals.push_back(norm);
    const double target = tolerance * norm;
    unsigned int step   = 0;
    while (norm > target && norm > 0)
      {
        if (step == max_iterations)
          throw std::runtime_error(
            "Newton did not converge in " + std::to_string(max_iterations) +
            " steps: residual " + std::to_string(norm) + ", initial " +
            std::to_string(residuals.front()));
        TrilinosWrappers::MPI::Vector update(residual);
        update = 0;
        TrilinosWrappers::PreconditionAMG                 amg;
        TrilinosWrappers::PreconditionAMG::AdditionalData amg_data;
        amg_data.elliptic        = true;
        amg_data.smoother_sweeps = solver_parameters.smoother_sweeps;
        amg.initialize(jacobian, amg_data);
        SolverControl control(solver_parameters.max_iterations,
                              solver_parameters.relative_tolerance * norm,
                              /*log_history=*/false,
                              /*log_result=*/false);
        solver_parameters
          .run_solver("GMRES", control, dof_handler.n_dofs(), [&]() {
            TrilinosWrappers::SolverGMRES gmres(control);
            gmres.solve(jacobian, update, residual, amg);
          });
        constraints.set_zero(update);

        // Backtracking: halve the step until the residual decreases.
        const TrilinosWrappers::MPI::Vector start(owned_solution);
        double                              lambda = 1;
        double                              trial  = norm;
        for (unsigned int k = 0; k < 12; ++k)
          {
            owned_solution = start;
            owned_solution.add(lambda, update);
            ghosted_solution = owned_solution;
            trial            = assemble(false);
            if (trial < (1 - 1e-4 * lambda) * norm)
              break;
            lambda /= 2;
          }
        ++step;
        norm = assemble(true);
        residuals.push_back(norm);
      }
    return step;
  }


  template class QuasilinearDiffusionProblem<1>;
  template class QuasilinearDiffusionProblem<2>;
  template class QuasilinearDiffusionProblem<3>;
} // namespace neuhom
