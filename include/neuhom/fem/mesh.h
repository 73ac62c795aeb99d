#ifndef neuhom_fem_mesh_h
#define neuhom_fem_mesh_h

#include <deal.II/base/parameter_handler.h>

#include <deal.II/distributed/tria_base.h>
#include <deal.II/grid/tria.h>

#include <neuhom/core/coefficient.h>

#include <string>

namespace neuhom
{
  using namespace dealii;

  /**
   * Subsection "Mesh": the fine mesh T_h is the unit hypercube with
   * "Fine cells per direction" = 1/h cells in each direction.
   */
  struct MeshParameters
  {
    unsigned int fine_cells_per_direction = 128;
    double       min_fine_cells_per_eps   = 4;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);

    double
    h() const
    {
      return 1. / fine_cells_per_direction;
    }

    /**
     * Throw an InputError unless the fine mesh resolves @p coefficient:
     * grid-based coefficients need every grid cell count to divide the
     * number of fine cells (so each fine cell sees one value), smooth ones
     * need eps / h >= "Minimum fine cells per eps".
     */
    template <int dim>
    void
    check_resolution(const Coefficient<dim> &coefficient) const;

    /**
     * Everything a program checks before it solves on the fine mesh with
     * Q_@p degree elements: check_resolution(), check_positivity() of the
     * coefficient on the fine grid, and check_memory() of the fine-scale
     * solver's estimated footprint. Throws an InputError naming the entry.
     */
    template <int dim>
    void
    check_fine_problem(const Coefficient<dim> &coefficient,
                       unsigned int            degree,
                       MPI_Comm                comm) const;
  };

  /**
   * Bytes a fine-scale solve with Q_@p degree on @p cells_per_direction^dim
   * cells needs, summed over all ranks: three sparse matrices and an AMG
   * hierarchy with (2p+1)^dim entries per row, vectors, and about 1 kB per
   * cell for the mesh and DoF handler (measured: 1.4 GB for 1M Q1 DoFs in
   * 2D, 4.6 GB for 2.1M Q1 DoFs in 3D, this estimate gives 1.7 and 5.2).
   */
  template <int dim>
  double
  estimate_fine_solver_memory(unsigned int cells_per_direction,
                              unsigned int degree);

  /**
   * Throw an InputError naming @p entry when a problem estimated to need
   * @p bytes in total (spread evenly over the ranks of @p comm) does not fit
   * into the memory of the nodes the ranks run on: refused up front with
   * the estimate, instead of by the kernel's out-of-memory killer.
   */
  void
  check_memory(double bytes, const std::string &entry, MPI_Comm comm);

  /**
   * Throw an InputError naming @p entry unless @p coarse_cells divides
   * @p fine_cells (H/h must be an integer for nested meshes).
   */
  void
  check_nested(unsigned int       coarse_cells,
               unsigned int       fine_cells,
               const std::string &entry);

  /**
   * An empty triangulation distributed over @p comm: p4est's
   * parallel::distributed::Triangulation in 2D and 3D, and in 1D (which p4est
   * does not support) a parallel::shared::Triangulation, cheap there since a
   * 1D mesh is small.
   */
  template <int dim>
  std::unique_ptr<parallel::TriangulationBase<dim>>
  make_distributed_triangulation(MPI_Comm comm);

  /**
   * Fill @p triangulation with the unit hypercube divided into @p n cells per
   * direction: n = n0 * 2^k is built as n0 subdivisions refined k times, so
   * that p4est's coarse mesh stays small.
   */
  template <int dim>
  void
  make_unit_hypercube(Triangulation<dim> &triangulation, unsigned int n);
} // namespace neuhom

#endif
