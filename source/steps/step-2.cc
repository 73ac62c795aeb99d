/* ---------------------------------------------------------------------------
 * neuhom step-2: the localized orthogonal decomposition (LOD).
 *
 * step-1 showed that plain Q1 elements on a coarse mesh H > eps do not
 * converge at all for a rough coefficient. LOD keeps the coarse mesh but
 * replaces the Q1 hats Lambda_j by corrected ones (I - C) Lambda_j: the
 * corrector C maps into the fine-scale space W = ker I_H and is computed on
 * patches N^l(K) of l coarse layers around each coarse cell K, one small
 * fine-scale problem per patch. The error is then O(H) in the energy norm,
 * independent of eps, plus a localization error that decays exponentially
 * in l. This program measures both: fine FEM vs coarse FEM vs LOD for every
 * coarse mesh and number of layers of the sweep, and for the parabolic
 * problem LOD time stepping (with the LOD mass matrix) against fine FEM.
 *
 * The correctors are distributed over the MPI ranks by coarse cells; the
 * results do not depend on the number of ranks. No rank ever holds a whole
 * fine-grid vector: the fine FEM mesh is a p4est mesh, and each rank
 * receives the LOD fine-scale field only on the coarse cells under its own
 * part of it.
 * ------------------------------------------------------------------------- */

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>

#include <deal.II/dofs/dof_tools.h>
#include <deal.II/numerics/data_out.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/progress.h>
#include <neuhom/core/run_output.h>
#include <neuhom/core/summary.h>
#include <neuhom/fem/block_q1_field.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/field_comparison.h>
#include <neuhom/fem/fine_scale_inputs.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/fem/structured_q1_field.h>
#include <neuhom/lod/lod_problem.h>
#include <neuhom/lod/memory.h>
#include <neuhom/lod/parabolic_lod.h>

#include <fstream>
#include <iomanip>

namespace Step2
{
  using namespace dealii;
  using namespace neuhom;

  // @sect3{Parameters}
  //
  // The LOD configuration itself (subsection "LOD") is what the parabolic
  // run and the plain metrics use; the sweep over coarse meshes and layers
  // of the elliptic comparison is step-2's own subsection.
  struct ComparisonParameters
  {
    bool                      elliptic  = true;
    bool                      parabolic = true;
    std::vector<unsigned int> coarse_cells;
    std::vector<unsigned int> layers;

    static void
    declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Comparison");
      prm.declare_entry("Problem type",
                        "elliptic and parabolic",
                        Patterns::Selection(
                          "elliptic|parabolic|elliptic and parabolic"),
                        "Elliptic: the sweep over coarse meshes and layers. "
                        "Parabolic: LOD time stepping with the coarse mesh "
                        "and layers of subsection LOD against fine FEM.");
      prm.declare_entry("Coarse cells per direction",
                        "4, 8, 16, 32",
                        Patterns::List(Patterns::Integer(1), 1),
                        "1/H of the elliptic sweep; each must divide the fine "
                        "cells per direction.");
      prm.declare_entry("Oversampling layers",
                        "1, 2, 3, 4",
                        Patterns::List(Patterns::Integer(1), 1),
                        "l of the elliptic sweep.");
      prm.leave_subsection();
    }

    void
    parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Comparison");
      const std::string type = prm.get("Problem type");
      elliptic               = type != "parabolic";
      parabolic              = type != "elliptic";
      using UnsignedList = Patterns::Tools::Convert<std::vector<unsigned int>>;
      coarse_cells =
        UnsignedList::to_value(prm.get("Coarse cells per direction"));
      layers = UnsignedList::to_value(prm.get("Oversampling layers"));
      prm.leave_subsection();
    }
  };


  void
  declare_parameters(ParameterHandler &prm)
  {
    FineScaleInputs<2>::declare_parameters(prm);
    LODParameters::declare_parameters(prm);
    ComparisonParameters::declare_parameters(prm);
  }


  // @sect3{Output of the fine-scale LOD field}
  //
  // The LOD reconstruction (I - C) u_H lives on the fine grid. The fine FEM
  // mesh is distributed by p4est, the LOD by blocks of coarse cells, and the
  // two partitions differ: each rank therefore asks the LOD for the fine
  // field on the coarse cells under its locally owned fine cells only
  // (LODProblem::reconstruct() fetches those owned by other ranks). The
  // result is evaluated at the fine quadrature points for the errors and at
  // the fine vertices for output, next to the fine FEM solution.
  template <int dim>
  BlockQ1Field<dim>
  reconstruct_under_fine_mesh(const LODProblem<dim>       &lod,
                              const DiffusionProblem<dim> &fine,
                              const Vector<double>        &U)
  {
    return reconstruct_under_mesh(lod,
                                  fine.get_dof_handler().get_triangulation(),
                                  U);
  }


  template <int dim>
  void
  write_fields(const DiffusionProblem<dim> &fine,
               const BlockQ1Field<dim>     &lod,
               const std::string           &directory,
               const std::string           &name)
  {
    const auto                   &dof_handler = fine.get_dof_handler();
    TrilinosWrappers::MPI::Vector lod_values(dof_handler.locally_owned_dofs(),
                                             dof_handler.get_communicator());
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        for (const unsigned int v : cell->vertex_indices())
          {
            const auto dof = cell->vertex_dof_index(v, 0);
            if (lod_values.in_local_range(dof))
              lod_values[dof] = lod.value(cell->vertex(v));
          }
    lod_values.compress(VectorOperation::insert);
    TrilinosWrappers::MPI::Vector ghosted(
      dof_handler.locally_owned_dofs(),
      DoFTools::extract_locally_relevant_dofs(dof_handler),
      dof_handler.get_communicator());
    ghosted = lod_values;

    DataOut<dim> data_out;
    data_out.attach_dof_handler(dof_handler);
    data_out.add_data_vector(fine.solution(), "u_fine");
    data_out.add_data_vector(ghosted, "u_lod");
    data_out.build_patches();
    data_out.write_vtu_with_pvtu_record(directory + "/",
                                        name,
                                        0,
                                        dof_handler.get_communicator(),
                                        2);
  }


  // @sect3{The comparison}
  template <int dim>
  void
  run(ParameterHandler &prm, const RunSettings &settings)
  {
    const MPI_Comm comm = MPI_COMM_WORLD;

    // Parse every component before any work or output.
    FineScaleInputs<dim> inputs;
    inputs.parse_parameters(prm, comm);
    auto &[mesh, coefficient, functions, discretization, solver, time] = inputs;
    require(discretization.degree == 1,
            "Discretization/Polynomial degree",
            "must be 1: LOD corrects Q1 on the fine grid");
    require(!functions.reaction,
            "Problem/Reaction coefficient",
            "must be 0: the LOD here is built for -div(a grad u)");
    LODParameters lod_parameters;
    lod_parameters.parse_parameters(prm);
    check_nested(lod_parameters.coarse_cells,
                 mesh.fine_cells_per_direction,
                 "LOD/Coarse cells per direction");
    ComparisonParameters comparison;
    comparison.parse_parameters(prm);
    for (const unsigned int n : comparison.coarse_cells)
      check_nested(n,
                   mesh.fine_cells_per_direction,
                   "Comparison/Coarse cells per direction");
    // The correctors of the LOD and of every LOD of the sweep must fit into
    // memory (e.g. l = infinity on a fine coarse mesh would not): refused
    // now with the estimate rather than by the out-of-memory killer.
    const unsigned int n_ranks = Utilities::MPI::n_mpi_processes(comm);
    check_memory(estimate_lod_memory<dim>(lod_parameters.coarse_cells,
                                          mesh.fine_cells_per_direction,
                                          lod_parameters.layers,
                                          n_ranks),
                 "LOD/Oversampling layers",
                 comm);
    if (comparison.elliptic)
      for (const unsigned int n : comparison.coarse_cells)
        for (const unsigned int l : comparison.layers)
          check_memory(estimate_lod_memory<dim>(n,
                                                mesh.fine_cells_per_direction,
                                                l,
                                                n_ranks),
                       "Comparison/Oversampling layers",
                       comm);
    {
      // LOD spaces are subspaces of H^1_0.
      functions.set_time(0.);
      Point<dim> corner, center;
      for (unsigned int d = 0; d < dim; ++d)
        center[d] = 0.5;
      center[0] = 0;
      require(functions.boundary_values->value(corner) == 0 &&
                functions.boundary_values->value(center) == 0,
              "Problem/Boundary values",
              "must be 0: LOD here supports homogeneous Dirichlet data only");
    }
    const unsigned int n_q = discretization.n_quadrature_points();
    if (settings.validate_only)
      return;

    RunOutput                 output("step-2", settings, prm, comm);
    const ConditionalOStream &pcout   = output.pcout;
    TimerOutput              &timer   = output.timer;
    Summary                  &summary = output.summary;

    DiffusionProblem<dim> fine(comm, inputs, timer);
    fine.setup();
    pcout << "step-2: LOD for a multiscale problem in " << dim << "D on "
          << Utilities::MPI::n_mpi_processes(comm) << " MPI rank(s)\n"
          << "  eps = " << coefficient->feature_size() << ", fine mesh h = 1/"
          << mesh.fine_cells_per_direction << ", " << fine.n_dofs()
          << " fine DoFs; LOD: " << lod_parameters.layers_text()
          << " layers, H = 1/" << lod_parameters.coarse_cells << ", "
          << (lod_parameters.petrov_galerkin ? "Petrov-Galerkin" : "Galerkin")
          << std::endl;
    summary.set_metric("fine_dofs", fine.n_dofs());

    // @sect4{Elliptic: fine FEM vs coarse FEM vs LOD}
    if (comparison.elliptic)
      {
        Timer fine_timer;
        fine.solve_stationary();
        const double fine_seconds = fine_timer.wall_time();
        summary.set_metric("fine_solve_seconds", fine_seconds);
        summary.set_metric("coefficient_contrast",
                           fine.coefficient_range().second /
                             fine.coefficient_range().first);
        pcout << "  coefficient range [" << fine.coefficient_range().first
              << ", " << fine.coefficient_range().second << "], fine solve "
              << std::fixed << std::setprecision(2) << fine_seconds << " s\n"
              << std::defaultfloat;

        std::ostringstream csv;
        csv << "coarse_cells,H,layers,lod_rel_energy_error_vs_fine,"
               "lod_rel_l2_error_vs_fine,coarse_fem_rel_energy_error_vs_fine,"
               "coarse_fem_rel_l2_error_vs_fine,corrector_seconds,"
               "coarse_solve_seconds\n";
        pcout << "\n     H    l   LOD energy      LOD L2   coarse FEM energy"
                 "  correctors [s]\n";
        for (const unsigned int n : comparison.coarse_cells)
          {
            // Plain Q1 on the coarse mesh, with the fine quadrature.
            DiffusionProblem<dim> coarse(comm,
                                         n,
                                         discretization,
                                         solver,
                                         *coefficient,
                                         functions,
                                         timer,
                                         mesh.fine_cells_per_direction / n);
            coarse.setup();
            coarse.solve_stationary();
            const FieldDifference coarse_error =
              compare_with_fine(fine,
                                *coefficient,
                                StructuredQ1Field<dim>(coarse.get_dof_handler(),
                                                       coarse.solution(),
                                                       n));

            for (const unsigned int l : comparison.layers)
              {
                LODParameters sweep = lod_parameters;
                sweep.coarse_cells  = n;
                sweep.layers        = l;
                LODProblem<dim> lod(comm,
                                    sweep,
                                    mesh.fine_cells_per_direction,
                                    n_q,
                                    *coefficient);
                Timer           corrector_timer;
                {
                  TimerOutput::Scope scope(timer, "LOD correctors");
                  lod.compute_correctors();
                }
                const double corrector_seconds = corrector_timer.wall_time();
                // CPU time of the slowest rank: on a loaded machine the wall
                // time also measures the other processes.
                const double corrector_cpu_seconds =
                  Utilities::MPI::max(corrector_timer.cpu_time(), comm);
                Timer          solve_timer;
                Vector<double> U;
                {
                  TimerOutput::Scope scope(timer, "LOD coarse system");
                  lod.assemble_matrices();
                  U = lod.solve(lod.load(*functions.right_hand_side));
                }
                const double            solve_seconds = solve_timer.wall_time();
                const BlockQ1Field<dim> lod_field =
                  reconstruct_under_fine_mesh(lod, fine, U);
                const FieldDifference error =
                  compare_with_fine(fine, *coefficient, lod_field);

                const std::string suffix =
                  "_H" + std::to_string(n) + "_l" + std::to_string(l);
                summary.set_metric("lod_rel_energy_error_vs_fine" + suffix,
                                   error.relative_energy());
                summary.set_metric("lod_rel_l2_error_vs_fine" + suffix,
                                   error.relative_l2());
                summary.set_metric("corrector_seconds" + suffix,
                                   corrector_seconds);
                if (n == lod_parameters.coarse_cells &&
                    l == lod_parameters.layers)
                  {
                    summary.set_metric("lod_rel_energy_error_vs_fine",
                                       error.relative_energy());
                    summary.set_metric("lod_rel_l2_error_vs_fine",
                                       error.relative_l2());
                    summary.set_metric("coarse_fem_rel_energy_error_vs_fine",
                                       coarse_error.relative_energy());
                    summary.set_metric("n_patches", lod.n_patches());
                    summary.set_metric("corrector_seconds", corrector_seconds);
                    summary.set_metric("corrector_cpu_seconds",
                                       corrector_cpu_seconds);
                    summary.set_metric("coarse_solve_seconds", solve_seconds);
                    if (!lod_parameters.local_blocks_file.empty())
                      lod.write_local_blocks(settings.output_directory + "/" +
                                             lod_parameters.local_blocks_file);
                    if (!lod_parameters.matrix_file.empty())
                      lod.write_matrix_market(settings.output_directory + "/" +
                                              lod_parameters.matrix_file);
                    if (settings.write_vtu)
                      write_fields(fine,
                                   lod_field,
                                   settings.output_directory,
                                   "elliptic");
                  }
                pcout << std::setw(6) << ("1/" + std::to_string(n))
                      << std::setw(5) << l << std::scientific
                      << std::setprecision(3) << std::setw(13)
                      << error.relative_energy() << std::setw(12)
                      << error.relative_l2() << std::setw(20)
                      << coarse_error.relative_energy() << std::defaultfloat
                      << std::fixed << std::setprecision(2) << std::setw(16)
                      << corrector_seconds << std::defaultfloat << std::endl;
                csv << n << ',' << 1. / n << ',' << l << ','
                    << std::setprecision(10) << error.relative_energy() << ','
                    << error.relative_l2() << ','
                    << coarse_error.relative_energy() << ','
                    << coarse_error.relative_l2() << ',' << corrector_seconds
                    << ',' << solve_seconds << '\n';
              }
            summary.set_metric("coarse_fem_rel_energy_error_vs_fine_H" +
                                 std::to_string(n),
                               coarse_error.relative_energy());
          }
        output.write_file("lod-sweep.csv", csv.str());
      }

    // @sect4{Parabolic: LOD time stepping vs fine FEM}
    if (comparison.parabolic)
      {
        pcout << "\nParabolic, " << time.scheme << ", " << time.n_steps()
              << " steps of " << time.time_step << std::endl;
        Timer fine_timer;
        {
          Progress progress(pcout, "fine time step", time.n_steps());
          fine.solve_transient(time, [&](unsigned int step, double) {
            progress.update(step, "");
          });
        }
        fine_timer.stop();
        const double fine_seconds = fine_timer.wall_time();

        // One LOD run with a given corrector update tolerance; with a
        // time-dependent coefficient and a positive tolerance, the run that
        // recomputes every corrector at every step is the reference.
        const auto run_lod = [&](const double       tolerance,
                                 const std::string &suffix) {
          LODProblem<dim> lod(comm,
                              lod_parameters,
                              mesh.fine_cells_per_direction,
                              n_q,
                              *coefficient);
          Vector<double>  U;
          Timer           lod_timer;
          const auto      statistics = solve_parabolic_lod(
            lod,
            *coefficient,
            functions,
            time,
            tolerance,
            U,
            [](unsigned int, double, const Vector<double> &) {});
          const double lod_seconds = lod_timer.wall_time();
          coefficient->set_time(time.final_time);
          const BlockQ1Field<dim> lod_field =
            reconstruct_under_fine_mesh(lod, fine, U);
          const FieldDifference error =
            compare_with_fine(fine, *coefficient, lod_field);

          const double n_steps = time.n_steps();
          summary.set_metric("lod_rel_l2_error_vs_fine_at_T" + suffix,
                             error.relative_l2());
          summary.set_metric("lod_rel_energy_error_vs_fine_at_T" + suffix,
                             error.relative_energy());
          summary.set_metric("lod_seconds_per_step" + suffix,
                             statistics.online_seconds / n_steps);
          summary.set_metric("lod_cpu_seconds_per_step" + suffix,
                             Utilities::MPI::max(statistics.online_cpu_seconds,
                                                 comm) /
                               n_steps);
          summary.set_metric("lod_total_seconds" + suffix, lod_seconds);
          summary.set_metric("n_corrector_updates" + suffix,
                             statistics.n_updates);
          summary.set_metric("n_patches_recomputed" + suffix,
                             statistics.n_patches_recomputed);
          summary.set_metric("corrector_update_seconds" + suffix,
                             statistics.update_seconds);
          pcout << "  LOD, corrector update tolerance " << tolerance
                << ": at T = " << time.final_time << " rel. L2 error vs fine "
                << std::scientific << std::setprecision(3)
                << error.relative_l2() << ", energy " << error.relative_energy()
                << std::defaultfloat << "\n"
                << "    online " << statistics.online_seconds / n_steps
                << " s/step, total with correctors " << lod_seconds << " s; "
                << statistics.n_updates << " corrector updates, "
                << statistics.n_patches_recomputed << " of "
                << statistics.n_updates * lod.n_patches()
                << " patches recomputed" << std::endl;
          if (settings.write_vtu && suffix.empty())
            write_fields(fine,
                         lod_field,
                         settings.output_directory,
                         "parabolic");
        };

        summary.set_metric("fine_seconds_per_step",
                           fine_seconds / time.n_steps());
        // CPU time of the slowest rank: the wall times on a loaded machine
        // also measure the other processes.
        summary.set_metric("fine_cpu_seconds_per_step",
                           Utilities::MPI::max(fine_timer.cpu_time(), comm) /
                             time.n_steps());
        pcout << "  fine FEM " << fine_seconds / time.n_steps() << " s/step"
              << std::endl;
        run_lod(lod_parameters.update_tolerance, "");
        if (coefficient->is_time_dependent() &&
            lod_parameters.update_tolerance > 0)
          run_lod(0., "_full_update");
      }

    output.finish();
  }
} // namespace Step2


int
main(int argc, char **argv)
{
  return neuhom::run_program(
    argc,
    argv,
    "step-2",
    "classical LOD vs fine-scale FEM and coarse FEM (elliptic, parabolic)",
    &Step2::declare_parameters,
    [](dealii::ParameterHandler &prm, const neuhom::RunSettings &settings) {
      neuhom::require(settings.dimension > 1,
                      "Dimension",
                      "step-2 runs in 2D and 3D");
      if (settings.dimension == 2)
        Step2::run<2>(prm, settings);
      else
        Step2::run<3>(prm, settings);
    });
}
