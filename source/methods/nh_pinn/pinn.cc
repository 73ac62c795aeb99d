#include <neuhom/nn/torch.h>
// torch first (deal.II's Assert macro)

#include <deal.II/base/timer.h>

#include <neuhom/core/input_error.h>
#include <neuhom/core/summary.h>
#include <neuhom/methods/nh_pinn/pinn.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <sstream>

namespace neuhom
{
  namespace nh_pinn
  {
    namespace
    {
      using torch::indexing::None;
      using torch::indexing::Slice;

      // dy/dx for y of shape (N, 1) or (N), differentiable again.
      torch::Tensor
      gradient(const torch::Tensor &y, const torch::Tensor &x)
      {
        return torch::autograd::grad({y.sum()}, {x}, {}, true, true)[0];
      }

      torch::Tensor
      to_tensor(const std::vector<double> &values,
                const std::int64_t         columns,
                const torch::Dtype         dtype)
      {
        const std::int64_t rows =
          static_cast<std::int64_t>(values.size()) / columns;
        return torch::tensor(values, torch::kFloat64)
          .reshape({rows, columns})
          .to(dtype);
      }

      // This rank's rows of a tensor: rows rank, rank + size, ...
      torch::Tensor
      local_rows(const torch::Tensor &x, const MPI_Comm comm)
      {
        return x.index({Slice(Utilities::MPI::this_mpi_process(comm),
                              None,
                              Utilities::MPI::n_mpi_processes(comm))});
      }

      // The nodes a, a + h, ..., b of a uniform grid with n points.
      std::vector<double>
      uniform(const double a, const double b, const unsigned int n)
      {
        std::vector<double> p(n);
        for (unsigned int k = 0; k < n; ++k)
          p[k] = n > 1 ? a + (b - a) * k / (n - 1) : 0.5 * (a + b);
        return p;
      }

      // All tensor-product points of the given coordinate lists, the first
      // list fastest, flattened row-wise.
      std::vector<double>
      tensor_product(const std::vector<std::vector<double>> &coordinates)
      {
        std::vector<double> points;
        std::size_t         n = 1;
        for (const auto &c : coordinates)
          n *= c.size();
        for (std::size_t i = 0; i < n; ++i)
          {
            std::size_t rest = i;
            for (const auto &c : coordinates)
              {
                points.push_back(c[rest % c.size()]);
                rest /= c.size();
              }
          }
        return points;
      }

      std::vector<double>
      to_vector(const torch::Tensor &t)
      {
        const auto c = t.to(torch::kFloat64).contiguous().reshape({-1});
        return std::vector<double>(c.data_ptr<double>(),
                                   c.data_ptr<double>() + c.numel());
      }

      // The rows (x_1 .. x_n, t) of a list of points as a tensor.
      torch::Tensor
      points_tensor(const std::vector<std::vector<double>> &points,
                    const torch::Dtype                      dtype)
      {
        std::vector<double> flat;
        for (const auto &p : points)
          flat.insert(flat.end(), p.begin(), p.end());
        return to_tensor(flat, points.front().size(), dtype);
      }

      // The subsections of the network and training of a PINN, with the
      // paper's defaults (Tanh MLP, 3 hidden layers of 64, Adam).
      void
      declare_network_and_training(ParameterHandler  &prm,
                                   const unsigned int layers)
      {
        NetworkParameters::declare_parameters(prm);
        TrainingParameters::declare_parameters(prm);
        prm.enter_subsection("Network");
        prm.set("Hidden layers", std::to_string(layers));
        prm.leave_subsection();
        prm.enter_subsection("Training");
        prm.set("Validation interval", "10");
        prm.set("Checkpoint interval", "100");
        prm.leave_subsection();
      }

      void
      check_training(const TrainingParameters &training,
                     const NetworkParameters  &network,
                     const std::string        &section,
                     const std::size_t         n_terms)
      {
        require(network.dtype == torch::kFloat64,
                section + "/Network/Precision",
                "NH-PINN trains in float64");
        require(training.validation_interval > 0,
                section + "/Training/Validation interval",
                "must be > 0: the test errors are recorded there");
        require(training.initial_weights.empty() ||
                  training.initial_weights.size() == n_terms,
                section + "/Training/Initial weights",
                "give one weight per loss term (" + std::to_string(n_terms) +
                  ") or none");
      }

      // Train with the optimizer of "Training" (Adam in the paper), then,
      // with @p lbfgs_iterations > 0, refine by L-BFGS (strong Wolfe line
      // search, lr 1). Every validation interval of either stage the
      // test errors are recorded, numbered by iteration (an
      // L-BFGS outer iteration counts as its inner iterations).
      //
      // Each stage writes its own checkpoint, and next to it the test errors
      // recorded so far ("<stage>-checkpoint-errors.csv", 17 digits, rewritten
      // at every validation). With "Resume = true" a stage continues from its
      // checkpoint with the errors recorded up to there, and a finished
      // stage restores its final state without training; a stage without a
      // checkpoint file (the run was stopped before it) starts afresh. So a
      // run stopped in any stage and resumed gives the numbers of an
      // uninterrupted run.
      TrainingResult
      train_in_stages(const TrainingParameters       &training,
                      const unsigned int              lbfgs_iterations,
                      torch::nn::Module              &module,
                      const std::vector<std::string> &names,
                      const MPI_Comm                  comm,
                      const Trainer::LossFunction    &loss,
                      const std::function<std::vector<double>()> &test,
                      ErrorHistory                               &errors,
                      const ConditionalOStream                   &out)
      {
        errors              = ErrorHistory();
        unsigned int   done = 0;
        TrainingResult result;
        auto           stage = [&](TrainingParameters parameters,
                         const unsigned int scale) {
          const std::string errors_file =
            parameters.checkpoint_file
              .substr(0, parameters.checkpoint_file.size() - 3) +
            "-checkpoint-errors.csv";
          std::vector<std::vector<double>> records;
          if (parameters.resume &&
              !std::filesystem::exists(parameters.checkpoint_file))
            {
              parameters.resume = false;
              if (out.is_active())
                out.get_stream()
                  << "  no checkpoint '" << parameters.checkpoint_file
                  << "' yet: this stage starts from the beginning" << std::endl;
            }
          if (parameters.resume && std::filesystem::exists(errors_file))
            {
              std::ifstream in(errors_file);
              std::string   line;
              while (std::getline(in, line))
                {
                  records.emplace_back();
                  for (const auto &v : Utilities::split_string_list(line))
                    records.back().push_back(std::strtod(v.c_str(), nullptr));
                }
            }
          Trainer            trainer(parameters, module, names, comm);
          const unsigned int interval = parameters.validation_interval;
          auto               save     = [&]() {
            if (parameters.checkpoint_interval == 0 ||
                Utilities::MPI::this_mpi_process(comm) != 0)
              return;
            std::ostringstream text;
            text << std::setprecision(17);
            for (const auto &row : records)
              for (std::size_t k = 0; k < row.size(); ++k)
                text << row[k] << (k + 1 < row.size() ? "," : "\n");
            write_file_atomically(errors_file, text.str());
          };
          trainer.set_validation([&]() {
            // Row r is the validation after iteration (r + 1) * interval;
            // rows from after the checkpoint are recomputed on resume.
            records.resize((trainer.iteration() + 1) / interval - 1);
            records.push_back(test());
            save();
            return records.back()[0];
          });
          result = trainer.train(loss, out);
          records.resize(std::min<std::size_t>(records.size(),
                                               result.iterations / interval));
          for (std::size_t row = 0; row < records.size(); ++row)
            {
              errors.iterations.push_back(done + scale * (row + 1) * interval);
              errors.errors.push_back(records[row]);
            }
          done += scale * result.iterations;
        };
        stage(training, 1);
        if (lbfgs_iterations > 0)
          {
            TrainingParameters lbfgs  = training;
            lbfgs.optimizer           = "lbfgs";
            lbfgs.iterations          = lbfgs_iterations;
            lbfgs.learning_rate       = 1;
            lbfgs.schedule            = "constant";
            lbfgs.loss_weighting      = "fixed";
            lbfgs.validation_interval = 1;
            if (training.checkpoint_interval > 0)
              lbfgs.checkpoint_interval =
                std::max(1u,
                         training.checkpoint_interval /
                           training.lbfgs_inner_iterations);
            auto rename = [](const std::string &file, const std::string &ext) {
              return file.substr(0, file.size() - ext.size()) + "-lbfgs" + ext;
            };
            lbfgs.checkpoint_file = rename(training.checkpoint_file, ".pt");
            if (!lbfgs.history_file.empty())
              lbfgs.history_file = rename(training.history_file, ".csv");
            if (out.is_active())
              out.get_stream() << "  L-BFGS" << std::endl;
            stage(lbfgs, training.lbfgs_inner_iterations);
          }
        result.iterations = done;
        return result;
      }
    } // namespace


    double
    ErrorHistory::average(const unsigned int k, const unsigned int window) const
    {
      if (iterations.empty())
        return std::nan("");
      const unsigned int last = iterations.back();
      double             sum  = 0;
      unsigned int       n    = 0;
      for (std::size_t i = 0; i < iterations.size(); ++i)
        if (iterations[i] + window > last)
          {
            sum += errors[i][k];
            ++n;
          }
      return sum / n;
    }


    std::string
    ErrorHistory::csv(const std::vector<std::string> &names) const
    {
      std::ostringstream out;
      out << "iteration";
      for (const auto &n : names)
        out << ',' << n;
      out << '\n' << std::setprecision(10);
      for (std::size_t i = 0; i < iterations.size(); ++i)
        {
          out << iterations[i];
          for (const double e : errors[i])
            out << ',' << e;
          out << '\n';
        }
      return out.str();
    }


    double
    relative_error(const std::vector<double> &u, const std::vector<double> &v)
    {
      double e = 0, n = 0;
      for (std::size_t i = 0; i < u.size(); ++i)
        {
          e += (u[i] - v[i]) * (u[i] - v[i]);
          n += v[i] * v[i];
        }
      return std::sqrt(e / n);
    }


    // @sect3{Parameters}

    void
    CellPINNParameters::declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Cell problem");
      prm.declare_entry("Grid points per direction",
                        "23",
                        Patterns::Integer(3),
                        "Nodes of the uniform training grid per cell "
                        "direction, boundary nodes included (paper: 23x23 in "
                        "2D, 101 in 1D).");
      prm.declare_entry("Oversampling layers",
                        "2",
                        Patterns::Integer(0),
                        "N_o ghost layers of periodic images outside each "
                        "side of the cell (paper: 2); 0 = periodic boundary "
                        "term only.");
      prm.declare_entry("Compare without oversampling",
                        "true",
                        Patterns::Bool(),
                        "Also train the first corrector without oversampling "
                        "(weights below) and report both errors.");
      prm.declare_entry("Weights without oversampling",
                        "0.5, 0.5",
                        Patterns::List(Patterns::Double(0.), 2, 2),
                        "w1 (residual), w2 (periodicity) of the run without "
                        "oversampling.");
      prm.declare_entry("Slow grid points",
                        "17",
                        Patterns::Integer(2),
                        "B only: frozen values of the slow variable x in the "
                        "training set (the network takes (x, y)).");
      prm.declare_entry("Test grid points",
                        "101",
                        Patterns::Integer(2),
                        "Test grid per cell direction (B: test points in x "
                        "for a*(x)).");
      prm.declare_entry("Quadrature points",
                        "200",
                        Patterns::Integer(2),
                        "Midpoint rule per cell direction for A* and the "
                        "mean of the corrector.");
      prm.declare_entry("Error average window",
                        "300",
                        Patterns::Integer(1),
                        "The reported cell error is the mean test error of "
                        "the last this many iterations (paper: 300 or 500).");
      prm.declare_entry("L-BFGS iterations",
                        "0",
                        Patterns::Integer(0),
                        "Outer L-BFGS iterations after the training of "
                        "subsection Training (0: none; not in the paper).");
      declare_network_and_training(prm, 3);
      prm.leave_subsection();
    }


    void
    CellPINNParameters::parse_parameters(ParameterHandler &prm,
                                         const Problem    &problem)
    {
      prm.enter_subsection("Cell problem");
      grid_points         = prm.get_integer("Grid points per direction");
      oversampling_layers = prm.get_integer("Oversampling layers");
      compare_without     = prm.get_bool("Compare without oversampling");
      weights_without     = Utilities::string_to_double(
        Utilities::split_string_list(prm.get("Weights without oversampling")));
      slow_grid_points  = prm.get_integer("Slow grid points");
      test_grid_points  = prm.get_integer("Test grid points");
      quadrature_points = prm.get_integer("Quadrature points");
      average_window    = prm.get_integer("Error average window");
      lbfgs_iterations  = prm.get_integer("L-BFGS iterations");
      network.parse_parameters(prm);
      training.parse_parameters(prm);
      prm.leave_subsection();
      require(oversampling_layers + 2 < grid_points,
              "Cell problem/Oversampling layers",
              "must be below 'Grid points per direction' - 2 (N_o < N_f - "
              "2: the periodic images are interior nodes)");
      check_training(training,
                     network,
                     "Cell problem",
                     oversampling_layers > 0 ? 3 : 2);
      require(problem.dimension() == 1 || quadrature_points <= 1000,
              "Cell problem/Quadrature points",
              "at most 1000 per direction in 2D");
    }


    void
    EquationPINNParameters::declare_parameters(ParameterHandler  &prm,
                                               const std::string &section,
                                               const unsigned int grid)
    {
      prm.enter_subsection(section);
      prm.declare_entry("Grid points per direction",
                        std::to_string(grid),
                        Patterns::Integer(3),
                        "Nodes of the uniform training grid of the domain "
                        "per space direction, boundary nodes included "
                        "(paper: 21x21 for A, 101 for B, 100 for C).");
      prm.declare_entry("Time grid points",
                        "100",
                        Patterns::Integer(2),
                        "C only: nodes in [0, T], t = 0 included.");
      prm.declare_entry("Test grid points",
                        "101",
                        Patterns::Integer(2),
                        "Test grid per space direction (paper: 101x101 for "
                        "A, 401 for B, 201 for C at t = T).");
      prm.declare_entry("Error average window",
                        "500",
                        Patterns::Integer(1),
                        "The reported errors are the mean test errors of the "
                        "last this many iterations (paper: 500).");
      prm.declare_entry("L-BFGS iterations",
                        "0",
                        Patterns::Integer(0),
                        "Outer L-BFGS iterations after the training of "
                        "subsection Training (0: none; not in the paper).");
      prm.declare_entry(
        "Exact boundary conditions",
        "false",
        Patterns::Bool(),
        "Impose u = 0 on the boundary (C: and u(x, 0) = 0) exactly by the "
        "output transform u = (t/T) prod_k (x_k - l)(r - x_k)/((r - l)/2)^2 "
        "N(x, t) of the network N; the loss is then the residual alone "
        "(Initial weights: one). false: the penalty terms of eq. (3) of the "
        "paper.");
      prm.declare_entry("Output scale",
                        "1",
                        Patterns::Double(0.),
                        "With exact boundary conditions: the transform "
                        "above is multiplied by this factor, so that the "
                        "network N works at values of order one for a "
                        "solution of another size.");
      declare_network_and_training(prm, 3);
      prm.leave_subsection();
    }


    void
    EquationPINNParameters::parse_parameters(ParameterHandler  &prm,
                                             const std::string &section,
                                             const Problem     &problem)
    {
      prm.enter_subsection(section);
      grid_points      = prm.get_integer("Grid points per direction");
      time_grid_points = prm.get_integer("Time grid points");
      test_grid_points = prm.get_integer("Test grid points");
      average_window   = prm.get_integer("Error average window");
      lbfgs_iterations = prm.get_integer("L-BFGS iterations");
      exact_conditions = prm.get_bool("Exact boundary conditions");
      output_scale     = prm.get_double("Output scale");
      network.parse_parameters(prm);
      training.parse_parameters(prm);
      prm.leave_subsection();
      check_training(training, network, section, n_loss_terms(problem));
      require(problem.dimension() == 1 || grid_points <= 400,
              section + "/Grid points per direction",
              "at most 400 in 2D");
    }


    unsigned int
    EquationPINNParameters::n_loss_terms(const Problem &problem) const
    {
      return exact_conditions ? 1 : (problem.parabolic() ? 3 : 2);
    }


    // @sect3{Cell problems}

    CellPINN::CellPINN(const Problem            &problem,
                       const CellPINNParameters &parameters,
                       const unsigned int        direction,
                       const unsigned int        oversampling_layers,
                       const std::string        &checkpoint_prefix,
                       const MPI_Comm            comm)
      : problem(problem)
      , parameters(parameters)
      , direction(direction)
      , layers(oversampling_layers)
      , comm(comm)
      , training(parameters.training)
    {
      const unsigned int n_inputs =
        n_cell_dims() + (problem.slowly_varying() ? 1 : 0);
      network = create_network(parameters.network, n_inputs, 1);
      if (layers == 0)
        training.initial_weights = parameters.weights_without;
      training.checkpoint_file = checkpoint_prefix + ".pt";
      if (!training.history_file.empty())
        training.history_file = checkpoint_prefix + "-loss.csv";
      mean = torch::zeros({1}, torch::kFloat64);
    }


    unsigned int
    CellPINN::n_cell_dims() const
    {
      return problem.dimension();
    }


    torch::Tensor
    CellPINN::quadrature_points(const std::vector<double> &x) const
    {
      const unsigned int  m = parameters.quadrature_points;
      const double        P = problem.cell_period();
      std::vector<double> mid(m);
      for (unsigned int k = 0; k < m; ++k)
        mid[k] = (k + 0.5) * P / m;
      std::vector<std::vector<double>> coordinates;
      if (problem.slowly_varying())
        {
          // (x, y) with y fastest: row k * m + q is (x_k, y_q).
          coordinates = {mid, x};
          auto points = tensor_product(coordinates);
          for (std::size_t i = 0; i < points.size(); i += 2)
            std::swap(points[i], points[i + 1]);
          return to_tensor(points, 2, torch::kFloat64);
        }
      for (unsigned int d = 0; d < n_cell_dims(); ++d)
        coordinates.push_back(mid);
      return to_tensor(tensor_product(coordinates),
                       n_cell_dims(),
                       torch::kFloat64);
    }


    void
    CellPINN::update_mean()
    {
      if (problem.slowly_varying())
        return; // done per x in corrector()
      torch::NoGradGuard no_grad;
      mean = network->forward(quadrature_points({})).mean();
    }


    torch::Tensor
    CellPINN::corrector(const torch::Tensor &points)
    {
      const double P       = problem.cell_period();
      const int    y_start = problem.slowly_varying() ? 1 : 0;
      auto         wrapped = points.clone();
      auto         y       = wrapped.index({Slice(), Slice(y_start, None)});
      wrapped.index_put_({Slice(), Slice(y_start, None)},
                         y - P * torch::floor(y / P));
      auto u = network->forward(wrapped).reshape({-1});
      if (!problem.slowly_varying())
        return u - mean;
      // B: the mean over y at each x.
      torch::NoGradGuard  no_grad;
      const unsigned int  m = parameters.quadrature_points;
      std::vector<double> x = to_vector(points.index({Slice(), 0}));
      auto                q = network->forward(quadrature_points(x));
      return u - q.reshape({-1, static_cast<std::int64_t>(m)}).mean(1);
    }


    std::vector<double>
    CellPINN::values(const std::vector<std::vector<double>> &points)
    {
      torch::NoGradGuard no_grad;
      return to_vector(corrector(points_tensor(points, torch::kFloat64)));
    }


    torch::Tensor
    CellPINN::corrector_gradient(const torch::Tensor &y)
    {
      auto p = y.detach().clone().set_requires_grad(true);
      return gradient(network->forward(p), p).detach();
    }


    TrainingResult
    CellPINN::train(
      const std::function<double(const std::vector<double> &)> &reference,
      const ConditionalOStream                                 &out)
    {
      const unsigned int d      = n_cell_dims();
      const bool         slow   = problem.slowly_varying();
      const unsigned int n_in   = d + (slow ? 1 : 0);
      const std::int64_t offset = slow ? 1 : 0;
      const unsigned int n      = parameters.grid_points;
      const double       P      = problem.cell_period();
      const double       h      = P / (n - 1);
      const auto         grid   = uniform(0., P, n);
      const auto         xs     = slow ? uniform(problem.lower(),
                                     problem.upper(),
                                     parameters.slow_grid_points) :
                                         std::vector<double>{};
      const auto         dtype  = torch::kFloat64;

      // Rows of points (x, y_1, ..., y_d) built from per-column lists.
      auto rows = [&](std::vector<std::vector<double>> cell_columns) {
        if (slow)
          cell_columns.insert(cell_columns.begin(), xs);
        return to_tensor(tensor_product(cell_columns), n_in, dtype);
      };
      std::vector<std::vector<double>> all(d, grid);
      const torch::Tensor              interior = rows(all);

      // Pairs of points whose values must agree: y_i = s and y_i = s_image.
      auto pairs = [&](const std::vector<std::pair<double, double>> &shifts) {
        std::vector<torch::Tensor> a, b;
        for (unsigned int i = 0; i < d; ++i)
          for (const auto &[s, image] : shifts)
            {
              auto columns = all;
              columns[i]   = {s};
              a.push_back(rows(columns));
              columns[i] = {image};
              b.push_back(rows(columns));
            }
        return std::make_pair(torch::cat(a), torch::cat(b));
      };
      const auto                             periodic = pairs({{0., P}});
      std::vector<std::pair<double, double>> ghosts;
      for (unsigned int k = 1; k <= layers; ++k)
        {
          ghosts.emplace_back(-(k * h), P - k * h);
          ghosts.emplace_back(P + k * h, k * h);
        }
      const auto oversampled =
        layers > 0 ? pairs(ghosts) :
                     std::make_pair(torch::Tensor(), torch::Tensor());

      // This rank's share; the coefficient and its y-gradient there.
      const torch::Tensor X =
        local_rows(interior, comm).clone().set_requires_grad(true);
      const double  n_interior = interior.size(0);
      torch::Tensor k, dk, source;
      {
        auto Xa = X.detach().clone().set_requires_grad(true);
        auto y1 = Xa.index({Slice(), offset});
        auto y2 = d > 1 ? Xa.index({Slice(), offset + 1}) : y1;
        auto x1 = slow ? Xa.index({Slice(), 0}) : y1 * problem.epsilon;
        auto a  = problem.diffusion_coefficient(x1, x1, y1, y2);
        dk      = torch::autograd::grad({a.sum()},
                                   {Xa},
                                   {},
                                   false,
                                   false,
                                   /*allow_unused=*/true)[0];
        if (!dk.defined())
          dk = torch::zeros_like(Xa);
        k      = a.detach();
        dk     = dk.detach();
        source = problem.parabolic() ?
                   problem.reaction(X.detach().index({Slice(), 0})) :
                   torch::zeros_like(k);
      }
      const torch::Tensor PA   = local_rows(periodic.first, comm),
                          PB   = local_rows(periodic.second, comm);
      const double  n_periodic = periodic.first.size(0);
      torch::Tensor OA, OB;
      double        n_oversampled = 1;
      if (layers > 0)
        {
          OA            = local_rows(oversampled.first, comm);
          OB            = local_rows(oversampled.second, comm);
          n_oversampled = oversampled.first.size(0);
        }

      // The residual -div(k (grad chi + e_j)) (A, B) or -D Laplace N + r.
      auto loss = [&]() -> std::vector<torch::Tensor> {
        auto u        = network->forward(X);
        auto g        = gradient(u, X);
        auto residual = source.clone();
        for (std::int64_t i = 0; i < d; ++i)
          {
            auto gi  = g.index({Slice(), offset + i});
            auto gii = gradient(gi, X).index({Slice(), offset + i});
            auto shifted =
              (!problem.parabolic() && i == direction) ? gi + 1. : gi;
            residual =
              residual - (dk.index({Slice(), offset + i}) * shifted + k * gii);
          }
        std::vector<torch::Tensor> terms = {
          residual.square().sum() / n_interior,
          (network->forward(PA) - network->forward(PB)).square().sum() /
            n_periodic};
        if (layers > 0)
          terms.push_back(
            (network->forward(OA) - network->forward(OB)).square().sum() /
            n_oversampled);
        return terms;
      };

      // Test data: the reference on the test grid (A, C), a*(x) (B).
      const unsigned int  nt = parameters.test_grid_points;
      std::vector<double> test_x, ref;
      torch::Tensor       test_points;
      if (slow)
        {
          test_x = uniform(problem.lower(), problem.upper(), nt);
          for (const double x : test_x)
            ref.push_back(reference({x}));
        }
      else
        {
          const auto tg = uniform(0., P, nt);
          test_points =
            to_tensor(tensor_product(std::vector<std::vector<double>>(d, tg)),
                      d,
                      dtype);
          const auto flat = to_vector(test_points);
          for (std::size_t i = 0; i < flat.size(); i += d)
            ref.push_back(reference(
              std::vector<double>(flat.begin() + i, flat.begin() + i + d)));
          const double m =
            std::accumulate(ref.begin(), ref.end(), 0.) / ref.size();
          for (double &r : ref)
            r -= m;
        }
      auto test_error = [&]() {
        if (slow)
          return relative_error(effective_coefficient(test_x).first, ref);
        torch::NoGradGuard no_grad;
        auto               u = network->forward(test_points).reshape({-1});
        return relative_error(to_vector(u - u.mean()), ref);
      };

      std::vector<std::string> names = {"residual", "periodicity"};
      if (layers > 0)
        names.push_back("oversampling");
      Timer      timer;
      const auto result = train_in_stages(
        training,
        parameters.lbfgs_iterations,
        *network,
        names,
        comm,
        loss,
        [&]() {
          return std::vector<double>{test_error()};
        },
        errors,
        out);
      training_seconds = timer.wall_time();
      update_mean();
      return result;
    }


    std::vector<double>
    CellPINN::effective_column()
    {
      auto Y = quadrature_points({}).set_requires_grad(true);
      auto g = gradient(network->forward(Y), Y).detach();
      auto a = problem
                 .diffusion_coefficient(Y.index({Slice(), 0}),
                                        Y.index({Slice(), 0}),
                                        Y.index({Slice(), 0}),
                                        Y.index({Slice(), 1}))
                 .detach();
      std::vector<double> column;
      for (std::int64_t i = 0; i < n_cell_dims(); ++i)
        column.push_back(
          (a * ((i == direction ? 1. : 0.) + g.index({Slice(), i})))
            .mean()
            .item<double>());
      return column;
    }


    std::pair<std::vector<double>, std::vector<double>>
    CellPINN::effective_coefficient(const std::vector<double> &x)
    {
      const std::int64_t m  = parameters.quadrature_points;
      auto               Q  = quadrature_points(x).set_requires_grad(true);
      auto               g  = gradient(network->forward(Q), Q);
      auto               xq = Q.index({Slice(), 0}), yq = Q.index({Slice(), 1});
      auto integrand = problem.diffusion_coefficient(xq, xq, yq, yq) *
                       (1. + g.index({Slice(), 1}));
      auto da =
        torch::autograd::grad({integrand.sum()}, {Q})[0].index({Slice(), 0});
      return {to_vector(integrand.detach().reshape({-1, m}).mean(1)),
              to_vector(da.reshape({-1, m}).mean(1))};
    }


    double
    CellPINN::effective_reaction()
    {
      torch::NoGradGuard no_grad;
      auto               Y = quadrature_points({});
      return (problem.reaction(Y.index({Slice(), 0})) * corrector(Y))
        .mean()
        .item<double>();
    }


    EffectiveTensor
    effective_tensor(const Problem &problem, CellPINN &chi1, CellPINN &chi2)
    {
      EffectiveTensor result;
      const auto c1 = chi1.effective_column(), c2 = chi2.effective_column();
      // The energy form <a (e_i + grad chi_i) . (e_j + grad chi_j)>.
      const auto Y        = chi1.quadrature_points({});
      const auto a        = problem.diffusion_coefficient(Y.index({Slice(), 0}),
                                                   Y.index({Slice(), 0}),
                                                   Y.index({Slice(), 0}),
                                                   Y.index({Slice(), 1}));
      const auto identity = torch::eye(2, torch::kFloat64);
      const std::array<torch::Tensor, 2> flux = {
        {chi1.corrector_gradient(Y) + identity[0],
         chi2.corrector_gradient(Y) + identity[1]}};
      for (unsigned int i = 0; i < 2; ++i)
        {
          result.formula[i][0] = c1[i];
          result.formula[i][1] = c2[i];
          for (unsigned int j = 0; j < 2; ++j)
            result.energy[i][j] =
              (a * (flux[i] * flux[j]).sum(1)).mean().item<double>();
        }
      return result;
    }


    // @sect3{The PINN for the homogenized or multiscale equation}

    EquationPINN::EquationPINN(const Problem                &problem,
                               const EquationPINNParameters &parameters,
                               const Data                   &data,
                               const std::string            &checkpoint_prefix,
                               const MPI_Comm                comm)
      : problem(problem)
      , parameters(parameters)
      , comm(comm)
      , training(parameters.training)
    {
      const unsigned int d    = problem.dimension();
      const bool         time = problem.parabolic();
      network = create_network(parameters.network, d + (time ? 1 : 0), 1);
      if (parameters.exact_conditions)
        {
          // u = s (t/T) prod_k (x_k - l)(r - x_k)/((r - l)/2)^2 N: zero on
          // the boundary and at t = 0, the factor at most s.
          const double l = problem.lower(), r = problem.upper(),
                       T = problem.final_time, half = 0.5 * (r - l),
                       scale = parameters.output_scale;
          network->set_output_transform(
            [d, time, l, r, T, half, scale](const torch::Tensor &x,
                                            const torch::Tensor &raw) {
              auto factor = torch::full({x.size(0), 1}, scale, x.options());
              for (std::int64_t k = 0; k < d; ++k)
                {
                  const auto xk = x.index({Slice(), Slice(k, k + 1)});
                  factor        = factor * (xk - l) * (r - xk) / (half * half);
                }
              if (time)
                factor = factor * x.index({Slice(), Slice(d, d + 1)}) / T;
              return factor * raw;
            });
        }
      training.checkpoint_file = checkpoint_prefix + ".pt";
      if (!training.history_file.empty())
        training.history_file = checkpoint_prefix + "-loss.csv";

      const auto space =
        uniform(problem.lower(), problem.upper(), parameters.grid_points);
      const auto times =
        uniform(0., problem.final_time, parameters.time_grid_points);
      std::vector<double>              in, bd, ini;
      std::vector<std::vector<double>> columns(d, space);
      if (time)
        columns.push_back(times);
      const auto         flat = tensor_product(columns);
      const unsigned int n_in = columns.size();
      for (std::size_t i = 0; i < flat.size(); i += n_in)
        {
          bool on_boundary = false;
          for (unsigned int k = 0; k < d; ++k)
            on_boundary = on_boundary || flat[i + k] == space.front() ||
                          flat[i + k] == space.back();
          const bool at_start = time && flat[i + d] == 0.;
          auto      &target   = on_boundary ? bd : (at_start ? ini : in);
          target.insert(target.end(),
                        flat.begin() + i,
                        flat.begin() + i + n_in);
        }
      const auto dtype = torch::kFloat64;
      interior         = local_rows(to_tensor(in, n_in, dtype), comm).clone();
      boundary         = to_tensor(bd, n_in, dtype);
      if (time)
        initial = to_tensor(ini, n_in, dtype);
      {
        auto x  = interior.index({Slice(), Slice(0, d)}).clone();
        auto Ab = data.diffusion(x);
        A       = Ab.first.detach();
        b       = Ab.second.detach();
        c       = data.reaction(x).detach();
        auto x2 = d > 1 ? x.index({Slice(), 1}) : x.index({Slice(), 0});
        f       = problem.right_hand_side(x.index({Slice(), 0}), x2);
      }
      interior.set_requires_grad(true);

      tests       = make_test_points(problem, parameters.test_grid_points);
      test_tensor = points_tensor(tests, dtype);
    }


    std::vector<std::vector<double>>
    EquationPINN::make_test_points(const Problem &problem, const unsigned int n)
    {
      const unsigned int d  = problem.dimension();
      const auto test_space = uniform(problem.lower(), problem.upper(), n);
      const auto flat =
        tensor_product(std::vector<std::vector<double>>(d, test_space));
      std::vector<std::vector<double>> points;
      for (std::size_t i = 0; i < flat.size(); i += d)
        {
          std::vector<double> p(flat.begin() + i, flat.begin() + i + d);
          if (problem.parabolic())
            p.push_back(problem.final_time);
          points.push_back(p);
        }
      return points;
    }


    void
    EquationPINN::copy_parameters_from(EquationPINN &other)
    {
      torch::NoGradGuard no_grad;
      auto               target = network->parameters();
      auto               source = other.network->parameters();
      AssertThrow(target.size() == source.size(),
                  ExcMessage("transfer needs the same architecture"));
      for (std::size_t i = 0; i < target.size(); ++i)
        target[i].copy_(source[i]);
    }


    TrainingResult
    EquationPINN::train(const std::vector<std::vector<double>> &references,
                        const ConditionalOStream               &out)
    {
      const std::int64_t d    = problem.dimension();
      const bool         time = problem.parabolic();
      const double n_int = Utilities::MPI::sum<double>(interior.size(0), comm);
      const torch::Tensor B_local = local_rows(boundary, comm);
      const double        n_bd    = boundary.size(0);
      torch::Tensor       I_local;
      double              n_ini = 1;
      if (time)
        {
          I_local = local_rows(initial, comm);
          n_ini   = initial.size(0);
        }

      auto loss = [&]() -> std::vector<torch::Tensor> {
        auto u = network->forward(interior).reshape({-1});
        auto g = gradient(u, interior);
        // -div(A grad u) = -(A : Hess u + b . grad u)
        auto residual = c * u - f;
        for (std::int64_t i = 0; i < d; ++i)
          {
            auto gi = g.index({Slice(), i});
            auto hi = gradient(gi, interior);
            for (std::int64_t j = 0; j < d; ++j)
              residual =
                residual - A.index({Slice(), i, j}) * hi.index({Slice(), j});
            residual = residual - b.index({Slice(), i}) * gi;
          }
        if (time)
          residual = residual + g.index({Slice(), d});
        std::vector<torch::Tensor> terms = {residual.square().sum() / n_int};
        if (!parameters.exact_conditions)
          {
            terms.push_back(network->forward(B_local).square().sum() / n_bd);
            if (time)
              terms.push_back(network->forward(I_local).square().sum() / n_ini);
          }
        return terms;
      };

      std::vector<std::string> names = {"residual"};
      if (!parameters.exact_conditions)
        names.push_back("boundary");
      if (!parameters.exact_conditions && time)
        names.push_back("initial");
      auto test = [&]() {
        const auto          u = test_values();
        std::vector<double> e;
        for (const auto &r : references)
          e.push_back(relative_error(u, r));
        if (e.empty())
          e.push_back(0.);
        return e;
      };
      Timer      timer;
      const auto result = train_in_stages(training,
                                          parameters.lbfgs_iterations,
                                          *network,
                                          names,
                                          comm,
                                          loss,
                                          test,
                                          errors,
                                          out);
      training_seconds  = timer.wall_time();
      return result;
    }


    std::vector<double>
    EquationPINN::test_values()
    {
      torch::NoGradGuard no_grad;
      return to_vector(network->forward(test_tensor));
    }


    torch::Tensor
    EquationPINN::test_gradients()
    {
      auto x = test_tensor.clone().set_requires_grad(true);
      return gradient(network->forward(x), x)
        .index({Slice(), Slice(0, problem.dimension())})
        .detach();
    }
  } // namespace nh_pinn
} // namespace neuhom
