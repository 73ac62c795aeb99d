#include <deal.II/base/timer.h>

#include <neuhom/core/input_error.h>
#include <neuhom/methods/hybrid_pinn/hybrid_pinn.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <random>
#include <sstream>

namespace neuhom
{
  namespace hybrid_pinn
  {
    void
    HybridPINNParameters::declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Hybrid PINN");
      prm.declare_entry("Collocation points",
                        "2000",
                        Patterns::Integer(1),
                        "M: uniformly random interior points (full batch); "
                        "the residual, K_hat and Q_delta use them.");
      prm.declare_entry("Boundary condition",
                        "exact",
                        Patterns::Selection("exact|penalty"),
                        "exact: v = l(x) N(x), l = prod_a 4 x_a (1 - x_a); "
                        "penalty: the term |dOmega| mean v^2 on random "
                        "boundary points.");
      prm.declare_entry("Boundary points",
                        "0",
                        Patterns::Integer(0),
                        "Uniformly random boundary points for the penalty "
                        "(needed > 0 with 'Boundary condition = penalty').");
      prm.declare_entry("Coarse cells per direction",
                        "250",
                        Patterns::Integer(2),
                        "1/H of the coarse Q1 mesh of the state y_h.");
      prm.declare_entry("Compression radius",
                        "0",
                        Patterns::Double(0.),
                        "Radius r of the balls of Q_delta; 0 means eps/2 "
                        "(delta = eps, ball of diameter delta).");
      prm.declare_entry("Coarse update tolerance",
                        "1e-2",
                        Patterns::Double(0.),
                        "The state y_h is re-solved when K_hat has moved by "
                        "more than this since the last solve; 0: always.");
      prm.declare_entry("Coarse coefficient",
                        "isotropic",
                        Patterns::Selection("isotropic|fixed K12 and K22"),
                        "isotropic: K_hat = k I; else K_hat = [[k, K12], "
                        "[K12, K22]] with the fixed entries below (2D).");
      prm.declare_entry("Fixed K12", "0", Patterns::Double(), "");
      prm.declare_entry("Fixed K22", "1", Patterns::Double(0.), "");
      prm.declare_entry("Validation points per direction",
                        "2",
                        Patterns::Integer(1, 6),
                        "Gauss points per direction and fine cell at which "
                        "the errors against the fine FEM are measured.");
      prm.leave_subsection();
    }


    void
    HybridPINNParameters::parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Hybrid PINN");
      collocation_points      = prm.get_integer("Collocation points");
      boundary_condition      = prm.get("Boundary condition");
      boundary_points         = prm.get_integer("Boundary points");
      coarse_cells            = prm.get_integer("Coarse cells per direction");
      compression_radius      = prm.get_double("Compression radius");
      coarse_update_tolerance = prm.get_double("Coarse update tolerance");
      isotropic               = prm.get("Coarse coefficient") == "isotropic";
      k12                     = prm.get_double("Fixed K12");
      k22                     = prm.get_double("Fixed K22");
      validation_points = prm.get_integer("Validation points per direction");
      prm.leave_subsection();
      require(boundary_condition == "exact" || boundary_points > 0,
              "Hybrid PINN/Boundary points",
              "must be > 0 with 'Boundary condition = penalty'");
      require(isotropic || k22 > 0, "Hybrid PINN/Fixed K22", "must be > 0");
      require(isotropic || k12 * k12 < k22 * 1e3,
              "Hybrid PINN/Fixed K12",
              "must keep the coarse tensor positive definite");
    }


    namespace
    {
      torch::Tensor
      to_tensor(const std::vector<double> &v, const torch::TensorOptions &o)
      {
        return torch::tensor(v, torch::TensorOptions().dtype(torch::kFloat64))
          .to(o);
      }


      std::vector<double>
      to_vector(const torch::Tensor &t)
      {
        const auto d = t.detach().to(torch::kFloat64).contiguous();
        return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
      }


      template <int dim>
      torch::Tensor
      points_to_tensor(const std::vector<Point<dim>> &p,
                       const torch::TensorOptions    &o)
      {
        std::vector<double> flat;
        flat.reserve(p.size() * dim);
        for (const auto &x : p)
          for (unsigned int a = 0; a < dim; ++a)
            flat.push_back(x[a]);
        return to_tensor(flat, o).reshape(
          {static_cast<std::int64_t>(p.size()), dim});
      }
    } // namespace


    template <int dim>
    HybridPINN<dim>::HybridPINN(const HybridPINNParameters &parameters,
                                const NetworkParameters    &network_parameters,
                                const Function<dim>        &coefficient,
                                const double                eps,
                                const Function<dim>        &q,
                                const bool                  hybrid)
      : parameters(parameters)
      , hybrid(hybrid)
      , coefficient(coefficient)
      , net(create_network(network_parameters, dim, 1))
      , coarse(parameters.coarse_cells,
               q,
               parameters.isotropic,
               parameters.k12,
               parameters.k22)
    {
      // Collocation points and the data there: K, grad K (central
      // differences with step 1e-4 eps, relative error ~1e-7), f = q + d_1 K.
      std::mt19937_64                        rng(network_parameters.seed);
      std::uniform_real_distribution<double> uniform(0., 1.);
      const unsigned int                     m = parameters.collocation_points;
      std::vector<Point<dim>>                x(m);
      std::vector<double>                    k(m), gk(m * dim), f(m);
      const double                           step = 1e-4 * eps;
      for (unsigned int i = 0; i < m; ++i)
        {
          for (unsigned int a = 0; a < dim; ++a)
            x[i][a] = uniform(rng);
          k[i] = coefficient.value(x[i]);
          for (unsigned int a = 0; a < dim; ++a)
            {
              Point<dim> plus = x[i], minus = x[i];
              plus[a] += step;
              minus[a] -= step;
              gk[i * dim + a] =
                (coefficient.value(plus) - coefficient.value(minus)) /
                (2 * step);
            }
          f[i] = q.value(x[i]) + gk[i * dim];
        }
      points   = points_to_tensor(x, options());
      k_values = to_tensor(k, options());
      k_gradients =
        to_tensor(gk, options()).reshape({static_cast<std::int64_t>(m), dim});
      f_values = to_tensor(f, options());
      k_bounds = {*std::min_element(k.begin(), k.end()),
                  *std::max_element(k.begin(), k.end())};

      // Boundary points: a uniformly random face, a uniform point on it.
      std::vector<Point<dim>> z(parameters.boundary_condition == "penalty" ?
                                  parameters.boundary_points :
                                  0);
      for (auto &p : z)
        {
          const unsigned int face =
            std::min<unsigned int>(2 * dim - 1, uniform(rng) * 2 * dim);
          for (unsigned int a = 0; a < dim; ++a)
            p[a] = uniform(rng);
          p[face / 2] = face % 2;
        }
      boundary_points = points_to_tensor(z, options());

      // Q_delta as a list of (node, column, weight): the balls of radius r
      // around nodes farther than r from the boundary, the node itself
      // (a column of node_points) otherwise.
      const double              r = parameters.compression_radius > 0 ?
                                      parameters.compression_radius :
                                      eps / 2;
      std::vector<std::int64_t> rows, cols;
      std::vector<double>       weights;
      std::vector<Point<dim>>   pointwise;
      const auto               &nodes = coarse.nodes();
      for (unsigned int l = 0; l < nodes.size(); ++l)
        {
          double distance = 1;
          for (unsigned int a = 0; a < dim; ++a)
            distance = std::min({distance, nodes[l][a], 1 - nodes[l][a]});
          std::vector<std::int64_t> ball;
          if (distance > r)
            for (unsigned int i = 0; i < m; ++i)
              if (nodes[l].distance_square(x[i]) < r * r)
                ball.push_back(i);
          if (distance > r && ball.empty())
            ++empty_balls;
          if (ball.empty())
            {
              rows.push_back(l);
              cols.push_back(m + pointwise.size());
              weights.push_back(1.);
              pointwise.push_back(nodes[l]);
            }
          for (const auto i : ball)
            {
              rows.push_back(l);
              cols.push_back(i);
              weights.push_back(1. / ball.size());
            }
        }
      node_points         = points_to_tensor(pointwise, options());
      compression_nodes   = torch::tensor(rows, torch::kInt64);
      compression_cols    = torch::tensor(cols, torch::kInt64);
      compression_weights = to_tensor(weights, options());
      node_weights        = to_tensor(coarse.node_weights(), options());
      k_last              = torch::full({1},
                           std::numeric_limits<double>::quiet_NaN(),
                           torch::TensorOptions().dtype(torch::kFloat64));
    }


    template <int dim>
    torch::TensorOptions
    HybridPINN<dim>::options() const
    {
      return torch::TensorOptions().dtype(net->dtype());
    }


    template <int dim>
    std::vector<std::string>
    HybridPINN<dim>::term_names() const
    {
      std::vector<std::string> names = {"residual"};
      if (parameters.boundary_condition == "penalty")
        names.emplace_back("boundary");
      if (hybrid)
        names.emplace_back("coupling");
      return names;
    }


    template <int dim>
    ForwardDerivatives
    HybridPINN<dim>::field(const torch::Tensor &x)
    {
      auto       raw = net->raw_derivatives(x);
      const auto n   = raw.value.reshape({-1});
      const auto g   = raw.gradient.reshape({-1, dim});
      const auto d   = raw.laplacian.reshape({-1});
      if (parameters.boundary_condition == "penalty")
        return {n, g, d};
      // v = l N with l = prod_a b_a, b_a = 4 x_a (1 - x_a):
      // grad v = N grad l + l grad N, Lap v = N Lap l + 2 grad l . grad N
      // + l Lap N, d_a l = b_a' prod_{c != a} b_c, d_aa l = -8 prod_{c!=a}.
      const auto b   = 4 * x * (1 - x);
      const auto db  = 4 - 8 * x;
      const auto l   = b.prod(1);
      auto       gl  = torch::empty_like(x);
      auto       lap = torch::zeros_like(l);
      for (unsigned int a = 0; a < dim; ++a)
        {
          auto others = torch::ones_like(l);
          for (unsigned int c = 0; c < dim; ++c)
            if (c != a)
              others = others * b.select(1, c);
          gl.select(1, a).copy_(db.select(1, a) * others);
          lap = lap - 8 * others;
        }
      return {l * n,
              n.unsqueeze(1) * gl + l.unsqueeze(1) * g,
              n * lap + 2 * (gl * g).sum(1) + l * d};
    }


    template <int dim>
    torch::Tensor
    HybridPINN<dim>::field_values(const torch::Tensor &x)
    {
      const auto n = net->raw_forward(x).reshape({-1});
      if (parameters.boundary_condition == "penalty")
        return n;
      return (4 * x * (1 - x)).prod(1) * n;
    }


    template <int dim>
    torch::Tensor
    HybridPINN<dim>::compress(const torch::Tensor &v_collocation)
    {
      const auto v = node_points.size(0) > 0 ?
                       torch::cat({v_collocation, field_values(node_points)}) :
                       v_collocation;
      return torch::zeros({static_cast<std::int64_t>(coarse.n_nodes())},
                          options())
        .index_add(0,
                   compression_nodes,
                   v.index_select(0, compression_cols) * compression_weights);
    }


    template <int dim>
    torch::Tensor
    HybridPINN<dim>::upscaled_coefficient()
    {
      const auto d = field(points);
      return (k_values * (d.gradient.select(1, 0) + 1)).mean();
    }


    template <int dim>
    void
    HybridPINN<dim>::update_state(const double k_hat)
    {
      restore_state();
      double &k_wanted = *k_last.data_ptr<double>();
      if (!std::isfinite(k_wanted) ||
          std::abs(k_hat - k_wanted) > parameters.coarse_update_tolerance)
        {
          coarse.solve_state(k_hat);
          k_wanted = k_hat;
        }
    }


    template <int dim>
    void
    HybridPINN<dim>::restore_state()
    {
      const double k_wanted = k_last.template item<double>();
      if (std::isfinite(k_wanted) && (coarse.n_state_solves() == 0 ||
                                      coarse.state_coefficient() != k_wanted))
        {
          coarse.solve_state(k_wanted);
          ++restoring_solves;
        }
    }


    template <int dim>
    std::vector<torch::Tensor>
    HybridPINN<dim>::loss_terms()
    {
      const auto d = field(points);
      const auto residual =
        -(k_values * d.laplacian + (k_gradients * d.gradient).sum(1)) -
        f_values;
      std::vector<torch::Tensor> terms = {residual.square().mean()};
      if (parameters.boundary_condition == "penalty")
        terms.push_back(2. * dim *
                        field_values(boundary_points).square().mean());
      if (hybrid)
        {
          const auto k_hat = (k_values * (d.gradient.select(1, 0) + 1)).mean();
          // Outside the Voigt-Reuss bounds [min K, max K] (early in the
          // training) the coarse problem uses the nearest bound: the state
          // stays well posed, and its derivative (the adjoint part) is 0.
          const double k_raw = k_hat.template item<double>();
          const double k = std::clamp(k_raw, k_bounds.first, k_bounds.second);
          update_state(k);
          const auto y = to_tensor(std::vector<double>(coarse.state().begin(),
                                                       coarse.state().end()),
                                   options());
          const auto difference = compress(d.value) - y;
          const auto coupling   = (node_weights * difference.square()).sum();

          // Adjoint: B^T p = 2 W (Q v - y), s = p^T D y.
          const auto     g = to_vector(2 * node_weights * difference);
          Vector<double> rhs(g.begin(), g.end());
          const auto     p = coarse.solve_adjoint(rhs);
          const double   s =
            (k == k_raw) ? coarse.sensitivity(p, coarse.state()) : 0.;
          terms.push_back(coupling + s * (k_hat - k_hat.detach()));
        }
      return terms;
    }


    template <int dim>
    torch::Tensor
    HybridPINN<dim>::closed_form_coupling()
    {
      AssertThrow(parameters.isotropic,
                  ExcMessage("the closed form needs the isotropic case"));
      const auto d     = field(points);
      const auto k_hat = (k_values * (d.gradient.select(1, 0) + 1)).mean();
      // y1 = A^{-1} F, the state of k = 1 (the lazy state stays as it is).
      const auto unit = coarse.state_for(1.);
      const auto y1 =
        to_tensor(std::vector<double>(unit.begin(), unit.end()), options());
      return (node_weights * (compress(d.value) - y1 / k_hat).square()).sum();
    }


    template <int dim>
    void
    HybridPINN<dim>::set_reference(const ReferenceSolution<dim> &reference)
    {
      reference_points = points_to_tensor(reference.points, options());
      reference_values = to_tensor(reference.values, options());
      std::vector<double> g;
      reference_k_hat = 0;
      for (unsigned int i = 0; i < reference.points.size(); ++i)
        {
          for (unsigned int a = 0; a < dim; ++a)
            g.push_back(reference.gradients[i][a]);
          reference_k_hat += reference.weights[i] *
                             coefficient.value(reference.points[i]) *
                             (reference.gradients[i][0] + 1);
        }
      reference_gradients = to_tensor(g, options()).reshape({-1, dim});
      reference_weights   = to_tensor(reference.weights, options());
      reference_l2        = reference.l2_norm();
      reference_h1        = reference.h1_seminorm();
      AssertThrow(reference_l2 > 0 && reference_h1 > 0,
                  ExcMessage("the fine reference solution is zero"));
    }


    template <int dim>
    double
    HybridPINN<dim>::reference_upscaled_coefficient() const
    {
      return reference_k_hat;
    }


    template <int dim>
    Errors
    HybridPINN<dim>::errors()
    {
      AssertThrow(reference_points.defined(),
                  ExcMessage("set_reference() first"));
      torch::NoGradGuard no_grad;
      const std::int64_t n     = reference_points.size(0);
      const std::int64_t chunk = 16384;
      double             l2 = 0, h1 = 0;
      for (std::int64_t begin = 0; begin < n; begin += chunk)
        {
          const auto end = std::min(n, begin + chunk);
          const auto d   = field(reference_points.slice(0, begin, end));
          const auto w   = reference_weights.slice(0, begin, end);
          l2 += (w * (d.value - reference_values.slice(0, begin, end)).square())
                  .sum()
                  .template item<double>();
          h1 += (w * (d.gradient - reference_gradients.slice(0, begin, end))
                       .square()
                       .sum(1))
                  .sum()
                  .template item<double>();
        }
      Errors e;
      e.rel_l2 = std::sqrt(l2) / reference_l2;
      e.rel_h1 = std::sqrt(h1) / reference_h1;
      e.k_hat  = upscaled_coefficient().template item<double>();
      return e;
    }


    template <int dim>
    TrainingOutcome
    HybridPINN<dim>::train(const TrainingParameters &training,
                           const ConditionalOStream &out)
    {
      Trainer trainer(training, *net, term_names(), MPI_COMM_SELF);

      // The best iterate (smallest residual + boundary term) and the lazy
      // coarse state go into the checkpoints.
      auto best_residual =
        torch::full({1},
                    std::numeric_limits<double>::infinity(),
                    torch::TensorOptions().dtype(torch::kFloat64));
      auto best_iteration =
        torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat64));
      std::vector<torch::Tensor> best_parameters;
      for (const auto &p : net->parameters())
        best_parameters.push_back(p.detach().clone());
      // So that a resumed run reports what an uninterrupted one does, the
      // checkpoints also hold the state solves so far and the rows of the
      // convergence history (iteration, residual, rel. L2, rel. H1, K_hat,
      // state solves; one appended per validation: registered empty, it
      // takes the stored shape on resume, which may extend the training).
      const auto f64         = torch::TensorOptions().dtype(torch::kFloat64);
      auto       solves      = torch::zeros({1}, f64);
      auto       convergence = torch::zeros({0, 6}, f64);
      std::vector<torch::Tensor> state = {k_last,
                                          best_residual,
                                          best_iteration,
                                          solves};
      state.insert(state.end(), best_parameters.begin(), best_parameters.end());
      state.push_back(convergence);
      trainer.add_checkpoint_state(state);

      // The state solves of this run and of the runs before the resume
      // (read from the checkpoint when train() starts, before the first
      // loss evaluation).
      bool       counting      = false;
      double     solves_before = 0;
      const auto count_solves  = [&]() {
        if (!counting)
          {
            solves_before = solves.template item<double>();
            counting      = true;
          }
        return solves_before + coarse.n_state_solves() - restoring_solves;
      };

      const bool penalty = (parameters.boundary_condition == "penalty");
      const auto loss    = [&]() {
        auto         terms = loss_terms();
        const double pinn  = terms[0].template item<double>() +
                            (penalty ? terms[1].template item<double>() : 0.);
        if (pinn < best_residual.template item<double>())
          {
            torch::NoGradGuard no_grad;
            best_residual.fill_(pinn);
            best_iteration.fill_(static_cast<double>(trainer.iteration()));
            const auto current = net->parameters();
            for (unsigned int i = 0; i < current.size(); ++i)
              best_parameters[i].copy_(current[i]);
          }
        solves.fill_(count_solves());
        return terms;
      };

      if (reference_points.defined())
        trainer.set_validation([&]() {
          const Errors       e   = errors();
          const std::int64_t row = convergence.size(0);
          convergence.resize_({row + 1, 6});
          convergence[row].copy_(
            torch::tensor({trainer.iteration() + 1.,
                           best_residual.template item<double>(),
                           e.rel_l2,
                           e.rel_h1,
                           e.k_hat,
                           count_solves()},
                          f64));
          return e.rel_l2;
        });

      Timer           timer;
      TrainingOutcome outcome;
      outcome.result  = trainer.train(loss, out);
      outcome.seconds = timer.wall_time();
      {
        torch::NoGradGuard no_grad;
        const auto         current = net->parameters();
        for (unsigned int i = 0; i < current.size(); ++i)
          current[i].copy_(best_parameters[i]);
      }
      outcome.best_iteration =
        static_cast<unsigned int>(best_iteration.template item<double>());
      outcome.best_residual = best_residual.template item<double>();
      if (reference_points.defined())
        outcome.errors = errors();
      else
        outcome.errors.k_hat = upscaled_coefficient().template item<double>();
      // A resumed run that had already finished did no iteration: y_h is
      // still to be restored for the callers of coarse_state().
      if (hybrid)
        restore_state();
      outcome.state_solves = count_solves();
      std::ostringstream csv;
      csv << "iteration,residual,rel_l2_error,rel_h1_error,k_hat,"
             "state_solves\n"
          << std::scientific << std::setprecision(8);
      for (std::int64_t i = 0; i < convergence.size(0); ++i)
        {
          const auto r = convergence[i];
          csv << r[0].template item<std::int64_t>() << ','
              << r[1].template item<double>() << ','
              << r[2].template item<double>() << ','
              << r[3].template item<double>() << ','
              << r[4].template item<double>() << ','
              << r[5].template item<std::int64_t>() << '\n';
        }
      outcome.convergence_csv = csv.str();
      return outcome;
    }


    template <int dim>
    std::vector<double>
    HybridPINN<dim>::values(const std::vector<Point<dim>> &x)
    {
      torch::NoGradGuard no_grad;
      return to_vector(field_values(points_to_tensor(x, options())));
    }


    template <int dim>
    std::vector<double>
    HybridPINN<dim>::compressed_values()
    {
      torch::NoGradGuard no_grad;
      return to_vector(compress(field_values(points)));
    }


    template <int dim>
    Network &
    HybridPINN<dim>::network()
    {
      return *net;
    }


    template <int dim>
    CoarseState<dim> &
    HybridPINN<dim>::coarse_state()
    {
      return coarse;
    }


    template <int dim>
    unsigned int
    HybridPINN<dim>::n_empty_balls() const
    {
      return empty_balls;
    }


    template class HybridPINN<1>;
    template class HybridPINN<2>;
  } // namespace hybrid_pinn
} // namespace neuhom
