#ifndef neuhom_nn_dealii_tensors_h
#define neuhom_nn_dealii_tensors_h

#include <deal.II/base/quadrature.h>
#include <deal.II/base/tensor.h>

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/mapping.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/vector.h>

#include <neuhom/nn/network.h>
#include <neuhom/nn/torch.h>

#include <vector>

// The deal.II <-> torch glue. It lives in the nn layer, not in core, because
// it needs the Network type and because every torch translation unit costs
// ~20 s of compile time: core stays torch-free.

namespace neuhom
{
  using namespace dealii;

  /** A float64 tensor of shape (n) sharing the memory of @p vector. */
  torch::Tensor
  tensor_view(Vector<double> &vector);

  /** A copy of @p matrix as a dense float64 tensor (m, n). */
  torch::Tensor
  to_tensor(const FullMatrix<double> &matrix);

  /** A copy of @p matrix as a dense float64 tensor (m, n). */
  torch::Tensor
  to_dense_tensor(const SparseMatrix<double> &matrix);

  /**
   * A copy of the stored entries of @p matrix as a coalesced sparse COO
   * float64 tensor (m, n); entries that are stored zeros stay stored.
   */
  torch::Tensor
  to_sparse_tensor(const SparseMatrix<double> &matrix);

  /** Copy a tensor with @p vector.size() entries into @p vector. */
  void
  copy_to(const torch::Tensor &tensor, Vector<double> &vector);


  /**
   * A network evaluated at all quadrature points of the locally owned cells
   * of a DoFHandler in one batched call, for use in assembly loops:
   *
   *   NetworkOnQuadraturePoints<dim> on_points(mapping, dof_handler, quad);
   *   on_points.evaluate(network);
   *   for (cell : locally owned cells)
   *     for (q ...)  a = on_points.value(cell, q); ... gradient(cell, q)
   *
   * The points live in one contiguous array that torch reads without a copy
   * (torch::from_blob); values and gradients are written back with one bulk
   * copy each, and the accessors read them in place.
   */
  template <int dim>
  class NetworkOnQuadraturePoints
  {
  public:
    NetworkOnQuadraturePoints(const Mapping<dim>    &mapping,
                              const DoFHandler<dim> &dof_handler,
                              const Quadrature<dim> &quadrature);

    /** One forward pass (and one backward pass per output if gradients). */
    void
    evaluate(Network &network, bool with_gradients = true);

    /** Number of points: locally owned cells times quadrature points. */
    unsigned int
    n_points() const;

    /** The points as a (n_points, dim) float64 tensor sharing our memory. */
    torch::Tensor
    points();

    double
    value(const typename DoFHandler<dim>::active_cell_iterator &cell,
          unsigned int                                          q,
          unsigned int component = 0) const;

    Tensor<1, dim>
    gradient(const typename DoFHandler<dim>::active_cell_iterator &cell,
             unsigned int                                          q,
             unsigned int component = 0) const;

  private:
    unsigned int
    point_index(const typename DoFHandler<dim>::active_cell_iterator &cell,
                unsigned int                                          q) const;

    const unsigned int        n_q_points;
    unsigned int              n_outputs = 0;
    std::vector<unsigned int> first_point; // by active cell index
    std::vector<double>       coordinates; // (n_points, dim)
    std::vector<double>       values;      // (n_points, n_outputs)
    std::vector<double>       gradients;   // (n_points, n_outputs, dim)
  };
} // namespace neuhom

#endif
