#include <deal.II/base/mpi.h>
#include <deal.II/base/multithread_info.h>

#include <neuhom/core/input_error.h>
#include <neuhom/core/program.h>
#include <neuhom/core/stop_request.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <dlfcn.h>

namespace neuhom
{
  void
  set_threads_per_rank(const unsigned int n)
  {
    MultithreadInfo::set_thread_limit(n);
    at::set_num_threads(n);
    // Looked up, not linked: the BLAS behind libblas.so.3 is chosen by the
    // system (alternatives), and not every one has these functions.
    for (const char *name : {"omp_set_num_threads", "openblas_set_num_threads"})
      if (void *function = dlsym(RTLD_DEFAULT, name))
        reinterpret_cast<void (*)(int)>(function)(n);
  }


  void
  RunSettings::declare_parameters(ParameterHandler &prm)
  {
    prm.declare_entry("Dimension",
                      "2",
                      Patterns::Integer(1, 3),
                      "Space dimension of the problem on the unit hypercube.");
    prm.declare_entry("Output directory",
                      "output",
                      Patterns::DirectoryName(),
                      "Where summary.json, fields and histories are written. "
                      "Created if it does not exist.");
    prm.declare_entry("Threads per rank",
                      "1",
                      Patterns::Integer(1, 256),
                      "Threads each MPI rank uses for LibTorch kernels, "
                      "deal.II's threaded parts, OpenMP and OpenBLAS.");
    prm.declare_entry("Write vtu",
                      "true",
                      Patterns::Bool(),
                      "Write VTU/PVTU fields for ParaView.");
  }


  void
  RunSettings::parse_parameters(ParameterHandler &prm)
  {
    dimension        = prm.get_integer("Dimension");
    output_directory = prm.get("Output directory");
    threads_per_rank = prm.get_integer("Threads per rank");
    write_vtu        = prm.get_bool("Write vtu");
    require(!output_directory.empty(), "Output directory", "must not be empty");
  }


  void
  create_output_directory(const std::string &directory, MPI_Comm comm)
  {
    std::string error;
    if (Utilities::MPI::this_mpi_process(comm) == 0)
      {
        std::error_code code;
        std::filesystem::create_directories(directory, code);
        if (code || !std::filesystem::is_directory(directory))
          error = "cannot create the output directory '" + directory +
                  "': " + code.message();
      }
    error = Utilities::MPI::broadcast(comm, error, 0);
    if (!error.empty())
      throw InputError(error);
  }


  namespace
  {
    std::string
    info_of(const ExceptionBase &e)
    {
      std::ostringstream out;
      e.print_info(out);
      // deal.II formats its messages over several indented lines; one line
      // reads better after "error:".
      std::istringstream words(out.str());
      std::string        text, word;
      while (words >> word)
        text += (text.empty() ? "" : " ") + word;
      return text;
    }

    void
    print_usage(const std::string &name, const std::string &description)
    {
      std::cout << name << ": " << description << "\n\n"
                << "Usage:\n"
                << "  " << name << " file.prm            run\n"
                << "  mpirun -np N " << name << " file.prm\n"
                << "  " << name
                << " --print-parameters  print the documented default "
                   "parameter file\n"
                << "  " << name
                << " --validate file.prm [more.prm ...]  check parameter "
                   "files without running\n"
                << "  " << name << " --help" << std::endl;
    }
    /**
     * Whether every rank of @p comm reaches this call within @p seconds,
     * i.e. whether an error was detected by all ranks alike. A rank that
     * failed alone must not wait for the others: they may be blocked in a
     * collective operation it will never join.
     */
    bool
    all_ranks_arrive(const MPI_Comm comm, const double seconds)
    {
      MPI_Request request;
      MPI_Ibarrier(comm, &request);
      const auto start = std::chrono::steady_clock::now();
      int        done  = 0;
      while (true)
        {
          MPI_Test(&request, &done, MPI_STATUS_IGNORE);
          if (done)
            return true;
          if (std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                            start)
                .count() > seconds)
            return false;
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }


    /**
     * Parse @p file_name and run (or only validate) the program on it;
     * returns the exit code.
     */
    int
    run_file(
      const std::string                             &file_name,
      const bool                                     validate_only,
      const std::string                             &name,
      const std::function<void(ParameterHandler &)> &declare,
      const std::function<void(ParameterHandler &, const RunSettings &)> &run)
    {
      const MPI_Comm comm    = MPI_COMM_WORLD;
      const bool     is_root = Utilities::MPI::this_mpi_process(comm) == 0;
      const auto     fail    = [&](const std::string &message) {
        if (is_root)
          std::cerr << name << ": error: " << message << std::endl;
        return 1;
      };

      if (!std::ifstream(file_name))
        return fail("cannot open the parameter file '" + file_name + "'");

      ParameterHandler prm;
      RunSettings::declare_parameters(prm);
      declare(prm);
      RunSettings settings;
      try
        {
          prm.parse_input(file_name, "", false, true);
          settings.parse_parameters(prm);
          settings.validate_only = validate_only;
        }
      catch (const ExceptionBase &e)
        {
          return fail("in parameter file '" + file_name + "': " + info_of(e));
        }
      catch (const InputError &e)
        {
          return fail("in parameter file '" + file_name + "': " + e.what());
        }

      set_threads_per_rank(settings.threads_per_rank);

      try
        {
          run(prm, settings);
          if (validate_only && is_root)
            std::cout << "The parameter file '" << file_name << "' is valid."
                      << std::endl;
        }
      catch (const InputError &e)
        {
          // Input errors are normally detected identically on every rank;
          // one that a single rank hit (e.g. a file it could not write)
          // ends the whole run instead of leaving the others waiting.
          if (Utilities::MPI::n_mpi_processes(comm) > 1 &&
              !all_ranks_arrive(comm, 10.))
            {
              std::cerr << name << ": error on MPI rank "
                        << Utilities::MPI::this_mpi_process(comm) << ": "
                        << e.what() << std::endl;
              MPI_Abort(comm, 1);
            }
          return fail("in parameter file '" + file_name + "': " + e.what());
        }
      catch (const Interrupted &e)
        {
          // Every rank stops at the same poll: no abort needed.
          if (is_root)
            std::cerr << name << ": " << e.what() << std::endl;
          return 128 + e.signal;
        }
      catch (const ExceptionBase &e)
        {
          std::cerr << name << ": error: " << info_of(e) << std::endl;
          if (Utilities::MPI::n_mpi_processes(comm) > 1)
            MPI_Abort(comm, 1);
          return 1;
        }
      catch (const std::exception &e)
        {
          std::cerr << name << ": error: " << e.what() << std::endl;
          if (Utilities::MPI::n_mpi_processes(comm) > 1)
            MPI_Abort(comm, 1);
          return 1;
        }
      return 0;
    }
  } // namespace


  int
  run_program(
    int                                            argc,
    char                                         **argv,
    const std::string                             &name,
    const std::string                             &description,
    const std::function<void(ParameterHandler &)> &declare,
    const std::function<void(ParameterHandler &, const RunSettings &)> &run)
  {
    // One deal.II thread until the prm says otherwise.
    Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
    const bool is_root = Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0;
    stop_request::install_handlers();

    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h"))
      {
        if (is_root)
          print_usage(name, description);
        return 0;
      }
    if (args.size() == 1 && args[0] == "--print-parameters")
      {
        ParameterHandler prm;
        RunSettings::declare_parameters(prm);
        declare(prm);
        if (is_root)
          prm.print_parameters(std::cout, ParameterHandler::PRM);
        return 0;
      }
    const bool validate_only = args.size() >= 2 && args[0] == "--validate";
    const std::vector<std::string> files(args.begin() + (validate_only ? 1 : 0),
                                         args.end());
    const bool                     bad_file_argument =
      std::any_of(files.begin(), files.end(), [](const std::string &file) {
        return file.empty() || file[0] == '-';
      });
    if (!(args.size() == 1 || validate_only) || bad_file_argument)
      {
        if (is_root)
          print_usage(name, description);
        return 2;
      }

    // Several files with --validate: each is checked on its own (fresh
    // parameters), one start-up for all of them.
    int exit_code = 0;
    for (const auto &file : files)
      exit_code =
        std::max(exit_code, run_file(file, validate_only, name, declare, run));
    return exit_code;
  }
} // namespace neuhom
