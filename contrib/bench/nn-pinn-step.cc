// One PINN training step for -div(a grad u) = f in 2D with a 4 x 128 tanh
// MLP, timed three ways at the same batch, precision and threads:
//
//   autograd  the usual formulation ported to C++: grad u by autograd with
//             create_graph, div(a grad u) by one more reverse pass per
//             direction, then the backward pass of the loss;
//   forward   neuhom's MLP::raw_derivatives (forward Laplacian): value,
//   gradient and Laplacian
//             in one forward pass, div(a grad u) = a Laplace u + grad a .
//             grad u, then one backward pass.
//
// contrib/bench/nn-pinn-step.py times the same step in PyTorch.
// Usage: nn-pinn-step-bench <batch> <steps> <threads>
// Prints one line per variant: "variant batch samples_per_second gflops".

#include <neuhom/nn/network.h>

#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <string>

using namespace neuhom;

namespace
{
  // a(x) = 2 + sin(2 pi x / eps) sin(2 pi y / eps) and its gradient,
  // f = 1.
  const double eps = 0.125;

  torch::Tensor
  coefficient(const torch::Tensor &x)
  {
    const auto k = 2 * M_PI / eps;
    return 2 + torch::sin(k * x.select(1, 0)) * torch::sin(k * x.select(1, 1));
  }


  torch::Tensor
  coefficient_gradient(const torch::Tensor &x)
  {
    const auto k  = 2 * M_PI / eps;
    const auto sx = torch::sin(k * x.select(1, 0));
    const auto sy = torch::sin(k * x.select(1, 1));
    return torch::stack({k * torch::cos(k * x.select(1, 0)) * sy,
                         k * sx * torch::cos(k * x.select(1, 1))},
                        1);
  }


  torch::Tensor
  residual_autograd(MLP &net, const torch::Tensor &points)
  {
    const auto x    = points.detach().requires_grad_(true);
    const auto u    = net.forward(x);
    const auto grad = torch::autograd::grad({u.sum()}, {x}, {}, true, true)[0];
    const auto flux = coefficient(x).unsqueeze(1) * grad;
    auto       div  = torch::zeros_like(u.squeeze(1));
    for (int d = 0; d < 2; ++d)
      div =
        div +
        torch::autograd::grad({flux.select(1, d).sum()}, {x}, {}, true, true)[0]
          .select(1, d);
    return -div - 1.;
  }


  torch::Tensor
  residual_forward(MLP &net, const torch::Tensor &x)
  {
    const auto d   = net.raw_derivatives(x);
    const auto div = coefficient(x) * d.laplacian.squeeze(1) +
                     (coefficient_gradient(x) * d.gradient.squeeze(2)).sum(1);
    return -div - 1.;
  }


  // Matrix-product flops of one forward-Laplacian step: the forward pass
  // maps (d + 2) rows per point through every layer, the backward pass costs
  // two more products per layer.
  double
  step_flops(const std::int64_t batch)
  {
    const double rows    = 4. * batch;
    const double forward = 2 * rows * (2 * 128 + 3 * 128 * 128 + 128 * 1);
    return 3 * forward;
  }
} // namespace


int
main(int argc, char **argv)
{
  if (argc != 4)
    {
      std::cerr << "usage: nn-pinn-step-bench <batch> <steps> <threads>\n";
      return 1;
    }
  const std::int64_t batch   = std::stoll(argv[1]);
  const int          steps   = std::stoi(argv[2]);
  const int          threads = std::stoi(argv[3]);
  at::set_num_threads(threads);
  at::set_num_interop_threads(1);

  NetworkParameters parameters;
  parameters.hidden_layers = 4;
  parameters.width         = 128;
  for (const std::string variant : {"autograd", "forward"})
    {
      auto net =
        std::dynamic_pointer_cast<MLP>(create_network(parameters, 2, 1));
      torch::optim::Adam optimizer(net->parameters(),
                                   torch::optim::AdamOptions(1e-3));
      const auto         x    = torch::rand({batch, 2}, torch::kFloat64);
      const auto         step = [&]() {
        optimizer.zero_grad();
        const auto r = (variant == "forward" ? residual_forward(*net, x) :
                                                       residual_autograd(*net, x));
        const auto loss = r.pow(2).mean();
        loss.backward();
        optimizer.step();
      };
      for (int i = 0; i < 3; ++i)
        step();
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < steps; ++i)
        step();
      const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
      std::cout << "neuhom-" << variant << ' ' << batch << ' ' << std::fixed
                << std::setprecision(0) << batch * steps / seconds << ' '
                << std::setprecision(2)
                << step_flops(batch) * steps / seconds / 1e9 << std::endl;
    }
}
