#include <deal.II/lac/dynamic_sparsity_pattern.h>

#include <neuhom/lod/quasi_interpolation.h>

namespace neuhom
{
  template <int dim>
  void
  make_quasi_interpolation_matrix(const NestedGrid<dim> &grid,
                                  SparsityPattern       &sparsity,
                                  SparseMatrix<double>  &matrix)
  {
    const unsigned int     n_v = NestedGrid<dim>::vertices_per_cell;
    DynamicSparsityPattern dsp(grid.n_coarse_vertices(), grid.n_fine_nodes());
    for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
      for (unsigned int v = 0; v < n_v; ++v)
        for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
          dsp.add(grid.cell_vertex(K, v), grid.cell_node_to_fine_node(K, i));
    sparsity.copy_from(dsp);
    matrix.reinit(sparsity);

    const auto &L = grid.local_interpolation();
    for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
      for (unsigned int v = 0; v < n_v; ++v)
        {
          const unsigned int z = grid.cell_vertex(K, v);
          const double       w = grid.interpolation_weight(z);
          if (w != 0)
            for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
              matrix.add(z, grid.cell_node_to_fine_node(K, i), w * L(v, i));
        }
  }


  template <int dim>
  void
  make_coarse_prolongation_matrix(const NestedGrid<dim> &grid,
                                  SparsityPattern       &sparsity,
                                  SparseMatrix<double>  &matrix)
  {
    const unsigned int     n_v = NestedGrid<dim>::vertices_per_cell;
    DynamicSparsityPattern dsp(grid.n_fine_nodes(), grid.n_coarse_vertices());
    for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
      for (unsigned int v = 0; v < n_v; ++v)
        for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
          dsp.add(grid.cell_node_to_fine_node(K, i), grid.cell_vertex(K, v));
    sparsity.copy_from(dsp);
    matrix.reinit(sparsity);

    // Nodes shared by several coarse cells get the same value from each.
    const auto &P = grid.coarse_shape_values();
    for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
      for (unsigned int v = 0; v < n_v; ++v)
        for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
          matrix.set(grid.cell_node_to_fine_node(K, i),
                     grid.cell_vertex(K, v),
                     P(i, v));
  }


  template void
  make_quasi_interpolation_matrix(const NestedGrid<2> &,
                                  SparsityPattern &,
                                  SparseMatrix<double> &);
  template void
  make_quasi_interpolation_matrix(const NestedGrid<3> &,
                                  SparsityPattern &,
                                  SparseMatrix<double> &);
  template void
  make_coarse_prolongation_matrix(const NestedGrid<2> &,
                                  SparsityPattern &,
                                  SparseMatrix<double> &);
  template void
  make_coarse_prolongation_matrix(const NestedGrid<3> &,
                                  SparsityPattern &,
                                  SparseMatrix<double> &);
} // namespace neuhom
