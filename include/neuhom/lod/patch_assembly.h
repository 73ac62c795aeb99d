#ifndef neuhom_lod_patch_assembly_h
#define neuhom_lod_patch_assembly_h

#include <deal.II/lac/vector.h>

#include <neuhom/lod/nested_grid.h>

#include <vector>

namespace neuhom
{
  /**
   * The fine-scale matrices of one patch (a box of coarse cells), assembled
   * once and shared by the two ways of solving the element corrector
   * problem: PatchProblem factorizes them (classical LOD), PatchMatrices
   * hands them to a Ritz-energy minimization (Deep Ritz LOD).
   *
   * - the element stiffness matrices of all fine cells of the box, with the
   *   coefficient samples of its coarse cells (apply them with
   *   add_cell_stiffness());
   * - the stiffness S on the free nodes (box nodes not on the box
   *   boundary, in increasing box-node order) as its lower triangle in
   *   compressed columns;
   * - the constraint matrix C = I_H restricted to the box: one row per
   *   coarse vertex of the closed box whose row does not vanish on the free
   *   nodes (vertices on Gamma have weight 0; they and, for r = 1, vertices
   *   that see no free node are dropped), returned as the columns of C^T.
   */
  template <int dim>
  class PatchAssembly
  {
  public:
    PatchAssembly(const NestedGrid<dim>         &grid,
                  const CellBox<dim>            &box,
                  const CoefficientSamples<dim> &coefficient);

    const CellBox<dim> &
    get_box() const
    {
      return box;
    }

    /** Number of nodes of the closed box. */
    unsigned int
    n_nodes() const
    {
      return free_index.size();
    }

    unsigned int
    n_free() const
    {
      return n_free_nodes;
    }

    /** The free node number of box node @p node, or -1 on the boundary. */
    int
    free_node(const unsigned int node) const
    {
      return free_index[node];
    }

    /** Global coarse cell of the k-th cell of the box (lexicographic). */
    unsigned int
    box_cell(unsigned int k) const;

    /**
     * The lower triangle of S (rows >= column) in compressed columns, the
     * rows of a column in the order of first contribution: column j has
     * the entries column_start[j] ... column_start[j+1]-1 of row_index and
     * values.
     */
    const std::vector<int> &
    stiffness_column_start() const
    {
      return column_start;
    }
    const std::vector<int> &
    stiffness_row_index() const
    {
      return row_index;
    }
    const std::vector<double> &
    stiffness_values() const
    {
      return column_values;
    }

    /**
     * C^T, n_free x n_constraints column-major; @p vertices (if given)
     * receives the global coarse vertex of each constraint.
     */
    std::vector<double>
    constraint_columns(std::vector<unsigned int> *vertices = nullptr) const;

    /**
     * y += A_K v with the stiffness of coarse cell @p cell of the box only
     * (all cells for numbers::invalid_unsigned_int), on the box nodes.
     */
    void
    add_cell_stiffness(unsigned int          cell,
                       const Vector<double> &v,
                       Vector<double>       &y) const;

  private:
    const NestedGrid<dim> &grid;
    const CellBox<dim>     box;
    std::vector<int>       free_index; // box node -> free node or -1
    unsigned int           n_free_nodes = 0;

    // Box node of local node i of the k-th cell of the box:
    // cell_offsets[k] + node_offsets[i]; fine_cell_nodes[e * 2^dim + v] is
    // the local node of vertex v of fine cell e.
    std::vector<unsigned int> cell_offsets, node_offsets, fine_cell_nodes;

    // Element stiffness matrices of the fine cells, (coarse cell of the
    // box, fine cell) lexicographic, 2^dim x 2^dim row-major each.
    std::vector<double> element_matrices;

    // S, lower triangle in compressed columns.
    std::vector<int>    column_start, row_index;
    std::vector<double> column_values;

    /** Compute the element matrices and S in one pass over the cells. */
    void
    assemble(const CoefficientSamples<dim> &coefficient);
  };
} // namespace neuhom

#endif
