#include <neuhom/lod/patch_problem.h>

#include <algorithm>
#include <cmath>


namespace neuhom
{
  template <int dim>
  std::vector<unsigned int>
  box_vertices(const NestedGrid<dim> &grid, const CellBox<dim> &box)
  {
    GridIndex<dim> extent;
    unsigned int   n = 1;
    for (unsigned int d = 0; d < dim; ++d)
      {
        extent[d] = box.size[d] + 1;
        n *= extent[d];
      }
    std::vector<unsigned int> vertices(n);
    for (unsigned int i = 0; i < n; ++i)
      {
        auto index = unflatten_index<dim>(i, extent);
        for (unsigned int d = 0; d < dim; ++d)
          index[d] += box.lower[d];
        vertices[i] = grid.coarse_vertex(index);
      }
    return vertices;
  }


  template <int dim>
  PatchProblem<dim>::PatchProblem(const NestedGrid<dim>         &grid,
                                  const CellBox<dim>            &box,
                                  const CoefficientSamples<dim> &coefficient)
    : grid(grid)
    , box(box)
    , n_nodes(grid.n_box_nodes(box))
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
    fine_cell_nodes.resize(grid.n_fine_cells_per_coarse_cell() * n_v);
    for (unsigned int e = 0; e < grid.n_fine_cells_per_coarse_cell(); ++e)
      for (unsigned int v = 0; v < n_v; ++v)
        fine_cell_nodes[e * n_v + v] = grid.fine_cell_node(e, v);

    free_index.assign(n_nodes, -1);
    for (unsigned int i = 0; i < n_nodes; ++i)
      if (!grid.box_node_on_boundary(box, i))
        free_index[i] = n_free++;

    assemble(coefficient);
    build_constraints();
  }


  template <int dim>
  unsigned int
  PatchProblem<dim>::box_cell(const unsigned int k) const
  {
    auto index = unflatten_index<dim>(k, box.size);
    for (unsigned int d = 0; d < dim; ++d)
      index[d] += box.lower[d];
    return grid.coarse_cell(index);
  }


  template <int dim>
  void
  PatchProblem<dim>::assemble(const CoefficientSamples<dim> &coefficient)
  {
    const unsigned int n_v         = NestedGrid<dim>::vertices_per_cell;
    const unsigned int n_e         = grid.n_fine_cells_per_coarse_cell();
    const unsigned int n_q         = grid.n_quadrature_points();
    const unsigned int max_entries = Utilities::fixed_power<dim>(3);

    // The lower triangle of A in compressed columns: column j holds the
    // free neighbours i >= j of node j, at most 3^dim (fixed-stride slots).
    std::vector<unsigned int> rows(n_free * max_entries);
    std::vector<double>       values(n_free * max_entries, 0.);
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

    const unsigned int n_vv = n_v * n_v;
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

    std::vector<int>    column_start(n_free + 1, 0), row_index;
    std::vector<double> column_values;
    for (unsigned int j = 0; j < n_free; ++j)
      {
        for (unsigned int c = 0; c < n_entries[j]; ++c)
          {
            row_index.push_back(rows[std::size_t(j) * max_entries + c]);
            column_values.push_back(values[std::size_t(j) * max_entries + c]);
          }
        column_start[j + 1] = row_index.size();
      }
    cholesky.factorize(n_free, column_start, row_index, column_values);
  }


  template <int dim>
  void
  PatchProblem<dim>::build_constraints()
  {
    const std::vector<unsigned int> vertices = box_vertices(grid, box);
    GridIndex<dim>                  vertex_extent;
    for (unsigned int d = 0; d < dim; ++d)
      vertex_extent[d] = box.size[d] + 1;

    // Row of every closed-box vertex in the full constraint matrix.
    FullMatrix<double> all_rows(vertices.size(), n_free);
    const auto        &L = grid.local_interpolation();
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
                  all_rows(row, j) += weight * L(v, i);
              }
          }
      }

    // Vertices on Gamma (and, for r = 1, vertices whose row misses every
    // free node) give zero rows; they are no constraints.
    std::vector<unsigned int> kept;
    for (unsigned int row = 0; row < all_rows.m(); ++row)
      {
        double norm = 0;
        for (unsigned int j = 0; j < n_free; ++j)
          norm = std::max(norm, std::abs(all_rows(row, j)));
        if (norm > 1e-14)
          kept.push_back(row);
      }
    constraints.reinit(kept.size(), n_free);
    Y_transpose.reinit(kept.size(), n_free);
    // C^T column by column is C row by row: one blocked solve for all.
    std::vector<double> block(kept.size() * n_free);
    for (unsigned int c = 0; c < kept.size(); ++c)
      for (unsigned int j = 0; j < n_free; ++j)
        constraints(c, j) = block[c * n_free + j] = all_rows(kept[c], j);
    if (kept.size() > 0)
      cholesky.solve(block.data(), kept.size());
    for (unsigned int c = 0; c < kept.size(); ++c)
      for (unsigned int j = 0; j < n_free; ++j)
        Y_transpose(c, j) = block[c * n_free + j];
    S_inverse.reinit(kept.size(), kept.size());
    constraints.mTmult(S_inverse, Y_transpose);
    if (kept.size() > 0)
      S_inverse.gauss_jordan();
  }


  template <int dim>
  void
  PatchProblem<dim>::solve(Vector<double> &rhs_and_solution) const
  {
    Vector<double> q(n_free);
    for (unsigned int i = 0; i < n_nodes; ++i)
      if (free_index[i] >= 0)
        q[free_index[i]] = rhs_and_solution[i];
    cholesky.solve(q.data());

    const unsigned int n_c = constraints.m();
    if (n_c > 0)
      {
        Vector<double> Cq(n_c), lambda(n_c);
        constraints.vmult(Cq, q);
        S_inverse.vmult(lambda, Cq);
        lambda *= -1.;
        Y_transpose.Tvmult(q, lambda, true); // q = q0 - Y lambda
      }
    for (unsigned int i = 0; i < n_nodes; ++i)
      rhs_and_solution[i] = free_index[i] >= 0 ? q[free_index[i]] : 0.;
  }


  template <int dim>
  void
  PatchProblem<dim>::add_cell_stiffness(const unsigned int    cell,
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


  template <int dim>
  void
  PatchProblem<dim>::apply_stiffness(const Vector<double> &v,
                                     Vector<double>       &y) const
  {
    y.reinit(n_nodes);
    add_cell_stiffness(numbers::invalid_unsigned_int, v, y);
  }


  template <int dim>
  ElementCorrectors<dim>
  compute_element_correctors(const NestedGrid<dim>         &grid,
                             const unsigned int             cell,
                             const unsigned int             layers,
                             const CoefficientSamples<dim> &coefficient)
  {
    const unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    const unsigned int r   = grid.refinement();

    ElementCorrectors<dim> result;
    result.cell  = cell;
    result.patch = grid.patch(cell, layers);
    const PatchProblem<dim> problem(grid, result.patch, coefficient);
    const unsigned int      n_nodes = grid.n_box_nodes(result.patch);

    result.block_rows = box_vertices(grid, result.patch);
    result.local_block.reinit(result.block_rows.size(), n_v);
    GridIndex<dim> node_extent, vertex_extent;
    for (unsigned int d = 0; d < dim; ++d)
      {
        node_extent[d]   = result.patch.size[d] * r + 1;
        vertex_extent[d] = result.patch.size[d] + 1;
      }

    const auto    &P = grid.coarse_shape_values();
    Vector<double> gamma(n_nodes), rhs(n_nodes), residual(n_nodes);
    for (unsigned int v = 0; v < n_v; ++v)
      {
        // r = A_K gamma_v: the element-restricted right-hand side.
        gamma = 0;
        for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
          gamma[grid.box_node(result.patch, cell, i)] = P(i, v);
        rhs = 0;
        problem.add_cell_stiffness(cell, gamma, rhs);
        Vector<double> q = rhs;
        problem.solve(q);

        // Local block column: Lambda_i^T (A_K gamma_v - A_patch q), with the
        // coarse hats Lambda_i evaluated at the patch nodes.
        problem.apply_stiffness(q, residual);
        residual.sadd(-1., 1., rhs);
        for (unsigned int node = 0; node < n_nodes; ++node)
          {
            if (residual[node] == 0)
              continue;
            const auto index = unflatten_index<dim>(node, node_extent);
            for (unsigned int corner = 0; corner < n_v; ++corner)
              {
                GridIndex<dim> vertex;
                double         weight = 1;
                for (unsigned int d = 0; d < dim; ++d)
                  {
                    const unsigned int base = index[d] / r;
                    const double       t    = double(index[d] % r) / r;
                    const unsigned int bit  = (corner >> d) & 1;
                    vertex[d]               = base + bit;
                    weight *= bit ? t : 1 - t;
                  }
                if (weight == 0)
                  continue;
                result.local_block(flatten_index<dim>(vertex, vertex_extent),
                                   v) += weight * residual[node];
              }
          }
        result.correctors.push_back(std::move(q));
      }
    return result;
  }


  template class PatchProblem<2>;
  template class PatchProblem<3>;
  template struct ElementCorrectors<2>;
  template struct ElementCorrectors<3>;
  template ElementCorrectors<2>
  compute_element_correctors(const NestedGrid<2> &,
                             unsigned int,
                             unsigned int,
                             const CoefficientSamples<2> &);
  template ElementCorrectors<3>
  compute_element_correctors(const NestedGrid<3> &,
                             unsigned int,
                             unsigned int,
                             const CoefficientSamples<3> &);
  template std::vector<unsigned int>
  box_vertices(const NestedGrid<2> &, const CellBox<2> &);
  template std::vector<unsigned int>
  box_vertices(const NestedGrid<3> &, const CellBox<3> &);
} // namespace neuhom
