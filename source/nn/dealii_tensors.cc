#include <deal.II/base/exceptions.h>

#include <deal.II/fe/fe_values.h>

#include <neuhom/nn/dealii_tensors.h>

namespace neuhom
{
  torch::Tensor
  tensor_view(Vector<double> &vector)
  {
    return torch::from_blob(vector.data(),
                            {static_cast<std::int64_t>(vector.size())},
                            torch::kFloat64);
  }


  torch::Tensor
  to_tensor(const FullMatrix<double> &matrix)
  {
    auto result = torch::empty({static_cast<std::int64_t>(matrix.m()),
                                static_cast<std::int64_t>(matrix.n())},
                               torch::kFloat64);
    if (matrix.m() > 0 && matrix.n() > 0)
      // FullMatrix stores its entries row by row, contiguously.
      result.copy_(torch::from_blob(const_cast<double *>(&matrix(0, 0)),
                                    result.sizes(),
                                    torch::kFloat64));
    return result;
  }


  torch::Tensor
  to_sparse_tensor(const SparseMatrix<double> &matrix)
  {
    const auto   n = static_cast<std::int64_t>(matrix.n_nonzero_elements());
    auto         indices = torch::empty({2, n}, torch::kInt64);
    auto         entries = torch::empty({n}, torch::kFloat64);
    auto         index   = indices.accessor<std::int64_t, 2>();
    auto         value   = entries.accessor<double, 1>();
    std::int64_t k       = 0;
    for (const auto &entry : matrix)
      {
        index[0][k] = entry.row();
        index[1][k] = entry.column();
        value[k]    = entry.value();
        ++k;
      }
    return torch::sparse_coo_tensor(indices,
                                    entries,
                                    {static_cast<std::int64_t>(matrix.m()),
                                     static_cast<std::int64_t>(matrix.n())})
      .coalesce();
  }


  torch::Tensor
  to_dense_tensor(const SparseMatrix<double> &matrix)
  {
    return to_sparse_tensor(matrix).to_dense();
  }


  void
  copy_to(const torch::Tensor &tensor, Vector<double> &vector)
  {
    AssertThrow(tensor.numel() == static_cast<std::int64_t>(vector.size()),
                ExcDimensionMismatch(tensor.numel(), vector.size()));
    tensor_view(vector).copy_(tensor.detach().reshape({-1}));
  }


  template <int dim>
  NetworkOnQuadraturePoints<dim>::NetworkOnQuadraturePoints(
    const Mapping<dim>    &mapping,
    const DoFHandler<dim> &dof_handler,
    const Quadrature<dim> &quadrature)
    : n_q_points(quadrature.size())
    , first_point(dof_handler.get_triangulation().n_active_cells(),
                  numbers::invalid_unsigned_int)
  {
    FEValues<dim> fe_values(mapping,
                            dof_handler.get_fe(),
                            quadrature,
                            update_quadrature_points);
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          first_point[cell->active_cell_index()] = coordinates.size() / dim;
          fe_values.reinit(cell);
          for (const auto &p : fe_values.get_quadrature_points())
            for (unsigned int d = 0; d < dim; ++d)
              coordinates.push_back(p[d]);
        }
  }


  template <int dim>
  unsigned int
  NetworkOnQuadraturePoints<dim>::n_points() const
  {
    return coordinates.size() / dim;
  }


  template <int dim>
  torch::Tensor
  NetworkOnQuadraturePoints<dim>::points()
  {
    return torch::from_blob(coordinates.data(),
                            {static_cast<std::int64_t>(n_points()), dim},
                            torch::kFloat64);
  }


  template <int dim>
  void
  NetworkOnQuadraturePoints<dim>::evaluate(Network   &network,
                                           const bool with_gradients)
  {
    AssertThrow(network.n_inputs() == dim,
                ExcDimensionMismatch(network.n_inputs(), dim));
    n_outputs    = network.n_outputs();
    const auto n = static_cast<std::int64_t>(n_points());
    const auto m = static_cast<std::int64_t>(n_outputs);
    // A float64 network reads our coordinates in place; float32 needs one
    // converted copy.
    auto x = points().to(network.dtype());
    values.resize(n * m);
    auto value_view = torch::from_blob(values.data(), {n, m}, torch::kFloat64);
    if (!with_gradients)
      {
        torch::NoGradGuard no_grad;
        value_view.copy_(network.forward(x));
        gradients.clear();
        return;
      }

    x.requires_grad_(true);
    const auto y = network.forward(x);
    value_view.copy_(y.detach());
    gradients.resize(n * m * dim);
    auto gradient_view =
      torch::from_blob(gradients.data(), {n, m, dim}, torch::kFloat64);
    for (std::int64_t c = 0; c < m; ++c)
      gradient_view.select(1, c).copy_(
        torch::autograd::grad({y.select(1, c).sum()},
                              {x},
                              /*grad_outputs=*/{},
                              /*retain_graph=*/c + 1 < m)[0]);
  }


  template <int dim>
  unsigned int
  NetworkOnQuadraturePoints<dim>::point_index(
    const typename DoFHandler<dim>::active_cell_iterator &cell,
    const unsigned int                                    q) const
  {
    const unsigned int first = first_point[cell->active_cell_index()];
    Assert(first != numbers::invalid_unsigned_int,
           ExcMessage("cell is not locally owned"));
    Assert(q < n_q_points, ExcIndexRange(q, 0, n_q_points));
    return first + q;
  }


  template <int dim>
  double
  NetworkOnQuadraturePoints<dim>::value(
    const typename DoFHandler<dim>::active_cell_iterator &cell,
    const unsigned int                                    q,
    const unsigned int                                    component) const
  {
    return values[point_index(cell, q) * n_outputs + component];
  }


  template <int dim>
  Tensor<1, dim>
  NetworkOnQuadraturePoints<dim>::gradient(
    const typename DoFHandler<dim>::active_cell_iterator &cell,
    const unsigned int                                    q,
    const unsigned int                                    component) const
  {
    Assert(!gradients.empty(), ExcMessage("evaluate() without gradients"));
    const double *g =
      &gradients[(point_index(cell, q) * n_outputs + component) * dim];
    Tensor<1, dim> result;
    for (unsigned int d = 0; d < dim; ++d)
      result[d] = g[d];
    return result;
  }


  template class NetworkOnQuadraturePoints<2>;
  template class NetworkOnQuadraturePoints<3>;
} // namespace neuhom
