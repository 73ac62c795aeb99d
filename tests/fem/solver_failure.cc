// A fine-scale solve that cannot reach its tolerance stops with a message
// that names the prm entry to change, not with Trilinos' bare error code:
// too few CG iterations (SolverControl::NoConvergence), a relative
// tolerance below what double precision reaches (AztecOO's "loss of
// precision", seen at 4 M unknowns with the default 1e-10), and the same
// for the GMRES of the quasilinear solver's Newton steps.

#include <deal.II/base/timer.h>

#include <neuhom/core/coefficients.h>
#include <neuhom/core/input_error.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/quasilinear_diffusion_problem.h>

#include <functional>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;


// Runs @p solve and checks that its InputError (or "no error") contains
// @p expected.
void
expect_message(const std::string           &name,
               const std::string           &expected,
               const std::function<void()> &solve)
{
  std::string message = "no error";
  try
    {
      solve();
    }
  catch (const InputError &e)
    {
      message = e.what();
    }
  CHECK_THAT(message.find(expected) != std::string::npos,
             name + ": got '" + message + "'");
  deallog << name << ": '" << expected << "' found" << std::endl;
}


void
check_failure(const std::string &name,
              const double       relative_tolerance,
              const unsigned int max_iterations,
              const std::string &expected)
{
  Coefficients::PeriodicExpression<2> coefficient{0.1};
  coefficient.initialize("1 + 0.9*sin(2*pi*x/eps)*cos(2*pi*y/eps)", "");
  ParameterHandler prm;
  ProblemFunctions<2>::declare_parameters(prm);
  prm.parse_input_from_string("subsection Problem\n"
                              "  set Right-hand side = 10\n"
                              "end\n");
  ProblemFunctions<2> functions;
  functions.parse_parameters(prm);
  DiscretizationParameters discretization;
  LinearSolverParameters   solver;
  solver.relative_tolerance = relative_tolerance;
  solver.max_iterations     = max_iterations;
  TimerOutput timer(MPI_COMM_WORLD,
                    std::cout,
                    TimerOutput::never,
                    TimerOutput::wall_times);

  DiffusionProblem<2> problem(MPI_COMM_WORLD,
                              64,
                              discretization,
                              solver,
                              coefficient,
                              functions,
                              timer);
  problem.setup();
  expect_message(name, expected, [&]() {
    problem.solve_stationary();
  });
}


void
check_newton_failure(const std::string &name,
                     const unsigned int max_iterations,
                     const std::string &expected)
{
  LinearSolverParameters solver;
  solver.max_iterations = max_iterations;
  const Functions::ConstantFunction<2> rhs(50.);
  const Functions::ZeroFunction<2>     zero;
  QuasilinearDiffusionProblem<2>       problem(
    MPI_COMM_WORLD,
    64,
    2,
    [](const Point<2> &x, const double u, Tensor<2, 2> &K, Tensor<2, 2> &dK) {
      const double alpha = 1 + 0.9 * std::sin(20 * M_PI * x[0]);
      K                  = (alpha + u * u) * unit_symmetric_tensor<2>();
      dK                 = 2 * u * unit_symmetric_tensor<2>();
    },
    rhs,
    zero,
    solver);
  expect_message(name, expected, [&]() {
    problem.solve();
  });
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;

  check_failure("too few iterations",
                1e-10,
                2,
                "did not converge in 2 iterations");
  check_failure("tolerance below round-off",
                1e-16,
                5000,
                "raise 'Linear solver/Relative tolerance'");
  // The default tolerance on the same problem solves: the checks above
  // are about the tolerances, not the problem.
  check_failure("default tolerance", 1e-10, 5000, "no error");

  check_newton_failure("Newton, too few GMRES iterations",
                       1,
                       "GMRES did not converge in 1 iterations");
  check_newton_failure("Newton, default GMRES", 5000, "no error");
}
