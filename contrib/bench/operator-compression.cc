// Online cost of neural operator compression (step-4) against the classical
// PG-LOD blocks, on the same coarse mesh and in one run:
//
//   classical  the PG-LOD local blocks of all coarse cells (one fine-scale
//              patch problem per cell, classical_blocks());
//   surrogate  one batched forward pass of the block network over the
//              patches of all cells (predict_blocks()) and the assembly of
//              the global coarse matrix from the predicted blocks.
//
// Each rank handles its contiguous range of cells, as step-4 does; the
// reported time of a phase is the slowest rank's, the best of the
// repetitions, after one untimed warm-up of each phase. The surrogate is
// also split into patch extraction + forward pass and assembly, and the
// forward pass alone is timed in float32 and float64. The network is the
// paper's (untrained: its cost does not depend on the weights).
//
// Usage: mpirun -np P operator-compression-bench N r l [repetitions]
//        [fine refinement]
// (N = 1/H coarse cells per direction, r = H/eps coefficient cells per
// coarse cell, l oversampling layers; the classical patch problems on
// h = eps / fine refinement, default 1). Prints "key value" lines.

#include <deal.II/base/mpi.h>
#include <deal.II/base/timer.h>

#include <neuhom/methods/operator_compression/block_network.h>
#include <neuhom/methods/operator_compression/local_blocks.h>
#include <neuhom/methods/operator_compression/surrogate_matrix.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <string>

using namespace dealii;
using namespace neuhom;
using namespace neuhom::operator_compression;

namespace
{
  // The slowest rank's wall and CPU time, each the best of @p repetitions
  // calls (on a loaded machine the CPU time is the robust one).
  std::pair<double, double>
  best_time(const std::function<void()> &work,
            const unsigned int           repetitions,
            const MPI_Comm               comm)
  {
    double wall = std::numeric_limits<double>::max(), cpu = wall;
    for (unsigned int k = 0; k < repetitions; ++k)
      {
        MPI_Barrier(comm);
        Timer timer;
        work();
        timer.stop();
        wall = std::min(wall, Utilities::MPI::max(timer.wall_time(), comm));
        cpu  = std::min(cpu, Utilities::MPI::max(timer.cpu_time(), comm));
      }
    return {wall, cpu};
  }
} // namespace


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  const MPI_Comm                   comm = MPI_COMM_WORLD;
  if (argc < 4)
    {
      std::cerr << "usage: operator-compression-bench N r l [repetitions] "
                   "[fine refinement]\n";
      return 1;
    }
  torch::set_num_threads(1);
  const BlockGeometry geometry(std::stoi(argv[1]),
                               std::stoi(argv[2]),
                               std::stoi(argv[3]));
  const unsigned int  repetitions     = argc > 4 ? std::stoi(argv[4]) : 5;
  const unsigned int  fine_refinement = argc > 5 ? std::stoi(argv[5]) : 1;
  const unsigned int  rank            = Utilities::MPI::this_mpi_process(comm);
  const unsigned int  n_ranks         = Utilities::MPI::n_mpi_processes(comm);
  const unsigned int first = geometry.n_cells() * std::uint64_t(rank) / n_ranks;
  const unsigned int count =
    geometry.n_cells() * std::uint64_t(rank + 1) / n_ranks - first;

  // An unseen multiscale coefficient (the last class: average of all
  // levels).
  const std::vector<double> field =
    sample_coefficient(geometry.fine_cells(),
                       n_coefficient_classes(geometry.fine_cells()) - 1,
                       7,
                       0);
  // The paper's widths, float32, with step-4's default online projection.
  BlockNetworkParameters parameters;
  BlockNetwork network(geometry.n_inputs(), geometry.n_outputs(), parameters);
  BlockNetworkParameters parameters64 = parameters;
  parameters64.dtype                  = torch::kFloat64;
  BlockNetwork network64(geometry.n_inputs(),
                         geometry.n_outputs(),
                         parameters64);
  network.set_invariant_projection(true);
  network64.set_invariant_projection(true);
  const SurrogateAssembler assembler(geometry);

  std::vector<double>  blocks;
  SparseMatrix<double> matrix;
  const auto           classical = [&]() {
    blocks = classical_blocks(geometry, field, first, count, fine_refinement);
  };
  const auto predict = [&]() {
    blocks = predict_blocks(network, geometry, field, first, count);
  };
  const auto assemble = [&]() {
    assembler.assemble(blocks, first, count, comm, matrix);
  };
  const auto surrogate = [&]() {
    predict();
    assemble();
  };
  const auto input32 =
    torch::rand({std::int64_t(count), std::int64_t(geometry.n_inputs())});
  const auto input64 = input32.to(torch::kFloat64);
  const auto forward = [&](Network &net, const torch::Tensor &x) {
    return [&net, &x]() {
      torch::InferenceMode inference;
      net.forward(x);
    };
  };

  // Warm-up (torch's allocations, first touch of the factorizations'
  // memory), then the timings.
  classical();
  surrogate();
  forward(network64, input64)();
  // The ceiling of the forward pass: one float32 GEMM of the first layer's
  // shape (count x 1600 times 1600 x 1600) at the same threads.
  const auto a    = torch::rand({std::int64_t(count), 1600});
  const auto b    = torch::rand({1600, 1600});
  const auto gemm = [&]() {
    torch::mm(a, b);
  };
  gemm();

  const std::vector<std::pair<std::string, std::function<void()>>> phases = {
    {"classical_blocks", classical},
    {"surrogate", surrogate},
    {"surrogate_predict", predict},
    {"surrogate_assembly", assemble},
    {"forward_float32", forward(network, input32)},
    {"forward_float64", forward(network64, input64)},
    {"gemm_float32", gemm}};
  std::map<std::string, std::pair<double, double>> t;
  for (const auto &[name, work] : phases)
    t[name] = best_time(work,
                        name == "classical_blocks" ? std::min(repetitions, 3u) :
                                                     repetitions,
                        comm);

  if (rank == 0)
    {
      const double forward_flops =
        2. * network.n_parameters() * geometry.n_cells() / n_ranks;
      const double gemm_flops = 2. * count * 1600. * 1600.;
      std::cout << "coarse_cells_per_direction " << geometry.N << '\n'
                << "fine_cells_per_coarse_cell " << geometry.r << '\n'
                << "fine_refinement " << fine_refinement << '\n'
                << "oversampling_layers " << geometry.l << '\n'
                << "patches " << geometry.n_cells() << '\n'
                << "network_inputs " << geometry.n_inputs() << '\n'
                << "network_outputs " << geometry.n_outputs() << '\n'
                << "network_parameters " << network.n_parameters() << '\n'
                << "ranks " << n_ranks << '\n'
                << "torch_threads " << torch::get_num_threads() << '\n'
                << "repetitions " << repetitions << '\n';
      for (const auto &[name, times] : t)
        std::cout << name << "_seconds " << times.first << '\n'
                  << name << "_cpu_seconds " << times.second << '\n';
      std::cout << "forward_float32_cpu_gflops "
                << forward_flops / t["forward_float32"].second / 1e9 << '\n'
                << "gemm_float32_cpu_gflops "
                << gemm_flops / t["gemm_float32"].second / 1e9 << '\n'
                << "speedup "
                << t["classical_blocks"].first / t["surrogate"].first << '\n'
                << "speedup_cpu "
                << t["classical_blocks"].second / t["surrogate"].second << '\n';
    }
  return 0;
}
