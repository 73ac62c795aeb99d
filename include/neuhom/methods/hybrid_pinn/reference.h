#ifndef neuhom_methods_hybrid_pinn_reference_h
#define neuhom_methods_hybrid_pinn_reference_h

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>

#include <neuhom/fem/diffusion_problem.h>

#include <vector>

namespace neuhom
{
  namespace hybrid_pinn
  {
    using namespace dealii;

    /**
     * A fine FEM solution u_h sampled at the Gauss points of its mesh, with
     * the quadrature weights: what the networks are measured against
     * (relative L2 and H1-seminorm errors, K_hat[u_h]). The same on every
     * rank.
     */
    template <int dim>
    struct ReferenceSolution
    {
      std::vector<Point<dim>>     points;
      std::vector<double>         values;
      std::vector<Tensor<1, dim>> gradients;
      std::vector<double>         weights;

      /** ||u_h||_L2 and ||grad u_h||_L2. */
      double
      l2_norm() const;
      double
      h1_seminorm() const;
    };

    /**
     * Sample the solution of @p fine at @p points_per_direction Gauss points
     * per direction of every fine cell and gather the samples on all ranks.
     * With @p subtract_x1 the samples are of u_h - x_1: the fine problem
     * -div(K grad u) = q + d_1 K, u = 0, is solved as
     * -div(K grad w) = q, w = x_1 on the boundary, and u = w - x_1 (for Q1
     * and higher, x_1 lies in the FE space, so u_h is exactly the Galerkin
     * solution of (K grad u, grad v) = (q, v) - (K, d_1 v)).
     */
    template <int dim>
    ReferenceSolution<dim>
    sample_reference(const DiffusionProblem<dim> &fine,
                     unsigned int                 points_per_direction,
                     bool                         subtract_x1);
  } // namespace hybrid_pinn
} // namespace neuhom

#endif
