#ifndef neuhom_core_stop_request_h
#define neuhom_core_stop_request_h

#include <stdexcept>
#include <string>

#include <mpi.h>

namespace neuhom
{
  /**
   * A request to stop early, made by SIGTERM (what schedulers send before
   * they kill a job) or SIGINT (Ctrl-C). run_program() installs the
   * handlers. Inside a PollingScope the handler only records the signal,
   * and the loop (the Trainer's iterations) polls stop_requested() at points
   * where it can save its state, then throws Interrupted. Outside of every
   * PollingScope (mesh set-up, solvers, data generation) the signal ends
   * the process at once, as without a handler.
   */
  namespace stop_request
  {
    /** Install the SIGTERM and SIGINT handlers (idempotent). */
    void
    install_handlers();

    /**
     * The signal received by any rank of @p comm (0 if none). Collective:
     * every rank of @p comm must call it at the same point, and all get the
     * same answer, so that they stop together.
     */
    int
    stop_requested(MPI_Comm comm);

    /**
     * While an object of this class lives, SIGTERM and SIGINT are recorded
     * for stop_requested() instead of ending the process: create one around
     * a loop that polls.
     */
    class PollingScope
    {
    public:
      PollingScope();
      ~PollingScope();
      PollingScope(const PollingScope &) = delete;
      PollingScope &
      operator=(const PollingScope &) = delete;
    };

    /** Forget a request once it is handled, for code that goes on. */
    void
    reset();

    /** "SIGTERM", "SIGINT", or "signal N". */
    std::string
    signal_name(int signal);
  } // namespace stop_request


  /**
   * Thrown after a stop request once the state is saved; run_program()
   * prints the message and exits with 128 + signal, as a shell reports a
   * process ended by that signal.
   */
  class Interrupted : public std::runtime_error
  {
  public:
    Interrupted(const std::string &message, const int signal)
      : std::runtime_error(message)
      , signal(signal)
    {}

    const int signal;
  };
} // namespace neuhom

#endif
