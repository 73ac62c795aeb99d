// The fine-scale solver on manufactured solutions: O(h^2) in L2 and O(h) in
// H1 for Q1 (O(h^3), O(h^2) for Q2) with a variable coefficient and
// inhomogeneous Dirichlet data; O(tau) for backward Euler and O(tau^2) for
// Crank-Nicolson with a time-dependent coefficient and boundary data; the
// structured Q1 field and the field comparison on an exactly representable
// solution. Run on 1 and 2 ranks: the printed numbers must agree.

#include <deal.II/base/timer.h>

#include <neuhom/core/coefficients.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/field_comparison.h>
#include <neuhom/fem/structured_q1_field.h>

#include <cmath>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;


std::string
fixed(const double value)
{
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << value;
  return out.str();
}


template <int dim = 2>
struct Setup
{
  Coefficients::PeriodicExpression<dim> coefficient{1.};
  ProblemFunctions<dim>                 functions;
  DiscretizationParameters              discretization;
  LinearSolverParameters                solver;
  TimerOutput                           timer{MPI_COMM_WORLD,
                    std::cout,
                    TimerOutput::never,
                    TimerOutput::wall_times};

  Setup(const std::string &a, const std::string &problem, unsigned int degree)
  {
    coefficient.initialize(a, "");
    ParameterHandler prm;
    ProblemFunctions<dim>::declare_parameters(prm);
    prm.parse_input_from_string(problem);
    functions.parse_parameters(prm);
    discretization.degree     = degree;
    solver.relative_tolerance = 1e-12;
  }
};


void
elliptic_convergence(const unsigned int               degree,
                     const std::vector<unsigned int> &cells)
{
  Setup<>                   setup("1 + x*y",
                "subsection Problem\n"
                                  "  set Right-hand side = y*sin(x)*exp(y) - x*cos(x)*exp(y)\n"
                                  "  set Boundary values = cos(x)*exp(y)\n"
                                  "  set Exact solution  = cos(x)*exp(y)\n"
                                  "end\n",
                degree);
  std::pair<double, double> previous;
  for (unsigned int i = 0; i < cells.size(); ++i)
    {
      DiffusionProblem<2> problem(MPI_COMM_WORLD,
                                  cells[i],
                                  setup.discretization,
                                  setup.solver,
                                  setup.coefficient,
                                  setup.functions,
                                  setup.timer);
      problem.setup();
      problem.solve_stationary();
      const auto errors = problem.errors_against_exact_solution();
      deallog << "Q" << degree << " h = 1/" << cells[i] << ": L2 "
              << errors.first << ", H1 " << errors.second;
      if (i > 0)
        {
          const double l2_rate = std::log2(previous.first / errors.first);
          const double h1_rate = std::log2(previous.second / errors.second);
          deallog << ", rates " << fixed(l2_rate) << ' ' << fixed(h1_rate);
          CHECK_THAT(std::abs(l2_rate - (degree + 1)) < 0.1, "L2 rate");
          CHECK_THAT(std::abs(h1_rate - degree) < 0.1, "H1 rate");
        }
      deallog << std::endl;
      previous = errors;
    }
}


void
reaction_convergence()
{
  // -Lap u + (1 + x) u = f with u = sin(pi x) sin(pi y).
  Setup<>             setup("1",
                "subsection Problem\n"
                            "  set Reaction coefficient = 1 + x\n"
                            "  set Right-hand side = (2*pi^2 + 1 + x)*sin(pi*x)*sin(pi*y)\n"
                            "  set Exact solution  = sin(pi*x)*sin(pi*y)\n"
                            "end\n",
                1);
  std::vector<double> errors;
  for (const unsigned int n : {16u, 32u})
    {
      DiffusionProblem<2> problem(MPI_COMM_WORLD,
                                  n,
                                  setup.discretization,
                                  setup.solver,
                                  setup.coefficient,
                                  setup.functions,
                                  setup.timer);
      problem.setup();
      problem.solve_stationary();
      errors.push_back(problem.errors_against_exact_solution().first);
    }
  const double rate = std::log2(errors[0] / errors[1]);
  deallog << "reaction term: L2 " << errors[0] << ", " << errors[1] << ", rate "
          << fixed(rate) << std::endl;
  CHECK_THAT(std::abs(rate - 2) < 0.1, "L2 rate with a reaction term");
}


void
one_dimensional_convergence()
{
  // u = sin(pi x) + x with a = 1 + x: f = -(a u')'.
  Setup<1>                  setup("1 + x",
                 "subsection Problem\n"
                                  "  set Right-hand side = -(pi*cos(pi*x) + 1)"
                                  " + (1 + x)*pi^2*sin(pi*x)\n"
                                  "  set Boundary values = x\n"
                                  "  set Exact solution  = sin(pi*x) + x\n"
                                  "end\n",
                 1);
  std::pair<double, double> previous;
  for (const unsigned int n : {16u, 32u, 64u})
    {
      DiffusionProblem<1> problem(MPI_COMM_WORLD,
                                  n,
                                  setup.discretization,
                                  setup.solver,
                                  setup.coefficient,
                                  setup.functions,
                                  setup.timer);
      problem.setup();
      problem.solve_stationary();
      const auto errors = problem.errors_against_exact_solution();
      deallog << "1D Q1 h = 1/" << n << ": L2 " << errors.first << ", H1 "
              << errors.second;
      if (n > 16)
        {
          const double l2_rate = std::log2(previous.first / errors.first);
          const double h1_rate = std::log2(previous.second / errors.second);
          deallog << ", rates " << fixed(l2_rate) << ' ' << fixed(h1_rate);
          CHECK_THAT(std::abs(l2_rate - 2) < 0.1, "1D L2 rate");
          CHECK_THAT(std::abs(h1_rate - 1) < 0.1, "1D H1 rate");
        }
      deallog << std::endl;
      previous = errors;
    }
}


void
time_convergence(const std::string         &scheme,
                 const std::vector<double> &time_steps,
                 const double               expected_rate)
{
  Setup<> setup("1 + t*x",
                "subsection Problem\n"
                "end\n",
                2);
  // muParser has no macros: expand S = sin(pi x) sin(pi y) by hand.
  {
    ParameterHandler prm;
    ProblemFunctions<2>::declare_parameters(prm);
    std::string text = "subsection Problem\n"
                       "  set Right-hand side = -(1+x+y)*sin(t) - S*exp(-t)"
                       " + (1+t*x)*2*pi^2*S*exp(-t)"
                       " - t*(cos(t) + pi*cos(pi*x)*sin(pi*y)*exp(-t))\n"
                       "  set Boundary values = (1+x+y)*cos(t)\n"
                       "  set Initial values  = 1 + x + y + S\n"
                       "  set Exact solution  = (1+x+y)*cos(t) + S*exp(-t)\n"
                       "end\n";
    for (std::size_t p; (p = text.find('S')) != std::string::npos;)
      text.replace(p, 1, "sin(pi*x)*sin(pi*y)");
    prm.parse_input_from_string(text);
    setup.functions.parse_parameters(prm);
  }
  CHECK_THAT(setup.coefficient.is_time_dependent(), "a depends on t");

  double previous = 0;
  for (unsigned int i = 0; i < time_steps.size(); ++i)
    {
      DiffusionProblem<2> problem(MPI_COMM_WORLD,
                                  32,
                                  setup.discretization,
                                  setup.solver,
                                  setup.coefficient,
                                  setup.functions,
                                  setup.timer);
      problem.setup();
      TimeSteppingParameters time;
      time.scheme     = scheme;
      time.final_time = 1;
      time.time_step  = time_steps[i];
      problem.solve_transient(time, [](unsigned int, double) {});
      const double error = problem.errors_against_exact_solution().first;
      deallog << scheme << " tau = " << std::defaultfloat << time_steps[i]
              << std::scientific << ": L2 error at T " << error;
      if (i > 0)
        {
          const double rate = std::log2(previous / error);
          deallog << ", rate " << fixed(rate);
          CHECK_THAT(std::abs(rate - expected_rate) < 0.15, "time rate");
        }
      deallog << std::endl;
      previous = error;
    }
}


void
structured_field()
{
  // u = 1 + x + 2y + 3xy is bilinear and harmonic: Q1 FEM reproduces it.
  Setup<>             setup("1",
                "subsection Problem\n"
                            "  set Right-hand side = 0\n"
                            "  set Boundary values = 1 + x + 2*y + 3*x*y\n"
                            "end\n",
                1);
  DiffusionProblem<2> coarse(MPI_COMM_WORLD,
                             4,
                             setup.discretization,
                             setup.solver,
                             setup.coefficient,
                             setup.functions,
                             setup.timer);
  coarse.setup();
  coarse.solve_stationary();
  const StructuredQ1Field<2> field(coarse.get_dof_handler(),
                                   coarse.solution(),
                                   4);
  double                     max_error = 0;
  for (const Point<2> p :
       {Point<2>(0.1, 0.2), Point<2>(0.55, 0.9), Point<2>(1, 1)})
    {
      max_error = std::max(max_error,
                           std::abs(field.value(p) -
                                    (1 + p[0] + 2 * p[1] + 3 * p[0] * p[1])));
      max_error =
        std::max(max_error, std::abs(field.gradient(p)[0] - (1 + 3 * p[1])));
      max_error =
        std::max(max_error, std::abs(field.gradient(p)[1] - (2 + 3 * p[0])));
    }
  CHECK_THAT(max_error < 1e-9, "bilinear field reproduced");

  DiffusionProblem<2> fine(MPI_COMM_WORLD,
                           16,
                           setup.discretization,
                           setup.solver,
                           setup.coefficient,
                           setup.functions,
                           setup.timer);
  fine.setup();
  fine.solve_stationary();
  const FieldDifference difference =
    compare_with_fine(fine, setup.coefficient, field);
  CHECK_THAT(difference.relative_l2() < 1e-9 &&
               difference.relative_energy() < 1e-9,
             "same function on both meshes");
  deallog << "structured Q1 field: exact up to "
          << (max_error < 1e-9 ? "1e-9" : "?")
          << ", comparison with the fine mesh: "
          << (difference.relative_energy() < 1e-9 ? "zero" : "nonzero")
          << std::endl;
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  deallog << std::scientific << std::setprecision(4);

  elliptic_convergence(1, {8, 16, 32, 64});
  elliptic_convergence(2, {4, 8, 16});
  reaction_convergence();
  one_dimensional_convergence();
  time_convergence("backward Euler", {0.1, 0.05, 0.025, 0.0125}, 1.);
  time_convergence("Crank-Nicolson", {0.2, 0.1, 0.05}, 2.);
  structured_field();
}
