#include <neuhom/core/input_error.h>
#include <neuhom/core/summary.h>
#include <neuhom/version.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <sys/resource.h>

namespace neuhom
{
  namespace
  {
    // deal.II's full JSON output stores each entry as {"value": ...}, the
    // short one as a plain string; keep the plain values, nested by
    // subsection.
    nlohmann::json
    values_only(const nlohmann::json &node)
    {
      if (node.is_object() && node.contains("value") &&
          !node["value"].is_object())
        return node["value"];
      nlohmann::json result = nlohmann::json::object();
      for (const auto &[key, child] : node.items())
        result[key] = child.is_object() ? values_only(child) : child;
      return result;
    }
  } // namespace


  Summary::Summary(const std::string      &program,
                   const MPI_Comm          comm,
                   const unsigned int      threads,
                   const ParameterHandler &prm)
    : program(program)
    , comm(comm)
    , threads(threads)
  {
    std::ostringstream json;
    prm.print_parameters(json, ParameterHandler::ShortJSON);
    parameters_json = json.str();
  }


  void
  Summary::set_metric(const std::string &name, const double value)
  {
    metrics[name] = value;
  }


  double
  Summary::metric(const std::string &name) const
  {
    const auto m = metrics.find(name);
    AssertThrow(m != metrics.end(), ExcMessage("no metric named " + name));
    return m->second;
  }


  void
  Summary::set_timings(const TimerOutput &timer)
  {
    for (const auto &[section, seconds] :
         timer.get_summary_data(TimerOutput::total_wall_time))
      timings[section] = seconds;
  }


  void
  Summary::write(const std::string &directory) const
  {
    // Peak resident memory (Linux reports kiB), for the benchmark tables;
    // collective, so every rank calls write().
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    const double peak_mib = usage.ru_maxrss / 1024.;
    const double max_peak = Utilities::MPI::max(peak_mib, comm);
    const double sum_peak = Utilities::MPI::sum(peak_mib, comm);
    if (Utilities::MPI::this_mpi_process(comm) != 0)
      return;

    nlohmann::json summary;
    summary["program"]    = program;
    summary["version"]    = NEUHOM_VERSION;
    summary["mpi_ranks"]  = Utilities::MPI::n_mpi_processes(comm);
    summary["threads"]    = threads;
    summary["parameters"] = values_only(nlohmann::json::parse(parameters_json));
    summary["metrics"]    = nlohmann::json::object();
    for (const auto &[name, value] : metrics)
      summary["metrics"][name] = value;
    summary["timings"] = nlohmann::json::object();
    for (const auto &[name, value] : timings)
      summary["timings"][name] = value;
    summary["peak_memory_mib"] = {{"max_per_rank", max_peak},
                                  {"sum_over_ranks", sum_peak}};

    write_file_atomically(directory + "/summary.json", summary.dump(2) + "\n");
  }


  void
  write_file_atomically(const std::string &file_name,
                        const std::string &contents)
  {
    const std::string temporary = file_name + ".tmp";
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << contents;
      out.flush();
      if (!out)
        throw InputError("cannot write '" + temporary + "'");
    }
    if (std::rename(temporary.c_str(), file_name.c_str()) != 0)
      throw InputError("cannot rename '" + temporary + "' to '" + file_name +
                       "'");
  }
} // namespace neuhom
