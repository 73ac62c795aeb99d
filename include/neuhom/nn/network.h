#ifndef neuhom_nn_network_h
#define neuhom_nn_network_h

#include <deal.II/base/parameter_handler.h>

#include <neuhom/nn/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /** The pointwise nonlinearities of the networks. */
  enum class Activation
  {
    tanh,
    relu,
    silu,
    sin
  };

  /**
   * sigma(h). A float32 tanh that autograd does not record (online
   * inference) is evaluated by a vectorized rational approximation:
   * absolute error below 4e-7 (torch's: 6e-8), about 6x faster than
   * torch's tanh; in place when @p h is a temporary nobody else sees.
   */
  torch::Tensor
  activate(Activation activation, torch::Tensor h);

  /**
   * Subsection "Network": architecture, initialization and precision of the
   * network a method trains.
   */
  struct NetworkParameters
  {
    std::string         type                       = "mlp";
    unsigned int        hidden_layers              = 4;
    unsigned int        width                      = 64;
    Activation          activation                 = Activation::tanh;
    std::string         initialization             = "xavier normal";
    torch::Dtype        dtype                      = torch::kFloat64;
    unsigned int        seed                       = 1;
    std::vector<double> fourier_scales             = {1., 10.};
    unsigned int        fourier_features_per_scale = 32;
    bool                trainable_fourier_features = false;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);
  };


  /**
   * The value, gradient and Laplacian of a network's output at a batch of
   * N points: value (N, n_out), gradient (N, n_in, n_out), laplacian
   * (N, n_out). They stay differentiable with respect to the parameters:
   * a PINN loss built from them trains by one backward pass.
   */
  struct ForwardDerivatives
  {
    torch::Tensor value;
    torch::Tensor gradient;
    torch::Tensor laplacian;
  };


  /**
   * A map R^n_in -> R^n_out on a batch x of shape (N, n_in). forward() is the
   * raw network followed by the optional output transform, e.g. the hard
   * Dirichlet condition u(x) = g(x) + d(x) N(x) with a distance function d.
   */
  class Network : public torch::nn::Module
  {
  public:
    using OutputTransform =
      std::function<torch::Tensor(const torch::Tensor &x,
                                  const torch::Tensor &raw_output)>;

    Network(unsigned int n_inputs, unsigned int n_outputs, torch::Dtype dtype);

    torch::Tensor
    forward(const torch::Tensor &x);

    /** The network without the output transform. */
    virtual torch::Tensor
    raw_forward(const torch::Tensor &x) = 0;

    /**
     * Value, gradient and Laplacian of forward() with respect to x: those of
     * raw_derivatives() if there is no output transform, else by nested
     * reverse-mode autograd through the transform.
     */
    ForwardDerivatives
    derivatives(const torch::Tensor &x);

    /**
     * Value, gradient and Laplacian of raw_forward(). This implementation
     * uses nested reverse-mode autograd (one reverse pass for the gradient,
     * one per input and output for the Laplacian); MLP and
     * FourierFeatureNetwork override it with forward propagation.
     */
    virtual ForwardDerivatives
    raw_derivatives(const torch::Tensor &x);

    void
    set_output_transform(const OutputTransform &transform);

    unsigned int
    n_inputs() const;
    unsigned int
    n_outputs() const;
    torch::Dtype
    dtype() const;

    /** The total number of scalar parameters. */
    std::int64_t
    n_parameters() const;

  private:
    const unsigned int inputs;
    const unsigned int outputs;
    const torch::Dtype scalar_type;
    OutputTransform    transform;
  };


  /**
   * Fully connected network x -> sigma(W_1 x + b_1) -> ... -> W_L z + b_L
   * with a linear output layer; parameters "layer_0.weight", ...
   */
  class MLP : public Network
  {
  public:
    MLP(unsigned int             n_inputs,
        unsigned int             n_outputs,
        const NetworkParameters &parameters);

    torch::Tensor
    raw_forward(const torch::Tensor &x) override;

    /**
     * Value, gradient and Laplacian in one forward pass (the "forward
     * Laplacian"): every layer maps the stack (z, dz/dx_1, ..., dz/dx_n,
     * Laplace z) with one matrix product, and the activation applies
     *   grad sigma(h) = sigma'(h) grad h,
     *   Laplace sigma(h) = sigma'(h) Laplace h + sigma''(h) |grad h|^2.
     * Training with it needs one backward pass instead of the nested reverse
     * passes of autograd.
     */
    ForwardDerivatives
    raw_derivatives(const torch::Tensor &x) override;

    /**
     * Moves the hyperplanes W x + b = 0 of the first layer through @p center
     * (b = -W center). With zero initial biases they all pass through the
     * origin; for inputs in a box away from it, e.g. the unit square, the
     * ReLU kinks then fan out from one corner, and the network resolves
     * that corner better than the opposite one.
     */
    void
    center_first_layer(const std::vector<double> &center);

  private:
    const Activation               activation;
    std::vector<torch::nn::Linear> layers;
  };


  /**
   * The multiscale Fourier feature network of Wang, Wang & Perdikaris (the
   * Ms-PINN of the hybrid PINN paper): for every scale sigma_k the features
   * F_k(x) = [cos(2 pi B_k x), sin(2 pi B_k x)] with B_k ~ N(0, sigma_k^2)
   * pass through one shared trunk of hidden layers, and a linear layer maps
   * the concatenated trunk outputs to the result. The B_k are buffers (fixed)
   * or parameters (trainable).
   */
  class FourierFeatureNetwork : public Network
  {
  public:
    FourierFeatureNetwork(unsigned int             n_inputs,
                          unsigned int             n_outputs,
                          const NetworkParameters &parameters);

    torch::Tensor
    raw_forward(const torch::Tensor &x) override;

    /**
     * The forward Laplacian as for the MLP; the feature maps start it with
     * grad F = 2 pi B^T [-sin, cos] and Laplace F = -(2 pi)^2 |B|^2 [cos, sin].
     */
    ForwardDerivatives
    raw_derivatives(const torch::Tensor &x) override;

  private:
    const Activation               activation;
    std::vector<torch::Tensor>     frequencies;
    std::vector<torch::nn::Linear> trunk;
    torch::nn::Linear              output_layer = nullptr;
  };


  /**
   * The network the parameters describe, initialized from their seed, in
   * their precision.
   */
  std::shared_ptr<Network>
  create_network(const NetworkParameters &parameters,
                 unsigned int             n_inputs,
                 unsigned int             n_outputs);
} // namespace neuhom

#endif
