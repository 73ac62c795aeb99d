#include <deal.II/base/mpi.h>

#include <neuhom/core/coefficients.h>
#include <neuhom/core/input_error.h>
#include <neuhom/methods/walkers/walker_loss.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace neuhom
{
  namespace walkers
  {
    void
    WalkerParameters::declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Walkers");
      prm.declare_entry("Interior points",
                        "400",
                        Patterns::Integer(1),
                        "N_r walker starts, uniform in the square, redrawn "
                        "every iteration (summed over the MPI ranks).");
      prm.declare_entry("Walkers per point",
                        "300",
                        Patterns::Integer(1),
                        "N_s Brownian walkers averaged into one target.");
      prm.declare_entry("Boundary points",
                        "400",
                        Patterns::Integer(0),
                        "N_b points of the boundary loss, uniform on the "
                        "boundary, redrawn every iteration.");
      prm.declare_entry("Boundary weight",
                        "1",
                        Patterns::Double(0.),
                        "Weight of the boundary MSE next to the interior one.");
      prm.declare_entry("Iterations per target",
                        "1",
                        Patterns::Integer(1, 1000),
                        "m: the points and their walker targets are drawn "
                        "every m-th iteration and kept for m optimizer steps "
                        "(the walkers dominate the cost of an iteration, the "
                        "fit of a few hundred points does not). 1: the "
                        "paper's new points and targets every iteration.");
      prm.declare_entry("Antithetic walkers",
                        "false",
                        Patterns::Bool(),
                        "Pair the walkers of a point: the second of a pair "
                        "takes the negated Brownian increments of the first "
                        "(mirrored path). Unbiased; removes the noise that is "
                        "linear in the increments (not in the paper). Needs "
                        "an even number of walkers per point.");
      prm.declare_entry(
        "Estimator",
        "girsanov",
        Patterns::Selection("girsanov|drift"),
        "girsanov: Brownian walkers with the Girsanov weight exp(int V.dB - "
        "1/2 int |V|^2 ds) (the paper's Eq. 16). drift: walkers with the "
        "drift, dX = V dt + dB, and no weight (Eq. 8, the original DFLM). "
        "The weight's variance grows with int |V|^2 ds = O(Dt/eps^2), so "
        "long macro steps (a macro-step schedule) need the drift form.");
      prm.declare_entry(
        "Drift integrator",
        "Euler-Maruyama",
        Patterns::Selection("Euler-Maruyama|Heun"),
        "For Estimator = drift. Euler-Maruyama: X += V(X) dt + dB, source "
        "G(X) dt (the paper's scheme). Heun: the drift and the source "
        "averaged over X and the Euler-Maruyama end point (weak order 2 "
        "for this additive noise), one more drift evaluation per step. "
        "Euler-Maruyama's chain spends too long where a is small: with the "
        "rule's dt (m0 = 12) and a = 1 + 0.9 sin cos its mean of 1/a is 3 % "
        "too large, and so is the solution it learns; Heun's is within "
        "0.5 % (contrib/step-7-invariant-measure.py).");
      prm.declare_entry(
        "Exit test",
        "Brownian bridge",
        Patterns::Selection("Brownian bridge|end point"),
        "end point: a walker leaves the square when a step ends outside it; "
        "walkers that cross and come back within a step are missed, a bias "
        "of order sqrt(dt) near the boundary. Brownian bridge: also stop a "
        "walker that ends inside with the probability exp(-2 d_0 d_1 / dt) "
        "per face that its path crossed the face (d_0, d_1: the distances "
        "of the step's ends to the face); a random number only for the "
        "walkers that end a step within reach of a face.");
      prm.declare_entry("Table points per eps",
                        "24",
                        Patterns::Integer(2, 1000),
                        "The walkers read alpha, grad alpha, f and g from "
                        "tables on a uniform grid with this many cells per eps "
                        "(at least 256 cells per direction), by bilinear "
                        "interpolation.");
      prm.declare_entry(
        "Periodic table",
        "true",
        Patterns::Bool(),
        "true: when alpha repeats with period eps (checked at the table's "
        "nodes and cell centres), the walkers read it from a table of one "
        "period at the same resolution, which stays in the cache (about 2x "
        "faster at eps = 0.01), and f from 256^2 cells when these reproduce "
        "it. false: alpha and f from the table of the square (for "
        "comparison).");
      prm.declare_entry(
        "Solution table cells",
        "0",
        Patterns::Integer(0, 4096),
        "Nonlinear coefficient a(x, u) only. 0: the walkers evaluate u and "
        "grad u of the previous network (a forward and a backward pass) at "
        "every micro step. n > 0: u and grad u of the network are evaluated "
        "once per target update at the (n+1)^2 nodes of a uniform grid, and "
        "the walkers read them by bilinear interpolation, which costs about "
        "as much as reading the coefficient. The homogenized solution is "
        "smooth on the unit scale: 128 cells keep the interpolation error "
        "near 1e-4 of u.");
      prm.declare_entry("Seed",
                        "1",
                        Patterns::Integer(0),
                        "Seed of the samples and walkers.");
      prm.leave_subsection();
      TimeStepParameters::declare_parameters(prm);
    }


    void
    WalkerParameters::parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Walkers");
      interior_points       = prm.get_integer("Interior points");
      walkers_per_point     = prm.get_integer("Walkers per point");
      boundary_points       = prm.get_integer("Boundary points");
      boundary_weight       = prm.get_double("Boundary weight");
      iterations_per_target = prm.get_integer("Iterations per target");
      table_points_per_eps  = prm.get_integer("Table points per eps");
      solution_table_cells  = prm.get_integer("Solution table cells");
      periodic_table        = prm.get_bool("Periodic table");
      scheme.antithetic     = prm.get_bool("Antithetic walkers");
      scheme.drift          = prm.get("Estimator") == "drift";
      scheme.heun           = prm.get("Drift integrator") == "Heun";
      scheme.bridge_exit    = prm.get("Exit test") == "Brownian bridge";
      seed                  = prm.get_integer("Seed");
      prm.leave_subsection();
      require(!scheme.heun || scheme.drift,
              "Walkers/Drift integrator",
              "Heun integrates the drift of Estimator = drift; the Girsanov "
              "walkers have none");
      require(!scheme.antithetic || walkers_per_point % 2 == 0,
              "Walkers/Walkers per point",
              "must be even with antithetic walkers");
      time_steps.parse_parameters(prm);
    }


    namespace
    {
      // Walkers that end a step inside may have left the square within it:
      // given its ends, the step (a Brownian bridge) crosses the face x_d = c
      // with probability exp(-2 d_0 d_1 / dt), d_0 and d_1 the distances of
      // the ends to the face, independently for the four faces (per
      // component, and the two faces of one component are far apart next to
      // sqrt(dt)); a drift that is constant over the step does not change
      // the bridge. A walker that crossed stops on the face it most likely
      // crossed, at its end point projected onto it. Only the walkers within
      // reach of a face draw a random number, so the test costs one pass.
      void
      stop_bridge_crossings(const std::vector<double> &b,
                            const std::vector<char>   &is_alive,
                            const double               dt,
                            at::Generator             &generator,
                            std::vector<double>       &b_new,
                            std::vector<char>         &is_outside)
      {
        // exp(-40) is below the resolution of the survival probability.
        constexpr double negligible = 40;

        std::vector<std::size_t> walkers, faces;
        std::vector<double>      stays;
        for (std::size_t i = 0; i < is_alive.size(); ++i)
          {
            if (!is_alive[i] || is_outside[i])
              continue;
            double      stay = 1, most_likely = 0;
            std::size_t face = 0;
            for (std::size_t f = 0; f < 4; ++f)
              {
                // Face f: x_{f mod 2} = 0 for f < 2, = 1 otherwise.
                const std::size_t d        = 2 * i + f % 2;
                const double      d0       = f < 2 ? b[d] : 1 - b[d];
                const double      d1       = f < 2 ? b_new[d] : 1 - b_new[d];
                const double      exponent = 2 * d0 * d1 / dt;
                if (exponent > negligible)
                  continue;
                const double p = std::exp(-exponent);
                stay *= 1 - p;
                if (p > most_likely)
                  {
                    most_likely = p;
                    face        = f;
                  }
              }
            if (most_likely > 0)
              {
                walkers.push_back(i);
                faces.push_back(face);
                stays.push_back(stay);
              }
          }
        if (walkers.empty())
          return;
        const torch::Tensor uniform =
          torch::rand({static_cast<std::int64_t>(walkers.size())},
                      generator,
                      torch::dtype(torch::kFloat64));
        const double *u = uniform.data_ptr<double>();
        for (std::size_t k = 0; k < walkers.size(); ++k)
          if (u[k] >= stays[k])
            {
              const std::size_t i         = walkers[k];
              is_outside[i]               = true;
              b_new[2 * i + faces[k] % 2] = faces[k] < 2 ? 0. : 1.;
            }
      }


      // A field's values (M) and gradients (M, 2) at the points b (M, 2),
      // as contiguous float64.
      void
      evaluate_field(const FieldFunction       &u,
                     const std::vector<double> &b,
                     torch::Tensor             &value,
                     torch::Tensor             &gradient)
      {
        const torch::Tensor x =
          torch::from_blob(const_cast<double *>(b.data()),
                           {static_cast<std::int64_t>(b.size() / 2), 2},
                           torch::dtype(torch::kFloat64));
        value    = u(x, &gradient).to(torch::kFloat64).contiguous();
        gradient = gradient.to(torch::kFloat64).contiguous();
      }
    } // namespace


    torch::Tensor
    estimate_targets(const WalkerProblem &problem,
                     const FieldFunction &u,
                     const torch::Tensor &x,
                     const unsigned int   n_walkers,
                     const double         dt,
                     const unsigned int   K,
                     at::Generator       &generator,
                     WalkerStatistics    *statistics,
                     const WalkerScheme  &scheme)
    {
      AssertThrow(!scheme.antithetic || n_walkers % 2 == 0,
                  ExcMessage("antithetic walkers come in pairs"));
      torch::NoGradGuard  no_grad;
      const auto          options = torch::dtype(torch::kFloat64);
      const std::int64_t  N       = x.size(0);
      const std::size_t   M       = N * n_walkers;
      const torch::Tensor starts =
        x.to(torch::kFloat64).repeat_interleave(n_walkers, 0).contiguous();
      // The walkers' state in plain arrays: the micro steps are a loop over
      // walkers, and only the random numbers and the solution's values
      // (network or table, batched) come from tensor operations.
      std::vector<double> B(starts.data_ptr<double>(),
                            starts.data_ptr<double>() + 2 * M);
      std::vector<double> B_new(2 * M), predicted(2 * M), dB(2 * M), V(2 * M);
      std::vector<double> G(M), reward(M, 0.), log_weight(M, 0.);
      std::vector<char>   alive(M, true), outside(M, false);
      const double        sqrt_dt   = std::sqrt(dt);
      const bool          nonlinear = problem.depends_on_solution();
      const double        inf       = std::numeric_limits<double>::infinity();
      const bool          heun      = scheme.drift && scheme.heun;

      torch::Tensor value, gradient, value_p, gradient_p;
      for (unsigned int k = 0; k < K; ++k)
        {
          if (nonlinear)
            evaluate_field(u, B, value, gradient);
          const double *u_0 = nonlinear ? value.data_ptr<double>() : nullptr;
          const double *du_0 =
            nonlinear ? gradient.data_ptr<double>() : nullptr;
          // Walker 2j + 1 of a point takes the mirrored steps of walker 2j:
          // its path is the reflection 2x - B of the other's.
          const torch::Tensor Z = torch::randn(
            {static_cast<std::int64_t>(scheme.antithetic ? M / 2 : M), 2},
            generator,
            options);
          const double *z = Z.data_ptr<double>();
          for (std::size_t i = 0; i < M; ++i)
            {
              const double *zi =
                scheme.antithetic ? z + 2 * (i / 2) : z + 2 * i;
              const double sign = scheme.antithetic && i % 2 == 1 ? -1 : 1;
              for (unsigned int d = 0; d < 2; ++d)
                dB[2 * i + d] = sqrt_dt * (sign * zi[d]);
              problem.drift_and_source(&B[2 * i],
                                       nonlinear ? u_0[i] : 0.,
                                       nonlinear ? du_0 + 2 * i : nullptr,
                                       &V[2 * i],
                                       G[i]);
              // Heun's predictor: the Euler-Maruyama end point (in the
              // square: the tables end there).
              if (heun)
                for (unsigned int d = 0; d < 2; ++d)
                  predicted[2 * i + d] =
                    std::clamp(B[2 * i + d] + dB[2 * i + d] + dt * V[2 * i + d],
                               0.,
                               1.);
            }

          if (heun && nonlinear)
            evaluate_field(u, predicted, value_p, gradient_p);
          const double *u_p =
            heun && nonlinear ? value_p.data_ptr<double>() : nullptr;
          const double *du_p =
            heun && nonlinear ? gradient_p.data_ptr<double>() : nullptr;
          for (std::size_t i = 0; i < M; ++i)
            {
              double *const Vi  = &V[2 * i];
              double *const dBi = &dB[2 * i];
              if (heun)
                {
                  // Drift and source averaged over both ends.
                  double V_p[2], G_p;
                  problem.drift_and_source(&predicted[2 * i],
                                           nonlinear ? u_p[i] : 0.,
                                           nonlinear ? du_p + 2 * i : nullptr,
                                           V_p,
                                           G_p);
                  for (unsigned int d = 0; d < 2; ++d)
                    Vi[d] = 0.5 * (Vi[d] + V_p[d]);
                  G[i] = 0.5 * (G[i] + G_p);
                }
              // Left-point (Ito) sums of Eq. (19), or Heun's averages.
              if (alive[i])
                {
                  reward[i] += G[i] * dt;
                  if (!scheme.drift)
                    log_weight[i] += (Vi[0] * dBi[0] + Vi[1] * dBi[1]) -
                                     0.5 * dt * (Vi[0] * Vi[0] + Vi[1] * Vi[1]);
                }
              if (scheme.drift)
                for (unsigned int d = 0; d < 2; ++d)
                  dBi[d] += dt * Vi[d];

              // Exit point: the first crossing of the step B -> B_new with
              // the boundary, t* = min_d t_d, t_d the parameter where
              // component d leaves [0, 1].
              bool   leaves = false;
              double t_exit = inf;
              for (unsigned int d = 0; d < 2; ++d)
                {
                  const double b0 = B[2 * i + d], b1 = b0 + dBi[d];
                  B_new[2 * i + d] = b1;
                  if (b1 < 0)
                    t_exit = std::min(t_exit, b0 / (b0 - b1));
                  if (b1 > 1)
                    t_exit = std::min(t_exit, (1 - b0) / (b1 - b0));
                  leaves = leaves || b1 < 0 || b1 > 1;
                }
              outside[i] = alive[i] && leaves;
              if (outside[i])
                {
                  t_exit = std::clamp(t_exit, 0., 1.);
                  for (unsigned int d = 0; d < 2; ++d)
                    B_new[2 * i + d] =
                      std::clamp(B[2 * i + d] + t_exit * dBi[d], 0., 1.);
                }
            }
          if (scheme.bridge_exit)
            stop_bridge_crossings(B, alive, dt, generator, B_new, outside);
          for (std::size_t i = 0; i < M; ++i)
            if (alive[i])
              {
                B[2 * i]     = B_new[2 * i];
                B[2 * i + 1] = B_new[2 * i + 1];
                alive[i]     = !outside[i];
              }
        }

      const torch::Tensor end_points =
        torch::from_blob(B.data(), {static_cast<std::int64_t>(M), 2}, options)
          .clone();
      const torch::Tensor is_alive =
        torch::from_blob(alive.data(),
                         {static_cast<std::int64_t>(M)},
                         torch::kChar)
          .to(torch::kBool);
      const torch::Tensor end_value =
        torch::where(is_alive,
                     u(end_points, nullptr).to(torch::kFloat64),
                     problem.boundary_values(end_points));
      const torch::Tensor weight =
        torch::from_blob(log_weight.data(),
                         {static_cast<std::int64_t>(M)},
                         options)
          .exp();
      const torch::Tensor q =
        (end_value - torch::from_blob(reward.data(),
                                      {static_cast<std::int64_t>(M)},
                                      options)) *
        weight;
      if (statistics)
        {
          statistics->walkers     = M;
          statistics->exited      = (~is_alive).sum().item<std::int64_t>();
          statistics->mean_weight = weight.mean().item<double>();
        }
      return q.view({N, n_walkers}).mean(1);
    }


    FieldFunction
    network_field(Network &network)
    {
      return [&network](const torch::Tensor &x,
                        torch::Tensor       *gradient) -> torch::Tensor {
        const torch::Tensor xn = x.to(network.dtype());
        if (gradient == nullptr)
          {
            torch::NoGradGuard no_grad;
            return network.forward(xn).select(1, 0).to(torch::kFloat64);
          }
        torch::AutoGradMode enable(true);
        const torch::Tensor xg = xn.detach().requires_grad_(true);
        const torch::Tensor u  = network.forward(xg).select(1, 0);
        *gradient = torch::autograd::grad({u.sum()}, {xg})[0].detach().to(
          torch::kFloat64);
        return u.detach().to(torch::kFloat64);
      };
    }


    namespace
    {
      // The (n+1)^2 nodes of the uniform grid of the unit square, x fastest:
      // (n+1)^2 x 2, float64.
      torch::Tensor
      grid_nodes(const unsigned int n)
      {
        const torch::Tensor t =
          torch::linspace(0., 1., n + 1, torch::dtype(torch::kFloat64));
        const auto grid = torch::meshgrid({t, t}, "ij"); // (y, x)
        return torch::stack({grid[1].reshape({-1}), grid[0].reshape({-1})}, 1);
      }
    } // namespace


    FieldFunction
    tabulated_network_field(Network &network, const unsigned int n)
    {
      AssertThrow(n > 0, ExcMessage("a table needs at least one cell"));
      const FieldFunction        exact = network_field(network);
      std::vector<torch::Tensor> rows;
      for (const auto &chunk : grid_nodes(n).split(65536))
        {
          torch::Tensor       gradient;
          const torch::Tensor u = exact(chunk, &gradient);
          rows.push_back(torch::cat({u.unsqueeze(1), gradient}, 1));
        }
      const auto table =
        std::make_shared<const TabulatedField>(torch::cat(rows, 0), n);
      return [table](const torch::Tensor &x,
                     torch::Tensor       *gradient) -> torch::Tensor {
        using torch::indexing::Slice;
        const torch::Tensor values = (*table)(x);
        if (gradient != nullptr)
          *gradient = values.index({Slice(), Slice(1, 3)});
        return values.select(1, 0);
      };
    }


    namespace
    {
      // This rank's share of n points.
      unsigned int
      local_share(const unsigned int n, MPI_Comm comm)
      {
        const unsigned int size = Utilities::MPI::n_mpi_processes(comm);
        const unsigned int rank = Utilities::MPI::this_mpi_process(comm);
        return n / size + (rank < n % size ? 1 : 0);
      }


      // The first of this rank's share of n points.
      unsigned int
      local_offset_of(const unsigned int n, MPI_Comm comm)
      {
        const unsigned int size = Utilities::MPI::n_mpi_processes(comm);
        const unsigned int rank = Utilities::MPI::this_mpi_process(comm);
        return rank * (n / size) + std::min(rank, n % size);
      }


      // The concatenation over the ranks (in rank order) of a float64 tensor
      // whose first dimension is split among them.
      torch::Tensor
      gather_over_ranks(const torch::Tensor &local, MPI_Comm comm)
      {
        const torch::Tensor       c = local.contiguous();
        const std::vector<double> mine(c.data_ptr<double>(),
                                       c.data_ptr<double>() + c.numel());
        std::vector<double>       all;
        for (const auto &part : Utilities::MPI::all_gather(comm, mine))
          all.insert(all.end(), part.begin(), part.end());
        std::vector<std::int64_t> sizes = c.sizes().vec();
        sizes[0]                        = -1;
        return torch::tensor(all, torch::dtype(torch::kFloat64)).reshape(sizes);
      }
    } // namespace


    WalkerLoss::WalkerLoss(const WalkerProblem             &problem,
                           Network                         &network,
                           const WalkerParameters          &parameters,
                           const TimeSteps                 &steps,
                           const std::function<unsigned()> &iteration,
                           MPI_Comm                         comm)
      : problem(problem)
      , network(network)
      , parameters(parameters)
      , steps(steps)
      , iteration(iteration)
      , rank(Utilities::MPI::this_mpi_process(comm))
      , local_interior(local_share(parameters.interior_points, comm))
      , local_boundary(local_share(parameters.boundary_points, comm))
      , local_offset(local_offset_of(parameters.interior_points, comm))
      , comm(comm)
    {
      if (parameters.iterations_per_target > 1)
        {
          const auto options = torch::dtype(torch::kFloat64);
          frozen_points =
            torch::zeros({parameters.interior_points, 2}, options);
          frozen_targets = torch::zeros({parameters.interior_points}, options);
        }
    }


    std::vector<torch::Tensor>
    WalkerLoss::checkpoint_state() const
    {
      if (parameters.iterations_per_target > 1)
        return {frozen_points, frozen_targets};
      return {};
    }


    std::vector<torch::Tensor>
    WalkerLoss::operator()()
    {
      const double seed =
        Coefficients::uniform_hash(parameters.seed, {{iteration(), rank, 7}});
      at::Generator generator = at::detail::createCPUGenerator(
        static_cast<std::uint64_t>(seed * 0x1.0p53));
      const auto options = torch::dtype(torch::kFloat64);

      const unsigned int n = iteration();
      const unsigned int m = parameters.iterations_per_target;
      torch::Tensor      x, target;
      if (n % m == 0)
        {
          x = torch::rand({local_interior, 2}, generator, options);
          const bool tabulate = problem.depends_on_solution() &&
                                parameters.solution_table_cells > 0;
          target = estimate_targets(
            problem,
            tabulate ?
              tabulated_network_field(network,
                                      parameters.solution_table_cells) :
              network_field(network),
            x,
            parameters.walkers_per_point,
            steps.micro_step,
            steps.micro_steps_at(n),
            generator,
            &statistics,
            parameters.scheme);
          if (m > 1)
            {
              torch::NoGradGuard no_grad;
              frozen_points.copy_(gather_over_ranks(x, comm));
              frozen_targets.copy_(gather_over_ranks(target, comm));
            }
        }
      else
        {
          x      = frozen_points.narrow(0, local_offset, local_interior);
          target = frozen_targets.narrow(0, local_offset, local_interior);
        }
      const torch::Tensor u =
        network.forward(x.to(network.dtype())).select(1, 0);
      const torch::Tensor interior =
        (u - target.to(u.scalar_type())).square().sum() /
        static_cast<double>(parameters.interior_points);

      // Boundary points: a uniform position along the perimeter of length 4.
      torch::Tensor boundary = torch::zeros({}, u.options());
      if (parameters.boundary_points > 0)
        {
          const torch::Tensor s =
            4 * torch::rand({local_boundary}, generator, options);
          const torch::Tensor side = s.floor().clamp_max(3);
          const torch::Tensor r    = s - side;
          const torch::Tensor xb   = torch::stack(
            {torch::where(side == 0,
                          r,
                          torch::where(side == 1,
                                       torch::ones_like(r),
                                       torch::where(side == 2,
                                                    1 - r,
                                                    torch::zeros_like(r)))),
               torch::where(side == 0,
                          torch::zeros_like(r),
                          torch::where(side == 1,
                                       r,
                                       torch::where(side == 2,
                                                    torch::ones_like(r),
                                                    1 - r)))},
            1);
          const torch::Tensor ub =
            network.forward(xb.to(network.dtype())).select(1, 0);
          const torch::Tensor g =
            problem.boundary_values(xb).to(ub.scalar_type());
          boundary = parameters.boundary_weight * (ub - g).square().sum() /
                     static_cast<double>(parameters.boundary_points);
        }
      return {interior, boundary};
    }


    std::vector<double>
    evaluate_on_grid(Network &network, const unsigned int n)
    {
      torch::NoGradGuard  no_grad;
      const torch::Tensor x = grid_nodes(n);
      std::vector<double> values;
      values.reserve(x.size(0));
      for (const auto &chunk : x.split(65536))
        {
          const torch::Tensor u = network.forward(chunk.to(network.dtype()))
                                    .select(1, 0)
                                    .to(torch::kFloat64)
                                    .contiguous();
          values.insert(values.end(),
                        u.data_ptr<double>(),
                        u.data_ptr<double>() + u.numel());
        }
      return values;
    }
  } // namespace walkers
} // namespace neuhom
