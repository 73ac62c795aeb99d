#include <deal.II/base/mpi.h>
#include <deal.II/base/quadrature_lib.h>

#include <deal.II/fe/fe_values.h>

#include <neuhom/methods/hybrid_pinn/reference.h>

#include <cmath>

namespace neuhom
{
  namespace hybrid_pinn
  {
    template <int dim>
    double
    ReferenceSolution<dim>::l2_norm() const
    {
      double sum = 0;
      for (unsigned int i = 0; i < values.size(); ++i)
        sum += weights[i] * values[i] * values[i];
      return std::sqrt(sum);
    }


    template <int dim>
    double
    ReferenceSolution<dim>::h1_seminorm() const
    {
      double sum = 0;
      for (unsigned int i = 0; i < values.size(); ++i)
        sum += weights[i] * gradients[i].norm_square();
      return std::sqrt(sum);
    }


    template <int dim>
    ReferenceSolution<dim>
    sample_reference(const DiffusionProblem<dim> &fine,
                     const unsigned int           points_per_direction,
                     const bool                   subtract_x1)
    {
      const auto                 &dof_handler = fine.get_dof_handler();
      FEValues<dim>               fe_values(dof_handler.get_fe(),
                              QGauss<dim>(points_per_direction),
                              update_values | update_gradients |
                                update_quadrature_points | update_JxW_values);
      const unsigned int          n_q = fe_values.n_quadrature_points;
      std::vector<double>         values(n_q);
      std::vector<Tensor<1, dim>> gradients(n_q);
      // One flat buffer per rank: x (dim), u, grad u (dim), JxW.
      std::vector<double> local;
      for (const auto &cell : dof_handler.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            fe_values.reinit(cell);
            fe_values.get_function_values(fine.solution(), values);
            fe_values.get_function_gradients(fine.solution(), gradients);
            for (unsigned int q = 0; q < n_q; ++q)
              {
                const auto &x = fe_values.quadrature_point(q);
                for (unsigned int a = 0; a < dim; ++a)
                  local.push_back(x[a]);
                local.push_back(values[q] - (subtract_x1 ? x[0] : 0.));
                for (unsigned int a = 0; a < dim; ++a)
                  local.push_back(gradients[q][a] -
                                  (subtract_x1 && a == 0 ? 1. : 0.));
                local.push_back(fe_values.JxW(q));
              }
          }
      const auto all =
        Utilities::MPI::all_gather(dof_handler.get_communicator(), local);

      ReferenceSolution<dim> reference;
      for (const auto &part : all)
        for (std::size_t i = 0; i < part.size(); i += 2 * dim + 2)
          {
            Point<dim>     x;
            Tensor<1, dim> g;
            for (unsigned int a = 0; a < dim; ++a)
              {
                x[a] = part[i + a];
                g[a] = part[i + dim + 1 + a];
              }
            reference.points.push_back(x);
            reference.values.push_back(part[i + dim]);
            reference.gradients.push_back(g);
            reference.weights.push_back(part[i + 2 * dim + 1]);
          }
      return reference;
    }


    template struct ReferenceSolution<1>;
    template struct ReferenceSolution<2>;
    template ReferenceSolution<1>
    sample_reference(const DiffusionProblem<1> &, unsigned int, bool);
    template ReferenceSolution<2>
    sample_reference(const DiffusionProblem<2> &, unsigned int, bool);
  } // namespace hybrid_pinn
} // namespace neuhom
