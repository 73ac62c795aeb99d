// A tiny 1D hybrid PINN run (eps = 1/15, K = 2 + sin(2 pi x/eps)): K_hat of
// the fine FEM reference and of the trained network against sqrt(3), the
// errors of the best-residual iterate, the lazy coarse state (fewer solves
// than iterations); checkpoint / resume continues to the same numbers as an
// uninterrupted run; a stale checkpoint is refused.

#include <deal.II/base/function_parser.h>
#include <deal.II/base/timer.h>

#include <neuhom/core/input_error.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/fine_scale_inputs.h>
#include <neuhom/methods/hybrid_pinn/hybrid_pinn.h>

#include <cmath>
#include <cstdio>

#include "../../tests.h"

using namespace dealii;
using namespace neuhom;
using namespace neuhom::hybrid_pinn;

const char *fine_problem = R"(
subsection Mesh
  set Fine cells per direction = 1500
end
subsection Coefficient
  set Type    = periodic expression
  set Epsilon = 0.0666666666666667
  subsection Periodic expression
    set Function expression = 2 + sin(2*pi*x/eps)
  end
end
subsection Problem
  set Right-hand side = -3*(2*x-1)
  set Boundary values = x
end
)";


TrainingParameters
training(const unsigned int iterations, const bool resume)
{
  TrainingParameters t;
  t.iterations          = iterations;
  t.learning_rate       = 5e-3;
  t.schedule            = "exponential";
  t.decay_rate          = 0.75;
  t.decay_steps         = 10000;
  t.loss_weighting      = "gradient norm";
  t.rebalance_interval  = 50;
  t.validation_interval = 50;
  t.checkpoint_interval = 50;
  t.checkpoint_file     = "checkpoint.pt";
  t.resume              = resume;
  t.progress_interval   = 1e9;
  return t;
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  initlog();
  torch::set_num_threads(1);

  ParameterHandler prm;
  FineScaleInputs<1>::declare_parameters(prm);
  prm.parse_input_from_string(fine_problem);
  FineScaleInputs<1> inputs;
  inputs.parse_parameters(prm, MPI_COMM_WORLD);
  TimerOutput         timer(MPI_COMM_WORLD,
                    deallog.get_file_stream(),
                    TimerOutput::never,
                    TimerOutput::wall_times);
  DiffusionProblem<1> fine(MPI_COMM_WORLD, inputs, timer);
  fine.setup();
  fine.solve_stationary();
  const auto        reference   = sample_reference(fine, 2, true);
  const auto       &coefficient = *inputs.coefficient;
  const double      eps         = coefficient.feature_size();
  FunctionParser<1> q("-3*(2*x-1)");

  HybridPINNParameters method;
  method.collocation_points = 500;
  method.coarse_cells       = 50;
  NetworkParameters network;
  network.type                       = "fourier features";
  network.hidden_layers              = 2;
  network.width                      = 32;
  network.fourier_scales             = {1., 15.};
  network.fourier_features_per_scale = 16;
  network.seed                       = 1;

  const double  k_star = std::sqrt(3.);
  HybridPINN<1> pinn(method, network, coefficient, eps, q, true);
  pinn.set_reference(reference);
  const double k_reference = pinn.reference_upscaled_coefficient();
  deallog << "K_hat[u_fine] - sqrt(3) < 1e-3: "
          << (std::abs(k_reference - k_star) < 1e-3 ? "yes" : "no")
          << std::endl;
  CHECK_THAT(std::abs(k_reference - k_star) < 1e-3,
             std::to_string(k_reference));

  const ConditionalOStream quiet(std::cout, false);
  const unsigned int       n = 300;
  const auto               a = pinn.train(training(n, false), quiet);
  // 300 iterations are far from converged (the paper trains 2e5): K_hat is
  // measured at 1.92 here, the relative L2 error at 0.91.
  deallog << "hybrid, " << n << " iterations: |K_hat - sqrt(3)| < 0.25: "
          << (std::abs(a.errors.k_hat - k_star) < 0.25 ? "yes" : "no")
          << ", rel. L2 error < 1: " << (a.errors.rel_l2 < 1 ? "yes" : "no")
          << ", state solves < iterations / 4: "
          << (a.state_solves < n / 4 ? "yes" : "no") << std::endl;
  CHECK_THAT(std::abs(a.errors.k_hat - k_star) < 0.25,
             std::to_string(a.errors.k_hat));
  CHECK_THAT(a.errors.rel_l2 < 1, std::to_string(a.errors.rel_l2));
  CHECK_THAT(a.state_solves < n / 4, std::to_string(a.state_solves));

  // Interrupted after 100 iterations, resumed to n: the same result.
  {
    HybridPINN<1> first(method, network, coefficient, eps, q, true);
    first.set_reference(reference);
    first.train(training(100, false), quiet);
  }
  HybridPINN<1> resumed(method, network, coefficient, eps, q, true);
  resumed.set_reference(reference);
  const auto b = resumed.train(training(n, true), quiet);
  deallog << "resumed run equal to the uninterrupted one: "
          << (a.best_iteration == b.best_iteration &&
                  a.best_residual == b.best_residual &&
                  a.errors.rel_l2 == b.errors.rel_l2 &&
                  a.errors.k_hat == b.errors.k_hat ?
                "yes" :
                "no")
          << std::endl;
  CHECK_THAT(a.errors.rel_l2 == b.errors.rel_l2 &&
               a.best_residual == b.best_residual,
             std::to_string(b.errors.rel_l2));

  // A checkpoint of the plain PINN does not fit the hybrid problem.
  {
    HybridPINN<1> plain(method, network, coefficient, eps, q, false);
    plain.train(training(50, false), quiet);
  }
  try
    {
      HybridPINN<1> other(method, network, coefficient, eps, q, true);
      other.train(training(100, true), quiet);
      deallog << "stale checkpoint accepted" << std::endl;
    }
  catch (const InputError &e)
    {
      deallog << "stale checkpoint refused" << std::endl;
    }
  std::remove("checkpoint.pt");
}
