#include <neuhom/core/run_output.h>

#include <iostream>

namespace neuhom
{
  namespace
  {
    // The directory must exist before the members that may write to it.
    const std::string &
    created(const std::string &directory, MPI_Comm comm)
    {
      create_output_directory(directory, comm);
      return directory;
    }
  } // namespace


  RunOutput::RunOutput(const std::string      &program,
                       const RunSettings      &settings,
                       const ParameterHandler &prm,
                       MPI_Comm                comm)
    : comm(comm)
    , directory(created(settings.output_directory, comm))
    , pcout(std::cout, Utilities::MPI::this_mpi_process(comm) == 0)
    , timer(comm, pcout, TimerOutput::never, TimerOutput::wall_times)
    , summary(program, comm, settings.threads_per_rank, prm)
    , files{"summary.json"}
    , write_vtu(settings.write_vtu)
  {}


  void
  RunOutput::write_file(const std::string &file_name,
                        const std::string &contents)
  {
    if (Utilities::MPI::this_mpi_process(comm) == 0)
      write_file_atomically(directory + "/" + file_name, contents);
    files.push_back(file_name);
  }


  void
  RunOutput::finish()
  {
    summary.set_timings(timer);
    summary.write(directory);
    pcout << "\nResults in " << directory << "/ (";
    for (const auto &file : files)
      pcout << file << (&file == &files.back() ? "" : ", ");
    pcout << (write_vtu ? ", *.pvtu" : "") << ")" << std::endl;
    timer.print_wall_time_statistics(comm);
  }
} // namespace neuhom
