#ifndef neuhom_methods_operator_compression_local_blocks_h
#define neuhom_methods_operator_compression_local_blocks_h

#include <neuhom/core/coefficient.h>
#include <neuhom/lod/nested_grid.h>
#include <neuhom/lod/patch_problem.h>

#include <cstdint>
#include <string>
#include <vector>

/**
 * Neural operator compression (Kroepfl, Maier, Peterseim): a network learns
 * the map from the coefficient on an LOD patch to the Petrov-Galerkin LOD
 * local block of the patch's centre element; the coarse surrogate matrix is
 * assembled from the predicted blocks.
 */
namespace neuhom::operator_compression
{
  using namespace dealii;

  /**
   * The index maps between the unit square (N x N coarse cells, each divided
   * into r x r fine cells that carry one coefficient value each, eps = h =
   * 1/(N r)) and the fixed-size data of one coarse cell T:
   *
   * - input: the coefficient on the padded patch of (2l+1) x (2l+1) coarse
   *   cells centred at T, (2l+1) r fine cells per direction, lexicographic
   *   with x fastest, 0 outside the domain (the paper's extension by l layers
   *   of outer elements);
   * - output: the local block S_T with one row per coarse vertex of the
   *   padded patch ((2l+2)^2, lexicographic, x fastest) and one column per
   *   vertex of T (deal.II order v = v_x + 2 v_y), flattened column-major:
   *   entry (i, v) at i + (2l+2)^2 v. Rows of vertices outside the closed
   *   domain are 0.
   *
   * Fine-cell fields over the whole domain are stored lexicographically,
   * x fastest: field[ix + N r iy].
   */
  class BlockGeometry
  {
  public:
    BlockGeometry(unsigned int coarse_cells,
                  unsigned int refinement,
                  unsigned int layers);

    const unsigned int N, r, l;

    unsigned int
    fine_cells() const
    {
      return N * r;
    }
    unsigned int
    field_size() const
    {
      return fine_cells() * fine_cells();
    }
    unsigned int
    n_cells() const
    {
      return N * N;
    }
    /** Fine cells per direction of the padded patch: (2l+1) r. */
    unsigned int
    patch_cells() const
    {
      return (2 * l + 1) * r;
    }
    unsigned int
    n_inputs() const
    {
      return patch_cells() * patch_cells();
    }
    /** Coarse vertices per direction of the padded patch: 2l+2. */
    unsigned int
    patch_vertices() const
    {
      return 2 * l + 2;
    }
    unsigned int
    n_rows() const
    {
      return patch_vertices() * patch_vertices();
    }
    unsigned int
    n_outputs() const
    {
      return 4 * n_rows();
    }

    /**
     * The global coarse vertex ((N+1)^2 lexicographic) of row @p i of the
     * block of @p cell, or -1 if it lies outside the closed domain.
     */
    int
    row_vertex(unsigned int cell, unsigned int i) const;

    /** The padded patch input of @p cell from the fine-cell @p field. */
    template <typename Number>
    void
    extract_patch(const double *field, unsigned int cell, Number *out) const;

    /**
     * The padded, column-major block of the element correctors' PG-LOD local
     * block (rows: the closed, clipped patch's vertices).
     */
    void
    pad_block(const ElementCorrectors<2> &correctors, double *out) const;
  };


  /**
   * The coefficient classes of the paper on the fine-cell grid with
   * F = N r = 2^K cells per direction: class k = 0..K is piecewise constant
   * on the 2^k x 2^k grid with values i.i.d. U[a, b] (the paper: U[1, 5],
   * the default of sample_coefficient()); class K+1 ("ms") is
   * the average of independent draws of all K+1 levels. At the paper's scale
   * (F = 256) these are its 10 classes.
   */
  unsigned int
  n_coefficient_classes(unsigned int fine_cells);

  std::string
  class_name(unsigned int coefficient_class, unsigned int fine_cells);

  /**
   * Sample @p index of class @p coefficient_class with values in
   * [@p minimum, @p maximum]: a deterministic function of (seed, class,
   * index, range), on every rank the same.
   */
  std::vector<double>
  sample_coefficient(unsigned int  fine_cells,
                     unsigned int  coefficient_class,
                     std::uint64_t seed,
                     std::uint64_t index,
                     double        minimum = 1.,
                     double        maximum = 5.);

  /**
   * The piecewise constant coefficient of a fine-cell field, for the LOD
   * layer and the fine-scale reference.
   */
  class CellFieldCoefficient : public Coefficient<2>
  {
  public:
    CellFieldCoefficient(unsigned int fine_cells, std::vector<double> values);

    double
    value(const Point<2> &p, unsigned int component = 0) const override;
    double
    feature_size() const override;
    std::vector<unsigned int>
    grid_cells_per_direction() const override;

  private:
    const unsigned int        n;
    const std::vector<double> values;
  };


  /**
   * The classical PG-LOD local blocks (padded, column-major, n_outputs()
   * each) of the coarse cells [first, first + count) for the fine-cell
   * @p field: one patch problem per cell (lod layer), on a mesh with
   * @p fine_refinement cells per direction in each coefficient cell
   * (h = eps / fine_refinement; the paper asks for h "significantly
   * smaller" than eps).
   */
  std::vector<double>
  classical_blocks(const BlockGeometry       &geometry,
                   const std::vector<double> &field,
                   unsigned int               first,
                   unsigned int               count,
                   unsigned int               fine_refinement = 1);
} // namespace neuhom::operator_compression

#endif
