#include <deal.II/base/quadrature_lib.h>

#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/sparsity_tools.h>
#include <deal.II/lac/trilinos_solver.h>
#include <deal.II/numerics/data_out.h>
#include <deal.II/numerics/vector_tools.h>

#include <neuhom/core/input_error.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/mesh.h>

#include <cmath>
#include <limits>

namespace neuhom
{
  template <int dim>
  DiffusionProblem<dim>::DiffusionProblem(
    MPI_Comm                        comm,
    const unsigned int              cells_per_direction,
    const DiscretizationParameters &discretization,
    const LinearSolverParameters   &solver,
    Coefficient<dim>               &coefficient,
    const ProblemFunctions<dim>    &functions,
    TimerOutput                    &timer,
    const unsigned int              quadrature_subdivisions)
    : comm(comm)
    , n_cells(cells_per_direction)
    , discretization(discretization)
    , solver_parameters(solver)
    , coefficient(coefficient)
    , functions(functions)
    , timer(timer)
    , triangulation(make_distributed_triangulation<dim>(comm))
    , fe(discretization.degree)
    , dof_handler(*triangulation)
    , quadrature(QIterated<dim>(QGauss<1>(discretization.n_quadrature_points()),
                                quadrature_subdivisions))
  {}


  template <int dim>
  DiffusionProblem<dim>::DiffusionProblem(MPI_Comm              comm,
                                          FineScaleInputs<dim> &inputs,
                                          TimerOutput          &timer)
    : DiffusionProblem(comm,
                       inputs.mesh.fine_cells_per_direction,
                       inputs.discretization,
                       inputs.solver,
                       *inputs.coefficient,
                       inputs.functions,
                       timer)
  {}


  template <int dim>
  void
  DiffusionProblem<dim>::setup()
  {
    TimerOutput::Scope scope(timer, "FEM setup");
    make_unit_hypercube(*triangulation, n_cells);
    dof_handler.distribute_dofs(fe);
    owned_dofs    = dof_handler.locally_owned_dofs();
    relevant_dofs = DoFTools::extract_locally_relevant_dofs(dof_handler);

    homogeneous_constraints.clear();
    homogeneous_constraints.reinit(relevant_dofs);
    DoFTools::make_zero_boundary_constraints(dof_handler,
                                             0,
                                             homogeneous_constraints);
    homogeneous_constraints.close();

    // One pattern with all couplings serves the unconstrained A and M and
    // the constrained system matrix.
    DynamicSparsityPattern dsp(relevant_dofs);
    DoFTools::make_sparsity_pattern(dof_handler, dsp);
    SparsityTools::distribute_sparsity_pattern(dsp,
                                               owned_dofs,
                                               comm,
                                               relevant_dofs);
    stiffness.reinit(owned_dofs, owned_dofs, dsp, comm);
    system_matrix.reinit(owned_dofs, owned_dofs, dsp, comm);

    owned_solution.reinit(owned_dofs, comm);
    ghosted_solution.reinit(owned_dofs, relevant_dofs, comm);
  }


  template <int dim>
  void
  DiffusionProblem<dim>::assemble_matrices(const double theta_tau)
  {
    TimerOutput::Scope scope(timer, "FEM assembly");
    const bool         transient = theta_tau > 0;
    if (transient && mass.m() == 0)
      mass.reinit(stiffness);
    stiffness     = 0;
    system_matrix = 0;
    if (transient)
      mass = 0;

    FEValues<dim>       fe_values(fe,
                            quadrature,
                            update_values | update_gradients |
                              update_quadrature_points | update_JxW_values);
    const unsigned int  n_dofs_per_cell = fe.n_dofs_per_cell();
    const unsigned int  n_q             = quadrature.size();
    FullMatrix<double>  cell_stiffness(n_dofs_per_cell, n_dofs_per_cell);
    FullMatrix<double>  cell_mass(n_dofs_per_cell, n_dofs_per_cell);
    FullMatrix<double>  cell_system(n_dofs_per_cell, n_dofs_per_cell);
    std::vector<double> a(n_q), c(n_q, 0.);
    std::vector<types::global_dof_index> dofs(n_dofs_per_cell);

    double       a_min = std::numeric_limits<double>::max(), a_max = 0;
    unsigned int n_invalid = 0;

    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          coefficient.value_list(fe_values.get_quadrature_points(), a);
          if (functions.reaction)
            functions.reaction->value_list(fe_values.get_quadrature_points(),
                                           c);
          cell_stiffness = 0;
          cell_mass      = 0;
          for (unsigned int q = 0; q < n_q; ++q)
            {
              if (!(a[q] > 0) || !std::isfinite(a[q]))
                ++n_invalid;
              a_min            = std::min(a_min, a[q]);
              a_max            = std::max(a_max, a[q]);
              const double JxW = fe_values.JxW(q);
              for (unsigned int i = 0; i < n_dofs_per_cell; ++i)
                {
                  const auto   grad_i = fe_values.shape_grad(i, q);
                  const double phi_i  = fe_values.shape_value(i, q);
                  for (unsigned int j = 0; j <= i; ++j)
                    {
                      const double mass_ij =
                        phi_i * fe_values.shape_value(j, q) * JxW;
                      cell_stiffness(i, j) +=
                        a[q] * (grad_i * fe_values.shape_grad(j, q)) * JxW +
                        c[q] * mass_ij;
                      cell_mass(i, j) += mass_ij;
                    }
                }
            }
          for (unsigned int i = 0; i < n_dofs_per_cell; ++i)
            for (unsigned int j = 0; j < i; ++j)
              {
                cell_stiffness(j, i) = cell_stiffness(i, j);
                cell_mass(j, i)      = cell_mass(i, j);
              }

          cell->get_dof_indices(dofs);
          stiffness.add(dofs, cell_stiffness);
          cell_system = cell_stiffness;
          if (transient)
            {
              mass.add(dofs, cell_mass);
              cell_system *= theta_tau;
              cell_system.add(1., cell_mass);
            }
          homogeneous_constraints.distribute_local_to_global(cell_system,
                                                             dofs,
                                                             system_matrix);
        }
    stiffness.compress(VectorOperation::add);
    system_matrix.compress(VectorOperation::add);
    if (transient)
      mass.compress(VectorOperation::add);

    // A coefficient that is not positive somewhere makes the problem
    // ill-posed: stop with a message instead of a failing (or wrong) solve.
    n_invalid = Utilities::MPI::sum(n_invalid, comm);
    a_range   = {Utilities::MPI::min(a_min, comm),
                 Utilities::MPI::max(a_max, comm)};
    if (n_invalid > 0)
      throw InputError("Coefficient: the coefficient is not positive and "
                       "finite at " +
                       std::to_string(n_invalid) +
                       " quadrature points (smallest value " +
                       std::to_string(a_range.first) + ")");

    TrilinosWrappers::PreconditionAMG::AdditionalData amg;
    amg.elliptic              = true;
    amg.higher_order_elements = fe.degree > 1;
    amg.smoother_sweeps       = solver_parameters.smoother_sweeps;
    preconditioner.initialize(system_matrix, amg);
  }


  template <int dim>
  TrilinosWrappers::MPI::Vector
  DiffusionProblem<dim>::assemble_load(const double t) const
  {
    TimerOutput::Scope scope(timer, "FEM assembly");
    functions.right_hand_side->set_time(t);
    TrilinosWrappers::MPI::Vector load(owned_dofs, comm);

    FEValues<dim>                        fe_values(fe,
                            quadrature,
                            update_values | update_quadrature_points |
                              update_JxW_values);
    const unsigned int                   n_dofs_per_cell = fe.n_dofs_per_cell();
    Vector<double>                       cell_load(n_dofs_per_cell);
    std::vector<double>                  f(quadrature.size());
    std::vector<types::global_dof_index> dofs(n_dofs_per_cell);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          fe_values.reinit(cell);
          functions.right_hand_side
            ->value_list(fe_values.get_quadrature_points(), f);
          cell_load = 0;
          for (unsigned int q = 0; q < quadrature.size(); ++q)
            for (unsigned int i = 0; i < n_dofs_per_cell; ++i)
              cell_load(i) +=
                f[q] * fe_values.shape_value(i, q) * fe_values.JxW(q);
          cell->get_dof_indices(dofs);
          load.add(dofs, cell_load);
        }
    load.compress(VectorOperation::add);
    return load;
  }


  template <int dim>
  TrilinosWrappers::MPI::Vector
  DiffusionProblem<dim>::boundary_lift(const double t) const
  {
    functions.boundary_values->set_time(t);
    std::map<types::global_dof_index, double> values;
    VectorTools::interpolate_boundary_values(dof_handler,
                                             0,
                                             *functions.boundary_values,
                                             values);
    TrilinosWrappers::MPI::Vector lift(owned_dofs, comm);
    for (const auto &[dof, value] : values)
      if (owned_dofs.is_element(dof))
        lift[dof] = value;
    lift.compress(VectorOperation::insert);
    return lift;
  }


  template <int dim>
  void
  DiffusionProblem<dim>::solve(TrilinosWrappers::MPI::Vector       &rhs,
                               const TrilinosWrappers::MPI::Vector &lift)
  {
    TimerOutput::Scope scope(timer, "FEM solve");
    homogeneous_constraints.set_zero(rhs);

    // Start from the previous solution: saves iterations in time stepping.
    TrilinosWrappers::MPI::Vector w(owned_solution);
    w -= lift;
    homogeneous_constraints.set_zero(w);

    SolverControl control(solver_parameters.max_iterations,
                          solver_parameters.relative_tolerance * rhs.l2_norm(),
                          /*log_history=*/false,
                          /*log_result=*/false);
    // Zero data give w = 0; Trilinos' CG would report a breakdown.
    if (rhs.l2_norm() == 0)
      w = 0;
    else
      solver_parameters.run_solver("CG", control, dof_handler.n_dofs(), [&]() {
        TrilinosWrappers::SolverCG cg(control);
        cg.solve(system_matrix, w, rhs, preconditioner);
      });
    n_last_iterations = control.last_step();
    n_total_iterations += n_last_iterations;

    owned_solution = w;
    owned_solution += lift;
    ghosted_solution = owned_solution;
  }


  template <int dim>
  void
  DiffusionProblem<dim>::solve_stationary()
  {
    const double t = coefficient.get_time();
    functions.set_time(t);
    assemble_matrices(0.);
    TrilinosWrappers::MPI::Vector       rhs  = assemble_load(t);
    const TrilinosWrappers::MPI::Vector lift = boundary_lift(t);
    TrilinosWrappers::MPI::Vector       a_lift(owned_dofs, comm);
    stiffness.vmult(a_lift, lift);
    rhs -= a_lift;
    solve(rhs, lift);
  }


  template <int dim>
  void
  DiffusionProblem<dim>::solve_transient(
    const TimeSteppingParameters                    &time,
    const std::function<void(unsigned int, double)> &after_step)
  {
    const double theta = time.theta();
    const double tau   = time.time_step;

    coefficient.set_time(0.);
    functions.set_time(0.);
    assemble_matrices(theta * tau);
    TrilinosWrappers::MPI::Vector old_load = assemble_load(0.);
    {
      TrilinosWrappers::MPI::Vector initial(owned_dofs, comm);
      VectorTools::interpolate(dof_handler, *functions.initial_values, initial);
      owned_solution   = initial;
      ghosted_solution = owned_solution;
    }

    TrilinosWrappers::MPI::Vector rhs(owned_dofs, comm), tmp(owned_dofs, comm);
    for (unsigned int step = 1; step <= time.n_steps(); ++step)
      {
        const double t = step * tau;

        // M u^n - (1 - theta) tau A^n u^n, with the coefficient at t^n ...
        mass.vmult(rhs, owned_solution);
        if (theta < 1)
          {
            stiffness.vmult(tmp, owned_solution);
            rhs.add(-(1 - theta) * tau, tmp);
          }
        // ... before the matrices move on to t^{n+1}.
        functions.set_time(t);
        if (coefficient.is_time_dependent() ||
            functions.reaction_is_time_dependent)
          {
            coefficient.set_time(t);
            assemble_matrices(theta * tau);
          }

        const TrilinosWrappers::MPI::Vector new_load =
          functions.right_hand_side_is_time_dependent ? assemble_load(t) :
                                                        old_load;
        rhs.add(theta * tau, new_load, (1 - theta) * tau, old_load);

        const TrilinosWrappers::MPI::Vector lift = boundary_lift(t);
        if (lift.linfty_norm() > 0)
          {
            mass.vmult(tmp, lift);
            rhs -= tmp;
            stiffness.vmult(tmp, lift);
            rhs.add(-theta * tau, tmp);
          }
        solve(rhs, lift);
        old_load = new_load;
        after_step(step, t);
      }
  }


  template <int dim>
  const TrilinosWrappers::MPI::Vector &
  DiffusionProblem<dim>::solution() const
  {
    return ghosted_solution;
  }


  template <int dim>
  const DoFHandler<dim> &
  DiffusionProblem<dim>::get_dof_handler() const
  {
    return dof_handler;
  }


  template <int dim>
  const Quadrature<dim> &
  DiffusionProblem<dim>::get_quadrature() const
  {
    return quadrature;
  }


  template <int dim>
  types::global_dof_index
  DiffusionProblem<dim>::n_dofs() const
  {
    return dof_handler.n_dofs();
  }


  template <int dim>
  unsigned int
  DiffusionProblem<dim>::cells_per_direction() const
  {
    return n_cells;
  }


  template <int dim>
  unsigned int
  DiffusionProblem<dim>::last_iterations() const
  {
    return n_last_iterations;
  }


  template <int dim>
  unsigned int
  DiffusionProblem<dim>::total_iterations() const
  {
    return n_total_iterations;
  }


  template <int dim>
  std::pair<double, double>
  DiffusionProblem<dim>::coefficient_range() const
  {
    return a_range;
  }


  template <int dim>
  std::pair<double, double>
  DiffusionProblem<dim>::errors_against_exact_solution() const
  {
    AssertThrow(functions.exact_solution != nullptr,
                ExcMessage("no exact solution was given"));
    const QGauss<dim> error_quadrature(fe.degree + 3);
    Vector<float>     cellwise(triangulation->n_active_cells());
    VectorTools::integrate_difference(dof_handler,
                                      ghosted_solution,
                                      *functions.exact_solution,
                                      cellwise,
                                      error_quadrature,
                                      VectorTools::L2_norm);
    const double l2 = VectorTools::compute_global_error(*triangulation,
                                                        cellwise,
                                                        VectorTools::L2_norm);
    VectorTools::integrate_difference(dof_handler,
                                      ghosted_solution,
                                      *functions.exact_solution,
                                      cellwise,
                                      error_quadrature,
                                      VectorTools::H1_seminorm);
    const double h1 =
      VectorTools::compute_global_error(*triangulation,
                                        cellwise,
                                        VectorTools::H1_seminorm);
    return {l2, h1};
  }


  template <int dim>
  void
  DiffusionProblem<dim>::write_vtu(const std::string &directory,
                                   const std::string &name,
                                   const unsigned int counter) const
  {
    TimerOutput::Scope scope(timer, "output");
    Vector<float>      a(triangulation->n_active_cells());
    Vector<float>      partition(triangulation->n_active_cells());
    for (const auto &cell : triangulation->active_cell_iterators())
      if (cell->is_locally_owned())
        {
          a(cell->active_cell_index()) = coefficient.value(cell->center());
          partition(cell->active_cell_index()) = cell->subdomain_id();
        }

    DataOut<dim> data_out;
    data_out.attach_dof_handler(dof_handler);
    data_out.add_data_vector(ghosted_solution, "u");
    data_out.add_data_vector(a, "coefficient");
    data_out.add_data_vector(partition, "subdomain");
    data_out.build_patches(fe.degree);
    DataOutBase::VtkFlags flags;
    flags.compression_level = DataOutBase::VtkFlags::best_speed;
    data_out.set_flags(flags);
    data_out.write_vtu_with_pvtu_record(directory + "/",
                                        name,
                                        counter,
                                        comm,
                                        4);
  }


  template class DiffusionProblem<1>;
  template class DiffusionProblem<2>;
  template class DiffusionProblem<3>;
} // namespace neuhom
