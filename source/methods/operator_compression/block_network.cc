#include <neuhom/core/input_error.h>
#include <neuhom/methods/operator_compression/block_network.h>
#include <neuhom/nn/model_io.h>

#include <cmath>

namespace neuhom::operator_compression
{
  void
  BlockNetworkParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Network");
    prm.declare_entry("Hidden widths",
                      "400, 200, 200, 144",
                      Patterns::List(Patterns::Integer(1, 16384), 1, 64),
                      "Widths of the hidden ReLU layers; the linear output "
                      "layer (the block, 4 (2l+2)^2 values) comes on top. "
                      "The paper: 1600, 800, 800, 400, 400, 144, 144.");
    prm.declare_entry("Precision",
                      "float32",
                      Patterns::Selection("float32|float64"),
                      "Scalar type of the parameters and of the training.");
    prm.declare_entry("Seed",
                      "1",
                      Patterns::Integer(0),
                      "Seed of the initialization and of the minibatch "
                      "draws; the same seed gives the same network.");
    prm.declare_entry("Invariant projection",
                      "online",
                      Patterns::Selection("none|online|training and online"),
                      "Project each output onto the blocks with the PG-LOD "
                      "block's invariants: zero rows outside the domain, "
                      "zero row and column sums over the others (a fixed "
                      "linear map after the last layer that never increases "
                      "a block's Frobenius error). none: the paper's plain "
                      "network; online: trained as the paper's, projected "
                      "when blocks are predicted and losses reported; "
                      "training and online: also during training.");
    prm.leave_subsection();
  }


  void
  BlockNetworkParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Network");
    hidden_widths =
      Patterns::Tools::Convert<std::vector<unsigned int>>::to_value(
        prm.get("Hidden widths"));
    dtype =
      prm.get("Precision") == "float32" ? torch::kFloat32 : torch::kFloat64;
    seed                         = prm.get_integer("Seed");
    const std::string projection = prm.get("Invariant projection");
    invariant_projection =
      projection == "none"   ? InvariantProjection::none :
      projection == "online" ? InvariantProjection::online :
                               InvariantProjection::training_and_online;
    prm.leave_subsection();
  }


  std::string
  BlockNetworkParameters::invariant_projection_name() const
  {
    switch (invariant_projection)
      {
        case InvariantProjection::none:
          return "none";
        case InvariantProjection::online:
          return "online";
        default:
          return "training and online";
      }
  }


  BlockNetwork::BlockNetwork(const unsigned int            n_inputs,
                             const unsigned int            n_outputs,
                             const BlockNetworkParameters &parameters)
    : Network(n_inputs, n_outputs, parameters.dtype)
    , invariant_projection(
        parameters.invariant_projection ==
        BlockNetworkParameters::InvariantProjection::training_and_online)
  {
    torch::manual_seed(parameters.seed);
    std::vector<unsigned int> widths = {n_inputs};
    widths.insert(widths.end(),
                  parameters.hidden_widths.begin(),
                  parameters.hidden_widths.end());
    widths.push_back(n_outputs);
    for (unsigned int i = 0; i + 1 < widths.size(); ++i)
      {
        layers.push_back(register_module(
          "layer_" + std::to_string(i),
          torch::nn::Linear(
            torch::nn::LinearOptions(widths[i], widths[i + 1]))));
        torch::NoGradGuard no_grad;
        torch::nn::init::xavier_uniform_(layers.back()->weight);
        torch::nn::init::zeros_(layers.back()->bias);
      }
    to(parameters.dtype);
  }


  torch::Tensor
  BlockNetwork::raw_forward(const torch::Tensor &x)
  {
    torch::Tensor z = x;
    for (unsigned int i = 0; i < layers.size(); ++i)
      {
        z = layers[i]->forward(z);
        if (i + 1 < layers.size())
          z = torch::relu(z);
      }
    return invariant_projection ? project_onto_invariants(x, z) : z;
  }


  void
  BlockNetwork::set_invariant_projection(const bool project)
  {
    invariant_projection = project;
  }


  torch::Tensor
  project_onto_invariants(const torch::Tensor &x, const torch::Tensor &blocks)
  {
    // The sizes follow from n_inputs = ((2l+1) r)^2, n_outputs = 4 (2l+2)^2.
    const long n       = x.size(0);
    const long columns = 4;
    const long rows    = blocks.size(1) / columns;
    const long m       = std::lround(std::sqrt(double(rows))) - 1; // 2l+1
    const long p       = std::lround(std::sqrt(double(x.size(1))));
    const long r       = p / m;
    AssertThrow(m * r == p && (m + 1) * (m + 1) * columns == blocks.size(1),
                ExcMessage("project_onto_invariants: the input and output "
                           "sizes are not those of a padded patch and its "
                           "block"));

    // Coarse cells of the patch inside the domain (lexicographic, x
    // fastest; a coefficient is positive inside, so one fine cell of each
    // tells), then the vertices with at least one such cell around them.
    const torch::Tensor inside = x.detach()
                                   .reshape({n, m, r, m, r})
                                   .select(4, 0)
                                   .select(2, 0)
                                   .ne(0)
                                   .to(blocks.scalar_type());
    const torch::Tensor active =
      torch::max_pool2d(torch::constant_pad_nd(inside, {1, 1, 1, 1}),
                        {2, 2},
                        {1, 1})
        .reshape({n, 1, rows});
    const torch::Tensor column_weights =
      active / active.sum(2, true).clamp_min(1);

    // Column-major block: entry (i, v) at i + rows v, so (n, 4, rows).
    // Zero the rows outside, subtract the row means, then the column means
    // over the active rows (which keeps the row sums at zero).
    torch::Tensor b = blocks.reshape({n, columns, rows}) * active;
    b               = b - b.mean(1, true) * active;
    b               = b - b.sum(2, true) * column_weights;
    return b.reshape({n, columns * rows});
  }


  void
  BlockTrainingParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Block training");
    prm.declare_entry("Batch size",
                      "100",
                      Patterns::Integer(1),
                      "(Patch, block) pairs per minibatch, over all ranks. "
                      "One epoch is (training pairs / batch size) "
                      "iterations.");
    prm.declare_entry("Symmetry augmentation",
                      "false",
                      Patterns::Bool(),
                      "Transform each pair of a minibatch by a random "
                      "rotation/reflection of the square (patch image, and "
                      "the same permutation of the block's rows and "
                      "columns).");
    prm.declare_entry("Load network",
                      "",
                      Patterns::Anything(),
                      "If not empty: load this trained network (saved as "
                      "network.pt by an earlier run with the same Network "
                      "subsection) instead of training.");
    prm.leave_subsection();
  }


  void
  BlockTrainingParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Block training");
    batch_size            = prm.get_integer("Batch size");
    symmetry_augmentation = prm.get_bool("Symmetry augmentation");
    load_network          = prm.get("Load network");
    prm.leave_subsection();
  }


  BlockData::BlockData(const DatasetFile   &file,
                       const Split          split,
                       const BlockGeometry &geometry,
                       const torch::Dtype   dtype,
                       const MPI_Comm       comm)
    : geometry(geometry)
    , comm(comm)
  {
    const DatasetHeader &header = file.header();
    const auto [first_sample, n_samples] =
      split_range(header.samples_per_class, split);
    const std::int64_t n_records = std::int64_t(header.n_classes) * n_samples;
    n_global                     = n_records * header.n_cells;
    const unsigned int rank      = Utilities::MPI::this_mpi_process(comm);
    const unsigned int n_ranks   = Utilities::MPI::n_mpi_processes(comm);
    first                        = n_records * rank / n_ranks;
    n_local                      = n_records * (rank + 1) / n_ranks - first;

    // The fields padded by l r zero cells on each side: the patch of cell
    // (cx, cy) is then the P x P window at (cx r, cy r).
    const std::int64_t F = geometry.fine_cells(), P = geometry.patch_cells(),
                       pad = geometry.l * geometry.r, W = F + 2 * pad;
    const std::int64_t n_cells = geometry.n_cells(),
                       n_out   = geometry.n_outputs();
    auto padded = torch::zeros({n_local, W * W}, torch::kFloat64);
    auto labels = torch::empty({n_local * n_cells, n_out}, torch::kFloat64);
    for (std::int64_t k = 0; k < n_local; ++k)
      {
        const Record record =
          file.read(file.record_index((first + k) / n_samples,
                                      first_sample + (first + k) % n_samples));
        double *target = padded[k].data_ptr<double>();
        for (std::int64_t y = 0; y < F; ++y)
          std::copy_n(record.field.data() + F * y,
                      F,
                      target + W * (y + pad) + pad);
        std::copy_n(record.blocks.data(),
                    n_cells * n_out,
                    labels.data_ptr<double>() + k * n_cells * n_out);
      }
    fields = padded.to(dtype);
    blocks = labels.to(dtype);

    const std::int64_t N = geometry.N, r = geometry.r;
    const auto         cells = torch::arange(n_cells, torch::kInt64);
    patch_corners =
      torch::floor_divide(cells, N) * (r * W) + torch::remainder(cells, N) * r;
    const auto values = torch::arange(P * P, torch::kInt64);
    patch_offsets =
      torch::floor_divide(values, P) * W + torch::remainder(values, P);
  }


  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>
  BlockData::local_batch(const torch::Tensor &indices) const
  {
    const std::int64_t n_cells = geometry.n_cells();
    // The pairs of this rank's records, numbered from its first pair.
    const auto local = indices - first * n_cells;
    const auto positions =
      torch::logical_and(local >= 0, local < n_local * n_cells)
        .nonzero()
        .view(-1);
    const auto pairs  = local.index_select(0, positions);
    const auto record = torch::floor_divide(pairs, n_cells);
    const auto cell   = torch::remainder(pairs, n_cells);
    // One gather of all patch values of the batch.
    const auto where =
      (record * fields.size(1) + patch_corners.index_select(0, cell))
        .unsqueeze(1) +
      patch_offsets.unsqueeze(0);
    return {fields.take(where), blocks.index_select(0, pairs), positions};
  }


  double
  BlockData::loss(Network &network) const
  {
    torch::InferenceMode inference;
    double               sum = 0;
    // All local pairs, a few records at a time.
    const std::int64_t n_pairs = n_local * geometry.n_cells();
    const std::int64_t chunk   = 8 * geometry.n_cells();
    for (std::int64_t start = 0; start < n_pairs; start += chunk)
      {
        const auto indices = torch::arange(start,
                                           std::min(start + chunk, n_pairs),
                                           torch::kInt64) +
                             first * geometry.n_cells();
        const auto [x, y, positions] = local_batch(indices);
        sum += relative_block_loss_sum(network.forward(x), y).item<double>();
      }
    return Utilities::MPI::sum(sum, comm) / n_global;
  }


  torch::Tensor
  relative_block_loss_sum(const torch::Tensor &prediction,
                          const torch::Tensor &labels)
  {
    return 0.5 *
           ((prediction - labels).pow(2).sum(1) / labels.pow(2).sum(1)).sum();
  }


  void
  transform_pairs(torch::Tensor       &inputs,
                  torch::Tensor       &labels,
                  const torch::Tensor &elements,
                  const BlockGeometry &geometry)
  {
    const std::int64_t P = geometry.patch_cells(),
                       V = geometry.patch_vertices();
    auto x               = inputs.view({-1, P, P}).clone(); // [y][x]
    auto y = labels.view({-1, 2, 2, V, V}).clone();         // [v_y][v_x][y][x]
    for (std::int64_t g = 1; g < 8; ++g)
      {
        const auto selected = (elements == g).nonzero().view(-1);
        if (selected.numel() == 0)
          continue;
        auto a = x.index_select(0, selected);
        auto b = y.index_select(0, selected);
        if (g & 1)
          {
            a = a.flip({2});
            b = b.flip({2, 4});
          }
        if (g & 2)
          {
            a = a.flip({1});
            b = b.flip({1, 3});
          }
        if (g & 4)
          {
            a = a.transpose(1, 2);
            b = b.permute({0, 2, 1, 4, 3});
          }
        x.index_copy_(0, selected, a.contiguous());
        y.index_copy_(0, selected, b.contiguous());
      }
    inputs = x.view({-1, P * P});
    labels = y.view({-1, 4 * V * V});
  }


  TrainingResult
  train_block_network(Network                       &network,
                      const TrainingParameters      &training,
                      const BlockTrainingParameters &minibatches,
                      const BlockGeometry           &geometry,
                      const BlockData               &data,
                      const BlockData               *validation,
                      const MPI_Comm                 comm,
                      const ConditionalOStream      &out)
  {
    Trainer trainer(training, network, {"J"}, comm);
    if (validation != nullptr)
      trainer.set_validation([&]() {
        return validation->loss(network);
      });
    const std::int64_t batch = minibatches.batch_size;
    return trainer.train(
      [&]() -> std::vector<torch::Tensor> {
        // The same draws on every rank (same generator state).
        const auto indices =
          torch::randint(data.n_pairs(), {batch}, torch::kInt64);
        auto [x, y, positions] = data.local_batch(indices);
        if (minibatches.symmetry_augmentation)
          {
            const auto elements = torch::randint(8, {batch}, torch::kInt64);
            transform_pairs(x,
                            y,
                            elements.index_select(0, positions),
                            geometry);
          }
        return {relative_block_loss_sum(network.forward(x), y) / double(batch)};
      },
      out);
  }


  std::vector<double>
  predict_blocks(Network                   &network,
                 const BlockGeometry       &geometry,
                 const std::vector<double> &field,
                 const unsigned int         first,
                 const unsigned int         count)
  {
    // No autograd bookkeeping; the patches are written straight into the
    // input tensor in the network's precision.
    torch::InferenceMode inference;
    const std::int64_t   n_inputs = geometry.n_inputs();
    auto                 input = torch::empty({std::int64_t(count), n_inputs},
                              torch::TensorOptions().dtype(network.dtype()));
    for (unsigned int c = 0; c < count; ++c)
      if (network.dtype() == torch::kFloat32)
        geometry.extract_patch(field.data(),
                               first + c,
                               input.data_ptr<float>() + c * n_inputs);
      else
        geometry.extract_patch(field.data(),
                               first + c,
                               input.data_ptr<double>() + c * n_inputs);
    const auto output = network.forward(input).to(torch::kFloat64).contiguous();
    return std::vector<double>(output.data_ptr<double>(),
                               output.data_ptr<double>() + output.numel());
  }
} // namespace neuhom::operator_compression
