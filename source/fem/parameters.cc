#include <neuhom/core/expression.h>
#include <neuhom/core/input_error.h>
#include <neuhom/fem/parameters.h>

#include <cmath>

namespace neuhom
{
  void
  DiscretizationParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Discretization");
    prm.declare_entry("Polynomial degree",
                      "1",
                      Patterns::Integer(1, 4),
                      "Degree of the continuous Lagrange elements Q_p of the "
                      "fine-scale solver.");
    prm.declare_entry("Quadrature points per direction",
                      "0",
                      Patterns::Integer(0, 12),
                      "Gauss points per direction and cell at which the "
                      "coefficient is evaluated; 0 means degree + 2.");
    prm.leave_subsection();
  }


  void
  DiscretizationParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Discretization");
    degree            = prm.get_integer("Polynomial degree");
    quadrature_points = prm.get_integer("Quadrature points per direction");
    prm.leave_subsection();
  }


  void
  LinearSolverParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Linear solver");
    prm.declare_entry("Relative tolerance",
                      "1e-10",
                      Patterns::Double(1e-16, 1.),
                      "CG stops when the residual is below this fraction of "
                      "the right-hand side's norm.");
    prm.declare_entry("Maximum iterations",
                      "5000",
                      Patterns::Integer(1),
                      "CG iterations before the solve is declared failed.");
    prm.declare_entry("AMG smoother sweeps",
                      "2",
                      Patterns::Integer(1, 10),
                      "Smoother sweeps per level of the ML AMG "
                      "preconditioner.");
    prm.leave_subsection();
  }


  void
  LinearSolverParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Linear solver");
    relative_tolerance = prm.get_double("Relative tolerance");
    max_iterations     = prm.get_integer("Maximum iterations");
    smoother_sweeps    = prm.get_integer("AMG smoother sweeps");
    prm.leave_subsection();
  }


  void
  LinearSolverParameters::run_solver(const std::string            &method,
                                     const SolverControl          &control,
                                     const types::global_dof_index n_unknowns,
                                     const std::function<void()>  &solve) const
  {
    try
      {
        solve();
      }
    catch (const SolverControl::NoConvergence &e)
      {
        throw InputError("Linear solver: " + method + " did not converge in " +
                         std::to_string(e.last_step) +
                         " iterations (residual " + to_text(e.last_residual) +
                         "); raise 'Linear solver/Maximum iterations' or "
                         "the 'Relative tolerance'");
      }
    catch (const ExceptionBase &)
      {
        // AztecOO stops with an error code instead of NoConvergence when
        // the residual cannot fall further in double precision.
        throw InputError("Linear solver: " + method + " broke down after " +
                         std::to_string(control.last_step()) +
                         " iterations (Trilinos reports an error such as a "
                         "loss of precision): 'Relative tolerance' = " +
                         to_text(relative_tolerance) + " with " +
                         std::to_string(n_unknowns) +
                         " unknowns is likely below what double precision "
                         "reaches; raise 'Linear solver/Relative tolerance'");
      }
  }


  void
  TimeSteppingParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Time stepping");
    prm.declare_entry("Scheme",
                      "backward Euler",
                      Patterns::Selection("backward Euler|Crank-Nicolson"),
                      "Theta scheme: backward Euler (theta = 1, first order, "
                      "L-stable) or Crank-Nicolson (theta = 1/2, second "
                      "order).");
    prm.declare_entry("Final time", "1", Patterns::Double(0.), "T > 0.");
    prm.declare_entry("Time step",
                      "0.01",
                      Patterns::Double(0.),
                      "tau > 0; T/tau must be an integer.");
    prm.declare_entry("Output every",
                      "0",
                      Patterns::Integer(0),
                      "Write fields every this many steps (0: only the last "
                      "step).");
    prm.leave_subsection();
  }


  void
  TimeSteppingParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Time stepping");
    scheme       = prm.get("Scheme");
    final_time   = prm.get_double("Final time");
    time_step    = prm.get_double("Time step");
    output_every = prm.get_integer("Output every");
    prm.leave_subsection();
    require(final_time > 0, "Time stepping/Final time", "must be positive");
    require(time_step > 0, "Time stepping/Time step", "must be positive");
    const double steps = final_time / time_step;
    require(std::abs(steps - std::round(steps)) < 1e-8 * steps && steps >= 1,
            "Time stepping/Time step",
            "Final time / Time step must be a positive integer, it is " +
              to_text(steps));
  }


  double
  TimeSteppingParameters::theta() const
  {
    return scheme == "Crank-Nicolson" ? 0.5 : 1.0;
  }


  unsigned int
  TimeSteppingParameters::n_steps() const
  {
    return static_cast<unsigned int>(std::round(final_time / time_step));
  }


  template <int dim>
  void
  ProblemFunctions<dim>::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Problem");
    prm.declare_entry("Right-hand side",
                      "1",
                      Patterns::Anything(),
                      "f(x, t) as an expression of x, y, z, t and the "
                      "constants below.");
    prm.declare_entry("Reaction coefficient",
                      "0",
                      Patterns::Anything(),
                      "c(x, t) in -div(a grad u) + c u = f, e.g. "
                      "cos(2*pi*x/eps)/eps for an oscillating potential. The "
                      "operator must stay coercive.");
    prm.declare_entry("Boundary values",
                      "0",
                      Patterns::Anything(),
                      "Dirichlet values g(x, t) on the whole boundary.");
    prm.declare_entry("Initial values",
                      "0",
                      Patterns::Anything(),
                      "u(x, 0) for parabolic problems.");
    prm.declare_entry("Exact solution",
                      "",
                      Patterns::Anything(),
                      "Optional exact solution u(x, t) (manufactured "
                      "solutions); when given, errors against it are "
                      "reported.");
    prm.declare_entry("Function constants",
                      "",
                      Patterns::Anything(),
                      "Constants for the expressions above, as 'name=value, "
                      "name=value'.");
    prm.leave_subsection();
  }


  template <int dim>
  void
  ProblemFunctions<dim>::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Problem");
    const auto constants = parse_constants(prm.get("Function constants"),
                                           "Problem/Function constants");
    right_hand_side_is_time_dependent = uses_time(prm.get("Right-hand side"));
    right_hand_side = make_parser<dim>(prm.get("Right-hand side"),
                                       constants,
                                       "Problem/Right-hand side");
    reaction.reset();
    reaction_is_time_dependent = uses_time(prm.get("Reaction coefficient"));
    if (prm.get("Reaction coefficient") != "0")
      reaction = make_parser<dim>(prm.get("Reaction coefficient"),
                                  constants,
                                  "Problem/Reaction coefficient");
    boundary_values = make_parser<dim>(prm.get("Boundary values"),
                                       constants,
                                       "Problem/Boundary values");
    initial_values  = make_parser<dim>(prm.get("Initial values"),
                                      constants,
                                      "Problem/Initial values");
    exact_solution.reset();
    if (!prm.get("Exact solution").empty())
      exact_solution = make_parser<dim>(prm.get("Exact solution"),
                                        constants,
                                        "Problem/Exact solution");
    prm.leave_subsection();
  }


  template <int dim>
  void
  ProblemFunctions<dim>::set_time(const double t) const
  {
    for (auto *f : {right_hand_side.get(),
                    reaction.get(),
                    boundary_values.get(),
                    initial_values.get(),
                    exact_solution.get()})
      if (f != nullptr)
        f->set_time(t);
  }


  template <int dim>
  ProblemFunctions<dim>
  ProblemFunctions<dim>::homogeneous(const std::string &right_hand_side,
                                     const std::string &entry)
  {
    ProblemFunctions<dim> functions;
    functions.right_hand_side = make_parser<dim>(right_hand_side, {}, entry);
    functions.right_hand_side_is_time_dependent = uses_time(right_hand_side);
    functions.boundary_values = make_parser<dim>("0", {}, entry);
    functions.initial_values  = make_parser<dim>("0", {}, entry);
    return functions;
  }


  template struct ProblemFunctions<1>;
  template struct ProblemFunctions<2>;
  template struct ProblemFunctions<3>;
} // namespace neuhom
