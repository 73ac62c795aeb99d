// The nn layer's modules and glue: parameter gradients against central
// finite differences, the forward Laplacian against nested autograd, output
// transforms, precision, save/load and the errors for bad model files,
// TorchScript import, and network evaluation on quadrature points.

#include <deal.II/base/quadrature_lib.h>

#include <deal.II/distributed/tria.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/sparse_matrix.h>

#include <neuhom/core/input_error.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/nn/dealii_tensors.h>
#include <neuhom/nn/model_io.h>
#include <neuhom/nn/network.h>

#include <cmath>
#include <fstream>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;


NetworkParameters
parameters_from(const std::string &settings)
{
  ParameterHandler prm;
  NetworkParameters::declare_parameters(prm);
  prm.parse_input_from_string(settings);
  NetworkParameters parameters;
  parameters.parse_parameters(prm);
  return parameters;
}


std::string
network_settings(const std::string &type,
                 const std::string &activation,
                 const unsigned int width = 6)
{
  return "subsection Network\n  set Type = " + type +
         "\n  set Hidden layers = 2\n  set Width = " + std::to_string(width) +
         "\n  set Activation = " + activation +
         "\n  subsection Fourier features\n    set Scales = 1, 3\n"
         "    set Features per scale = 4\n    set Trainable = true\n"
         "  end\nend\n";
}


torch::Tensor
sample_points(const std::int64_t n, const std::int64_t dim)
{
  return torch::rand({n, dim}, torch::kFloat64);
}


// The largest relative difference between the autograd gradient of the loss
// mean(u^2) and central differences, over all parameters.
double
max_relative_gradient_error(Network &network, const torch::Tensor &x)
{
  const auto loss = [&]() {
    return network.forward(x).pow(2).mean();
  };
  network.zero_grad();
  loss().backward();

  torch::NoGradGuard no_grad;
  double             max_error = 0;
  const double       h         = 1e-6;
  for (auto &p : network.parameters())
    {
      auto flat = p.view({-1});
      auto grad = p.grad().view({-1});
      for (std::int64_t i = 0; i < flat.numel(); ++i)
        {
          const double original = flat[i].item<double>();
          flat[i]               = original + h;
          const double plus     = loss().item<double>();
          flat[i]               = original - h;
          const double minus    = loss().item<double>();
          flat[i]               = original;
          const double fd       = (plus - minus) / (2 * h);
          const double ad       = grad[i].item<double>();
          max_error =
            std::max(max_error,
                     std::abs(fd - ad) / std::max(1e-3, std::abs(ad)));
        }
    }
  return max_error;
}


void
test_finite_differences()
{
  for (const std::string activation : {"tanh", "silu", "sin"})
    for (const std::string type : {"mlp", "fourier features"})
      {
        auto network =
          create_network(parameters_from(network_settings(type, activation)),
                         2,
                         1);
        const double error =
          max_relative_gradient_error(*network, sample_points(5, 2));
        deallog << type << ' ' << activation
                << ": gradient vs central differences ok = " << (error < 1e-6)
                << std::endl;
        CHECK_THAT(error < 1e-6, "relative error " + std::to_string(error));
      }
}


// Value, gradient and Laplacian by nested reverse-mode autograd.
ForwardDerivatives
by_autograd(Network &network, const torch::Tensor &points)
{
  auto       x = points.clone().requires_grad_(true);
  const auto u = network.forward(x);
  const auto g =
    torch::autograd::grad({u.sum()}, {x}, {}, true, /*create_graph=*/true)[0];
  auto laplacian = torch::zeros_like(u);
  for (std::int64_t d = 0; d < x.size(1); ++d)
    laplacian =
      laplacian +
      torch::autograd::grad({g.select(1, d).sum()}, {x}, {}, true, true)[0]
        .select(1, d)
        .unsqueeze(1);
  return {u, g.unsqueeze(2), laplacian};
}


void
test_forward_laplacian()
{
  for (const std::string type : {"mlp", "fourier features"})
    for (const std::string activation : {"tanh", "silu", "sin", "relu"})
      {
        auto       network  = create_network(parameters_from(
                                        network_settings(type, activation, 16)),
                                      3,
                                      1);
        const auto x        = sample_points(20, 3);
        const auto forward  = network->raw_derivatives(x);
        const auto backward = by_autograd(*network, x);
        // Differences relative to the largest entry of the autograd result
        // (the Fourier features' Laplacians are of size (2 pi sigma)^2).
        const auto relative = [](const torch::Tensor &a,
                                 const torch::Tensor &b) {
          return (a - b).abs().max().item<double>() /
                 std::max(1., b.abs().max().item<double>());
        };
        const double error_value = relative(forward.value, backward.value);
        const double error_gradient =
          relative(forward.gradient, backward.gradient);
        const double error_laplacian =
          relative(forward.laplacian, backward.laplacian);

        // The parameter gradients of a PINN-like loss agree, too.
        network->zero_grad();
        forward.laplacian.pow(2).sum().backward();
        std::vector<torch::Tensor> forward_gradients;
        // The output bias does not enter the Laplacian: no gradient.
        const auto gradient_of = [](const torch::Tensor &p) {
          return p.grad().defined() ? p.grad().clone() : torch::zeros_like(p);
        };
        for (const auto &p : network->parameters())
          forward_gradients.push_back(gradient_of(p));
        network->zero_grad();
        by_autograd(*network, x).laplacian.pow(2).sum().backward();
        double error_parameters = 0;
        for (unsigned int i = 0; i < forward_gradients.size(); ++i)
          error_parameters =
            std::max(error_parameters,
                     relative(forward_gradients[i],
                              gradient_of(network->parameters()[i])));

        const double error =
          std::max(std::max(error_value, error_gradient),
                   std::max(error_laplacian, error_parameters));
        // The generic nested-autograd path of the base class agrees, too.
        const auto   generic = network->Network::raw_derivatives(x);
        const double error_generic =
          std::max(relative(generic.gradient, backward.gradient),
                   relative(generic.laplacian, backward.laplacian));
        CHECK_THAT(error_generic < 1e-12,
                   "generic " + std::to_string(error_generic));
        deallog << type << " forward Laplacian " << activation
                << " vs autograd: relative difference < 1e-10: "
                << (error < 1e-10) << std::endl;
        CHECK_THAT(error < 1e-10, "difference " + std::to_string(error));
      }
}


// With an output transform u = p(x) N(x), p = x0 (1 - x0), derivatives()
// must give the product rule applied to the raw derivatives.
void
test_transform_derivatives()
{
  auto network =
    create_network(parameters_from(network_settings("mlp", "tanh")), 2, 2);
  network->set_output_transform(
    [](const torch::Tensor &x, const torch::Tensor &raw) {
      const auto x0 = x.slice(1, 0, 1);
      return x0 * (1 - x0) * raw;
    });
  const auto x     = sample_points(10, 2);
  const auto raw   = network->raw_derivatives(x);
  const auto u     = network->derivatives(x);
  const auto x0    = x.slice(1, 0, 1);
  const auto p     = x0 * (1 - x0); // (N, 1)
  const auto dp0   = 1 - 2 * x0;    // dp/dx0
  const auto value = p * raw.value;
  const auto gradient =
    torch::stack({dp0 * raw.value + p * raw.gradient.select(1, 0),
                  p * raw.gradient.select(1, 1)},
                 1);
  const auto laplacian =
    -2 * raw.value + 2 * dp0 * raw.gradient.select(1, 0) + p * raw.laplacian;
  const double error =
    std::max({(u.value - value).abs().max().item<double>(),
              (u.gradient - gradient).abs().max().item<double>(),
              (u.laplacian - laplacian).abs().max().item<double>()});
  deallog << "derivatives through an output transform (2 outputs) match the "
             "product rule: "
          << (error < 1e-12) << std::endl;
  CHECK_THAT(error < 1e-12, "difference " + std::to_string(error));
}


void
test_transform_and_precision()
{
  auto network =
    create_network(parameters_from(network_settings("mlp", "tanh")), 2, 1);
  // Hard Dirichlet condition u = 0 on x0 = 0 and x0 = 1.
  network->set_output_transform(
    [](const torch::Tensor &x, const torch::Tensor &raw) {
      const auto x0 = x.slice(1, 0, 1);
      return x0 * (1 - x0) * raw;
    });
  const auto boundary = torch::tensor({{0., 0.3}, {1., 0.7}}, torch::kFloat64);
  const auto inside   = torch::tensor({{0.5, 0.5}}, torch::kFloat64);
  deallog << "output transform: u on x0 = 0, 1: "
          << network->forward(boundary).abs().max().item<double>()
          << ", raw != 0: "
          << (network->raw_forward(boundary).abs().min().item<double>() > 0)
          << ", u(0.5, 0.5) = 0.25 raw: "
          << (std::abs(network->forward(inside).item<double>() -
                       0.25 * network->raw_forward(inside).item<double>()) <
              1e-15)
          << std::endl;

  auto single =
    create_network(parameters_from(
                     network_settings("fourier features", "tanh") +
                     "subsection Network\n  set Precision = float32\nend\n"),
                   2,
                   3);
  const auto y = single->forward(sample_points(4, 2).to(torch::kFloat32));
  // 2 scales x (2*4 -> 6 -> 6) trunk + (2*6 -> 3) output + 2 trainable 2x4 B.
  deallog << "float32 Fourier network: output " << y.sizes() << ' '
          << (y.scalar_type() == torch::kFloat32 ? "float32" : "other")
          << ", parameters " << single->n_parameters() << std::endl;
  CHECK_THAT(single->n_parameters() == 8 * 6 + 6 + 6 * 6 + 6 + 12 * 3 + 3 + 16,
             "parameter count");
}


void
print_rejection(const std::function<void()> &f)
{
  try
    {
      f();
      CHECK_THAT(false, "expected an InputError");
    }
  catch (const InputError &error)
    {
      deallog << "rejected: " << error.what() << std::endl;
    }
}


void
test_model_files()
{
  const auto parameters = parameters_from(network_settings("mlp", "tanh"));
  auto       saved      = create_network(parameters, 2, 1);
  save_module(*saved, "model.pt");

  auto other_parameters = parameters;
  other_parameters.seed = 7;
  auto       loaded     = create_network(other_parameters, 2, 1);
  const auto x          = sample_points(10, 2);
  CHECK_THAT(!torch::equal(saved->forward(x), loaded->forward(x)), "seeds");
  load_module(*loaded, "model.pt");
  deallog << "save/load: identical outputs "
          << torch::equal(saved->forward(x), loaded->forward(x)) << std::endl;
  CHECK_THAT(torch::equal(saved->forward(x), loaded->forward(x)), "roundtrip");

  print_rejection([&]() {
    load_module(*loaded, "missing.pt");
  });

  std::ofstream("garbage.pt") << "this is not a model";
  print_rejection([&]() {
    load_module(*loaded, "garbage.pt");
  });

  std::ifstream     in("model.pt", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::ofstream("truncated.pt", std::ios::binary)
    << bytes.substr(0, bytes.size() / 2);
  print_rejection([&]() {
    load_module(*loaded, "truncated.pt");
  });

  auto wider =
    create_network(parameters_from(network_settings("mlp", "tanh", 7)), 2, 1);
  print_rejection([&]() {
    load_module(*wider, "model.pt");
  });

  auto fourier = create_network(parameters_from(
                                  network_settings("fourier features", "tanh")),
                                2,
                                1);
  print_rejection([&]() {
    load_module(*fourier, "model.pt");
  });
}


void
test_torchscript()
{
  // The values contrib/export-torchscript-example.py printed.
  ScriptedNetwork network(std::string(SOURCE_DIR) + "/torchscript-example.pt",
                          2,
                          1);
  const auto      x =
    torch::tensor({{0.0, 0.5}, {0.25, 0.75}, {0.5, 0.5}, {0.9, 0.1}},
                  torch::kFloat64);
  const auto   expected = torch::tensor({0.,
                                         -8.967086776401334e-02,
                                         -1.071530095959759e-01,
                                         -3.109764661862532e-02},
                                      torch::kFloat64);
  const double error =
    (network.forward(x).squeeze(1) - expected).abs().max().item<double>();
  deallog << "TorchScript module: outputs match the PyTorch script "
          << (error < 1e-13) << std::endl;
  CHECK_THAT(error < 1e-13, "difference " + std::to_string(error));
  print_rejection([]() {
    ScriptedNetwork("garbage.pt", 2, 1);
  });
}


void
test_quadrature_points()
{
  parallel::distributed::Triangulation<2> tria(MPI_COMM_WORLD);
  make_unit_hypercube(tria, 4);
  const FE_Q<2> fe(1);
  DoFHandler<2> dof_handler(tria);
  dof_handler.distribute_dofs(fe);
  const QGauss<2>    quadrature(3);
  const MappingQ1<2> mapping;

  auto network =
    create_network(parameters_from(network_settings("mlp", "silu")), 2, 1);
  NetworkOnQuadraturePoints<2> on_points(mapping, dof_handler, quadrature);
  on_points.evaluate(*network);
  const auto reference = network->raw_derivatives(on_points.points());
  CHECK_THAT(on_points.points().data_ptr<double>() ==
               on_points.points().data_ptr<double>(),
             "view");

  FEValues<2>  fe_values(mapping, fe, quadrature, update_quadrature_points);
  double       error = 0;
  unsigned int k     = 0;
  for (const auto &cell : dof_handler.active_cell_iterators())
    if (cell->is_locally_owned())
      {
        fe_values.reinit(cell);
        for (unsigned int q = 0; q < quadrature.size(); ++q, ++k)
          {
            const auto &p = fe_values.quadrature_point(q);
            const auto  u =
              network->forward(torch::tensor({{p[0], p[1]}}, torch::kFloat64));
            error =
              std::max(error,
                       std::abs(on_points.value(cell, q) - u.item<double>()));
            for (unsigned int d = 0; d < 2; ++d)
              error =
                std::max(error,
                         std::abs(on_points.gradient(cell, q)[d] -
                                  reference.gradient[k][d][0].item<double>()));
          }
      }
  deallog << "quadrature points: " << on_points.n_points()
          << " points, values and gradients match pointwise evaluation "
          << (error < 1e-14) << std::endl;
  CHECK_THAT(error < 1e-14, "difference " + std::to_string(error));
}


void
test_matrix_conversions()
{
  Vector<double> v(3);
  auto           view = tensor_view(v);
  view[1]             = 2.5;
  copy_to(torch::tensor({1., 2., 3.}, torch::kFloat64) * view, v);
  deallog << "vector view shares memory: " << v[0] << ' ' << v[1] << ' ' << v[2]
          << std::endl;

  FullMatrix<double> full(2, 3);
  for (unsigned int i = 0; i < 2; ++i)
    for (unsigned int j = 0; j < 3; ++j)
      full(i, j) = 10 * i + j;
  deallog << "FullMatrix: " << to_tensor(full).sum().item<double>() << ' '
          << to_tensor(full)[1][2].item<double>() << std::endl;

  // The 1D Laplacian stencil on 4 unknowns.
  DynamicSparsityPattern dsp(4, 4);
  for (unsigned int i = 0; i < 4; ++i)
    for (unsigned int j = (i > 0 ? i - 1 : 0); j < std::min(4u, i + 2); ++j)
      dsp.add(i, j);
  SparsityPattern pattern;
  pattern.copy_from(dsp);
  SparseMatrix<double> matrix(pattern);
  for (unsigned int i = 0; i < 4; ++i)
    {
      matrix.set(i, i, 2);
      if (i > 0)
        matrix.set(i, i - 1, -1);
      if (i < 3)
        matrix.set(i, i + 1, -1);
    }
  const auto     sparse = to_sparse_tensor(matrix);
  const auto     dense  = to_dense_tensor(matrix);
  const auto     x      = torch::tensor({1., 2., 3., 4.}, torch::kFloat64);
  Vector<double> xv(4), yv(4);
  for (unsigned int i = 0; i < 4; ++i)
    xv[i] = i + 1;
  matrix.vmult(yv, xv);
  Vector<double> from_torch(4);
  copy_to(torch::mv(dense, x), from_torch);
  from_torch -= yv;
  const auto product = torch::mv(dense, x);
  deallog << "SparseMatrix: " << sparse._nnz() << " stored entries, A x = ("
          << product[0].item<double>() << ", " << product[1].item<double>()
          << ", " << product[2].item<double>() << ", "
          << product[3].item<double>() << "), difference to vmult "
          << from_torch.l2_norm() << ", sparse product equal "
          << torch::equal(torch::mm(sparse, x.unsqueeze(1)).squeeze(1),
                          torch::mv(dense, x))
          << std::endl;
}


void
test_inference_tanh()
{
  // float32 tanh without autograd is the rational approximation: within
  // 4e-7 of tanh on [-20, 20], odd, exactly +-1 far out, on strided input
  // too; with autograd it is torch's tanh (differentiable).
  const auto   x64 = torch::linspace(-20, 20, 400001, torch::kFloat64);
  const auto   x   = x64.to(torch::kFloat32);
  const auto   t   = activate(Activation::tanh, x);
  const double error =
    (t.to(torch::kFloat64) - torch::tanh(x.to(torch::kFloat64)))
      .abs()
      .max()
      .item<double>();
  deallog << "float32 inference tanh: max error < 4e-7: " << (error < 4e-7)
          << ", odd: " << torch::equal(activate(Activation::tanh, -x), -t)
          << ", tanh(+-20) = " << t[-1].item<float>() << ' '
          << t[0].item<float>() << std::endl;
  const auto strided = x.reshape({-1, 1}).expand({-1, 3}).t();
  deallog << "strided input: same values "
          << torch::equal(activate(Activation::tanh, strided)[1], t)
          << std::endl;
  const auto y = x.clone().set_requires_grad(true);
  const auto u = activate(Activation::tanh, y);
  deallog << "with autograd: torch's tanh "
          << torch::equal(u.detach(), torch::tanh(x)) << ", requires grad "
          << u.requires_grad() << std::endl;
}


// center_first_layer: every first-layer hyperplane passes through the
// center (pre-activation zero there), the weights are unchanged.
void
test_centered_first_layer()
{
  auto network = std::dynamic_pointer_cast<MLP>(
    create_network(parameters_from(network_settings("mlp", "relu")), 2, 1));
  const auto named  = network->named_parameters();
  const auto weight = named["layer_0.weight"].clone();
  network->center_first_layer({0.5, 0.25});
  const auto   center = torch::tensor({{0.5, 0.25}}, torch::kFloat64);
  const double at_center =
    torch::nn::functional::linear(center,
                                  named["layer_0.weight"],
                                  named["layer_0.bias"])
      .abs()
      .max()
      .item<double>();
  deallog << "centered first layer: max |W c + b| = "
          << (at_center < 1e-15 ? "0" : std::to_string(at_center))
          << ", weights unchanged "
          << torch::equal(weight, named["layer_0.weight"]) << std::endl;
  CHECK_THAT(at_center < 1e-15 &&
               named["layer_0.bias"].abs().max().item<double>() > 0.1,
             "hyperplanes through the center");
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  at::set_num_threads(1);
  initlog();
  torch::manual_seed(0);
  test_finite_differences();
  test_forward_laplacian();
  test_transform_derivatives();
  test_transform_and_precision();
  test_inference_tanh();
  test_centered_first_layer();
  test_model_files();
  test_torchscript();
  test_quadrature_points();
  test_matrix_conversions();
}
