#include <neuhom/core/input_error.h>
#include <neuhom/methods/operator_compression/local_blocks.h>

#include <cmath>
#include <random>

namespace neuhom::operator_compression
{
  BlockGeometry::BlockGeometry(const unsigned int coarse_cells,
                               const unsigned int refinement,
                               const unsigned int layers)
    : N(coarse_cells)
    , r(refinement)
    , l(layers)
  {}


  int
  BlockGeometry::row_vertex(const unsigned int cell, const unsigned int i) const
  {
    const int cx = cell % N, cy = cell / N;
    const int vx = cx - int(l) + int(i % patch_vertices());
    const int vy = cy - int(l) + int(i / patch_vertices());
    if (vx < 0 || vy < 0 || vx > int(N) || vy > int(N))
      return -1;
    return vx + (N + 1) * vy;
  }


  template <typename Number>
  void
  BlockGeometry::extract_patch(const double      *field,
                               const unsigned int cell,
                               Number            *out) const
  {
    const int F = fine_cells(), P = patch_cells();
    const int x0 = int(cell % N) * int(r) - int(l * r);
    const int y0 = int(cell / N) * int(r) - int(l * r);
    for (int y = 0; y < P; ++y)
      {
        const int fy = y0 + y;
        for (int x = 0; x < P; ++x)
          {
            const int fx   = x0 + x;
            out[x + P * y] = (fx < 0 || fy < 0 || fx >= F || fy >= F) ?
                               Number(0) :
                               Number(field[fx + F * fy]);
          }
      }
  }


  void
  BlockGeometry::pad_block(const ElementCorrectors<2> &correctors,
                           double                     *out) const
  {
    std::fill(out, out + n_outputs(), 0.);
    const int cx = correctors.cell % N, cy = correctors.cell / N;
    for (unsigned int k = 0; k < correctors.block_rows.size(); ++k)
      {
        const int vertex = correctors.block_rows[k];
        const int px     = vertex % (N + 1) - cx + int(l);
        const int py     = vertex / (N + 1) - cy + int(l);
        const int row    = px + int(patch_vertices()) * py;
        for (unsigned int v = 0; v < 4; ++v)
          out[row + n_rows() * v] = correctors.local_block(k, v);
      }
  }


  unsigned int
  n_coefficient_classes(const unsigned int fine_cells)
  {
    const unsigned int K = std::lround(std::log2(fine_cells));
    return K + 2;
  }


  std::string
  class_name(const unsigned int coefficient_class,
             const unsigned int fine_cells)
  {
    if (coefficient_class + 1 == n_coefficient_classes(fine_cells))
      return "ms";
    return "k" + std::to_string(coefficient_class);
  }


  namespace
  {
    // One level: values i.i.d. U[minimum, maximum] on the 2^k grid,
    // prolongated to the fine cells.
    void
    add_level(std::vector<double> &field,
              const unsigned int   fine_cells,
              const unsigned int   k,
              std::mt19937_64     &rng,
              const double         factor,
              const double         minimum,
              const double         maximum)
    {
      const unsigned int  n = 1u << k, width = fine_cells / n;
      std::vector<double> values(n * n);
      for (double &v : values)
        v = minimum + (maximum - minimum) * (double(rng() >> 11) * 0x1.0p-53);
      for (unsigned int y = 0; y < fine_cells; ++y)
        for (unsigned int x = 0; x < fine_cells; ++x)
          field[x + fine_cells * y] +=
            factor * values[x / width + n * (y / width)];
    }
  } // namespace


  std::vector<double>
  sample_coefficient(const unsigned int  fine_cells,
                     const unsigned int  coefficient_class,
                     const std::uint64_t seed,
                     const std::uint64_t index,
                     const double        minimum,
                     const double        maximum)
  {
    const unsigned int n_classes = n_coefficient_classes(fine_cells);
    AssertThrow((1u << (n_classes - 2)) == fine_cells,
                ExcMessage("the fine cells must be a power of two"));
    AssertThrow(coefficient_class < n_classes, ExcIndexRange(0, 0, 0));
    std::seed_seq       sequence{std::uint32_t(seed),
                           std::uint32_t(seed >> 32),
                           std::uint32_t(coefficient_class),
                           std::uint32_t(index),
                           std::uint32_t(index >> 32)};
    std::mt19937_64     rng(sequence);
    std::vector<double> field(fine_cells * fine_cells, 0.);
    if (coefficient_class + 1 < n_classes)
      add_level(field,
                fine_cells,
                coefficient_class,
                rng,
                1.,
                minimum,
                maximum);
    else
      for (unsigned int k = 0; k + 1 < n_classes; ++k)
        add_level(field,
                  fine_cells,
                  k,
                  rng,
                  1. / (n_classes - 1),
                  minimum,
                  maximum);
    return field;
  }


  CellFieldCoefficient::CellFieldCoefficient(const unsigned int  fine_cells,
                                             std::vector<double> values)
    : n(fine_cells)
    , values(std::move(values))
  {}


  double
  CellFieldCoefficient::value(const Point<2> &p, const unsigned int) const
  {
    const auto index = [&](const double x) {
      return std::min<unsigned int>(n - 1, std::max(0., std::floor(x * n)));
    };
    return values[index(p[0]) + n * index(p[1])];
  }


  double
  CellFieldCoefficient::feature_size() const
  {
    return 1. / n;
  }


  std::vector<unsigned int>
  CellFieldCoefficient::grid_cells_per_direction() const
  {
    return {n, n};
  }


  std::vector<double>
  classical_blocks(const BlockGeometry       &geometry,
                   const std::vector<double> &field,
                   const unsigned int         first,
                   const unsigned int         count,
                   const unsigned int         fine_refinement)
  {
    // Two Gauss points per direction integrate the Q1 stiffness of a
    // piecewise constant coefficient exactly.
    const NestedGrid<2>        grid(geometry.N,
                             geometry.r * fine_refinement,
                             2,
                             QuasiInterpolation::averaged_l2_projection);
    const CellFieldCoefficient coefficient(geometry.fine_cells(), field);
    CoefficientSamples<2>      samples(grid);
    std::vector<bool>          needed(geometry.n_cells(), false);
    for (unsigned int cell = first; cell < first + count; ++cell)
      {
        const CellBox<2> box = grid.patch(cell, geometry.l);
        for (unsigned int y = 0; y < box.size[1]; ++y)
          for (unsigned int x = 0; x < box.size[0]; ++x)
            needed[grid.coarse_cell({{box.lower[0] + x, box.lower[1] + y}})] =
              true;
      }
    samples.sample(coefficient, needed);

    std::vector<double> blocks(std::size_t(count) * geometry.n_outputs());
    for (unsigned int c = 0; c < count; ++c)
      geometry.pad_block(
        compute_element_correctors(grid, first + c, geometry.l, samples),
        blocks.data() + std::size_t(c) * geometry.n_outputs());
    return blocks;
  }


  template void
  BlockGeometry::extract_patch(const double *, unsigned int, double *) const;
  template void
  BlockGeometry::extract_patch(const double *, unsigned int, float *) const;
} // namespace neuhom::operator_compression
