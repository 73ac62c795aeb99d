#include <deal.II/base/mpi.h>
#include <deal.II/base/mpi.templates.h>

#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/solver_control.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_solver.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <neuhom/core/input_error.h>
#include <neuhom/core/summary.h>
#include <neuhom/lod/lod_problem.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include <boost/serialization/vector.hpp>

namespace neuhom
{
  void
  LODParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("LOD");
    prm.declare_entry("Coarse cells per direction",
                      "8",
                      Patterns::Integer(1),
                      "1/H. Must divide the fine cells per direction; the "
                      "quotient r = H/h can be any integer.");
    prm.declare_entry("Oversampling layers",
                      "2",
                      Patterns::Anything(),
                      "l: patches N^l(K) are K and l layers of coarse cells "
                      "around it. A positive integer, or 'infinity' for "
                      "global correctors.");
    prm.declare_entry("Quasi-interpolation",
                      "averaged L2 projection",
                      Patterns::Selection(
                        "averaged L2 projection|L2 projection"),
                      "I_H defining the fine-scale space W = ker I_H: "
                      "element-wise L2 projection onto Q1 followed by vertex "
                      "averaging (pi_H o Pi_H^dg), or the global L2 "
                      "projection onto V_H.");
    prm.declare_entry("Method",
                      "Galerkin",
                      Patterns::Selection("Galerkin|Petrov-Galerkin"),
                      "Test functions: the corrected basis (symmetric) or "
                      "the Q1 basis (assembled from local blocks).");
    prm.declare_entry("Corrector update tolerance",
                      "0",
                      Patterns::Double(0.),
                      "Time-dependent coefficients: recompute the correctors "
                      "of a patch only where the coefficient changed by more "
                      "than this (relative, max over the patch) since their "
                      "last computation. 0 recomputes all at every change.");
    prm.declare_entry("Coarse solver",
                      "replicated direct",
                      Patterns::Selection("replicated direct|distributed "
                                          "direct|distributed iterative"),
                      "replicated direct: every rank factorizes the summed "
                      "coarse matrix (Cholesky, or LU for Petrov-Galerkin), "
                      "no communication per solve. distributed direct: a "
                      "Trilinos matrix over the locally owned coarse "
                      "unknowns, Amesos KLU. distributed iterative: the same "
                      "matrix, CG (GMRES for Petrov-Galerkin) with AMG, "
                      "relative tolerance 1e-12.");
    prm.declare_entry("Coarse matrix file",
                      "",
                      Patterns::Anything(),
                      "If not empty: write the coarse stiffness matrix in "
                      "MatrixMarket format to this file in the output "
                      "directory.");
    prm.declare_entry("Local blocks file",
                      "",
                      Patterns::Anything(),
                      "If not empty: write the Petrov-Galerkin local blocks "
                      "S_K of all coarse cells (text) to this file in the "
                      "output directory.");
    prm.leave_subsection();
  }


  void
  LODParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("LOD");
    coarse_cells        = prm.get_integer("Coarse cells per direction");
    const std::string l = Utilities::trim(prm.get("Oversampling layers"));
    if (l == "infinity")
      layers = numbers::invalid_unsigned_int;
    else
      {
        bool ok =
          !l.empty() && l.find_first_not_of("0123456789") == std::string::npos;
        require(ok && std::stoi(l) >= 1,
                "LOD/Oversampling layers",
                "must be a positive integer or 'infinity', not '" + l + "'");
        layers = std::stoi(l);
      }
    interpolation    = prm.get("Quasi-interpolation") == "L2 projection" ?
                         QuasiInterpolation::l2_projection :
                         QuasiInterpolation::averaged_l2_projection;
    petrov_galerkin  = prm.get("Method") == "Petrov-Galerkin";
    update_tolerance = prm.get_double("Corrector update tolerance");
    const std::string solver = prm.get("Coarse solver");
    coarse_solver =
      solver == "distributed direct"    ? CoarseSolver::distributed_direct :
      solver == "distributed iterative" ? CoarseSolver::distributed_iterative :
                                          CoarseSolver::replicated_direct;
    matrix_file       = prm.get("Coarse matrix file");
    local_blocks_file = prm.get("Local blocks file");
    prm.leave_subsection();
  }


  std::string
  LODParameters::layers_text() const
  {
    return layers == numbers::invalid_unsigned_int ? "infinity" :
                                                     std::to_string(layers);
  }


  template <int dim>
  struct LODProblem<dim>::DistributedSolver
  {
    SolverControl control{1, 0, false, false};
    IndexSet      owned;
    // stiffness and mass as assembled, matrix = their combination solved.
    TrilinosWrappers::SparseMatrix    stiffness, mass, matrix;
    TrilinosWrappers::SolverDirect    direct;
    TrilinosWrappers::PreconditionAMG amg;
    TrilinosWrappers::MPI::Vector     x, b;

    DistributedSolver()
      : direct(control,
               TrilinosWrappers::SolverDirect::AdditionalData(false,
                                                              "Amesos_Klu"))
    {}
  };


  template <int dim>
  LODProblem<dim>::LODProblem(const MPI_Comm          comm,
                              const LODParameters    &parameters,
                              const unsigned int      fine_cells,
                              const unsigned int      quadrature_points,
                              const Coefficient<dim> &coefficient)
    : comm(comm)
    , parameters(parameters)
    , grid(parameters.coarse_cells,
           fine_cells / parameters.coarse_cells,
           quadrature_points,
           parameters.interpolation)
    , layers(std::min(parameters.layers, parameters.coarse_cells))
    , coefficient(coefficient)
    , n_ranks(Utilities::MPI::n_mpi_processes(comm))
    , rank(Utilities::MPI::this_mpi_process(comm))
    , samples(grid)
  {
    AssertThrow(fine_cells % parameters.coarse_cells == 0,
                ExcMessage("the coarse mesh must divide the fine mesh"));
    vertex_to_free.assign(grid.n_coarse_vertices(), -1);
    for (unsigned int z = 0; z < grid.n_coarse_vertices(); ++z)
      if (!grid.vertex_on_boundary(z))
        {
          vertex_to_free[z] = free_vertex.size();
          free_vertex.push_back(z);
        }

    // Coarse couplings: vertices whose corrected basis functions (support
    // N^l of the vertex patch) overlap; Petrov-Galerkin needs fewer.
    // Replicated: all rows on every rank; distributed: the rows of the
    // locally owned unknowns (contiguous blocks per rank) only.
    const std::size_t n_free = free_vertex.size();
    IndexSet          rows(n_free);
    if (parameters.coarse_solver == CoarseSolver::replicated_direct)
      rows.add_range(0, n_free);
    else
      rows.add_range(n_free * rank / n_ranks, n_free * (rank + 1) / n_ranks);
    const unsigned int reach =
      parameters.petrov_galerkin ? layers + 1 : 2 * layers + 2;
    DynamicSparsityPattern dsp(n_free, n_free, rows);
    for (const auto i : rows)
      {
        const auto     center = grid.coarse_vertex_index(free_vertex[i]);
        GridIndex<dim> lower, extent;
        for (unsigned int d = 0; d < dim; ++d)
          {
            lower[d] = center[d] > reach ? center[d] - reach : 1;
            extent[d] =
              std::min(center[d] + reach, parameters.coarse_cells - 1) -
              lower[d] + 1;
          }
        GridIndex<dim> n     = extent;
        unsigned int   count = 1;
        for (unsigned int d = 0; d < dim; ++d)
          count *= n[d];
        for (unsigned int k = 0; k < count; ++k)
          {
            auto index = unflatten_index<dim>(k, extent);
            for (unsigned int d = 0; d < dim; ++d)
              index[d] += lower[d];
            dsp.add(i, vertex_to_free[grid.coarse_vertex(index)]);
          }
      }
    if (parameters.coarse_solver == CoarseSolver::replicated_direct)
      {
        sparsity.copy_from(dsp);
        stiffness.reinit(sparsity);
        mass.reinit(sparsity);
        system_matrix.reinit(sparsity);
      }
    else
      {
        distributed        = std::make_unique<DistributedSolver>();
        distributed->owned = rows;
        for (auto *matrix : {&distributed->stiffness,
                             &distributed->mass,
                             &distributed->matrix})
          matrix->reinit(rows, rows, dsp, comm);
        distributed->x.reinit(rows, comm);
        distributed->b.reinit(rows, comm);
      }
  }


  template <int dim>
  LODProblem<dim>::~LODProblem() = default;


  template <int dim>
  std::pair<unsigned int, unsigned int>
  LODProblem<dim>::owned_cell_range() const
  {
    const std::size_t n = grid.n_coarse_cells();
    return {static_cast<unsigned int>(n * rank / n_ranks),
            static_cast<unsigned int>(n * (rank + 1) / n_ranks)};
  }


  template <int dim>
  unsigned int
  LODProblem<dim>::owner(const unsigned int cell) const
  {
    const std::size_t n = grid.n_coarse_cells();
    unsigned int      p =
      static_cast<unsigned int>((static_cast<std::size_t>(cell) * n_ranks) / n);
    // the block boundaries n p / n_ranks are rounded down
    while (p + 1 < n_ranks && n * (p + 1) / n_ranks <= cell)
      ++p;
    while (p > 0 && n * p / n_ranks > cell)
      --p;
    return p;
  }


  template <int dim>
  bool
  LODProblem<dim>::is_locally_owned(const unsigned int cell) const
  {
    const auto [begin, end] = owned_cell_range();
    return cell >= begin && cell < end;
  }


  template <int dim>
  void
  LODProblem<dim>::sample_coefficient()
  {
    // Cells of the patches of owned cells (which contain the owned cells).
    std::vector<bool> needed(grid.n_coarse_cells(), false);
    const auto [begin, end] = owned_cell_range();
    for (unsigned int K = begin; K < end; ++K)
      {
        const CellBox<dim> box = grid.patch(K, layers);
        for (unsigned int k = 0; k < box.n_cells(); ++k)
          {
            auto index = unflatten_index<dim>(k, box.size);
            for (unsigned int d = 0; d < dim; ++d)
              index[d] += box.lower[d];
            needed[grid.coarse_cell(index)] = true;
          }
      }
    samples.sample(coefficient, needed);
  }


  template <int dim>
  std::vector<double>
  LODProblem<dim>::patch_samples(const unsigned int cell) const
  {
    const CellBox<dim> box = grid.patch(cell, layers);
    const unsigned int n =
      grid.n_fine_cells_per_coarse_cell() * grid.n_quadrature_points();
    std::vector<double> values;
    values.reserve(box.n_cells() * n);
    for (unsigned int k = 0; k < box.n_cells(); ++k)
      {
        auto index = unflatten_index<dim>(k, box.size);
        for (unsigned int d = 0; d < dim; ++d)
          index[d] += box.lower[d];
        const double *a = samples.cell(grid.coarse_cell(index));
        values.insert(values.end(), a, a + n);
      }
    return values;
  }


  template <int dim>
  double
  LODProblem<dim>::change_indicator(const unsigned int cell) const
  {
    const std::vector<double>  now      = patch_samples(cell);
    const std::vector<double> &previous = reference_samples.at(cell);
    double                     change   = 0;
    for (unsigned int i = 0; i < now.size(); ++i)
      change = std::max(change, std::abs(now[i] - previous[i]) / previous[i]);
    return change;
  }


  template <int dim>
  unsigned int
  LODProblem<dim>::compute_correctors(const double tolerance)
  {
    sample_coefficient();
    const auto [begin, end] = owned_cell_range();
    std::vector<unsigned int> recompute;
    for (unsigned int K = begin; K < end; ++K)
      {
        const bool first = owned_correctors.count(K) == 0;
        // A coefficient that does not depend on time has not changed.
        if (first || tolerance <= 0 ||
            (coefficient.is_time_dependent() &&
             change_indicator(K) > tolerance))
          recompute.push_back(K);
      }
    if (corrector_source != nullptr)
      {
        auto correctors = corrector_source->correctors(recompute);
        AssertThrow(correctors.size() == recompute.size(),
                    ExcMessage("The corrector source returned " +
                               std::to_string(correctors.size()) +
                               " cells for " +
                               std::to_string(recompute.size()) + "."));
        for (unsigned int i = 0; i < recompute.size(); ++i)
          {
            ElementCorrectors<dim> &result = owned_correctors[recompute[i]];
            result.cell                    = recompute[i];
            result.patch                   = grid.patch(recompute[i], layers);
            result.block_rows              = box_vertices(grid, result.patch);
            result.correctors              = std::move(correctors[i]);
          }
      }
    else
      for (const unsigned int K : recompute)
        owned_correctors[K] =
          compute_element_correctors(grid, K, layers, samples, &analyses);
    if (coefficient.is_time_dependent())
      for (const unsigned int K : recompute)
        reference_samples[K] = patch_samples(K);
    const unsigned int n_recomputed = recompute.size();
    // Only the recomputed correctors travel, and only the bases of cells
    // whose patch holds one of them are rebuilt: after a local change of a
    // time-dependent coefficient that is a small part of the cells. The
    // ghost correctors are kept for the next update; a coefficient that
    // does not change in time never needs them again.
    const std::vector<bool> changed = exchange_correctors(recompute);
    build_cell_bases(changed);
    if (!coefficient.is_time_dependent())
      corrector_values.clear();
    return Utilities::MPI::sum(n_recomputed, comm);
  }


  template <int dim>
  std::vector<bool>
  LODProblem<dim>::exchange_correctors(
    const std::vector<unsigned int> &recomputed)
  {
    // Send the correctors of K to every rank that owns a cell of N^l(K);
    // the message is a sequence of (K, its 2^dim corrector vectors).
    std::vector<bool> changed(grid.n_coarse_cells(), false);
    std::map<unsigned int, std::vector<double>> messages;
    for (const unsigned int K : recomputed)
      {
        const ElementCorrectors<dim> &element = owned_correctors.at(K);
        std::vector<double>           values;
        for (const auto &q : element.correctors)
          values.insert(values.end(), q.begin(), q.end());

        std::vector<bool>  receivers(n_ranks, false);
        const CellBox<dim> box = element.patch;
        for (unsigned int k = 0; k < box.n_cells(); ++k)
          {
            auto index = unflatten_index<dim>(k, box.size);
            for (unsigned int d = 0; d < dim; ++d)
              index[d] += box.lower[d];
            receivers[owner(grid.coarse_cell(index))] = true;
          }
        for (unsigned int p = 0; p < n_ranks; ++p)
          if (receivers[p] && p != rank)
            {
              messages[p].push_back(K);
              messages[p].insert(messages[p].end(),
                                 values.begin(),
                                 values.end());
            }
        if (receivers[rank])
          {
            corrector_values[K] = std::move(values);
            changed[K]          = true;
          }
      }

    const auto received = Utilities::MPI::some_to_some(comm, messages);
    for (const auto &[sender, message] : received)
      {
        std::size_t position = 0;
        while (position < message.size())
          {
            const unsigned int K = static_cast<unsigned int>(message[position]);
            const std::size_t  n = NestedGrid<dim>::vertices_per_cell *
                                  grid.n_box_nodes(grid.patch(K, layers));
            corrector_values[K].assign(message.begin() + position + 1,
                                       message.begin() + position + 1 + n);
            changed[K] = true;
            position += n + 1;
          }
      }
    return changed;
  }


  template <int dim>
  void
  LODProblem<dim>::build_cell_bases(const std::vector<bool> &changed)
  {
    const unsigned int n_v  = NestedGrid<dim>::vertices_per_cell;
    const auto        &P    = grid.coarse_shape_values();
    const auto [begin, end] = owned_cell_range();
    for (unsigned int T = begin; T < end; ++T)
      {
        // The patch of K contains T exactly when K lies in N^l(T).
        const CellBox<dim> box          = grid.patch(T, layers);
        bool               needs_update = false;
        for (unsigned int k = 0; k < box.n_cells() && !needs_update; ++k)
          {
            auto index = unflatten_index<dim>(k, box.size);
            for (unsigned int d = 0; d < dim; ++d)
              index[d] += box.lower[d];
            needs_update = changed[grid.coarse_cell(index)];
          }
        if (!needs_update)
          continue;

        // Columns: the free vertices of the closed box N^l(T).
        std::vector<unsigned int>            vertices;
        std::map<unsigned int, unsigned int> column;
        for (const unsigned int z : box_vertices(grid, box))
          if (vertex_to_free[z] >= 0)
            {
              column[z] = vertices.size();
              vertices.push_back(z);
            }

        FullMatrix<double> B(grid.n_cell_nodes(), vertices.size());
        for (unsigned int v = 0; v < n_v; ++v)
          {
            const unsigned int z = grid.cell_vertex(T, v);
            if (vertex_to_free[z] >= 0)
              for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
                B(i, column[z]) += P(i, v);
          }
        for (unsigned int k = 0; k < box.n_cells(); ++k)
          {
            auto index = unflatten_index<dim>(k, box.size);
            for (unsigned int d = 0; d < dim; ++d)
              index[d] += box.lower[d];
            const unsigned int         K           = grid.coarse_cell(index);
            const CellBox<dim>         patch       = grid.patch(K, layers);
            const unsigned int         n_box_nodes = grid.n_box_nodes(patch);
            const std::vector<double> &q           = corrector_values.at(K);
            for (unsigned int v = 0; v < n_v; ++v)
              {
                const unsigned int z = grid.cell_vertex(K, v);
                if (vertex_to_free[z] < 0)
                  continue;
                const unsigned int c = column.at(z);
                for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
                  B(i, c) -= q[v * n_box_nodes + grid.box_node(patch, T, i)];
              }
          }
        bases[T]          = std::move(B);
        basis_vertices[T] = std::move(vertices);
      }
  }


  template <int dim>
  void
  LODProblem<dim>::sum_over_ranks(SparseMatrix<double> &matrix) const
  {
    std::vector<double> values;
    values.reserve(sparsity.n_nonzero_elements());
    for (auto entry = matrix.begin(); entry != matrix.end(); ++entry)
      values.push_back(entry->value());
    Utilities::MPI::sum(values, comm, values);
    std::size_t k = 0;
    for (auto entry = matrix.begin(); entry != matrix.end(); ++entry)
      entry->value() = values[k++];
  }


  template <int dim>
  void
  LODProblem<dim>::add_to_matrix(
    const bool                                  to_stiffness,
    const unsigned int                          row,
    const std::vector<types::global_dof_index> &columns,
    const std::vector<double>                  &values)
  {
    if (distributed)
      (to_stiffness ? distributed->stiffness : distributed->mass)
        .add(row, columns.size(), columns.data(), values.data(), false);
    else
      {
        SparseMatrix<double> &matrix = to_stiffness ? stiffness : mass;
        for (unsigned int c = 0; c < columns.size(); ++c)
          matrix.add(row, columns[c], values[c]);
      }
  }


  template <int dim>
  void
  LODProblem<dim>::assemble_matrices()
  {
    if (distributed)
      {
        distributed->stiffness = 0;
        distributed->mass      = 0;
      }
    else
      {
        stiffness = 0;
        mass      = 0;
      }
    const unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    const unsigned int n_e = grid.n_fine_cells_per_coarse_cell();
    const unsigned int n_q = grid.n_quadrature_points();
    const auto        &P   = grid.coarse_shape_values();
    FullMatrix<double> element;
    for (const auto &[T, B] : bases)
      {
        const auto   &vertices = basis_vertices.at(T);
        const double *a        = samples.cell(T);
        // AB = A_T B and MB = M_T B, fine cell by fine cell.
        FullMatrix<double> AB(B.m(), B.n()), MB(B.m(), B.n());
        for (unsigned int e = 0; e < n_e; ++e)
          {
            grid.fine_stiffness(a + e * n_q, element);
            for (unsigned int p = 0; p < n_v; ++p)
              for (unsigned int s = 0; s < n_v; ++s)
                {
                  const unsigned int i = grid.fine_cell_node(e, p);
                  const unsigned int j = grid.fine_cell_node(e, s);
                  const double       k = element(p, s);
                  const double       m = grid.fine_mass()(p, s);
                  for (unsigned int c = 0; c < B.n(); ++c)
                    {
                      AB(i, c) += k * B(j, c);
                      MB(i, c) += m * B(j, c);
                    }
                }
          }

        FullMatrix<double> local_A, local_M;
        std::vector<int>   rows;
        if (parameters.petrov_galerkin)
          {
            // Test functions: the Q1 hats of the vertices of T.
            local_M.reinit(n_v, B.n());
            P.Tmmult(local_M, MB);
            for (unsigned int v = 0; v < n_v; ++v)
              rows.push_back(vertex_to_free[grid.cell_vertex(T, v)]);
          }
        else
          {
            local_A.reinit(B.n(), B.n());
            local_M.reinit(B.n(), B.n());
            B.Tmmult(local_A, AB);
            B.Tmmult(local_M, MB);
            for (const unsigned int z : vertices)
              rows.push_back(vertex_to_free[z]);
          }
        // The columns: free vertices only (basis_vertices).
        std::vector<types::global_dof_index> columns(B.n());
        for (unsigned int c = 0; c < B.n(); ++c)
          columns[c] = vertex_to_free[vertices[c]];
        std::vector<double> values(B.n());
        for (unsigned int i = 0; i < rows.size(); ++i)
          if (rows[i] >= 0)
            {
              for (unsigned int c = 0; c < B.n(); ++c)
                values[c] = local_M(i, c);
              add_to_matrix(false, rows[i], columns, values);
              if (!parameters.petrov_galerkin)
                {
                  for (unsigned int c = 0; c < B.n(); ++c)
                    values[c] = local_A(i, c);
                  add_to_matrix(true, rows[i], columns, values);
                }
            }
      }

    if (parameters.petrov_galerkin)
      for (const auto &[K, correctors] : owned_correctors)
        for (unsigned int i = 0; i < correctors.block_rows.size(); ++i)
          {
            const int row = vertex_to_free[correctors.block_rows[i]];
            if (row < 0)
              continue;
            std::vector<types::global_dof_index> columns;
            std::vector<double>                  values;
            for (unsigned int v = 0; v < n_v; ++v)
              {
                const int col = vertex_to_free[grid.cell_vertex(K, v)];
                if (col >= 0)
                  {
                    columns.push_back(col);
                    values.push_back(correctors.local_block(i, v));
                  }
              }
            add_to_matrix(true, row, columns, values);
          }

    if (distributed)
      {
        // Rows owned elsewhere go to their owners.
        distributed->stiffness.compress(VectorOperation::add);
        distributed->mass.compress(VectorOperation::add);
      }
    else
      {
        sum_over_ranks(stiffness);
        sum_over_ranks(mass);
      }
    factorized_factors = {-1, -1};
  }


  template <int dim>
  Vector<double>
  LODProblem<dim>::load(const Function<dim> &f) const
  {
    const unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    const unsigned int n_q = grid.n_quadrature_points();
    const auto        &P   = grid.coarse_shape_values();
    Vector<double>     F(grid.n_coarse_vertices());
    for (const auto &[T, B] : bases)
      {
        // (f, phi_i) for the fine nodes i of T, then the test basis.
        Vector<double> f_fine(grid.n_cell_nodes());
        for (unsigned int e = 0; e < grid.n_fine_cells_per_coarse_cell(); ++e)
          for (unsigned int q = 0; q < n_q; ++q)
            {
              const double value =
                f.value(grid.quadrature_point(T, e, q)) * grid.JxW(q);
              for (unsigned int p = 0; p < n_v; ++p)
                f_fine[grid.fine_cell_node(e, p)] +=
                  value * grid.shape_value(p, q);
            }
        if (parameters.petrov_galerkin)
          for (unsigned int v = 0; v < n_v; ++v)
            {
              const unsigned int z = grid.cell_vertex(T, v);
              if (vertex_to_free[z] >= 0)
                for (unsigned int i = 0; i < grid.n_cell_nodes(); ++i)
                  F[z] += P(i, v) * f_fine[i];
            }
        else
          {
            const auto &vertices = basis_vertices.at(T);
            for (unsigned int c = 0; c < B.n(); ++c)
              for (unsigned int i = 0; i < B.m(); ++i)
                F[vertices[c]] += B(i, c) * f_fine[i];
          }
      }
    Utilities::MPI::sum(F, comm, F);
    return F;
  }


  template <int dim>
  Vector<double>
  LODProblem<dim>::apply(const Vector<double> &U,
                         const double          stiffness_factor,
                         const double          mass_factor) const
  {
    Vector<double> result(grid.n_coarse_vertices());
    if (distributed)
      {
        const DistributedSolver      &d = *distributed;
        TrilinosWrappers::MPI::Vector x(d.owned, comm), y(x), m(x);
        for (const auto i : d.owned)
          x[i] = U[free_vertex[i]];
        x.compress(VectorOperation::insert);
        d.stiffness.vmult(y, x);
        y *= stiffness_factor;
        d.mass.vmult(m, x);
        y.add(mass_factor, m);
        for (const auto i : d.owned)
          result[free_vertex[i]] = y[i];
        Utilities::MPI::sum(result, comm, result);
        return result;
      }

    Vector<double> u(free_vertex.size()), y(free_vertex.size());
    for (unsigned int i = 0; i < free_vertex.size(); ++i)
      u[i] = U[free_vertex[i]];
    stiffness.vmult(y, u);
    y *= stiffness_factor;
    u *= mass_factor;
    mass.vmult_add(y, u);
    for (unsigned int i = 0; i < free_vertex.size(); ++i)
      result[free_vertex[i]] = y[i];
    return result;
  }


  template <int dim>
  Vector<double>
  LODProblem<dim>::solve(const Vector<double> &rhs,
                         const double          stiffness_factor,
                         const double          mass_factor)
  {
    Vector<double> U(grid.n_coarse_vertices());
    if (distributed)
      {
        distributed_solve(rhs, stiffness_factor, mass_factor, U);
        return U;
      }

    // Every rank factorizes the (small, replicated) coarse matrix itself:
    // the online phase of time stepping then needs no communication.
    if (factorized_factors != std::make_pair(stiffness_factor, mass_factor))
      {
        system_matrix.copy_from(stiffness);
        system_matrix *= stiffness_factor;
        system_matrix.add(mass_factor, mass);
        if (parameters.petrov_galerkin)
          lu.factorize(system_matrix);
        else
          cholesky.factorize(system_matrix);
        factorized_factors = {stiffness_factor, mass_factor};
      }

    Vector<double> x(free_vertex.size());
    for (unsigned int i = 0; i < free_vertex.size(); ++i)
      x[i] = rhs[free_vertex[i]];
    if (parameters.petrov_galerkin)
      lu.solve(x);
    else
      cholesky.solve(x.data());

    for (unsigned int i = 0; i < free_vertex.size(); ++i)
      U[free_vertex[i]] = x[i];
    return U;
  }


  template <int dim>
  void
  LODProblem<dim>::distributed_solve(const Vector<double> &rhs,
                                     const double          stiffness_factor,
                                     const double          mass_factor,
                                     Vector<double>       &U)
  {
    DistributedSolver &d = *distributed;
    if (factorized_factors != std::make_pair(stiffness_factor, mass_factor))
      {
        // (stiffness and mass share one sparsity pattern).
        d.matrix.copy_from(d.stiffness);
        d.matrix *= stiffness_factor;
        d.matrix.add(mass_factor, d.mass);
        if (parameters.coarse_solver == CoarseSolver::distributed_direct)
          d.direct.initialize(d.matrix);
        else
          {
            TrilinosWrappers::PreconditionAMG::AdditionalData amg_data;
            amg_data.elliptic = !parameters.petrov_galerkin;
            d.amg.initialize(d.matrix, amg_data);
          }
        factorized_factors = {stiffness_factor, mass_factor};
      }

    for (const auto i : d.owned)
      d.b[i] = rhs[free_vertex[i]];
    d.b.compress(VectorOperation::insert);
    if (parameters.coarse_solver == CoarseSolver::distributed_direct)
      d.direct.solve(d.x, d.b);
    else if (d.b.l2_norm() == 0)
      d.x = 0; // AztecOO breaks down on a zero right-hand side
    else
      {
        SolverControl control(10000, 1e-12 * d.b.l2_norm(), false, false);
        d.x = 0;
        if (parameters.petrov_galerkin)
          {
            TrilinosWrappers::SolverGMRES solver(control);
            solver.solve(d.matrix, d.x, d.b, d.amg);
          }
        else
          {
            TrilinosWrappers::SolverCG solver(control);
            solver.solve(d.matrix, d.x, d.b, d.amg);
          }
      }

    // Replicate: every rank contributes its owned entries.
    for (const auto i : d.owned)
      U[free_vertex[i]] = d.x[i];
    Utilities::MPI::sum(U, comm, U);
  }


  template <int dim>
  std::vector<double>
  LODProblem<dim>::cell_values(const unsigned int    cell,
                               const Vector<double> &U) const
  {
    const FullMatrix<double>        &B        = bases.at(cell);
    const std::vector<unsigned int> &vertices = basis_vertices.at(cell);
    std::vector<double>              values(B.m(), 0.);
    for (unsigned int i = 0; i < B.m(); ++i)
      for (unsigned int c = 0; c < B.n(); ++c)
        values[i] += B(i, c) * U[vertices[c]];
    return values;
  }


  template <int dim>
  BlockQ1Field<dim>
  LODProblem<dim>::reconstruct(const Vector<double>            &U,
                               const std::vector<unsigned int> &cells) const
  {
    BlockQ1Field<dim> field(grid.coarse_cells_per_direction(),
                            grid.refinement());
    // Ask the owner of every cell that is not ours for its values.
    std::map<unsigned int, std::vector<unsigned int>> requests;
    for (const unsigned int cell : cells)
      {
        AssertThrow(cell < grid.n_coarse_cells(),
                    ExcMessage("no coarse cell " + std::to_string(cell)));
        if (is_locally_owned(cell))
          field.set_block(cell, cell_values(cell, U));
        else
          requests[owner(cell)].push_back(cell);
      }
    const auto asked = Utilities::MPI::some_to_some(comm, requests);
    std::map<unsigned int, std::vector<double>> answers;
    for (const auto &[rank_asking, asked_cells] : asked)
      {
        std::vector<double> &answer = answers[rank_asking];
        for (const unsigned int cell : asked_cells)
          {
            const std::vector<double> values = cell_values(cell, U);
            answer.insert(answer.end(), values.begin(), values.end());
          }
      }
    const auto         received = Utilities::MPI::some_to_some(comm, answers);
    const unsigned int n        = grid.n_cell_nodes();
    for (const auto &[sender, values] : received)
      {
        const std::vector<unsigned int> &asked_cells = requests.at(sender);
        AssertThrow(values.size() == asked_cells.size() * n,
                    ExcInternalError());
        for (unsigned int k = 0; k < asked_cells.size(); ++k)
          field.set_block(asked_cells[k],
                          std::vector<double>(values.begin() + k * n,
                                              values.begin() + (k + 1) * n));
      }
    return field;
  }


  template <int dim>
  std::vector<double>
  LODProblem<dim>::reconstruct(const Vector<double> &U) const
  {
    std::vector<double> u(grid.n_fine_nodes(), 0.);
    for (const auto &[T, B] : bases)
      {
        const auto &vertices = basis_vertices.at(T);
        for (unsigned int i = 0; i < B.m(); ++i)
          {
            const unsigned int node = grid.cell_node_to_fine_node(T, i);
            if (grid.fine_node_owner(node) != T)
              continue;
            double value = 0;
            for (unsigned int c = 0; c < B.n(); ++c)
              value += B(i, c) * U[vertices[c]];
            u[node] = value;
          }
      }
    Utilities::MPI::sum(u, comm, u);
    return u;
  }


  template <int dim>
  const ElementCorrectors<dim> &
  LODProblem<dim>::element_correctors(const unsigned int cell) const
  {
    AssertThrow(owned_correctors.count(cell),
                ExcMessage("coarse cell " + std::to_string(cell) +
                           " is not owned by this rank"));
    return owned_correctors.at(cell);
  }


  template <int dim>
  const SparseMatrix<double> &
  LODProblem<dim>::stiffness_matrix() const
  {
    AssertThrow(!distributed,
                ExcMessage("LODProblem::stiffness_matrix(): the coarse "
                           "matrices are row-distributed with LOD/Coarse "
                           "solver = distributed direct or distributed "
                           "iterative; use apply(), or the replicated direct "
                           "solver to access the replicated matrix"));
    return stiffness;
  }


  template <int dim>
  const SparseMatrix<double> &
  LODProblem<dim>::mass_matrix() const
  {
    AssertThrow(!distributed,
                ExcMessage("LODProblem::mass_matrix(): the coarse matrices "
                           "are row-distributed with LOD/Coarse solver = "
                           "distributed direct or distributed iterative; use "
                           "apply(), or the replicated direct solver to "
                           "access the replicated matrix"));
    return mass;
  }


  template <int dim>
  const FullMatrix<double> &
  LODProblem<dim>::cell_basis(const unsigned int cell) const
  {
    return bases.at(cell);
  }


  template <int dim>
  const std::vector<unsigned int> &
  LODProblem<dim>::cell_basis_vertices(const unsigned int cell) const
  {
    return basis_vertices.at(cell);
  }


  template <int dim>
  void
  LODProblem<dim>::write_matrix_market(const std::string &file_name) const
  {
    // Entries as (row, column, value), 1-based; distributed rows are
    // gathered on rank 0.
    std::vector<double> entries;
    if (distributed)
      {
        for (const auto i : distributed->owned)
          for (auto entry = distributed->stiffness.begin(i);
               entry != distributed->stiffness.end(i);
               ++entry)
            entries.insert(entries.end(),
                           {double(entry->row() + 1),
                            double(entry->column() + 1),
                            entry->value()});
        const auto all = Utilities::MPI::gather(comm, entries, 0);
        entries.clear();
        for (const auto &part : all)
          entries.insert(entries.end(), part.begin(), part.end());
      }
    else if (rank == 0)
      for (auto entry = stiffness.begin(); entry != stiffness.end(); ++entry)
        entries.insert(entries.end(),
                       {double(entry->row() + 1),
                        double(entry->column() + 1),
                        entry->value()});
    if (rank != 0)
      return;
    std::ostringstream out;
    out << "%%MatrixMarket matrix coordinate real general\n"
        << "% neuhom LOD coarse stiffness ("
        << (parameters.petrov_galerkin ? "Petrov-Galerkin" : "Galerkin")
        << ", l = " << parameters.layers_text()
        << "), unknowns = interior coarse vertices in lexicographic order\n"
        << free_vertex.size() << ' ' << free_vertex.size() << ' '
        << entries.size() / 3 << '\n'
        << std::setprecision(17);
    for (std::size_t k = 0; k < entries.size(); k += 3)
      out << static_cast<unsigned int>(entries[k]) << ' '
          << static_cast<unsigned int>(entries[k + 1]) << ' ' << entries[k + 2]
          << '\n';
    // A temporary name and a rename: a killed run leaves no truncated file.
    write_file_atomically(file_name, out.str());
  }


  template <int dim>
  void
  LODProblem<dim>::write_local_blocks(const std::string &file_name) const
  {
    std::vector<double> packed;
    for (const auto &[K, correctors] : owned_correctors)
      {
        packed.push_back(K);
        packed.push_back(correctors.block_rows.size());
        packed.insert(packed.end(),
                      correctors.block_rows.begin(),
                      correctors.block_rows.end());
        for (unsigned int i = 0; i < correctors.local_block.m(); ++i)
          for (unsigned int v = 0; v < correctors.local_block.n(); ++v)
            packed.push_back(correctors.local_block(i, v));
      }
    const auto all = Utilities::MPI::gather(comm, packed, 0);
    if (rank != 0)
      return;

    const unsigned int n_v = NestedGrid<dim>::vertices_per_cell;
    std::ostringstream out;
    out << "# neuhom PG-LOD local blocks S_K(i, v) = a(chi_K Lambda_v - "
           "C_K^l Lambda_v, Lambda_i), l = "
        << parameters.layers_text() << ", H = 1/"
        << grid.coarse_cells_per_direction() << '\n'
        << std::setprecision(17);
    for (const auto &message : all)
      for (std::size_t p = 0; p < message.size();)
        {
          const unsigned int K      = message[p];
          const unsigned int n_rows = message[p + 1];
          p += 2;
          out << "cell " << K << " rows " << n_rows << '\n';
          for (unsigned int i = 0; i < n_rows; ++i)
            out << static_cast<unsigned int>(message[p + i])
                << (i + 1 < n_rows ? ' ' : '\n');
          p += n_rows;
          for (unsigned int i = 0; i < n_rows; ++i)
            for (unsigned int v = 0; v < n_v; ++v)
              out << message[p++] << (v + 1 < n_v ? ' ' : '\n');
        }
    write_file_atomically(file_name, out.str());
  }


  template <int dim>
  void
  LODProblem<dim>::set_corrector_source(CorrectorSource<dim> *source)
  {
    require(source == nullptr || !parameters.petrov_galerkin,
            "LOD/Method",
            "must be Galerkin with correctors that do not come from the "
            "patch solves (the Petrov-Galerkin local blocks need them)");
    corrector_source = source;
  }


  template <int dim>
  BlockQ1Field<dim>
  reconstruct_under_mesh(const LODProblem<dim>    &lod,
                         const Triangulation<dim> &fine_mesh,
                         const Vector<double>     &U)
  {
    return lod.reconstruct(
      U,
      blocks_under_owned_cells(fine_mesh,
                               lod.get_grid().coarse_cells_per_direction()));
  }


  template class LODProblem<2>;
  template class LODProblem<3>;
  template BlockQ1Field<2>
  reconstruct_under_mesh(const LODProblem<2> &,
                         const Triangulation<2> &,
                         const Vector<double> &);
  template BlockQ1Field<3>
  reconstruct_under_mesh(const LODProblem<3> &,
                         const Triangulation<3> &,
                         const Vector<double> &);
} // namespace neuhom
