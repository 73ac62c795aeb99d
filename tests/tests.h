#ifndef neuhom_tests_h
#define neuhom_tests_h

// The part of deal.II's tests/tests.h that neuhom's tests use (Debian does
// not ship that file): deallog goes to the file "output" that the test
// driver compares with the *.output reference by numdiff.

#include <deal.II/base/logstream.h>
#include <deal.II/base/mpi.h>

#include <fstream>
#include <iomanip>

std::ofstream deallogfile;

inline void
initlog()
{
  deallogfile.open("output");
  dealii::deallog.attach(deallogfile);
  dealii::deallog.depth_console(0);
  deallogfile << std::setprecision(6);
}

/**
 * For MPI tests: only rank 0 logs, so that the output of a correct program
 * does not depend on the number of ranks and one reference serves all
 * mpirun=N variants.
 */
struct MPILogInit
{
  MPILogInit()
  {
    if (dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
      initlog();
  }
  ~MPILogInit()
  {
    if (dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
      dealii::deallog.detach();
  }
};

/** Stop the test with a message if @p condition fails (also in Release). */
#define CHECK_THAT(condition, message)                            \
  AssertThrow(condition,                                          \
              dealii::ExcMessage(std::string(#condition) + ": " + \
                                 std::string(message)))

#endif
