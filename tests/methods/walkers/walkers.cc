// Unit checks of the Brownian-walker method (Han & Lee): step-size rules,
// the walker estimator against the generator and against a manufactured
// solution, the Girsanov weights, Heun's drift, the nonlinear walkers'
// solution table, the nonlinear reference solver against the Kirchhoff
// closed form, the homogenized coefficient, the Gaussian random field, a
// tiny training run and checkpoint/resume.

#include <deal.II/base/function_parser.h>
#include <deal.II/base/mpi.h>

#include <neuhom/core/coefficients.h>
#include <neuhom/core/gaussian_random_field.h>
#include <neuhom/fem/quasilinear_diffusion_problem.h>
#include <neuhom/methods/walkers/references.h>
#include <neuhom/methods/walkers/time_steps.h>
#include <neuhom/methods/walkers/walker_loss.h>
#include <neuhom/nn/trainer.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <filesystem>

#include "../../tests.h"

using namespace neuhom;
using namespace neuhom::walkers;

namespace
{
  std::string
  yes(const bool b)
  {
    return b ? "yes" : "NO";
  }

  std::unique_ptr<FunctionParser<2>>
  parser(const std::string &expression)
  {
    auto f = std::make_unique<FunctionParser<2>>(1);
    f->initialize("x,y", expression, {{"pi", M_PI}});
    return f;
  }

  // Batched u(x) = sin(pi x) sin(pi y), with its gradient.
  torch::Tensor
  sine(const torch::Tensor &x, torch::Tensor *gradient)
  {
    const torch::Tensor sx = torch::sin(M_PI * x.select(1, 0));
    const torch::Tensor sy = torch::sin(M_PI * x.select(1, 1));
    if (gradient)
      *gradient = M_PI * torch::stack({torch::cos(M_PI * x.select(1, 0)) * sy,
                                       sx * torch::cos(M_PI * x.select(1, 1))},
                                      1);
    return sx * sy;
  }


  // Drifted walkers in antithetic pairs.
  WalkerScheme
  antithetic_drift(const bool heun)
  {
    WalkerScheme scheme;
    scheme.drift      = true;
    scheme.heun       = heun;
    scheme.antithetic = true;
    return scheme;
  }


  void
  check_time_steps()
  {
    deallog << "kappa(1), kappa(2), kappa(3) = " << std::setprecision(7)
            << kappa(1) << ", " << kappa(2) << ", " << kappa(3)
            << " (sqrt(2/pi), sqrt(pi/2), 2 sqrt(2/pi) = "
            << std::sqrt(2 / M_PI) << ", " << std::sqrt(M_PI / 2) << ", "
            << 2 * std::sqrt(2 / M_PI) << ")" << std::endl;
    deallog << "micro-step bounds m0 = 12, eps = 0.05, 0.01, 0.0135: "
            << std::setprecision(4) << micro_step_bound(0.05, 12, 2) << ", "
            << micro_step_bound(0.01, 12, 2) << ", "
            << micro_step_bound(0.0135, 12, 2) << std::endl;
    deallog << "macro-step bounds eps = 0.05, 0.01, 2 x 0.0135: "
            << macro_step_bound(0.05, 2) << ", " << macro_step_bound(0.01, 2)
            << ", " << macro_step_bound(0.027, 2) << std::endl;
    TimeStepParameters parameters;
    for (const double eps : {0.1, 0.05, 0.01, 0.005})
      {
        const TimeSteps steps = choose_time_steps(parameters, eps, 2);
        deallog << "eps = " << eps << ": automatic K = " << steps.micro_steps
                << ", warnings " << steps.warnings.size() << std::endl;
      }
    for (const unsigned int d : {1u, 3u})
      deallog << "d = " << d << ": automatic K = "
              << choose_time_steps(parameters, 0.05, d).micro_steps
              << " (d m0^2 / 4 = " << d * 144 / 4. << ")" << std::endl;
    parameters.micro_step  = 2e-5;
    parameters.micro_steps = 10;
    const TimeSteps bad    = choose_time_steps(parameters, 0.05, 2);
    for (const auto &w : bad.warnings)
      deallog << "warning: " << w << std::endl;

    // A macro step given as a time: the smallest K with K dt >= Dt.
    TimeStepParameters given;
    given.macro_step      = 4e-3;
    const TimeSteps fixed = choose_time_steps(given, 0.01, 2);
    deallog << "Dt = 4e-3 at eps = 0.01: K = " << fixed.micro_steps
            << " (ceil(4e-3 / " << std::setprecision(7) << fixed.micro_step
            << ") = "
            << static_cast<unsigned int>(std::ceil(4e-3 / fixed.micro_step))
            << "), Dt = " << fixed.macro_step() << ", warnings "
            << fixed.warnings.size() << std::endl;
    deallog << std::setprecision(4);

    // Macro-step schedule: K F^(1 - n/N), from 8 K down to K at n = N.
    TimeStepParameters scheduled;
    scheduled.initial_factor      = 8;
    scheduled.schedule_iterations = 300;
    const TimeSteps schedule      = choose_time_steps(scheduled, 0.05, 2);
    deallog << "macro-step schedule F = 8, N = 300: K at n = 0, 100, 200, "
               "300, 1000:";
    for (const unsigned int n : {0u, 100u, 200u, 300u, 1000u})
      deallog << ' ' << schedule.micro_steps_at(n);
    deallog << std::endl;
    deallog << std::setprecision(6);
  }


  // With f = 0 the target minus u(x) is Dt (1/2 Lap u + V . grad u) + O(Dt^2)
  // for a smooth u: the estimator applies the generator.
  void
  check_generator()
  {
    // A smooth coefficient (eps = 1): the O(Dt^2) remainder, which grows
    // like |V|^2, stays below the Monte-Carlo error.
    const double        eps   = 1;
    const auto          alpha = parser("2 + sin(2*pi*x)*cos(2*pi*y)");
    const auto          zero  = parser("0");
    const WalkerProblem problem(*alpha, *zero, *zero, Nonlinearity(), 2048);
    const double        x = 0.4, y = 0.3, dt = 2e-5;
    const unsigned int  K = 50, n = 400000;
    at::Generator       generator = at::detail::createCPUGenerator(42);
    const torch::Tensor points =
      torch::tensor({{x, y}}, torch::dtype(torch::kFloat64));
    const double target =
      estimate_targets(problem, sine, points, n, dt, K, generator)
        .item<double>();
    const double Dt = K * dt;
    const double estimate =
      (target - std::sin(M_PI * x) * std::sin(M_PI * y)) / Dt;

    // 1/2 Lap u + grad a . grad u / (2a), analytically.
    const double k  = 2 * M_PI / eps;
    const double a  = 2 + std::sin(k * x) * std::cos(k * y);
    const double ax = k * std::cos(k * x) * std::cos(k * y);
    const double ay = -k * std::sin(k * x) * std::sin(k * y);
    const double ux = M_PI * std::cos(M_PI * x) * std::sin(M_PI * y);
    const double uy = M_PI * std::sin(M_PI * x) * std::cos(M_PI * y);
    const double generator_value =
      -M_PI * M_PI * std::sin(M_PI * x) * std::sin(M_PI * y) +
      (ax * ux + ay * uy) / (2 * a);
    // Monte-Carlo standard error: |grad u| sqrt(Dt / n) / Dt.
    const double standard_error = std::hypot(ux, uy) / std::sqrt(Dt * n);
    deallog << "generator: analytic " << std::setprecision(3) << generator_value
            << ", walkers " << estimate << ", within 4 standard errors ("
            << standard_error << "): "
            << yes(std::abs(estimate - generator_value) < 4 * standard_error)
            << std::endl;
  }


  // A coefficient of period eps is tabulated over one period: the walkers
  // read the same drift and source as from the table of the square, and
  // is_periodic() tells periodic expressions from others.
  void
  check_periodic_table()
  {
    const std::string a        = "1 + 0.9*sin(2*pi*x/0.05)*cos(2*pi*y/0.05)";
    const auto        alpha    = parser(a);
    const auto        f        = parser("50");
    const auto        f_smooth = parser("50 + sin(20*x)*y");
    const auto        zero     = parser("0");
    Nonlinearity      quadratic;
    quadratic.quadratic = true;
    const WalkerProblem square(*alpha, *f_smooth, *zero, quadratic, 480);
    const WalkerProblem periodic(*alpha, *f, *zero, quadratic, 480, 0.05);
    const WalkerProblem periodic_smooth_f(*alpha,
                                          *f_smooth,
                                          *zero,
                                          quadratic,
                                          480,
                                          0.05);
    deallog << "periodic table: " << periodic.coefficient_table().n_channels()
            << " channels of "
            << periodic.coefficient_table().cells_per_direction()
            << "^2 cells, period " << periodic.coefficient_table().period()
            << ", f on " << periodic.rhs_table().cells_per_direction()
            << "^2 cells ("
            << periodic_smooth_f.rhs_table().cells_per_direction()
            << "^2 for a non-bilinear f)" << std::endl;

    // Away from the edges of the square, where the table of the square
    // takes one-sided differences for grad alpha.
    at::Generator       generator = at::detail::createCPUGenerator(3);
    const torch::Tensor points =
      0.01 + 0.98 * torch::rand({2000, 2}, generator, torch::kFloat64);
    double max_difference = 0, max_drift = 0;
    for (std::int64_t k = 0; k < points.size(0); ++k)
      {
        const double x[2]  = {points[k][0].item<double>(),
                              points[k][1].item<double>()};
        const double du[2] = {0.3, -0.7};
        double       V[2], V_p[2], G, G_p;
        square.drift_and_source(x, 0.8, du, V, G);
        periodic_smooth_f.drift_and_source(x, 0.8, du, V_p, G_p);
        max_difference = std::max({max_difference,
                                   std::abs(V[0] - V_p[0]),
                                   std::abs(V[1] - V_p[1]),
                                   std::abs(G - G_p)});
        max_drift      = std::max({max_drift, std::abs(V[0]), std::abs(V[1])});
      }
    deallog << "the same drift and source as the table of the square: "
            << yes(max_difference < 1e-5 * max_drift) << std::endl;

    const auto sloped   = parser(a + " + 0.01*x");
    const auto doubled  = parser("1 + 0.9*sin(pi*x/0.05)");
    const auto constant = parser("2");
    deallog << "is_periodic: the expression "
            << yes(is_periodic(*alpha, 0.05, 480)) << ", with period 2 eps "
            << yes(is_periodic(*alpha, 0.1, 480)) << ", plus 0.01 x "
            << yes(!is_periodic(*sloped, 0.05, 480))
            << " (not), period 2 eps at eps "
            << yes(!is_periodic(*doubled, 0.05, 480)) << " (not), a constant "
            << yes(is_periodic(*constant, 0.05, 480)) << std::endl;
    const WalkerProblem not_periodic(*sloped, *f, *zero, quadratic, 480, 0.05);
    deallog << "a coefficient that does not repeat keeps the table of the "
               "square: "
            << yes(not_periodic.coefficient_table().period() == 0 &&
                   not_periodic.coefficient_table().n_channels() == 4)
            << std::endl;
  }


  // Manufactured solution u = sin(pi x) sin(pi y), f = -div(a grad u): the
  // target equals u inside and near the boundary (exits, g = 0).
  void
  check_manufactured()
  {
    const std::string a     = "(2 + sin(2*pi*x/0.25)*cos(2*pi*y/0.25))";
    const std::string ax    = "(8*pi*cos(8*pi*x)*cos(8*pi*y))";
    const std::string ay    = "(-8*pi*sin(8*pi*x)*sin(8*pi*y))";
    const auto        alpha = parser(a);
    const auto        f =
      parser("-(" + a + "*(-2*pi*pi*sin(pi*x)*sin(pi*y)) + " + ax +
             "*pi*cos(pi*x)*sin(pi*y) + " + ay + "*pi*sin(pi*x)*cos(pi*y))");
    const auto          zero = parser("0");
    const WalkerProblem problem(*alpha, *f, *zero, Nonlinearity(), 2048);
    at::Generator       generator = at::detail::createCPUGenerator(7);
    const torch::Tensor points =
      torch::tensor({{0.5, 0.5}, {0.3, 0.6}, {0.02, 0.5}, {0.03, 0.03}},
                    torch::dtype(torch::kFloat64));
    WalkerStatistics    statistics;
    const torch::Tensor target = estimate_targets(problem,
                                                  sine,
                                                  points,
                                                  50000,
                                                  2e-5,
                                                  100,
                                                  generator,
                                                  &statistics);
    const torch::Tensor exact  = sine(points, nullptr);
    deallog << "manufactured solution: max |target - u| < 5e-3: "
            << yes((target - exact).abs().max().item<double>() < 5e-3)
            << ", walkers that exited: " << yes(statistics.exited > 0)
            << std::endl;
  }


  // a = 1, u = sin(pi x) sin(pi y), f = 2 pi^2 u, g = 0, from points a few
  // sqrt(dt) from the boundary: the target is u there when every walker that
  // crosses the boundary stops. Checking only the ends of the steps misses
  // the crossings within a step, the bridge test finds them.
  void
  check_bridge_exit()
  {
    const auto          one  = parser("1");
    const auto          f    = parser("2*pi*pi*sin(pi*x)*sin(pi*y)");
    const auto          zero = parser("0");
    const WalkerProblem problem(*one, *f, *zero, Nonlinearity(), 1024);
    const torch::Tensor points =
      torch::tensor({{0.03, 0.5}, {0.05, 0.04}}, torch::dtype(torch::kFloat64));
    const torch::Tensor exact = sine(points, nullptr);
    const unsigned int  n = 200000, K = 25;
    const double        dt = 4e-4;
    double              error[2];
    for (const bool bridge : {false, true})
      {
        WalkerScheme scheme;
        scheme.bridge_exit            = bridge;
        at::Generator       generator = at::detail::createCPUGenerator(11);
        const torch::Tensor target    = estimate_targets(problem,
                                                      sine,
                                                      points,
                                                      n,
                                                      dt,
                                                      K,
                                                      generator,
                                                      nullptr,
                                                      scheme);
        error[bridge] = (target - exact).abs().max().item<double>();
      }
    // Monte-Carlo standard error about 2e-4; the end-point bias is
    // O(sqrt(dt)): 0.024 at dt = 4e-4, 0.014 at 1e-4, 0.006 at 2.5e-5; the
    // bridge's error stays at the Monte-Carlo level at all three.
    deallog << "exits near the boundary: end-point test error > 0.015: "
            << yes(error[0] > 0.015)
            << ", bridge test error < 1.5e-3: " << yes(error[1] < 1.5e-3)
            << std::endl;
  }


  // a = exp(2 b . x) has V = b: Girsanov turns Brownian paths into paths
  // with drift b, E[u(B_Dt) D] = c . (x + b Dt) for u = c . x, and E[D] = 1.
  void
  check_girsanov()
  {
    const auto          alpha = parser("exp(2*(3*x - 2*y))");
    const auto          zero  = parser("0");
    const WalkerProblem problem(*alpha, *zero, *zero, Nonlinearity(), 1024);
    const auto          linear = [](const torch::Tensor &x, torch::Tensor *g) {
      if (g)
        *g = torch::tensor({1., 2.}, x.options()).expand({x.size(0), 2});
      return x.select(1, 0) + 2 * x.select(1, 1);
    };
    at::Generator       generator = at::detail::createCPUGenerator(3);
    const torch::Tensor points =
      torch::tensor({{0.5, 0.5}}, torch::dtype(torch::kFloat64));
    WalkerStatistics   statistics;
    const unsigned int n      = 400000;
    const double       target = estimate_targets(problem,
                                           linear,
                                           points,
                                           n,
                                           5e-4,
                                           20,
                                           generator,
                                           &statistics)
                            .item<double>();
    // Exact: 1.5 + (3 - 4) 0.01; without the weights the mean is 1.5.
    deallog << "Girsanov: target - 1.49 within 4e-3 (0.01 without weights): "
            << yes(std::abs(target - 1.49) < 4e-3)
            << ", |mean weight - 1| < 5e-3: "
            << yes(std::abs(statistics.mean_weight - 1) < 5e-3) << std::endl;

    // The drift form walks the drifted paths directly: same mean, no weight.
    WalkerScheme drift;
    drift.drift          = true;
    const double drifted = estimate_targets(problem,
                                            linear,
                                            points,
                                            n,
                                            5e-4,
                                            20,
                                            generator,
                                            &statistics,
                                            drift)
                             .item<double>();
    deallog << "drift form: target - 1.49 within 4e-3: "
            << yes(std::abs(drifted - 1.49) < 4e-3)
            << ", mean weight 1: " << yes(statistics.mean_weight == 1)
            << std::endl;
  }


  // The drift form's weak error at a large micro step: Euler-Maruyama's is
  // O(dt) per unit time, Heun's O(dt^2). Targets of u = sin sin with f = 0
  // (E[u(X_Dt)]) from K = 2 steps of dt = 4e-3 against 64 steps of dt/32.
  void
  check_heun()
  {
    const auto          alpha = parser("2 + sin(2*pi*x)*cos(2*pi*y)");
    const auto          zero  = parser("0");
    const WalkerProblem problem(*alpha, *zero, *zero, Nonlinearity(), 2048);
    const torch::Tensor points =
      torch::tensor({{0.5, 0.5}, {0.4, 0.3}, {0.6, 0.45}},
                    torch::dtype(torch::kFloat64));
    const unsigned int n = 100000, K = 2;
    const double       dt = 4e-3;
    const auto         target =
      [&](const bool heun, const double step, unsigned int k) {
        at::Generator generator = at::detail::createCPUGenerator(5);
        return estimate_targets(problem,
                                sine,
                                points,
                                n,
                                step,
                                k,
                                generator,
                                nullptr,
                                antithetic_drift(heun));
      };
    const torch::Tensor reference = target(false, dt / 32, 32 * K);
    const double
      euler = (target(false, dt, K) - reference).abs().max().item<double>(),
      heun  = (target(true, dt, K) - reference).abs().max().item<double>();
    // Measured: 1.1e-3 and 2.7e-4 (1.5e-3 and 3.0e-4 with four times the
    // walkers and a reference with dt/64).
    deallog << "drift integrators at dt = 4e-3: Euler-Maruyama's error > 7e-4: "
            << yes(euler > 7e-4) << ", Heun's below 0.4 x Euler-Maruyama's: "
            << yes(heun < 0.4 * euler) << std::endl;
  }


  // The nonlinear walkers reading u and grad u of a network from a table:
  // the same walkers (same random numbers) reach the same targets as with
  // the network itself, within the interpolation error, and the gradient
  // read from the table is the network's.
  void
  check_solution_table()
  {
    const auto   alpha = parser("1 + 0.9*sin(8*pi*x)*cos(8*pi*y)");
    const auto   f     = parser("50");
    const auto   zero  = parser("0");
    Nonlinearity quadratic;
    quadratic.quadratic = true;
    const WalkerProblem problem(*alpha, *f, *zero, quadratic, 512);
    NetworkParameters   network_parameters;
    network_parameters.hidden_layers = 2;
    network_parameters.width         = 32;
    network_parameters.activation    = Activation::tanh;
    const auto          network      = create_network(network_parameters, 2, 1);
    const torch::Tensor points =
      torch::tensor({{0.5, 0.5}, {0.3, 0.7}, {0.65, 0.4}},
                    torch::dtype(torch::kFloat64));
    const auto target = [&](const FieldFunction &u) {
      // No bridge test: its random numbers depend on the positions.
      WalkerScheme scheme     = antithetic_drift(true);
      scheme.bridge_exit      = false;
      at::Generator generator = at::detail::createCPUGenerator(3);
      return estimate_targets(problem,
                              u,
                              points,
                              2000,
                              2e-4,
                              50,
                              generator,
                              nullptr,
                              scheme);
    };
    const FieldFunction exact      = network_field(*network);
    const torch::Tensor reference  = target(exact);
    const double        scale      = reference.abs().max().item<double>();
    const auto          difference = [&](const unsigned int cells) {
      return (target(tabulated_network_field(*network, cells)) - reference)
               .abs()
               .max()
               .item<double>() /
             scale;
    };
    // Measured: 3.7e-6 and 3.7e-3; the gradient 9e-6.
    const double fine = difference(128), coarse = difference(4);

    at::Generator       generator = at::detail::createCPUGenerator(4);
    const torch::Tensor x =
      torch::rand({1000, 2}, generator, torch::dtype(torch::kFloat64));
    torch::Tensor du, du_table;
    exact(x, &du);
    tabulated_network_field(*network, 128)(x, &du_table);
    const double gradient_error =
      ((du_table - du).norm() / du.norm()).item<double>();
    deallog << "solution table: targets within 1e-5 of the network's with "
               "128 cells: "
            << yes(fine < 1e-5) << ", not with 4 cells: " << yes(coarse > 1e-5)
            << ", gradient within 1e-4: " << yes(gradient_error < 1e-4)
            << std::endl;
  }


  // -(a(u) u')' = 8 with a = 1 + u^2, u(0) = u(1) = 0: the Kirchhoff
  // transform Phi(u) = u + u^3/3 satisfies -Phi'' = 8, Phi = 4 x (1 - x).
  void
  check_kirchhoff()
  {
    const Functions::ConstantFunction<1> f(8.), zero(0.);
    LinearSolverParameters               solver;
    QuasilinearDiffusionProblem<1>       problem(
      MPI_COMM_WORLD,
      64,
      3,
      [](const Point<1> &, const double u, Tensor<2, 1> &K, Tensor<2, 1> &dK) {
        K[0][0]  = 1 + u * u;
        dK[0][0] = 2 * u;
      },
      f,
      zero,
      solver);
    const unsigned int steps = problem.solve(1e-12);
    double             error = 0;
    const auto        &u     = problem.solution();
    for (const auto &cell : problem.get_dof_handler().active_cell_iterators())
      if (cell->is_locally_owned())
        for (const unsigned int v : cell->vertex_indices())
          {
            const double x   = cell->vertex(v)[0];
            const double phi = 4 * x * (1 - x);
            double       w   = phi; // Newton for w + w^3/3 = phi
            for (unsigned int k = 0; k < 50; ++k)
              w -= (w + w * w * w / 3 - phi) / (1 + w * w);
            error =
              std::max(error, std::abs(u[cell->vertex_dof_index(v, 0)] - w));
          }
    error         = Utilities::MPI::max(error, MPI_COMM_WORLD);
    const auto &r = problem.residual_history();
    deallog << "Kirchhoff 1D: Newton steps " << steps
            << ", residual reduced below 1e-12: "
            << yes(r.back() <= 1e-12 * r.front())
            << ", quadratic (last ratio r_k / r_{k-1}^2 bounded): "
            << yes(r[r.size() - 1] <=
                   100 * r[r.size() - 2] * r[r.size() - 2] / r.front() +
                     1e-14 * r.front())
            << ", max nodal error vs closed form < 1e-4: " << yes(error < 1e-4)
            << std::endl;
  }


  void
  check_homogenized_coefficient()
  {
    const auto alpha = parser("1 + 0.9*sin(2*pi*x/0.05)*cos(2*pi*y/0.05)");
    const HomogenizedCoefficient linear(*alpha, 0.05, Nonlinearity(), 32, 1, 1);
    Nonlinearity                 quadratic;
    quadratic.quadratic = true;
    const HomogenizedCoefficient nonlinear(*alpha, 0.05, quadratic, 32, 2, 5);
    deallog << "A* of 1 + 0.9 sin cos: " << std::setprecision(5)
            << linear.value(0)[0][0] << " (0.883514), off-diagonal "
            << std::abs(linear.value(0)[0][1]) << std::endl;
    deallog << "A*(s) of 1 + alpha s^2 at s = 1: " << nonlinear.value(1)[0][0]
            << " (1.94800)" << std::endl;
    // Between the table points 1 and 1.5 (h = 0.5) the cubic Hermite
    // interpolant is within 1e-3 of the cell problem at s = 1.25 (linear
    // interpolation: 5e-2 off), and its derivative is continuous.
    const HomogenizedCoefficient at_s(*alpha, 0.05, quadratic, 32, 1.25, 2);
    Tensor<2, 2>                 K, dK, K_left, dK_left, K_right, dK_right;
    nonlinear(1.25, K, dK);
    nonlinear(1.25 - 1e-6, K_left, dK_left);
    nonlinear(1.25 + 1e-6, K_right, dK_right);
    Tensor<2, 2> K_node_left, dK_node_left, K_node_right, dK_node_right;
    nonlinear(1 - 1e-9, K_node_left, dK_node_left);
    nonlinear(1 + 1e-9, K_node_right, dK_node_right);
    deallog << "A*(1.25) interpolated " << K[0][0] << ", the cell problem "
            << at_s.value(1.25)[0][0]
            << ", within 1e-3: " << yes((K - at_s.value(1.25)).norm() < 1e-3)
            << "; dA*/ds matches differences: "
            << yes((dK - (K_right - K_left) / 2e-6).norm() < 1e-6 * dK.norm())
            << ", continuous at s = 1: "
            << yes((dK_node_left - dK_node_right).norm() < 1e-6 * dK.norm())
            << ", even in u: " << yes([&] {
                 Tensor<2, 2> K_minus, dK_minus;
                 nonlinear(-1.25, K_minus, dK_minus);
                 return (K_minus - K).norm() == 0 &&
                        (dK_minus + dK).norm() == 0;
               }())
            << std::endl;
    deallog << std::setprecision(6);
  }


  void
  check_random_field()
  {
    Coefficients::GaussianRandomField<2> field(0.05);
    field.initialize(0.2, 0.5, 0.05, 256, 5);
    double    mean_log = 0, var_log = 0, gradient_error = 0;
    const int n = 100;
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i)
        {
          const Point<2> p((i + 0.5) / n, (j + 0.5) / n);
          const double   l = std::log(field.value(p));
          mean_log += l / (n * n);
          var_log += (l - 0.2) * (l - 0.2) / (n * n);
          const double h = 1e-6;
          Tensor<1, 2> fd;
          for (unsigned int d = 0; d < 2; ++d)
            {
              Point<2> q = p, r = p;
              q[d] += h;
              r[d] -= h;
              fd[d] = (field.value(q) - field.value(r)) / (2 * h);
            }
          gradient_error = std::max(gradient_error,
                                    (fd - field.gradient(p)).norm() /
                                      field.gradient(p).norm());
        }
    deallog << "Gaussian random field: mean of log a " << std::setprecision(2)
            << mean_log << " (0.2), std " << std::sqrt(var_log)
            << " (0.5), gradient matches differences: "
            << yes(gradient_error < 1e-4) << std::endl;
    deallog << std::setprecision(6);
  }


  // A tiny DFLM training: a = 1, f = 2 pi^2 sin sin, u = sin sin.
  double
  train(const unsigned int   iterations,
        const bool           resume,
        const unsigned int   checkpoint_interval,
        std::vector<double> *parameters_out)
  {
    const auto          alpha = parser("1");
    const auto          f     = parser("2*pi*pi*sin(pi*x)*sin(pi*y)");
    const auto          zero  = parser("0");
    const WalkerProblem problem(*alpha, *f, *zero, Nonlinearity(), 256);
    NetworkParameters   network_parameters;
    network_parameters.hidden_layers = 2;
    network_parameters.width         = 32;
    network_parameters.activation    = Activation::relu;
    auto               network       = create_network(network_parameters, 2, 1);
    TrainingParameters training;
    training.iterations          = iterations;
    training.learning_rate       = 1e-2;
    training.adam_beta2          = 0.99;
    training.schedule            = "exponential";
    training.decay_rate          = 0.5;
    training.decay_steps         = 200;
    training.checkpoint_interval = checkpoint_interval;
    training.checkpoint_file     = "walkers-checkpoint.pt";
    training.resume              = resume;
    WalkerParameters walker_parameters;
    walker_parameters.interior_points   = 64;
    walker_parameters.walkers_per_point = 64;
    walker_parameters.boundary_points   = 64;
    walker_parameters.scheme.antithetic = true;
    TimeSteps steps;
    steps.micro_step  = 1e-3;
    steps.micro_steps = 20;
    Trainer    trainer(training,
                    *network,
                    {"interior", "boundary"},
                    MPI_COMM_WORLD);
    WalkerLoss loss(
      problem,
      *network,
      walker_parameters,
      steps,
      [&trainer]() {
        return trainer.iteration();
      },
      MPI_COMM_WORLD);
    trainer.train([&]() {
      return loss();
    });

    if (parameters_out)
      for (const auto &p : network->parameters())
        {
          const torch::Tensor flat = p.detach().reshape({-1}).contiguous();
          parameters_out->insert(parameters_out->end(),
                                 flat.data_ptr<double>(),
                                 flat.data_ptr<double>() + flat.numel());
        }
    const std::vector<double> u = evaluate_on_grid(*network, 20);
    std::vector<double>       exact;
    for (unsigned int j = 0; j <= 20; ++j)
      for (unsigned int i = 0; i <= 20; ++i)
        exact.push_back(std::sin(M_PI * i / 20.) * std::sin(M_PI * j / 20.));
    return relative_l2_difference(u, exact);
  }


  void
  check_training_and_resume()
  {
    std::vector<double> straight, resumed;
    const double        error = train(300, false, 0, &straight);
    deallog << "tiny training (300 iterations): rel. L2 error "
            << std::setprecision(2) << error << " < 0.15: " << yes(error < 0.15)
            << std::setprecision(6) << std::endl;
    train(150, false, 150, nullptr);
    train(300, true, 150, &resumed);
    double difference = 0;
    for (unsigned int i = 0; i < straight.size(); ++i)
      difference = std::max(difference, std::abs(straight[i] - resumed[i]));
    deallog << "resumed at 150 vs uninterrupted: max parameter difference "
            << difference << std::endl;
    if (Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
      std::filesystem::remove("walkers-checkpoint.pt");
  }
} // namespace


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  torch::set_num_threads(1);
  check_time_steps();
  check_generator();
  check_periodic_table();
  check_manufactured();
  check_bridge_exit();
  check_girsanov();
  check_heun();
  check_solution_table();
  check_kirchhoff();
  check_homogenized_coefficient();
  check_random_field();
  check_training_and_resume();
}
