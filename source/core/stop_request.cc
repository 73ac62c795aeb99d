#include <neuhom/core/stop_request.h>

#include <csignal>

namespace neuhom
{
  namespace stop_request
  {
    namespace
    {
      volatile std::sig_atomic_t received_signal = 0;
      volatile std::sig_atomic_t polling_scopes  = 0;

      extern "C" void
      record_signal(const int signal)
      {
        // Outside a loop that polls, nobody would act on the request: end
        // the process as if there were no handler (signal() and raise()
        // are async-signal-safe). Outputs are written atomically, so a
        // good file is never left truncated.
        if (polling_scopes == 0)
          {
            std::signal(signal, SIG_DFL);
            std::raise(signal);
            return;
          }
        received_signal = signal;
      }
    } // namespace


    PollingScope::PollingScope()
    {
      polling_scopes = polling_scopes + 1;
    }


    PollingScope::~PollingScope()
    {
      polling_scopes = polling_scopes - 1;
    }


    void
    install_handlers()
    {
      struct sigaction action = {};
      action.sa_handler       = record_signal;
      sigemptyset(&action.sa_mask);
      // Restart interrupted system calls: MPI and file I/O go on normally
      // until the next poll.
      action.sa_flags = SA_RESTART;
      sigaction(SIGTERM, &action, nullptr);
      sigaction(SIGINT, &action, nullptr);
    }


    int
    stop_requested(const MPI_Comm comm)
    {
      int local = received_signal;
      int any   = 0;
      MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_MAX, comm);
      return any;
    }


    void
    reset()
    {
      received_signal = 0;
    }


    std::string
    signal_name(const int signal)
    {
      switch (signal)
        {
          case SIGTERM:
            return "SIGTERM";
          case SIGINT:
            return "SIGINT";
          default:
            return "signal " + std::to_string(signal);
        }
    }
  } // namespace stop_request
} // namespace neuhom
