#include <neuhom/lod/patch_matrices.h>
#include <neuhom/lod/patch_problem.h>

#include <cmath>
#include <map>

namespace neuhom
{
  template <int dim>
  void
  PatchMatrices<dim>::apply_stiffness(const Vector<double> &x,
                                      Vector<double>       &y) const
  {
    y.reinit(n_free());
    for (std::size_t k = 0; k < stiffness_values.size(); ++k)
      y[stiffness_rows[k]] += stiffness_values[k] * x[stiffness_columns[k]];
  }


  template <int dim>
  double
  PatchMatrices<dim>::energy(const Vector<double> &q,
                             const unsigned int    v) const
  {
    Vector<double> Sq;
    apply_stiffness(q, Sq);
    double result = 0;
    for (unsigned int i = 0; i < n_free(); ++i)
      result += 0.5 * q[i] * Sq[i] - rhs(i, v) * q[i];
    return result;
  }


  template <int dim>
  PatchMatrices<dim>
  make_patch_matrices(const NestedGrid<dim>         &grid,
                      const unsigned int             cell,
                      const unsigned int             layers,
                      const CoefficientSamples<dim> &coefficient)
  {
    constexpr unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    const unsigned int     n_e = grid.n_fine_cells_per_coarse_cell();
    const unsigned int     n_q = grid.n_quadrature_points();

    PatchMatrices<dim> result;
    result.cell                 = cell;
    result.patch                = grid.patch(cell, layers);
    const CellBox<dim> &box     = result.patch;
    const unsigned int  n_nodes = grid.n_box_nodes(box);

    std::vector<int> free_index(n_nodes, -1);
    for (unsigned int i = 0; i < n_nodes; ++i)
      if (!grid.box_node_on_boundary(box, i))
        {
          free_index[i] = result.free_nodes.size();
          result.free_nodes.push_back(i);
        }
    const unsigned int n_free = result.free_nodes.size();

    // Fine stiffness of all cells of the box (S) and of K alone (A_K).
    std::map<std::pair<unsigned int, unsigned int>, double> entries;
    std::vector<unsigned int>                               box_cells;
    for (unsigned int k = 0; k < box.n_cells(); ++k)
      {
        auto index = unflatten_index<dim>(k, box.size);
        for (unsigned int d = 0; d < dim; ++d)
          index[d] += box.lower[d];
        box_cells.push_back(grid.coarse_cell(index));
      }
    FullMatrix<double> element(n_v, n_v),
      cell_stiffness(grid.n_cell_nodes(), grid.n_cell_nodes());
    for (const unsigned int c : box_cells)
      {
        const double *a = coefficient.cell(c);
        for (unsigned int e = 0; e < n_e; ++e)
          {
            grid.fine_stiffness(a + e * n_q, element);
            for (unsigned int p = 0; p < n_v; ++p)
              for (unsigned int q = 0; q < n_v; ++q)
                {
                  const unsigned int lp = grid.fine_cell_node(e, p),
                                     lq = grid.fine_cell_node(e, q);
                  if (c == cell)
                    cell_stiffness(lp, lq) += element(p, q);
                  const int fp = free_index[grid.box_node(box, c, lp)],
                            fq = free_index[grid.box_node(box, c, lq)];
                  if (fp >= 0 && fq >= 0)
                    entries[{fp, fq}] += element(p, q);
                }
          }
      }
    for (const auto &[index, value] : entries)
      {
        result.stiffness_rows.push_back(index.first);
        result.stiffness_columns.push_back(index.second);
        result.stiffness_values.push_back(value);
      }

    // r_v = A_K gamma_v and gamma_v^T A_K gamma_v.
    const auto &P = grid.coarse_shape_values();
    result.rhs.reinit(n_free, n_v);
    result.element_energy.reinit(n_v);
    for (unsigned int v = 0; v < n_v; ++v)
      for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
        {
          double Ag = 0;
          for (unsigned int j = 0; j < grid.n_cell_nodes(); ++j)
            Ag += cell_stiffness(i, j) * P(j, v);
          result.element_energy[v] += P(i, v) * Ag;
          const int f = free_index[grid.box_node(box, cell, i)];
          if (f >= 0)
            result.rhs(f, v) = Ag;
        }

    // C: the rows of I_H at the closed-box vertices, as in PatchProblem.
    const std::vector<unsigned int> vertices = box_vertices(grid, box);
    GridIndex<dim>                  vertex_extent;
    for (unsigned int d = 0; d < dim; ++d)
      vertex_extent[d] = box.size[d] + 1;
    FullMatrix<double> all_rows(vertices.size(), n_free);
    const auto        &L = grid.local_interpolation();
    for (unsigned int k = 0; k < box.n_cells(); ++k)
      {
        const auto cell_index = unflatten_index<dim>(k, box.size);
        for (unsigned int v = 0; v < n_v; ++v)
          {
            GridIndex<dim> vertex = cell_index;
            for (unsigned int d = 0; d < dim; ++d)
              vertex[d] += (v >> d) & 1;
            const unsigned int row = flatten_index<dim>(vertex, vertex_extent);
            const double weight    = grid.interpolation_weight(vertices[row]);
            if (weight == 0)
              continue;
            for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
              {
                const int j = free_index[grid.box_node(box, box_cells[k], i)];
                if (j >= 0)
                  all_rows(row, j) += weight * L(v, i);
              }
          }
      }
    std::vector<unsigned int> kept;
    for (unsigned int row = 0; row < all_rows.m(); ++row)
      {
        double norm = 0;
        for (unsigned int j = 0; j < n_free; ++j)
          norm = std::max(norm, std::abs(all_rows(row, j)));
        if (norm > 1e-14)
          kept.push_back(row);
      }
    result.constraints.reinit(kept.size(), n_free);
    for (unsigned int c = 0; c < kept.size(); ++c)
      for (unsigned int j = 0; j < n_free; ++j)
        result.constraints(c, j) = all_rows(kept[c], j);
    return result;
  }


  template struct PatchMatrices<2>;
  template struct PatchMatrices<3>;
  template PatchMatrices<2>
  make_patch_matrices(const NestedGrid<2> &,
                      unsigned int,
                      unsigned int,
                      const CoefficientSamples<2> &);
  template PatchMatrices<3>
  make_patch_matrices(const NestedGrid<3> &,
                      unsigned int,
                      unsigned int,
                      const CoefficientSamples<3> &);
} // namespace neuhom
