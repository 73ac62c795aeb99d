#ifndef neuhom_methods_operator_compression_surrogate_matrix_h
#define neuhom_methods_operator_compression_surrogate_matrix_h

#include <deal.II/base/mpi.h>

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/sparsity_pattern.h>
#include <deal.II/lac/vector.h>

#include <neuhom/methods/operator_compression/local_blocks.h>

#include <vector>

namespace neuhom::operator_compression
{
  /**
   * Assembly of the global coarse matrix from padded local blocks,
   *
   *   S = sum_T pi_T S_T phi_T^T   (paper eq. (3.10)),
   *
   * on the free coarse vertices (not on Gamma), numbered by increasing
   * global vertex: rows of the block whose vertex is outside the domain or on
   * Gamma, and columns of vertices of T on Gamma, are dropped. The sparsity
   * pattern is that of the PG-LOD matrix (each column couples to the
   * vertices of the patch of each cell around it), the same for the
   * classical and the predicted blocks.
   */
  class SurrogateAssembler
  {
  public:
    explicit SurrogateAssembler(const BlockGeometry &geometry);

    unsigned int
    n_free() const
    {
      return free_vertex.size();
    }
    /** Global coarse vertex of each free unknown. */
    const std::vector<unsigned int> &
    free_vertices() const
    {
      return free_vertex;
    }
    const SparsityPattern &
    sparsity_pattern() const
    {
      return sparsity;
    }

    /**
     * @p matrix (re-initialized on the pattern) = the sum over the ranks of
     * @p comm of the contributions of the blocks of cells [first, first +
     * count) each rank passes (count * n_outputs values): every rank holds
     * the whole matrix afterwards.
     */
    void
    assemble(const std::vector<double> &blocks,
             unsigned int               first,
             unsigned int               count,
             MPI_Comm                   comm,
             SparseMatrix<double>      &matrix) const;

    /**
     * A dense copy of @p matrix, whose unknowns are the vertices
     * @p vertices (e.g. LODProblem::free_vertices()), in this numbering.
     */
    FullMatrix<double>
    to_dense(const SparseMatrix<double>      &matrix,
             const std::vector<unsigned int> &vertices) const;

    /**
     * ||u||_L2 of the coarse Q1 function with values @p u on the free
     * vertices (0 on Gamma): sqrt(u^T M_H u).
     */
    double
    l2_norm(const Vector<double> &u) const;

    /** The (N+1)^2 nodal values of @p u, 0 on Gamma. */
    std::vector<double>
    nodal_values(const Vector<double> &u) const;

  private:
    const BlockGeometry       geometry;
    std::vector<unsigned int> free_vertex;
    std::vector<int>          vertex_to_free;
    SparsityPattern           sparsity;
  };

  /** The spectral norm ||A||_2 (largest singular value). */
  double
  spectral_norm(const FullMatrix<double> &matrix);
} // namespace neuhom::operator_compression

#endif
