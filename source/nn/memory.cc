#include <neuhom/nn/memory.h>

namespace neuhom
{
  double
  estimate_training_memory(const NetworkParameters &network,
                           const double             n_points,
                           const unsigned int       input_dimension)
  {
    // Hidden units evaluated per point: a Fourier-feature network runs its
    // trunk once per scale on 2 x features per scale inputs.
    double units = double(network.hidden_layers) * network.width;
    if (network.type == "fourier features")
      units = network.fourier_scales.size() *
              (units + 2. * network.fourier_features_per_scale);
    const double element_size = c10::elementSize(network.dtype);
    return 6 * n_points * (input_dimension + 2) * units * element_size;
  }
} // namespace neuhom
