#ifndef neuhom_lod_memory_h
#define neuhom_lod_memory_h

namespace neuhom
{
  /**
   * Bytes the LOD (LODProblem) needs on @p coarse_cells^dim coarse cells
   * of @p fine_cells / @p coarse_cells fine cells per direction each, with
   * @p layers oversampling layers (numbers::invalid_unsigned_int:
   * infinity), summed over @p n_ranks ranks: the element correctors
   * (2^dim vectors on the patch nodes per coarse cell), the corrected basis
   * restricted to each cell, and one sparse Cholesky factor of a patch
   * problem per rank (fill-in taken as 30 P log2 P entries in 2D and
   * 10 P^(4/3) in 3D for P patch nodes). For check_memory() (fem/mesh.h):
   * a sweep of LOD configurations that would not fit is refused up front.
   */
  template <int dim>
  double
  estimate_lod_memory(unsigned int coarse_cells,
                      unsigned int fine_cells,
                      unsigned int layers,
                      unsigned int n_ranks);
} // namespace neuhom

#endif
