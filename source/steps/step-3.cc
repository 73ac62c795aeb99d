/* ---------------------------------------------------------------------------
 * neuhom step-3: Deep Ritz LOD correctors (Elasmi, Krumbiegel, Maier 2024).
 *
 * step-2 computed the LOD element correctors C_K^l Lambda_v by one
 * constrained fine-scale solve per patch. When the coefficient depends on a
 * parameter p (an uncertain material value, or time), these solves have to
 * be repeated for every new p. Here neural networks learn the map
 *
 *   (fine node of the patch, p, local basis index v)  ->  C_K^l Lambda_v,
 *
 * offline, from the Ritz energy of the patch problems alone (no labels):
 *
 *   minimize 1/2 a^T S_h(p) a - (A_K(p) gamma_v)^T a + |mu . I_H a|^2
 *
 * with self-adaptive weights mu that are maximized (the constraint I_H a = 0
 * of the fine-scale space W). Online, a new p costs one batched forward pass
 * per patch configuration plus the assembly of the coarse matrices: no
 * patch factorization.
 *
 * Example "random coefficients" (the paper's Example 1): -div(a grad u) = 1
 * with a piecewise constant per fine cell, i.i.d. U[min, max]; errors of the
 * learned basis against classical LOD on training and unseen test
 * coefficients, and of the LOD-ANN solution. Example "battery" (Example 2):
 * u_t - div(a grad u) = f on a layered collector / active material stack,
 * the active-material conductivity is the parameter; backward Euler up to T,
 * optionally with a conductivity that varies in time. Example "registered":
 * any coefficient of the Coefficient subsection, typically one that changes
 * in time (the parabolic benchmark of doc/benchmarks.md); the networks are
 * trained on it at a few times and then replace the patch solves of the
 * library's parabolic LOD (LODProblem with a NeuralCorrectorSource), and
 * both LODs are compared with fine FEM on a finer mesh.
 * ------------------------------------------------------------------------- */

#include <deal.II/base/timer.h>

#include <deal.II/lac/sparse_direct.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/core/expression.h>
#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/progress.h>
#include <neuhom/core/run_output.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/field_comparison.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/lod/lod_problem.h>
#include <neuhom/lod/memory.h>
#include <neuhom/lod/parabolic_lod.h>
#include <neuhom/methods/deep_ritz/cell_field.h>
#include <neuhom/methods/deep_ritz/lod_space.h>
#include <neuhom/methods/deep_ritz/neural_correctors.h>
#include <neuhom/nn/model_io.h>
#include <neuhom/nn/trainer.h>

#include <array>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <sstream>

namespace Step3
{
  using namespace dealii;
  using namespace neuhom;
  using namespace neuhom::deep_ritz;

  // @sect3{Parameters}
  struct ProblemParameters
  {
    std::string         example      = "random coefficients";
    unsigned int        coarse_cells = 4, refinement = 4, layers = 1;
    unsigned int        n_training = 10, n_test = 5, seed = 1;
    double              minimum = 0.1, maximum = 1.;
    std::string         sample_file;
    bool                symmetry_augmentation = false;
    std::vector<double> conductivities        = {1, 2.8, 4.6, 6.4, 8.2, 10};
    double              test_conductivity = 5, domain_length = 0.02;
    double              time_step = 0.6, final_time = 60;
    std::vector<double> output_times       = {0, 30, 60};
    double              amplitude          = 0;
    unsigned int        timing_repetitions = 3;

    static void
    declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Problem");
      prm.declare_entry("Example",
                        "random coefficients",
                        Patterns::Selection(
                          "random coefficients|battery|registered"),
                        "random coefficients: the paper's Example 1 (elliptic, "
                        "f = 1, a i.i.d. per fine cell); battery: Example 2 "
                        "(parabolic, layered substitute geometry); registered: "
                        "the coefficient of the Coefficient subsection, "
                        "trained at 'Registered coefficient/Training times', "
                        "parabolic LOD up to the final time against fine FEM.");
      prm.declare_entry("Coarse cells per direction",
                        "4",
                        Patterns::Integer(2),
                        "1/H on the unit square.");
      prm.declare_entry("Refinement",
                        "4",
                        Patterns::Integer(2),
                        "H/h: fine cells per coarse cell and direction.");
      prm.declare_entry("Oversampling layers", "1", Patterns::Integer(1), "l");
      prm.leave_subsection();

      prm.enter_subsection("Samples");
      prm.declare_entry("Training samples",
                        "10",
                        Patterns::Integer(1),
                        "random coefficients: number of training fields.");
      prm.declare_entry("Test samples",
                        "5",
                        Patterns::Integer(1),
                        "random coefficients: number of unseen test fields.");
      prm.declare_entry("Minimum",
                        "0.1",
                        Patterns::Double(0),
                        "random coefficients: lower bound alpha.");
      prm.declare_entry("Maximum",
                        "1",
                        Patterns::Double(0),
                        "random coefficients: upper bound beta.");
      prm.declare_entry("Seed",
                        "1",
                        Patterns::Integer(0),
                        "Seed of the training fields (test fields: seed + 1).");
      prm.declare_entry("Sample file",
                        "",
                        Patterns::Anything(),
                        "random coefficients: read the training fields from "
                        "this file instead (one field per line, (N r)^2 "
                        "positive values, x fastest); empty: random.");
      prm.declare_entry("Symmetry augmentation",
                        "false",
                        Patterns::Bool(),
                        "random coefficients: train also on the 7 rotations "
                        "and reflections of every training field (the square, "
                        "its meshes and f = 1 are invariant under them, so "
                        "their correctors are the mapped ones): 8x the "
                        "training pairs from the same fields. The training "
                        "errors are those of the original fields.");
      prm.declare_entry("Training conductivities",
                        "1, 2.8, 4.6, 6.4, 8.2, 10",
                        Patterns::List(Patterns::Double(0), 1),
                        "battery: active-material conductivities of training.");
      prm.declare_entry("Test conductivity",
                        "5",
                        Patterns::Double(0),
                        "battery: the unseen conductivity.");
      prm.declare_entry("Domain length",
                        "0.02",
                        Patterns::Double(0),
                        "battery: side of the square in m (scales a).");
      prm.leave_subsection();

      prm.enter_subsection("Time stepping");
      prm.declare_entry("Time step",
                        "0.6",
                        Patterns::Double(0),
                        "battery, registered: tau (backward Euler)");
      prm.declare_entry("Final time",
                        "60",
                        Patterns::Double(0),
                        "battery, registered: T");
      prm.declare_entry("Output times",
                        "0, 30, 60",
                        Patterns::List(Patterns::Double(0), 0),
                        "battery: times of the solutions in solutions.csv.");
      prm.declare_entry("Conductivity amplitude",
                        "0",
                        Patterns::Double(0),
                        "battery: > 0 adds the time-dependent case "
                        "lambda(t) = test + amplitude sin(2 pi t / T).");
      prm.leave_subsection();

      prm.enter_subsection("Benchmark");
      prm.declare_entry("Timing repetitions",
                        "3",
                        Patterns::Integer(1),
                        "online / classical recompute timings: best of n.");
      prm.leave_subsection();
    }

    void
    parse_parameters(ParameterHandler &prm)
    {
      using DoubleList = Patterns::Tools::Convert<std::vector<double>>;
      prm.enter_subsection("Problem");
      example      = prm.get("Example");
      coarse_cells = prm.get_integer("Coarse cells per direction");
      refinement   = prm.get_integer("Refinement");
      layers       = prm.get_integer("Oversampling layers");
      prm.leave_subsection();
      prm.enter_subsection("Samples");
      n_training            = prm.get_integer("Training samples");
      n_test                = prm.get_integer("Test samples");
      minimum               = prm.get_double("Minimum");
      maximum               = prm.get_double("Maximum");
      seed                  = prm.get_integer("Seed");
      sample_file           = prm.get("Sample file");
      symmetry_augmentation = prm.get_bool("Symmetry augmentation");
      conductivities = DoubleList::to_value(prm.get("Training conductivities"));
      test_conductivity = prm.get_double("Test conductivity");
      domain_length     = prm.get_double("Domain length");
      prm.leave_subsection();
      prm.enter_subsection("Time stepping");
      time_step    = prm.get_double("Time step");
      final_time   = prm.get_double("Final time");
      output_times = DoubleList::to_value(prm.get("Output times"));
      amplitude    = prm.get_double("Conductivity amplitude");
      prm.leave_subsection();
      prm.enter_subsection("Benchmark");
      timing_repetitions = prm.get_integer("Timing repetitions");
      prm.leave_subsection();

      require(minimum > 0 && maximum >= minimum,
              "Samples/Maximum",
              "needs 0 < Minimum <= Maximum");
      require(coarse_cells * refinement <= 512,
              "Problem/Coarse cells per direction",
              "the fine grid (N r) must have at most 512 cells per direction "
              "(dense corrected basis)");
      require(test_conductivity > 0 && domain_length > 0 && time_step > 0,
              "Samples/Test conductivity",
              "conductivity, domain length and time step must be positive");
      for (const double c : conductivities)
        require(c > 0, "Samples/Training conductivities", "must be positive");
      require(time_step <= final_time,
              "Time stepping/Time step",
              "must not exceed the final time");
      require(!symmetry_augmentation || example == "random coefficients",
              "Samples/Symmetry augmentation",
              "only the example 'random coefficients' is invariant under the "
              "symmetries of the square");
      require(amplitude < test_conductivity,
              "Time stepping/Conductivity amplitude",
              "must be below the test conductivity (lambda(t) > 0)");
    }
  };


  // Example "registered": where the networks are trained and how the
  // parabolic LOD with their correctors is checked.
  struct RegisteredParameters
  {
    std::vector<double> training_times       = {0, 0.05, 0.1};
    std::vector<double> test_times           = {0.025, 0.075};
    std::string         right_hand_side      = "1";
    unsigned int        reference_refinement = 4;
    double              update_tolerance     = 0.01;

    static void
    declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Registered coefficient");
      prm.declare_entry("Training times",
                        "0, 0.05, 0.1",
                        Patterns::List(Patterns::Double(0), 1),
                        "The coefficient at these times is the training set.");
      prm.declare_entry("Test times",
                        "0.025, 0.075",
                        Patterns::List(Patterns::Double(0), 1),
                        "Unseen times for the test basis error.");
      prm.declare_entry("Right-hand side",
                        "1",
                        Patterns::Anything(),
                        "f(x, y, t); u = 0 on the boundary and at t = 0.");
      prm.declare_entry("Fine reference refinement",
                        "4",
                        Patterns::Integer(1, 16),
                        "The fine FEM reference has h / this.");
      prm.declare_entry("Corrector update tolerance",
                        "0.01",
                        Patterns::Double(0),
                        "Both LODs update the correctors of the patches whose "
                        "coefficient changed by more than this (relative) "
                        "since their last update; 0: all, every step.");
      prm.leave_subsection();
    }

    void
    parse_parameters(ParameterHandler &prm)
    {
      using DoubleList = Patterns::Tools::Convert<std::vector<double>>;
      prm.enter_subsection("Registered coefficient");
      training_times  = DoubleList::to_value(prm.get("Training times"));
      test_times      = DoubleList::to_value(prm.get("Test times"));
      right_hand_side = prm.get("Right-hand side");
      // A bad expression stops the program now, not after the training.
      make_parser<2>(right_hand_side,
                     {},
                     "Registered coefficient/Right-hand side");
      reference_refinement = prm.get_integer("Fine reference refinement");
      update_tolerance     = prm.get_double("Corrector update tolerance");
      prm.leave_subsection();
    }
  };


  void
  declare_parameters(ParameterHandler &prm)
  {
    ProblemParameters::declare_parameters(prm);
    RegisteredParameters::declare_parameters(prm);
    CoefficientFactory::declare_parameters(prm);
    NeuralCorrectorParameters::declare_parameters(prm);
    NetworkParameters::declare_parameters(prm);
    TrainingParameters::declare_parameters(prm);
  }


  // @sect3{Learned and classical LOD spaces of one coefficient}
  //
  // The two spaces that are compared throughout: the corrected basis from
  // the networks and from the classical saddle-point solves, on the fine
  // system of the coefficient.
  struct Spaces
  {
    FullMatrix<double> learned, classical;
  };

  Spaces
  make_spaces(const NestedGrid<2>    &grid,
              const unsigned int      layers,
              const NeuralCorrectors &networks,
              const CellField        &coefficient,
              const FineSystem       &fine)
  {
    return {corrected_basis(grid, layers, networks.evaluate(coefficient), fine),
            corrected_basis(grid,
                            layers,
                            classical_correctors(grid, layers, coefficient),
                            fine)};
  }


  // The solution of -div(a grad u) = f, u = 0 on the boundary, in the span
  // of a corrected basis, on the fine nodes.
  Vector<double>
  elliptic_solution(const FullMatrix<double> &basis, const FineSystem &fine)
  {
    const CoarseSystem coarse(basis, fine);
    return reconstruct(basis, coarse.solve(coarse.load, 1, 0));
  }


  std::string
  csv_row(const std::vector<double> &values)
  {
    std::ostringstream out;
    out << std::setprecision(10);
    for (unsigned int i = 0; i < values.size(); ++i)
      out << (i ? "," : "") << values[i];
    out << "\n";
    return out.str();
  }


  // @sect3{Example "registered": the library's parabolic LOD with learned
  // correctors}
  //
  // The networks replace the patch solves of LODProblem (a CorrectorSource):
  // the same backward Euler steps, the same update rule (only the patches
  // whose coefficient changed by more than the tolerance), the same
  // comparison at T with fine FEM on a finer mesh as step-2, once with the
  // networks and once with the classical patch solves.
  void
  compare_parabolic_lod(const ProblemParameters    &problem,
                        const RegisteredParameters &registered,
                        const NeuralCorrectors     &networks,
                        Coefficient<2>             &coefficient,
                        RunOutput                  &output)
  {
    const MPI_Comm            comm    = output.comm;
    const ConditionalOStream &pcout   = output.pcout;
    Summary                  &summary = output.summary;
    const unsigned int n_fine = problem.coarse_cells * problem.refinement;
    const unsigned int n_q    = 2;

    const auto functions = ProblemFunctions<2>::homogeneous(
      registered.right_hand_side,
      "Registered coefficient/Right-hand side");
    TimeSteppingParameters time;
    time.scheme     = "backward Euler";
    time.final_time = problem.final_time;
    time.time_step  = problem.time_step;

    pcout << "\nParabolic LOD, H = 1/" << problem.coarse_cells << ", h = 1/"
          << n_fine << ", " << time.n_steps() << " steps; fine FEM on h = 1/"
          << n_fine * registered.reference_refinement << std::endl;
    DiffusionProblem<2> fine(comm,
                             n_fine * registered.reference_refinement,
                             DiscretizationParameters(),
                             LinearSolverParameters(),
                             coefficient,
                             functions,
                             output.timer);
    fine.setup();
    Timer fine_timer;
    {
      Progress progress(pcout, "fine time step", time.n_steps());
      fine.solve_transient(time, [&](unsigned int step, double) {
        progress.update(step, "");
      });
    }
    summary.set_metric("fine_seconds_per_step",
                       fine_timer.wall_time() / time.n_steps());

    LODParameters lod_parameters;
    lod_parameters.coarse_cells     = problem.coarse_cells;
    lod_parameters.layers           = problem.layers;
    lod_parameters.update_tolerance = registered.update_tolerance;
    NeuralCorrectorSource learned(networks, coefficient, n_fine);
    for (const bool neural : {true, false})
      {
        const std::string prefix = neural ? "" : "lod_";
        LODProblem<2>     lod(comm, lod_parameters, n_fine, n_q, coefficient);
        if (neural)
          lod.set_corrector_source(&learned);
        Vector<double> U;
        Timer          timer;
        const auto     statistics =
          solve_parabolic_lod(lod,
                              coefficient,
                              functions,
                              time,
                              registered.update_tolerance,
                              U,
                              [](unsigned int, double, const Vector<double> &) {
                              });
        const double total_seconds = timer.wall_time();
        coefficient.set_time(time.final_time);
        const FieldDifference error = compare_with_fine(
          fine,
          coefficient,
          reconstruct_under_mesh(lod,
                                 fine.get_dof_handler().get_triangulation(),
                                 U));
        const double n_steps = time.n_steps();
        summary.set_metric(prefix + "solution_rel_l2_error_vs_fine_at_T",
                           error.relative_l2());
        summary.set_metric(prefix + "solution_rel_energy_error_vs_fine_at_T",
                           error.relative_energy());
        summary.set_metric(
          prefix + "seconds_per_step",
          (statistics.online_seconds + statistics.update_seconds) / n_steps);
        summary.set_metric(prefix + "corrector_update_seconds",
                           statistics.update_seconds);
        summary.set_metric(prefix + "total_seconds", total_seconds);
        summary.set_metric(prefix + "n_patches_recomputed",
                           statistics.n_patches_recomputed);
        pcout << "  " << (neural ? "LOD-ANN" : "LOD    ")
              << ": at T rel. L2 error vs fine " << std::scientific
              << std::setprecision(3) << error.relative_l2() << ", energy "
              << error.relative_energy() << std::defaultfloat << "; "
              << statistics.n_patches_recomputed << " corrector updates in "
              << statistics.update_seconds << " s, "
              << (statistics.online_seconds + statistics.update_seconds) /
                   n_steps
              << " s/step" << std::endl;
      }
    summary.set_metric("corrector_update_speedup_vs_lod",
                       summary.metric("lod_corrector_update_seconds") /
                         summary.metric("corrector_update_seconds"));
  }


  // @sect3{The program}
  void
  run(ParameterHandler &prm, const RunSettings &settings)
  {
    const MPI_Comm comm = MPI_COMM_WORLD;
    require(settings.dimension == 2, "Dimension", "step-3 runs in 2D");
    ProblemParameters problem;
    problem.parse_parameters(prm);
    NeuralCorrectorParameters corrector_parameters;
    corrector_parameters.parse_parameters(prm);
    NetworkParameters network_parameters;
    network_parameters.parse_parameters(prm);
    TrainingParameters training;
    training.parse_parameters(prm);
    RegisteredParameters registered;
    registered.parse_parameters(prm);
    require(network_parameters.hidden_layers >= 2,
            "Network/Hidden layers",
            "must be at least 2 for the neural correctors (the split input "
            "layer and a trunk)");
    require(network_parameters.type == "mlp",
            "Network/Type",
            "must be mlp for the neural correctors");
    require(training.optimizer == "adam" || corrector_parameters.projection,
            "Training/Optimizer",
            "must be adam with the penalty constraint: the self-adaptive "
            "weights mu need Adam (L-BFGS works with Neural correctors/"
            "Constraint handling = projection)");

    const bool         battery = problem.example == "battery";
    const unsigned int n_fine  = problem.coarse_cells * problem.refinement;
    const std::unique_ptr<Coefficient<2>> coefficient =
      problem.example == "registered" ? CoefficientFactory::create<2>(prm) :
                                        nullptr;
    if (coefficient)
      {
        // The networks see the coefficient per fine cell: a field on a grid
        // must be aligned with the fine cells, any other must be resolved.
        for (const unsigned int n : coefficient->grid_cells_per_direction())
          require(n_fine % n == 0,
                  "Problem/Refinement",
                  "the fine grid (" + std::to_string(n_fine) +
                    " cells per direction) must be a multiple of the "
                    "coefficient's grid (" +
                    std::to_string(n) + ")");
        require(coefficient->feature_size() >= (1 - 1e-12) / n_fine,
                "Problem/Refinement",
                "h = 1/" + std::to_string(n_fine) +
                  " does not resolve the coefficient's feature size " +
                  to_text(coefficient->feature_size()));
        for (const auto &times :
             {registered.training_times, registered.test_times})
          for (const double t : times)
            require(t <= problem.final_time,
                    "Registered coefficient/Training times",
                    "training and test times must lie in [0, Final time]");
      }
    // The coefficient samples: read or drawn now, so that a bad sample file
    // stops the program before any output. A sample file is read first: its
    // size is part of the memory check below, which comes before the
    // samples are drawn.
    std::vector<CellField> training_fields, test_fields;
    if (!battery && !problem.sample_file.empty())
      training_fields =
        read_cell_fields(problem.sample_file, n_fine, "Samples/Sample file");
    const double n_training_fields =
      battery                     ? problem.conductivities.size() :
      coefficient                 ? registered.training_times.size() :
      problem.sample_file.empty() ? problem.n_training :
                                    training_fields.size();
    const unsigned int n_images      = problem.symmetry_augmentation ? 8 : 1;
    const double       n_test_fields = battery     ? 1 :
                                       coefficient ? registered.test_times.size() :
                                                     problem.n_test;

    // Refuse up front what would not fit: the training set with one
    // training step (the (field, coarse cell) pairs spread over the
    // ranks), and on every rank the fields and the dense corrected bases
    // (fine DoFs x coarse DoFs) of the learned and the classical space,
    // three alive at a time.
    {
      const double n_ranks       = Utilities::MPI::n_mpi_processes(comm);
      const double n_coarse_dofs = std::pow(problem.coarse_cells - 1., 2),
                   n_fine_dofs   = std::pow(n_fine - 1., 2);
      // Example "registered": the fine reference and the two LODs.
      const double registered_bytes =
        coefficient ?
          estimate_fine_solver_memory<2>(n_fine *
                                           registered.reference_refinement,
                                         1) +
            2 * estimate_lod_memory<2>(problem.coarse_cells,
                                       n_fine,
                                       problem.layers,
                                       n_ranks) :
          0.;
      check_memory(corrector_parameters.estimate_training_memory(
                     network_parameters,
                     problem.layers,
                     problem.refinement,
                     n_images * n_training_fields *
                       std::pow(problem.coarse_cells, 2)) +
                     n_ranks * 8 *
                       (3 * n_fine_dofs * n_coarse_dofs +
                        (n_training_fields + n_test_fields) * n_fine * n_fine) +
                     registered_bytes,
                   "Problem/Coarse cells per direction",
                   comm);
    }
    if (battery)
      {
        for (const double c : problem.conductivities)
          training_fields.push_back(
            battery_diffusivity(n_fine, c, problem.domain_length));
        test_fields.push_back(battery_diffusivity(n_fine,
                                                  problem.test_conductivity,
                                                  problem.domain_length));
      }
    else if (coefficient)
      {
        const auto fields_at = [&](const std::vector<double> &times) {
          std::vector<CellField> fields;
          for (const double t : times)
            {
              coefficient->set_time(t);
              fields.emplace_back(n_fine,
                                  cell_centre_values(*coefficient, n_fine));
            }
          return fields;
        };
        training_fields = fields_at(registered.training_times);
        test_fields     = fields_at(registered.test_times);
      }
    else
      {
        if (problem.sample_file.empty())
          training_fields = random_cell_fields(n_fine,
                                               problem.n_training,
                                               problem.minimum,
                                               problem.maximum,
                                               problem.seed);
        test_fields = random_cell_fields(n_fine,
                                         problem.n_test,
                                         problem.minimum,
                                         problem.maximum,
                                         problem.seed + 1);
      }
    if (settings.validate_only)
      return;

    RunOutput                 output("step-3", settings, prm, comm);
    const ConditionalOStream &pcout   = output.pcout;
    Summary                  &summary = output.summary;
    const unsigned int        layers  = problem.layers;
    const NestedGrid<2>       grid(problem.coarse_cells,
                             problem.refinement,
                             2,
                             QuasiInterpolation::averaged_l2_projection);

    // @sect4{Offline: training}
    NeuralCorrectors networks(grid,
                              layers,
                              corrector_parameters,
                              network_parameters);
    pcout << "step-3: Deep Ritz LOD correctors, " << problem.example
          << ", H = 1/" << problem.coarse_cells << ", h = 1/" << n_fine
          << ", l = " << layers << ", " << training_fields.size()
          << " training coefficients"
          << (problem.symmetry_augmentation ? " (x 8 by symmetry)" : "") << ", "
          << networks.n_configurations() << " networks, "
          << Utilities::MPI::n_mpi_processes(comm) << " MPI ranks" << std::endl;
    Timer training_timer;
    {
      TimerOutput::Scope scope(output.timer, "training data");
      if (problem.symmetry_augmentation)
        {
          std::vector<CellField> images;
          for (const CellField &field : training_fields)
            for (CellField &image : symmetry_images(field))
              images.push_back(std::move(image));
          networks.set_training_data(images, comm);
        }
      else
        networks.set_training_data(training_fields, comm);
    }
    pcout << "  " << networks.n_training_pairs()
          << " distinct (coefficient, coarse cell) pairs" << std::endl;
    summary.set_metric("n_training_pairs", networks.n_training_pairs());
    if (training.history_file.empty())
      training.history_file = output.directory + "/training_history.csv";
    Trainer trainer(training,
                    networks.module(),
                    {"energy", "constraint"},
                    comm);
    if (!corrector_parameters.projection)
      trainer.add_ascent_parameters(networks.ascent_parameters());
    trainer.set_validation([&]() {
      return networks.validation_error();
    });
    TrainingResult result;
    {
      TimerOutput::Scope scope(output.timer, "training");
      result = trainer.train(
        [&]() {
          return networks.loss_terms(trainer.iteration());
        },
        pcout);
    }
    const double training_seconds = training_timer.wall_time();
    if (Utilities::MPI::this_mpi_process(comm) == 0)
      save_module(networks.module(), output.directory + "/correctors.pt");
    const auto energies = networks.energy_diagnostics();
    summary.set_metric("training_seconds", training_seconds);
    summary.set_metric("training_iterations", result.iterations);
    summary.set_metric("final_energy_loss", result.terms[0]);
    summary.set_metric("final_constraint_loss", result.terms[1]);
    summary.set_metric("ritz_energy_minus_classical",
                       energies[0] - energies[2]);
    summary.set_metric("ritz_energy_minus_lemma_bound",
                       energies[0] - energies[1]);
    summary.set_metric("train_patch_rel_energy_error_vs_lod",
                       networks.validation_error());
    summary.set_metric("n_networks", networks.n_configurations());
    pcout << "  trained in " << training_seconds << " s (" << result.stop_reason
          << "), Ritz energy - classical minimum = "
          << energies[0] - energies[2] << std::endl;

    // @sect4{Basis errors against classical LOD}
    //
    // Relative energy-norm error of the whole corrected basis, per
    // coefficient, against the classical LOD basis. For Example 1 also the
    // solution error on every unseen coefficient: the paper reports it for
    // one depicted field only.
    const CellField unit_source(n_fine,
                                battery ?
                                  battery_source(n_fine).values :
                                  std::vector<double>(n_fine * n_fine, 1.));
    // The first unseen coefficient's bases and (Example 1) solutions are kept
    // for the figures.
    Spaces                        first_test_spaces;
    std::array<Vector<double>, 2> first_test_solutions;
    const auto basis_errors = [&](const std::vector<CellField> &fields,
                                  const std::string            &label,
                                  const bool                    unseen) {
      const bool          with_solutions = unseen && !battery;
      std::vector<double> errors, solution_errors;
      Progress progress(pcout, label + " basis errors", fields.size());
      for (unsigned int i = 0; i < fields.size(); ++i)
        {
          const FineSystem fine(grid, fields[i], unit_source);
          Spaces spaces = make_spaces(grid, layers, networks, fields[i], fine);
          errors.push_back(
            basis_rel_energy_error(spaces.learned, spaces.classical, fine));
          if (with_solutions)
            {
              std::array<Vector<double>, 2> u = {
                {elliptic_solution(spaces.learned, fine),
                 elliptic_solution(spaces.classical, fine)}};
              solution_errors.push_back(rel_h1_error(u[0], u[1], fine));
              if (i == 0)
                first_test_solutions = std::move(u);
            }
          if (unseen && i == 0)
            first_test_spaces = std::move(spaces);
          progress.update(i + 1);
        }
      const auto report_errors = [&](const std::vector<double> &values,
                                     const std::string         &name) {
        const double mean =
          std::accumulate(values.begin(), values.end(), 0.) / values.size();
        summary.set_metric(name + "_mean", mean);
        summary.set_metric(name + "_max",
                           *std::max_element(values.begin(), values.end()));
        pcout << "  " << name << ": mean " << mean << std::endl;
      };
      report_errors(errors, label + "_rel_error_vs_lod");
      if (with_solutions)
        report_errors(solution_errors, label + "_solution_rel_error_vs_lod");
    };
    {
      TimerOutput::Scope scope(output.timer, "basis errors");
      basis_errors(training_fields, "train", false);
      basis_errors(test_fields, "test", true);
    }
    if (coefficient)
      {
        compare_parabolic_lod(problem,
                              registered,
                              networks,
                              *coefficient,
                              output);
        output.finish();
        return;
      }

    // @sect4{Online phase for an unseen coefficient}
    //
    // The corrector update for a new parameter: networks (one batched
    // forward pass per configuration) against the classical patch solves,
    // each followed by the same assembly of the coarse matrices.
    const CellField &test = test_fields[0];
    const FineSystem fine(grid, test, unit_source);
    double           online_seconds = 1e300, recompute_seconds = 1e300,
           corrector_seconds[2] = {1e300, 1e300};
    for (unsigned int k = 0; k < problem.timing_repetitions; ++k)
      {
        // The correctors alone (forward passes against patch solves), then
        // with the assembly of the coarse matrices, which both share.
        Timer                online;
        const CellCorrectors learned_correctors = networks.evaluate(test);
        corrector_seconds[0] =
          std::min(corrector_seconds[0], online.wall_time());
        const CoarseSystem learned(
          corrected_basis(grid, layers, learned_correctors, fine),
          fine);
        online_seconds = std::min(online_seconds, online.wall_time());
        Timer                recompute;
        const CellCorrectors recomputed_correctors =
          classical_correctors(grid, layers, test);
        corrector_seconds[1] =
          std::min(corrector_seconds[1], recompute.wall_time());
        const CoarseSystem classical(
          corrected_basis(grid, layers, recomputed_correctors, fine),
          fine);
        recompute_seconds = std::min(recompute_seconds, recompute.wall_time());
      }
    summary.set_metric("online_seconds", online_seconds);
    summary.set_metric("lod_recompute_seconds", recompute_seconds);
    summary.set_metric("online_speedup_vs_lod_recompute",
                       recompute_seconds / online_seconds);
    summary.set_metric("online_corrector_seconds", corrector_seconds[0]);
    summary.set_metric("lod_corrector_seconds", corrector_seconds[1]);
    summary.set_metric("corrector_speedup_vs_lod",
                       corrector_seconds[1] / corrector_seconds[0]);
    pcout << "  online update " << online_seconds << " s (correctors "
          << corrector_seconds[0] << " s), classical recompute "
          << recompute_seconds << " s (correctors " << corrector_seconds[1]
          << " s)" << std::endl;

    const Spaces &spaces = first_test_spaces;
    {
      // A learned and a classical basis function (the coarse vertex nearest
      // to the center) on the fine nodes, for the figure.
      const unsigned int N = problem.coarse_cells,
                         c = (N / 2 - 1) * (N - 1) + N / 2 - 1;
      std::string csv      = "x,y,learned,classical\n";
      for (unsigned int d = 0; d < fine.n_dofs(); ++d)
        {
          const unsigned int node = fine.dof_node[d];
          csv += csv_row({double(node % (n_fine + 1)) / n_fine,
                          double(node / (n_fine + 1)) / n_fine,
                          spaces.learned(d, c),
                          spaces.classical(d, c)});
        }
      output.write_file("basis.csv", csv);
    }

    std::string solutions       = "t,x,y,u_learned,u_lod,u_fine\n";
    const auto  write_solutions = [&](const double          t,
                                     const Vector<double> &a,
                                     const Vector<double> &b,
                                     const Vector<double> &c) {
      for (unsigned int d = 0; d < fine.n_dofs(); ++d)
        solutions += csv_row({t,
                              double(fine.dof_node[d] % (n_fine + 1)) / n_fine,
                              double(fine.dof_node[d] / (n_fine + 1)) / n_fine,
                              a[d],
                              b[d],
                              c[d]});
    };
    const auto report = [&](const Vector<double> &u_learned,
                            const Vector<double> &u_lod,
                            const Vector<double> &u_fine,
                            const std::string    &prefix) {
      summary.set_metric(prefix + "solution_rel_error_vs_lod",
                         rel_h1_error(u_learned, u_lod, fine));
      summary.set_metric(prefix + "solution_rel_error_vs_fine",
                         rel_h1_error(u_learned, u_fine, fine));
      summary.set_metric(prefix + "lod_solution_rel_error_vs_fine",
                         rel_h1_error(u_lod, u_fine, fine));
      pcout << "  " << prefix << "solution H1 error: LOD-ANN vs LOD "
            << rel_h1_error(u_learned, u_lod, fine) << ", vs fine "
            << rel_h1_error(u_learned, u_fine, fine) << " (LOD vs fine "
            << rel_h1_error(u_lod, u_fine, fine) << ")" << std::endl;
    };

    if (!battery)
      {
        // @sect4{Example 1: the elliptic solution}
        SparseDirectUMFPACK direct;
        direct.initialize(fine.stiffness);
        Vector<double> u_fine(fine.n_dofs());
        direct.vmult(u_fine, fine.load);
        const auto &[u_learned, u_lod] = first_test_solutions;
        report(u_learned, u_lod, u_fine, "");
        write_solutions(0, u_learned, u_lod, u_fine);
      }
    else
      {
        // @sect4{Example 2: backward Euler up to T}
        const CoarseSystem learned(spaces.learned, fine),
          classical(spaces.classical, fine);
        const double       tau     = problem.time_step;
        const unsigned int n_steps = std::lround(problem.final_time / tau);
        Vector<double>     U_learned(learned.load.size()),
          U_lod(classical.load.size()), u_fine(fine.n_dofs());
        SparseMatrix<double> system(fine.sparsity);
        system.copy_from(fine.mass);
        system.add(tau, fine.stiffness);
        SparseDirectUMFPACK direct;
        direct.initialize(system);
        const auto output_now = [&](const double t) {
          for (const double t_out : problem.output_times)
            if (std::abs(t - t_out) < 0.5 * tau)
              return true;
          return false;
        };
        Vector<double> rhs;
        for (unsigned int m = 0; m <= n_steps; ++m)
          {
            if (m > 0)
              {
                rhs = learned.load;
                rhs *= tau;
                learned.mass.vmult_add(rhs, U_learned);
                U_learned = learned.solve(rhs, tau, 1);
                rhs       = classical.load;
                rhs *= tau;
                classical.mass.vmult_add(rhs, U_lod);
                U_lod = classical.solve(rhs, tau, 1);
                rhs   = fine.load;
                rhs *= tau;
                fine.mass.vmult_add(rhs, u_fine);
                direct.vmult(u_fine, rhs);
              }
            if (output_now(m * tau))
              write_solutions(m * tau,
                              reconstruct(spaces.learned, U_learned),
                              reconstruct(spaces.classical, U_lod),
                              u_fine);
          }
        report(reconstruct(spaces.learned, U_learned),
               reconstruct(spaces.classical, U_lod),
               u_fine,
               "");

        // @sect4{The time-dependent case}
        //
        // lambda_AM(t) changes every step: LOD-ANN updates its correctors by
        // forward passes, classical LOD recomputes all patch problems, the
        // fine FEM refactorizes. The coarse vector carries over to the new
        // basis (u_H is kept, its correction changes).
        if (problem.amplitude > 0)
          {
            const double   pi = numbers::PI;
            Vector<double> U_a(learned.load.size()), U_c(classical.load.size()),
              u_f(fine.n_dofs());
            double   seconds[3] = {0, 0, 0};
            Progress progress(pcout, "time-dependent step", n_steps);
            std::unique_ptr<FineSystem> fine_t;
            FullMatrix<double>          B_learned, B_lod;
            for (unsigned int m = 1; m <= n_steps; ++m)
              {
                const double    t = m * tau;
                const CellField a =
                  battery_diffusivity(n_fine,
                                      problem.test_conductivity +
                                        problem.amplitude *
                                          std::sin(2 * pi * t /
                                                   problem.final_time),
                                      problem.domain_length);
                fine_t = std::make_unique<FineSystem>(grid, a, unit_source);
                Timer timer;
                B_learned =
                  corrected_basis(grid, layers, networks.evaluate(a), *fine_t);
                const CoarseSystem s_a(B_learned, *fine_t);
                rhs = s_a.load;
                rhs *= tau;
                s_a.mass.vmult_add(rhs, U_a);
                U_a = s_a.solve(rhs, tau, 1);
                seconds[0] += timer.wall_time();
                timer.restart();
                B_lod = corrected_basis(grid,
                                        layers,
                                        classical_correctors(grid, layers, a),
                                        *fine_t);
                const CoarseSystem s_c(B_lod, *fine_t);
                rhs = s_c.load;
                rhs *= tau;
                s_c.mass.vmult_add(rhs, U_c);
                U_c = s_c.solve(rhs, tau, 1);
                seconds[1] += timer.wall_time();
                timer.restart();
                SparseMatrix<double> system_t(fine_t->sparsity);
                system_t.copy_from(fine_t->mass);
                system_t.add(tau, fine_t->stiffness);
                SparseDirectUMFPACK direct_t;
                direct_t.initialize(system_t);
                rhs = fine_t->load;
                rhs *= tau;
                fine_t->mass.vmult_add(rhs, u_f);
                direct_t.vmult(u_f, rhs);
                seconds[2] += timer.wall_time();
                progress.update(m);
              }
            report(reconstruct(B_learned, U_a),
                   reconstruct(B_lod, U_c),
                   u_f,
                   "time_dependent_");
            summary.set_metric("time_dependent_ann_seconds_per_step",
                               seconds[0] / n_steps);
            summary.set_metric("time_dependent_lod_seconds_per_step",
                               seconds[1] / n_steps);
            summary.set_metric("time_dependent_fine_seconds_per_step",
                               seconds[2] / n_steps);
          }
      }
    output.write_file("solutions.csv", solutions);
    output.finish();
  }
} // namespace Step3


int
main(int argc, char **argv)
{
  return neuhom::run_program(argc,
                             argv,
                             "step-3",
                             "Deep Ritz LOD correctors for parametrized "
                             "coefficients (Examples 1 and 2)",
                             &Step3::declare_parameters,
                             &Step3::run);
}
