#ifndef neuhom_fem_parameters_h
#define neuhom_fem_parameters_h

#include <deal.II/base/function_parser.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/types.h>

#include <deal.II/lac/solver_control.h>

#include <functional>
#include <memory>
#include <string>

namespace neuhom
{
  using namespace dealii;

  /** Subsection "Discretization": the finite element and its quadrature. */
  struct DiscretizationParameters
  {
    unsigned int degree            = 1;
    unsigned int quadrature_points = 0;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);

    /** Gauss points per direction: the prm value, or degree + 2 if 0. */
    unsigned int
    n_quadrature_points() const
    {
      return quadrature_points > 0 ? quadrature_points : degree + 2;
    }
  };


  /** Subsection "Linear solver": Trilinos CG preconditioned by ML AMG. */
  struct LinearSolverParameters
  {
    double       relative_tolerance = 1e-10;
    unsigned int max_iterations     = 5000;
    unsigned int smoother_sweeps    = 2;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);

    /**
     * Run @p solve, a Trilinos Krylov solve (@p method, e.g. "CG") of
     * @p n_unknowns unknowns controlled by @p control, and turn its failures
     * into an InputError that names the entry to change: no convergence
     * within 'Maximum iterations', and AztecOO's error codes (a loss of
     * precision when 'Relative tolerance' is below what double precision
     * reaches, as 1e-10 is at a few million unknowns).
     */
    void
    run_solver(const std::string           &method,
               const SolverControl         &control,
               types::global_dof_index      n_unknowns,
               const std::function<void()> &solve) const;
  };


  /** Subsection "Time stepping": theta scheme for u_t - div(a grad u) = f. */
  struct TimeSteppingParameters
  {
    std::string  scheme       = "backward Euler";
    double       final_time   = 1.;
    double       time_step    = 0.01;
    unsigned int output_every = 0;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);

    /** 1 for backward Euler, 1/2 for Crank-Nicolson. */
    double
    theta() const;

    unsigned int
    n_steps() const;
  };


  /**
   * Subsection "Problem": the data of -div(a grad u) + c u = f (or its
   * parabolic version) as expressions of x, y, z and t: right-hand side,
   * reaction coefficient c (none by default), Dirichlet values, initial
   * values, and optionally the exact solution for manufactured-solution
   * checks.
   */
  template <int dim>
  struct ProblemFunctions
  {
    std::unique_ptr<FunctionParser<dim>> right_hand_side;
    std::unique_ptr<FunctionParser<dim>> reaction; // null for c = 0
    std::unique_ptr<FunctionParser<dim>> boundary_values;
    std::unique_ptr<FunctionParser<dim>> initial_values;
    std::unique_ptr<FunctionParser<dim>> exact_solution; // may be null
    bool right_hand_side_is_time_dependent = false;
    bool reaction_is_time_dependent        = false;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);

    /**
     * f = @p right_hand_side (an expression of x, y, z and t; a syntax error
     * is an InputError naming @p entry) with zero Dirichlet and initial
     * values: the reference problems the learned methods compare with.
     */
    static ProblemFunctions
    homogeneous(const std::string &right_hand_side, const std::string &entry);

    /** Set the time of every function. */
    void
    set_time(double t) const;
  };
} // namespace neuhom

#endif
