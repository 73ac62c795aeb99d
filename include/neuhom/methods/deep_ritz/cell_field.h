#ifndef neuhom_methods_deep_ritz_cell_field_h
#define neuhom_methods_deep_ritz_cell_field_h

#include <deal.II/base/function.h>

#include <string>
#include <vector>

namespace neuhom
{
  namespace deep_ritz
  {
    using namespace dealii;

    /**
     * A field on the unit square that is constant on every cell of the fine
     * grid (n x n cells, lexicographic, x fastest): the coefficients of the
     * Deep Ritz LOD examples. As a Function it is evaluated at interior
     * points of fine cells (quadrature points).
     */
    class CellField : public Function<2>
    {
    public:
      CellField(unsigned int n_cells_per_direction, std::vector<double> values);

      double
      value(const Point<2> &p, unsigned int component = 0) const override;

      double
      cell_value(unsigned int i, unsigned int j) const
      {
        return values[i + n * j];
      }

      unsigned int        n;
      std::vector<double> values;
    };

    /** @p count fields with i.i.d. U[min, max] cell values (std::mt19937). */
    std::vector<CellField>
    random_cell_fields(unsigned int n_cells_per_direction,
                       unsigned int count,
                       double       min,
                       double       max,
                       unsigned int seed);

    /**
     * The 8 images of @p field under the symmetries of the square (the
     * dihedral group: rotations by multiples of 90 degrees, each with and
     * without a reflection), @p field itself first. The unit square and its
     * nested meshes are invariant under them, so the LOD correctors of an
     * image are the mapped correctors of the field.
     */
    std::vector<CellField>
    symmetry_images(const CellField &field);

    /**
     * Read fields from a text file: one field per non-empty line that does
     * not start with '#', n^2 positive finite numbers. Throws InputError
     * naming @p entry, the file and the line for anything else.
     */
    std::vector<CellField>
    read_cell_fields(const std::string &file_name,
                     unsigned int       n_cells_per_direction,
                     const std::string &entry);

    /**
     * The layered battery substitute of Example 2 (the paper's geometry is
     * only a figure): horizontal layers, periodic in y with a period of
     * 10 fine cells: cathode collector (1 cell), active material (4),
     * anode collector (1), active material (4). Materials of Table 1
     * (rho, c_p, lambda): CC aluminium 2706.77, 897.8, 236.3; AC copper
     * 8710.2, 384.65, 398.65; AM 2094.302, 1010.119, @p lambda_am.
     */
    enum class BatteryMaterial
    {
      cathode_collector,
      active_material,
      anode_collector
    };

    BatteryMaterial
    battery_material(unsigned int row);

    /** The conductivity lambda / (rho c_p L^2) per fine cell. */
    CellField
    battery_diffusivity(unsigned int n_cells_per_direction,
                        double       lambda_am,
                        double       domain_length);

    /** The heat source per fine cell: 1 in the active material, else 0. */
    CellField
    battery_source(unsigned int n_cells_per_direction);
  } // namespace deep_ritz
} // namespace neuhom

#endif
