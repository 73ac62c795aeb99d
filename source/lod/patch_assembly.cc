#include <neuhom/lod/patch_assembly.h>
#include <neuhom/lod/patch_problem.h>

#include <algorithm>
#include <cmath>

namespace neuhom
{
  template <int dim>
  PatchAssembly<dim>::PatchAssembly(const NestedGrid<dim>         &grid,
                                    const CellBox<dim>            &box,
                                    const CoefficientSamples<dim> &coefficient)
    : grid(grid)
    , box(box)
  {
    const unsigned int r = grid.refinement();
    GridIndex<dim>     stride;
    stride[0] = 1;
    for (unsigned int d = 1; d < dim; ++d)
      stride[d] = stride[d - 1] * (box.size[d - 1] * r + 1);

    node_offsets.resize(grid.n_cell_nodes());
    GridIndex<dim> cell_extent;
    cell_extent.fill(r + 1);
    for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
      {
        const auto index = unflatten_index<dim>(i, cell_extent);
        node_offsets[i]  = 0;
        for (unsigned int d = 0; d < dim; ++d)
          node_offsets[i] += index[d] * stride[d];
      }
    cell_offsets.resize(box.n_cells());
    for (unsigned int k = 0; k < box.n_cells(); ++k)
      {
        const auto index = unflatten_index<dim>(k, box.size);
        cell_offsets[k]  = 0;
        for (unsigned int d = 0; d < dim; ++d)
          cell_offsets[k] += index[d] * r * stride[d];
      }
    const unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    const unsigned int n_e = grid.n_fine_cells_per_coarse_cell();
    fine_cell_nodes.resize(n_e * n_v);
    for (unsigned int e = 0; e < n_e; ++e)
      for (unsigned int v = 0; v < n_v; ++v)
        fine_cell_nodes[e * n_v + v] = grid.fine_cell_node(e, v);

    const unsigned int n_nodes = grid.n_box_nodes(box);
    free_index.assign(n_nodes, -1);
    for (unsigned int i = 0; i < n_nodes; ++i)
      if (!grid.box_node_on_boundary(box, i))
        free_index[i] = n_free_nodes++;

    assemble(coefficient);
  }


  template <int dim>
  unsigned int
  PatchAssembly<dim>::box_cell(const unsigned int k) const
  {
    auto index = unflatten_index<dim>(k, box.size);
    for (unsigned int d = 0; d < dim; ++d)
      index[d] += box.lower[d];
    return grid.coarse_cell(index);
  }


  template <int dim>
  void
  PatchAssembly<dim>::assemble(const CoefficientSamples<dim> &coefficient)
  {
    const unsigned int n_v         = NestedGrid<dim>::vertices_per_cell;
    const unsigned int n_e         = grid.n_fine_cells_per_coarse_cell();
    const unsigned int n_q         = grid.n_quadrature_points();
    const unsigned int n_vv        = n_v * n_v;
    const unsigned int max_entries = Utilities::fixed_power<dim>(3);
    const unsigned int n_free      = n_free_nodes;

    // Column j holds the free neighbours i >= j of node j, at most 3^dim
    // (fixed-stride slots).
    std::vector<unsigned int> rows(std::size_t(n_free) * max_entries);
    std::vector<double>       values(rows.size(), 0.);
    std::vector<unsigned int> n_entries(n_free, 0);
    const auto                add =
      [&](const unsigned int i, const unsigned int j, const double value) {
        const std::size_t start = std::size_t(j) * max_entries;
        for (unsigned int c = 0; c < n_entries[j]; ++c)
          if (rows[start + c] == i)
            {
              values[start + c] += value;
              return;
            }
        rows[start + n_entries[j]]     = i;
        values[start + n_entries[j]++] = value;
      };

    // The element matrices are used while they are in cache.
    element_matrices.resize(box.n_cells() * n_e * n_vv);
    for (unsigned int k = 0; k < box.n_cells(); ++k)
      {
        const double *a = coefficient.cell(box_cell(k));
        for (unsigned int e = 0; e < n_e; ++e)
          {
            double *element = &element_matrices[(k * n_e + e) * n_vv];
            grid.fine_stiffness(a + e * n_q, element);
            int free[NestedGrid<dim>::vertices_per_cell];
            for (unsigned int p = 0; p < n_v; ++p)
              free[p] = free_index[cell_offsets[k] +
                                   node_offsets[fine_cell_nodes[e * n_v + p]]];
            for (unsigned int p = 0; p < n_v; ++p)
              for (unsigned int q = 0; q < n_v; ++q)
                if (free[p] >= free[q] && free[q] >= 0)
                  add(free[p], free[q], element[p * n_v + q]);
          }
      }

    column_start.assign(n_free + 1, 0);
    row_index.clear();
    column_values.clear();
    row_index.reserve(n_free * (max_entries + 1) / 2);
    column_values.reserve(row_index.capacity());
    for (unsigned int j = 0; j < n_free; ++j)
      {
        for (unsigned int c = 0; c < n_entries[j]; ++c)
          {
            row_index.push_back(rows[std::size_t(j) * max_entries + c]);
            column_values.push_back(values[std::size_t(j) * max_entries + c]);
          }
        column_start[j + 1] = row_index.size();
      }
  }


  template <int dim>
  std::vector<double>
  PatchAssembly<dim>::constraint_columns(
    std::vector<unsigned int> *constraint_vertices) const
  {
    const unsigned int              n_free   = n_free_nodes;
    const std::vector<unsigned int> vertices = box_vertices(grid, box);
    GridIndex<dim>                  vertex_extent;
    for (unsigned int d = 0; d < dim; ++d)
      vertex_extent[d] = box.size[d] + 1;

    // The row of every closed-box vertex, as a column of C^T.
    std::vector<double> columns(vertices.size() * std::size_t(n_free), 0.);
    const auto         &L = grid.local_interpolation();
    for (unsigned int k = 0; k < box.n_cells(); ++k)
      {
        const auto cell_index = unflatten_index<dim>(k, box.size);
        for (unsigned int v = 0; v < NestedGrid<dim>::vertices_per_cell; ++v)
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
                const int j = free_index[cell_offsets[k] + node_offsets[i]];
                if (j >= 0)
                  columns[std::size_t(row) * n_free + j] += weight * L(v, i);
              }
          }
      }

    // Drop the vanishing rows.
    if (constraint_vertices != nullptr)
      constraint_vertices->clear();
    unsigned int n_c = 0;
    for (unsigned int row = 0; row < vertices.size(); ++row)
      {
        const auto begin = columns.begin() + std::size_t(row) * n_free;
        double     norm  = 0;
        for (auto w = begin; w != begin + n_free; ++w)
          norm = std::max(norm, std::abs(*w));
        if (norm > 1e-14)
          {
            if (row != n_c)
              std::copy(begin,
                        begin + n_free,
                        columns.begin() + std::size_t(n_c) * n_free);
            ++n_c;
            if (constraint_vertices != nullptr)
              constraint_vertices->push_back(vertices[row]);
          }
      }
    columns.resize(std::size_t(n_c) * n_free);
    return columns;
  }


  template <int dim>
  void
  PatchAssembly<dim>::add_cell_stiffness(const unsigned int    cell,
                                         const Vector<double> &v,
                                         Vector<double>       &y) const
  {
    const unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    const unsigned int n_e = grid.n_fine_cells_per_coarse_cell();
    for (unsigned int k = 0; k < box.n_cells(); ++k)
      {
        if (cell != numbers::invalid_unsigned_int && box_cell(k) != cell)
          continue;
        for (unsigned int e = 0; e < n_e; ++e)
          {
            const double *element =
              &element_matrices[(k * n_e + e) * n_v * n_v];
            unsigned int nodes[NestedGrid<dim>::vertices_per_cell];
            for (unsigned int a = 0; a < n_v; ++a)
              nodes[a] =
                cell_offsets[k] + node_offsets[fine_cell_nodes[e * n_v + a]];
            for (unsigned int a = 0; a < n_v; ++a)
              for (unsigned int b = 0; b < n_v; ++b)
                y[nodes[a]] += element[a * n_v + b] * v[nodes[b]];
          }
      }
  }


  template class PatchAssembly<2>;
  template class PatchAssembly<3>;
} // namespace neuhom
