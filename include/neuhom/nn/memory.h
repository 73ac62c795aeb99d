#ifndef neuhom_nn_memory_h
#define neuhom_nn_memory_h

#include <neuhom/nn/network.h>

namespace neuhom
{
  /**
   * Bytes one full-batch training step of the network @p network needs on
   * @p n_points points of dimension @p input_dimension when the loss uses
   * derivatives() (value, gradient and Laplacian carried through every
   * layer, input_dimension + 2 numbers per unit and point): about six such
   * tensors per hidden layer are kept for the backward pass (pre-activation,
   * activation and the derivative factors). A deliberately generous
   * estimate of the order of magnitude, for check_memory() (fem/mesh.h):
   * a collocation or training set that would not fit is refused up front.
   */
  double
  estimate_training_memory(const NetworkParameters &network,
                           double                   n_points,
                           unsigned int             input_dimension);
} // namespace neuhom

#endif
