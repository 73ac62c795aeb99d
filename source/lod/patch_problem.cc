#include <deal.II/lac/lapack_templates.h>

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
  const SparseCholesky &
  PatchAnalyses<dim>::get(const GridIndex<dim>   &size,
                          const unsigned int      n,
                          const std::vector<int> &column_start,
                          const std::vector<int> &row_index)
  {
    auto &analysis = analyses[size];
    if (!analysis)
      {
        analysis = std::make_unique<SparseCholesky>();
        analysis->analyze(n, column_start, row_index);
      }
    return *analysis;
  }


  template <int dim>
  PatchProblem<dim>::PatchProblem(const NestedGrid<dim>         &grid,
                                  const CellBox<dim>            &box,
                                  const CoefficientSamples<dim> &coefficient,
                                  PatchAnalyses<dim>            *analyses)
    : assembly(grid, box, coefficient)
    , n_nodes(assembly.n_nodes())
    , n_free(assembly.n_free())
  {
    factorize(analyses);
    build_constraints();
  }


  template <int dim>
  void
  PatchProblem<dim>::factorize(PatchAnalyses<dim> *analyses)
  {
    const std::vector<int>    &column_start = assembly.stiffness_column_start();
    const std::vector<int>    &row_index    = assembly.stiffness_row_index();
    const std::vector<double> &column_values = assembly.stiffness_values();
    if (analyses != nullptr)
      cholesky.factorize(n_free,
                         column_start,
                         row_index,
                         column_values,
                         analyses->get(assembly.get_box().size,
                                       n_free,
                                       column_start,
                                       row_index));
    else
      cholesky.factorize(n_free, column_start, row_index, column_values);
  }


  template <int dim>
  void
  PatchProblem<dim>::build_constraints()
  {
    // The columns of C^T, then W = L^{-1} P C^T: one blocked forward
    // substitution for all columns; then S = W^T W.
    W   = assembly.constraint_columns();
    n_c = n_free == 0 ? 0 : W.size() / n_free;
    S_inverse.reinit(n_c, n_c);
    if (n_c == 0)
      return;
    cholesky.forward_solve(W.data(), n_c);
    const types::blas_int n = n_c, k = n_free;
    const double          one = 1, zero = 0;
    std::vector<double>   S(std::size_t(n_c) * n_c);
    syrk("L", "T", &n, &k, &one, W.data(), &k, &zero, S.data(), &n);
    for (unsigned int i = 0; i < n_c; ++i)
      for (unsigned int j = 0; j <= i; ++j)
        S_inverse(i, j) = S_inverse(j, i) = S[std::size_t(j) * n_c + i];
    S_inverse.gauss_jordan();
  }


  template <int dim>
  void
  PatchProblem<dim>::solve_free(double *block, const unsigned int m) const
  {
    cholesky.forward_solve(block, m);
    if (n_c > 0)
      {
        // G = W^T z, lambda = S^{-1} G, z -= W lambda (column-major).
        const types::blas_int n = n_free, c = n_c, columns = m;
        const double          one = 1, zero = 0, minus_one = -1;
        std::vector<double>   G(std::size_t(n_c) * m), lambda(G.size());
        gemm("T",
             "N",
             &c,
             &columns,
             &n,
             &one,
             W.data(),
             &n,
             block,
             &n,
             &zero,
             G.data(),
             &c);
        // S_inverse is symmetric: its row-major storage is column-major.
        gemm("N",
             "N",
             &c,
             &columns,
             &c,
             &one,
             &S_inverse(0, 0),
             &c,
             G.data(),
             &c,
             &zero,
             lambda.data(),
             &c);
        gemm("N",
             "N",
             &n,
             &columns,
             &c,
             &minus_one,
             W.data(),
             &n,
             lambda.data(),
             &c,
             &one,
             block,
             &n);
      }
    cholesky.backward_solve(block, m);
  }


  template <int dim>
  void
  PatchProblem<dim>::solve(Vector<double> &rhs_and_solution) const
  {
    std::vector<Vector<double>> block(1);
    block[0].swap(rhs_and_solution);
    solve(block);
    block[0].swap(rhs_and_solution);
  }


  template <int dim>
  void
  PatchProblem<dim>::solve(std::vector<Vector<double>> &rhs_and_solutions) const
  {
    const unsigned int  m = rhs_and_solutions.size();
    std::vector<double> block(std::size_t(n_free) * m);
    for (unsigned int c = 0; c < m; ++c)
      for (unsigned int i = 0; i < n_nodes; ++i)
        if (assembly.free_node(i) >= 0)
          block[std::size_t(c) * n_free + assembly.free_node(i)] =
            rhs_and_solutions[c][i];
    solve_free(block.data(), m);
    for (unsigned int c = 0; c < m; ++c)
      for (unsigned int i = 0; i < n_nodes; ++i)
        rhs_and_solutions[c][i] =
          assembly.free_node(i) >= 0 ?
            block[std::size_t(c) * n_free + assembly.free_node(i)] :
            0.;
  }


  template <int dim>
  void
  PatchProblem<dim>::add_cell_stiffness(const unsigned int    cell,
                                        const Vector<double> &v,
                                        Vector<double>       &y) const
  {
    assembly.add_cell_stiffness(cell, v, y);
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
                             const CoefficientSamples<dim> &coefficient,
                             PatchAnalyses<dim>            *analyses)
  {
    const unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    const unsigned int r   = grid.refinement();

    ElementCorrectors<dim> result;
    result.cell  = cell;
    result.patch = grid.patch(cell, layers);
    const PatchProblem<dim> problem(grid, result.patch, coefficient, analyses);
    const unsigned int      n_nodes = grid.n_box_nodes(result.patch);

    result.block_rows = box_vertices(grid, result.patch);
    result.local_block.reinit(result.block_rows.size(), n_v);
    GridIndex<dim> node_extent, vertex_extent;
    for (unsigned int d = 0; d < dim; ++d)
      {
        node_extent[d]   = result.patch.size[d] * r + 1;
        vertex_extent[d] = result.patch.size[d] + 1;
      }

    // rhs_v = A_K gamma_v: the element-restricted right-hand sides of the
    // 2^dim vertices v, solved in one block.
    const auto                 &P = grid.coarse_shape_values();
    std::vector<Vector<double>> rhs(n_v, Vector<double>(n_nodes));
    Vector<double>              gamma(n_nodes);
    for (unsigned int v = 0; v < n_v; ++v)
      {
        gamma = 0;
        for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
          gamma[grid.box_node(result.patch, cell, i)] = P(i, v);
        problem.add_cell_stiffness(cell, gamma, rhs[v]);
      }
    result.correctors = rhs;
    problem.solve(result.correctors);

    // Local block columns: Lambda_i^T (A_K gamma_v - A_patch q_v), with the
    // coarse hats Lambda_i evaluated at the patch nodes: node index j in
    // direction d lies in coarse interval j / r at relative position
    // (j % r) / r.
    std::vector<Vector<double>> residual(n_v);
    for (unsigned int v = 0; v < n_v; ++v)
      {
        problem.apply_stiffness(result.correctors[v], residual[v]);
        residual[v].sadd(-1., 1., rhs[v]);
      }
    GridIndex<dim> index;
    index.fill(0);
    for (unsigned int node = 0; node < n_nodes; ++node)
      {
        for (unsigned int corner = 0; corner < n_v; ++corner)
          {
            unsigned int vertex = 0, stride = 1;
            double       weight = 1;
            for (unsigned int d = 0; d < dim; ++d)
              {
                const unsigned int base = index[d] / r;
                const double       t    = double(index[d] % r) / r;
                const unsigned int bit  = (corner >> d) & 1;
                vertex += (base + bit) * stride;
                stride *= vertex_extent[d];
                weight *= bit ? t : 1 - t;
              }
            if (weight == 0)
              continue;
            for (unsigned int v = 0; v < n_v; ++v)
              result.local_block(vertex, v) += weight * residual[v][node];
          }
        for (unsigned int d = 0; d < dim; ++d)
          if (++index[d] < node_extent[d])
            break;
          else
            index[d] = 0;
      }
    return result;
  }


  template class PatchProblem<2>;
  template class PatchProblem<3>;
  template struct ElementCorrectors<2>;
  template struct ElementCorrectors<3>;
  template class PatchAnalyses<2>;
  template class PatchAnalyses<3>;
  template ElementCorrectors<2>
  compute_element_correctors(const NestedGrid<2> &,
                             unsigned int,
                             unsigned int,
                             const CoefficientSamples<2> &,
                             PatchAnalyses<2> *);
  template ElementCorrectors<3>
  compute_element_correctors(const NestedGrid<3> &,
                             unsigned int,
                             unsigned int,
                             const CoefficientSamples<3> &,
                             PatchAnalyses<3> *);
  template std::vector<unsigned int>
  box_vertices(const NestedGrid<2> &, const CellBox<2> &);
  template std::vector<unsigned int>
  box_vertices(const NestedGrid<3> &, const CellBox<3> &);
} // namespace neuhom
