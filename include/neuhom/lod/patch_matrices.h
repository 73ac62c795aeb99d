#ifndef neuhom_lod_patch_matrices_h
#define neuhom_lod_patch_matrices_h

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/vector.h>

#include <neuhom/lod/nested_grid.h>

#include <vector>

namespace neuhom
{
  /**
   * The matrices of the element corrector problem of coarse cell K on its
   * patch N^l(K) as explicit data, for methods that minimize the Ritz
   * energy themselves (Deep Ritz) instead of solving the saddle-point system
   * of PatchProblem:
   *
   *   C_K^l Lambda_v = argmin 1/2 q^T S q - r_v^T q  subject to  C q = 0,
   *
   * with S the fine stiffness of the whole patch on its free nodes (the box
   * nodes not on the box boundary), r_v = A_K gamma_v the stiffness of the
   * fine cells of K only applied to the coarse hat gamma_v of local vertex v
   * of K, and C = I_H restricted to the patch (the same rows as
   * PatchProblem: every closed-box vertex not on Gamma).
   */
  template <int dim>
  struct PatchMatrices
  {
    unsigned int cell = 0;
    CellBox<dim> patch;
    /** Box node (lexicographic box numbering) of every free node. */
    std::vector<unsigned int> free_nodes;
    /** S in coordinate form (both triangles), indices into free_nodes. */
    std::vector<unsigned int> stiffness_rows, stiffness_columns;
    std::vector<double>       stiffness_values;
    /** r_v = A_K gamma_v on the free nodes: n_free x 2^dim. */
    FullMatrix<double> rhs;
    /** gamma_v^T A_K gamma_v: the Ritz energy is >= -1/2 of it (Lemma 3.6). */
    Vector<double> element_energy;
    /** C: n_constraints x n_free. */
    FullMatrix<double> constraints;

    unsigned int
    n_free() const
    {
      return free_nodes.size();
    }

    /** y = S x on the free nodes. */
    void
    apply_stiffness(const Vector<double> &x, Vector<double> &y) const;

    /** 1/2 q^T S q - r_v^T q for a vector q on the free nodes. */
    double
    energy(const Vector<double> &q, unsigned int v) const;
  };


  /** The patch matrices of coarse cell @p cell with @p layers layers. */
  template <int dim>
  PatchMatrices<dim>
  make_patch_matrices(const NestedGrid<dim>         &grid,
                      unsigned int                   cell,
                      unsigned int                   layers,
                      const CoefficientSamples<dim> &coefficient);
} // namespace neuhom

#endif
