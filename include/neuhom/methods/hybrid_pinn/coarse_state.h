#ifndef neuhom_methods_hybrid_pinn_coarse_state_h
#define neuhom_methods_hybrid_pinn_coarse_state_h

#include <deal.II/base/function.h>
#include <deal.II/base/point.h>

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/sparse_direct.h>
#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/sparsity_pattern.h>
#include <deal.II/lac/vector.h>

#include <memory>
#include <vector>

namespace neuhom
{
  namespace hybrid_pinn
  {
    using namespace dealii;

    /**
     * The coarse constraint of the hybrid PINN: Q1 elements on a uniform
     * coarse mesh of the unit hypercube with n cells per direction, u = 0 on
     * the boundary, and the upscaled coefficient
     *
     *   K_hat = k I                       (isotropic), or
     *   K_hat = [[k, K12], [K12, K22]]    (2D, K12 and K22 fixed),
     *
     * of which only the scalar k = K_hat_11 is learned. The stiffness
     * matrix is affine in k, B(k) = k D + C, with D = (grad phi_i,
     * grad phi_j) in the isotropic case and D = (d_1 phi_i, d_1 phi_j)
     * otherwise. This class solves
     *
     *   state    B(k) y = F,   F_j = (q, phi_j),
     *   adjoint  B(k)^T p = g  (g zeroed at the boundary nodes),
     *
     * both with one sparse LU of B(k) (UMFPACK) that is re-factorized only
     * when k changes, and gives the sensitivity dB/dk applied as p^T D y.
     * The coarse problem is small, so every process keeps its own serial
     * copy.
     */
    template <int dim>
    class CoarseState
    {
    public:
      /**
       * @p cells_per_direction coarse cells, right-hand side @p q,
       * fixed entries K12 and K22 (ignored if @p isotropic), Gauss rule
       * with @p quadrature_points per direction for the load.
       */
      CoarseState(unsigned int         cells_per_direction,
                  const Function<dim> &q,
                  bool                 isotropic         = true,
                  double               k12               = 0.,
                  double               k22               = 1.,
                  unsigned int         quadrature_points = 3);

      /** Solve B(k) y = F; the solution is state(). Counts the solves. */
      void
      solve_state(double k);

      /**
       * The state for the coefficient @p k, solved with a separate LU: the
       * state and counter of solve_state() stay as they are.
       */
      Vector<double>
      state_for(double k) const;

      /** y of the last solve_state(). */
      const Vector<double> &
      state() const;

      /** The k of the last solve_state(). */
      double
      state_coefficient() const;

      /**
       * Solve B(k)^T p = g with the k of the last solve_state(); the
       * entries of g at boundary nodes are ignored.
       */
      Vector<double>
      solve_adjoint(const Vector<double> &g);

      /** p^T D y = p^T (dB/dk) y. */
      double
      sensitivity(const Vector<double> &p, const Vector<double> &y) const;

      /** The nodes x_l (DoF support points), in DoF order. */
      const std::vector<Point<dim>> &
      nodes() const;

      /**
       * The weights w_l of the nodal (trapezoidal) rule sum_l w_l f(x_l) ~
       * int f: w_l = int phi_l, i.e. h^dim inside, halved per boundary
       * direction.
       */
      const std::vector<double> &
      node_weights() const;

      /** Whether node l lies on the boundary (y_l = 0 there). */
      const std::vector<bool> &
      boundary_nodes() const;

      unsigned int
      n_nodes() const;

      /** Number of state solves (and LU factorizations) so far. */
      unsigned int
      n_state_solves() const;

      /** The L2 error of the state against @p exact (Gauss, degree + 2). */
      double
      l2_error(const Function<dim> &exact) const;

      /** y(x) of the state at a point (for output). */
      double
      state_value(const Point<dim> &x) const;

    private:
      Triangulation<dim>                   triangulation;
      FE_Q<dim>                            fe;
      DoFHandler<dim>                      dof_handler;
      SparsityPattern                      sparsity;
      SparseMatrix<double>                 d_matrix, c_matrix, system_matrix;
      Vector<double>                       load;
      std::vector<Point<dim>>              support_points;
      std::vector<double>                  weights;
      std::vector<bool>                    on_boundary;
      Vector<double>                       y;
      double                               k_state  = 0;
      unsigned int                         n_solves = 0;
      std::unique_ptr<SparseDirectUMFPACK> factorization;

      /**
       * B(k) with the boundary rows and columns replaced by the identity,
       * and its LU.
       */
      std::unique_ptr<SparseDirectUMFPACK>
      factorize(double k, SparseMatrix<double> &matrix) const;

      /** F with zero boundary entries. */
      Vector<double>
      constrained_load() const;
    };
  } // namespace hybrid_pinn
} // namespace neuhom

#endif
