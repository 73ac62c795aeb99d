#ifndef neuhom_fem_quasilinear_diffusion_problem_h
#define neuhom_fem_quasilinear_diffusion_problem_h

#include <deal.II/base/function.h>
#include <deal.II/base/tensor.h>

#include <deal.II/distributed/tria_base.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <neuhom/fem/parameters.h>

#include <functional>
#include <memory>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /**
   * Quasilinear elliptic problems on the unit hypercube,
   *
   *   -div(K(x, u) grad u) = f,  u = g on the boundary,
   *
   * with a matrix coefficient K(x, u) given with its derivative dK/du, by
   * Newton's method with a backtracking line search on the residual norm:
   * Q1 on a distributed mesh with n cells per direction, the Jacobian
   *
   *   J(du, v) = int (K grad du + dK/du du grad u) . grad v
   *
   * (non-symmetric) solved by GMRES with ML AMG. A linear K (dK/du = 0)
   * converges in one step. Fine-scale nonlinear references (a = 1 +
   * alpha(x) u^2) and homogenized problems (constant or u-dependent A*)
   * use it.
   */
  template <int dim>
  class QuasilinearDiffusionProblem
  {
  public:
    /** K(x, u) and dK/du(x, u). */
    using CoefficientFunction = std::function<void(const Point<dim> &x,
                                                   double            u,
                                                   Tensor<2, dim>   &K,
                                                   Tensor<2, dim>   &dK_du)>;

    QuasilinearDiffusionProblem(MPI_Comm                      comm,
                                unsigned int                  n_cells,
                                unsigned int                  n_quadrature,
                                const CoefficientFunction    &coefficient,
                                const Function<dim>          &rhs,
                                const Function<dim>          &boundary_values,
                                const LinearSolverParameters &solver);

    /**
     * Newton from u = g on the boundary and 0 inside, until the residual
     * norm is below @p tolerance times the initial one; throws a
     * std::runtime_error if it is not reached in @p max_iterations steps.
     * Returns the number of Newton steps.
     */
    unsigned int
    solve(double tolerance = 1e-10, unsigned int max_iterations = 50);

    /** The l2 norms of the residual, one per Newton iterate. */
    const std::vector<double> &
    residual_history() const
    {
      return residuals;
    }

    /** The solution, with ghost entries. */
    const TrilinosWrappers::MPI::Vector &
    solution() const
    {
      return ghosted_solution;
    }

    const DoFHandler<dim> &
    get_dof_handler() const
    {
      return dof_handler;
    }

    unsigned int
    cells_per_direction() const
    {
      return n_cells;
    }

  private:
    /** Residual (and with @p with_jacobian the Jacobian) at the solution. */
    double
    assemble(bool with_jacobian);

    MPI_Comm                                          comm;
    const unsigned int                                n_cells;
    const unsigned int                                n_quadrature;
    const CoefficientFunction                         coefficient;
    const Function<dim>                              &rhs;
    const Function<dim>                              &boundary_values;
    const LinearSolverParameters                      solver_parameters;
    std::unique_ptr<parallel::TriangulationBase<dim>> triangulation;
    FE_Q<dim>                                         fe;
    DoFHandler<dim>                                   dof_handler;
    AffineConstraints<double>                         constraints;
    TrilinosWrappers::SparseMatrix                    jacobian;
    TrilinosWrappers::MPI::Vector                     residual;
    TrilinosWrappers::MPI::Vector                     owned_solution;
    TrilinosWrappers::MPI::Vector                     ghosted_solution;
    std::vector<double>                               residuals;
  };
} // namespace neuhom

#endif
