// Classical LOD against the fine-scale FEM on the same fine grid:
// - 2D random checkerboard, contrast 1:100, h = 1/48, r = H/h = 12, 6, 3:
//   energy and L2 errors decrease with the number of layers l and with H;
//   Petrov-Galerkin LOD is as accurate as Galerkin LOD;
// - the coarse solution on all ranks equals the one computed by rank 0
//   alone (relative difference < 1e-10), with the replicated coarse solver
//   and with the distributed Trilinos matrices assembled in place (Amesos
//   KLU, CG/GMRES + AMG), Galerkin and Petrov-Galerkin; the distributed
//   modes agree with the replicated solve, apply() too, and
//   stiffness_matrix() refuses them with an exception;
// - the fine-scale reconstruction on the coarse cells under each rank's
//   part of the fine p4est mesh (fetched from their owners) equals the
//   replicated reconstruction at every node (< 1e-12), and the errors
//   against the fine FEM from both are the same;
// - parabolic LOD (backward Euler) with a time-dependent coefficient:
//   recomputing all correctors vs only the patches whose coefficient
//   changed by more than a tolerance (fewer patches, same accuracy);
// - 3D smoke test: LOD beats coarse Q1 FEM.
// Run on 1, 2 and 3 ranks: the outputs are identical.

#include <deal.II/base/timer.h>

#include <neuhom/core/coefficients.h>
#include <neuhom/fem/block_q1_field.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/field_comparison.h>
#include <neuhom/fem/structured_q1_field.h>
#include <neuhom/lod/lod_problem.h>
#include <neuhom/lod/parabolic_lod.h>

#include <memory>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;


template <int dim>
struct Fine
{
  ProblemFunctions<dim>    functions;
  DiscretizationParameters discretization;
  LinearSolverParameters   solver;
  TimerOutput              timer{MPI_COMM_WORLD,
                    std::cout,
                    TimerOutput::never,
                    TimerOutput::wall_times};

  Fine()
  {
    ParameterHandler prm;
    ProblemFunctions<dim>::declare_parameters(prm);
    prm.parse_input_from_string("subsection Problem\n"
                                "  set Right-hand side = 1\n"
                                "  set Boundary values = 0\n"
                                "  set Initial values  = 0\n"
                                "end\n");
    functions.parse_parameters(prm);
    solver.relative_tolerance = 1e-12;
  }
};


LODParameters
parameters(const unsigned int N,
           const unsigned int layers,
           const bool         pg,
           const CoarseSolver solver = CoarseSolver::replicated_direct)
{
  LODParameters p;
  p.coarse_cells    = N;
  p.layers          = layers;
  p.petrov_galerkin = pg;
  p.coarse_solver   = solver;
  return p;
}


double
relative_difference(Vector<double> V, const Vector<double> &U)
{
  V -= U;
  return V.l2_norm() / U.l2_norm();
}


// The reconstruction on the coarse cells under this rank's fine cells.
template <int dim>
BlockQ1Field<dim>
lod_field(const DiffusionProblem<dim> &fine,
          const LODProblem<dim>       &lod,
          const Vector<double>        &U)
{
  return lod.reconstruct(
    U,
    blocks_under_owned_cells(fine.get_dof_handler().get_triangulation(),
                             lod.get_grid().coarse_cells_per_direction()));
}


template <int dim>
FieldDifference
lod_error(const DiffusionProblem<dim> &fine,
          const Coefficient<dim>      &a,
          const LODProblem<dim>       &lod,
          const Vector<double>        &U)
{
  return compare_with_fine(fine, a, lod_field(fine, lod, U));
}


// Distributed vs replicated reconstruction: nodal values and errors.
template <int dim>
void
check_reconstruction(const DiffusionProblem<dim> &fine,
                     const Coefficient<dim>      &a,
                     const LODProblem<dim>       &lod,
                     const Vector<double>        &U,
                     const std::string           &name)
{
  const BlockQ1Field<dim>   field      = lod_field(fine, lod, U);
  const std::vector<double> replicated = lod.reconstruct(U);
  const NestedGrid<dim>    &grid       = lod.get_grid();
  double                    difference = 0, maximum = 0;
  for (unsigned int cell = 0; cell < grid.n_coarse_cells(); ++cell)
    if (field.has_block(cell))
      for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
        {
          const double u = replicated[grid.cell_node_to_fine_node(cell, i)];
          difference = std::max(difference, std::abs(field.block(cell)[i] - u));
          maximum    = std::max(maximum, std::abs(u));
        }
  difference = Utilities::MPI::max(difference / maximum, MPI_COMM_WORLD);
  // Every block under the fine mesh is known somewhere.
  const unsigned int n_blocks =
    Utilities::MPI::sum(field.n_blocks(), MPI_COMM_WORLD);

  const FieldDifference distributed = compare_with_fine(fine, a, field);
  const FieldDifference full =
    compare_with_fine(fine,
                      a,
                      StructuredQ1Field<dim>(grid.fine_cells_per_direction(),
                                             replicated));
  const double error_difference =
    std::max(std::abs(distributed.relative_energy() - full.relative_energy()),
             std::abs(distributed.relative_l2() - full.relative_l2()));
  deallog << name << ": reconstruction on the cells under the fine mesh vs "
          << "replicated: max. rel. nodal difference < 1e-12: "
          << (difference < 1e-12) << ", >= " << grid.n_coarse_cells()
          << " blocks: " << (n_blocks >= grid.n_coarse_cells())
          << "; rel. energy error " << std::setprecision(6)
          << distributed.relative_energy() << ", rel. L2 error "
          << distributed.relative_l2()
          << ", same as replicated: " << (error_difference < 1e-12)
          << std::setprecision(3) << std::endl;
  CHECK_THAT(difference < 1e-12, std::to_string(difference));
  CHECK_THAT(n_blocks >= grid.n_coarse_cells(), std::to_string(n_blocks));
  CHECK_THAT(error_difference < 1e-12, std::to_string(error_difference));
}


// The coarse solution of the same problem on rank 0 alone.
template <int dim>
double
difference_to_rank_0_alone(const LODParameters    &p,
                           const unsigned int      fine_cells,
                           const unsigned int      n_q,
                           const Coefficient<dim> &a,
                           const Function<dim>    &f,
                           const Vector<double>   &U)
{
  double difference = 0;
  if (Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
    {
      LODProblem<dim> serial(MPI_COMM_SELF, p, fine_cells, n_q, a);
      serial.compute_correctors();
      serial.assemble_matrices();
      difference = relative_difference(serial.solve(serial.load(f)), U);
    }
  return Utilities::MPI::broadcast(MPI_COMM_WORLD, difference, 0);
}


void
elliptic_2d()
{
  const unsigned int                  fine_cells = 48;
  Coefficients::RandomCheckerboard<2> a(1. / 24);
  a.initialize(1, 100, 3);
  Fine<2>             setup;
  DiffusionProblem<2> fine(MPI_COMM_WORLD,
                           fine_cells,
                           setup.discretization,
                           setup.solver,
                           a,
                           setup.functions,
                           setup.timer);
  fine.setup();
  fine.solve_stationary();
  const unsigned int n_q = setup.discretization.n_quadrature_points();

  std::map<std::pair<unsigned int, unsigned int>, FieldDifference> errors;
  Vector<double>                                                   galerkin_8_2;
  for (const unsigned int N : {4u, 8u, 16u})
    for (const unsigned int l : {1u, 2u, 3u})
      {
        LODProblem<2> lod(MPI_COMM_WORLD,
                          parameters(N, l, false),
                          fine_cells,
                          n_q,
                          a);
        lod.compute_correctors();
        lod.assemble_matrices();
        const Vector<double> U =
          lod.solve(lod.load(*setup.functions.right_hand_side));
        errors[{N, l}] = lod_error(fine, a, lod, U);
        if (N == 8 && l == 2)
          galerkin_8_2 = U;
        deallog << "Galerkin LOD H = 1/" << N << ", l = " << l
                << ": rel. energy error " << std::setprecision(3)
                << errors[{N, l}].relative_energy() << ", rel. L2 error "
                << errors[{N, l}].relative_l2() << std::endl;
      }
  for (const unsigned int N : {4u, 8u, 16u})
    for (const unsigned int l : {2u, 3u})
      CHECK_THAT((errors[{N, l}].relative_energy() <=
                  errors[{N, l - 1}].relative_energy() * 1.001),
                 "energy error must not grow with l");
  CHECK_THAT((errors[{8, 3}].relative_energy() <
                0.7 * errors[{4, 3}].relative_energy() &&
              errors[{16, 3}].relative_energy() <
                0.7 * errors[{8, 3}].relative_energy()),
             "energy error must decrease with H");

  // Petrov-Galerkin, and the rank-independence check.
  LODProblem<2> pg(MPI_COMM_WORLD, parameters(8, 2, true), fine_cells, n_q, a);
  pg.compute_correctors();
  pg.assemble_matrices();
  const Vector<double>  U = pg.solve(pg.load(*setup.functions.right_hand_side));
  const FieldDifference pg_error = lod_error(fine, a, pg, U);
  deallog << "Petrov-Galerkin LOD H = 1/8, l = 2: rel. energy error "
          << pg_error.relative_energy() << ", rel. L2 error "
          << pg_error.relative_l2() << std::endl;
  CHECK_THAT((pg_error.relative_energy() <
              1.2 * errors[{8, 2}].relative_energy()),
             "PG-LOD must be about as accurate as Galerkin LOD");

  check_reconstruction(fine, a, pg, U, "Petrov-Galerkin LOD H = 1/8, l = 2");

  // The same with the distributed Trilinos coarse matrices, assembled in
  // place; every mode against rank 0 alone.
  const Function<2> &f = *setup.functions.right_hand_side;
  for (const bool petrov_galerkin : {false, true})
    for (const auto solver : {CoarseSolver::replicated_direct,
                              CoarseSolver::distributed_direct,
                              CoarseSolver::distributed_iterative})
      {
        const LODParameters p = parameters(8, 2, petrov_galerkin, solver);
        const std::string   name =
          std::string(petrov_galerkin ? "Petrov-Galerkin" : "Galerkin") +
          " LOD, " +
          (solver == CoarseSolver::replicated_direct  ? "replicated direct" :
           solver == CoarseSolver::distributed_direct ? "Amesos KLU" :
                                                        "Krylov + AMG");
        LODProblem<2> lod(MPI_COMM_WORLD, p, fine_cells, n_q, a);
        lod.compute_correctors();
        lod.assemble_matrices();
        const Vector<double> F      = lod.load(f);
        const Vector<double> U_mode = lod.solve(F);
        const double         to_rank_0 =
          difference_to_rank_0_alone(p,
                                     fine_cells,
                                     n_q,
                                     static_cast<const Coefficient<2> &>(a),
                                     f,
                                     U_mode);
        deallog << name << ": coarse solution on all ranks vs rank 0 alone: "
                << "rel. difference < 1e-10: " << (to_rank_0 < 1e-10)
                << std::endl;
        CHECK_THAT(to_rank_0 < 1e-10, std::to_string(to_rank_0));
        if (solver == CoarseSolver::replicated_direct)
          continue;

        const double d =
          relative_difference(U_mode, petrov_galerkin ? U : galerkin_8_2);
        const bool   direct    = solver == CoarseSolver::distributed_direct;
        const double tolerance = direct ? 1e-10 : 1e-8;
        // apply() with the distributed matrices: the residual of the solve,
        // and (Petrov-Galerkin) the replicated apply().
        Vector<double> residual = lod.apply(U_mode, 1, 0);
        residual -= F;
        double apply_difference = residual.l2_norm() / F.l2_norm();
        if (petrov_galerkin)
          {
            Vector<double> y = lod.apply(U, 1, 0.5);
            y -= pg.apply(U, 1, 0.5);
            apply_difference =
              std::max(apply_difference,
                       y.l2_norm() / pg.apply(U, 1, 0.5).l2_norm());
          }
        bool refused = false;
        try
          {
            lod.stiffness_matrix();
          }
        catch (const ExceptionBase &)
          {
            refused = true;
          }
        deallog << name << ": rel. difference to the replicated solve < "
                << tolerance << ": " << (d < tolerance)
                << ", apply() residual < " << tolerance << ": "
                << (apply_difference < tolerance)
                << ", stiffness_matrix() refused: " << refused << std::endl;
        CHECK_THAT(d < tolerance, std::to_string(d));
        CHECK_THAT(apply_difference < tolerance,
                   std::to_string(apply_difference));
        CHECK_THAT(refused, "stiffness_matrix() of a distributed matrix");
        if (!petrov_galerkin && direct)
          check_reconstruction(fine,
                               a,
                               lod,
                               U_mode,
                               "Galerkin LOD H = 1/8, l = 2, distributed");
      }
}


void
parabolic_2d()
{
  const unsigned int fine_cells = 48;
  // The oscillating part grows in time in the corner x, y > 3/4 only: the
  // selective update recomputes the 16 patches that meet it and rebuilds
  // the bases of the 36 cells whose patches hold one of them.
  Coefficients::PeriodicExpression<2> a(1. / 12);
  a.initialize(
    "1 + 0.4*sin(2*pi*x/eps)*sin(2*pi*y/eps)*(1 + 2*t*(x > 0.75)*(y > 0.75))",
    "");
  Fine<2>                setup;
  TimeSteppingParameters time;
  time.scheme     = "backward Euler";
  time.time_step  = 0.05;
  time.final_time = 0.2;
  DiffusionProblem<2> fine(MPI_COMM_WORLD,
                           fine_cells,
                           setup.discretization,
                           setup.solver,
                           a,
                           setup.functions,
                           setup.timer);
  fine.setup();
  fine.solve_transient(time, [](unsigned int, double) {});
  const unsigned int n_q = setup.discretization.n_quadrature_points();

  std::vector<double>                         l2_errors;
  std::vector<std::unique_ptr<LODProblem<2>>> lods;
  for (const double tolerance : {0., 1e-6})
    {
      lods.push_back(std::make_unique<LODProblem<2>>(MPI_COMM_WORLD,
                                                     parameters(8, 2, false),
                                                     fine_cells,
                                                     n_q,
                                                     a));
      LODProblem<2> &lod = *lods.back();
      Vector<double> U;
      const auto     statistics =
        solve_parabolic_lod(lod,
                            a,
                            setup.functions,
                            time,
                            tolerance,
                            U,
                            [](unsigned int, double, const Vector<double> &) {
                            });
      a.set_time(time.final_time);
      const FieldDifference error = lod_error(fine, a, lod, U);
      l2_errors.push_back(error.relative_l2());
      deallog << "parabolic LOD, update tolerance " << tolerance << ": "
              << statistics.n_updates << " updates, "
              << statistics.n_patches_recomputed
              << " patches recomputed, rel. L2 error at T "
              << std::setprecision(3) << error.relative_l2() << std::endl;
      CHECK_THAT(error.relative_l2() < 0.05, "parabolic LOD error too large");
      if (tolerance > 0)
        CHECK_THAT(statistics.n_patches_recomputed < 4 * 64,
                   "the unchanged patches must not be recomputed");
    }
  CHECK_THAT(std::abs(l2_errors[1] - l2_errors[0]) < 1e-10,
             "selective updates must give the same solution");
  // The coarse matrices at T: a basis not rebuilt after a change in its
  // patch would show here.
  double difference = 0, norm = 0;
  for (auto entry = lods[0]->stiffness_matrix().begin();
       entry != lods[0]->stiffness_matrix().end();
       ++entry)
    {
      difference =
        std::max(difference,
                 std::abs(entry->value() -
                          lods[1]->stiffness_matrix().el(entry->row(),
                                                         entry->column())));
      norm = std::max(norm, std::abs(entry->value()));
    }
  deallog << "parabolic LOD: selective and full update give the same "
             "stiffness matrix at T (rel. < 1e-12): "
          << (difference < 1e-12 * norm) << std::endl;
  CHECK_THAT(difference < 1e-12 * norm,
             "selective updates: stiffness difference " +
               std::to_string(difference / norm));
}


void
smoke_3d()
{
  const unsigned int                  fine_cells = 16;
  Coefficients::RandomCheckerboard<3> a(1. / 8);
  a.initialize(1, 10, 5);
  Fine<3>             setup;
  DiffusionProblem<3> fine(MPI_COMM_WORLD,
                           fine_cells,
                           setup.discretization,
                           setup.solver,
                           a,
                           setup.functions,
                           setup.timer);
  fine.setup();
  fine.solve_stationary();

  LODProblem<3> lod(MPI_COMM_WORLD,
                    parameters(4, 1, false),
                    fine_cells,
                    setup.discretization.n_quadrature_points(),
                    a);
  lod.compute_correctors();
  lod.assemble_matrices();
  const Vector<double> U =
    lod.solve(lod.load(*setup.functions.right_hand_side));
  const FieldDifference error = lod_error(fine, a, lod, U);
  check_reconstruction(fine, a, lod, U, "3D LOD H = 1/4, l = 1");

  DiffusionProblem<3> coarse(MPI_COMM_WORLD,
                             4,
                             setup.discretization,
                             setup.solver,
                             a,
                             setup.functions,
                             setup.timer,
                             4);
  coarse.setup();
  coarse.solve_stationary();
  const FieldDifference coarse_error = compare_with_fine(
    fine,
    a,
    StructuredQ1Field<3>(coarse.get_dof_handler(), coarse.solution(), 4));
  deallog << "3D H = 1/4, h = 1/16, l = 1: LOD rel. energy error "
          << std::setprecision(3) << error.relative_energy()
          << ", coarse Q1 FEM " << coarse_error.relative_energy() << std::endl;
  CHECK_THAT(error.relative_energy() < coarse_error.relative_energy(),
             "LOD must beat coarse FEM");
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  elliptic_2d();
  parabolic_2d();
  smoke_3d();
}
