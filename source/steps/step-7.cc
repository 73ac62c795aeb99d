/* ---------------------------------------------------------------------------
 * neuhom step-7: Brownian walkers learn the homogenized solution.
 *
 * Han & Lee's derivative-free loss (DFLM) for -div(a(x/eps, u) grad u) = f,
 * u = g on the boundary of the unit square. Divided by -2a the equation is
 *
 *   1/2 Lap u + V . grad u - G = 0,  V = grad[a] / (2a),  G = -f / (2a),
 *
 * and u is characterized by the martingale property: for Brownian paths B
 * started at x, the Girsanov-weighted value
 *
 *   u(x) = E[(u(B_Dt) - int_0^Dt G ds) exp(int V . dB - 1/2 int |V|^2 ds)].
 *
 * A plain ReLU network is trained to match, at points redrawn every
 * iteration, the Monte-Carlo average of that expression evaluated with its
 * own previous parameters (bootstrapping), plus a boundary MSE. The walkers
 * take K micro steps dt = (eps/m0)^2/kappa^2 resolving the coefficient, up to
 * a macro step Dt = K dt that lets them explore an eps-cell; K = d m0^2/4
 * does not depend on eps, and neither does the cost of an iteration. The
 * average over an eps-neighbourhood is what lets the smooth network see the
 * homogenized solution instead of the oscillations.
 *
 * The program computes the deal.II references first (fine-scale FEM, and the
 * homogenized problem with A* from the periodic cell problems; Newton for a
 * = c + alpha u^2), then trains, and reports the network's relative L2
 * errors against both on the paper's 501 x 501 grid.
 * ------------------------------------------------------------------------- */

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>

#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/run_output.h>
#include <neuhom/core/summary.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/fine_scale_inputs.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/fem/quasilinear_diffusion_problem.h>
#include <neuhom/fem/structured_q1_field.h>
#include <neuhom/methods/walkers/references.h>
#include <neuhom/methods/walkers/time_steps.h>
#include <neuhom/methods/walkers/walker_loss.h>
#include <neuhom/nn/memory.h>
#include <neuhom/nn/network.h>
#include <neuhom/nn/trainer.h>

#include <filesystem>
#include <iomanip>
#include <sstream>

namespace Step7
{
  using namespace dealii;
  using namespace neuhom;
  using namespace neuhom::walkers;

  // @sect3{Parameters}
  //
  // The fine problem (mesh, coefficient alpha, f, g) comes from the shared
  // subsections; the nonlinearity turns alpha into a(x, u); the walkers,
  // network and training are the method; the references say how the network
  // is judged.
  void
  declare_parameters(ParameterHandler &prm)
  {
    FineScaleInputs<2>::declare_parameters(prm);
    Nonlinearity::declare_parameters(prm);
    WalkerParameters::declare_parameters(prm);
    NetworkParameters::declare_parameters(prm);
    TrainingParameters::declare_parameters(prm);
    ReferenceParameters::declare_parameters(prm);
  }


  // A reference solution as its values on the (n+1)^2 evaluation grid.
  std::vector<double>
  on_grid(const DoFHandler<2>                 &dof_handler,
          const TrilinosWrappers::MPI::Vector &u,
          const unsigned int                   cells,
          const unsigned int                   n)
  {
    const StructuredQ1Field<2> field(dof_handler, u, cells);
    std::vector<double>        values;
    values.reserve((n + 1) * (n + 1));
    for (unsigned int j = 0; j <= n; ++j)
      for (unsigned int i = 0; i <= n; ++i)
        values.push_back(field.value(Point<2>(double(i) / n, double(j) / n)));
    return values;
  }


  // Every k-th point of each direction of a grid with n cells.
  std::vector<double>
  subsample(const std::vector<double> &values,
            const unsigned int         n,
            const unsigned int         k)
  {
    std::vector<double> result;
    for (unsigned int j = 0; j <= n; j += k)
      for (unsigned int i = 0; i <= n; i += k)
        result.push_back(values[i + j * (n + 1)]);
    return result;
  }


  void
  run(ParameterHandler &prm, const RunSettings &settings)
  {
    const MPI_Comm comm = MPI_COMM_WORLD;

    // Parse every component before any work or output.
    FineScaleInputs<2> inputs;
    inputs.parse_parameters(prm, comm);
    auto &[mesh, coefficient, functions, discretization, solver, time] = inputs;
    require(discretization.degree == 1,
            "Discretization/Polynomial degree",
            "must be 1: the references are compared as Q1 fields");
    require(!functions.reaction,
            "Problem/Reaction coefficient",
            "must be 0: the walkers solve -div(a grad u) = f");
    Nonlinearity nonlinearity;
    nonlinearity.parse_parameters(prm);
    WalkerParameters walker_parameters;
    walker_parameters.parse_parameters(prm);
    require(nonlinearity.quadratic ||
              walker_parameters.solution_table_cells == 0,
            "Walkers/Solution table cells",
            "must be 0 for Nonlinearity/Type = linear: the walkers of a "
            "linear coefficient do not read the solution");
    NetworkParameters network_parameters;
    network_parameters.parse_parameters(prm);
    TrainingParameters training_parameters;
    training_parameters.parse_parameters(prm);
    ReferenceParameters references;
    references.parse_parameters(prm);
    require(references.evaluation_cells % references.validation_cells == 0,
            "References/Validation cells per direction",
            "must divide the evaluation cells per direction " +
              std::to_string(references.evaluation_cells));
    // Refuse up front what would not fit: the walkers (position, log-weight,
    // reward, exit flag in float64), the network's forward pass at their end
    // points (no gradients: two layers' outputs and a temporary alive), and
    // one training step on the interior and boundary points.
    const double n_walkers = double(walker_parameters.interior_points) *
                             walker_parameters.walkers_per_point;
    const double element_size = c10::elementSize(network_parameters.dtype);
    check_memory(
      n_walkers * 8 * 8 +
        3 * n_walkers * network_parameters.width * element_size +
        estimate_training_memory(network_parameters,
                                 double(walker_parameters.interior_points) +
                                   walker_parameters.boundary_points,
                                 2),
      "Walkers/Walkers per point",
      comm);
    const double    eps = coefficient->feature_size();
    const TimeSteps steps =
      choose_time_steps(walker_parameters.time_steps, eps, 2);
    // Training files live in the output directory unless given absolutely.
    const auto in_output = [&](const std::string &file) {
      return file.empty() || file.front() == '/' ?
               file :
               settings.output_directory + "/" + file;
    };
    training_parameters.history_file =
      in_output(training_parameters.history_file.empty() ?
                  std::string("training-history.csv") :
                  training_parameters.history_file);
    training_parameters.checkpoint_file =
      in_output(training_parameters.checkpoint_file);
    require(!training_parameters.resume ||
              std::filesystem::exists(training_parameters.checkpoint_file),
            "Training/Resume",
            "the checkpoint file '" + training_parameters.checkpoint_file +
              "' does not exist");
    if (settings.validate_only)
      return;

    RunOutput                 output("step-7", settings, prm, comm);
    const ConditionalOStream &pcout   = output.pcout;
    TimerOutput              &timer   = output.timer;
    Summary                  &summary = output.summary;

    pcout << "step-7: Brownian-walker network (DFLM) on "
          << Utilities::MPI::n_mpi_processes(comm) << " MPI rank(s)\n"
          << "  eps = " << eps << ", a(x, u) = "
          << (nonlinearity.quadratic ?
                to_text(nonlinearity.constant) + " + alpha(x) u^2" :
                std::string("alpha(x)"))
          << "\n  walkers: dt = " << steps.micro_step << " (bound "
          << steps.micro_step_bound << "), K = " << steps.micro_steps
          << ", Dt = " << steps.macro_step() << " (bound "
          << steps.macro_step_bound
          << "), N_r = " << walker_parameters.interior_points
          << ", N_s = " << walker_parameters.walkers_per_point
          << ", N_b = " << walker_parameters.boundary_points << std::endl;
    if (steps.initial_factor > 1 && steps.schedule_iterations > 0)
      pcout << "  macro-step schedule: K = " << steps.micro_steps_at(0)
            << " at the start, down to " << steps.micro_steps
            << " after iteration " << steps.schedule_iterations << std::endl;
    if (walker_parameters.solution_table_cells > 0)
      pcout << "  the walkers read u and grad u of the network from a table "
               "of "
            << walker_parameters.solution_table_cells << "^2 cells"
            << std::endl;
    if (walker_parameters.iterations_per_target > 1)
      pcout << "  new points and targets every "
            << walker_parameters.iterations_per_target << " iterations"
            << std::endl;
    for (const std::string &warning : steps.warnings)
      pcout << "  Warning: " << warning << std::endl;
    summary.set_metric("micro_step", steps.micro_step);
    summary.set_metric("macro_step", steps.macro_step());
    summary.set_metric("micro_steps_per_macro_step", steps.micro_steps);
    summary.set_metric("micro_step_bound", steps.micro_step_bound);
    summary.set_metric("macro_step_bound", steps.macro_step_bound);

    // @sect3{References}
    //
    // The fine-scale solution: DiffusionProblem for a linear coefficient,
    // Newton (QuasilinearDiffusionProblem) for a = c + alpha u^2.
    const unsigned int  n_eval = references.evaluation_cells;
    std::vector<double> fine_values;
    {
      TimerOutput::Scope scope(timer, "fine reference");
      if (!nonlinearity.quadratic)
        {
          DiffusionProblem<2> fine(comm, inputs, timer);
          fine.setup();
          fine.solve_stationary();
          fine_values = on_grid(fine.get_dof_handler(),
                                fine.solution(),
                                mesh.fine_cells_per_direction,
                                n_eval);
        }
      else
        {
          const auto a = [&](const Point<2> &x,
                             const double    u,
                             Tensor<2, 2>   &K,
                             Tensor<2, 2>   &dK) {
            const double alpha = coefficient->value(x);
            K  = nonlinearity.value(alpha, u) * unit_symmetric_tensor<2>();
            dK = nonlinearity.derivative(alpha, u) * unit_symmetric_tensor<2>();
          };
          QuasilinearDiffusionProblem<2> fine(
            comm,
            mesh.fine_cells_per_direction,
            discretization.n_quadrature_points(),
            a,
            *functions.right_hand_side,
            *functions.boundary_values,
            solver);
          const unsigned int newton = fine.solve(references.newton_tolerance);
          summary.set_metric("fine_newton_iterations", newton);
          fine_values = on_grid(fine.get_dof_handler(),
                                fine.solution(),
                                mesh.fine_cells_per_direction,
                                n_eval);
        }
    }
    double max_fine = 0;
    for (const double u : fine_values)
      max_fine = std::max(max_fine, std::abs(u));
    summary.set_metric("fine_max_abs_u", max_fine);
    pcout << "  fine FEM on " << mesh.fine_cells_per_direction
          << "^2 cells: max |u| = " << max_fine << std::endl;

    // The homogenized solution: A*(s) from the cell problems, then
    // -div(A*(u) grad u) = f by Newton on a mesh that resolves only the
    // macroscale.
    std::vector<double> homogenized_values;
    if (references.homogenized)
      {
        TimerOutput::Scope             scope(timer, "homogenized reference");
        const HomogenizedCoefficient   A(*coefficient,
                                       eps,
                                       nonlinearity,
                                       references.cell_problem_cells,
                                       1.2 * max_fine,
                                       references.solution_table_points);
        QuasilinearDiffusionProblem<2> homogenized(
          comm,
          references.homogenized_cells,
          discretization.n_quadrature_points(),
          [&](const Point<2> &,
              const double  u,
              Tensor<2, 2> &K,
              Tensor<2, 2> &dK) {
            A(u, K, dK);
          },
          *functions.right_hand_side,
          *functions.boundary_values,
          solver);
        homogenized.solve(references.newton_tolerance);
        homogenized_values = on_grid(homogenized.get_dof_handler(),
                                     homogenized.solution(),
                                     references.homogenized_cells,
                                     n_eval);
        const double gap =
          relative_l2_difference(homogenized_values, fine_values);
        summary.set_metric("effective_coefficient_at_zero", A.value(0)[0][0]);
        summary.set_metric("homogenized_rel_l2_error_vs_fine", gap);
        pcout << "  homogenized: A*(0) = " << A.value(0)
              << ", rel. L2 distance to the fine solution " << gap << std::endl;
      }

    // @sect3{Training}
    //
    // The walkers read alpha, grad alpha, f and g from tables fine enough to
    // resolve eps; alpha from one period when it repeats with period eps.
    // The loss function draws new points every iteration; the target inside
    // it is computed with the network as it is before the step, which is the
    // bootstrapping of the DFLM.
    const unsigned int table_cells =
      std::max(256u,
               static_cast<unsigned int>(
                 std::ceil(walker_parameters.table_points_per_eps / eps)));
    std::unique_ptr<WalkerProblem> problem;
    {
      TimerOutput::Scope scope(timer, "walker tables");
      problem =
        std::make_unique<WalkerProblem>(*coefficient,
                                        *functions.right_hand_side,
                                        *functions.boundary_values,
                                        nonlinearity,
                                        table_cells,
                                        walker_parameters.periodic_table ? eps :
                                                                           0.);
    }
    const TabulatedField &alpha_table = problem->coefficient_table();
    if (alpha_table.period() > 0)
      pcout << "  the walkers read alpha from one period (a table of "
            << alpha_table.cells_per_direction() << "^2 cells) and f from "
            << problem->rhs_table().cells_per_direction() << "^2 cells"
            << std::endl;
    else
      pcout << "  the walkers read alpha and f from a table of "
            << alpha_table.cells_per_direction() << "^2 cells" << std::endl;
    auto network = create_network(network_parameters, 2, 1);
    // Kinks that fan out from the corner (0, 0) left the network's error
    // near (1, 1) several times larger (doc/step-7.md, "the first layer").
    if (const auto mlp = std::dynamic_pointer_cast<MLP>(network))
      mlp->center_first_layer({0.5, 0.5});
    Trainer    trainer(training_parameters,
                    *network,
                    {"interior", "boundary"},
                    comm);
    WalkerLoss loss(
      *problem,
      *network,
      walker_parameters,
      steps,
      [&trainer]() {
        return trainer.iteration();
      },
      comm);
    // Frozen targets (Iterations per target > 1) are part of the training
    // state: a resumed run must continue with the same ones.
    trainer.add_checkpoint_state(loss.checkpoint_state());

    // The error curve of the paper's figures: the relative error against
    // the fine solution on a coarser grid, in the history's
    // validation_loss column.
    const unsigned int        k_val = n_eval / references.validation_cells;
    const std::vector<double> fine_validation =
      subsample(fine_values, n_eval, k_val);
    trainer.set_validation([&]() {
      return relative_l2_difference(
        evaluate_on_grid(*network, references.validation_cells),
        fine_validation);
    });

    Timer          timer_training;
    TrainingResult result;
    {
      TimerOutput::Scope scope(timer, "training");
      result = trainer.train(
        [&]() {
          return loss();
        },
        pcout);
    }
    const double training_seconds = timer_training.wall_time();

    // @sect3{Results}
    const std::vector<double> network_values =
      evaluate_on_grid(*network, n_eval);
    const double error_fine =
      relative_l2_difference(network_values, fine_values);
    summary.set_metric("rel_l2_error_vs_fine", error_fine);
    if (!homogenized_values.empty())
      summary.set_metric("rel_l2_error_vs_homogenized",
                         relative_l2_difference(network_values,
                                                homogenized_values));
    const double walkers_per_iteration =
      double(walker_parameters.interior_points) *
      walker_parameters.walkers_per_point;
    summary.set_metric("iterations", result.iterations);
    summary.set_metric("final_loss", result.loss);
    summary.set_metric("training_seconds", training_seconds);
    // The rates and the walker statistics are those of this run: a resumed
    // run restores the other iterations from the checkpoint, and one
    // resumed at its end only evaluates the network, without any rates.
    const unsigned int iterations_run =
      result.iterations - result.first_iteration;
    if (iterations_run > 0)
      {
        summary.set_metric("seconds_per_iteration",
                           training_seconds / iterations_run);
        // CPU time of the slowest rank: on a loaded machine the wall time
        // also measures the other processes.
        summary.set_metric("cpu_seconds_per_iteration",
                           Utilities::MPI::max(timer_training.cpu_time(),
                                               comm) /
                             iterations_run);
        // Walkers run only at the iterations that draw new targets, with
        // the macro step of the schedule there.
        double walkers = 0, walker_steps = 0;
        for (unsigned int n = 0; n < result.iterations;
             n += walker_parameters.iterations_per_target)
          if (n >= result.first_iteration)
            {
              walkers += walkers_per_iteration;
              walker_steps += walkers_per_iteration * steps.micro_steps_at(n);
            }
        summary.set_metric("walkers_per_second", walkers / training_seconds);
        summary.set_metric("walker_steps_per_second",
                           walker_steps / training_seconds);
        const WalkerStatistics &statistics = loss.last_statistics();
        summary.set_metric("mean_girsanov_weight",
                           Utilities::MPI::sum(statistics.mean_weight, comm) /
                             Utilities::MPI::n_mpi_processes(comm));
        summary.set_metric(
          "exited_walker_fraction",
          Utilities::MPI::sum(double(statistics.exited), comm) /
            Utilities::MPI::sum(double(statistics.walkers), comm));
      }
    pcout << "  network rel. L2 error vs fine " << error_fine;
    if (!homogenized_values.empty())
      pcout << ", vs homogenized "
            << summary.metric("rel_l2_error_vs_homogenized");
    pcout << "\n  " << iterations_run << " iterations in " << training_seconds
          << " s";
    if (iterations_run > 0)
      pcout << ", " << summary.metric("walkers_per_second") << " walkers/s";
    if (result.first_iteration > 0)
      pcout << " (resumed at iteration " << result.first_iteration << ")";
    pcout << std::endl;

    // Sections for the plots: x2 = 1/2 and the diagonal x1 = x2.
    std::ostringstream csv;
    csv << "section,s,network,fine"
        << (homogenized_values.empty() ? "" : ",homogenized") << '\n'
        << std::setprecision(10);
    for (unsigned int i = 0; i <= n_eval; ++i)
      for (const bool diagonal : {false, true})
        {
          const unsigned int j = diagonal ? i : n_eval / 2;
          const unsigned int k = i + j * (n_eval + 1);
          csv << (diagonal ? "diagonal," : "x2=0.5,") << double(i) / n_eval
              << ',' << network_values[k] << ',' << fine_values[k];
          if (!homogenized_values.empty())
            csv << ',' << homogenized_values[k];
          csv << '\n';
        }
    output.write_file("sections.csv", csv.str());
    output.finish();
  }
} // namespace Step7


int
main(int argc, char **argv)
{
  return neuhom::run_program(
    argc,
    argv,
    "step-7",
    "Brownian-walker networks (derivative-free loss) learn the homogenized "
    "solution",
    &Step7::declare_parameters,
    [](dealii::ParameterHandler &prm, const neuhom::RunSettings &settings) {
      neuhom::require(settings.dimension == 2,
                      "Dimension",
                      "step-7 runs in 2D (the walkers' tables are 2D)");
      Step7::run(prm, settings);
    });
}
