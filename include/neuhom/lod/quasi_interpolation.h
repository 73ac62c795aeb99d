#ifndef neuhom_lod_quasi_interpolation_h
#define neuhom_lod_quasi_interpolation_h

#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/sparsity_pattern.h>

#include <neuhom/lod/nested_grid.h>

namespace neuhom
{
  /**
   * The quasi-interpolation of @p grid as a sparse matrix from the fine
   * nodes to all coarse vertices (zero rows on Gamma): for the averaged L2
   * projection this is I_H = pi_H o Pi_H^dg itself; for the global L2
   * projection it is P^T M_h, which has the same kernel (I_H = M_H^{-1}
   * P^T M_h is dense). The patch problems use the same local matrices row
   * by row; this global form is for checks and export.
   */
  template <int dim>
  void
  make_quasi_interpolation_matrix(const NestedGrid<dim> &grid,
                                  SparsityPattern       &sparsity,
                                  SparseMatrix<double>  &matrix);

  /** P: the fine nodal values of all coarse hats (fine nodes x vertices). */
  template <int dim>
  void
  make_coarse_prolongation_matrix(const NestedGrid<dim> &grid,
                                  SparsityPattern       &sparsity,
                                  SparseMatrix<double>  &matrix);
} // namespace neuhom

#endif
