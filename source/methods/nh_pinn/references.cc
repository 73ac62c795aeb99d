#include <deal.II/base/function_lib.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/core/expression.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/periodic_cell_problem.h>
#include <neuhom/fem/structured_q1_field.h>
#include <neuhom/methods/nh_pinn/references.h>

#include <algorithm>
#include <cmath>

namespace neuhom
{
  namespace nh_pinn
  {
    namespace
    {
      // A coefficient given by a function of the point, for DiffusionProblem.
      template <int dim>
      class FunctionCoefficient : public Coefficient<dim>
      {
      public:
        FunctionCoefficient(std::function<double(const Point<dim> &)> f,
                            double                                    size)
          : f(std::move(f))
          , size(size)
        {}

        double
        value(const Point<dim> &p, unsigned int = 0) const override
        {
          return f(p);
        }

        double
        feature_size() const override
        {
          return size;
        }

      private:
        std::function<double(const Point<dim> &)> f;
        double                                    size;
      };


      // The cell coefficient of experiment A as a deal.II function of y.
      class CellCoefficientA : public Function<2>
      {
      public:
        explicit CellCoefficientA(const Problem &problem)
          : problem(problem)
        {}
        double
        value(const Point<2> &y, unsigned int = 0) const override
        {
          return problem.diffusion_coefficient(0., 0., y[0], y[1]);
        }

      private:
        const Problem &problem;
      };


      // Samples of the cell problem of C on a uniform grid of [0, P].
      constexpr unsigned int n_reaction_grid = 4096;
    } // namespace


    struct CellReference::FEData
    {
      explicit FEData(const Problem &problem, unsigned int n)
        : coefficient(problem)
        , cell(coefficient, n, 2)
      {}
      CellCoefficientA       coefficient;
      PeriodicCellProblem<2> cell;
    };


    CellReference::CellReference(const Problem &problem)
      : problem(problem)
    {}


    void
    CellReference::solve()
    {
      if (problem.type == Problem::Type::A)
        {
          fe = std::make_shared<FEData>(problem, problem.cell_fe_cells);
          fe->cell.solve();
        }
      else if (problem.type == Problem::Type::C)
        {
          // D N' = R - <R> with R(y) = int_0^y r (trapezoidal rule on the
          // grid), then N = int N' with its mean removed; r* = <r N>.
          const unsigned int  m = n_reaction_grid;
          const double        P = problem.cell_period(), h = P / m;
          std::vector<double> R(m + 1, 0.), dN(m + 1), N(m + 1, 0.);
          for (unsigned int i = 1; i <= m; ++i)
            R[i] = R[i - 1] +
                   0.5 * h *
                     (problem.reaction((i - 1) * h) + problem.reaction(i * h));
          double mean_R = 0;
          for (unsigned int i = 0; i < m; ++i)
            mean_R += 0.5 * (R[i] + R[i + 1]) / m;
          for (unsigned int i = 0; i <= m; ++i)
            dN[i] = (R[i] - mean_R) / problem.diffusion;
          for (unsigned int i = 1; i <= m; ++i)
            N[i] = N[i - 1] + 0.5 * h * (dN[i - 1] + dN[i]);
          double mean_N = 0;
          for (unsigned int i = 0; i < m; ++i)
            mean_N += 0.5 * (N[i] + N[i + 1]) / m;
          r_star = 0;
          for (unsigned int i = 0; i <= m; ++i)
            N[i] -= mean_N;
          for (unsigned int i = 0; i < m; ++i)
            r_star += 0.5 *
                      (problem.reaction(i * h) * N[i] +
                       problem.reaction((i + 1) * h) * N[i + 1]) /
                      m;
          n_values = N;
        }
    }


    Tensor<2, 2>
    CellReference::effective_tensor() const
    {
      AssertThrow(fe, ExcMessage("no FE cell problem solved"));
      return fe->cell.effective_tensor();
    }


    double
    CellReference::effective_coefficient(const double x) const
    {
      return harmonic_mean(
        [&](const double y) {
          return problem.diffusion_coefficient(x, 0., y, 0.);
        },
        256);
    }


    double
    CellReference::effective_reaction() const
    {
      return r_star;
    }


    double
    CellReference::corrector_value(const unsigned int         j,
                                   const std::vector<double> &y) const
    {
      const double P    = problem.cell_period();
      auto         wrap = [P](const double s) {
        return s - P * std::floor(s / P);
      };
      if (problem.type == Problem::Type::A)
        return fe->cell.corrector_value(j, Point<2>(wrap(y[0]), wrap(y[1])));
      AssertThrow(!n_values.empty(), ExcMessage("no cell problem solved"));
      const double       s = wrap(y[0]) / P * n_reaction_grid;
      const unsigned int i =
        std::min<unsigned int>(static_cast<unsigned int>(s),
                               n_reaction_grid - 1);
      const double t = s - i;
      return (1 - t) * n_values[i] + t * n_values[i + 1];
    }


    template <int dim>
    std::vector<double>
    solve_fe(const Problem                                   &problem,
             const unsigned int                               n,
             const std::function<double(const Point<dim> &)> &diffusion,
             const std::string                               &reaction,
             const std::vector<Point<dim>>                   &points,
             MPI_Comm                                         comm,
             TimerOutput                                     &timer)
    {
      const double lower = problem.lower(),
                   L     = problem.upper() - problem.lower();
      auto physical      = [=](const Point<dim> &xi) {
        Point<dim> x;
        for (unsigned int d = 0; d < dim; ++d)
          x[d] = lower + L * xi[d];
        return x;
      };
      FunctionCoefficient<dim> coefficient(
        [&](const Point<dim> &xi) {
          return diffusion(physical(xi)) / (L * L);
        },
        problem.epsilon / L);

      // The data as expressions of xi: X (and Y) are the physical
      // coordinates.
      const std::map<std::string, double> constants = {{"lower", lower},
                                                       {"L", L},
                                                       {"eps",
                                                        problem.epsilon}};
      const std::string X = "(lower + L*x)", Y = "(lower + L*y)";
      std::string       f;
      switch (problem.type)
        {
          case Problem::Type::A:
            f = "sin(" + X + ") + cos(" + Y + ")";
            break;
          case Problem::Type::B:
            f = "sin(" + X + ")";
            break;
          default:
            f = "sin(2*pi*" + X + ")";
        }
      std::string c = reaction;
      for (std::size_t pos = c.find('X'); pos != std::string::npos;
           pos             = c.find('X'))
        c.replace(pos, 1, X);

      ProblemFunctions<dim> functions;
      const std::string     variables = dim == 1 ? "x" : "x,y";
      functions.right_hand_side =
        make_parser<dim>(f, constants, "right-hand side", variables);
      if (reaction != "0")
        functions.reaction =
          make_parser<dim>(c, constants, "reaction", variables);
      functions.boundary_values =
        make_parser<dim>("0", constants, "boundary values", variables);
      functions.initial_values =
        make_parser<dim>("0", constants, "initial values", variables);

      DiscretizationParameters discretization;
      discretization.degree = 1;
      LinearSolverParameters solver;
      // Q1 on 2^13 cells in 1D has a condition number ~1e8: CG cannot go
      // much below 1e-8 in double precision.
      solver.relative_tolerance = 1e-8;
      DiffusionProblem<dim>
        fe(comm, n, discretization, solver, coefficient, functions, timer);
      fe.setup();
      if (problem.parabolic())
        {
          TimeSteppingParameters time;
          time.scheme     = "Crank-Nicolson";
          time.final_time = problem.final_time;
          time.time_step  = problem.final_time / problem.time_steps;
          fe.solve_transient(time, [](unsigned int, double) {});
        }
      else
        fe.solve_stationary();

      const StructuredQ1Field<dim> field(fe.get_dof_handler(),
                                         fe.solution(),
                                         n);
      std::vector<double>          values;
      values.reserve(points.size());
      for (const auto &x : points)
        {
          Point<dim> xi;
          for (unsigned int d = 0; d < dim; ++d)
            xi[d] = (x[d] - lower) / L;
          values.push_back(field.value(xi));
        }
      return values;
    }


    template std::vector<double>
    solve_fe<1>(const Problem &,
                unsigned int,
                const std::function<double(const Point<1> &)> &,
                const std::string &,
                const std::vector<Point<1>> &,
                MPI_Comm,
                TimerOutput &);
    template std::vector<double>
    solve_fe<2>(const Problem &,
                unsigned int,
                const std::function<double(const Point<2> &)> &,
                const std::string &,
                const std::vector<Point<2>> &,
                MPI_Comm,
                TimerOutput &);
  } // namespace nh_pinn
} // namespace neuhom
