#ifndef neuhom_methods_operator_compression_dataset_h
#define neuhom_methods_operator_compression_dataset_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/mpi.h>

#include <neuhom/methods/operator_compression/local_blocks.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace neuhom::operator_compression
{
  /**
   * The header of a sample file: what generated it. A file is only used
   * (read, or resumed) by a run with the same header.
   *
   * File layout (little-endian as written by the machine; all sizes fixed):
   *   header: magic "NHOPCMP\0", then the fields below in declaration order
   *           (uint32 / uint64 / double), 96 bytes in total (version 1,
   *           without the value range, was read as U[1, 5]);
   *   records, n_classes * samples_per_class of them, class-major: record
   *   c * samples_per_class + s is sample s of class c:
   *     uint32 class, uint32 sample,
   *     double field[field_size]          (coefficient per fine cell),
   *     double blocks[N^2 * n_outputs]    (padded column-major blocks),
   *     uint64 checksum (FNV-1a of the bytes before it in the record).
   * Any record can be read on its own (torch-side readers seek to
   * header_bytes + k * record_bytes()).
   */
  struct DatasetHeader
  {
    static constexpr std::uint32_t current_version = 2;
    static constexpr std::size_t   header_bytes    = 96;

    std::uint32_t version           = current_version;
    std::uint32_t coarse_cells      = 0;
    std::uint32_t refinement        = 0;
    std::uint32_t layers            = 0;
    std::uint32_t n_classes         = 0;
    std::uint32_t samples_per_class = 0;
    std::uint64_t seed              = 0;
    double        H                 = 0;
    double        h                 = 0;
    double        eps               = 0;
    std::uint32_t n_inputs          = 0;
    std::uint32_t n_outputs         = 0;
    std::uint32_t field_size        = 0;
    std::uint32_t n_cells           = 0;
    /** The range [value_minimum, value_maximum] of the coefficient values. */
    double value_minimum = 1;
    double value_maximum = 5;

    /** The header of a file generated with these settings. */
    static DatasetHeader
    for_configuration(const BlockGeometry &geometry,
                      unsigned int         samples_per_class,
                      std::uint64_t        seed,
                      double               value_minimum = 1.,
                      double               value_maximum = 5.);

    std::uint64_t
    record_bytes() const;
    std::uint64_t
    n_records() const;

    /**
     * "" if @p requested describes the same data, else which value differs,
     * e.g. "H = 1/8 in the file, 1/16 requested".
     */
    std::string
    mismatch(const DatasetHeader &requested) const;

    void
    write(std::ostream &out) const;
    /** Throws an InputError naming @p file_name if it is not a header. */
    static DatasetHeader
    read(std::istream &in, const std::string &file_name);
  };


  /** The split of each class: 80 % training, 10 % validation, 10 % test. */
  enum class Split
  {
    train,
    validation,
    test
  };

  /** The first sample index and the number of samples of @p split. */
  std::pair<unsigned int, unsigned int>
  split_range(unsigned int samples_per_class, Split split);

  std::string
  split_name(Split split);


  /** One coefficient sample and the local blocks of all its coarse cells. */
  struct Record
  {
    std::uint32_t       coefficient_class = 0;
    std::uint32_t       sample            = 0;
    std::vector<double> field;
    std::vector<double> blocks;
  };


  /**
   * A complete sample file, opened for reading records one by one (every
   * rank reads the records it needs). The constructor rejects, with an
   * InputError naming the file: a missing file, a file that is not a sample
   * file or has another format version, a file generated with another
   * configuration (naming the differing value), a truncated file and an
   * incomplete one (generation interrupted). read() rejects a record whose
   * checksum or position does not match (a corrupt file).
   */
  class DatasetFile
  {
  public:
    DatasetFile(const std::string &file_name, const DatasetHeader &expected);

    const DatasetHeader &
    header() const
    {
      return file_header;
    }

    Record
    read(std::uint64_t record) const;

    /** Record number of sample @p sample of class @p coefficient_class. */
    std::uint64_t
    record_index(unsigned int coefficient_class, unsigned int sample) const
    {
      return std::uint64_t(coefficient_class) * file_header.samples_per_class +
             sample;
    }

  private:
    const std::string     file_name;
    DatasetHeader         file_header;
    mutable std::ifstream in;
  };


  /**
   * If @p file_name exists, check that its header matches @p expected
   * (InputError naming the file and the difference otherwise); a missing or
   * incomplete file is fine (generation creates or resumes it). Cheap: only
   * the header is read. Collective: rank 0 reads, every rank throws.
   */
  void
  check_existing_dataset(const std::string   &file_name,
                         const DatasetHeader &expected,
                         MPI_Comm             comm);

  /**
   * Generate the sample file, distributed over the ranks of @p comm: for each
   * record in turn every rank computes the classical blocks of its own
   * contiguous range of coarse cells, rank 0 gathers and appends the record.
   * An existing file with the same header is resumed after its last
   * complete record (a partially written record is discarded); one with
   * another header is rejected. Returns the number of records computed in
   * this run.
   */
  std::uint64_t
  generate_dataset(const std::string        &file_name,
                   const DatasetHeader      &header,
                   MPI_Comm                  comm,
                   const ConditionalOStream &out);
} // namespace neuhom::operator_compression

#endif
