#ifndef neuhom_lod_lod_problem_h
#define neuhom_lod_lod_problem_h

#include <deal.II/base/function.h>
#include <deal.II/base/parameter_handler.h>

#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/sparse_direct.h>
#include <deal.II/lac/sparse_matrix.h>
#include <deal.II/lac/sparsity_pattern.h>
#include <deal.II/lac/vector.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/fem/block_q1_field.h>
#include <neuhom/lod/nested_grid.h>
#include <neuhom/lod/patch_problem.h>
#include <neuhom/lod/sparse_cholesky.h>

#include <map>
#include <memory>
#include <string>

namespace neuhom
{
  /** How the coarse LOD system is solved. */
  enum class CoarseSolver
  {
    /**
     * Every rank factorizes the replicated coarse matrix (Cholesky for
     * Galerkin, UMFPACK LU for Petrov-Galerkin): no communication per solve.
     */
    replicated_direct,
    /**
     * A row-distributed Trilinos matrix (rows of the locally owned coarse
     * unknowns), factorized by Amesos KLU.
     */
    distributed_direct,
    /**
     * The same matrix, CG (Galerkin) or GMRES (Petrov-Galerkin) with an
     * algebraic multigrid (ML) preconditioner, relative tolerance 1e-12.
     */
    distributed_iterative
  };


  /** Subsection "LOD": the localized orthogonal decomposition. */
  struct LODParameters
  {
    unsigned int coarse_cells = 8;
    /** l; numbers::invalid_unsigned_int means infinity (global correctors). */
    unsigned int       layers = 2;
    QuasiInterpolation interpolation =
      QuasiInterpolation::averaged_l2_projection;
    bool         petrov_galerkin  = false;
    double       update_tolerance = 0;
    CoarseSolver coarse_solver    = CoarseSolver::replicated_direct;
    std::string  matrix_file;
    std::string  local_blocks_file;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);

    /** "2", or "infinity". */
    std::string
    layers_text() const;
  };


  /**
   * Where the element correctors C_K^l Lambda_v come from when they are not
   * computed by the classical patch solves: e.g. neural networks (Deep Ritz
   * LOD, step-3). LODProblem asks for all cells it recomputes at once, so
   * that a source can batch them.
   */
  template <int dim>
  class CorrectorSource
  {
  public:
    virtual ~CorrectorSource() = default;

    /**
     * For each of @p cells (coarse cells owned by this rank), the 2^dim
     * correctors on the nodes of the patch box grid.patch(cell, layers), at
     * the coefficient's current time.
     */
    virtual std::vector<std::vector<Vector<double>>>
    correctors(const std::vector<unsigned int> &cells) = 0;
  };


  /**
   * Classical LOD on the nested structured grids of NestedGrid, distributed
   * over MPI ranks by coarse cells: the coarse grid is small and known to
   * every rank, each rank owns a contiguous block of coarse cells and
   * computes the element correctors (one patch problem, one factorization)
   * of its own cells only. The correctors are then sent to the ranks that
   * own a coarse cell T of the patch, which build the corrected basis
   * restricted to T,
   *
   *   B_T = (Lambda_j - sum_{K in N^l(T)} C_K^l Lambda_j)|_T,
   *
   * for all coarse vertices j of the closed box N^l(T). Everything else is
   * assembled from these dense per-cell blocks: the Galerkin LOD stiffness
   * and mass (B^T A_h B, B^T M_h B restricted to T), the load vector and the
   * fine-scale reconstruction u = (I - C) u_H. The Petrov-Galerkin LOD
   * stiffness is assembled from the local blocks S_K and needs no
   * communication at all.
   *
   * The reconstruction is distributed like the correctors: each rank
   * evaluates (I - C) u_H = B_T U on its own coarse cells only, and a rank
   * that needs the fine field on other coarse cells (e.g. those under its
   * part of a p4est fine mesh, which is partitioned differently) asks their
   * owners for them: reconstruct(U, cells) returns a BlockQ1Field with
   * exactly those cells. No rank holds a fine-grid vector;
   * reconstruct(U) (all fine nodes on every rank) is for small problems.
   *
   * The coarse matrices are assembled cell by cell on the rank that owns
   * the cell, and where they go depends on LODParameters::coarse_solver:
   * - replicated direct (the default): the contributions are summed over
   *   the ranks into a replicated sparse matrix (the coarse problem has at
   *   most a few thousand unknowns), which every rank factorizes (Cholesky
   *   for Galerkin, LU for Petrov-Galerkin): no communication per solve;
   *   stiffness_matrix() and mass_matrix() give access to it;
   * - distributed direct / distributed iterative: the contributions are
   *   added straight into row-distributed Trilinos matrices (rows of the
   *   locally owned coarse unknowns, compress(add) sends the others to
   *   their owners; no rank stores more than its rows), solved by Amesos
   *   KLU or by CG/GMRES with AMG. stiffness_matrix() and mass_matrix()
   *   throw in these modes; apply(), solve() and write_matrix_market() work
   *   in all modes.
   * The factorization is re-used for all solves with the same matrix. The
   * coarse solution does not depend on the number of ranks up to round-off
   * (direct solvers) or the solver tolerance (iterative).
   *
   * The corrector loop re-uses one CHOLMOD analysis per patch shape
   * (PatchAnalyses) and runs with OpenMP parallel regions switched off: the
   * ranks are the parallelism.
   *
   * Only homogeneous Dirichlet conditions are supported (V_H in H^1_0).
   */
  template <int dim>
  class LODProblem
  {
  public:
    LODProblem(MPI_Comm                comm,
               const LODParameters    &parameters,
               unsigned int            fine_cells_per_direction,
               unsigned int            quadrature_points_per_direction,
               const Coefficient<dim> &coefficient);

    ~LODProblem();

    /**
     * Compute the element correctors of the owned coarse cells at the
     * coefficient's current time, exchange them and build the corrected
     * basis on the owned cells. On later calls, with @p tolerance > 0, only
     * patches whose coefficient changed by more than @p tolerance
     * (relative, max over the patch's quadrature points) since their last
     * computation are recomputed (the coefficient on each patch is kept
     * for this if the coefficient is time-dependent). Returns the number of
     * patches recomputed (sum over ranks).
     */
    unsigned int
    compute_correctors(double tolerance = 0);

    /**
     * Take the element correctors from @p source instead of the patch
     * solves (nullptr: back to the patch solves). Galerkin LOD only: the
     * Petrov-Galerkin local blocks come from the patch solves. The source
     * must outlive this object's calls of compute_correctors().
     */
    void
    set_corrector_source(CorrectorSource<dim> *source);

    /** Assemble the coarse stiffness and mass matrices. */
    void
    assemble_matrices();

    /**
     * The load vector (f, test basis) over all coarse vertices (zero on
     * Gamma), replicated: test basis = corrected basis (Galerkin) or Q1
     * (Petrov-Galerkin).
     */
    Vector<double>
    load(const Function<dim> &f) const;

    /** Solve (stiffness_factor A + mass_factor M) U = F; U replicated. */
    Vector<double>
    solve(const Vector<double> &rhs,
          double                stiffness_factor = 1,
          double                mass_factor      = 0);

    /** y = (stiffness_factor A + mass_factor M) U, replicated. */
    Vector<double>
    apply(const Vector<double> &U,
          double                stiffness_factor,
          double                mass_factor) const;

    /**
     * The fine-scale field (I - C) u_H on the coarse cells @p cells (any
     * cells, each rank its own list; collective): the owners of the cells
     * evaluate B_T U and send the (r+1)^dim nodal values of each cell.
     */
    BlockQ1Field<dim>
    reconstruct(const Vector<double>            &U,
                const std::vector<unsigned int> &cells) const;

    /**
     * Fine nodal values of (I - C) u_H at all (N r + 1)^dim fine nodes on
     * every rank: for small problems and tests only.
     */
    std::vector<double>
    reconstruct(const Vector<double> &U) const;

    const NestedGrid<dim> &
    get_grid() const
    {
      return grid;
    }

    bool
    is_locally_owned(unsigned int cell) const;

    /** Correctors and the PG-LOD local block of an owned coarse cell. */
    const ElementCorrectors<dim> &
    element_correctors(unsigned int cell) const;

    /** The corrected basis on owned cell T and the coarse vertices of its
     * columns. */
    const FullMatrix<double> &
    cell_basis(unsigned int cell) const;
    const std::vector<unsigned int> &
    cell_basis_vertices(unsigned int cell) const;

    /**
     * The coarse matrices on the free (non-Gamma) vertices, replicated: with
     * the replicated direct coarse solver only (an exception otherwise).
     */
    const SparseMatrix<double> &
    stiffness_matrix() const;
    const SparseMatrix<double> &
    mass_matrix() const;
    /** Global coarse vertex of each free unknown. */
    const std::vector<unsigned int> &
    free_vertices() const
    {
      return free_vertex;
    }

    unsigned int
    n_patches() const
    {
      return grid.n_coarse_cells();
    }

    /**
     * Write the coarse stiffness matrix in MatrixMarket format (rank 0; the
     * rows of a distributed matrix are gathered there).
     */
    void
    write_matrix_market(const std::string &file_name) const;

    /**
     * Write the PG-LOD local blocks S_K of all coarse cells as text (gathered
     * on rank 0): per cell a line "cell K rows n", a line with the n global
     * coarse vertices of the rows, then n lines of 2^dim values (columns:
     * the vertices of K in deal.II order).
     */
    void
    write_local_blocks(const std::string &file_name) const;

  private:
    MPI_Comm                comm;
    const LODParameters     parameters;
    const NestedGrid<dim>   grid;
    const unsigned int      layers;
    const Coefficient<dim> &coefficient;
    const unsigned int      n_ranks, rank;
    CoefficientSamples<dim> samples;

    std::vector<unsigned int> free_vertex;
    std::vector<int>          vertex_to_free;

    PatchAnalyses<dim>    analyses;
    CorrectorSource<dim> *corrector_source = nullptr;

    std::map<unsigned int, ElementCorrectors<dim>> owned_correctors;
    std::map<unsigned int, std::vector<double>>    reference_samples;
    // Correctors of every cell K whose patch meets an owned cell, as
    // 2^dim blocks of patch box node values (kept between the updates of a
    // time-dependent coefficient only).
    std::map<unsigned int, std::vector<double>> corrector_values;

    std::map<unsigned int, FullMatrix<double>>        bases;
    std::map<unsigned int, std::vector<unsigned int>> basis_vertices;

    // The replicated coarse matrices (replicated direct solver only).
    SparsityPattern      sparsity;
    SparseMatrix<double> stiffness, mass;

    SparseMatrix<double> system_matrix;
    // Galerkin: symmetric positive definite, Cholesky; Petrov-Galerkin: LU.
    SparseCholesky            cholesky;
    SparseDirectUMFPACK       lu;
    std::pair<double, double> factorized_factors = {-1, -1};
    // The row-distributed Trilinos matrices and their solver.
    struct DistributedSolver;
    std::unique_ptr<DistributedSolver> distributed;

    unsigned int
    owner(unsigned int cell) const;
    std::pair<unsigned int, unsigned int>
    owned_cell_range() const;

    void
    sample_coefficient();
    double
    change_indicator(unsigned int cell) const;
    std::vector<double>
    patch_samples(unsigned int cell) const;
    /**
     * Send the correctors of the @p recomputed owned cells to the ranks
     * whose cells their patches cover; returns which cells' correctors
     * changed here (received or own).
     */
    std::vector<bool>
    exchange_correctors(const std::vector<unsigned int> &recomputed);
    /** Rebuild the basis of the owned cells whose patch has a @p changed
     * cell. */
    void
    build_cell_bases(const std::vector<bool> &changed);
    void
    sum_over_ranks(SparseMatrix<double> &matrix) const;
    /**
     * Add @p values to row @p row (a free unknown) of the stiffness (or the
     * mass) matrix: replicated, or the distributed one (any row).
     */
    void
    add_to_matrix(bool                                        to_stiffness,
                  unsigned int                                row,
                  const std::vector<types::global_dof_index> &columns,
                  const std::vector<double>                  &values);
    /** Nodal values of (I - C) u_H on owned cell @p cell, (r+1)^dim. */
    std::vector<double>
    cell_values(unsigned int cell, const Vector<double> &U) const;
    void
    distributed_solve(const Vector<double> &rhs,
                      double                stiffness_factor,
                      double                mass_factor,
                      Vector<double>       &U);
  };


  /**
   * The LOD reconstruction (I - C) u_H on the coarse cells under this rank's
   * locally owned cells of @p fine_mesh (any refinement of the LOD's fine
   * grid, partitioned by p4est): what compare_with_fine() and output on that
   * mesh evaluate. Collective.
   */
  template <int dim>
  BlockQ1Field<dim>
  reconstruct_under_mesh(const LODProblem<dim>    &lod,
                         const Triangulation<dim> &fine_mesh,
                         const Vector<double>     &U);
} // namespace neuhom

#endif
