#ifndef neuhom_lod_patch_problem_h
#define neuhom_lod_patch_problem_h

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include <neuhom/lod/nested_grid.h>
#include <neuhom/lod/sparse_cholesky.h>

#include <vector>

namespace neuhom
{
  /**
   * The fine-scale problem on one patch (a box of coarse cells):
   *
   *   minimize 1/2 a(v, v) - rhs(v)  over v in V_h(box), v = 0 on the box
   *   boundary,  subject to  I_H v = 0,
   *
   * as the saddle-point system [A C^T; C 0] solved by the Schur complement
   * on the constraints: A (the fine stiffness on the free nodes) is
   * factorized once (sparse supernodal Cholesky, CHOLMOD), Y = A^{-1} C^T
   * (all n_c columns in one blocked solve) and the small dense S = C Y are
   * formed once, and every right-hand side then costs one
   * forward/backward substitution plus a solve with S:
   *   q0 = A^{-1} rhs,  lambda = S^{-1} C q0,  q = q0 - Y lambda.
   *
   * The constraint rows are the coarse vertices of the closed box that are
   * not on Gamma, including those on the patch boundary inside the domain:
   * cells of the box contribute to their value of I_H v.
   */
  template <int dim>
  class PatchProblem
  {
  public:
    PatchProblem(const NestedGrid<dim>         &grid,
                 const CellBox<dim>            &box,
                 const CoefficientSamples<dim> &coefficient);

    /**
     * Replace @p rhs_and_solution (on the box nodes; entries at boundary
     * nodes are ignored) by the constrained minimizer q (zero on the box
     * boundary).
     */
    void
    solve(Vector<double> &rhs_and_solution) const;

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
      return box;
    }

    unsigned int
    n_free_nodes() const
    {
      return n_free;
    }

    unsigned int
    n_constraints() const
    {
      return constraints.m();
    }

  private:
    const NestedGrid<dim> &grid;
    const CellBox<dim>     box;
    const unsigned int     n_nodes;
    std::vector<int>       free_index; // box node -> free node or -1
    unsigned int           n_free = 0;

    // Box node of local node i of the k-th cell of the box:
    // cell_offsets[k] + node_offsets[i]; fine_cell_nodes[e * 2^dim + v] is
    // the local node of vertex v of fine cell e.
    std::vector<unsigned int> cell_offsets, node_offsets, fine_cell_nodes;

    // Element stiffness matrices of the fine cells, (coarse cell of the
    // box, fine cell) lexicographic, 2^dim x 2^dim row-major each.
    std::vector<double> element_matrices;

    SparseCholesky cholesky; // of A

    FullMatrix<double> constraints; // C: n_c x n_free
    FullMatrix<double> Y_transpose; // (A^{-1} C^T)^T: n_c x n_free
    FullMatrix<double> S_inverse;   // (C A^{-1} C^T)^{-1}

    /** Global coarse cell of the i-th cell of the box (lexicographic). */
    unsigned int
    box_cell(unsigned int i) const;

    void
    assemble(const CoefficientSamples<dim> &coefficient);
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
                             const CoefficientSamples<dim> &coefficient);

  /**
   * Global coarse vertices of the closed box, lexicographic: the row order
   * of ElementCorrectors::local_block.
   */
  template <int dim>
  std::vector<unsigned int>
  box_vertices(const NestedGrid<dim> &grid, const CellBox<dim> &box);
} // namespace neuhom

#endif
