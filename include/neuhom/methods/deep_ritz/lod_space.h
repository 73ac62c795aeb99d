#ifndef neuhom_methods_deep_ritz_lod_space_h
#define neuhom_methods_deep_ritz_lod_space_h

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/sparse_direct.h>
#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/sparsity_pattern.h>
#include <deal.II/lac/vector.h>

#include <neuhom/lod/nested_grid.h>
#include <neuhom/methods/deep_ritz/cell_field.h>

#include <vector>

namespace neuhom
{
  namespace deep_ritz
  {
    /**
     * Element correctors of every coarse cell: [cell][local vertex] the
     * values of C_K^l Lambda_v on the nodes of the patch box (the format of
     * ElementCorrectors::correctors), from the classical saddle-point solve
     * or from the networks.
     */
    using CellCorrectors = std::vector<std::vector<Vector<double>>>;

    /** The coefficient of @p field sampled on every coarse cell. */
    CoefficientSamples<2>
    sample_field(const NestedGrid<2> &grid, const CellField &field);

    /** Classical LOD: compute_element_correctors() of every coarse cell. */
    CellCorrectors
    classical_correctors(const NestedGrid<2> &grid,
                         unsigned int         layers,
                         const CellField     &coefficient);

    /**
     * The fine Q1 system on the interior fine nodes (homogeneous Dirichlet):
     * stiffness A_h of the coefficient, mass M_h (optionally weighted by a
     * cellwise capacity), the a = 1 stiffness (H^1 seminorm) and the load of
     * a cellwise constant source.
     */
    class FineSystem
    {
    public:
      FineSystem(const NestedGrid<2> &grid,
                 const CellField     &coefficient,
                 const CellField     &source,
                 const CellField     *capacity = nullptr);

      unsigned int
      n_dofs() const
      {
        return dof_node.size();
      }
      /** Interior dof of fine node @p node, -1 on Gamma. */
      int
      dof(unsigned int node) const
      {
        return node_dof[node];
      }

      double
      energy_norm_squared(const Vector<double> &v) const;
      double
      h1_seminorm_squared(const Vector<double> &v) const;

      SparsityPattern           sparsity;
      SparseMatrix<double>      stiffness, mass, laplace;
      Vector<double>            load;
      std::vector<int>          node_dof;
      std::vector<unsigned int> dof_node;
    };

    /**
     * The corrected basis B = P - sum_K C_K^l Lambda as a dense matrix:
     * rows the interior fine dofs of @p fine, columns the interior coarse
     * vertices (lexicographic).
     */
    FullMatrix<double>
    corrected_basis(const NestedGrid<2>  &grid,
                    unsigned int          layers,
                    const CellCorrectors &correctors,
                    const FineSystem     &fine);

    /** Relative energy-norm error sqrt(sum_j |b_j - c_j|_a^2 / sum_j
     * |c_j|_a^2) of the columns of @p basis against @p reference. */
    double
    basis_rel_energy_error(const FullMatrix<double> &basis,
                           const FullMatrix<double> &reference,
                           const FineSystem         &fine);

    /** The Galerkin LOD system in the span of the columns of B. */
    struct CoarseSystem
    {
      FullMatrix<double> stiffness, mass;
      Vector<double>     load;

      CoarseSystem(const FullMatrix<double> &basis, const FineSystem &fine);

      /** Solve (stiffness_factor A + mass_factor M) U = rhs. */
      Vector<double>
      solve(const Vector<double> &rhs,
            double                stiffness_factor,
            double                mass_factor) const;
    };

    /** u = B U on the fine dofs. */
    Vector<double>
    reconstruct(const FullMatrix<double> &basis, const Vector<double> &U);

    /** |u - v|_{H^1} / |v|_{H^1}. */
    double
    rel_h1_error(const Vector<double> &u,
                 const Vector<double> &v,
                 const FineSystem     &fine);
  } // namespace deep_ritz
} // namespace neuhom

#endif
