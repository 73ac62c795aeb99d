#ifndef neuhom_fem_block_q1_field_h
#define neuhom_fem_block_q1_field_h

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>

#include <deal.II/grid/tria.h>

#include <neuhom/fem/point_field.h>

#include <array>
#include <vector>

namespace neuhom
{
  /**
   * A Q1 function on the uniform grid of the unit hypercube with N r cells
   * per direction, known only on some blocks: the cells of a coarse grid
   * with N cells per direction (lexicographic, x fastest), each r^dim fine
   * cells with (r+1)^dim nodal values (lexicographic, x fastest).
   *
   * This is how a rank holds its part of a fine field that another
   * partition computed, e.g. the LOD reconstruction u = (I - C) u_H (one
   * block per coarse cell, LODProblem::reconstruct()): it keeps only the
   * blocks under its locally owned cells of the fine deal.II mesh
   * (blocks_under_owned_cells()), and the field can be evaluated there
   * without searching or communicating. Asking for a point outside the
   * known blocks is an error.
   */
  template <int dim>
  class BlockQ1Field : public PointField<dim>
  {
  public:
    BlockQ1Field(unsigned int coarse_cells_per_direction,
                 unsigned int refinement);

    /** Set the (r+1)^dim nodal values of block @p cell. */
    void
    set_block(unsigned int cell, std::vector<double> nodal_values);

    bool
    has_block(unsigned int cell) const;

    /** The nodal values of a known block. */
    const std::vector<double> &
    block(unsigned int cell) const;

    /** Number of known blocks. */
    unsigned int
    n_blocks() const
    {
      return n_known;
    }

    double
    value(const Point<dim> &p) const override;

    Tensor<1, dim>
    gradient(const Point<dim> &p) const override;

  private:
    const unsigned int               N, r;
    std::vector<std::vector<double>> blocks; // empty: unknown
    unsigned int                     n_known = 0;

    // The known block containing p (closed), the fine cell of p in it and
    // the local coordinates of p in that fine cell.
    unsigned int
    locate(const Point<dim>              &p,
           std::array<unsigned int, dim> &fine_cell,
           std::array<double, dim>       &local) const;
  };


  /**
   * The blocks (coarse cells of the uniform grid with @p N cells per
   * direction on the unit hypercube) that contain the locally owned active
   * cells of @p triangulation, a uniform refinement of that grid or finer;
   * sorted.
   */
  template <int dim>
  std::vector<unsigned int>
  blocks_under_owned_cells(const Triangulation<dim> &triangulation,
                           unsigned int              N);
} // namespace neuhom

#endif
