#include <neuhom/lod/patch_assembly.h>
#include <neuhom/lod/patch_matrices.h>

#include <algorithm>
#include <tuple>

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

    PatchMatrices<dim> result;
    result.cell  = cell;
    result.patch = grid.patch(cell, layers);
    const PatchAssembly<dim> assembly(grid, result.patch, coefficient);
    const unsigned int       n_nodes = assembly.n_nodes();
    const unsigned int       n_free  = assembly.n_free();
    for (unsigned int i = 0; i < n_nodes; ++i)
      if (assembly.free_node(i) >= 0)
        result.free_nodes.push_back(i);

    // S in coordinate form, both triangles, sorted by (row, column).
    const std::vector<int>    &column_start = assembly.stiffness_column_start();
    const std::vector<int>    &row_index    = assembly.stiffness_row_index();
    const std::vector<double> &values       = assembly.stiffness_values();
    std::vector<std::tuple<unsigned int, unsigned int, double>> entries;
    entries.reserve(2 * values.size());
    for (unsigned int j = 0; j < n_free; ++j)
      for (int k = column_start[j]; k < column_start[j + 1]; ++k)
        {
          const unsigned int i = row_index[k];
          entries.emplace_back(i, j, values[k]);
          if (i != j)
            entries.emplace_back(j, i, values[k]);
        }
    std::sort(entries.begin(), entries.end());
    for (const auto &[i, j, value] : entries)
      {
        result.stiffness_rows.push_back(i);
        result.stiffness_columns.push_back(j);
        result.stiffness_values.push_back(value);
      }

    // r_v = A_K gamma_v and gamma_v^T A_K gamma_v.
    const auto &P = grid.coarse_shape_values();
    result.rhs.reinit(n_free, n_v);
    result.element_energy.reinit(n_v);
    Vector<double> gamma(n_nodes), A_gamma(n_nodes);
    for (unsigned int v = 0; v < n_v; ++v)
      {
        gamma   = 0;
        A_gamma = 0;
        for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
          gamma[grid.box_node(result.patch, cell, i)] = P(i, v);
        assembly.add_cell_stiffness(cell, gamma, A_gamma);
        result.element_energy[v] = gamma * A_gamma;
        for (unsigned int i = 0; i < n_nodes; ++i)
          if (assembly.free_node(i) >= 0)
            result.rhs(assembly.free_node(i), v) = A_gamma[i];
      }

    // C: the rows of I_H at the closed-box vertices, as in PatchProblem.
    const std::vector<double> columns = assembly.constraint_columns();
    const unsigned int        n_c = n_free == 0 ? 0 : columns.size() / n_free;
    result.constraints.reinit(n_c, n_free);
    for (unsigned int c = 0; c < n_c; ++c)
      for (unsigned int j = 0; j < n_free; ++j)
        result.constraints(c, j) = columns[std::size_t(c) * n_free + j];
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
