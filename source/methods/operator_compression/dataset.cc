#include <deal.II/base/mpi.h>

#include <neuhom/core/input_error.h>
#include <neuhom/core/progress.h>
#include <neuhom/core/stop_request.h>
#include <neuhom/methods/operator_compression/dataset.h>

#include <cmath>
#include <cstring>
#include <filesystem>

namespace neuhom::operator_compression
{
  namespace
  {
    constexpr char magic[8] = {'N', 'H', 'O', 'P', 'C', 'M', 'P', '\0'};

    template <typename T>
    void
    put(std::ostream &out, const T value)
    {
      out.write(reinterpret_cast<const char *>(&value), sizeof(T));
    }

    template <typename T>
    void
    get(std::istream &in, T &value)
    {
      in.read(reinterpret_cast<char *>(&value), sizeof(T));
    }

    std::uint64_t
    fnv1a(const char *data, const std::size_t n, std::uint64_t hash)
    {
      for (std::size_t i = 0; i < n; ++i)
        {
          hash ^= static_cast<unsigned char>(data[i]);
          hash *= 1099511628211ull;
        }
      return hash;
    }

    constexpr std::uint64_t fnv_offset = 14695981039346656037ull;

    std::string
    inverse(const double x)
    {
      return "1/" + to_text(std::round(1. / x));
    }

    std::uint64_t
    file_size(const std::string &file_name)
    {
      return std::filesystem::file_size(file_name);
    }
  } // namespace


  DatasetHeader
  DatasetHeader::for_configuration(const BlockGeometry &geometry,
                                   const unsigned int   samples_per_class,
                                   const std::uint64_t  seed,
                                   const double         value_minimum,
                                   const double         value_maximum)
  {
    DatasetHeader header;
    header.value_minimum     = value_minimum;
    header.value_maximum     = value_maximum;
    header.coarse_cells      = geometry.N;
    header.refinement        = geometry.r;
    header.layers            = geometry.l;
    header.n_classes         = n_coefficient_classes(geometry.fine_cells());
    header.samples_per_class = samples_per_class;
    header.seed              = seed;
    header.H                 = 1. / geometry.N;
    header.h                 = 1. / geometry.fine_cells();
    header.eps               = 1. / geometry.fine_cells();
    header.n_inputs          = geometry.n_inputs();
    header.n_outputs         = geometry.n_outputs();
    header.field_size        = geometry.field_size();
    header.n_cells           = geometry.n_cells();
    return header;
  }


  std::uint64_t
  DatasetHeader::record_bytes() const
  {
    return 8 +
           8 *
             (std::uint64_t(field_size) + std::uint64_t(n_cells) * n_outputs) +
           8;
  }


  std::uint64_t
  DatasetHeader::n_records() const
  {
    return std::uint64_t(n_classes) * samples_per_class;
  }


  std::string
  DatasetHeader::mismatch(const DatasetHeader &requested) const
  {
    const auto differs = [](const std::string &what,
                            const std::string &file,
                            const std::string &asked) {
      return what + " = " + file + " in the file, " + asked + " requested";
    };
    if (version != requested.version)
      return differs("format version",
                     std::to_string(version),
                     std::to_string(requested.version));
    if (coarse_cells != requested.coarse_cells || H != requested.H)
      return differs("H", inverse(H), inverse(requested.H));
    if (refinement != requested.refinement || h != requested.h)
      return differs("h", inverse(h), inverse(requested.h));
    if (eps != requested.eps)
      return differs("eps", inverse(eps), inverse(requested.eps));
    if (layers != requested.layers)
      return differs("l",
                     std::to_string(layers),
                     std::to_string(requested.layers));
    if (seed != requested.seed)
      return differs("seed",
                     std::to_string(seed),
                     std::to_string(requested.seed));
    if (value_minimum != requested.value_minimum ||
        value_maximum != requested.value_maximum)
      return differs("coefficient range",
                     "[" + to_text(value_minimum) + ", " +
                       to_text(value_maximum) + "]",
                     "[" + to_text(requested.value_minimum) + ", " +
                       to_text(requested.value_maximum) + "]");
    if (samples_per_class != requested.samples_per_class)
      return differs("samples per class",
                     std::to_string(samples_per_class),
                     std::to_string(requested.samples_per_class));
    if (n_classes != requested.n_classes || n_inputs != requested.n_inputs ||
        n_outputs != requested.n_outputs ||
        field_size != requested.field_size || n_cells != requested.n_cells)
      return differs("shapes (classes, inputs, outputs, field, cells)",
                     std::to_string(n_classes) + ", " +
                       std::to_string(n_inputs) + ", " +
                       std::to_string(n_outputs) + ", " +
                       std::to_string(field_size) + ", " +
                       std::to_string(n_cells),
                     std::to_string(requested.n_classes) + ", " +
                       std::to_string(requested.n_inputs) + ", " +
                       std::to_string(requested.n_outputs) + ", " +
                       std::to_string(requested.field_size) + ", " +
                       std::to_string(requested.n_cells));
    return "";
  }


  void
  DatasetHeader::write(std::ostream &out) const
  {
    out.write(magic, sizeof(magic));
    for (const std::uint32_t v : {version,
                                  coarse_cells,
                                  refinement,
                                  layers,
                                  n_classes,
                                  samples_per_class})
      put(out, v);
    put(out, seed);
    for (const double v : {H, h, eps})
      put(out, v);
    for (const std::uint32_t v : {n_inputs, n_outputs, field_size, n_cells})
      put(out, v);
    for (const double v : {value_minimum, value_maximum})
      put(out, v);
  }


  DatasetHeader
  DatasetHeader::read(std::istream &in, const std::string &file_name)
  {
    char first[sizeof(magic)] = {};
    in.read(first, sizeof(first));
    if (!in || std::memcmp(first, magic, sizeof(magic)) != 0)
      throw InputError("sample file '" + file_name +
                       "' is not an operator-compression sample file (no "
                       "'NHOPCMP' header)");
    DatasetHeader header;
    for (std::uint32_t *v : {&header.version,
                             &header.coarse_cells,
                             &header.refinement,
                             &header.layers,
                             &header.n_classes,
                             &header.samples_per_class})
      get(in, *v);
    get(in, header.seed);
    for (double *v : {&header.H, &header.h, &header.eps})
      get(in, *v);
    for (std::uint32_t *v : {&header.n_inputs,
                             &header.n_outputs,
                             &header.field_size,
                             &header.n_cells})
      get(in, *v);
    for (double *v : {&header.value_minimum, &header.value_maximum})
      get(in, *v);
    if (!in)
      throw InputError("sample file '" + file_name +
                       "' is truncated: it ends inside its header");
    // Version 1 had these 16 bytes reserved (zero); its values were U[1, 5].
    if (header.version == 1)
      {
        header.version       = current_version;
        header.value_minimum = 1;
        header.value_maximum = 5;
      }
    if (header.version != current_version)
      throw InputError("sample file '" + file_name + "' has format version " +
                       std::to_string(header.version) +
                       ", this program reads version " +
                       std::to_string(current_version));
    return header;
  }


  std::pair<unsigned int, unsigned int>
  split_range(const unsigned int samples_per_class, const Split split)
  {
    const unsigned int n_small =
      std::max<unsigned int>(1, std::lround(0.1 * samples_per_class));
    const unsigned int n_train = samples_per_class - 2 * n_small;
    switch (split)
      {
        case Split::train:
          return {0, n_train};
        case Split::validation:
          return {n_train, n_small};
        default:
          return {n_train + n_small, n_small};
      }
  }


  std::string
  split_name(const Split split)
  {
    return split == Split::train      ? "train" :
           split == Split::validation ? "validation" :
                                        "test";
  }


  DatasetFile::DatasetFile(const std::string   &file_name,
                           const DatasetHeader &expected)
    : file_name(file_name)
    , in(file_name, std::ios::binary)
  {
    if (!in)
      throw InputError("sample file '" + file_name +
                       "' does not exist or cannot be read");
    file_header              = DatasetHeader::read(in, file_name);
    const std::string differ = file_header.mismatch(expected);
    if (!differ.empty())
      throw InputError("sample file '" + file_name +
                       "' was generated with another configuration: " + differ);
    const std::uint64_t bytes =
      file_size(file_name) - DatasetHeader::header_bytes;
    const std::uint64_t complete = bytes / file_header.record_bytes();
    if (bytes % file_header.record_bytes() != 0)
      throw InputError("sample file '" + file_name +
                       "' is truncated: it ends inside record " +
                       std::to_string(complete) + " of " +
                       std::to_string(file_header.n_records()) +
                       " (run the generation again to complete it)");
    if (complete != file_header.n_records())
      throw InputError("sample file '" + file_name +
                       "' is incomplete: it holds " + std::to_string(complete) +
                       " of " + std::to_string(file_header.n_records()) +
                       " records (run the generation again to complete it)");
  }


  Record
  DatasetFile::read(const std::uint64_t record) const
  {
    AssertThrow(record < file_header.n_records(),
                ExcIndexRange(record, 0, file_header.n_records()));
    in.clear();
    in.seekg(DatasetHeader::header_bytes + record * file_header.record_bytes());
    Record result;
    get(in, result.coefficient_class);
    get(in, result.sample);
    result.field.resize(file_header.field_size);
    result.blocks.resize(std::size_t(file_header.n_cells) *
                         file_header.n_outputs);
    in.read(reinterpret_cast<char *>(result.field.data()),
            8 * result.field.size());
    in.read(reinterpret_cast<char *>(result.blocks.data()),
            8 * result.blocks.size());
    std::uint64_t stored = 0;
    get(in, stored);
    std::uint64_t hash =
      fnv1a(reinterpret_cast<const char *>(&result.coefficient_class),
            4,
            fnv_offset);
    hash = fnv1a(reinterpret_cast<const char *>(&result.sample), 4, hash);
    hash = fnv1a(reinterpret_cast<const char *>(result.field.data()),
                 8 * result.field.size(),
                 hash);
    hash = fnv1a(reinterpret_cast<const char *>(result.blocks.data()),
                 8 * result.blocks.size(),
                 hash);
    if (!in || hash != stored ||
        result.coefficient_class != record / file_header.samples_per_class ||
        result.sample != record % file_header.samples_per_class)
      throw InputError("sample file '" + file_name + "' is corrupt: record " +
                       std::to_string(record) + " does not match its checksum");
    return result;
  }


  namespace
  {
    // Rank 0: "" and the number of complete records of an existing file
    // with the same header (0 if there is none), or the reason to reject
    // the file.
    std::pair<std::string, std::uint64_t>
    inspect(const std::string &file_name, const DatasetHeader &expected)
    {
      if (!std::filesystem::exists(file_name))
        return {"", 0};
      std::ifstream in(file_name, std::ios::binary);
      try
        {
          const DatasetHeader header = DatasetHeader::read(in, file_name);
          const std::string   differ = header.mismatch(expected);
          if (!differ.empty())
            return {"sample file '" + file_name +
                      "' was generated with another configuration: " + differ +
                      " (choose another 'Data/Sample file' or delete it)",
                    0};
          const std::uint64_t records =
            (file_size(file_name) - DatasetHeader::header_bytes) /
            header.record_bytes();
          return {"", std::min(records, header.n_records())};
        }
      catch (const InputError &error)
        {
          return {error.what(), 0};
        }
    }
  } // namespace


  void
  check_existing_dataset(const std::string   &file_name,
                         const DatasetHeader &expected,
                         const MPI_Comm       comm)
  {
    std::string problem;
    if (Utilities::MPI::this_mpi_process(comm) == 0)
      problem = inspect(file_name, expected).first;
    problem = Utilities::MPI::broadcast(comm, problem, 0);
    if (!problem.empty())
      throw InputError(problem);
  }


  std::uint64_t
  generate_dataset(const std::string        &file_name,
                   const DatasetHeader      &header,
                   const MPI_Comm            comm,
                   const ConditionalOStream &out)
  {
    const unsigned int  rank    = Utilities::MPI::this_mpi_process(comm);
    const unsigned int  n_ranks = Utilities::MPI::n_mpi_processes(comm);
    const BlockGeometry geometry(header.coarse_cells,
                                 header.refinement,
                                 header.layers);

    std::pair<std::string, std::uint64_t> state;
    if (rank == 0)
      {
        state = inspect(file_name, header);
        if (state.first.empty())
          {
            // Drop a partially written record; write a new header.
            if (state.second == 0)
              {
                std::ofstream file(file_name,
                                   std::ios::binary | std::ios::trunc);
                header.write(file);
                if (!file)
                  state.first =
                    "cannot write the sample file '" + file_name + "'";
              }
            else
              std::filesystem::resize_file(file_name,
                                           DatasetHeader::header_bytes +
                                             state.second *
                                               header.record_bytes());
          }
      }
    state = Utilities::MPI::broadcast(comm, state, 0);
    if (!state.first.empty())
      throw InputError(state.first);
    const std::uint64_t done = state.second;
    if (done == header.n_records())
      {
        out << "  sample file '" << file_name << "' is complete ("
            << header.n_records() << " records), reused\n";
        return 0;
      }
    out << "  generating " << header.n_records() - done << " of "
        << header.n_records() << " records into '" << file_name << "'"
        << (done > 0 ? " (resumed)" : "") << ", " << header.n_cells
        << " patch problems each, on " << n_ranks << " rank(s)\n";

    // Contiguous ranges of coarse cells per rank.
    std::vector<int> counts(n_ranks), offsets(n_ranks);
    for (unsigned int p = 0; p < n_ranks; ++p)
      {
        const unsigned int begin = std::uint64_t(header.n_cells) * p / n_ranks;
        const unsigned int end =
          std::uint64_t(header.n_cells) * (p + 1) / n_ranks;
        counts[p]  = (end - begin) * header.n_outputs;
        offsets[p] = begin * header.n_outputs;
      }
    const unsigned int first = offsets[rank] / header.n_outputs;
    const unsigned int count = counts[rank] / header.n_outputs;

    std::ofstream file;
    if (rank == 0)
      file.open(file_name, std::ios::binary | std::ios::app);
    Progress            progress(out, "record", header.n_records() - done, 2.);
    std::vector<double> all_blocks(
      rank == 0 ? std::size_t(header.n_cells) * header.n_outputs : 0);
    // SIGTERM/SIGINT are polled after each record (below).
    const stop_request::PollingScope polling;
    for (std::uint64_t record = done; record < header.n_records(); ++record)
      {
        const std::uint32_t coefficient_class =
          record / header.samples_per_class;
        const std::uint32_t       sample = record % header.samples_per_class;
        const std::vector<double> field =
          sample_coefficient(geometry.fine_cells(),
                             coefficient_class,
                             header.seed,
                             sample,
                             header.value_minimum,
                             header.value_maximum);
        const std::vector<double> blocks =
          classical_blocks(geometry, field, first, count);
        const int error = MPI_Gatherv(blocks.data(),
                                      counts[rank],
                                      MPI_DOUBLE,
                                      all_blocks.data(),
                                      counts.data(),
                                      offsets.data(),
                                      MPI_DOUBLE,
                                      0,
                                      comm);
        AssertThrowMPI(error);
        if (rank == 0)
          {
            std::uint64_t hash =
              fnv1a(reinterpret_cast<const char *>(&coefficient_class),
                    4,
                    fnv_offset);
            hash = fnv1a(reinterpret_cast<const char *>(&sample), 4, hash);
            hash = fnv1a(reinterpret_cast<const char *>(field.data()),
                         8 * field.size(),
                         hash);
            hash = fnv1a(reinterpret_cast<const char *>(all_blocks.data()),
                         8 * all_blocks.size(),
                         hash);
            put(file, coefficient_class);
            put(file, sample);
            file.write(reinterpret_cast<const char *>(field.data()),
                       8 * field.size());
            file.write(reinterpret_cast<const char *>(all_blocks.data()),
                       8 * all_blocks.size());
            put(file, hash);
            file.flush();
          }
        const bool good =
          Utilities::MPI::broadcast(comm, rank == 0 ? bool(file) : true, 0);
        if (!good)
          throw InputError("cannot write the sample file '" + file_name +
                           "' (disk full?)");
        progress.update(record + 1 - done,
                        "class " +
                          class_name(coefficient_class, geometry.fine_cells()));
        // SIGTERM/SIGINT: stop after a complete record; a later run
        // continues after it.
        if (const int signal = stop_request::stop_requested(comm))
          throw Interrupted("data generation stopped by " +
                              stop_request::signal_name(signal) +
                              " after record " + std::to_string(record + 1) +
                              " of " + std::to_string(header.n_records()) +
                              "; the sample file '" + file_name +
                              "' is written up to it; run again to continue.",
                            signal);
      }
    return header.n_records() - done;
  }
} // namespace neuhom::operator_compression
