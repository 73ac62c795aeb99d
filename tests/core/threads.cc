// set_threads_per_rank() bounds every thread pool a step program uses:
// deal.II, LibTorch, the OpenMP default and OpenBLAS (whichever BLAS the
// system provides, found at run time). With OMP_NUM_THREADS unset,
// Debian's OpenMP OpenBLAS would otherwise use every core in every rank.

#include <deal.II/base/multithread_info.h>

#include <neuhom/core/program.h>

#include <ATen/Parallel.h>

#include "../tests.h"
#include <dlfcn.h>

using namespace dealii;
using namespace neuhom;

// -1 when the function does not exist in this process.
int
query(const char *name)
{
  if (void *function = dlsym(RTLD_DEFAULT, name))
    return reinterpret_cast<int (*)()>(function)();
  return -1;
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  initlog();
  for (const unsigned int n : {1u, 2u})
    {
      set_threads_per_rank(n);
      const int openmp   = query("omp_get_max_threads");
      const int openblas = query("openblas_get_num_threads");
      deallog << n << " per rank: deal.II "
              << (MultithreadInfo::n_threads() == n) << ", LibTorch "
              << (at::get_num_threads() == int(n)) << ", OpenMP "
              << (openmp == -1 || openmp == int(n)) << ", OpenBLAS "
              << (openblas == -1 || openblas == int(n)) << std::endl;
      std::cout << "OpenMP " << openmp << ", OpenBLAS " << openblas
                << std::endl;
      CHECK_THAT(MultithreadInfo::n_threads() == n &&
                   at::get_num_threads() == int(n),
                 "deal.II or LibTorch");
      CHECK_THAT(openmp == -1 || openmp == int(n), std::to_string(openmp));
      CHECK_THAT(openblas == -1 || openblas == int(n),
                 std::to_string(openblas));
    }
}
