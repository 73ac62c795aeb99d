#include <deal.II/base/numbers.h>

#include <neuhom/lod/memory.h>

#include <algorithm>
#include <cmath>

namespace neuhom
{
  template <int dim>
  double
  estimate_lod_memory(const unsigned int coarse_cells,
                      const unsigned int fine_cells,
                      const unsigned int layers,
                      const unsigned int n_ranks)
  {
    const double n = double(fine_cells) / coarse_cells; // H / h
    // Coarse cells per direction of a patch (the whole domain at most).
    const double m           = layers == dealii::numbers::invalid_unsigned_int ?
                                 coarse_cells :
                                 std::min(2. * layers + 1, double(coarse_cells));
    const double patch_nodes = std::pow(m * n + 1, dim);
    const double coarse_total   = std::pow(double(coarse_cells), dim);
    const double correctors     = std::pow(2., dim) * patch_nodes;
    const double basis          = std::pow(m + 1, dim) * std::pow(n + 1, dim);
    const double factor_entries = dim == 2 ?
                                    30 * patch_nodes * std::log2(patch_nodes) :
                                    10 * std::pow(patch_nodes, 4. / 3.);
    // 8-byte values; the factor also stores a 4-byte row index per entry.
    return coarse_total * (correctors + basis) * 8 +
           double(n_ranks) * factor_entries * 12;
  }


  template double
  estimate_lod_memory<2>(unsigned int,
                         unsigned int,
                         unsigned int,
                         unsigned int);
  template double
  estimate_lod_memory<3>(unsigned int,
                         unsigned int,
                         unsigned int,
                         unsigned int);
} // namespace neuhom
