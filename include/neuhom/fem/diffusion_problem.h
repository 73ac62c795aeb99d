#ifndef neuhom_fem_diffusion_problem_h
#define neuhom_fem_diffusion_problem_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/index_set.h>
#include <deal.II/base/timer.h>

#include <deal.II/distributed/tria_base.h>
#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/trilinos_precondition.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/fem/fine_scale_inputs.h>
#include <neuhom/fem/parameters.h>

#include <functional>

namespace neuhom
{
  using namespace dealii;

  /**
   * The fine-scale reference solver: -div(a grad u) = f, or
   * u_t - div(a grad u) = f with the theta scheme, with u = g on the boundary
   * of the unit hypercube (1D, 2D or 3D), on a distributed triangulation with
   * n cells per direction, continuous Q_p elements and Trilinos CG + ML AMG.
   *
   * Dirichlet data are handled by lifting: u = w + u_g, where u_g carries g
   * at the boundary nodes and w solves the system with homogeneous
   * constraints. The constrained system matrix therefore depends only on the
   * coefficient and the time step, and is (with the AMG hierarchy) re-built
   * only when the coefficient changes in time.
   *
   * The coefficient is evaluated at the points of the Gauss rule of
   * "Quadrature points per direction", repeated @p quadrature_subdivisions
   * times per direction in each cell: a coarse mesh with H/h subdivisions
   * then integrates a fine-scale coefficient as accurately as the fine mesh.
   */
  template <int dim>
  class DiffusionProblem
  {
  public:
    DiffusionProblem(MPI_Comm                        comm,
                     unsigned int                    cells_per_direction,
                     const DiscretizationParameters &discretization,
                     const LinearSolverParameters   &solver,
                     Coefficient<dim>               &coefficient,
                     const ProblemFunctions<dim>    &functions,
                     TimerOutput                    &timer,
                     unsigned int quadrature_subdivisions = 1);

    /** The fine-scale problem of @p inputs, on its fine mesh. */
    DiffusionProblem(MPI_Comm              comm,
                     FineScaleInputs<dim> &inputs,
                     TimerOutput          &timer);

    /** Build the mesh, the DoFs and the sparsity. */
    void
    setup();

    /** Solve the elliptic problem at the current time of the data. */
    void
    solve_stationary();

    /**
     * Run the theta scheme from u(0) = initial values to the final time,
     * calling @p after_step(step, time) after each step.
     */
    void
    solve_transient(
      const TimeSteppingParameters                    &time,
      const std::function<void(unsigned int, double)> &after_step);

    /** The solution, with ghost entries for evaluation on owned cells. */
    const TrilinosWrappers::MPI::Vector &
    solution() const;

    const DoFHandler<dim> &
    get_dof_handler() const;

    /** The Gauss rule at which the coefficient is evaluated. */
    const Quadrature<dim> &
    get_quadrature() const;

    types::global_dof_index
    n_dofs() const;

    unsigned int
    cells_per_direction() const;

    /** CG iterations of the last solve, and of all solves so far. */
    unsigned int
    last_iterations() const;
    unsigned int
    total_iterations() const;

    /** Smallest and largest coefficient value seen by the last assembly. */
    std::pair<double, double>
    coefficient_range() const;

    /**
     * L2 and H1-seminorm errors against the exact solution given in the
     * problem data at the current time (throws if there is none).
     */
    std::pair<double, double>
    errors_against_exact_solution() const;

    /** u, the coefficient (cell averages) and the partition as VTU/PVTU. */
    void
    write_vtu(const std::string &directory,
              const std::string &name,
              unsigned int       counter) const;

  private:
    MPI_Comm                       comm;
    const unsigned int             n_cells;
    const DiscretizationParameters discretization;
    const LinearSolverParameters   solver_parameters;
    Coefficient<dim>              &coefficient;
    const ProblemFunctions<dim>   &functions;
    TimerOutput                   &timer;

    std::unique_ptr<parallel::TriangulationBase<dim>> triangulation;
    FE_Q<dim>                                         fe;
    DoFHandler<dim>                                   dof_handler;
    const Quadrature<dim>                             quadrature;
    IndexSet                                          owned_dofs, relevant_dofs;
    AffineConstraints<double>                         homogeneous_constraints;

    TrilinosWrappers::SparseMatrix stiffness; // A, unconstrained
    TrilinosWrappers::SparseMatrix mass;      // M, unconstrained
    TrilinosWrappers::SparseMatrix
      system_matrix; // M + theta tau A or A, constrained
    TrilinosWrappers::PreconditionAMG preconditioner;
    TrilinosWrappers::MPI::Vector     owned_solution;
    TrilinosWrappers::MPI::Vector     ghosted_solution;

    unsigned int              n_last_iterations  = 0;
    unsigned int              n_total_iterations = 0;
    std::pair<double, double> a_range;

    /**
     * Assemble A (and M if @p theta_tau > 0) at the coefficient's current
     * time, and the constrained system matrix A (or M + theta_tau A), then
     * build the AMG preconditioner for it.
     */
    void
    assemble_matrices(double theta_tau);

    /** The load vector (f(t), phi_i). */
    TrilinosWrappers::MPI::Vector
    assemble_load(double t) const;

    /** u_g: g(t) at the boundary DoFs, zero elsewhere. */
    TrilinosWrappers::MPI::Vector
    boundary_lift(double t) const;

    /**
     * Solve system_matrix w = rhs (constrained entries of rhs are zeroed)
     * and set the solution to w + lift.
     */
    void
    solve(TrilinosWrappers::MPI::Vector       &rhs,
          const TrilinosWrappers::MPI::Vector &lift);
  };
} // namespace neuhom

#endif
