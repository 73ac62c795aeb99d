// The training loop on 1 and 2 ranks (both must print the same): Adam on a
// convex quadratic, L-BFGS on a least-squares fit, data-parallel training
// with identical parameters on all ranks, the loss weightings, checkpoint /
// resume equal to an uninterrupted run bit for bit (also after a SIGTERM
// that only one rank receives), parameter averaging, the NaN guard and the
// error for a corrupt checkpoint.

#include <neuhom/core/input_error.h>
#include <neuhom/core/stop_request.h>
#include <neuhom/nn/model_io.h>
#include <neuhom/nn/network.h>
#include <neuhom/nn/trainer.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <fstream>
#include <sstream>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;

std::int64_t
this_rank()
{
  return Utilities::MPI::this_mpi_process(MPI_COMM_WORLD);
}


std::int64_t
n_ranks()
{
  return Utilities::MPI::n_mpi_processes(MPI_COMM_WORLD);
}


TrainingParameters
training_from(const std::string &settings)
{
  ParameterHandler prm;
  TrainingParameters::declare_parameters(prm);
  prm.parse_input_from_string("subsection Training\n" + settings + "end\n");
  TrainingParameters parameters;
  parameters.parse_parameters(prm);
  return parameters;
}


// The indices of the samples 0..n-1 this rank owns (round robin).
torch::Tensor
my_share(const std::int64_t n)
{
  return torch::arange(this_rank(), n, n_ranks(), torch::kInt64);
}


// A module holding one parameter vector theta.
struct ParameterVector : torch::nn::Module
{
  explicit ParameterVector(const std::int64_t n)
    : theta(register_parameter("theta", torch::zeros({n}, torch::kFloat64)))
  {}
  torch::Tensor theta;
};


void
test_schedules()
{
  const auto step        = training_from("set Learning rate = 0.5\n"
                                         "set Schedule = step\n"
                                         "set Decay rate = 0.5\n"
                                         "set Decay steps = 10\n");
  auto       exponential = step;
  exponential.schedule   = "exponential";
  deallog << "schedules lr0 * gamma^(it/k), lr0 = gamma = 0.5, k = 10: step "
          << step.learning_rate_at(0) << ' ' << step.learning_rate_at(9) << ' '
          << step.learning_rate_at(10) << ' ' << step.learning_rate_at(25)
          << ", exponential " << exponential.learning_rate_at(5) << ' '
          << exponential.learning_rate_at(20) << std::endl;
}


void
test_adam_quadratic()
{
  // f(theta) = 1/2 sum_i c_i (theta_i - t_i)^2, the terms split over ranks.
  const std::int64_t n      = 10;
  const auto         c      = torch::linspace(1, 10, n, torch::kFloat64);
  const auto         target = torch::linspace(-1, 1, n, torch::kFloat64);
  ParameterVector    module(n);
  Trainer            trainer(training_from("set Learning rate = 0.1\n"
                                           "set Iterations = 2000\n"
                                           "set Schedule = exponential\n"
                                           "set Decay rate = 0.5\n"
                                           "set Decay steps = 200\n"),
                  module,
                  {"quadratic"});
  const auto         mine   = my_share(n);
  const auto         result = trainer.train([&]() {
    const auto r =
      module.theta.index_select(0, mine) - target.index_select(0, mine);
    return std::vector<torch::Tensor>{0.5 *
                                      (c.index_select(0, mine) * r * r).sum()};
  });
  const double       error = (module.theta - target).abs().max().item<double>();
  deallog << "Adam, quadratic: " << result.iterations
          << " iterations, max |theta - theta*| < 1e-8: " << (error < 1e-8)
          << std::endl;
  CHECK_THAT(error < 1e-8, "error " + std::to_string(error));
}


void
test_lbfgs_least_squares()
{
  // Fit theta* in R^6 from 40 exact observations A theta* (rows split).
  torch::manual_seed(3);
  const auto      A     = torch::randn({40, 6}, torch::kFloat64);
  const auto      exact = torch::linspace(-2, 3, 6, torch::kFloat64);
  const auto      y     = torch::mv(A, exact);
  ParameterVector module(6);
  Trainer         trainer(training_from("set Optimizer = lbfgs\n"
                                        "set Learning rate = 1\n"
                                        "set Iterations = 10\n"
                                        "set Tolerance = 1e-24\n"),
                  module,
                  {"misfit"});
  const auto      mine   = my_share(40);
  const auto      result = trainer.train([&]() {
    const auto r = torch::mv(A.index_select(0, mine), module.theta) -
                   y.index_select(0, mine);
    return std::vector<torch::Tensor>{0.5 * (r * r).sum()};
  });
  const double    error  = (module.theta - exact).abs().max().item<double>();
  deallog << "L-BFGS, least squares: stopped by " << result.stop_reason
          << ", max |theta - theta*| < 1e-10: " << (error < 1e-10) << std::endl;
  CHECK_THAT(error < 1e-10, "error " + std::to_string(error));
}


// A small PINN-like regression problem: fit sin(pi x) sin(pi y) on 64 points
// (split over the ranks) plus a boundary-like term on 16 more.
struct Regression
{
  Regression()
    : x(torch::rand({64, 2}, torch::kFloat64))
    , b(torch::rand({16, 2}, torch::kFloat64))
    , mine(my_share(64))
    , mine_b(my_share(16))
  {}

  std::vector<torch::Tensor>
  operator()(Network &network, const bool minibatch) const
  {
    auto idx = mine;
    if (minibatch)
      // Random mini-batches exercise the RNG state in checkpoints.
      idx =
        mine.index_select(0, torch::randint(mine.numel(), {8}, torch::kInt64));
    const auto xs = x.index_select(0, idx);
    const auto target =
      torch::sin(M_PI * xs.select(1, 0)) * torch::sin(M_PI * xs.select(1, 1));
    const auto   r  = network.forward(xs).squeeze(1) - target;
    const auto   rb = network.forward(b.index_select(0, mine_b)).squeeze(1);
    const double n  = minibatch ? 8. * n_ranks() : 64.;
    return {(r * r).sum() / n, (rb * rb).sum() / 16.};
  }

  torch::Tensor x, b, mine, mine_b;
};


std::shared_ptr<Network>
small_network(const unsigned int seed = 1)
{
  NetworkParameters parameters;
  parameters.hidden_layers = 2;
  parameters.width         = 12;
  parameters.seed          = seed;
  return create_network(parameters, 2, 1);
}


torch::Tensor
flat_parameters(const torch::nn::Module &module)
{
  std::vector<torch::Tensor> flat;
  for (const auto &p : module.parameters())
    flat.push_back(p.detach().reshape({-1}));
  return torch::cat(flat);
}


// The largest difference of the parameters to those on rank 0.
double
difference_across_ranks(const torch::Tensor &flat)
{
  std::vector<double> mine(flat.data_ptr<double>(),
                           flat.data_ptr<double>() + flat.numel());
  std::vector<double> root = mine;
  MPI_Bcast(root.data(), root.size(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  double difference = 0;
  for (unsigned int i = 0; i < mine.size(); ++i)
    difference = std::max(difference, std::abs(mine[i] - root[i]));
  return Utilities::MPI::max(difference, MPI_COMM_WORLD);
}


void
test_data_parallel()
{
  torch::manual_seed(11);
  const Regression problem;
  // A different seed per rank: the trainer broadcasts rank 0's parameters.
  auto    network = small_network(1 + this_rank());
  Trainer trainer(training_from("set Learning rate = 0.01\n"
                                "set Iterations = 300\n"
                                "set Validation interval = 100\n"
                                "set Progress interval = 1e9\n"),
                  *network,
                  {"data", "boundary"});
  // Validation: the error on a 5 x 5 grid, the same on every rank.
  const auto grid =
    torch::stack(
      torch::meshgrid({torch::linspace(0.1, 0.9, 5, torch::kFloat64),
                       torch::linspace(0.1, 0.9, 5, torch::kFloat64)},
                      "ij"),
      2)
      .reshape({25, 2});
  trainer.set_validation([&]() {
    torch::NoGradGuard no_grad;
    const auto         exact = torch::sin(M_PI * grid.select(1, 0)) *
                       torch::sin(M_PI * grid.select(1, 1));
    return (network->forward(grid).squeeze(1) - exact)
      .pow(2)
      .mean()
      .item<double>();
  });
  const auto   initial_terms = problem(*network, false);
  const double initial_loss =
    Utilities::MPI::sum((initial_terms[0] + initial_terms[1]).item<double>(),
                        MPI_COMM_WORLD);
  std::ostringstream progress;
  const auto         result = trainer.train(
    [&]() {
      return problem(*network, false);
    },
    ConditionalOStream(progress, this_rank() == 0));
  const auto flat = flat_parameters(*network);
  deallog << "data parallel Adam: validation loss " << result.validation_loss
          << std::endl;
  if (this_rank() == 0)
    {
      // With a huge interval only the last line is printed.
      const std::string line = progress.str();
      deallog << "progress line: " << line.substr(0, line.find("  elapsed"))
              << std::endl;
      CHECK_THAT(line.find("iteration 300/300  loss ") != std::string::npos &&
                   line.find("elapsed") != std::string::npos &&
                   std::count(line.begin(), line.end(), '\n') == 1,
                 line);
    }
  deallog << std::setprecision(9) << "data parallel Adam: loss " << result.loss
          << ", sum of parameters " << flat.sum().item<double>()
          << ", |parameters| " << flat.norm().item<double>()
          << ", first weights " << flat[0].item<double>() << ' '
          << flat[1].item<double>() << std::setprecision(6) << std::endl;
  deallog << "data parallel Adam: parameters identical on all ranks "
          << (difference_across_ranks(flat) == 0) << std::endl;
  CHECK_THAT(difference_across_ranks(flat) == 0, "ranks differ");
  deallog << "data parallel Adam: loss reduced by more than 3x "
          << (result.loss < initial_loss / 3) << std::endl;
  CHECK_THAT(result.loss < initial_loss / 3, "training reduced the loss");
}


void
test_loss_weighting()
{
  torch::manual_seed(11);
  const Regression problem;
  for (const std::string weighting : {"self-adaptive", "gradient norm"})
    {
      auto    network = small_network();
      Trainer trainer(training_from("set Learning rate = 0.01\n"
                                    "set Iterations = 40\n"
                                    "set Loss weighting = " +
                                    weighting +
                                    "\n"
                                    "set Initial weights = 1, 2\n"
                                    "set Weight learning rate = 0.05\n"
                                    "set Rebalance interval = 10\n"
                                    "set Rebalance smoothing = 0.5\n"),
                      *network,
                      {"data", "boundary"});
      trainer.train([&]() {
        return problem(*network, false);
      });
      const auto w = trainer.loss_weights();
      deallog << std::setprecision(4) << weighting << " weights: " << w[0]
              << ' ' << w[1] << std::setprecision(6) << std::endl;
      CHECK_THAT(w[0] != 1 && w[1] != 2, "weights updated");
      // Gradient ascent on w_i L_i with L_i >= 0 only increases w_i.
      if (weighting == "self-adaptive")
        CHECK_THAT(w[0] > 1 && w[1] > 2, "ascent");
      CHECK_THAT(difference_across_ranks(flat_parameters(*network)) == 0,
                 "ranks differ");
    }
}


// SA-PINN style pointwise weights mu, one per boundary sample of this rank,
// maximized while a float32 network minimizes mean(mu * u^2) + data misfit.
void
test_pointwise_ascent_float32()
{
  torch::manual_seed(11);
  const Regression  problem;
  NetworkParameters parameters;
  parameters.hidden_layers = 2;
  parameters.width         = 12;
  parameters.dtype         = torch::kFloat32;
  auto       network       = create_network(parameters, 2, 1);
  const auto mine_b        = my_share(16);
  auto mu = torch::rand({mine_b.numel()}, torch::kFloat32).requires_grad_(true);
  const auto mu_before = mu.detach().clone();
  Trainer    trainer(training_from("set Learning rate = 0.01\n"
                                   "set Iterations = 30\n"
                                   "set Weight learning rate = 0.1\n"),
                  *network,
                  {"data", "boundary"});
  trainer.add_ascent_parameters({mu});
  const auto x  = problem.x.index_select(0, my_share(64)).to(torch::kFloat32);
  const auto xb = problem.b.index_select(0, mine_b).to(torch::kFloat32);
  const auto result = trainer.train([&]() {
    const auto target =
      torch::sin(M_PI * x.select(1, 0)) * torch::sin(M_PI * x.select(1, 1));
    const auto r  = network->forward(x).squeeze(1) - target;
    const auto rb = network->forward(xb).squeeze(1);
    return std::vector<torch::Tensor>{(r * r).sum() / 64,
                                      (mu * rb * rb).sum() / 16};
  });
  const bool grew   = (mu.detach() > mu_before).all().item<bool>();
  deallog << "float32 network with pointwise ascent weights: finite loss "
          << std::isfinite(result.loss) << ", every mu grew "
          << Utilities::MPI::min(static_cast<int>(grew), MPI_COMM_WORLD)
          << ", parameters identical on all ranks "
          << (difference_across_ranks(
                flat_parameters(*network).to(torch::kFloat64)) == 0)
          << std::endl;
  CHECK_THAT(grew && std::isfinite(result.loss), "ascent on mu");
}


// Adam at a constant step on a quadratic whose minimizer is drawn afresh
// each iteration around t: the iterates keep jumping around t, their
// exponential average must be the formula's and much closer to t, and the
// validation loss must be taken with the average.
void
test_parameter_averaging()
{
  const std::int64_t n      = 50;
  const unsigned int steps  = 400;
  const double       d      = 0.99;
  const auto         target = torch::linspace(-1, 1, n, torch::kFloat64);
  const auto         mine   = my_share(n);
  const std::string  common =
    "set Learning rate = 0.05\n"
    "set Iterations = " +
    std::to_string(steps) +
    "\nset Validation interval = " + std::to_string(steps) + "\n";

  const auto run = [&](const std::string &settings, auto &&observe) {
    ParameterVector module(n);
    Trainer         trainer(training_from(common + settings), module, {"fit"});
    trainer.set_validation([&]() {
      return (module.theta - target).norm().item<double>();
    });
    torch::manual_seed(8);
    const auto result = trainer.train([&]() {
      observe(module.theta.detach().clone());
      const auto noisy = target + 0.5 * torch::randn({n}, torch::kFloat64);
      const auto r =
        module.theta.index_select(0, mine) - noisy.index_select(0, mine);
      return std::vector<torch::Tensor>{0.5 * (r * r).sum()};
    });
    return std::make_pair(module.theta.detach().clone(),
                          result.validation_loss);
  };

  // The plain run's iterates theta_0 .. theta_N give the expected average
  // sum_k d^(N - k) theta_k / sum_k d^(N - k), k = s + 1 .. N (theta_0, the
  // initial parameters, gets no weight, nor do the iterates before the
  // start s).
  std::vector<torch::Tensor> iterates;
  const auto                 plain = run("", [&](const torch::Tensor &theta) {
    iterates.push_back(theta);
  });
  iterates.push_back(plain.first);
  const auto expected_average = [&](const unsigned int start) {
    torch::Tensor expected = torch::zeros_like(iterates[0]);
    double        weights  = 0;
    for (unsigned int k = start + 1; k <= steps; ++k)
      {
        expected += std::pow(d, steps - k) * iterates[k];
        weights += std::pow(d, steps - k);
      }
    return expected / weights;
  };
  const std::string averaging =
    "set Parameter averaging = " + std::to_string(d) + "\n";

  const auto   averaged = run(averaging, [](const torch::Tensor &) {});
  const double formula =
    (averaged.first - expected_average(0)).abs().max().item<double>();

  // With a start s = N - 20 the average covers the last 20 iterates only:
  // it differs from the full average by far more than round-off.
  const unsigned int start = steps - 20;
  const auto         late =
    run(averaging + "set Parameter averaging start = " + std::to_string(start) +
          "\n",
        [](const torch::Tensor &) {});
  const double formula_late =
    (late.first - expected_average(start)).abs().max().item<double>();
  const double late_vs_full =
    (late.first - averaged.first).abs().max().item<double>();
  deallog << "parameter averaging from iteration " << start
          << ": equals the formula " << (formula_late < 1e-12)
          << ", differs from the full average by more than 1e-3 "
          << (late_vs_full > 1e-3) << std::endl;
  CHECK_THAT(formula_late < 1e-12,
             "late average " + std::to_string(formula_late));
  CHECK_THAT(late_vs_full > 1e-3,
             "late vs full " + std::to_string(late_vs_full));
  const double error_plain    = (plain.first - target).norm().item<double>();
  const double error_averaged = (averaged.first - target).norm().item<double>();
  deallog << "parameter averaging: equals the formula " << (formula < 1e-12)
          << ", error vs t " << (error_averaged < 0.5 * error_plain)
          << " (less than 0.5 x the last iterate's), validation with the "
             "average "
          << (std::abs(averaged.second - error_averaged) < 1e-14) << std::endl;
  CHECK_THAT(formula < 1e-12, "average " + std::to_string(formula));
  CHECK_THAT(error_averaged < 0.5 * error_plain,
             std::to_string(error_averaged) + " vs " +
               std::to_string(error_plain));
  CHECK_THAT(std::abs(averaged.second - error_averaged) < 1e-14,
             "validation " + std::to_string(averaged.second));
  deallog << "  |theta - t|: last iterate " << error_plain << ", average "
          << error_averaged << std::endl;

  // A start without averaging would be silently ignored.
  try
    {
      training_from("set Parameter averaging start = 10\n");
      CHECK_THAT(false, "averaging start without averaging accepted");
    }
  catch (const InputError &error)
    {
      deallog << "rejected: " << error.what() << std::endl;
    }

  // Neither would a start at or after the last iteration.
  try
    {
      training_from(averaging + "set Iterations = 50\n" +
                    "set Parameter averaging start = 50\n");
      CHECK_THAT(false, "averaging start after the last iteration accepted");
    }
  catch (const InputError &error)
    {
      deallog << "rejected: " << error.what() << std::endl;
    }
}


std::string
read(const std::string &file_name)
{
  std::ifstream in(file_name);
  return {std::istreambuf_iterator<char>(in), {}};
}


void
test_checkpoint_resume(const std::string &optimizer,
                       const std::string &averaging = "0")
{
  torch::manual_seed(11);
  const Regression  problem;
  const bool        minibatch = (optimizer == "adam");
  const std::string common =
    "set Optimizer = " + optimizer +
    "\nset Learning rate = " + (minibatch ? "0.01" : "1") +
    "\nset L-BFGS inner iterations = 5\nset Schedule = exponential\n"
    "set Decay steps = 10\nset Checkpoint interval = 10\n"
    "set Parameter averaging = " +
    averaging + "\n";

  const auto train_to = [&](const unsigned int iterations,
                            const std::string &name,
                            Network           &network,
                            const bool         resume = false) {
    return Trainer(training_from(
                     common + "set Iterations = " + std::to_string(iterations) +
                     "\nset Checkpoint file = " + name +
                     ".pt\nset History file = " + name + ".csv\nset Resume = " +
                     (resume ? "true" : "false") + "\n"),
                   network,
                   {"data", "boundary"})
      .train([&]() {
        return problem(network, minibatch);
      });
  };

  // Uninterrupted: 30 iterations.
  auto network = small_network();
  torch::manual_seed(5);
  const auto full          = train_to(30, "full", *network);
  const auto uninterrupted = flat_parameters(*network);

  // Interrupted after 20, resumed with a fresh network and a disturbed RNG.
  auto first = small_network();
  torch::manual_seed(5);
  train_to(20, "part", *first);
  MPI_Barrier(MPI_COMM_WORLD);
  auto resumed = small_network(99);
  torch::rand({17});
  const auto continued = train_to(30, "part", *resumed, true);
  const bool identical = torch::equal(uninterrupted, flat_parameters(*resumed));
  MPI_Barrier(MPI_COMM_WORLD);
  const bool same_history = (read("full.csv") == read("part.csv"));
  deallog << optimizer << (averaging == "0" ? "" : " with averaging")
          << ": resumed run equals uninterrupted run bit for bit " << identical
          << ", same history " << same_history << std::endl;
  CHECK_THAT(identical && same_history, "resume");

  // Resumed once more at its last iteration: nothing is trained, and the
  // result is the uninterrupted run's (loss and terms of its last row; the
  // steps print them). first_iteration tells the steps how many iterations
  // their timings cover.
  auto       finished = small_network(98);
  const auto result   = train_to(30, "part", *finished, true);
  const bool unchanged =
    torch::equal(uninterrupted, flat_parameters(*finished));
  const bool same_result = result.iterations == full.iterations &&
                           result.loss == full.loss &&
                           result.terms == full.terms;
  deallog << "  resumed at the end: " << result.iterations << " iterations, "
          << result.terms.size()
          << " loss terms, the uninterrupted run's result " << same_result
          << ", parameters unchanged " << unchanged << std::endl;
  CHECK_THAT(same_result && result.terms.size() == 2 && unchanged,
             "resume of a finished run");
  deallog << "  first iteration of the runs: uninterrupted "
          << full.first_iteration << ", resumed " << continued.first_iteration
          << ", resumed at the end " << result.first_iteration << std::endl;
  CHECK_THAT(full.first_iteration == 0 && continued.first_iteration == 20 &&
               result.first_iteration == 30,
             "first iteration after a resume");
}


// SIGTERM in the middle of training, received by rank 0 only: every rank
// stops after the same iteration, the final checkpoint is written, and the
// resumed run equals an uninterrupted one bit for bit.
void
test_sigterm_resume()
{
  stop_request::install_handlers();
  torch::manual_seed(11);
  const Regression  problem;
  const std::string common = "set Learning rate = 0.01\n"
                             "set Checkpoint interval = 10\n"
                             "set Iterations = 30\n";

  auto network = small_network();
  torch::manual_seed(5);
  Trainer(training_from(common + "set Checkpoint file = full.pt\n"
                                 "set History file = full.csv\n"),
          *network,
          {"data", "boundary"})
    .train([&]() {
      return problem(*network, true);
    });
  const auto uninterrupted = flat_parameters(*network);

  auto         first = small_network();
  unsigned int calls = 0;
  torch::manual_seed(5);
  try
    {
      Trainer(training_from(common + "set Checkpoint file = part.pt\n"
                                     "set History file = part.csv\n"),
              *first,
              {"data", "boundary"})
        .train([&]() {
          if (++calls == 14 && this_rank() == 0)
            std::raise(SIGTERM);
          return problem(*first, true);
        });
      CHECK_THAT(false, "SIGTERM ignored");
    }
  catch (const Interrupted &stop)
    {
      deallog << "interrupted: " << stop.what() << " (signal "
              << stop_request::signal_name(stop.signal) << ")" << std::endl;
    }
  stop_request::reset();
  MPI_Barrier(MPI_COMM_WORLD);

  auto resumed = small_network(99);
  Trainer(training_from(common + "set Checkpoint file = part.pt\n"
                                 "set History file = part.csv\n"
                                 "set Resume = true\n"),
          *resumed,
          {"data", "boundary"})
    .train([&]() {
      return problem(*resumed, true);
    });
  const bool identical = torch::equal(uninterrupted, flat_parameters(*resumed));
  MPI_Barrier(MPI_COMM_WORLD);
  const bool same_history = (read("full.csv") == read("part.csv"));
  deallog << "after SIGTERM: resumed run equals uninterrupted run bit for bit "
          << identical << ", same history " << same_history << std::endl;
  CHECK_THAT(identical && same_history, "resume after SIGTERM");
}


void
test_nan_guard()
{
  torch::manual_seed(11);
  const Regression problem;
  auto             network     = small_network();
  unsigned int     evaluations = 0;
  Trainer          trainer(training_from("set Iterations = 100\n"
                                         "set Checkpoint interval = 10\n"
                                         "set Checkpoint file = nan.pt\n"),
                  *network,
                  {"data", "boundary"});
  try
    {
      trainer.train([&]() {
        auto terms = problem(*network, false);
        if (++evaluations > 25)
          terms[1] = terms[1] * std::nan("");
        return terms;
      });
      CHECK_THAT(false, "the NaN went unnoticed");
    }
  catch (const TrainingDiverged &error)
    {
      deallog << error.what() << std::endl;
    }
  MPI_Barrier(MPI_COMM_WORLD);
  // The checkpoint is the good one of iteration 20: resuming it works.
  auto       again = small_network(3);
  Trainer    resumed(training_from("set Iterations = 21\n"
                                   "set Checkpoint interval = 10\n"
                                   "set Checkpoint file = nan.pt\n"
                                   "set Resume = true\n"),
                  *again,
                  {"data", "boundary"});
  const auto result = resumed.train([&]() {
    return problem(*again, false);
  });
  deallog << "resumed from the kept checkpoint: finite loss "
          << std::isfinite(result.loss) << ", iterations " << result.iterations
          << std::endl;

  if (this_rank() == 0)
    std::ofstream("corrupt.pt") << "not a checkpoint";
  MPI_Barrier(MPI_COMM_WORLD);
  try
    {
      Trainer(training_from("set Checkpoint interval = 10\n"
                            "set Checkpoint file = corrupt.pt\n"
                            "set Resume = true\n"),
              *again,
              {"data", "boundary"})
        .train([&]() {
          return problem(*again, false);
        });
      CHECK_THAT(false, "corrupt checkpoint accepted");
    }
  catch (const InputError &error)
    {
      deallog << "rejected: " << error.what() << std::endl;
    }
  try
    {
      Trainer(training_from("set Checkpoint interval = 10\n"
                            "set Checkpoint file = nan.pt\n"
                            "set Resume = true\n"),
              *again,
              {"data", "boundary", "extra"})
        .train([&]() {
          return problem(*again, false);
        });
      CHECK_THAT(false, "checkpoint of another problem accepted");
    }
  catch (const InputError &error)
    {
      deallog << "rejected: " << error.what() << std::endl;
    }

  // A checkpoint that cannot be written stops every rank (with 2 ranks the
  // test would hang here if only rank 0 noticed).
  try
    {
      Trainer(training_from("set Iterations = 20\n"
                            "set Checkpoint interval = 10\n"
                            "set Checkpoint file = no-such-dir/c.pt\n"),
              *again,
              {"data", "boundary"})
        .train([&]() {
          return problem(*again, false);
        });
      CHECK_THAT(false, "unwritable checkpoint accepted");
    }
  catch (const InputError &error)
    {
      deallog << "checkpoint write failed on every rank: " << error.what()
              << std::endl;
    }
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  at::set_num_threads(1);
  MPILogInit log;
  test_schedules();
  test_adam_quadratic();
  test_lbfgs_least_squares();
  test_data_parallel();
  test_loss_weighting();
  test_pointwise_ascent_float32();
  test_parameter_averaging();
  test_checkpoint_resume("adam");
  test_checkpoint_resume("adam", "0.9");
  test_checkpoint_resume("lbfgs");
  test_sigterm_resume();
  test_nan_guard();
}
