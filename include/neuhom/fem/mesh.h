#ifndef neuhom_fem_mesh_h
#define neuhom_fem_mesh_h

#include <deal.II/base/parameter_handler.h>

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
  };

  /**
   * Throw an InputError naming @p entry unless @p coarse_cells divides
   * @p fine_cells (H/h must be an integer for nested meshes).
   */
  void
  check_nested(unsigned int       coarse_cells,
               unsigned int       fine_cells,
               const std::string &entry);

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
