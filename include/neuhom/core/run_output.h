#ifndef neuhom_core_run_output_h
#define neuhom_core_run_output_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/timer.h>

#include <neuhom/core/program.h>
#include <neuhom/core/summary.h>

#include <string>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /**
   * What every step program writes, created once its input is checked: the
   * output directory, the screen (rank 0 only), a TimerOutput and the
   * summary.json. finish() writes the summary with the timings, lists the
   * result files and prints the timing table.
   */
  class RunOutput
  {
  public:
    RunOutput(const std::string      &program,
              const RunSettings      &settings,
              const ParameterHandler &prm,
              MPI_Comm                comm = MPI_COMM_WORLD);

    /** Write @p contents to @p file_name in the output directory (rank 0). */
    void
    write_file(const std::string &file_name, const std::string &contents);

    /** Write summary.json, list the results, print the timing table. */
    void
    finish();

    const MPI_Comm     comm;
    const std::string  directory;
    ConditionalOStream pcout;
    TimerOutput        timer;
    Summary            summary;

  private:
    std::vector<std::string> files;
    const bool               write_vtu;
  };
} // namespace neuhom

#endif
