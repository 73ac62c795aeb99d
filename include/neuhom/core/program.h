#ifndef neuhom_core_program_h
#define neuhom_core_program_h

#include <deal.II/base/parameter_handler.h>

#include <functional>
#include <string>

namespace neuhom
{
  using namespace dealii;

  /**
   * The entries every step program has at the top level of its prm file.
   */
  struct RunSettings
  {
    unsigned int dimension        = 2;
    std::string  output_directory = "output";
    unsigned int threads_per_rank = 1;
    bool         write_vtu        = true;
    /** Set by --validate: parse and check everything, then stop. */
    bool validate_only = false;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);
  };

  /**
   * The command-line front end of every step program:
   *
   *   step-N file.prm            run with the given parameters
   *   step-N --print-parameters  print the complete documented default file
   *   step-N --validate a.prm [b.prm ...]
   *                              check each file (all entries and their
   *                              consistency) without running anything
   *   step-N --help
   *
   * It initializes MPI, declares the parameters (RunSettings plus what
   * @p declare adds), parses the file and calls @p run. Bad input (unknown
   * entry, wrong type, out-of-range value, a missing file, and every
   * InputError thrown while the program parses its components) ends the
   * program with a message naming the entry and a non-zero exit code; the
   * programs parse all their components before they create any output.
   * With --validate, @p run is called with RunSettings::validate_only set:
   * programs return right after parsing their components.
   * Threads: deal.II, LibTorch, OpenMP and OpenBLAS each get "Threads per
   * rank" threads (set_threads_per_rank()).
   */
  int
  run_program(
    int                                            argc,
    char                                         **argv,
    const std::string                             &name,
    const std::string                             &description,
    const std::function<void(ParameterHandler &)> &declare,
    const std::function<void(ParameterHandler &, const RunSettings &)> &run);

  /**
   * Limit every thread pool of this process to @p n threads: deal.II's
   * (TBB), LibTorch's intra-op pool, the OpenMP default of this thread and
   * OpenBLAS (found at run time: with OMP_NUM_THREADS unset, Debian's
   * OpenMP OpenBLAS otherwise uses every core in each rank, and two ranks
   * on two cores spin-wait against each other).
   */
  void
  set_threads_per_rank(unsigned int n);

  /** Create @p directory (rank 0) and wait until every rank sees it. */
  void
  create_output_directory(const std::string &directory, MPI_Comm comm);
} // namespace neuhom

#endif
