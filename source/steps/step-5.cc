/* ---------------------------------------------------------------------------
 * neuhom step-5: the hybrid PINN multiscale solver (Hintermueller & Korolev).
 *
 * A physics-informed network v_theta learns the fine-scale solution of
 *
 *   -div(K_eps grad u) = q + d_1 K_eps  in (0,1)^d,   u = 0 on the boundary,
 *
 * i.e. of the upscaling problem with the linear boundary data x_1, whose
 * flux average K_hat[u] = int K_eps (d_1 u + 1) is the upscaled coefficient.
 * The hybrid solver adds to the PINN residual a coupling to a coarse Q1
 * state y_h solving -div(K_hat[v_theta] grad y) = q: the weak-convergence
 * term tau2 sum_l w_l ((Q_delta v)(x_l) - y_h(x_l))^2, with Q_delta the local
 * average over a ball of diameter eps. Since y_h depends on theta through
 * K_hat, its gradient has an adjoint part: one coarse adjoint solve per
 * iteration (deal.II) times grad_theta K_hat (autodiff).
 *
 * The program compares plain PINN and hybrid, MLP and Ms-PINN (multiscale
 * Fourier features), over several seeds, against a fine deal.II FEM
 * reference, and writes the errors at the iterate with the smallest PINN
 * residual, K_hat against the homogenized coefficient, convergence
 * histories and fields.
 *
 * The (variant, seed) runs are independent: they are spread over the MPI
 * ranks (run j on rank j mod n_ranks), each trains on its own rank, so the
 * numbers do not depend on the number of ranks. The fine reference is one
 * distributed solve.
 * ------------------------------------------------------------------------- */

#include <deal.II/base/function_lib.h>
#include <deal.II/base/mpi.h>

#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/run_output.h>
#include <neuhom/core/stop_request.h>
#include <neuhom/core/summary.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/fine_scale_inputs.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/fem/periodic_cell_problem.h>
#include <neuhom/methods/hybrid_pinn/hybrid_pinn.h>
#include <neuhom/methods/hybrid_pinn/reference.h>
#include <neuhom/nn/memory.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <map>
#include <numeric>
#include <sstream>

namespace Step5
{
  using namespace dealii;
  using namespace neuhom;
  using namespace neuhom::hybrid_pinn;

  // @sect3{Parameters}
  //
  // Each architecture has its own network and training subsections, because
  // the paper trains them differently (Ms-PINN: 2 x 128 tanh, lr 5e-4; MLP:
  // 8 x 64 tanh, lr 1e-3); the comparison lists the variants and seeds.
  const std::vector<std::string> architectures = {"MLP", "Ms-PINN"};

  struct ComparisonParameters
  {
    std::vector<std::string>  variants;
    std::vector<unsigned int> seeds;
    double                    success_threshold = 0.1;
    double                    cell_size         = 1;

    static void
    declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Comparison");
      prm.declare_entry(
        "Variants",
        "hybrid ms-pinn, ms-pinn",
        Patterns::List(Patterns::Selection(
                         "hybrid ms-pinn|ms-pinn|hybrid mlp|mlp"),
                       1),
        "hybrid: with the coarse coupling; ms-pinn / mlp: the "
        "network of subsection Ms-PINN / MLP.");
      prm.declare_entry("Seeds",
                        "1, 2",
                        Patterns::List(Patterns::Integer(0), 1),
                        "Each run draws its network and collocation points "
                        "from one seed.");
      prm.declare_entry("Success threshold",
                        "0.1",
                        Patterns::Double(0.),
                        "A run counts as successful if its relative L2 "
                        "error is below this.");
      prm.declare_entry("Periodicity cell",
                        "1",
                        Patterns::Double(0.),
                        "The period of the coefficient in multiples of eps "
                        "(per direction), for the homogenized K*_11: "
                        "K(x) = a(x / (c eps)) with a 1-periodic.");
      prm.leave_subsection();
    }

    void
    parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Comparison");
      cell_size = prm.get_double("Periodicity cell");
      variants  = Utilities::split_string_list(prm.get("Variants"));
      seeds     = Patterns::Tools::Convert<std::vector<unsigned int>>::to_value(
        prm.get("Seeds"));
      success_threshold = prm.get_double("Success threshold");
      prm.leave_subsection();
    }
  };


  void
  declare_parameters(ParameterHandler &prm)
  {
    FineScaleInputs<2>::declare_parameters(prm);
    HybridPINNParameters::declare_parameters(prm);
    // The paper's settings as defaults: full-batch Adam, lr0 * 0.75^(it/k)
    // (k = 10^4, see doc/step-5.md), gradient-norm loss balancing every 100
    // iterations.
    const std::map<std::string,
                   std::vector<std::pair<std::string, std::string>>>
      defaults = {{"MLP",
                   {{"Network/Type", "mlp"},
                    {"Network/Hidden layers", "8"},
                    {"Network/Width", "64"},
                    {"Training/Learning rate", "1e-3"}}},
                  {"Ms-PINN",
                   {{"Network/Type", "fourier features"},
                    {"Network/Hidden layers", "2"},
                    {"Network/Width", "128"},
                    {"Network/Fourier features/Scales", "1, 15"},
                    {"Network/Fourier features/Features per scale", "64"},
                    {"Training/Learning rate", "5e-4"}}}};
    for (const auto &architecture : architectures)
      {
        prm.enter_subsection(architecture);
        NetworkParameters::declare_parameters(prm);
        TrainingParameters::declare_parameters(prm);
        auto entries = defaults.at(architecture);
        entries.insert(entries.end(),
                       {{"Training/Iterations", "2000"},
                        {"Training/Schedule", "exponential"},
                        {"Training/Decay rate", "0.75"},
                        {"Training/Decay steps", "10000"},
                        {"Training/Loss weighting", "gradient norm"},
                        {"Training/Rebalance interval", "100"},
                        {"Training/Validation interval", "100"}});
        for (const auto &[path, value] : entries)
          {
            auto parts = Utilities::split_string_list(path, '/');
            for (unsigned int i = 0; i + 1 < parts.size(); ++i)
              prm.enter_subsection(parts[i]);
            prm.set(parts.back(), value);
            for (unsigned int i = 0; i + 1 < parts.size(); ++i)
              prm.leave_subsection();
          }
        prm.leave_subsection();
      }
    ComparisonParameters::declare_parameters(prm);
  }


  struct Architecture
  {
    NetworkParameters  network;
    TrainingParameters training;
  };


  // "hybrid ms-pinn" -> "hybrid_ms_pinn" for metric and file names.
  std::string
  snake_case(std::string name)
  {
    std::replace(name.begin(), name.end(), ' ', '_');
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
  }


  // The homogenized coefficient K*_11 of K(x) = a(x / p), a 1-periodic with
  // period p: the harmonic mean in 1D, the periodic cell problem in 2D.
  template <int dim>
  double
  homogenized_coefficient(const Function<dim> &coefficient, const double period)
  {
    ScalarFunctionFromFunctionObject<dim> cell([&](const Point<dim> &y) {
      return coefficient.value(Point<dim>(period * y));
    });
    if constexpr (dim == 1)
      return harmonic_mean(
        [&](const double y) {
          return cell.value(Point<dim>(y));
        },
        4096);
    else
      {
        PeriodicCellProblem<dim> cell_problem(cell, 64, 2);
        cell_problem.solve();
        return cell_problem.effective_tensor()[0][0];
      }
  }


  // The checkpoint of one (variant, seed) run.
  std::string
  checkpoint_file(const std::string &directory,
                  const std::string &variant,
                  const unsigned int seed)
  {
    return directory + "/checkpoint-" + snake_case(variant) + "-seed" +
           std::to_string(seed) + ".pt";
  }


  // @sect3{One training run}
  //
  // The numbers of one (variant, seed) run, in the order sent to rank 0.
  struct RunResult
  {
    double variant = 0, seed = 0, rel_l2 = 0, rel_h1 = 0, k_hat = 0,
           best_iteration = 0, trained_iterations = 0, seconds = 0,
           state_solves = 0;

    std::vector<double>
    pack() const
    {
      return {variant,
              seed,
              rel_l2,
              rel_h1,
              k_hat,
              best_iteration,
              trained_iterations,
              seconds,
              state_solves};
    }
  };


  template <int dim>
  RunResult
  train_one(const HybridPINNParameters   &method,
            const Architecture           &architecture,
            const std::string            &variant,
            const unsigned int            seed,
            const Function<dim>          &coefficient,
            const double                  eps,
            const Function<dim>          &q,
            const ReferenceSolution<dim> &reference,
            const std::string            &directory,
            const ConditionalOStream     &out)
  {
    const std::string name =
      snake_case(variant) + "-seed" + std::to_string(seed);
    NetworkParameters network   = architecture.network;
    network.seed                = seed;
    TrainingParameters training = architecture.training;
    training.checkpoint_file    = checkpoint_file(directory, variant, seed);
    training.history_file       = directory + "/history-" + name + ".csv";
    // Resume = true continues each run from its checkpoint; the runs that
    // had not started when the program was stopped have none and start.
    training.resume =
      training.resume && std::filesystem::exists(training.checkpoint_file);

    const bool      hybrid = variant.rfind("hybrid", 0) == 0;
    HybridPINN<dim> pinn(method, network, coefficient, eps, q, hybrid);
    pinn.set_reference(reference);
    out << "  " << variant << ", seed " << seed << ": "
        << pinn.network().n_parameters() << " parameters" << std::endl;
    const TrainingOutcome outcome = pinn.train(training, out);
    out << "    best residual " << std::scientific << std::setprecision(3)
        << outcome.best_residual << " at iteration " << outcome.best_iteration
        << ": rel. L2 " << outcome.errors.rel_l2 << ", rel. H1 "
        << outcome.errors.rel_h1 << ", K_hat " << std::fixed
        << std::setprecision(5) << outcome.errors.k_hat << ", "
        << std::setprecision(1) << outcome.seconds << " s" << std::defaultfloat
        << std::endl;

    write_file_atomically(directory + "/convergence-" + name + ".csv",
                          outcome.convergence_csv);
    // Fields for the figures (1D): the network against the fine reference
    // at the validation points, the coarse state and the compressed network.
    if (dim == 1)
      {
        const auto         v = pinn.values(reference.points);
        std::ostringstream fields;
        fields << "x,u_fine,u_network\n" << std::setprecision(10);
        for (unsigned int i = 0; i < v.size(); ++i)
          fields << reference.points[i][0] << ',' << reference.values[i] << ','
                 << v[i] << '\n';
        write_file_atomically(directory + "/fields-" + name + ".csv",
                              fields.str());
        std::ostringstream coarse;
        const auto        &state = pinn.coarse_state();
        const auto         qv    = pinn.compressed_values();
        coarse << "x,y_h,q_delta_u_network\n" << std::setprecision(10);
        for (unsigned int l = 0; l < state.n_nodes(); ++l)
          coarse << state.nodes()[l][0] << ','
                 << (hybrid ? state.state()[l] : 0.) << ',' << qv[l] << '\n';
        write_file_atomically(directory + "/coarse-" + name + ".csv",
                              coarse.str());
      }

    RunResult r;
    r.seed               = seed;
    r.rel_l2             = outcome.errors.rel_l2;
    r.rel_h1             = outcome.errors.rel_h1;
    r.k_hat              = outcome.errors.k_hat;
    r.best_iteration     = outcome.best_iteration;
    r.trained_iterations = outcome.result.iterations;
    r.seconds            = outcome.seconds;
    r.state_solves       = outcome.state_solves;
    return r;
  }


  // @sect3{The comparison}
  template <int dim>
  void
  run(ParameterHandler &prm, const RunSettings &settings)
  {
    const MPI_Comm comm = MPI_COMM_WORLD;

    // Parse every component before any work or output. The fine problem of
    // the prm is the one for u (u = 0 on the boundary); the reference solves
    // it lifted, -div(K grad w) = q with w = x_1 on the boundary, u = w - x_1:
    // the same prm subsection parsed once more with Boundary values = x.
    FineScaleInputs<dim> inputs;
    inputs.parse_parameters(prm, comm);
    {
      Point<dim> corner, center;
      for (unsigned int d = 0; d < dim; ++d)
        center[d] = 0.5;
      center[0] = 0;
      require(inputs.functions.boundary_values->value(corner) == 0 &&
                inputs.functions.boundary_values->value(center) == 0,
              "Problem/Boundary values",
              "must be 0: step-5 solves the upscaling problem with u = 0 "
              "(the linear data x_1 is lifted into the right-hand side)");
    }
    require(!inputs.functions.reaction,
            "Problem/Reaction coefficient",
            "must be 0: the hybrid PINN solves -div(K grad u) = f");
    ProblemFunctions<dim> lifted;
    prm.enter_subsection("Problem");
    const std::string boundary_values = prm.get("Boundary values");
    prm.set("Boundary values", "x");
    prm.leave_subsection();
    lifted.parse_parameters(prm);
    prm.enter_subsection("Problem");
    prm.set("Boundary values", boundary_values);
    prm.leave_subsection();

    HybridPINNParameters method;
    method.parse_parameters(prm);
    const double eps = inputs.coefficient->feature_size();
    require(method.compression_radius > 0 || eps < 0.5,
            "Hybrid PINN/Compression radius",
            "give a radius: the coefficient has no length scale eps < 1/2");
    std::map<std::string, Architecture> architecture;
    for (const auto &name : architectures)
      {
        prm.enter_subsection(name);
        architecture[name].network.parse_parameters(prm);
        architecture[name].training.parse_parameters(prm);
        prm.leave_subsection();
        require(architecture[name].training.optimizer == "adam",
                name + "/Training/Optimizer",
                "must be adam: the hybrid PINN is trained by full-batch Adam "
                "(the coarse state changes the loss between L-BFGS steps)");
      }
    ComparisonParameters comparison;
    comparison.parse_parameters(prm);
    // Each rank trains one run at a time: the collocation, boundary and
    // coarse-node points through the network, the coarse LU and the
    // reference samples must fit into its memory; refused now with the
    // estimate rather than by the out-of-memory killer.
    {
      const double n_ranks = Utilities::MPI::n_mpi_processes(comm);
      const double points  = double(method.collocation_points) +
                            method.boundary_points +
                            std::pow(method.coarse_cells + 1., dim);
      const double reference_bytes =
        std::pow(double(inputs.mesh.fine_cells_per_direction) *
                   method.validation_points,
                 dim) *
        (dim + 3) * 8;
      for (const auto &variant : comparison.variants)
        {
          const auto &network =
            architecture[variant.find("mlp") != std::string::npos ? "MLP" :
                                                                    "Ms-PINN"]
              .network;
          check_memory(n_ranks *
                         (estimate_training_memory(network, points, dim) +
                          estimate_fine_solver_memory<dim>(method.coarse_cells,
                                                           1) +
                          reference_bytes),
                       "Hybrid PINN/Collocation points",
                       comm);
        }
    }
    for (const auto &name : architectures)
      if (architecture[name].training.resume)
        {
          bool found = false;
          for (const auto &variant : comparison.variants)
            for (const unsigned int seed : comparison.seeds)
              found =
                found ||
                ((variant.find("mlp") != std::string::npos) ==
                   (name == "MLP") &&
                 std::filesystem::exists(
                   checkpoint_file(settings.output_directory, variant, seed)));
          require(found,
                  name + "/Training/Resume",
                  "no run of this network has a checkpoint in '" +
                    settings.output_directory + "' to resume from");
        }
    if (settings.validate_only)
      return;

    RunOutput                 output("step-5", settings, prm, comm);
    const ConditionalOStream &pcout   = output.pcout;
    Summary                  &summary = output.summary;

    // @sect4{The fine reference and the homogenized coefficient}
    inputs.functions.set_time(0.);
    lifted.set_time(0.);
    DiffusionProblem<dim> fine(comm,
                               inputs.mesh.fine_cells_per_direction,
                               inputs.discretization,
                               inputs.solver,
                               *inputs.coefficient,
                               lifted,
                               output.timer);
    fine.setup();
    fine.solve_stationary();
    const auto reference =
      sample_reference(fine, method.validation_points, /*subtract_x1=*/true);
    const double k_star =
      homogenized_coefficient(*inputs.coefficient, comparison.cell_size * eps);
    double k_reference = 0;
    for (unsigned int i = 0; i < reference.points.size(); ++i)
      k_reference += reference.weights[i] *
                     inputs.coefficient->value(reference.points[i]) *
                     (reference.gradients[i][0] + 1);
    pcout << "step-5: hybrid PINN in " << dim << "D, eps = " << eps
          << ", fine reference h = 1/" << inputs.mesh.fine_cells_per_direction
          << " (" << fine.n_dofs() << " DoFs), coarse H = 1/"
          << method.coarse_cells << ", " << method.collocation_points
          << " collocation points\n"
          << "  K_hat[u_fine] = " << std::setprecision(7) << k_reference
          << ", homogenized K* = " << k_star << std::setprecision(6) << '\n';
    summary.set_metric("fine_dofs", fine.n_dofs());
    summary.set_metric("k_homogenized", k_star);
    summary.set_metric("k_hat_fine_reference", k_reference);
    summary.set_metric("k_hat_fine_reference_rel_error_vs_homogenized",
                       std::abs(k_reference - k_star) / k_star);

    // @sect4{The training runs, spread over the ranks}
    //
    // A SIGTERM between two trainings is recorded and acted on by the next
    // training's first poll (which writes its checkpoint), instead of ending
    // the program at once.
    const stop_request::PollingScope polling;
    const unsigned int  n_ranks = Utilities::MPI::n_mpi_processes(comm);
    const unsigned int  rank    = Utilities::MPI::this_mpi_process(comm);
    std::vector<double> local;
    unsigned int        j = 0;
    for (unsigned int v = 0; v < comparison.variants.size(); ++v)
      for (const unsigned int seed : comparison.seeds)
        if (j++ % n_ranks == rank)
          {
            const std::string &variant = comparison.variants[v];
            const auto        &arch =
              architecture[variant.find("mlp") != std::string::npos ?
                             "MLP" :
                             "Ms-PINN"];
            RunResult r       = train_one<dim>(method,
                                         arch,
                                         variant,
                                         seed,
                                         *inputs.coefficient,
                                         eps,
                                         *inputs.functions.right_hand_side,
                                         reference,
                                         output.directory,
                                         pcout);
            r.variant         = v;
            const auto packed = r.pack();
            local.insert(local.end(), packed.begin(), packed.end());
          }
    const auto all = Utilities::MPI::gather(comm, local, 0);

    // @sect4{Metrics per variant: means over the seeds}
    if (rank == 0)
      {
        std::vector<RunResult> runs;
        for (const auto &part : all)
          for (std::size_t i = 0; i < part.size(); i += 9)
            runs.push_back({part[i],
                            part[i + 1],
                            part[i + 2],
                            part[i + 3],
                            part[i + 4],
                            part[i + 5],
                            part[i + 6],
                            part[i + 7],
                            part[i + 8]});
        std::sort(runs.begin(), runs.end(), [](const auto &a, const auto &b) {
          return std::make_pair(a.variant, a.seed) <
                 std::make_pair(b.variant, b.seed);
        });
        std::ostringstream csv;
        csv << "variant,seed,rel_l2_error_vs_fine,rel_h1_error_vs_fine,k_hat,"
               "best_iteration,trained_iterations,training_seconds,"
               "coarse_state_solves\n"
            << std::setprecision(10);
        for (const auto &r : runs)
          csv << comparison.variants[r.variant] << ',' << r.seed << ','
              << r.rel_l2 << ',' << r.rel_h1 << ',' << r.k_hat << ','
              << r.best_iteration << ',' << r.trained_iterations << ','
              << r.seconds << ',' << r.state_solves << '\n';
        output.write_file("runs.csv", csv.str());

        pcout << "\n  variant          rel. L2 (mean +- std)   rel. H1       "
                 "K_hat      iterations  seconds  successful\n";
        for (unsigned int v = 0; v < comparison.variants.size(); ++v)
          {
            std::vector<RunResult> mine;
            for (const auto &r : runs)
              if (r.variant == v)
                mine.push_back(r);
            const double n    = mine.size();
            const auto   mean = [&](double RunResult::*member) {
              double sum = 0;
              for (const auto &r : mine)
                sum += r.*member;
              return sum / n;
            };
            double       l2_mean = mean(&RunResult::rel_l2), variance = 0;
            unsigned int successful = 0;
            for (const auto &r : mine)
              {
                variance += (r.rel_l2 - l2_mean) * (r.rel_l2 - l2_mean) / n;
                successful += (r.rel_l2 < comparison.success_threshold);
              }
            const std::string p = snake_case(comparison.variants[v]) + '_';
            summary.set_metric(p + "rel_l2_error_vs_fine", l2_mean);
            summary.set_metric(p + "rel_l2_error_vs_fine_std",
                               std::sqrt(variance));
            summary.set_metric(p + "rel_h1_error_vs_fine",
                               mean(&RunResult::rel_h1));
            summary.set_metric(p + "k_hat", mean(&RunResult::k_hat));
            summary.set_metric(p + "k_hat_rel_error_vs_homogenized",
                               std::abs(mean(&RunResult::k_hat) - k_star) /
                                 k_star);
            summary.set_metric(p + "iterations",
                               mean(&RunResult::best_iteration));
            summary.set_metric(p + "training_seconds",
                               mean(&RunResult::seconds));
            summary.set_metric(p + "coarse_state_solves",
                               mean(&RunResult::state_solves));
            summary.set_metric(p + "successful_seeds", successful);
            pcout << "  " << std::left << std::setw(16)
                  << comparison.variants[v] << std::right << std::scientific
                  << std::setprecision(2) << l2_mean << " +- "
                  << std::sqrt(variance) << "     " << mean(&RunResult::rel_h1)
                  << "   " << std::fixed << std::setprecision(5)
                  << mean(&RunResult::k_hat) << "  " << std::setw(10)
                  << std::setprecision(0) << mean(&RunResult::best_iteration)
                  << "  " << std::setw(7) << std::setprecision(1)
                  << mean(&RunResult::seconds) << "  " << successful << "/"
                  << mine.size() << std::defaultfloat << std::setprecision(6)
                  << '\n';
          }
      }
    output.finish();
  }
} // namespace Step5


int
main(int argc, char **argv)
{
  return neuhom::run_program(
    argc,
    argv,
    "step-5",
    "hybrid PINN with a coarse FE constraint and adjoint gradients vs plain "
    "PINN, MLP and Ms-PINN, against fine FEM",
    &Step5::declare_parameters,
    [](dealii::ParameterHandler &prm, const neuhom::RunSettings &settings) {
      neuhom::require(settings.dimension <= 2,
                      "Dimension",
                      "step-5 runs in 1D and 2D");
      if (settings.dimension == 1)
        Step5::run<1>(prm, settings);
      else
        Step5::run<2>(prm, settings);
    });
}
