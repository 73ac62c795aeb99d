// The reduced gradient of the hybrid PINN loss (autodiff with y_h frozen +
// adjoint part s grad K_hat) against
//  - central finite differences of the full reduced loss J(theta) (every
//    evaluation re-solves the coarse state), float64, in random directions,
//    for the total loss and for the coupling term alone: rel. diff. < 1e-5;
//  - the closed form of the isotropic case (autodiff of
//    sum_l w_l (Q v - y1 / K_hat)^2): rel. diff. < 1e-10;
//  - the gradient without the adjoint part (finite differences with the
//    state frozen), which must be off by more than the tolerance in every
//    direction (so the test fails if the adjoint part is dropped).
// Then: the coarse state converges at rate 2 in L2 for a given K_hat, the
// state scales as 1/K_hat, and bad input is refused.

#include <deal.II/base/function_lib.h>

#include <neuhom/core/input_error.h>
#include <neuhom/methods/hybrid_pinn/hybrid_pinn.h>

#include <algorithm>
#include <cmath>

#include "../../tests.h"

using namespace dealii;
using namespace neuhom;
using namespace neuhom::hybrid_pinn;


std::vector<torch::Tensor>
parameters_of(Network &net)
{
  return net.parameters();
}


torch::Tensor
flat_gradient(Network &net)
{
  std::vector<torch::Tensor> g;
  for (auto &p : net.parameters())
    g.push_back(p.grad().defined() ? p.grad().reshape({-1}).clone() :
                                     torch::zeros({p.numel()}, p.options()));
  return torch::cat(g);
}


void
zero_gradients(Network &net)
{
  for (auto &p : net.parameters())
    if (p.grad().defined())
      p.mutable_grad().zero_();
}


// Move the parameters by t * direction (direction flat).
void
shift(Network &net, const torch::Tensor &direction, const double t)
{
  torch::NoGradGuard no_grad;
  std::int64_t       offset = 0;
  for (auto &p : net.parameters())
    {
      p.add_(t * direction.slice(0, offset, offset + p.numel()).view_as(p));
      offset += p.numel();
    }
}


double
weighted(const std::vector<torch::Tensor> &terms,
         const std::vector<double>        &weights)
{
  double sum = 0;
  for (unsigned int i = 0; i < terms.size(); ++i)
    sum += weights[i] * terms[i].template item<double>();
  return sum;
}


template <int dim>
void
check_gradient(const std::string &network_type,
               const std::string &boundary_condition)
{
  const double                          eps = 1. / 15;
  ScalarFunctionFromFunctionObject<dim> coefficient([&](const Point<dim> &x) {
    double k = 2 + std::sin(2 * numbers::PI * x[0] / eps);
    if (dim == 2)
      k += 0.5 * std::sin(2 * numbers::PI * x[dim - 1] / eps);
    return k;
  });
  ScalarFunctionFromFunctionObject<dim> q([](const Point<dim> &x) {
    return -3 * (2 * x[0] - 1) + x[dim - 1];
  });

  HybridPINNParameters parameters;
  parameters.collocation_points      = 400;
  parameters.boundary_condition      = boundary_condition;
  parameters.boundary_points         = 40;
  parameters.coarse_cells            = dim == 1 ? 30 : 8;
  parameters.compression_radius      = dim == 1 ? 0 : 0.1;
  parameters.coarse_update_tolerance = 0; // exact reduced loss
  NetworkParameters network;
  network.type                       = network_type;
  network.hidden_layers              = 2;
  network.width                      = 12;
  network.fourier_scales             = {1., 2.};
  network.fourier_features_per_scale = 4;
  network.seed                       = 3;
  HybridPINN<dim> pinn(parameters, network, coefficient, eps, q, true);
  auto           &net = pinn.network();

  // Weights of the terms (residual, [boundary], coupling): a large tau2 so
  // that the coupling matters in the total.
  const auto          names = pinn.term_names();
  std::vector<double> w(names.size(), 1.);
  w.back() = 300.;

  // Reduced gradient by the surrogate (one backward pass).
  zero_gradients(net);
  {
    const auto    terms = pinn.loss_terms();
    torch::Tensor total = w[0] * terms[0];
    for (unsigned int i = 1; i < terms.size(); ++i)
      total = total + w[i] * terms[i];
    total.backward();
  }
  const auto gradient = flat_gradient(net);
  zero_gradients(net);
  pinn.loss_terms().back().backward();
  const auto coupling_gradient = flat_gradient(net);

  // The closed form (isotropic): autodiff of R(theta) with y = y1 / K_hat.
  zero_gradients(net);
  pinn.closed_form_coupling().backward();
  const auto   closed_form = flat_gradient(net);
  const double closed_difference =
    ((closed_form - coupling_gradient).norm() / closed_form.norm())
      .template item<double>();
  deallog << dim << "D " << network_type << ", " << boundary_condition
          << " BC, " << gradient.numel() << " parameters" << std::endl;
  deallog << "  closed form vs adjoint gradient < 1e-10: "
          << (closed_difference < 1e-10 ? "yes" : "no") << std::endl;
  CHECK_THAT(closed_difference < 1e-10, std::to_string(closed_difference));

  // A second solver whose state never moves after its first solve: its
  // loss differentiates with y_h frozen (no adjoint part).
  HybridPINNParameters frozen_parameters    = parameters;
  frozen_parameters.coarse_update_tolerance = 1e30;
  HybridPINN<dim> frozen(frozen_parameters, network, coefficient, eps, q, true);
  frozen.loss_terms();

  torch::manual_seed(7);
  const double h                    = 1e-4;
  double       largest_frozen_error = 0;
  for (unsigned int trial = 0; trial < 3; ++trial)
    {
      auto direction = torch::randn({gradient.numel()}, gradient.options());
      direction /= direction.norm();
      const double predicted =
        (gradient * direction).sum().template item<double>();
      const double predicted_coupling =
        (coupling_gradient * direction).sum().template item<double>();

      shift(net, direction, h);
      auto plus = pinn.loss_terms();
      shift(net, direction, -2 * h);
      auto minus = pinn.loss_terms();
      shift(net, direction, h);
      const double fd = (weighted(plus, w) - weighted(minus, w)) / (2 * h);
      const double fd_coupling = (plus.back().template item<double>() -
                                  minus.back().template item<double>()) /
                                 (2 * h);

      shift(frozen.network(), direction, h);
      const double frozen_plus =
        frozen.loss_terms().back().template item<double>();
      shift(frozen.network(), direction, -2 * h);
      const double frozen_minus =
        frozen.loss_terms().back().template item<double>();
      shift(frozen.network(), direction, h);
      const double fd_frozen = (frozen_plus - frozen_minus) / (2 * h);

      const double total_error = std::abs(fd - predicted) / std::abs(fd);
      const double coupling_error =
        std::abs(fd_coupling - predicted_coupling) / std::abs(fd_coupling);
      const double frozen_error =
        std::abs(fd_frozen - fd_coupling) / std::abs(fd_coupling);
      deallog << "  direction " << trial
              << ": total vs FD < 1e-5: " << (total_error < 1e-5 ? "yes" : "no")
              << ", coupling vs FD < 1e-5: "
              << (coupling_error < 1e-5 ? "yes" : "no")
              << ", frozen-state gradient off by > 1e-5: "
              << (frozen_error > 1e-5 ? "yes" : "no") << std::endl;
      CHECK_THAT(total_error < 1e-5, std::to_string(total_error));
      CHECK_THAT(coupling_error < 1e-5, std::to_string(coupling_error));
      CHECK_THAT(frozen_error > 1e-5, std::to_string(frozen_error));
      largest_frozen_error = std::max(largest_frozen_error, frozen_error);
    }
  deallog << "  frozen-state gradient off by > 1e-3 in some direction: "
          << (largest_frozen_error > 1e-3 ? "yes" : "no") << std::endl;
  CHECK_THAT(largest_frozen_error > 1e-3, std::to_string(largest_frozen_error));
}


template <int dim>
void
check_coarse_convergence()
{
  // -div(2 grad y) = 2 dim pi^2 * 2 prod sin(pi x_a)... with y = prod sin.
  ScalarFunctionFromFunctionObject<dim> exact([](const Point<dim> &x) {
    double y = 1;
    for (unsigned int a = 0; a < dim; ++a)
      y *= std::sin(numbers::PI * x[a]);
    return y;
  });
  ScalarFunctionFromFunctionObject<dim> q([&](const Point<dim> &x) {
    return 2. * dim * numbers::PI * numbers::PI * exact.value(x);
  });
  double                                previous = 0;
  deallog << dim << "D coarse state, K_hat = 2:";
  for (const unsigned int n : {8u, 16u, 32u})
    {
      CoarseState<dim> coarse(n, q);
      coarse.solve_state(1.);
      const auto y1 = coarse.state();
      coarse.solve_state(2.);
      const double   error = coarse.l2_error(exact);
      Vector<double> scaled(y1);
      scaled /= 2.;
      scaled -= coarse.state();
      CHECK_THAT(scaled.linfty_norm() < 1e-14 * y1.linfty_norm(),
                 "y(2) = y(1) / 2");
      CHECK_THAT(coarse.n_state_solves() == 2, "solve counter");
      if (previous > 0)
        {
          const double rate = std::log2(previous / error);
          deallog << " rate " << std::fixed << std::setprecision(1) << rate
                  << std::defaultfloat << std::setprecision(6);
          CHECK_THAT(std::abs(rate - 2) < 0.1, std::to_string(rate));
        }
      previous = error;
    }
  deallog << std::endl;
}


void
check_bad_input()
{
  ScalarFunctionFromFunctionObject<1> one([](const Point<1> &) {
    return 1.;
  });
  CoarseState<1>                      coarse(4, one);
  try
    {
      coarse.solve_state(-1.);
      deallog << "negative K_hat accepted" << std::endl;
    }
  catch (const std::exception &e)
    {
      deallog << "negative K_hat refused" << std::endl;
    }
  ParameterHandler prm;
  HybridPINNParameters::declare_parameters(prm);
  prm.parse_input_from_string("subsection Hybrid PINN\n"
                              "  set Boundary condition = penalty\n"
                              "end\n");
  HybridPINNParameters parameters;
  try
    {
      parameters.parse_parameters(prm);
      deallog << "penalty without boundary points accepted" << std::endl;
    }
  catch (const InputError &e)
    {
      deallog << e.what() << std::endl;
    }
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  initlog();
  torch::set_num_threads(1);
  check_gradient<1>("mlp", "exact");
  check_gradient<1>("fourier features", "exact");
  check_gradient<2>("mlp", "penalty");
  check_gradient<2>("fourier features", "exact");
  check_coarse_convergence<1>();
  check_coarse_convergence<2>();
  check_bad_input();
}
