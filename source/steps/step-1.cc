/* ---------------------------------------------------------------------------
 * neuhom step-1: why multiscale problems need more than a coarse mesh.
 *
 * We solve  -div(a_eps grad u) = f  (or its parabolic version) on the unit
 * square or cube with a coefficient that oscillates on the scale eps. The
 * fine-scale FEM solution on a mesh with h << eps is the reference. Plain Q1
 * finite elements on coarse meshes H = 1/4, 1/8, ... are then compared with
 * it: as long as H > eps their error does not decrease at all (the
 * pre-asymptotic regime), and only once H resolves eps does the usual O(H)
 * energy-norm convergence set in. Every method in neuhom exists to close
 * that gap at the cost of a coarse mesh.
 * ------------------------------------------------------------------------- */

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/progress.h>
#include <neuhom/core/run_output.h>
#include <neuhom/core/summary.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/field_comparison.h>
#include <neuhom/fem/fine_scale_inputs.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/fem/structured_q1_field.h>

#include <fstream>
#include <iomanip>

namespace Step1
{
  using namespace dealii;
  using namespace neuhom;

  // @sect3{Parameters}
  //
  // Besides the shared components (mesh, coefficient, problem data, solver,
  // time stepping), step-1 has one subsection of its own: which problem to
  // solve and on which coarse meshes to compare.
  struct ComparisonParameters
  {
    std::string               problem_type = "elliptic";
    std::vector<unsigned int> coarse_cells;

    static void
    declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Coarse FEM");
      prm.declare_entry("Problem type",
                        "elliptic",
                        Patterns::Selection("elliptic|parabolic"),
                        "Solve -div(a grad u) = f, or u_t - div(a grad u) = f "
                        "and compare at the final time.");
      prm.declare_entry("Coarse cells per direction",
                        "4, 8, 16, 32, 64, 128",
                        Patterns::List(Patterns::Integer(1), 1),
                        "1/H for each coarse mesh on which plain Q1 FEM is "
                        "compared with the fine solution. Each must divide "
                        "the fine cells per direction.");
      prm.leave_subsection();
    }

    void
    parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Coarse FEM");
      problem_type = prm.get("Problem type");
      coarse_cells =
        Patterns::Tools::Convert<std::vector<unsigned int>>::to_value(
          prm.get("Coarse cells per direction"));
      prm.leave_subsection();
    }
  };


  void
  declare_parameters(ParameterHandler &prm)
  {
    FineScaleInputs<2>::declare_parameters(prm);
    ComparisonParameters::declare_parameters(prm);
  }


  // @sect3{The comparison}
  template <int dim>
  void
  run(ParameterHandler &prm, const RunSettings &settings)
  {
    // Parse every component before any work or output: bad input stops
    // the program here with a message naming the entry.
    const MPI_Comm       comm = MPI_COMM_WORLD;
    FineScaleInputs<dim> inputs;
    inputs.parse_parameters(prm, comm);
    auto &[mesh, coefficient, functions, discretization, solver, time] = inputs;
    ComparisonParameters comparison;
    comparison.parse_parameters(prm);
    for (const unsigned int n : comparison.coarse_cells)
      check_nested(n,
                   mesh.fine_cells_per_direction,
                   "Coarse FEM/Coarse cells per direction");
    const bool parabolic = comparison.problem_type == "parabolic";
    if (settings.validate_only)
      return;

    RunOutput                 output("step-1", settings, prm, comm);
    const ConditionalOStream &pcout   = output.pcout;
    TimerOutput              &timer   = output.timer;
    Summary                  &summary = output.summary;

    // @sect4{The fine-scale reference}
    //
    // The same DiffusionProblem class solves on the fine and on the coarse
    // meshes; only the number of cells (and, for coarse meshes, the number
    // of quadrature subdivisions that keeps the coefficient resolved)
    // differs.
    DiffusionProblem<dim> fine(comm, inputs, timer);
    fine.setup();
    pcout << "step-1: " << comparison.problem_type << " multiscale problem in "
          << dim << "D on " << Utilities::MPI::n_mpi_processes(comm)
          << " MPI rank(s), " << settings.threads_per_rank
          << " thread(s) per rank\n"
          << "  eps = " << coefficient->feature_size() << ", fine mesh h = 1/"
          << mesh.fine_cells_per_direction << ", Q" << discretization.degree
          << ", " << fine.n_dofs() << " DoFs" << std::endl;

    // Solve stationary or transient; in the transient case the comparison
    // below is at the final time.
    // Solve stationary or transient; in the transient case the comparison
    // below is at the final time. Fields named @p name are written at the
    // end, and every "Output every" steps for @p with_snapshots.
    const auto solve = [&](DiffusionProblem<dim> &problem,
                           const std::string     &name,
                           const bool             with_snapshots) {
      const auto write = [&](const unsigned int counter) {
        if (settings.write_vtu)
          problem.write_vtu(settings.output_directory, name, counter);
      };
      if (!parabolic)
        {
          problem.solve_stationary();
          return write(0);
        }
      Progress progress(pcout, name + ": time step", time.n_steps());
      problem.solve_transient(time, [&](unsigned int step, double t) {
        progress.update(step,
                        "t = " + to_text(t) + ", CG " +
                          std::to_string(problem.last_iterations()));
        const bool snapshot = with_snapshots && time.output_every > 0 &&
                              step % time.output_every == 0;
        if (snapshot || step == time.n_steps())
          write(step);
      });
    };

    Timer fine_timer;
    solve(fine, "fine", true);
    const double fine_seconds = fine_timer.wall_time();
    pcout << "  coefficient range [" << fine.coefficient_range().first << ", "
          << fine.coefficient_range().second
          << "], fine solve: " << fine.total_iterations() << " CG iterations, "
          << std::fixed << std::setprecision(2) << fine_seconds << " s"
          << std::endl
          << std::defaultfloat;

    summary.set_metric("fine_dofs", fine.n_dofs());
    summary.set_metric("fine_solve_cg_iterations", fine.total_iterations());
    summary.set_metric("fine_solve_seconds", fine_seconds);
    summary.set_metric("coefficient_contrast",
                       fine.coefficient_range().second /
                         fine.coefficient_range().first);
    if (functions.exact_solution)
      {
        const auto [l2, h1] = fine.errors_against_exact_solution();
        summary.set_metric("fine_l2_error_vs_exact", l2);
        summary.set_metric("fine_h1_seminorm_error_vs_exact", h1);
        pcout << "  fine error vs exact solution: L2 " << l2 << ", H1 " << h1
              << std::endl;
      }

    // @sect4{Plain Q1 on coarse meshes}
    pcout << "\n     H   coarse DoFs   rel. L2 error   rel. energy error\n";
    std::ostringstream csv;
    csv << "coarse_cells,H,coarse_dofs,rel_l2_error_vs_fine,"
           "rel_energy_error_vs_fine\n";
    for (const unsigned int n : comparison.coarse_cells)
      {
        DiffusionProblem<dim> coarse(
          comm,
          n,
          DiscretizationParameters{1, discretization.quadrature_points},
          solver,
          *coefficient,
          functions,
          timer,
          mesh.fine_cells_per_direction / n);
        coarse.setup();
        solve(coarse, "coarse-H" + std::to_string(n), false);
        const StructuredQ1Field<dim> coarse_field(coarse.get_dof_handler(),
                                                  coarse.solution(),
                                                  n);
        const FieldDifference        difference =
          compare_with_fine(fine, *coefficient, coarse_field);

        const std::string suffix = "_H" + std::to_string(n);
        summary.set_metric("coarse_fem_rel_l2_error_vs_fine" + suffix,
                           difference.relative_l2());
        summary.set_metric("coarse_fem_rel_energy_error_vs_fine" + suffix,
                           difference.relative_energy());
        pcout << std::setw(6) << ("1/" + std::to_string(n)) << std::setw(14)
              << coarse.n_dofs() << std::scientific << std::setprecision(3)
              << std::setw(16) << difference.relative_l2() << std::setw(20)
              << difference.relative_energy() << std::defaultfloat << std::endl;
        csv << n << ',' << 1. / n << ',' << coarse.n_dofs() << ','
            << std::setprecision(10) << difference.relative_l2() << ','
            << difference.relative_energy() << '\n';
      }

    output.write_file("coarse-fem.csv", csv.str());
    output.finish();
  }
} // namespace Step1


int
main(int argc, char **argv)
{
  return neuhom::run_program(
    argc,
    argv,
    "step-1",
    "fine-scale FEM vs plain coarse Q1 FEM on a multiscale problem",
    &Step1::declare_parameters,
    [](dealii::ParameterHandler &prm, const neuhom::RunSettings &settings) {
      if (settings.dimension == 1)
        Step1::run<1>(prm, settings);
      else if (settings.dimension == 2)
        Step1::run<2>(prm, settings);
      else
        Step1::run<3>(prm, settings);
    });
}
