#include <neuhom/core/input_error.h>
#include <neuhom/nn/network.h>

#include <cmath>
#include <sstream>
#include <tuple>

namespace neuhom
{
  namespace
  {
    // tanh by Eigen's rational approximation x P(x^2) / Q(x^2) on
    // [-7.905, 7.905] (where it reaches 1 in float32), in place. The clones
    // pick the widest instructions the CPU has at load time. Without
    // no-trapping-math GCC vectorizes the clamp only with AVX-512's masks:
    // the AVX2 clone stayed scalar at 3.5 ns per value, vectorized it takes
    // 0.6 ns (0.25 ns with AVX-512; torch's Sleef tanhf 2 ns).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
    __attribute__((target_clones("avx512f", "avx2", "default"),
                   optimize("O3", "no-trapping-math")))
#endif
    void
    rational_tanh(float *x, const std::int64_t n)
    {
      constexpr float clamp = 7.90531110763549805f;
      constexpr float a1 = 4.89352455891786e-03f, a3 = 6.37261928875436e-04f,
                      a5 = 1.48572235717979e-05f, a7 = 5.12229709037114e-08f,
                      a9 = -8.60467152213735e-11f, a11 = 2.00018790482477e-13f,
                      a13 = -2.76076847742355e-16f;
      constexpr float b0 = 4.89352518554385e-03f, b2 = 2.26843463243900e-03f,
                      b4 = 1.18534705686654e-04f, b6 = 1.19825839466702e-06f;
      for (std::int64_t i = 0; i < n; ++i)
        {
          const float v =
            x[i] > clamp ? clamp : (x[i] < -clamp ? -clamp : x[i]);
          const float v2 = v * v;
          const float p =
            v *
            ((((((a13 * v2 + a11) * v2 + a9) * v2 + a7) * v2 + a5) * v2 + a3) *
               v2 +
             a1);
          const float q = ((b6 * v2 + b4) * v2 + b2) * v2 + b0;
          x[i]          = p / q;
        }
    }


    // sigma(h), sigma'(h), sigma''(h), sharing the common factors.
    std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>
    activate_with_derivatives(const Activation     activation,
                              const torch::Tensor &h)
    {
      switch (activation)
        {
          case Activation::tanh:
            {
              const auto t  = torch::tanh(h);
              const auto d1 = 1 - t * t;
              return {t, d1, -2 * t * d1};
            }
          case Activation::relu:
            {
              const auto step = (h > 0).to(h.scalar_type());
              return {torch::relu(h), step, torch::zeros_like(h)};
            }
          case Activation::silu:
            {
              const auto s  = torch::sigmoid(h);
              const auto ds = s * (1 - s);
              return {h * s, s + h * ds, ds * (2 + h * (1 - 2 * s))};
            }
          case Activation::sin:
            {
              const auto s = torch::sin(h);
              return {s, torch::cos(h), -s};
            }
        }
      return {h, torch::ones_like(h), torch::zeros_like(h)};
    }


    Activation
    parse_activation(const std::string &name)
    {
      if (name == "tanh")
        return Activation::tanh;
      if (name == "relu")
        return Activation::relu;
      if (name == "silu")
        return Activation::silu;
      return Activation::sin;
    }


    // The forward-mode stack of a layer's output z: value (N, w), gradient
    // dz/dx (n, N, w) or (n, 1, w) while it is the same at every point, and
    // Laplacian (N, w), undefined while it is zero (z affine in x).
    struct Stack
    {
      torch::Tensor value;
      torch::Tensor gradient;
      torch::Tensor laplacian;
    };


    Stack
    apply_linear(const Stack &z, torch::nn::Linear &layer)
    {
      const auto weight = layer->weight.t();
      if (!z.laplacian.defined())
        return {layer->forward(z.value),
                torch::matmul(z.gradient, weight),
                torch::Tensor()};
      // One matrix product for the whole stack [value; gradient; Laplacian].
      const auto n      = z.gradient.size(0);
      const auto mapped = torch::matmul(
        torch::cat({z.value.unsqueeze(0), z.gradient, z.laplacian.unsqueeze(0)},
                   0),
        weight);
      return {mapped[0] + layer->bias,
              mapped.slice(0, 1, n + 1),
              mapped[n + 1]};
    }


    Stack
    apply_activation(const Stack &z, const Activation activation)
    {
      const auto [s, ds, dds] = activate_with_derivatives(activation, z.value);
      const auto squared_gradient = (z.gradient * z.gradient).sum(0);
      return {s,
              ds.unsqueeze(0) * z.gradient,
              z.laplacian.defined() ?
                torch::addcmul(ds * z.laplacian, dds, squared_gradient) :
                dds * squared_gradient};
    }


    ForwardDerivatives
    to_derivatives(const Stack &z)
    {
      const auto n_points = z.value.size(0);
      return {z.value,
              z.gradient.expand({z.gradient.size(0), n_points, z.value.size(1)})
                .permute({1, 0, 2}),
              z.laplacian.defined() ? z.laplacian : torch::zeros_like(z.value)};
    }


    // Value, gradient and Laplacian of f by nested reverse-mode autograd.
    ForwardDerivatives
    derivatives_by_autograd(
      const std::function<torch::Tensor(const torch::Tensor &)> &f,
      const torch::Tensor                                       &points)
    {
      const auto x           = points.detach().requires_grad_(true);
      const auto u           = f(x);
      const auto gradient_of = [&](const torch::Tensor &y) {
        const auto g = torch::autograd::grad({y.sum()},
                                             {x},
                                             /*grad_outputs=*/{},
                                             /*retain_graph=*/true,
                                             /*create_graph=*/true,
                                             /*allow_unused=*/true)[0];
        return g.defined() ? g : torch::zeros_like(x);
      };
      std::vector<torch::Tensor> gradients, laplacians;
      for (std::int64_t c = 0; c < u.size(1); ++c)
        {
          const auto g         = gradient_of(u.select(1, c));
          auto       laplacian = torch::zeros_like(u.select(1, c));
          for (std::int64_t d = 0; d < x.size(1); ++d)
            laplacian = laplacian + gradient_of(g.select(1, d)).select(1, d);
          gradients.push_back(g);
          laplacians.push_back(laplacian);
        }
      return {u, torch::stack(gradients, 2), torch::stack(laplacians, 1)};
    }


    // Xavier (Glorot) weights, zero biases.
    void
    initialize(torch::nn::Linear &layer, const std::string &initialization)
    {
      torch::NoGradGuard no_grad;
      if (initialization == "xavier uniform")
        torch::nn::init::xavier_uniform_(layer->weight);
      else
        torch::nn::init::xavier_normal_(layer->weight);
      torch::nn::init::zeros_(layer->bias);
    }
  } // namespace


  void
  NetworkParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Network");
    prm.declare_entry("Type",
                      "mlp",
                      Patterns::Selection("mlp|fourier features"),
                      "mlp: fully connected network; fourier features: "
                      "multiscale Fourier feature network (one trunk shared "
                      "by all scales).");
    prm.declare_entry("Hidden layers",
                      "4",
                      Patterns::Integer(1, 64),
                      "Number of hidden layers (the linear output layer "
                      "comes on top).");
    prm.declare_entry("Width",
                      "64",
                      Patterns::Integer(1, 16384),
                      "Neurons per hidden layer.");
    prm.declare_entry("Activation",
                      "tanh",
                      Patterns::Selection("tanh|relu|silu|sin"),
                      "Nonlinearity of the hidden layers.");
    prm.declare_entry("Initialization",
                      "xavier normal",
                      Patterns::Selection("xavier normal|xavier uniform"),
                      "Glorot initialization of the weights; biases start "
                      "at zero.");
    prm.declare_entry("Precision",
                      "float64",
                      Patterns::Selection("float64|float32"),
                      "Scalar type of parameters and evaluations.");
    prm.declare_entry("Seed",
                      "1",
                      Patterns::Integer(0),
                      "Seed of the random initialization; the same seed "
                      "gives the same network on every rank.");
    prm.enter_subsection("Fourier features");
    prm.declare_entry("Scales",
                      "1, 10",
                      Patterns::List(Patterns::Double(0.), 1),
                      "Standard deviations sigma_k of the frequency "
                      "matrices B_k, one feature map per scale.");
    prm.declare_entry("Features per scale",
                      "32",
                      Patterns::Integer(1, 4096),
                      "Rows m of each B_k; a feature map has 2m entries.");
    prm.declare_entry("Trainable",
                      "false",
                      Patterns::Bool(),
                      "Train the frequencies B_k with the other parameters.");
    prm.leave_subsection();
    prm.leave_subsection();
  }


  void
  NetworkParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Network");
    type           = prm.get("Type");
    hidden_layers  = prm.get_integer("Hidden layers");
    width          = prm.get_integer("Width");
    activation     = parse_activation(prm.get("Activation"));
    initialization = prm.get("Initialization");
    dtype =
      prm.get("Precision") == "float32" ? torch::kFloat32 : torch::kFloat64;
    seed = prm.get_integer("Seed");
    prm.enter_subsection("Fourier features");
    fourier_scales = Utilities::string_to_double(
      Utilities::split_string_list(prm.get("Scales")));
    fourier_features_per_scale = prm.get_integer("Features per scale");
    trainable_fourier_features = prm.get_bool("Trainable");
    prm.leave_subsection();
    prm.leave_subsection();
    if (type == "fourier features")
      for (const double sigma : fourier_scales)
        require(sigma > 0,
                "Network/Fourier features/Scales",
                "every scale must be positive, got " + to_text(sigma));
  }


  torch::Tensor
  activate(const Activation activation, torch::Tensor h)
  {
    switch (activation)
      {
        case Activation::tanh:
          if (h.scalar_type() == torch::kFloat32 && h.device().is_cpu() &&
              !h.requires_grad())
            {
              // In place if nobody else can see h (a temporary passed in).
              if (!(h.is_contiguous() && h.use_count() == 1 &&
                    h.storage().use_count() == 1))
                h = h.clone(at::MemoryFormat::Contiguous);
              rational_tanh(h.data_ptr<float>(), h.numel());
              return h;
            }
          return torch::tanh(h);
        case Activation::relu:
          return torch::relu(h);
        case Activation::silu:
          return torch::silu(h);
        case Activation::sin:
          return torch::sin(h);
      }
    return h;
  }


  Network::Network(const unsigned int n_inputs,
                   const unsigned int n_outputs,
                   const torch::Dtype dtype)
    : inputs(n_inputs)
    , outputs(n_outputs)
    , scalar_type(dtype)
  {}


  torch::Tensor
  Network::forward(const torch::Tensor &x)
  {
    const auto raw = raw_forward(x);
    return transform ? transform(x, raw) : raw;
  }


  ForwardDerivatives
  Network::derivatives(const torch::Tensor &x)
  {
    if (!transform)
      return raw_derivatives(x);
    return derivatives_by_autograd(
      [this](const torch::Tensor &y) {
        return forward(y);
      },
      x);
  }


  ForwardDerivatives
  Network::raw_derivatives(const torch::Tensor &x)
  {
    return derivatives_by_autograd(
      [this](const torch::Tensor &y) {
        return raw_forward(y);
      },
      x);
  }


  void
  Network::set_output_transform(const OutputTransform &output_transform)
  {
    transform = output_transform;
  }


  unsigned int
  Network::n_inputs() const
  {
    return inputs;
  }


  unsigned int
  Network::n_outputs() const
  {
    return outputs;
  }


  torch::Dtype
  Network::dtype() const
  {
    return scalar_type;
  }


  std::int64_t
  Network::n_parameters() const
  {
    std::int64_t n = 0;
    for (const auto &p : parameters())
      n += p.numel();
    return n;
  }


  MLP::MLP(const unsigned int       n_inputs,
           const unsigned int       n_outputs,
           const NetworkParameters &parameters)
    : Network(n_inputs, n_outputs, parameters.dtype)
    , activation(parameters.activation)
  {
    unsigned int in = n_inputs;
    for (unsigned int l = 0; l <= parameters.hidden_layers; ++l)
      {
        const unsigned int out =
          (l < parameters.hidden_layers ? parameters.width : n_outputs);
        layers.push_back(register_module("layer_" + std::to_string(l),
                                         torch::nn::Linear(in, out)));
        initialize(layers.back(), parameters.initialization);
        in = out;
      }
    to(parameters.dtype);
  }


  torch::Tensor
  MLP::raw_forward(const torch::Tensor &x)
  {
    auto z = x;
    for (unsigned int l = 0; l + 1 < layers.size(); ++l)
      z = activate(activation, layers[l]->forward(z));
    return layers.back()->forward(z);
  }


  void
  MLP::center_first_layer(const std::vector<double> &center)
  {
    AssertThrow(center.size() == n_inputs(),
                ExcMessage("the center needs one coordinate per input"));
    torch::NoGradGuard  no_grad;
    const torch::Tensor c =
      torch::tensor(center, torch::dtype(torch::kFloat64)).to(dtype());
    layers[0]->bias.copy_(-torch::mv(layers[0]->weight, c));
  }


  ForwardDerivatives
  MLP::raw_derivatives(const torch::Tensor &x)
  {
    // z = x: gradient the identity, Laplacian zero.
    Stack z{x,
            torch::eye(x.size(1), x.options()).unsqueeze(1),
            torch::Tensor()};
    for (unsigned int l = 0; l + 1 < layers.size(); ++l)
      z = apply_activation(apply_linear(z, layers[l]), activation);
    return to_derivatives(apply_linear(z, layers.back()));
  }


  FourierFeatureNetwork::FourierFeatureNetwork(
    const unsigned int       n_inputs,
    const unsigned int       n_outputs,
    const NetworkParameters &parameters)
    : Network(n_inputs, n_outputs, parameters.dtype)
    , activation(parameters.activation)
  {
    const auto m = parameters.fourier_features_per_scale;
    for (unsigned int k = 0; k < parameters.fourier_scales.size(); ++k)
      {
        auto b = parameters.fourier_scales[k] *
                 torch::randn({static_cast<std::int64_t>(n_inputs), m},
                              torch::TensorOptions().dtype(parameters.dtype));
        const std::string name = "frequencies_" + std::to_string(k);
        frequencies.push_back(parameters.trainable_fourier_features ?
                                register_parameter(name, b) :
                                register_buffer(name, b));
      }
    unsigned int in = 2 * m;
    for (unsigned int l = 0; l < parameters.hidden_layers; ++l)
      {
        trunk.push_back(
          register_module("trunk_" + std::to_string(l),
                          torch::nn::Linear(in, parameters.width)));
        initialize(trunk.back(), parameters.initialization);
        in = parameters.width;
      }
    output_layer =
      register_module("output",
                      torch::nn::Linear(parameters.fourier_scales.size() * in,
                                        n_outputs));
    initialize(output_layer, parameters.initialization);
    to(parameters.dtype);
  }


  torch::Tensor
  FourierFeatureNetwork::raw_forward(const torch::Tensor &x)
  {
    std::vector<torch::Tensor> scales;
    for (const auto &b : frequencies)
      {
        const auto phase = 2 * M_PI * torch::matmul(x, b);
        auto       z = torch::cat({torch::cos(phase), torch::sin(phase)}, 1);
        for (auto &layer : trunk)
          z = activate(activation, layer->forward(z));
        scales.push_back(z);
      }
    return output_layer->forward(torch::cat(scales, 1));
  }


  ForwardDerivatives
  FourierFeatureNetwork::raw_derivatives(const torch::Tensor &x)
  {
    std::vector<torch::Tensor> values, gradients, laplacians;
    for (const auto &b : frequencies)
      {
        const auto scaled = 2 * M_PI * b; // (n, m)
        const auto phase  = torch::matmul(x, scaled);
        const auto c      = torch::cos(phase);
        const auto s      = torch::sin(phase);
        const auto db     = scaled.unsqueeze(1); // (n, 1, m)
        const auto norm2  = (scaled * scaled).sum(0);
        Stack      z{torch::cat({c, s}, 1),
                torch::cat({-s.unsqueeze(0) * db, c.unsqueeze(0) * db}, 2),
                -torch::cat({c * norm2, s * norm2}, 1)};
        for (auto &layer : trunk)
          z = apply_activation(apply_linear(z, layer), activation);
        values.push_back(z.value);
        gradients.push_back(z.gradient);
        laplacians.push_back(z.laplacian);
      }
    return to_derivatives(apply_linear({torch::cat(values, 1),
                                        torch::cat(gradients, 2),
                                        torch::cat(laplacians, 1)},
                                       output_layer));
  }


  std::shared_ptr<Network>
  create_network(const NetworkParameters &parameters,
                 const unsigned int       n_inputs,
                 const unsigned int       n_outputs)
  {
    torch::manual_seed(parameters.seed);
    if (parameters.type == "fourier features")
      return std::make_shared<FourierFeatureNetwork>(n_inputs,
                                                     n_outputs,
                                                     parameters);
    return std::make_shared<MLP>(n_inputs, n_outputs, parameters);
  }
} // namespace neuhom
