#ifndef neuhom_lod_nested_grid_h
#define neuhom_lod_nested_grid_h

#include <deal.II/base/function.h>
#include <deal.II/base/point.h>

#include <deal.II/lac/full_matrix.h>

#include <array>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /** A multi-index (i_0, ..., i_{dim-1}) of a cell or node of a grid. */
  template <int dim>
  using GridIndex = std::array<unsigned int, dim>;

  /** The multi-index of @p index in a lexicographic grid (x fastest). */
  template <int dim>
  inline GridIndex<dim>
  unflatten_index(unsigned int index, const GridIndex<dim> &extent)
  {
    GridIndex<dim> result;
    for (unsigned int d = 0; d < dim; ++d)
      {
        result[d] = index % extent[d];
        index /= extent[d];
      }
    return result;
  }

  /** Inverse of unflatten_index(). */
  template <int dim>
  inline unsigned int
  flatten_index(const GridIndex<dim> &index, const GridIndex<dim> &extent)
  {
    unsigned int result = 0, stride = 1;
    for (unsigned int d = 0; d < dim; ++d)
      {
        result += stride * index[d];
        stride *= extent[d];
      }
    return result;
  }

  /**
   * A box of coarse cells [lower, lower + size) of the coarse grid: an LOD
   * patch. Its fine nodes are numbered lexicographically (x fastest) over
   * the (size_k r + 1) nodes per direction.
   */
  template <int dim>
  struct CellBox
  {
    GridIndex<dim> lower;
    GridIndex<dim> size;

    unsigned int
    n_cells() const;

    bool
    contains(const GridIndex<dim> &cell) const;
  };

  /** Which quasi-interpolation defines the fine-scale space W = ker I_H. */
  enum class QuasiInterpolation
  {
    /** I_H = pi_H o Pi_H^dg: element L2 projection, vertex averaging. */
    averaged_l2_projection,
    /** I_H = global L2 projection onto V_H (ker I_H = ker P^T M_h). */
    l2_projection
  };

  /**
   * The nested pair of structured meshes of LOD on the unit hypercube: the
   * coarse grid T_H with N cells per direction and the fine grid T_h that
   * divides each coarse cell into r^dim cells (r = H/h any integer, not only
   * powers of two). Both are handled by index arithmetic only: LOD needs the
   * fine scale patch by patch, and a structured patch is a box of indices,
   * so no rank ever builds a fine triangulation for the correctors.
   *
   * The class also holds the reference data shared by all fine cells (the
   * grid is uniform): Q1 shape functions at the Gauss points, the element
   * mass matrix, the gradient products per quadrature point (the element
   * stiffness matrix is their coefficient-weighted sum), and the per-coarse-
   * cell matrices P_K (fine nodal values of the 2^dim coarse shape
   * functions) and L_K (the local quasi-interpolation).
   */
  template <int dim>
  class NestedGrid
  {
  public:
    static constexpr unsigned int vertices_per_cell = 1u << dim;

    NestedGrid(unsigned int       coarse_cells_per_direction,
               unsigned int       refinement,
               unsigned int       quadrature_points_per_direction,
               QuasiInterpolation interpolation);

    unsigned int
    coarse_cells_per_direction() const
    {
      return N;
    }
    unsigned int
    refinement() const
    {
      return r;
    }
    unsigned int
    fine_cells_per_direction() const
    {
      return N * r;
    }
    unsigned int
    n_coarse_cells() const;
    unsigned int
    n_coarse_vertices() const;
    unsigned int
    n_fine_nodes() const;
    /** Fine nodes of one coarse cell: (r+1)^dim. */
    unsigned int
    n_cell_nodes() const;

    GridIndex<dim>
    coarse_cell_index(unsigned int cell) const;
    unsigned int
    coarse_cell(const GridIndex<dim> &index) const;
    GridIndex<dim>
    coarse_vertex_index(unsigned int vertex) const;
    unsigned int
    coarse_vertex(const GridIndex<dim> &index) const;
    /** Global coarse vertex of local vertex @p v (deal.II order) of @p cell. */
    unsigned int
    cell_vertex(unsigned int cell, unsigned int v) const;
    bool
    vertex_on_boundary(unsigned int vertex) const;

    /** N^l(K): the box of coarse cells within l layers, clipped at Gamma. */
    CellBox<dim>
    patch(unsigned int cell, unsigned int layers) const;

    /** Number of fine nodes of the closed box. */
    unsigned int
    n_box_nodes(const CellBox<dim> &box) const;
    /** Index in the box numbering of local node @p i of coarse cell @p cell. */
    unsigned int
    box_node(const CellBox<dim> &box, unsigned int cell, unsigned int i) const;
    /** Whether box node @p node lies on the boundary of the box. */
    bool
    box_node_on_boundary(const CellBox<dim> &box, unsigned int node) const;
    /** The global fine node of box node @p node. */
    unsigned int
    box_node_to_fine_node(const CellBox<dim> &box, unsigned int node) const;

    /**
     * The coarse cell that owns the global fine node @p node for output:
     * the cell with the smallest index that contains it.
     */
    unsigned int
    fine_node_owner(unsigned int node) const;
    /** Global fine node of local node @p i of coarse cell @p cell. */
    unsigned int
    cell_node_to_fine_node(unsigned int cell, unsigned int i) const;

    /** Local node (in the coarse cell) of vertex v of fine cell @p e. */
    unsigned int
    fine_cell_node(unsigned int e, unsigned int v) const;
    unsigned int
    n_fine_cells_per_coarse_cell() const;
    /** Real coordinates of quadrature point q of fine cell e of @p cell. */
    Point<dim>
    quadrature_point(unsigned int cell, unsigned int e, unsigned int q) const;

    unsigned int
    n_quadrature_points() const;
    /** Q1 shape function i at quadrature point q (reference cell). */
    double
    shape_value(unsigned int i, unsigned int q) const;
    /** Weight times fine cell volume. */
    double
    JxW(unsigned int q) const;
    /** sum_q a_q w_q grad phi_i . grad phi_j on one fine cell. */
    void
    fine_stiffness(const double *a, FullMatrix<double> &matrix) const;
    /** The same into 2^dim x 2^dim row-major values (no allocation). */
    void
    fine_stiffness(const double *a, double *matrix) const;
    const FullMatrix<double> &
    fine_mass() const
    {
      return mass;
    }

    /** P_K: (r+1)^dim x 2^dim fine nodal values of the coarse hats. */
    const FullMatrix<double> &
    coarse_shape_values() const
    {
      return coarse_shapes;
    }
    /**
     * L_K: 2^dim x (r+1)^dim. Row z times the fine nodal values on K gives
     * the contribution of K to (I_H v)(z), before the vertex weight.
     */
    const FullMatrix<double> &
    local_interpolation() const
    {
      return interpolation_matrix;
    }
    /** The factor of vertex z in I_H (0 on Gamma). */
    double
    interpolation_weight(unsigned int vertex) const;

    QuasiInterpolation
    quasi_interpolation() const
    {
      return interpolation;
    }

  private:
    const unsigned int       N, r, n_q_1d;
    const QuasiInterpolation interpolation;
    std::vector<Point<dim>>  q_points;
    std::vector<double>      q_weights;
    FullMatrix<double>       shape_values;  // 2^dim x n_q
    std::vector<double>      grad_products; // per q: 2^dim x 2^dim, row-major
    FullMatrix<double>       mass;
    FullMatrix<double>       coarse_shapes;
    FullMatrix<double>       interpolation_matrix;
  };


  /**
   * The coefficient at the quadrature points of the fine cells, per coarse
   * cell (fine cells lexicographic, then quadrature points). Each rank
   * samples only the coarse cells its patches touch.
   */
  template <int dim>
  class CoefficientSamples
  {
  public:
    explicit CoefficientSamples(const NestedGrid<dim> &grid);

    /** (Re-)sample @p coefficient at its current time on @p cells. */
    void
    sample(const Function<dim> &coefficient, const std::vector<bool> &cells);

    /** The n_fine_cells * n_q values of coarse cell @p cell. */
    const double *
    cell(unsigned int cell) const;

    bool
    has_cell(unsigned int cell) const;

  private:
    const NestedGrid<dim>           &grid;
    std::vector<std::vector<double>> values;
  };
} // namespace neuhom

#endif
