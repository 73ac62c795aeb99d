#ifndef neuhom_methods_operator_compression_block_network_h
#define neuhom_methods_operator_compression_block_network_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/parameter_handler.h>

#include <neuhom/methods/operator_compression/dataset.h>
#include <neuhom/methods/operator_compression/local_blocks.h>
#include <neuhom/nn/network.h>
#include <neuhom/nn/torch.h>
#include <neuhom/nn/trainer.h>

#include <memory>
#include <vector>

namespace neuhom::operator_compression
{
  /**
   * Subsection "Network": the dense ReLU network Psi mapping a padded patch
   * to its flattened local block. The paper's network has the hidden widths
   * 1600, 800, 800, 400, 400, 144, 144 (eight affine maps, 5 063 504
   * parameters for 1600 inputs and 144 outputs).
   */
  struct BlockNetworkParameters
  {
    std::vector<unsigned int> hidden_widths =
      {1600, 800, 800, 400, 400, 144, 144};
    torch::Dtype dtype = torch::kFloat32;
    unsigned int seed  = 1;
    /**
     * Where the output is projected onto the PG-LOD block invariants
     * (project_onto_invariants()): not at all, online only (the network is
     * trained as the paper's, its blocks and losses are projected), or in
     * training and online (the projection is part of the network).
     */
    enum class InvariantProjection
    {
      none,
      online,
      training_and_online
    } invariant_projection = InvariantProjection::online;

    /** The prm name of invariant_projection. */
    std::string
    invariant_projection_name() const;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);
  };


  /**
   * x -> W_L relu(... relu(W_1 x + b_1) ...) + b_L, Glorot-uniform weights
   * and zero biases (Flux's Dense default, which the paper used).
   *
   * With the invariant projection, the output is projected onto the blocks
   * that have the structure every PG-LOD block has (project_onto_invariants).
   */
  class BlockNetwork : public Network
  {
  public:
    BlockNetwork(unsigned int                  n_inputs,
                 unsigned int                  n_outputs,
                 const BlockNetworkParameters &parameters);

    torch::Tensor
    raw_forward(const torch::Tensor &x) override;

    /**
     * Switch the projection on (after training with InvariantProjection::
     * online) or off.
     */
    void
    set_invariant_projection(bool project);

  private:
    std::vector<torch::nn::Linear> layers;
    bool                           invariant_projection;
  };


  /**
   * The Frobenius-orthogonal projection of a batch of predicted blocks
   * (n, n_outputs) onto the blocks with the invariants of the PG-LOD block
   * S_T(i, v) = a(chi_T Lambda_v - C_T Lambda_v, Lambda_i): zero rows for
   * patch vertices outside the closed domain, and over the other rows zero
   * row sums (the Lambda_v sum to 1 on T, whose corrector is 0) and zero
   * column sums (the Lambda_i sum to 1 on the patch). The rows outside the
   * domain are those vertices whose four cells all have coefficient 0 in
   * the padded patch @p x (n, n_inputs). Every exact block is a fixed point,
   * so the projection never increases a block's Frobenius error; it makes
   * constants lie in the kernel of the assembled surrogate, as they lie in
   * that of S.
   */
  torch::Tensor
  project_onto_invariants(const torch::Tensor &x, const torch::Tensor &blocks);


  /** Subsection "Block training": minibatches and augmentation. */
  struct BlockTrainingParameters
  {
    unsigned int batch_size            = 100;
    bool         symmetry_augmentation = false;
    std::string  load_network;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);
  };


  /**
   * The (patch, block) pairs of one split of a sample file, distributed over
   * the ranks: each rank reads its contiguous share of the split's records
   * (one record at a time) and keeps, in the training precision, one tensor
   * of the zero-padded coefficient fields and one of the blocks. The patches
   * are cut out of the padded fields by one gather when a batch is formed,
   * so they are never stored. Pair g is cell g % n_cells of the split's
   * record g / n_cells (records class by class).
   */
  class BlockData
  {
  public:
    BlockData(const DatasetFile   &file,
              Split                split,
              const BlockGeometry &geometry,
              torch::Dtype         dtype,
              MPI_Comm             comm);

    /** Pairs of the split over all ranks. */
    std::int64_t
    n_pairs() const
    {
      return n_global;
    }

    /**
     * The inputs (n, n_inputs) and labels (n, n_outputs) of those pairs of
     * @p indices this rank holds, and their positions in @p indices.
     */
    std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>
    local_batch(const torch::Tensor &indices) const;

    /**
     * The paper's loss J (mean over the split's pairs of half the relative
     * squared Frobenius error of the block), summed over the ranks.
     */
    double
    loss(Network &network) const;

  private:
    const BlockGeometry geometry;
    const MPI_Comm      comm;
    std::int64_t        n_global = 0;
    std::int64_t        first    = 0; // first record of this rank (in split)
    std::int64_t        n_local  = 0; // records of this rank
    // (records, padded field size), and (records x cells, n_outputs).
    torch::Tensor fields, blocks;
    // Offset of each cell's patch in a padded field, and of each patch
    // value relative to it.
    torch::Tensor patch_corners, patch_offsets;
  };


  /** sum_i 1/2 ||p_i - y_i||^2 / ||y_i||^2 over the rows of a batch. */
  torch::Tensor
  relative_block_loss_sum(const torch::Tensor &prediction,
                          const torch::Tensor &labels);

  /**
   * Apply the symmetry @p element (0..7; bit 0: reflect x, bit 1: reflect
   * y, bit 2: then transpose) of the square to each pair of a batch: the
   * patch image is transformed, and the rows (patch vertices) and columns
   * (vertices of T) of the block are permuted the same way.
   */
  void
  transform_pairs(torch::Tensor       &inputs,
                  torch::Tensor       &labels,
                  const torch::Tensor &elements,
                  const BlockGeometry &geometry);

  /**
   * Train @p network by Adam (or what @p training says) on minibatches of
   * @p data: every iteration draws batch_size pair indices uniformly (with
   * replacement, from torch's generator, so all ranks draw the same and a
   * resumed run continues the same sequence), each rank evaluates the pairs
   * it holds, and the trainer sums losses and gradients over the ranks.
   * @p validation (may be null) is evaluated every validation interval.
   */
  TrainingResult
  train_block_network(Network                       &network,
                      const TrainingParameters      &training,
                      const BlockTrainingParameters &minibatches,
                      const BlockGeometry           &geometry,
                      const BlockData               &data,
                      const BlockData               *validation,
                      MPI_Comm                       comm,
                      const ConditionalOStream      &out);

  /**
   * The predicted blocks of cells [first, first + count) for the fine-cell
   * @p field: one batched forward pass (no gradients).
   */
  std::vector<double>
  predict_blocks(Network                   &network,
                 const BlockGeometry       &geometry,
                 const std::vector<double> &field,
                 unsigned int               first,
                 unsigned int               count);
} // namespace neuhom::operator_compression

#endif
