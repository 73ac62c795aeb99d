// Training of the block network on a tiny data set (H = 1/4, h = eps = 1/16,
// l = 1), on 1 and 2 ranks (both print the same): the symmetry transforms of
// the augmentation agree with the blocks of the reflected and transposed
// coefficient; a small network trains below a stated loss J; the surrogate
// assembled from its blocks reproduces the classical PG-LOD matrix and
// solution within stated errors; a checkpointed and resumed training ends
// with the same parameters as an uninterrupted one.

#include <deal.II/base/conditional_ostream.h>

#include <deal.II/lac/sparse_direct.h>

#include <neuhom/methods/operator_compression/block_network.h>
#include <neuhom/methods/operator_compression/dataset.h>
#include <neuhom/methods/operator_compression/surrogate_matrix.h>

#include <array>
#include <filesystem>
#include <iostream>

#include "../../tests.h"

using namespace dealii;
using namespace neuhom;
using namespace neuhom::operator_compression;

const MPI_Comm comm = MPI_COMM_WORLD;


// The field transformed by symmetry element g (as transform_pairs).
std::vector<double>
transformed(const std::vector<double> &field, const unsigned int n, int g)
{
  std::vector<double> result(field.size());
  for (unsigned int y = 0; y < n; ++y)
    for (unsigned int x = 0; x < n; ++x)
      {
        // Output (x, y) takes input (sx, sy): the inverse of
        // "flip x, flip y, then transpose".
        unsigned int sx = (g & 4) ? y : x, sy = (g & 4) ? x : y;
        if (g & 1)
          sx = n - 1 - sx;
        if (g & 2)
          sy = n - 1 - sy;
        result[x + n * y] = field[sx + n * sy];
      }
  return result;
}


void
check_symmetries(const BlockGeometry &geometry, const Record &record)
{
  const unsigned int N = geometry.N, n = geometry.fine_cells();
  double             deviation = 0, largest = 0;
  for (const int g : {1, 2, 3, 4, 5, 6, 7})
    {
      const auto field = transformed(record.field, n, g);
      const auto blocks =
        classical_blocks(geometry, field, 0, geometry.n_cells());
      // Transformed pairs of all cells against the pairs of the image cells.
      std::vector<double> x(geometry.n_cells() * geometry.n_inputs());
      for (unsigned int c = 0; c < geometry.n_cells(); ++c)
        geometry.extract_patch(record.field.data(),
                               c,
                               x.data() + c * geometry.n_inputs());
      auto inputs = torch::from_blob(x.data(),
                                     {geometry.n_cells(), geometry.n_inputs()},
                                     torch::kFloat64)
                      .clone();
      auto labels = torch::from_blob(const_cast<double *>(record.blocks.data()),
                                     {geometry.n_cells(), geometry.n_outputs()},
                                     torch::kFloat64)
                      .clone();
      transform_pairs(inputs,
                      labels,
                      torch::full({geometry.n_cells()}, g, torch::kInt64),
                      geometry);
      for (unsigned int c = 0; c < geometry.n_cells(); ++c)
        {
          // The image of cell (cx, cy) under the transform.
          unsigned int cx = c % N, cy = c / N;
          if (g & 1)
            cx = N - 1 - cx;
          if (g & 2)
            cy = N - 1 - cy;
          if (g & 4)
            std::swap(cx, cy);
          const unsigned int  image = cx + N * cy;
          std::vector<double> patch(geometry.n_inputs());
          geometry.extract_patch(field.data(), image, patch.data());
          for (unsigned int k = 0; k < geometry.n_inputs(); ++k)
            deviation =
              std::max(deviation,
                       std::abs(inputs[c][k].item<double>() - patch[k]));
          for (unsigned int k = 0; k < geometry.n_outputs(); ++k)
            {
              const double expected = blocks[image * geometry.n_outputs() + k];
              deviation =
                std::max(deviation,
                         std::abs(labels[c][k].item<double>() - expected));
              largest = std::max(largest, std::abs(expected));
            }
        }
    }
  deallog << "7 symmetries: transformed pairs = pairs of the transformed "
             "coefficient up to 1e-10 |S|: "
          << (deviation < 1e-10 * largest ? "yes" : "no") << std::endl;
}


// The invariant projection on the exact blocks of all cells of @p record
// and on those blocks plus noise: exact blocks are fixed points; projected
// blocks have zero rows outside the domain and zero row and column sums;
// the projection is idempotent and brings every noisy block closer to the
// exact one.
void
check_projection(const BlockGeometry &geometry, const Record &record)
{
  const long          n_cells = geometry.n_cells();
  std::vector<double> x(n_cells * geometry.n_inputs());
  for (unsigned int c = 0; c < n_cells; ++c)
    geometry.extract_patch(record.field.data(),
                           c,
                           x.data() + c * geometry.n_inputs());
  const torch::Tensor inputs =
    torch::from_blob(x.data(), {n_cells, geometry.n_inputs()}, torch::kFloat64);
  const torch::Tensor exact =
    torch::from_blob(const_cast<double *>(record.blocks.data()),
                     {n_cells, geometry.n_outputs()},
                     torch::kFloat64);
  const double scale = exact.abs().max().item<double>();

  torch::manual_seed(5);
  const torch::Tensor noisy = exact + 0.1 * scale * torch::randn_like(exact);
  const torch::Tensor projected = project_onto_invariants(inputs, noisy);
  const torch::Tensor blocks =
    projected.reshape({n_cells, 4, geometry.n_rows()});
  // The blocks with the invariants form a space of dimension
  // (active rows - 1) x 3 per cell: isotropic noise keeps that share of its
  // squared norm.
  double outside = 0, kept_dimension = 0;
  for (unsigned int c = 0; c < n_cells; ++c)
    {
      unsigned int active = 0;
      for (unsigned int i = 0; i < geometry.n_rows(); ++i)
        if (geometry.row_vertex(c, i) < 0)
          outside = std::max(
            outside,
            blocks.select(0, c).select(1, i).abs().max().item<double>());
        else
          ++active;
      kept_dimension += (active - 1) * 3.;
    }
  const double expected_ratio =
    std::sqrt(kept_dimension / (n_cells * geometry.n_outputs()));
  const double row_sums    = blocks.sum(1).abs().max().item<double>();
  const double column_sums = blocks.sum(2).abs().max().item<double>();
  const double fixed_point =
    (project_onto_invariants(inputs, exact) - exact).abs().max().item<double>();
  const double idempotent =
    (project_onto_invariants(inputs, projected) - projected)
      .abs()
      .max()
      .item<double>();
  const bool closer =
    ((projected - exact).norm(2, {1}) <= (noisy - exact).norm(2, {1}))
      .all()
      .item<bool>();
  const double gain =
    ((projected - exact).norm() / (noisy - exact).norm()).item<double>();
  std::cout << "projection: error ratio " << gain << ", expected "
            << expected_ratio << std::endl;
  deallog << "invariant projection: exact blocks fixed up to 1e-12 |S|: "
          << (fixed_point < 1e-12 * scale ? "yes" : "no")
          << ", rows outside D zero: " << (outside == 0 ? "yes" : "no")
          << ", row and column sums < 1e-12 |S|: "
          << (std::max(row_sums, column_sums) < 1e-12 * scale ? "yes" : "no")
          << ", idempotent: " << (idempotent < 1e-12 * scale ? "yes" : "no")
          << ", every noisy block closer: " << (closer ? "yes" : "no")
          << ", error ratio sqrt(kept dimension / dimension) within 5 %: "
          << (std::abs(gain / expected_ratio - 1) < 0.05 ? "yes" : "no")
          << std::endl;
}


// Relative spectral error of the surrogate assembled from the blocks
// @p network predicts for the coefficient of @p record, and relative L2
// error of its solution for f = 1, both against PG-LOD.
std::pair<double, double>
surrogate_errors(BlockNetwork        &network,
                 const BlockGeometry &geometry,
                 const Record        &record)
{
  const SurrogateAssembler  assembler(geometry);
  SparseMatrix<double>      S, S_hat;
  const std::vector<double> predicted =
    predict_blocks(network, geometry, record.field, 0, geometry.n_cells());
  // Every rank holds all blocks here: rank 0 contributes them.
  const bool root = Utilities::MPI::this_mpi_process(comm) == 0;
  assembler.assemble(root ? record.blocks : std::vector<double>(),
                     0,
                     root ? geometry.n_cells() : 0,
                     comm,
                     S);
  assembler.assemble(root ? predicted : std::vector<double>(),
                     0,
                     root ? geometry.n_cells() : 0,
                     comm,
                     S_hat);
  FullMatrix<double> difference =
    assembler.to_dense(S, assembler.free_vertices());
  const double norm = spectral_norm(difference);
  difference.add(-1., assembler.to_dense(S_hat, assembler.free_vertices()));
  Vector<double> u(assembler.n_free()), u_hat(assembler.n_free());
  u     = 1.;
  u_hat = 1.;
  SparseDirectUMFPACK lu;
  lu.initialize(S);
  lu.solve(u);
  lu.initialize(S_hat);
  lu.solve(u_hat);
  u_hat -= u;
  return {spectral_norm(difference) / norm,
          assembler.l2_norm(u_hat) / assembler.l2_norm(u)};
}


TrainingParameters
adam(const unsigned int iterations)
{
  TrainingParameters training;
  training.iterations        = iterations;
  training.learning_rate     = 2e-3;
  training.schedule          = "single step";
  training.decay_steps       = 1200;
  training.decay_rate        = 0.2;
  training.progress_interval = 1e9;
  return training;
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  torch::set_num_threads(1);
  const ConditionalOStream quiet(std::cout, false);

  const BlockGeometry geometry(4, 4, 1);
  const DatasetHeader header =
    DatasetHeader::for_configuration(geometry, 10, 3);
  const std::string name = "training-samples.bin";
  if (Utilities::MPI::this_mpi_process(comm) == 0)
    std::filesystem::remove(name);
  MPI_Barrier(comm);
  generate_dataset(name, header, comm, quiet);
  const DatasetFile file(name, header);
  check_symmetries(geometry, file.read(header.n_records() - 1));
  check_projection(geometry, file.read(header.n_records() - 1));

  BlockNetworkParameters parameters;
  parameters.hidden_widths = {64, 64};
  parameters.dtype         = torch::kFloat64;
  parameters.invariant_projection =
    BlockNetworkParameters::InvariantProjection::training_and_online;
  const BlockData train(file, Split::train, geometry, parameters.dtype, comm);
  const BlockData test(file, Split::test, geometry, parameters.dtype, comm);
  deallog << "pairs: train " << train.n_pairs() << ", test " << test.n_pairs()
          << std::endl;

  BlockTrainingParameters minibatches;
  minibatches.batch_size = 64;

  // Training below a stated loss.
  BlockNetwork network(geometry.n_inputs(), geometry.n_outputs(), parameters);
  deallog << "parameters: " << network.n_parameters()
          << ", initial test loss > 0.1: "
          << (test.loss(network) > 0.1 ? "yes" : "no") << std::endl;
  train_block_network(network,
                      adam(2000),
                      minibatches,
                      geometry,
                      train,
                      nullptr,
                      comm,
                      quiet);
  const double train_loss = train.loss(network), test_loss = test.loss(network);
  std::cout << "train loss " << train_loss << ", test loss " << test_loss
            << std::endl;
  deallog << "trained: train loss J < 4e-3: "
          << (train_loss < 4e-3 ? "yes" : "no")
          << ", test loss J < 6e-3: " << (test_loss < 6e-3 ? "yes" : "no")
          << std::endl;

  // The surrogate of an unseen multiscale coefficient against PG-LOD, for
  // this network, the same network trained without the invariant
  // projection, and that one projected online.
  {
    const Record record =
      file.read(file.record_index(header.n_classes - 1,
                                  split_range(10, Split::test).first));
    // Relative spectral and L2 solution errors against PG-LOD, test loss.
    const auto evaluate = [&](BlockNetwork &net, const std::string &label) {
      const auto [matrix, solution] = surrogate_errors(net, geometry, record);
      const double loss             = test.loss(net);
      std::cout << label << ": test loss " << loss << ", rel. matrix error "
                << matrix << ", rel. solution error " << solution << std::endl;
      deallog << label << " vs PG-LOD: rel. spectral error < 0.05: "
              << (matrix < 0.05 ? "yes" : "no")
              << ", rel. L2 solution error < 0.02: "
              << (solution < 0.02 ? "yes" : "no") << std::endl;
      return std::array<double, 2>{{loss, matrix}};
    };
    const auto trained = evaluate(network, "trained with the projection");

    BlockNetworkParameters plain_parameters = parameters;
    plain_parameters.invariant_projection =
      BlockNetworkParameters::InvariantProjection::none;
    BlockNetwork plain(geometry.n_inputs(),
                       geometry.n_outputs(),
                       plain_parameters);
    train_block_network(plain,
                        adam(2000),
                        minibatches,
                        geometry,
                        train,
                        nullptr,
                        comm,
                        quiet);
    const auto without = evaluate(plain, "plain network");
    // The plain network projected online: the loss of every block can
    // only fall.
    plain.set_invariant_projection(true);
    const auto online = evaluate(plain, "plain network projected online");
    deallog << "test loss J and spectral error trained with the projection "
               "below the plain network's: "
            << (trained[0] < without[0] && trained[1] < without[1] ? "yes" :
                                                                     "no")
            << ", test loss J projected online below the plain network's: "
            << (online[0] < without[0] ? "yes" : "no") << std::endl;
  }

  // Checkpoint and resume: 60 + 60 iterations = 120 iterations.
  {
    minibatches.symmetry_augmentation = true;
    TrainingParameters first          = adam(60);
    first.checkpoint_interval         = 60;
    first.checkpoint_file             = "block-checkpoint.pt";
    BlockNetwork interrupted(geometry.n_inputs(),
                             geometry.n_outputs(),
                             parameters);
    train_block_network(interrupted,
                        first,
                        minibatches,
                        geometry,
                        train,
                        nullptr,
                        comm,
                        quiet);
    TrainingParameters second = first;
    second.iterations         = 120;
    second.resume             = true;
    BlockNetwork resumed(geometry.n_inputs(), geometry.n_outputs(), parameters);
    train_block_network(resumed,
                        second,
                        minibatches,
                        geometry,
                        train,
                        nullptr,
                        comm,
                        quiet);
    BlockNetwork uninterrupted(geometry.n_inputs(),
                               geometry.n_outputs(),
                               parameters);
    train_block_network(uninterrupted,
                        adam(120),
                        minibatches,
                        geometry,
                        train,
                        nullptr,
                        comm,
                        quiet);
    double deviation = 0;
    for (unsigned int i = 0; i < resumed.parameters().size(); ++i)
      deviation =
        std::max(deviation,
                 (resumed.parameters()[i] - uninterrupted.parameters()[i])
                   .abs()
                   .max()
                   .item<double>());
    deallog << "resumed training (with augmentation) = uninterrupted: "
            << (deviation == 0 ? "yes" : "no") << std::endl;
  }
  MPI_Barrier(comm);
  if (Utilities::MPI::this_mpi_process(comm) == 0)
    {
      std::filesystem::remove(name);
      std::filesystem::remove("block-checkpoint.pt");
    }
}
