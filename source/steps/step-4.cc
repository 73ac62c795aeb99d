/* ---------------------------------------------------------------------------
 * neuhom step-4: neural operator compression (Kroepfl, Maier, Peterseim).
 *
 * step-2 computed the Petrov-Galerkin LOD coarse matrix classically: one
 * fine-scale patch problem per coarse element T, whose solution gives the
 * local block S_T (rows: the coarse vertices of the patch N^l(T), columns:
 * the vertices of T), assembled as S = sum_T pi_T S_T phi_T^T. The map from
 * the coefficient on the patch to S_T is the same for every element (the
 * patch is padded with a zero coefficient outside the domain, so every input
 * and block has one size). This program learns that map with a dense ReLU
 * network:
 *
 *   1. offline data: coefficients of the paper's 10 classes (piecewise
 *      constant on the levels k = 0..8, values U[1,5], and their average),
 *      the classical blocks of all elements of each (distributed over the
 *      ranks), stored in a binary sample file that can be resumed;
 *   2. training: minibatches of (patch, block) pairs, the loss
 *      J = mean 1/2 ||Psi(A_T) - S_T||_F^2 / ||S_T||_F^2, Adam with the
 *      paper's schedule, data-parallel over the ranks;
 *   3. online: for a new coefficient one batched forward pass gives all
 *      blocks, which are assembled into the surrogate S_hat and solved.
 *
 * The three experiments of the paper compare S_hat and its solution with the
 * classical PG-LOD matrix S and its solution (and both with fine FEM).
 * ------------------------------------------------------------------------- */

#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>

#include <deal.II/lac/sparse_direct.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/core/coefficients.h>
#include <neuhom/core/expression.h>
#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/run_output.h>
#include <neuhom/core/stop_request.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/field_comparison.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/lod/lod_problem.h>
#include <neuhom/lod/memory.h>
#include <neuhom/methods/operator_compression/block_network.h>
#include <neuhom/methods/operator_compression/dataset.h>
#include <neuhom/methods/operator_compression/local_blocks.h>
#include <neuhom/methods/operator_compression/surrogate_matrix.h>
#include <neuhom/nn/model_io.h>

#include <filesystem>
#include <iomanip>
#include <sstream>

namespace Step4
{
  using namespace dealii;
  using namespace neuhom;
  using namespace neuhom::operator_compression;

  // @sect3{Parameters}
  //
  // Besides the network ("Network"), the optimizer ("Training", the nn
  // layer's) and the minibatches ("Block training"), step-4 has three
  // subsections of its own: the grids, the sample file and the experiments.
  struct Parameters
  {
    unsigned int coarse_cells = 8, refinement = 4, layers = 2;
    std::string  sample_file;
    unsigned int samples_per_class = 20;
    unsigned int seed              = 1;
    double       value_minimum = 1, value_maximum = 5;
    std::string  multiscale_rhs, smooth_coefficient, smooth_rhs, crack_rhs;
    std::string  crack_segments;
    unsigned int crack_seed = 1;
    bool         registered = false;
    std::string  registered_rhs;
    bool         fine_reference       = true;
    unsigned int reference_refinement = 1;

    static void
    declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Operator compression");
      prm.declare_entry("Coarse cells per direction",
                        "8",
                        Patterns::Integer(1, 1024),
                        "1/H (the paper: 32).");
      prm.declare_entry("Fine cells per coarse cell",
                        "4",
                        Patterns::Integer(1, 64),
                        "H/h; the coefficient is constant on the fine cells "
                        "(eps = h), and 1/h must be a power of two (the "
                        "paper: 8, eps = 1/256).");
      prm.declare_entry("Oversampling layers",
                        "2",
                        Patterns::Integer(1, 8),
                        "l (the paper: 2; patches of (2l+1)^2 cells).");
      prm.leave_subsection();

      prm.enter_subsection("Data");
      prm.declare_entry("Sample file",
                        "samples.bin",
                        Patterns::Anything(),
                        "Binary file of coefficients and their PG-LOD local "
                        "blocks; relative paths are in the output directory. "
                        "An existing file of the same configuration is "
                        "reused or, if incomplete, completed.");
      prm.declare_entry("Samples per class",
                        "20",
                        Patterns::Integer(3),
                        "Coefficients per class (the paper: 500), split 80 / "
                        "10 / 10 % into training, validation and test.");
      prm.declare_entry("Random seed", "1", Patterns::Integer(0), "Seed.");
      prm.declare_entry("Coefficient values",
                        "1, 5",
                        Patterns::List(Patterns::Double(0), 2, 2),
                        "a, b: the coefficient values of every level are "
                        "i.i.d. U[a, b] (the paper: 1, 5; 1, 100 for the "
                        "contrast of the common benchmark).");
      prm.leave_subsection();

      prm.enter_subsection("Experiments");
      prm.declare_entry("Multiscale right-hand side",
                        "1",
                        Patterns::Anything(),
                        "f of experiment 1 (the first test coefficient of "
                        "the multiscale class).");
      prm.declare_entry("Smooth coefficient",
                        "2 + sin(2*pi*x)*sin(2*pi*y)",
                        Patterns::Anything(),
                        "A of experiment 2, taken at the fine-cell centres.");
      prm.declare_entry("Smooth right-hand side",
                        "x*(x >= 0.5)",
                        Patterns::Anything(),
                        "f of experiment 2.");
      prm.declare_entry("Crack right-hand side",
                        "cos(2*pi*x)",
                        Patterns::Anything(),
                        "f of experiment 3.");
      prm.declare_entry("Crack segments",
                        "0.1, 0.15, 0.55, 0.7; 0.35, 0.85, 0.9, 0.35; "
                        "0.6, 0.1, 0.75, 0.45",
                        Patterns::Anything(),
                        "Experiment 3: the cracks (values U[4,5]) in a "
                        "U[1,2] background, as segments x0, y0, x1, y1 "
                        "separated by ';', one fine cell wide.");
      prm.declare_entry("Crack seed", "1", Patterns::Integer(0), "Seed.");
      prm.declare_entry("Registered coefficient",
                        "false",
                        Patterns::Bool(),
                        "Add experiment 4 ('registered'): the coefficient of "
                        "the Coefficient subsection (any registered type, "
                        "e.g. the common benchmark's random checkerboard), "
                        "taken at the fine-cell centres: its feature size "
                        "must be at least h.");
      prm.declare_entry("Registered right-hand side",
                        "1",
                        Patterns::Anything(),
                        "f of experiment 4.");
      prm.declare_entry("Fine reference",
                        "true",
                        Patterns::Bool(),
                        "Also solve with fine FEM and compare both coarse "
                        "solutions with it.");
      prm.declare_entry("Fine reference refinement",
                        "1",
                        Patterns::Integer(1, 16),
                        "The fine reference has 1/h times this cells per "
                        "direction (1: h = eps; the common benchmark: 4).");
      prm.leave_subsection();
    }

    void
    parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Operator compression");
      coarse_cells = prm.get_integer("Coarse cells per direction");
      refinement   = prm.get_integer("Fine cells per coarse cell");
      layers       = prm.get_integer("Oversampling layers");
      prm.leave_subsection();
      const unsigned int fine = coarse_cells * refinement;
      require((fine & (fine - 1)) == 0,
              "Operator compression/Fine cells per coarse cell",
              "1/h = (coarse cells) x (fine cells per coarse cell) = " +
                std::to_string(fine) +
                " must be a power of two (the coefficient levels)");
      require(fine <= 4096,
              "Operator compression/Fine cells per coarse cell",
              "1/h = " + std::to_string(fine) + " is larger than 4096");

      prm.enter_subsection("Data");
      sample_file       = prm.get("Sample file");
      samples_per_class = prm.get_integer("Samples per class");
      seed              = prm.get_integer("Random seed");
      const auto values =
        Patterns::Tools::Convert<std::vector<double>>::to_value(
          prm.get("Coefficient values"));
      value_minimum = values[0];
      value_maximum = values[1];
      require(value_minimum > 0 && value_minimum <= value_maximum,
              "Data/Coefficient values",
              "needs 0 < a <= b");
      require(!sample_file.empty(), "Data/Sample file", "must not be empty");
      prm.leave_subsection();

      prm.enter_subsection("Experiments");
      multiscale_rhs       = prm.get("Multiscale right-hand side");
      smooth_coefficient   = prm.get("Smooth coefficient");
      smooth_rhs           = prm.get("Smooth right-hand side");
      crack_rhs            = prm.get("Crack right-hand side");
      crack_segments       = prm.get("Crack segments");
      crack_seed           = prm.get_integer("Crack seed");
      registered           = prm.get_bool("Registered coefficient");
      registered_rhs       = prm.get("Registered right-hand side");
      fine_reference       = prm.get_bool("Fine reference");
      reference_refinement = prm.get_integer("Fine reference refinement");
      prm.leave_subsection();
    }
  };


  void
  declare_parameters(ParameterHandler &prm)
  {
    Parameters::declare_parameters(prm);
    BlockNetworkParameters::declare_parameters(prm);
    TrainingParameters::declare_parameters(prm);
    BlockTrainingParameters::declare_parameters(prm);
    CoefficientFactory::declare_parameters(prm);
  }


  // @sect3{The experiments}
  //
  // Each experiment is a coefficient (as values on the fine cells) and a
  // right-hand side.
  struct Experiment
  {
    std::string                        name;
    std::vector<double>                field;
    std::string                        rhs_expression;
    std::unique_ptr<FunctionParser<2>> rhs;
  };


  std::vector<Experiment>
  make_experiments(const Parameters     &parameters,
                   const unsigned int    fine,
                   const Coefficient<2> *registered)
  {
    std::vector<Experiment> experiments(registered ? 4 : 3);
    experiments[0].name = "multiscale";
    experiments[1].name = "smooth";
    experiments[2].name = "cracks";

    // 1: the first test sample of the multiscale class, unseen in training.
    experiments[0].field = sample_coefficient(
      fine,
      n_coefficient_classes(fine) - 1,
      parameters.seed,
      split_range(parameters.samples_per_class, Split::test).first,
      parameters.value_minimum,
      parameters.value_maximum);
    experiments[0].rhs_expression = parameters.multiscale_rhs;
    experiments[1].rhs_expression = parameters.smooth_rhs;
    experiments[2].rhs_expression = parameters.crack_rhs;
    experiments[0].rhs =
      make_parser<2>(parameters.multiscale_rhs,
                     {},
                     "Experiments/Multiscale right-hand side");

    // 2: a smooth coefficient at the fine-cell centres.
    const auto smooth    = make_parser<2>(parameters.smooth_coefficient,
                                       {},
                                       "Experiments/Smooth coefficient");
    experiments[1].field = cell_centre_values(*smooth, fine);
    for (const double a : experiments[1].field)
      require(a > 0 && std::isfinite(a),
              "Experiments/Smooth coefficient",
              "must be positive and finite, but is " + to_text(a) +
                " at a cell centre");
    experiments[1].rhs = make_parser<2>(parameters.smooth_rhs,
                                        {},
                                        "Experiments/Smooth right-hand side");

    // 3: cracks, the core layer's Cracks coefficient on the fine cells.
    {
      ParameterHandler crack_prm;
      Coefficients::Cracks<2>::declare_parameters(crack_prm);
      crack_prm.set("Crack segments", parameters.crack_segments);
      crack_prm.set("Random seed", std::to_string(parameters.crack_seed));
      Coefficients::Cracks<2> cracks(1. / fine);
      try
        {
          cracks.parse_parameters(crack_prm);
        }
      catch (const InputError &error)
        {
          throw InputError(std::string("entry 'Experiments/Crack segments': ") +
                           error.what());
        }
      experiments[2].field = cell_centre_values(cracks, fine);
    }
    experiments[2].rhs = make_parser<2>(parameters.crack_rhs,
                                        {},
                                        "Experiments/Crack right-hand side");

    // 4: a registered coefficient (the Coefficient subsection).
    if (registered)
      {
        require(registered->feature_size() >= (1 - 1e-12) / fine,
                "Coefficient/Epsilon",
                "the coefficient's feature size " +
                  to_text(registered->feature_size()) +
                  " is smaller than h = 1/" + std::to_string(fine) +
                  ": step-4 takes it at the fine-cell centres");
        experiments[3].name           = "registered";
        experiments[3].field          = cell_centre_values(*registered, fine);
        experiments[3].rhs_expression = parameters.registered_rhs;
        experiments[3].rhs =
          make_parser<2>(parameters.registered_rhs,
                         {},
                         "Experiments/Registered right-hand side");
      }
    return experiments;
  }


  // The path of the sample file: relative ones are in the output directory.
  std::string
  sample_path(const Parameters &parameters, const RunSettings &settings)
  {
    const std::filesystem::path path(parameters.sample_file);
    return path.is_absolute() ?
             path.string() :
             (std::filesystem::path(settings.output_directory) / path).string();
  }


  // @sect3{The program}
  void
  run(ParameterHandler &prm, const RunSettings &settings)
  {
    const MPI_Comm     comm    = MPI_COMM_WORLD;
    const unsigned int rank    = Utilities::MPI::this_mpi_process(comm);
    const unsigned int n_ranks = Utilities::MPI::n_mpi_processes(comm);

    // Parse and check everything before any work or output.
    Parameters parameters;
    parameters.parse_parameters(prm);
    BlockNetworkParameters network_parameters;
    network_parameters.parse_parameters(prm);
    TrainingParameters training;
    training.parse_parameters(prm);
    BlockTrainingParameters minibatches;
    minibatches.parse_parameters(prm);
    const BlockGeometry geometry(parameters.coarse_cells,
                                 parameters.refinement,
                                 parameters.layers);
    const unsigned int  fine = geometry.fine_cells();
    const DatasetHeader header =
      DatasetHeader::for_configuration(geometry,
                                       parameters.samples_per_class,
                                       parameters.seed,
                                       parameters.value_minimum,
                                       parameters.value_maximum);
    // Refuse up front what would not fit (before the experiments' fields
    // exist): on every rank a sample field and the experiments' fields; the
    // records of the three splits spread over the ranks, each held as its
    // zero-padded field and its blocks (read in float64, then converted to the
    // training precision); the patch solves and the classical PG-LOD blocks
    // (the LOD estimate); the fine reference.
    {
      const double fields = 5. * 8 * fine * fine * n_ranks;
      const double records =
        double(header.n_classes) * parameters.samples_per_class;
      const double padded       = fine + 2. * geometry.l * geometry.r;
      const double element_size = c10::elementSize(network_parameters.dtype);
      check_memory(
        fields +
          records *
            (padded * padded +
             double(geometry.n_cells()) * geometry.n_outputs()) *
            (8 + element_size) +
          estimate_lod_memory<2>(geometry.N, fine, geometry.l, n_ranks) +
          (parameters.fine_reference ?
             estimate_fine_solver_memory<2>(fine *
                                              parameters.reference_refinement,
                                            1) :
             0.),
        "Data/Samples per class",
        comm);
    }
    const std::unique_ptr<Coefficient<2>> registered =
      parameters.registered ? CoefficientFactory::create<2>(prm) : nullptr;
    std::vector<Experiment> experiments =
      make_experiments(parameters, fine, registered.get());
    const std::string samples = sample_path(parameters, settings);
    {
      const auto folder = std::filesystem::path(samples).parent_path();
      require(std::filesystem::path(parameters.sample_file).is_relative() ||
                std::filesystem::is_directory(folder),
              "Data/Sample file",
              "the folder '" + folder.string() + "' does not exist");
    }
    check_existing_dataset(samples, header, comm);
    require(minibatches.load_network.empty() ||
              std::filesystem::exists(minibatches.load_network),
            "Block training/Load network",
            "the file '" + minibatches.load_network + "' does not exist");
    if (settings.validate_only)
      return;

    RunOutput                 output("step-4", settings, prm, comm);
    const ConditionalOStream &pcout   = output.pcout;
    Summary                  &summary = output.summary;
    pcout << "step-4: neural operator compression of the PG-LOD matrix on "
          << n_ranks << " MPI rank(s)\n"
          << "  H = 1/" << geometry.N << ", h = eps = 1/" << fine
          << ", l = " << geometry.l << ": " << geometry.n_cells()
          << " local blocks of " << geometry.n_rows() << " x 4 from patches of "
          << geometry.patch_cells() << " x " << geometry.patch_cells()
          << " coefficient values\n";

    // @sect4{1. Offline: the sample file}
    //
    // Data generation and training poll SIGTERM; one that arrives between
    // them is acted on by the training's first poll (which writes its
    // checkpoint), instead of ending the program at once.
    const stop_request::PollingScope polling;
    Timer                            generation_timer;
    {
      TimerOutput::Scope scope(output.timer, "data generation");
      generate_dataset(samples, header, comm, pcout);
    }
    summary.set_metric("data_generation_seconds", generation_timer.wall_time());
    const DatasetFile file(samples, header);
    summary.set_metric("coefficient_classes", header.n_classes);

    // @sect4{2. Offline: training}
    BlockNetwork network(geometry.n_inputs(),
                         geometry.n_outputs(),
                         network_parameters);
    summary.set_metric("network_parameters", network.n_parameters());
    pcout << "  network: " << geometry.n_inputs();
    for (const unsigned int w : network_parameters.hidden_widths)
      pcout << " -> " << w;
    pcout << " -> " << geometry.n_outputs() << ", " << network.n_parameters()
          << " parameters, invariant projection: "
          << network_parameters.invariant_projection_name() << "\n";
    {
      const BlockData train(file,
                            Split::train,
                            geometry,
                            network.dtype(),
                            comm);
      const BlockData validation(file,
                                 Split::validation,
                                 geometry,
                                 network.dtype(),
                                 comm);
      const BlockData test(file, Split::test, geometry, network.dtype(), comm);
      summary.set_metric("training_pairs", train.n_pairs());
      if (minibatches.load_network.empty())
        {
          pcout << "  training on " << train.n_pairs() << " pairs ("
                << double(train.n_pairs()) / minibatches.batch_size
                << " iterations per epoch)"
                << (minibatches.symmetry_augmentation ?
                      ", symmetry augmentation" :
                      "")
                << "\n";
          TimerOutput::Scope   scope(output.timer, "training");
          const TrainingResult result = train_block_network(network,
                                                            training,
                                                            minibatches,
                                                            geometry,
                                                            train,
                                                            &validation,
                                                            comm,
                                                            pcout);
          summary.set_metric("training_iterations", result.iterations);
          if (rank == 0)
            save_module(network, output.directory + "/network.pt");
        }
      else
        load_module(network, minibatches.load_network);
      network.set_invariant_projection(
        network_parameters.invariant_projection !=
        BlockNetworkParameters::InvariantProjection::none);
      TimerOutput::Scope scope(output.timer, "losses");
      const double       train_loss      = train.loss(network);
      const double       validation_loss = validation.loss(network);
      const double       test_loss       = test.loss(network);
      summary.set_metric("train_loss", train_loss);
      summary.set_metric("validation_loss", validation_loss);
      summary.set_metric("test_loss", test_loss);
      // What the network replaces: the classical blocks of the training
      // coefficients (values stored) per network parameter.
      summary.set_metric("compression_ratio_training_blocks_vs_network",
                         double(train.n_pairs()) * geometry.n_outputs() /
                           network.n_parameters());
      pcout << "  loss J: train " << train_loss << ", validation "
            << validation_loss << ", test " << test_loss
            << " (the paper, test: 7.78e-05)\n";
    }

    // @sect4{3. Online: the experiments}
    //
    // The classical PG-LOD matrix and the surrogate for each coefficient,
    // each rank handling its contiguous range of coarse cells.
    const unsigned int first =
      geometry.n_cells() * std::uint64_t(rank) / n_ranks;
    const unsigned int count =
      geometry.n_cells() * std::uint64_t(rank + 1) / n_ranks - first;
    const SurrogateAssembler assembler(geometry);
    LODParameters            lod_parameters;
    lod_parameters.coarse_cells    = geometry.N;
    lod_parameters.layers          = geometry.l;
    lod_parameters.petrov_galerkin = true;

    // One untimed forward pass: the first call allocates torch's buffers.
    predict_blocks(network, geometry, experiments[0].field, first, count);

    pcout << "\n  experiment     |S-S_hat|_2   rel.      |u-u_hat|_L2   "
             "rel.     LOD [s]   NN [s]\n";
    std::ostringstream csv;
    csv << "experiment,x,y,u_lod,u_nn\n";
    for (Experiment &experiment : experiments)
      {
        const std::string   &name = experiment.name;
        CellFieldCoefficient coefficient(fine, experiment.field);

        Timer         lod_timer;
        LODProblem<2> lod(comm, lod_parameters, fine, 2, coefficient);
        {
          TimerOutput::Scope scope(output.timer, "LOD assembly");
          lod.compute_correctors();
          lod.assemble_matrices();
        }
        lod_timer.stop();
        const double lod_seconds =
          Utilities::MPI::max(lod_timer.wall_time(), comm);
        const double lod_cpu_seconds =
          Utilities::MPI::max(lod_timer.cpu_time(), comm);

        Timer                nn_timer;
        SparseMatrix<double> surrogate;
        {
          TimerOutput::Scope        scope(output.timer, "NN assembly");
          const std::vector<double> blocks =
            predict_blocks(network, geometry, experiment.field, first, count);
          assembler.assemble(blocks, first, count, comm, surrogate);
        }
        nn_timer.stop();
        const double nn_seconds =
          Utilities::MPI::max(nn_timer.wall_time(), comm);
        const double nn_cpu_seconds =
          Utilities::MPI::max(nn_timer.cpu_time(), comm);

        // Spectral norms of S and S - S_hat (dense SVD; the coarse matrix
        // is small).
        const FullMatrix<double> S =
          assembler.to_dense(lod.stiffness_matrix(), lod.free_vertices());
        FullMatrix<double> difference = S;
        difference.add(-1.,
                       assembler.to_dense(surrogate,
                                          assembler.free_vertices()));
        const double spectral_error  = spectral_norm(difference);
        const double spectral_norm_S = spectral_norm(S);

        // The same load vector for both, the Q1 test functions of PG-LOD.
        const Vector<double> F = lod.load(*experiment.rhs);
        const Vector<double> U = lod.solve(F);
        Vector<double>       u(assembler.n_free()), u_hat(assembler.n_free());
        for (unsigned int i = 0; i < assembler.n_free(); ++i)
          {
            u[i]     = U[assembler.free_vertices()[i]];
            u_hat[i] = F[assembler.free_vertices()[i]];
          }
        SparseDirectUMFPACK lu;
        lu.initialize(surrogate);
        lu.solve(u_hat);
        Vector<double> error = u;
        error -= u_hat;
        const double l2_error = assembler.l2_norm(error);
        const double l2_norm  = assembler.l2_norm(u);

        summary.set_metric("matrix_spectral_error_" + name, spectral_error);
        summary.set_metric("matrix_rel_spectral_error_" + name,
                           spectral_error / spectral_norm_S);
        summary.set_metric("solution_l2_error_vs_lod_" + name, l2_error);
        summary.set_metric("solution_rel_l2_error_vs_lod_" + name,
                           l2_error / l2_norm);
        summary.set_metric("lod_assembly_seconds_" + name, lod_seconds);
        summary.set_metric("nn_assembly_seconds_" + name, nn_seconds);
        summary.set_metric("nn_speedup_vs_lod_assembly_" + name,
                           lod_seconds / nn_seconds);
        // CPU time of the slowest rank: on a loaded machine the wall time
        // also measures the other processes.
        summary.set_metric("nn_speedup_vs_lod_assembly_cpu_" + name,
                           lod_cpu_seconds / nn_cpu_seconds);

        pcout << "  " << std::left << std::setw(12) << name << std::right
              << std::scientific << std::setprecision(3) << std::setw(13)
              << spectral_error << std::setw(11)
              << spectral_error / spectral_norm_S << std::setw(13) << l2_error
              << std::setw(11) << l2_error / l2_norm << std::fixed
              << std::setprecision(3) << std::setw(10) << lod_seconds
              << std::setw(9) << nn_seconds << std::defaultfloat << "\n";

        // Both coarse solutions against fine FEM on the eps-grid (or a
        // refinement of it).
        if (parameters.fine_reference)
          {
            const auto functions =
              ProblemFunctions<2>::homogeneous(experiment.rhs_expression,
                                               "Experiments/right-hand side");
            DiffusionProblem<2> reference(comm,
                                          fine *
                                            parameters.reference_refinement,
                                          DiscretizationParameters(),
                                          LinearSolverParameters(),
                                          coefficient,
                                          functions,
                                          output.timer);
            reference.setup();
            reference.solve_stationary();
            const auto lod_vs_fine = compare_with_fine(
              reference,
              coefficient,
              StructuredQ1Field<2>(geometry.N, assembler.nodal_values(u)));
            const auto nn_vs_fine = compare_with_fine(
              reference,
              coefficient,
              StructuredQ1Field<2>(geometry.N, assembler.nodal_values(u_hat)));
            summary.set_metric("lod_solution_rel_l2_error_vs_fine_" + name,
                               lod_vs_fine.relative_l2());
            summary.set_metric("solution_rel_l2_error_vs_fine_" + name,
                               nn_vs_fine.relative_l2());
          }

        const std::vector<double> nodal_lod = assembler.nodal_values(u);
        const std::vector<double> nodal_nn  = assembler.nodal_values(u_hat);
        for (unsigned int v = 0; v < nodal_lod.size(); ++v)
          csv << name << ',' << double(v % (geometry.N + 1)) / geometry.N << ','
              << double(v / (geometry.N + 1)) / geometry.N << ','
              << std::setprecision(12) << nodal_lod[v] << ',' << nodal_nn[v]
              << '\n';
        std::ostringstream field;
        for (unsigned int y = 0; y < fine; ++y)
          for (unsigned int x = 0; x < fine; ++x)
            field << experiment.field[x + fine * y]
                  << (x + 1 < fine ? ',' : '\n');
        output.write_file("coefficient-" + name + ".csv", field.str());
      }
    output.write_file("solutions.csv", csv.str());
    output.finish();
  }
} // namespace Step4


int
main(int argc, char **argv)
{
  return neuhom::run_program(
    argc,
    argv,
    "step-4",
    "neural operator compression: learned PG-LOD local blocks",
    &Step4::declare_parameters,
    [](dealii::ParameterHandler &prm, const neuhom::RunSettings &settings) {
      neuhom::require(settings.dimension == 2,
                      "Dimension",
                      "step-4 runs in 2D (the paper's setting)");
      Step4::run(prm, settings);
    });
}
