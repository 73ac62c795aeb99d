#ifndef neuhom_lod_sparse_cholesky_h
#define neuhom_lod_sparse_cholesky_h

#include <deal.II/lac/sparse_matrix.h>

#include <memory>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /**
   * Sparse Cholesky factorization A = P^T L L^T P of a symmetric positive
   * definite matrix (CHOLMOD's supernodal factorization with AMD ordering,
   * behind a pointer so that its header stays out of ours). Solves with
   * several right-hand sides at once are blocked: this is what makes the
   * Schur complement of the LOD patch problems cheap.
   *
   * The ordering and the symbolic factorization depend on the sparsity
   * pattern only: analyze() computes them once, and factorize() with that
   * analysis then does the numeric factorization only (the LOD patches of
   * one shape all have the same pattern).
   */
  class SparseCholesky
  {
  public:
    SparseCholesky();
    ~SparseCholesky();

    /**
     * Fill-reducing ordering and symbolic factorization of the pattern of
     * the n x n matrix given by its lower triangle in compressed columns
     * (row indices >= the column, in any order within a column). No values.
     */
    void
    analyze(unsigned int            n,
            const std::vector<int> &column_start,
            const std::vector<int> &row_index);

    /** Whether analyze() or factorize() was called. */
    bool
    is_analyzed() const;

    /**
     * Factorize the n x n matrix given by its lower triangle in compressed
     * columns (row indices >= the column, in any order within a column).
     */
    void
    factorize(unsigned int               n,
              const std::vector<int>    &column_start,
              const std::vector<int>    &row_index,
              const std::vector<double> &values);

    /**
     * The same with the ordering and symbolic factorization of
     * @p analysis, on which analyze() was called for the same pattern.
     */
    void
    factorize(unsigned int               n,
              const std::vector<int>    &column_start,
              const std::vector<int>    &row_index,
              const std::vector<double> &values,
              const SparseCholesky      &analysis);

    /** Factorize @p matrix (symmetric; its upper triangle is read). */
    void
    factorize(const SparseMatrix<double> &matrix);

    /** Overwrite the n x m column-major block @p x by A^{-1} x. */
    void
    solve(double *x, unsigned int m = 1) const;

    /** Overwrite the n x m column-major block @p x by L^{-1} P x. */
    void
    forward_solve(double *x, unsigned int m = 1) const;

    /** Overwrite the n x m column-major block @p x by P^T L^{-T} x. */
    void
    backward_solve(double *x, unsigned int m = 1) const;

  private:
    struct Data;
    std::unique_ptr<Data> data;
  };
} // namespace neuhom

#endif
