#ifndef neuhom_lod_patch_problem_h
#define neuhom_lod_patch_problem_h

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include <neuhom/lod/nested_grid.h>
#include <neuhom/lod/patch_assembly.h>
#include <neuhom/lod/sparse_cholesky.h>

#include <map>
#include <memory>
#include <vector>

namespace neuhom
{
  /**
   * The CHOLMOD analyses (AMD ordering and symbolic factorization) of patch
   * stiffness matrices, one per patch shape: the free nodes of a box and the
   * sparsity pattern of its stiffness matrix depend on the box size only, so
   * all interior patches share one analysis and each patch needs the
   * numeric factorization only.
   */
  template <int dim>
  class PatchAnalyses
  {
  public:
    /**
     * The analysis for boxes of @p size, computed from the given pattern
     * (lower triangle in compressed columns) on first use.
     */
    const SparseCholesky &
    get(const GridIndex<dim>   &size,
        unsigned int            n,
        const std::vector<int> &column_start,
        const std::vector<int> &row_index);

    /** Number of different shapes analyzed so far. */
    unsigned int
    size() const
    {
      return analyses.size();
    }

  private:
    std::map<GridIndex<dim>, std::unique_ptr<SparseCholesky>> analyses;
  };


  /**
   * The fine-scale problem on one patch (a box of coarse cells):
   *
   *   minimize 1/2 a(v, v) - rhs(v)  over v in V_h(box), v = 0 on the box
   *   boundary,  subject to  I_H v = 0,
   *
   * as the saddle-point system [A C^T; C 0] solved by the Schur complement
   * on the constraints (A and C from PatchAssembly): A = P^T L L^T P (the fine
   * stiffness on the free nodes) is factorized once (sparse supernodal
   * Cholesky, CHOLMOD), W = L^{-1} P C^T (all n_c columns in one blocked
   * forward substitution) and the small dense S = C A^{-1} C^T = W^T W are
   * formed once (BLAS-3), and a block of right-hand sides b then costs one
   * forward and one backward substitution plus dense products with W: z =
   * L^{-1} P b,  lambda = S^{-1} W^T z,  q = P^T L^{-T} (z - W lambda), which
   * is q = A^{-1} (b - C^T lambda) with C q = 0.
   *
   * The constraint rows are the coarse vertices of the closed box that are
   * not on Gamma, including those on the patch boundary inside the domain:
   * cells of the box contribute to their value of I_H v.
   */
  template <int dim>
  class PatchProblem
  {
  public:
    /**
     * Assemble and factorize. With @p analyses, the ordering and symbolic
     * factorization are shared between all patches of the same shape.
     */
    PatchProblem(const NestedGrid<dim>         &grid,
                 const CellBox<dim>            &box,
                 const CoefficientSamples<dim> &coefficient,
                 PatchAnalyses<dim>            *analyses = nullptr);

    /**
     * Replace @p rhs_and_solution (on the box nodes; entries at boundary
     * nodes are ignored) by the constrained minimizer q (zero on the box
     * boundary).
     */
    void
    solve(Vector<double> &rhs_and_solution) const;

    /** The same for several right-hand sides in one blocked solve. */
    void
    solve(std::vector<Vector<double>> &rhs_and_solutions) const;

    /** y = A v with the stiffness of all cells of the box, on all nodes. */
    void
    apply_stiffness(const Vector<double> &v, Vector<double> &y) const;

    /** y += A_K v with the stiffness of coarse cell @p cell of the box only. */
    void
    add_cell_stiffness(unsigned int          cell,
                       const Vector<double> &v,
                       Vector<double>       &y) const;

    const CellBox<dim> &
    get_box() const
    {
      return assembly.get_box();
    }

    unsigned int
    n_free_nodes() const
    {
      return n_free;
    }

    unsigned int
    n_constraints() const
    {
      return n_c;
    }

  private:
    const PatchAssembly<dim> assembly;
    const unsigned int       n_nodes;
    const unsigned int       n_free;

    SparseCholesky cholesky; // of A

    unsigned int n_c = 0;
    // W = L^{-1} P C^T, n_free x n_c column-major.
    std::vector<double> W;
    FullMatrix<double>  S_inverse; // (C A^{-1} C^T)^{-1}

    /** The blocked solve on the free nodes: n_free x m column-major. */
    void
    solve_free(double *block, unsigned int m) const;

    void
    factorize(PatchAnalyses<dim> *analyses);
    void
    build_constraints();
  };


  /**
   * The localized element correctors C_K^l Lambda_v of one coarse cell K for
   * its 2^dim vertices v, and the Petrov-Galerkin LOD local block
   *
   *   S_K(i, v) = a( chi_K Lambda_v - C_K^l Lambda_v , Lambda_i )
   *
   * for the coarse vertices i of the closed patch (Kroepfl-Maier-Peterseim
   * eq. (3.9), gridlod's Kmsij). Vertices on Gamma are kept, so that the
   * rows and columns of interior blocks sum to zero; global assembly drops
   * them.
   */
  template <int dim>
  struct ElementCorrectors
  {
    unsigned int cell = 0;
    CellBox<dim> patch;
    /** correctors[v]: C_K^l Lambda_v on the nodes of the patch box. */
    std::vector<Vector<double>> correctors;
    /** Global coarse vertices of the closed patch: the rows of the block. */
    std::vector<unsigned int> block_rows;
    FullMatrix<double>        local_block;
  };


  template <int dim>
  ElementCorrectors<dim>
  compute_element_correctors(const NestedGrid<dim>         &grid,
                             unsigned int                   cell,
                             unsigned int                   layers,
                             const CoefficientSamples<dim> &coefficient,
                             PatchAnalyses<dim>            *analyses = nullptr);

  /**
   * Global coarse vertices of the closed box, lexicographic: the row order
   * of ElementCorrectors::local_block.
   */
  template <int dim>
  std::vector<unsigned int>
  box_vertices(const NestedGrid<dim> &grid, const CellBox<dim> &box);
} // namespace neuhom

#endif
