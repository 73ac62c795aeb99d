// The offline data of operator compression on a tiny grid (H = 1/4,
// h = eps = 1/16, l = 1), on 1 and 2 ranks (both print the same):
// distributed generation; the invariants of the PG-LOD local blocks (zero
// row and column sums, zero rows outside the domain, linear scaling with the
// coefficient); the file round trip; resumed generation equal to an
// uninterrupted one; the rejection of files of another configuration,
// truncated, incomplete, corrupt or foreign files; and the assembly of the
// exact blocks equal to the PG-LOD matrix of the lod layer.

#include <deal.II/base/conditional_ostream.h>

#include <neuhom/core/input_error.h>
#include <neuhom/lod/lod_problem.h>
#include <neuhom/methods/operator_compression/dataset.h>
#include <neuhom/methods/operator_compression/local_blocks.h>
#include <neuhom/methods/operator_compression/surrogate_matrix.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "../../tests.h"

using namespace dealii;
using namespace neuhom;
using namespace neuhom::operator_compression;

const MPI_Comm comm = MPI_COMM_WORLD;

bool
is_rank_0()
{
  return Utilities::MPI::this_mpi_process(comm) == 0;
}

std::string
file_bytes(const std::string &name)
{
  std::ifstream in(name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void
write_bytes(const std::string &name, const std::string &bytes)
{
  if (is_rank_0())
    std::ofstream(name, std::ios::binary | std::ios::trunc) << bytes;
  MPI_Barrier(comm);
}

// The message of the InputError @p f throws (every rank), or "no error".
template <typename F>
std::string
error_of(const F &f)
{
  try
    {
      f();
    }
  catch (const InputError &e)
    {
      return e.what();
    }
  return "no error";
}


void
check_invariants(const BlockGeometry &geometry, const Record &record)
{
  double largest = 0, row_sum = 0, column_sum = 0, outside = 0;
  for (unsigned int cell = 0; cell < geometry.n_cells(); ++cell)
    {
      const double *block = record.blocks.data() + cell * geometry.n_outputs();
      for (unsigned int k = 0; k < geometry.n_outputs(); ++k)
        largest = std::max(largest, std::abs(block[k]));
      for (unsigned int i = 0; i < geometry.n_rows(); ++i)
        {
          double sum = 0;
          for (unsigned int v = 0; v < 4; ++v)
            {
              sum += block[i + geometry.n_rows() * v];
              if (geometry.row_vertex(cell, i) < 0)
                outside =
                  std::max(outside, std::abs(block[i + geometry.n_rows() * v]));
            }
          row_sum = std::max(row_sum, std::abs(sum));
        }
      for (unsigned int v = 0; v < 4; ++v)
        {
          double sum = 0;
          for (unsigned int i = 0; i < geometry.n_rows(); ++i)
            sum += block[i + geometry.n_rows() * v];
          column_sum = std::max(column_sum, std::abs(sum));
        }
    }
  deallog << "class " << class_name(record.coefficient_class, 16) << " sample "
          << record.sample << ": max |block| " << largest
          << ", row sums < 1e-10 |block|: "
          << (row_sum < 1e-10 * largest ? "yes" : "no")
          << ", column sums < 1e-10 |block|: "
          << (column_sum < 1e-10 * largest ? "yes" : "no")
          << ", rows outside D zero: " << (outside == 0 ? "yes" : "no")
          << std::endl;
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  const ConditionalOStream         quiet(std::cout, false);

  const BlockGeometry geometry(4, 4, 1);
  const DatasetHeader header = DatasetHeader::for_configuration(geometry, 3, 7);
  {
    // Values U[a, b]: the class-0 sample is one constant in [a, b]; [1, 5]
    // is the default (the paper's) and the same draws.
    const auto wide = sample_coefficient(16, 0, 7, 2, 1, 100);
    deallog << "U[1, 100] sample: " << wide[0] << " (constant: "
            << (std::count(wide.begin(), wide.end(), wide[0]) == 256 ? "yes" :
                                                                       "no")
            << "), U[1, 5] sample: " << sample_coefficient(16, 0, 7, 2)[0]
            << " = 1 + 4 (" << wide[0] << " - 1) / 99" << std::endl;
  }
  deallog << "classes " << header.n_classes << ", inputs " << header.n_inputs
          << ", outputs " << header.n_outputs << ", records "
          << header.n_records() << ", record bytes " << header.record_bytes()
          << std::endl;
  for (const Split split : {Split::train, Split::validation, Split::test})
    deallog << split_name(split) << ": first " << split_range(10, split).first
            << ", size " << split_range(10, split).second << " (of 10)"
            << std::endl;

  // Generation, distributed over the ranks, and the round trip.
  const std::string name = "samples.bin";
  if (is_rank_0())
    std::filesystem::remove(name);
  MPI_Barrier(comm);
  deallog << "generated records: "
          << generate_dataset(name, header, comm, quiet) << std::endl;
  deallog << "generated again (complete file reused): "
          << generate_dataset(name, header, comm, quiet) << std::endl;
  {
    const DatasetFile file(name, header);
    for (const std::uint64_t k :
         {std::uint64_t(0), std::uint64_t(7), header.n_records() - 1})
      {
        const Record record = file.read(k);
        check_invariants(geometry, record);
        const auto expected =
          sample_coefficient(16, record.coefficient_class, 7, record.sample);
        const auto blocks =
          classical_blocks(geometry, expected, 0, geometry.n_cells());
        deallog << "  round trip: field "
                << (record.field == expected ? "equal" : "differs")
                << ", blocks " << (record.blocks == blocks ? "equal" : "differ")
                << std::endl;
      }

    // Linear scaling S_{cA} = c S_A.
    const Record record = file.read(header.n_records() - 1);
    {
      // On h = eps/2 the blocks keep their invariants and lie close to
      // those on h = eps (both approximate the same continuous block).
      Record fine   = record;
      fine.blocks   = classical_blocks(geometry, record.field, 0, 16, 2);
      double change = 0, norm = 0;
      for (unsigned int k = 0; k < fine.blocks.size(); ++k)
        {
          change += std::pow(fine.blocks[k] - record.blocks[k], 2);
          norm += std::pow(record.blocks[k], 2);
        }
      std::cout << "h = eps/2: relative change " << std::sqrt(change / norm)
                << std::endl;
      deallog << "h = eps/2: ";
      check_invariants(geometry, fine);
      deallog << "  relative Frobenius change from h = eps in (0.001, 0.1): "
              << (std::sqrt(change / norm) > 1e-3 &&
                      std::sqrt(change / norm) < 0.1 ?
                    "yes" :
                    "no")
              << std::endl;
    }
    auto scaled = record.field;
    for (double &a : scaled)
      a *= 2.5;
    const auto blocks =
      classical_blocks(geometry, scaled, 0, geometry.n_cells());
    double deviation = 0, largest = 0;
    for (unsigned int k = 0; k < blocks.size(); ++k)
      {
        deviation =
          std::max(deviation, std::abs(blocks[k] - 2.5 * record.blocks[k]));
        largest = std::max(largest, std::abs(blocks[k]));
      }
    deallog << "S(2.5 A) = 2.5 S(A) up to 1e-12 |S|: "
            << (deviation < 1e-12 * largest ? "yes" : "no") << std::endl;

    // The exact blocks assembled: the PG-LOD matrix of the lod layer.
    const SurrogateAssembler assembler(geometry);
    SparseMatrix<double>     assembled;
    const unsigned int       rank    = Utilities::MPI::this_mpi_process(comm);
    const unsigned int       n_ranks = Utilities::MPI::n_mpi_processes(comm);
    const unsigned int       first   = 16 * rank / n_ranks;
    const unsigned int       count   = 16 * (rank + 1) / n_ranks - first;
    assembler.assemble(
      std::vector<double>(record.blocks.begin() + first * geometry.n_outputs(),
                          record.blocks.begin() +
                            (first + count) * geometry.n_outputs()),
      first,
      count,
      comm,
      assembled);
    LODParameters lod_parameters;
    lod_parameters.coarse_cells    = 4;
    lod_parameters.layers          = 1;
    lod_parameters.petrov_galerkin = true;
    const CellFieldCoefficient coefficient(16, record.field);
    LODProblem<2>              lod(comm, lod_parameters, 16, 2, coefficient);
    lod.compute_correctors();
    lod.assemble_matrices();
    FullMatrix<double> difference =
      assembler.to_dense(lod.stiffness_matrix(), lod.free_vertices());
    const double norm = spectral_norm(difference);
    difference.add(-1.,
                   assembler.to_dense(assembled, assembler.free_vertices()));
    deallog << "assembled exact blocks vs PG-LOD matrix: rel. spectral "
               "difference < 1e-12: "
            << (spectral_norm(difference) < 1e-12 * norm ? "yes" : "no")
            << ", same nonzeros: "
            << (assembled.n_nonzero_elements() ==
                    lod.stiffness_matrix().n_nonzero_elements() ?
                  "yes" :
                  "no")
            << std::endl;
  }

  // Resume: a file cut inside record 5 is completed to the same bytes.
  const std::string complete = file_bytes(name);
  MPI_Barrier(comm);
  const std::size_t cut =
    DatasetHeader::header_bytes + 5 * header.record_bytes() + 100;
  write_bytes(name, complete.substr(0, cut));
  deallog << "truncated file: " << error_of([&]() {
    DatasetFile file(name, header);
  }) << std::endl;
  write_bytes(name, complete.substr(0, cut - 100));
  deallog << "incomplete file: " << error_of([&]() {
    DatasetFile file(name, header);
  }) << std::endl;
  write_bytes(name, complete.substr(0, cut));
  deallog << "resumed records: " << generate_dataset(name, header, comm, quiet)
          << ", file equal to the uninterrupted one: "
          << (file_bytes(name) == complete ? "yes" : "no") << std::endl;
  MPI_Barrier(comm);

  // Rejections.
  const DatasetHeader other_seed =
    DatasetHeader::for_configuration(geometry, 3, 8);
  const DatasetHeader other_h =
    DatasetHeader::for_configuration(BlockGeometry(4, 8, 1), 3, 7);
  deallog << "other seed: " << error_of([&]() {
    DatasetFile file(name, other_seed);
  }) << std::endl;
  const DatasetHeader other_range =
    DatasetHeader::for_configuration(geometry, 3, 7, 1, 100);
  deallog << "other coefficient range: " << error_of([&]() {
    DatasetFile file(name, other_range);
  }) << std::endl;
  {
    // A version-1 file (value range reserved as zeros) is read as U[1, 5].
    std::string version_1 = complete;
    version_1[8]          = 1;
    std::fill(version_1.begin() + DatasetHeader::header_bytes - 16,
              version_1.begin() + DatasetHeader::header_bytes,
              '\0');
    write_bytes(name, version_1);
    deallog << "version 1 file: " << error_of([&]() {
      DatasetFile file(name, header);
    }) << std::endl;
  }
  deallog << "other h, generation: " << error_of([&]() {
    generate_dataset(name, other_h, comm, quiet);
  }) << std::endl;
  deallog << "other h, check: " << error_of([&]() {
    check_existing_dataset(name, other_h, comm);
  }) << std::endl;
  std::string corrupt = complete;
  corrupt[DatasetHeader::header_bytes + 3 * header.record_bytes() + 500] ^= 1;
  write_bytes(name, corrupt);
  deallog << "corrupt record: " << error_of([&]() {
    DatasetFile file(name, header);
    for (std::uint64_t k = 0; k < header.n_records(); ++k)
      file.read(k);
  }) << std::endl;
  write_bytes(name, "not a sample file at all");
  deallog << "foreign file: " << error_of([&]() {
    DatasetFile file(name, header);
  }) << std::endl;
  write_bytes(name, complete.substr(0, 40));
  deallog << "cut header: " << error_of([&]() {
    DatasetFile file(name, header);
  }) << std::endl;
  deallog << "missing file: " << error_of([&]() {
    DatasetFile file("missing.bin", header);
  }) << std::endl;
  if (is_rank_0())
    std::filesystem::remove(name);
}
