#include <deal.II/base/quadrature_lib.h>
#include <deal.II/base/utilities.h>

#include <neuhom/lod/nested_grid.h>

#include <algorithm>

namespace neuhom
{
  namespace
  {
    template <int dim>
    GridIndex<dim>
    uniform(const unsigned int n)
    {
      GridIndex<dim> result;
      result.fill(n);
      return result;
    }
  } // namespace


  template <int dim>
  unsigned int
  CellBox<dim>::n_cells() const
  {
    unsigned int n = 1;
    for (unsigned int d = 0; d < dim; ++d)
      n *= size[d];
    return n;
  }


  template <int dim>
  bool
  CellBox<dim>::contains(const GridIndex<dim> &cell) const
  {
    for (unsigned int d = 0; d < dim; ++d)
      if (cell[d] < lower[d] || cell[d] >= lower[d] + size[d])
        return false;
    return true;
  }


  template <int dim>
  NestedGrid<dim>::NestedGrid(const unsigned int       coarse_cells,
                              const unsigned int       refinement,
                              const unsigned int       quadrature_points,
                              const QuasiInterpolation interpolation)
    : N(coarse_cells)
    , r(refinement)
    , n_q_1d(quadrature_points)
    , interpolation(interpolation)
  {
    const QGauss<dim> quadrature(n_q_1d);
    q_points  = quadrature.get_points();
    q_weights = quadrature.get_weights();

    const double h = 1. / fine_cells_per_direction();
    shape_values.reinit(vertices_per_cell, q_points.size());
    grad_products.assign(q_points.size() * vertices_per_cell *
                           vertices_per_cell,
                         0.);
    mass.reinit(vertices_per_cell, vertices_per_cell);
    for (unsigned int q = 0; q < q_points.size(); ++q)
      {
        std::array<Tensor<1, dim>, vertices_per_cell> grads;
        for (unsigned int i = 0; i < vertices_per_cell; ++i)
          {
            double value = 1;
            for (unsigned int d = 0; d < dim; ++d)
              {
                const bool bit = (i >> d) & 1;
                value *= bit ? q_points[q][d] : 1 - q_points[q][d];
                double g = (bit ? 1. : -1.) / h;
                for (unsigned int k = 0; k < dim; ++k)
                  if (k != d)
                    g *= ((i >> k) & 1) ? q_points[q][k] : 1 - q_points[q][k];
                grads[i][d] = g;
              }
            shape_values(i, q) = value;
          }
        const double JxW = q_weights[q] * std::pow(h, dim);
        for (unsigned int i = 0; i < vertices_per_cell; ++i)
          for (unsigned int j = 0; j < vertices_per_cell; ++j)
            {
              grad_products[(q * vertices_per_cell + i) * vertices_per_cell +
                            j] = JxW * (grads[i] * grads[j]);
              mass(i, j) += JxW * shape_values(i, q) * shape_values(j, q);
            }
      }

    // P_K, and L_K from P_K^T M_K accumulated fine cell by fine cell (the
    // (r+1)^dim square mass matrix of K is never formed).
    coarse_shapes.reinit(n_cell_nodes(), vertices_per_cell);
    for (unsigned int i = 0; i < n_cell_nodes(); ++i)
      {
        const auto node = unflatten_index<dim>(i, uniform<dim>(r + 1));
        for (unsigned int v = 0; v < vertices_per_cell; ++v)
          {
            double value = 1;
            for (unsigned int d = 0; d < dim; ++d)
              value *=
                ((v >> d) & 1) ? double(node[d]) / r : 1. - double(node[d]) / r;
            coarse_shapes(i, v) = value;
          }
      }
    FullMatrix<double> PtM(vertices_per_cell, n_cell_nodes());
    for (unsigned int e = 0; e < n_fine_cells_per_coarse_cell(); ++e)
      for (unsigned int a = 0; a < vertices_per_cell; ++a)
        for (unsigned int b = 0; b < vertices_per_cell; ++b)
          for (unsigned int v = 0; v < vertices_per_cell; ++v)
            PtM(v, fine_cell_node(e, b)) +=
              coarse_shapes(fine_cell_node(e, a), v) * mass(a, b);

    if (interpolation == QuasiInterpolation::l2_projection)
      interpolation_matrix = PtM;
    else
      {
        FullMatrix<double> coarse_mass(vertices_per_cell);
        PtM.mmult(coarse_mass, coarse_shapes);
        coarse_mass.gauss_jordan();
        interpolation_matrix.reinit(vertices_per_cell, n_cell_nodes());
        coarse_mass.mmult(interpolation_matrix, PtM);
      }
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::n_coarse_cells() const
  {
    return Utilities::fixed_power<dim>(N);
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::n_coarse_vertices() const
  {
    return Utilities::fixed_power<dim>(N + 1);
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::n_fine_nodes() const
  {
    return Utilities::fixed_power<dim>(N * r + 1);
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::n_cell_nodes() const
  {
    return Utilities::fixed_power<dim>(r + 1);
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::n_fine_cells_per_coarse_cell() const
  {
    return Utilities::fixed_power<dim>(r);
  }


  template <int dim>
  GridIndex<dim>
  NestedGrid<dim>::coarse_cell_index(const unsigned int cell) const
  {
    return unflatten_index<dim>(cell, uniform<dim>(N));
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::coarse_cell(const GridIndex<dim> &index) const
  {
    return flatten_index<dim>(index, uniform<dim>(N));
  }


  template <int dim>
  GridIndex<dim>
  NestedGrid<dim>::coarse_vertex_index(const unsigned int vertex) const
  {
    return unflatten_index<dim>(vertex, uniform<dim>(N + 1));
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::coarse_vertex(const GridIndex<dim> &index) const
  {
    return flatten_index<dim>(index, uniform<dim>(N + 1));
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::cell_vertex(const unsigned int cell,
                               const unsigned int v) const
  {
    auto index = coarse_cell_index(cell);
    for (unsigned int d = 0; d < dim; ++d)
      index[d] += (v >> d) & 1;
    return coarse_vertex(index);
  }


  template <int dim>
  bool
  NestedGrid<dim>::vertex_on_boundary(const unsigned int vertex) const
  {
    const auto index = coarse_vertex_index(vertex);
    return std::any_of(index.begin(), index.end(), [&](unsigned int i) {
      return i == 0 || i == N;
    });
  }


  template <int dim>
  CellBox<dim>
  NestedGrid<dim>::patch(const unsigned int cell,
                         const unsigned int layers) const
  {
    const auto   index = coarse_cell_index(cell);
    CellBox<dim> box;
    for (unsigned int d = 0; d < dim; ++d)
      {
        box.lower[d] = index[d] >= layers ? index[d] - layers : 0;
        const unsigned int upper =
          std::min<unsigned long>(N,
                                  static_cast<unsigned long>(index[d]) +
                                    layers + 1);
        box.size[d] = upper - box.lower[d];
      }
    return box;
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::n_box_nodes(const CellBox<dim> &box) const
  {
    unsigned int n = 1;
    for (unsigned int d = 0; d < dim; ++d)
      n *= box.size[d] * r + 1;
    return n;
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::box_node(const CellBox<dim> &box,
                            const unsigned int  cell,
                            const unsigned int  i) const
  {
    const auto     c    = coarse_cell_index(cell);
    const auto     node = unflatten_index<dim>(i, uniform<dim>(r + 1));
    GridIndex<dim> index, extent;
    for (unsigned int d = 0; d < dim; ++d)
      {
        index[d]  = (c[d] - box.lower[d]) * r + node[d];
        extent[d] = box.size[d] * r + 1;
      }
    return flatten_index<dim>(index, extent);
  }


  template <int dim>
  bool
  NestedGrid<dim>::box_node_on_boundary(const CellBox<dim> &box,
                                        const unsigned int  node) const
  {
    GridIndex<dim> extent;
    for (unsigned int d = 0; d < dim; ++d)
      extent[d] = box.size[d] * r + 1;
    const auto index = unflatten_index<dim>(node, extent);
    for (unsigned int d = 0; d < dim; ++d)
      if (index[d] == 0 || index[d] == extent[d] - 1)
        return true;
    return false;
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::box_node_to_fine_node(const CellBox<dim> &box,
                                         const unsigned int  node) const
  {
    GridIndex<dim> extent;
    for (unsigned int d = 0; d < dim; ++d)
      extent[d] = box.size[d] * r + 1;
    auto index = unflatten_index<dim>(node, extent);
    for (unsigned int d = 0; d < dim; ++d)
      index[d] += box.lower[d] * r;
    return flatten_index<dim>(index, uniform<dim>(N * r + 1));
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::fine_node_owner(const unsigned int node) const
  {
    auto index = unflatten_index<dim>(node, uniform<dim>(N * r + 1));
    for (unsigned int d = 0; d < dim; ++d)
      index[d] = std::min(index[d] / r, N - 1);
    return coarse_cell(index);
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::cell_node_to_fine_node(const unsigned int cell,
                                          const unsigned int i) const
  {
    const auto c     = coarse_cell_index(cell);
    auto       index = unflatten_index<dim>(i, uniform<dim>(r + 1));
    for (unsigned int d = 0; d < dim; ++d)
      index[d] += c[d] * r;
    return flatten_index<dim>(index, uniform<dim>(N * r + 1));
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::fine_cell_node(const unsigned int e,
                                  const unsigned int v) const
  {
    auto index = unflatten_index<dim>(e, uniform<dim>(r));
    for (unsigned int d = 0; d < dim; ++d)
      index[d] += (v >> d) & 1;
    return flatten_index<dim>(index, uniform<dim>(r + 1));
  }


  template <int dim>
  Point<dim>
  NestedGrid<dim>::quadrature_point(const unsigned int cell,
                                    const unsigned int e,
                                    const unsigned int q) const
  {
    const auto   c     = coarse_cell_index(cell);
    const auto   index = unflatten_index<dim>(e, uniform<dim>(r));
    const double h     = 1. / fine_cells_per_direction();
    Point<dim>   x;
    for (unsigned int d = 0; d < dim; ++d)
      x[d] = (c[d] * r + index[d] + q_points[q][d]) * h;
    return x;
  }


  template <int dim>
  unsigned int
  NestedGrid<dim>::n_quadrature_points() const
  {
    return q_points.size();
  }


  template <int dim>
  double
  NestedGrid<dim>::shape_value(const unsigned int i, const unsigned int q) const
  {
    return shape_values(i, q);
  }


  template <int dim>
  double
  NestedGrid<dim>::JxW(const unsigned int q) const
  {
    return q_weights[q] * std::pow(1. / fine_cells_per_direction(), dim);
  }


  template <int dim>
  void
  NestedGrid<dim>::fine_stiffness(const double       *a,
                                  FullMatrix<double> &matrix) const
  {
    matrix.reinit(vertices_per_cell, vertices_per_cell);
    fine_stiffness(a, &matrix(0, 0));
  }


  template <int dim>
  void
  NestedGrid<dim>::fine_stiffness(const double *a, double *matrix) const
  {
    constexpr unsigned int n = vertices_per_cell * vertices_per_cell;
    std::fill(matrix, matrix + n, 0.);
    for (unsigned int q = 0; q < q_points.size(); ++q)
      for (unsigned int i = 0; i < n; ++i)
        matrix[i] += a[q] * grad_products[q * n + i];
  }


  template <int dim>
  double
  NestedGrid<dim>::interpolation_weight(const unsigned int vertex) const
  {
    if (vertex_on_boundary(vertex))
      return 0;
    if (interpolation == QuasiInterpolation::l2_projection)
      return 1;
    // interior vertex: it lies in 2^dim coarse cells
    return 1. / vertices_per_cell;
  }


  template <int dim>
  CoefficientSamples<dim>::CoefficientSamples(const NestedGrid<dim> &grid)
    : grid(grid)
    , values(grid.n_coarse_cells())
  {}


  template <int dim>
  void
  CoefficientSamples<dim>::sample(const Function<dim>     &coefficient,
                                  const std::vector<bool> &cells)
  {
    const unsigned int n_q = grid.n_quadrature_points();
    for (unsigned int c = 0; c < grid.n_coarse_cells(); ++c)
      if (cells[c])
        {
          values[c].resize(grid.n_fine_cells_per_coarse_cell() * n_q);
          for (unsigned int e = 0; e < grid.n_fine_cells_per_coarse_cell(); ++e)
            for (unsigned int q = 0; q < n_q; ++q)
              values[c][e * n_q + q] =
                coefficient.value(grid.quadrature_point(c, e, q));
        }
  }


  template <int dim>
  const double *
  CoefficientSamples<dim>::cell(const unsigned int cell) const
  {
    AssertThrow(has_cell(cell),
                ExcMessage("coefficient not sampled on coarse cell " +
                           std::to_string(cell)));
    return values[cell].data();
  }


  template <int dim>
  bool
  CoefficientSamples<dim>::has_cell(const unsigned int cell) const
  {
    return !values[cell].empty();
  }


  template struct CellBox<2>;
  template struct CellBox<3>;
  template class NestedGrid<2>;
  template class NestedGrid<3>;
  template class CoefficientSamples<2>;
  template class CoefficientSamples<3>;
} // namespace neuhom
