#ifndef neuhom_core_summary_h
#define neuhom_core_summary_h

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/timer.h>

#include <map>
#include <string>

namespace neuhom
{
  using namespace dealii;

  /**
   * The summary.json every program writes:
   *
   *   {"program", "version", "mpi_ranks", "threads",
   *    "parameters": {...the full prm...},
   *    "metrics": {name: number}, "timings": {section: seconds}}
   *
   * Metric names are snake_case and say what and against what, e.g.
   * "coarse_fem_rel_l2_error_vs_fine_H16". Rank 0 writes the file to a
   * temporary name and renames it, so a killed run never leaves a truncated
   * summary where a good one was.
   */
  class Summary
  {
  public:
    Summary(const std::string      &program,
            MPI_Comm                comm,
            unsigned int            threads,
            const ParameterHandler &prm);

    void
    set_metric(const std::string &name, double value);

    double
    metric(const std::string &name) const;

    /** Record the wall times of every section of @p timer. */
    void
    set_timings(const TimerOutput &timer);

    /**
     * Write summary.json into @p directory (rank 0), with the peak resident
     * memory of the ranks. Collective: every rank must call it.
     */
    void
    write(const std::string &directory) const;

  private:
    const std::string             program;
    const MPI_Comm                comm;
    const unsigned int            threads;
    std::string                   parameters_json;
    std::map<std::string, double> metrics;
    std::map<std::string, double> timings;
  };

  /**
   * Write @p contents to @p file_name atomically: to a temporary file in the
   * same directory, flushed, then renamed over the target.
   */
  void
  write_file_atomically(const std::string &file_name,
                        const std::string &contents);
} // namespace neuhom

#endif
