// NH-PINN building blocks: the quadrature references of experiments B and C
// against their closed forms, the FE effective tensor of experiment A
// (symmetric positive definite, between the harmonic and arithmetic means),
// a tiny cell PINN (experiment C, 1D, with oversampling) reaching r* within
// 2 %, a tiny parametric cell PINN for the slowly varying a*(x) of B, and
// checkpoint/resume of a cell-PINN training equal to an uninterrupted run.
// Runs on 1 and 2 ranks (data-parallel training) with the same output.

#include <neuhom/methods/nh_pinn/pinn.h>
// torch first (deal.II's Assert macro)

#include <deal.II/base/timer.h>

#include <neuhom/methods/nh_pinn/problem.h>
#include <neuhom/methods/nh_pinn/references.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "../../tests.h"

using namespace dealii;
using namespace neuhom;
using namespace neuhom::nh_pinn;


Problem
problem_from(const std::string &settings)
{
  ParameterHandler prm;
  Problem::declare_parameters(prm);
  prm.parse_input_from_string("subsection Problem\n" + settings + "end\n");
  Problem problem;
  problem.parse_parameters(prm);
  return problem;
}


CellPINNParameters
cell_parameters_from(const Problem &problem, const std::string &settings)
{
  ParameterHandler prm;
  CellPINNParameters::declare_parameters(prm);
  prm.parse_input_from_string("subsection Cell problem\n" + settings + "end\n");
  CellPINNParameters parameters;
  parameters.parse_parameters(prm, problem);
  return parameters;
}


void
references()
{
  // B: a*(x) = sqrt((2 + sin x)^2 - 1/4).
  const Problem b = problem_from("set Experiment = B\n");
  CellReference reference_b(b);
  reference_b.solve();
  double max_error = 0;
  for (const double x : {0., 0.7, M_PI / 2, 3.})
    {
      const double exact = std::sqrt(std::pow(2 + std::sin(x), 2) - 0.25);
      max_error =
        std::max(max_error,
                 std::abs(reference_b.effective_coefficient(x) - exact) /
                   exact);
    }
  deallog << "B: a*(x) relative error below 1e-6: "
          << (max_error < 1e-6 ? "yes" : "no") << std::endl;
  CHECK_THAT(max_error < 1e-6, "closed form of experiment B");

  // C: N = -cos(2 pi y) / (4 pi^2 D), r* = -1 / (8 pi^2 D); the literal
  // reading: N = -cos(y) / D, r* = -1 / (2 D).
  const Problem c = problem_from("set Experiment = C\nset Epsilon = 0.1\n"
                                 "set Fine cells per direction = 1024\n");
  CellReference reference_c(c);
  reference_c.solve();
  const double r_exact = -1. / (8 * M_PI * M_PI * 2);
  const double n_error =
    std::abs(reference_c.corrector_value(0, {0.3}) +
             std::cos(2 * M_PI * 0.3) / (4 * M_PI * M_PI * 2));
  deallog << "C: r* = " << reference_c.effective_reaction() << " (exact "
          << r_exact
          << "), N(0.3) error below 1e-7: " << (n_error < 1e-7 ? "yes" : "no")
          << std::endl;
  CHECK_THAT(std::abs(reference_c.effective_reaction() / r_exact - 1) < 1e-6,
             "r* of C");
  const Problem c_literal = problem_from(
    "set Experiment = C\nset Epsilon = 0.1\nset Reaction period = 2 pi\n");
  CellReference reference_literal(c_literal);
  reference_literal.solve();
  CHECK_THAT(std::abs(reference_literal.effective_reaction() + 0.25) < 1e-6,
             "r* of the literal reading");

  // A: A*_FE symmetric positive definite, between the harmonic mean
  // 1.863617 and the arithmetic mean 2.
  const Problem a = problem_from("set Cell FE cells per direction = 32\n");
  CellReference reference_a(a);
  reference_a.solve();
  const Tensor<2, 2> A = reference_a.effective_tensor();
  deallog << "A: A*_11 = " << std::setprecision(8) << A[0][0]
          << ", A*_22 = " << A[1][1] << std::setprecision(6) << ", symmetric: "
          << (std::abs(A[0][1] - A[1][0]) < 1e-10 ? "yes" : "no") << std::endl;
  CHECK_THAT(std::abs(A[0][1] - A[1][0]) < 1e-10, "symmetry");
  CHECK_THAT(A[0][0] > 1.863617 && A[0][0] < 2 && determinant(A) > 0,
             "bounds and definiteness");
  CHECK_THAT(std::abs(A[0][0] - 1.93535923) < 1e-5, "value of A*_11");
}


// The cell problem of C (1D, unit cell) by a small PINN with oversampling.
double
train_cell_c(const std::string &training, const std::string &checkpoint)
{
  const Problem c = problem_from("set Experiment = C\n"
                                 "set Epsilon = 0.1\n"
                                 "set Fine cells per direction = 1024\n");
  CellReference reference(c);
  reference.solve();
  const CellPINNParameters parameters = cell_parameters_from(
    c,
    "set Grid points per direction = 41\n"
    "set Quadrature points = 400\n"
    "subsection Network\n set Hidden layers = 2\n set Width = 16\nend\n"
    "subsection Training\n" +
      training + "end\n");
  CellPINN pinn(c, parameters, 0, 2, checkpoint, MPI_COMM_WORLD);
  pinn.train(
    [&](const std::vector<double> &y) {
      return reference.corrector_value(0, y);
    },
    ConditionalOStream(std::cout, false));
  return pinn.effective_reaction();
}


void
cell_pinn()
{
  const double r_exact = -1. / (8 * M_PI * M_PI * 2);
  Timer        timer;
  const double r = train_cell_c("set Iterations = 400\n"
                                "set Learning rate = 5e-3\n",
                                "unused");
  std::cout << "C: r* = " << r << " in " << timer.wall_time() << " s"
            << std::endl;
  deallog << "C: PINN r* within 2 % of the exact value: "
          << (std::abs(r / r_exact - 1) < 0.02 ? "yes" : "no") << std::endl;
  CHECK_THAT(std::abs(r / r_exact - 1) < 0.02, "PINN r*");

  // B: the parametric cell network chi(x, y) gives a*(x) within 1 %.
  const Problem            b = problem_from("set Experiment = B\n");
  CellReference            reference(b);
  const CellPINNParameters parameters = cell_parameters_from(
    b,
    "set Grid points per direction = 21\nset Oversampling layers = 0\n"
    "set Slow grid points = 5\nset Test grid points = 9\n"
    "set Quadrature points = 100\nset L-BFGS iterations = 20\n"
    "subsection Network\n set Hidden layers = 2\n set Width = 16\nend\n"
    "subsection Training\n set Iterations = 300\n set Learning rate = 5e-3\n"
    " set Validation interval = 100\n set Initial weights = 1, 10\nend\n");
  CellPINN pinn(b, parameters, 0, 0, "unused", MPI_COMM_WORLD);
  pinn.train(
    [&](const std::vector<double> &x) {
      return reference.effective_coefficient(x[0]);
    },
    ConditionalOStream(std::cout, false));
  const double e_a = pinn.history().errors.back()[0];
  std::cout << "B: e_a = " << e_a << std::endl;
  deallog << "B: PINN a*(x) relative error below 1 %: "
          << (e_a < 0.01 ? "yes" : "no") << std::endl;
  CHECK_THAT(e_a < 0.01, "PINN a*(x)");
}


void
checkpoint_resume()
{
  const std::string file = "nh-pinn-checkpoint";
  const double      straight =
    train_cell_c("set Iterations = 60\nset Learning rate = 5e-3\n", "unused");
  train_cell_c("set Iterations = 30\nset Learning rate = 5e-3\n"
               "set Checkpoint interval = 30\n",
               file);
  const double resumed =
    train_cell_c("set Iterations = 60\nset Learning rate = 5e-3\n"
                 "set Checkpoint interval = 30\nset Resume = true\n",
                 file);
  deallog << "resumed training equals the uninterrupted one: "
          << (std::abs(resumed - straight) < 1e-12 ? "yes" : "no") << std::endl;
  CHECK_THAT(std::abs(resumed - straight) < 1e-12, "resume");
  if (Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
    std::remove((file + ".pt").c_str());
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  torch::set_num_threads(1);
  references();
  cell_pinn();
  checkpoint_resume();
}
