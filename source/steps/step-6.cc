/* ---------------------------------------------------------------------------
 * neuhom step-6: NH-PINN, neural homogenization-based PINNs (Leung, Lin &
 * Zhang, JCP 2022).
 *
 * A plain ("vanilla") PINN trained on -div(a(x/eps) grad u) = f fails: by
 * spectral bias it first learns the smooth part of u, and at low frequency
 * the multiscale residual behaves like the one with the arithmetic mean of
 * a, while the right limit is the homogenized coefficient. NH-PINN does the
 * homogenization with PINNs instead:
 *
 *   1. the periodic cell problems -div_y(a (grad chi_j + e_j)) = 0 by a PINN
 *      whose periodicity is enforced on the cell boundary and, with
 *      "oversampling", on ghost layers outside the cell tied to their
 *      periodic images inside;
 *   2. the effective coefficient A*_ij = <a (delta_ij + d_i chi_j)> by
 *      autograd and quadrature;
 *   3. the homogenized equation -div(A* grad u0) = f by a PINN.
 *
 * The program does this for the paper's experiments A (2D), B (1D, slowly
 * varying A*(x)), C (1D diffusion-reaction with an eps^-1 potential), and
 * measures against deal.II references: FE cell problems, the fine-scale FE
 * solution u_eps, and FE solutions v (FE A*) and w (PINN A*) of the
 * homogenized equation. Metrics follow the paper: e1 = |p - u_eps|/|u_eps|,
 * e2 = |w - u_eps|/|u_eps|, e3 = |p - w|/|w|, e4 = |v - u_eps|/|u_eps| for
 * the PINN solution p; and the vanilla PINN and the transfer-learning run.
 * ------------------------------------------------------------------------- */

#include <neuhom/methods/nh_pinn/pinn.h>
// torch first (deal.II's Assert macro)

#include <deal.II/base/mpi.h>

#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/run_output.h>
#include <neuhom/core/stop_request.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/methods/nh_pinn/problem.h>
#include <neuhom/methods/nh_pinn/references.h>
#include <neuhom/nn/memory.h>

#include <cmath>
#include <iomanip>
#include <sstream>

namespace Step6
{
  using namespace dealii;
  using namespace neuhom;
  using namespace neuhom::nh_pinn;
  using torch::indexing::Slice;

  // @sect3{Parameters}
  //
  // Which parts of the study to run besides NH-PINN itself.
  struct StudyParameters
  {
    bool vanilla  = true;
    bool transfer = true;

    static void
    declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Study");
      prm.declare_entry("Vanilla PINN",
                        "true",
                        Patterns::Bool(),
                        "Train the vanilla PINN on the multiscale equation "
                        "(subsection Vanilla PINN).");
      prm.declare_entry("Transfer learning",
                        "true",
                        Patterns::Bool(),
                        "Start the vanilla PINN from the trained homogenized "
                        "network (architecture of Homogenized problem, "
                        "training of Vanilla PINN).");
      prm.leave_subsection();
    }

    void
    parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Study");
      vanilla  = prm.get_bool("Vanilla PINN");
      transfer = prm.get_bool("Transfer learning");
      prm.leave_subsection();
    }
  };


  void
  declare_parameters(ParameterHandler &prm)
  {
    Problem::declare_parameters(prm);
    CellPINNParameters::declare_parameters(prm);
    EquationPINNParameters::declare_parameters(prm, "Homogenized problem", 21);
    EquationPINNParameters::declare_parameters(prm, "Vanilla PINN", 41);
    StudyParameters::declare_parameters(prm);
  }


  std::string
  number(const double x)
  {
    std::ostringstream s;
    s << std::setprecision(17) << x;
    return s.str();
  }


  // Rows of a CSV file from columns of equal length.
  std::string
  csv(const std::vector<std::string>         &names,
      const std::vector<std::vector<double>> &columns)
  {
    std::ostringstream out;
    out << std::setprecision(10);
    for (std::size_t k = 0; k < names.size(); ++k)
      out << (k ? "," : "") << names[k];
    out << '\n';
    for (std::size_t i = 0; i < columns[0].size(); ++i)
      for (std::size_t k = 0; k < columns.size(); ++k)
        out << columns[k][i] << (k + 1 < columns.size() ? "," : "\n");
    return out.str();
  }


  // @sect3{The study}
  template <int dim>
  void
  run_study(const Problem                &problem,
            const CellPINNParameters     &cell_parameters,
            const EquationPINNParameters &homogenized_parameters,
            const EquationPINNParameters &vanilla_parameters,
            const StudyParameters        &study,
            RunOutput                    &output)
  {
    const MPI_Comm            comm    = output.comm;
    const ConditionalOStream &pcout   = output.pcout;
    Summary                  &summary = output.summary;
    const double              eps     = problem.epsilon;
    const std::string         dir     = output.directory + "/";

    pcout << "step-6: NH-PINN, experiment " << problem.name() << " (" << dim
          << "D" << (problem.parabolic() ? " + time" : "") << "), eps = " << eps
          << ", on " << Utilities::MPI::n_mpi_processes(comm) << " MPI rank(s)"
          << std::endl;

    CellReference reference(problem);
    {
      TimerOutput::Scope scope(output.timer, "FE cell problems");
      reference.solve();
    }

    // @sect4{FE references at the test points}
    //
    // The test points are a grid of the domain (at t = T for C); the fine
    // solution u_eps and the homogenized FE solution v (FE cell problems or
    // closed forms) are evaluated there before any training, w (PINN
    // effective coefficient) after the cell problems.
    std::vector<Point<dim>> test_points;
    for (const auto &p : EquationPINN::make_test_points(
           problem,
           homogenized_parameters.test_grid_points))
      {
        Point<dim> x;
        for (unsigned int d = 0; d < dim; ++d)
          x[d] = p[d];
        test_points.push_back(x);
      }
    const unsigned int n_fine = problem.fine_cells;
    auto               a_fine = [&](const Point<dim> &x) {
      return problem.diffusion_coefficient(x[0],
                                           x[dim - 1],
                                           x[0] / eps,
                                           x[dim - 1] / eps);
    };
    const std::string fine_reaction =
      problem.parabolic() ?
        "cos(" + number(2 * M_PI / problem.cell_period()) + "*X/eps)/eps" :
        "0";
    std::vector<double> u_eps, v;
    {
      TimerOutput::Scope scope(output.timer, "FE references");
      u_eps = solve_fe<dim>(problem,
                            n_fine,
                            a_fine,
                            fine_reaction,
                            test_points,
                            comm,
                            output.timer);
      v     = solve_fe<dim>(
        problem,
        std::max(n_fine / 4, 64u),
        [&](const Point<dim> &x) {
          return problem.type == Problem::Type::A ?
                       0.5 * (reference.effective_tensor()[0][0] +
                          reference.effective_tensor()[1][1]) :
                     problem.type == Problem::Type::B ?
                       reference.effective_coefficient(x[0]) :
                       problem.diffusion;
        },
        problem.parabolic() ? number(reference.effective_reaction()) : "0",
        test_points,
        comm,
        output.timer);
    }

    // @sect4{Step 1: cell problems by PINN}
    //
    // From here on the program trains, stage after stage: a SIGTERM between
    // two stages is recorded and acted on by the next stage's first poll
    // (which writes its checkpoint), instead of ending the program at once.
    const stop_request::PollingScope polling;
    auto cell_reference = [&](const unsigned int j) {
      return [&, j](const std::vector<double> &y) {
        return problem.slowly_varying() ?
                 reference.effective_coefficient(y[0]) :
                 reference.corrector_value(j, y);
      };
    };
    double     nh_seconds   = 0;
    const auto n_correctors = problem.type == Problem::Type::A ? 2u : 1u;
    std::vector<std::unique_ptr<CellPINN>> cells;
    for (unsigned int j = 0; j < n_correctors; ++j)
      {
        pcout << "\nCell problem " << j + 1 << " of " << n_correctors
              << " with " << cell_parameters.oversampling_layers
              << " oversampling layers" << std::endl;
        cells.push_back(
          std::make_unique<CellPINN>(problem,
                                     cell_parameters,
                                     j,
                                     cell_parameters.oversampling_layers,
                                     dir + "cell-" + std::to_string(j + 1),
                                     comm));
        TimerOutput::Scope scope(output.timer, "cell PINN");
        cells.back()->train(cell_reference(j), pcout);
        nh_seconds += cells.back()->seconds();
        output.write_file("cell-" + std::to_string(j + 1) + "-errors.csv",
                          cells.back()->history().csv({"test_error"}));
      }
    const unsigned int window = cell_parameters.average_window;
    const std::string  what   = problem.slowly_varying() ?
                                  "a_star_x_rel_error_vs_exact" :
                                  "cell_corrector_rel_error_vs_fe";
    for (unsigned int j = 0; j < n_correctors; ++j)
      summary.set_metric(what + (n_correctors > 1 ?
                                   "_chi" + std::to_string(j + 1) :
                                   std::string()),
                         cells[j]->history().average(0, window));
    std::unique_ptr<CellPINN> without;
    if (cell_parameters.compare_without && cell_parameters.oversampling_layers)
      {
        pcout << "\nCell problem 1 without oversampling" << std::endl;
        without = std::make_unique<CellPINN>(problem,
                                             cell_parameters,
                                             0,
                                             0,
                                             dir + "cell-1-no-os",
                                             comm);
        TimerOutput::Scope scope(output.timer, "cell PINN");
        without->train(cell_reference(0), pcout);
        output.write_file("cell-1-no-os-errors.csv",
                          without->history().csv({"test_error"}));
        const double with_os = cells[0]->history().average(0, window),
                     no_os   = without->history().average(0, window);
        summary.set_metric(what + (n_correctors > 1 ? "_chi1" : "") +
                             "_without_oversampling",
                           no_os);
        summary.set_metric("oversampling_error_reduction", no_os / with_os);
      }

    // Cell correctors on the test grid of the cell, for the figures.
    if (!problem.slowly_varying())
      {
        const unsigned int               nt = dim == 2 ? 51 : 201;
        std::vector<std::vector<double>> points;
        std::vector<std::vector<double>> columns(dim + 1 + n_correctors * 2 +
                                                 (without ? 1 : 0));
        for (unsigned int i = 0; i < (dim == 2 ? nt * nt : nt); ++i)
          {
            std::vector<double> y = {problem.cell_period() * (i % nt) /
                                     (nt - 1)};
            if (dim == 2)
              y.push_back(problem.cell_period() * (i / nt) / (nt - 1));
            points.push_back(y);
            for (unsigned int d = 0; d < dim; ++d)
              columns[d].push_back(y[d]);
          }
        std::vector<std::string> names = {"y1", "y2"};
        names.resize(dim);
        names.push_back("a");
        for (const auto &y : points)
          columns[dim].push_back(
            problem.parabolic() ?
              problem.reaction(y[0]) :
              problem.diffusion_coefficient(0., 0., y[0], dim > 1 ? y[1] : 0.));
        for (unsigned int j = 0; j < n_correctors; ++j)
          {
            const auto v = cells[j]->values(points);
            for (std::size_t i = 0; i < points.size(); ++i)
              {
                columns[dim + 1 + 2 * j].push_back(
                  reference.corrector_value(j, points[i]));
                columns[dim + 2 + 2 * j].push_back(v[i]);
              }
            names.push_back("chi" + std::to_string(j + 1) + "_fe");
            names.push_back("chi" + std::to_string(j + 1) + "_pinn");
          }
        if (without)
          {
            columns.back() = without->values(points);
            names.push_back("chi1_pinn_no_os");
          }
        output.write_file("cell-correctors.csv", csv(names, columns));
      }

    // @sect4{Step 2: the effective coefficient}
    //
    // A: the tensor A*_p from the PINN correctors against A*_FE; B: a*_p(x)
    // at the test points against the harmonic mean; C: r*_p against r*.
    double          fe_scalar = 0, pinn_scalar = 0;
    EffectiveTensor a_pinn{};
    Tensor<2, 2>    a_fe;
    if (problem.type == Problem::Type::A)
      {
        a_fe        = reference.effective_tensor();
        a_pinn      = effective_tensor(problem, *cells[0], *cells[1]);
        double diff = 0, norm = 0;
        for (unsigned int i = 0; i < 2; ++i)
          for (unsigned int j = 0; j < 2; ++j)
            {
              diff += std::pow(a_pinn.formula[i][j] - a_fe[i][j], 2);
              norm += std::pow(a_fe[i][j], 2);
            }
        summary.set_metric("a_star_rel_error_vs_fe", std::sqrt(diff / norm));
        summary.set_metric("a_star_11_fe", a_fe[0][0]);
        summary.set_metric("a_star_12_fe", a_fe[0][1]);
        summary.set_metric("a_star_11_pinn", a_pinn.formula[0][0]);
        summary.set_metric("a_star_12_pinn", a_pinn.formula[0][1]);
        summary.set_metric("a_star_22_pinn", a_pinn.formula[1][1]);
        summary.set_metric("a_star_11_pinn_energy_form", a_pinn.energy[0][0]);
        fe_scalar   = 0.5 * (a_fe[0][0] + a_fe[1][1]);
        pinn_scalar = 0.5 * (a_pinn.formula[0][0] + a_pinn.formula[1][1]);
        pcout << "\nA*_FE   = [" << a_fe[0][0] << ", " << a_fe[0][1] << "; "
              << a_fe[1][0] << ", " << a_fe[1][1] << "]\nA*_PINN = ["
              << a_pinn.formula[0][0] << ", " << a_pinn.formula[0][1] << "; "
              << a_pinn.formula[1][0] << ", " << a_pinn.formula[1][1]
              << "] (energy form a11 = " << a_pinn.energy[0][0] << ")\n";
      }
    std::vector<double> x_grid, a_grid;
    if (problem.slowly_varying())
      {
        // a*_p(x) on a fine grid of x, for the FE solution w.
        for (unsigned int k = 0; k <= 1024; ++k)
          x_grid.push_back(problem.lower() +
                           (problem.upper() - problem.lower()) * k / 1024);
        a_grid = cells[0]->effective_coefficient(x_grid).first;
        std::vector<double> exact;
        for (const double x : x_grid)
          exact.push_back(reference.effective_coefficient(x));
        summary.set_metric("a_star_rel_error_vs_fe",
                           relative_error(a_grid, exact));
      }
    if (problem.parabolic())
      {
        fe_scalar   = reference.effective_reaction();
        pinn_scalar = cells[0]->effective_reaction();
        summary.set_metric("r_star_fe", fe_scalar);
        summary.set_metric("r_star_pinn", pinn_scalar);
        summary.set_metric("a_star_rel_error_vs_fe",
                           std::abs(pinn_scalar - fe_scalar) /
                             std::abs(fe_scalar));
        pcout << "\nr*_FE = " << fe_scalar << ", r*_PINN = " << pinn_scalar
              << '\n';
      }

    // @sect4{The data of the PINN equations}
    //
    // Diffusion tensor A and div A at the collocation points, and the
    // reaction: homogenized (A*_p, a*_p(x), r*_p) and multiscale (vanilla).
    auto constant_tensor = [&](const double(&a)[2][2]) {
      return [&a](const torch::Tensor &x) {
        auto A = torch::zeros({x.size(0), 2, 2}, torch::kFloat64);
        for (unsigned int i = 0; i < 2; ++i)
          for (unsigned int j = 0; j < 2; ++j)
            A.index_put_({Slice(), static_cast<long>(i), static_cast<long>(j)},
                         a[i][j]);
        return std::make_pair(A, torch::zeros_like(x));
      };
    };
    auto scalar_field = [&](auto a) {
      // k(x) I and grad k by autograd.
      return [a](const torch::Tensor &x) {
        auto p = x.detach().clone().set_requires_grad(true);
        auto k = a(p);
        auto g =
          k.requires_grad() ?
            torch::autograd::grad({k.sum()}, {p}, {}, false, false, true)[0] :
            torch::Tensor();
        if (!g.defined())
          g = torch::zeros_like(p);
        auto A = k.detach().reshape({-1, 1, 1}) *
                 torch::eye(x.size(1), torch::kFloat64).unsqueeze(0);
        return std::make_pair(A, g.detach());
      };
    };
    auto x2_of = [](const torch::Tensor &x) {
      return x.size(1) > 1 ? x.index({Slice(), 1}) : x.index({Slice(), 0});
    };
    auto no_reaction = [](const torch::Tensor &x) {
      return torch::zeros({x.size(0)}, torch::kFloat64);
    };
    auto constant_reaction = [](const double r) {
      return [r](const torch::Tensor &x) {
        return torch::full({x.size(0)}, r, torch::kFloat64);
      };
    };

    EquationPINN::Data homogenized_data;
    if (problem.type == Problem::Type::A)
      homogenized_data.diffusion = constant_tensor(a_pinn.formula);
    else if (problem.type == Problem::Type::B)
      homogenized_data.diffusion = [&](const torch::Tensor &x) {
        std::vector<double> xs(x.size(0));
        for (std::size_t i = 0; i < xs.size(); ++i)
          xs[i] = x[i][0].item<double>();
        const auto [a, da] = cells[0]->effective_coefficient(xs);
        return std::make_pair(
          torch::tensor(a, torch::kFloat64).reshape({-1, 1, 1}),
          torch::tensor(da, torch::kFloat64).reshape({-1, 1}));
      };
    else
      homogenized_data.diffusion = scalar_field([&](const torch::Tensor &x) {
        return torch::full({x.size(0)}, problem.diffusion, torch::kFloat64);
      });
    homogenized_data.reaction =
      problem.parabolic() ? std::function<torch::Tensor(const torch::Tensor &)>(
                              constant_reaction(pinn_scalar)) :
                            no_reaction;
    EquationPINN homogenized(problem,
                             homogenized_parameters,
                             homogenized_data,
                             dir + "homogenized",
                             comm);

    std::vector<double> w;
    {
      TimerOutput::Scope scope(output.timer, "FE references");
      auto               homogenized_fe = [&](const bool pinn) {
        std::function<double(const Point<dim> &)> k;
        if (problem.type == Problem::Type::A)
          k = [s = pinn ? pinn_scalar : fe_scalar](const Point<dim> &) {
            return s;
          };
        else if (problem.type == Problem::Type::B && !pinn)
          k = [&](const Point<dim> &x) {
            return reference.effective_coefficient(x[0]);
          };
        else if (problem.type == Problem::Type::B)
          k = [&](const Point<dim> &x) {
            const double      s = (x[0] - x_grid[0]) / (x_grid[1] - x_grid[0]);
            const std::size_t i =
              std::min<std::size_t>(static_cast<std::size_t>(s),
                                    x_grid.size() - 2);
            return a_grid[i] + (s - i) * (a_grid[i + 1] - a_grid[i]);
          };
        else
          k = [&](const Point<dim> &) {
            return problem.diffusion;
          };
        const std::string c =
          problem.parabolic() ? number(pinn ? pinn_scalar : fe_scalar) : "0";
        // The FE homogenized problem resolves no fine scale: a quarter of
        // the fine cells is plenty.
        return solve_fe<dim>(problem,
                             std::max(n_fine / 4, 64u),
                             k,
                             c,
                             test_points,
                             comm,
                             output.timer);
      };
      w = homogenized_fe(true);
    }
    const double e2 = relative_error(w, u_eps), e4 = relative_error(v, u_eps);
    summary.set_metric("e2_rel_error_fe_with_pinn_cells_vs_fine", e2);
    summary.set_metric("e4_rel_error_fe_homogenized_vs_fine", e4);
    pcout << "\nFE: e2 = |w - u_eps|/|u_eps| = " << e2
          << ", e4 = |v - u_eps|/|u_eps| = " << e4 << std::endl;

    // @sect4{Step 3: the homogenized equation by PINN}
    pcout << "\nHomogenized equation" << std::endl;
    {
      TimerOutput::Scope scope(output.timer, "homogenized PINN");
      homogenized.train({u_eps, w}, pcout);
    }
    nh_seconds += homogenized.seconds();
    const unsigned int hw = homogenized_parameters.average_window;
    const double       e1 = homogenized.history().average(0, hw);
    const double       e3 = homogenized.history().average(1, hw);
    summary.set_metric("e1_rel_error_nhpinn_vs_fine", e1);
    summary.set_metric("e3_rel_error_nhpinn_vs_fe_with_pinn_cells", e3);
    summary.set_metric("training_seconds", nh_seconds);
    output.write_file("homogenized-errors.csv",
                      homogenized.history().csv({"e1", "e3"}));

    // The first-order reconstruction u0 + eps chi(x/eps) . grad u0 (A, B),
    // u0 + eps N(x/eps) u0 (C), which the paper derives but does not use.
    const auto          p         = homogenized.test_values();
    std::vector<double> corrected = p;
    {
      const auto                       grad = homogenized.test_gradients();
      std::vector<std::vector<double>> cell_points;
      for (const auto &x : homogenized.test_points())
        {
          std::vector<double> y;
          if (problem.slowly_varying())
            y.push_back(x[0]);
          for (unsigned int d = 0; d < dim; ++d)
            y.push_back(x[d] / eps);
          cell_points.push_back(y);
        }
      for (unsigned int j = 0; j < n_correctors; ++j)
        {
          const auto chi = cells[j]->values(cell_points);
          for (std::size_t i = 0; i < p.size(); ++i)
            corrected[i] +=
              eps * chi[i] *
              (problem.parabolic() ? p[i] : grad[i][j].item<double>());
        }
    }
    const double e1_corrected = relative_error(corrected, u_eps);
    summary.set_metric("e1_corrected_rel_error_nhpinn_vs_fine", e1_corrected);
    pcout << "\nNH-PINN: e1 = " << e1 << ", e3 = " << e3
          << ", e1 with first-order corrector = " << e1_corrected << std::endl;

    // @sect4{Vanilla PINN and transfer learning}
    std::vector<std::vector<double>> columns;
    for (unsigned int d = 0; d < dim; ++d)
      {
        columns.emplace_back();
        for (const auto &x : test_points)
          columns.back().push_back(x[d]);
      }
    std::vector<std::string> names = {"x1", "x2"};
    names.resize(dim);
    for (const auto &c : {"u_eps", "v", "w", "p", "p_corrected"})
      names.push_back(c);
    for (const auto &c : {u_eps, v, w, p, corrected})
      columns.push_back(c);

    EquationPINN::Data vanilla_data;
    if (problem.parabolic())
      {
        vanilla_data.diffusion = homogenized_data.diffusion;
        vanilla_data.reaction  = [&](const torch::Tensor &x) {
          return problem.reaction(x.index({Slice(), 0}) / eps) / eps;
        };
      }
    else
      {
        vanilla_data.diffusion = scalar_field([&](const torch::Tensor &x) {
          const auto x1 = x.index({Slice(), 0}), x2 = x2_of(x);
          return problem.diffusion_coefficient(x1, x2, x1 / eps, x2 / eps);
        });
        vanilla_data.reaction  = no_reaction;
      }
    double vanilla_seconds = 0;
    if (study.vanilla)
      {
        pcout << "\nVanilla PINN on the multiscale equation" << std::endl;
        EquationPINN       vanilla(problem,
                             vanilla_parameters,
                             vanilla_data,
                             dir + "vanilla",
                             comm);
        TimerOutput::Scope scope(output.timer, "vanilla PINN");
        vanilla.train({u_eps}, pcout);
        vanilla_seconds += vanilla.seconds();
        summary.set_metric(
          "vanilla_rel_error_vs_fine",
          vanilla.history().average(0, vanilla_parameters.average_window));
        output.write_file("vanilla-errors.csv",
                          vanilla.history().csv({"error"}));
        names.push_back("vanilla");
        columns.push_back(vanilla.test_values());
      }
    if (study.transfer)
      {
        pcout << "\nTransfer learning: the homogenized network trained on the "
                 "multiscale loss"
              << std::endl;
        // The homogenized network, with its output transform if the
        // conditions are exact (then the residual is the only loss term).
        EquationPINNParameters transfer_parameters = vanilla_parameters;
        transfer_parameters.network = homogenized_parameters.network;
        transfer_parameters.exact_conditions =
          homogenized_parameters.exact_conditions;
        if (transfer_parameters.exact_conditions)
          transfer_parameters.training.initial_weights.clear();
        EquationPINN transfer(problem,
                              transfer_parameters,
                              vanilla_data,
                              dir + "transfer",
                              comm);
        transfer.copy_parameters_from(homogenized);
        TimerOutput::Scope scope(output.timer, "transfer PINN");
        transfer.train({u_eps}, pcout);
        vanilla_seconds += transfer.seconds();
        summary.set_metric(
          "transfer_rel_error_vs_fine",
          transfer.history().average(0, vanilla_parameters.average_window));
        output.write_file("transfer-errors.csv",
                          transfer.history().csv({"error"}));
        names.push_back("transfer");
        columns.push_back(transfer.test_values());
      }
    summary.set_metric("vanilla_training_seconds", vanilla_seconds);
    output.write_file("solutions.csv", csv(names, columns));
  }


  // Refuse up front a phase that would not fit, naming its entry: the fine
  // FE reference, the FE cell problems (Q2 to be generous), the cell PINN
  // (collocation, quadrature and test points, on every rank) and each
  // equation PINN (space(-time) grid spread over the ranks, the test points
  // on every rank).
  void
  check_memory_of_phases(const Problem                &problem,
                         const CellPINNParameters     &cell,
                         const EquationPINNParameters &homogenized,
                         const EquationPINNParameters &vanilla,
                         const MPI_Comm                comm)
  {
    const unsigned int d       = problem.dimension();
    const unsigned int n_ranks = Utilities::MPI::n_mpi_processes(comm);
    check_memory(
      n_ranks *
        (d == 2 ?
           std::max(estimate_fine_solver_memory<2>(problem.fine_cells, 1),
                    estimate_fine_solver_memory<2>(problem.cell_fe_cells, 2)) :
           estimate_fine_solver_memory<1>(problem.fine_cells, 1)),
      "Problem/Fine cells per direction",
      comm);
    const unsigned int slow_inputs = problem.slowly_varying() ? 1 : 0;
    const double       cell_points = std::pow(double(cell.grid_points), d) *
                                 (slow_inputs ? cell.slow_grid_points : 1) +
                               std::pow(double(cell.quadrature_points), d) +
                               std::pow(double(cell.test_grid_points), d);
    check_memory(n_ranks * estimate_training_memory(cell.network,
                                                    cell_points,
                                                    d + slow_inputs),
                 "Cell problem/Grid points per direction",
                 comm);
    const unsigned int time_inputs = problem.parabolic() ? 1 : 0;
    for (const auto &[equation, section] :
         {std::make_pair(&homogenized, "Homogenized problem"),
          std::make_pair(&vanilla, "Vanilla PINN")})
      {
        const double points =
          std::pow(double(equation->grid_points), d) *
            (time_inputs ? equation->time_grid_points : 1) +
          n_ranks * std::pow(double(equation->test_grid_points), d);
        check_memory(estimate_training_memory(equation->network,
                                              points,
                                              d + time_inputs),
                     std::string(section) + "/Grid points per direction",
                     comm);
      }
  }


  void
  run(ParameterHandler &prm, const RunSettings &settings)
  {
    // Parse every component before any work or output.
    Problem problem;
    problem.parse_parameters(prm);
    require(settings.dimension == problem.dimension(),
            "Dimension",
            "experiment A is 2D, B and C are 1D: set Dimension = " +
              std::to_string(problem.dimension()));
    CellPINNParameters cell;
    cell.parse_parameters(prm, problem);
    EquationPINNParameters homogenized, vanilla;
    homogenized.parse_parameters(prm, "Homogenized problem", problem);
    vanilla.parse_parameters(prm, "Vanilla PINN", problem);
    require(vanilla.test_grid_points == homogenized.test_grid_points,
            "Vanilla PINN/Test grid points",
            "must equal 'Homogenized problem/Test grid points' (" +
              std::to_string(homogenized.test_grid_points) +
              "): both are compared with u_eps at the same points");
    StudyParameters study;
    study.parse_parameters(prm);
    check_memory_of_phases(problem, cell, homogenized, vanilla, MPI_COMM_WORLD);
    if (settings.validate_only)
      return;

    RunOutput output("step-6", settings, prm, MPI_COMM_WORLD);
    if (problem.dimension() == 2)
      run_study<2>(problem, cell, homogenized, vanilla, study, output);
    else
      run_study<1>(problem, cell, homogenized, vanilla, study, output);
    output.finish();
  }
} // namespace Step6


int
main(int argc, char **argv)
{
  return neuhom::run_program(
    argc,
    argv,
    "step-6",
    "NH-PINN: PINN cell problems with oversampling, effective coefficients "
    "and the homogenized equation by PINN, against deal.II references.",
    Step6::declare_parameters,
    Step6::run);
}
