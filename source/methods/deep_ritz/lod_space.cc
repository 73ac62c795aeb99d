#include <deal.II/lac/dynamic_sparsity_pattern.h>

#include <neuhom/lod/patch_problem.h>
#include <neuhom/methods/deep_ritz/lod_space.h>

#include <cmath>

namespace neuhom
{
  namespace deep_ritz
  {
    CoefficientSamples<2>
    sample_field(const NestedGrid<2> &grid, const CellField &field)
    {
      CoefficientSamples<2> samples(grid);
      samples.sample(field, std::vector<bool>(grid.n_coarse_cells(), true));
      return samples;
    }


    CellCorrectors
    classical_correctors(const NestedGrid<2> &grid,
                         const unsigned int   layers,
                         const CellField     &coefficient)
    {
      const CoefficientSamples<2> samples = sample_field(grid, coefficient);
      CellCorrectors              result(grid.n_coarse_cells());
      for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
        result[K] =
          compute_element_correctors(grid, K, layers, samples).correctors;
      return result;
    }


    FineSystem::FineSystem(const NestedGrid<2> &grid,
                           const CellField     &coefficient,
                           const CellField     &source,
                           const CellField     *capacity)
    {
      const unsigned int n       = grid.fine_cells_per_direction();
      const unsigned int n_nodes = (n + 1) * (n + 1);
      node_dof.assign(n_nodes, -1);
      for (unsigned int j = 1; j < n; ++j)
        for (unsigned int i = 1; i < n; ++i)
          {
            node_dof[i + (n + 1) * j] = dof_node.size();
            dof_node.push_back(i + (n + 1) * j);
          }
      const auto cell_dofs = [&](const unsigned int i, const unsigned int j) {
        std::array<int, 4> dofs;
        for (unsigned int v = 0; v < 4; ++v)
          dofs[v] = node_dof[(i + (v & 1)) + (n + 1) * (j + (v >> 1))];
        return dofs;
      };

      DynamicSparsityPattern dsp(n_dofs());
      for (unsigned int j = 0; j < n; ++j)
        for (unsigned int i = 0; i < n; ++i)
          {
            const auto dofs = cell_dofs(i, j);
            for (const int a : dofs)
              for (const int b : dofs)
                if (a >= 0 && b >= 0)
                  dsp.add(a, b);
          }
      sparsity.copy_from(dsp);
      stiffness.reinit(sparsity);
      mass.reinit(sparsity);
      laplace.reinit(sparsity);
      load.reinit(n_dofs());

      const unsigned int  n_q = grid.n_quadrature_points();
      std::vector<double> a(n_q), ones(n_q, 1.);
      FullMatrix<double>  element(4, 4), unit(4, 4);
      grid.fine_stiffness(ones.data(), unit);
      const FullMatrix<double> &element_mass = grid.fine_mass();
      const double              quarter_area = 0.25 / double(n) / double(n);
      for (unsigned int j = 0; j < n; ++j)
        for (unsigned int i = 0; i < n; ++i)
          {
            std::fill(a.begin(), a.end(), coefficient.cell_value(i, j));
            grid.fine_stiffness(a.data(), element);
            const double rho  = capacity ? capacity->cell_value(i, j) : 1.;
            const auto   dofs = cell_dofs(i, j);
            for (unsigned int p = 0; p < 4; ++p)
              if (dofs[p] >= 0)
                {
                  load[dofs[p]] += source.cell_value(i, j) * quarter_area;
                  for (unsigned int q = 0; q < 4; ++q)
                    if (dofs[q] >= 0)
                      {
                        stiffness.add(dofs[p], dofs[q], element(p, q));
                        mass.add(dofs[p], dofs[q], rho * element_mass(p, q));
                        laplace.add(dofs[p], dofs[q], unit(p, q));
                      }
                }
          }
    }


    double
    FineSystem::energy_norm_squared(const Vector<double> &v) const
    {
      return stiffness.matrix_norm_square(v);
    }


    double
    FineSystem::h1_seminorm_squared(const Vector<double> &v) const
    {
      return laplace.matrix_norm_square(v);
    }


    FullMatrix<double>
    corrected_basis(const NestedGrid<2>  &grid,
                    const unsigned int    layers,
                    const CellCorrectors &correctors,
                    const FineSystem     &fine)
    {
      const unsigned int N = grid.coarse_cells_per_direction();
      const unsigned int r = grid.refinement();
      const unsigned int n = grid.fine_cells_per_direction();
      // Interior coarse vertices, lexicographic.
      std::vector<int> column(grid.n_coarse_vertices(), -1);
      unsigned int     n_columns = 0;
      for (unsigned int v = 0; v < grid.n_coarse_vertices(); ++v)
        if (!grid.vertex_on_boundary(v))
          column[v] = n_columns++;

      FullMatrix<double> B(fine.n_dofs(), n_columns);
      for (unsigned int J = 1; J < N; ++J)
        for (unsigned int I = 1; I < N; ++I)
          {
            const int c = column[grid.coarse_vertex({{I, J}})];
            for (unsigned int j = (J - 1) * r + 1; j < (J + 1) * r; ++j)
              for (unsigned int i = (I - 1) * r + 1; i < (I + 1) * r; ++i)
                {
                  const double hx = 1. - std::abs(double(i) - I * r) / r;
                  const double hy = 1. - std::abs(double(j) - J * r) / r;
                  B(fine.dof(i + (n + 1) * j), c) = hx * hy;
                }
          }
      // Lambda_j - sum_K C_K^l Lambda_j: the corrector of K for its local
      // vertex v goes into the column of the global vertex of v.
      for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
        {
          const CellBox<2> box = grid.patch(K, layers);
          for (unsigned int v = 0; v < 4; ++v)
            {
              const int c = column[grid.cell_vertex(K, v)];
              if (c < 0)
                continue;
              const Vector<double> &q = correctors[K][v];
              for (unsigned int node = 0; node < q.size(); ++node)
                if (q[node] != 0)
                  {
                    const int d =
                      fine.dof(grid.box_node_to_fine_node(box, node));
                    if (d >= 0)
                      B(d, c) -= q[node];
                  }
            }
        }
      return B;
    }


    double
    basis_rel_energy_error(const FullMatrix<double> &basis,
                           const FullMatrix<double> &reference,
                           const FineSystem         &fine)
    {
      double         error = 0, norm = 0;
      Vector<double> b(basis.m()), e(basis.m());
      for (unsigned int c = 0; c < basis.n(); ++c)
        {
          for (unsigned int i = 0; i < basis.m(); ++i)
            {
              b[i] = reference(i, c);
              e[i] = basis(i, c) - reference(i, c);
            }
          error += fine.energy_norm_squared(e);
          norm += fine.energy_norm_squared(b);
        }
      return std::sqrt(error / norm);
    }


    CoarseSystem::CoarseSystem(const FullMatrix<double> &basis,
                               const FineSystem         &fine)
    {
      const unsigned int n = basis.n();
      FullMatrix<double> AB(basis.m(), n), MB(basis.m(), n);
      Vector<double>     b(basis.m()), y(basis.m());
      for (unsigned int c = 0; c < n; ++c)
        {
          for (unsigned int i = 0; i < basis.m(); ++i)
            b[i] = basis(i, c);
          fine.stiffness.vmult(y, b);
          for (unsigned int i = 0; i < basis.m(); ++i)
            AB(i, c) = y[i];
          fine.mass.vmult(y, b);
          for (unsigned int i = 0; i < basis.m(); ++i)
            MB(i, c) = y[i];
        }
      stiffness.reinit(n, n);
      mass.reinit(n, n);
      basis.Tmmult(stiffness, AB);
      basis.Tmmult(mass, MB);
      load.reinit(n);
      basis.Tvmult(load, fine.load);
    }


    Vector<double>
    CoarseSystem::solve(const Vector<double> &rhs,
                        const double          stiffness_factor,
                        const double          mass_factor) const
    {
      FullMatrix<double> matrix(stiffness.m(), stiffness.n());
      matrix.add(stiffness_factor, stiffness, mass_factor, mass);
      matrix.gauss_jordan();
      Vector<double> U(rhs.size());
      matrix.vmult(U, rhs);
      return U;
    }


    Vector<double>
    reconstruct(const FullMatrix<double> &basis, const Vector<double> &U)
    {
      Vector<double> u(basis.m());
      basis.vmult(u, U);
      return u;
    }


    double
    rel_h1_error(const Vector<double> &u,
                 const Vector<double> &v,
                 const FineSystem     &fine)
    {
      Vector<double> e = u;
      e -= v;
      return std::sqrt(fine.h1_seminorm_squared(e) /
                       fine.h1_seminorm_squared(v));
    }
  } // namespace deep_ritz
} // namespace neuhom
