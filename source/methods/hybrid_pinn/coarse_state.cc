#include <deal.II/base/quadrature_lib.h>

#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/numerics/vector_tools.h>

#include <neuhom/methods/hybrid_pinn/coarse_state.h>

#include <cmath>

namespace neuhom
{
  namespace hybrid_pinn
  {
    template <int dim>
    CoarseState<dim>::CoarseState(const unsigned int   cells_per_direction,
                                  const Function<dim> &q,
                                  const bool           isotropic,
                                  const double         k12,
                                  const double         k22,
                                  const unsigned int   quadrature_points)
      : fe(1)
      , dof_handler(triangulation)
    {
      AssertThrow(cells_per_direction >= 2,
                  ExcMessage("the coarse mesh needs at least 2 cells per "
                             "direction"));
      GridGenerator::subdivided_hyper_cube(triangulation, cells_per_direction);
      dof_handler.distribute_dofs(fe);
      const unsigned int n = dof_handler.n_dofs();

      DynamicSparsityPattern dsp(n, n);
      DoFTools::make_sparsity_pattern(dof_handler, dsp);
      sparsity.copy_from(dsp);
      d_matrix.reinit(sparsity);
      c_matrix.reinit(sparsity);
      system_matrix.reinit(sparsity);
      load.reinit(n);
      y.reinit(n);
      weights.assign(n, 0.);

      // D, C, F and the weights int phi_l in one loop.
      const QGauss<dim>  quadrature(quadrature_points);
      FEValues<dim>      fe_values(fe,
                              quadrature,
                              update_values | update_gradients |
                                update_quadrature_points | update_JxW_values);
      const unsigned int n_local = fe.n_dofs_per_cell();
      FullMatrix<double> d_local(n_local, n_local), c_local(n_local, n_local);
      Vector<double>     f_local(n_local);
      std::vector<types::global_dof_index> indices(n_local);
      for (const auto &cell : dof_handler.active_cell_iterators())
        {
          fe_values.reinit(cell);
          d_local = 0;
          c_local = 0;
          f_local = 0;
          for (const unsigned int qp : fe_values.quadrature_point_indices())
            {
              const double q_value = q.value(fe_values.quadrature_point(qp));
              const double JxW     = fe_values.JxW(qp);
              for (const unsigned int i : fe_values.dof_indices())
                {
                  const auto &gi = fe_values.shape_grad(i, qp);
                  for (const unsigned int j : fe_values.dof_indices())
                    {
                      const auto &gj = fe_values.shape_grad(j, qp);
                      if (isotropic)
                        d_local(i, j) += gi * gj * JxW;
                      else
                        {
                          d_local(i, j) += gi[0] * gj[0] * JxW;
                          double c = 0;
                          for (unsigned int a = 1; a < dim; ++a)
                            c += k22 * gi[a] * gj[a] +
                                 k12 * (gi[0] * gj[a] + gi[a] * gj[0]);
                          c_local(i, j) += c * JxW;
                        }
                    }
                  f_local(i) += q_value * fe_values.shape_value(i, qp) * JxW;
                }
            }
          cell->get_dof_indices(indices);
          for (unsigned int i = 0; i < n_local; ++i)
            {
              for (unsigned int j = 0; j < n_local; ++j)
                {
                  d_matrix.add(indices[i], indices[j], d_local(i, j));
                  c_matrix.add(indices[i], indices[j], c_local(i, j));
                }
              load(indices[i]) += f_local(i);
            }
        }
      // int phi_l exactly: the trapezoidal weights h^dim / 2^(boundary dirs).
      const double h = 1. / cells_per_direction;
      support_points.resize(n);
      DoFTools::map_dofs_to_support_points(MappingQ1<dim>(),
                                           dof_handler,
                                           support_points);
      on_boundary.assign(n, false);
      for (unsigned int l = 0; l < n; ++l)
        {
          weights[l] = std::pow(h, dim);
          for (unsigned int a = 0; a < dim; ++a)
            {
              const double x = support_points[l][a];
              if (x < 0.5 * h || x > 1 - 0.5 * h)
                {
                  weights[l] *= 0.5;
                  on_boundary[l] = true;
                }
            }
        }
    }


    template <int dim>
    std::unique_ptr<SparseDirectUMFPACK>
    CoarseState<dim>::factorize(const double          k,
                                SparseMatrix<double> &matrix) const
    {
      AssertThrow(k > 0 && std::isfinite(k),
                  ExcMessage(
                    "the upscaled coefficient K_hat = " + std::to_string(k) +
                    " is not positive: the coarse state problem is "
                    "ill-posed"));
      matrix.copy_from(d_matrix);
      matrix *= k;
      matrix.add(1., c_matrix);
      for (unsigned int row = 0; row < matrix.m(); ++row)
        for (auto entry = matrix.begin(row); entry != matrix.end(row); ++entry)
          if (on_boundary[row] || on_boundary[entry->column()])
            entry->value() = (row == entry->column()) ? 1. : 0.;
      auto lu = std::make_unique<SparseDirectUMFPACK>();
      lu->initialize(matrix);
      return lu;
    }


    template <int dim>
    Vector<double>
    CoarseState<dim>::constrained_load() const
    {
      Vector<double> rhs(load);
      for (unsigned int l = 0; l < rhs.size(); ++l)
        if (on_boundary[l])
          rhs(l) = 0;
      return rhs;
    }


    template <int dim>
    void
    CoarseState<dim>::solve_state(const double k)
    {
      factorization = factorize(k, system_matrix);
      factorization->vmult(y, constrained_load());
      k_state = k;
      ++n_solves;
    }


    template <int dim>
    Vector<double>
    CoarseState<dim>::state_for(const double k) const
    {
      SparseMatrix<double> matrix(sparsity);
      Vector<double>       result(load.size());
      factorize(k, matrix)->vmult(result, constrained_load());
      return result;
    }


    template <int dim>
    const Vector<double> &
    CoarseState<dim>::state() const
    {
      return y;
    }


    template <int dim>
    double
    CoarseState<dim>::state_coefficient() const
    {
      return k_state;
    }


    template <int dim>
    Vector<double>
    CoarseState<dim>::solve_adjoint(const Vector<double> &g)
    {
      AssertThrow(factorization, ExcMessage("solve_state() first"));
      Vector<double> rhs(g), p(g.size());
      for (unsigned int l = 0; l < rhs.size(); ++l)
        if (on_boundary[l])
          rhs(l) = 0;
      // B(k) is symmetric: the transposed solve is the same LU.
      factorization->vmult(p, rhs);
      return p;
    }


    template <int dim>
    double
    CoarseState<dim>::sensitivity(const Vector<double> &p,
                                  const Vector<double> &state) const
    {
      return d_matrix.matrix_scalar_product(p, state);
    }


    template <int dim>
    const std::vector<Point<dim>> &
    CoarseState<dim>::nodes() const
    {
      return support_points;
    }


    template <int dim>
    const std::vector<double> &
    CoarseState<dim>::node_weights() const
    {
      return weights;
    }


    template <int dim>
    const std::vector<bool> &
    CoarseState<dim>::boundary_nodes() const
    {
      return on_boundary;
    }


    template <int dim>
    unsigned int
    CoarseState<dim>::n_nodes() const
    {
      return dof_handler.n_dofs();
    }


    template <int dim>
    unsigned int
    CoarseState<dim>::n_state_solves() const
    {
      return n_solves;
    }


    template <int dim>
    double
    CoarseState<dim>::l2_error(const Function<dim> &exact) const
    {
      Vector<float> cellwise(triangulation.n_active_cells());
      VectorTools::integrate_difference(dof_handler,
                                        y,
                                        exact,
                                        cellwise,
                                        QGauss<dim>(3),
                                        VectorTools::L2_norm);
      return VectorTools::compute_global_error(triangulation,
                                               cellwise,
                                               VectorTools::L2_norm);
    }


    template <int dim>
    double
    CoarseState<dim>::state_value(const Point<dim> &x) const
    {
      return VectorTools::point_value(dof_handler, y, x);
    }


    template class CoarseState<1>;
    template class CoarseState<2>;
  } // namespace hybrid_pinn
} // namespace neuhom
