#ifndef neuhom_methods_deep_ritz_neural_correctors_h
#define neuhom_methods_deep_ritz_neural_correctors_h

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <neuhom/lod/lod_problem.h>
#include <neuhom/lod/nested_grid.h>
#include <neuhom/methods/deep_ritz/cell_field.h>
#include <neuhom/methods/deep_ritz/lod_space.h>
#include <neuhom/nn/network.h>
#include <neuhom/nn/torch.h>

#include <cmath>
#include <string>
#include <vector>

namespace neuhom
{
  namespace deep_ritz
  {
    /** Subsection "Neural correctors". */
    struct NeuralCorrectorParameters
    {
      /** "per configuration" (interior / edge / corner) or "one network". */
      std::string sharing = "per configuration";
      /** Local basis index as an input (one-hot) or one output per index. */
      bool basis_index_input = true;
      /** Initial self-adaptive weights mu ~ U(0, this). */
      double initial_weight = 1.;
      /**
       * false ("penalty", the paper): I_H a = 0 only through the penalty;
       * true ("projection"): the network output is projected onto ker C,
       * a <- a - C^T (C C^T)^{-1} C a, so the constraint holds exactly.
       * C depends on the patch geometry only, so the projection costs no
       * factorization online.
       */
      bool projection = false;
      /**
       * How the network sees the coefficient. "patch cells": p = the
       * coefficient on every fine cell of the (2l+1)^2 coarse cells around
       * K ((2l+1)^2 r^2 values). "coarse statistics": p = the arithmetic
       * and the harmonic mean of the coefficient on each of these coarse
       * cells (2 (2l+1)^2 values), the fine detail enters only through the
       * node inputs. Both divided by the patch maximum, plus the four
       * boundary flags.
       */
      bool coarse_statistics = false;
      /**
       * The node inputs hold the coefficient on the (2w)^2 fine cells
       * around the node (w = this; cells outside the patch are 0).
       */
      unsigned int node_window = 1;
      /**
       * (coefficient, coarse cell) pairs per training step, spread over the
       * ranks and the configurations in proportion; 0: all (full batch).
       */
      unsigned int pairs_per_batch = 0;
      /**
       * Online evaluation in float32 ("Inference precision"): a float32 copy
       * of each network, refreshed whenever the trained one changed. The
       * training stays in the networks' precision.
       */
      bool single_precision_inference = false;

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      /** Inputs per node: position, coefficient window, basis index. */
      unsigned int
      n_node_inputs() const;

      /** Inputs per patch (coefficient and boundary flags), for @p layers
       * oversampling layers and @p refinement fine cells per coarse cell. */
      unsigned int
      n_patch_inputs(unsigned int layers, unsigned int refinement) const;

      /**
       * Bytes of the training set of @p n_pairs (coefficient, coarse cell)
       * pairs and of one training step, taken as interior patches (the
       * largest): per pair the node inputs of its rows (free nodes, times 4
       * with the basis index as input), the patch stiffness (9 values and
       * columns per row), the right-hand sides, the reference correctors,
       * the dense constraint matrix; per row of a batch (pairs_per_batch
       * pairs, or all) the network's forward and backward pass. For
       * check_memory().
       */
      double
      estimate_training_memory(const NetworkParameters &network,
                               unsigned int             layers,
                               unsigned int             refinement,
                               double                   n_pairs) const;
    };


    /**
     * One network of NeuralCorrectors: an MLP whose first layer is split,
     * W_x x + W_p p + b, so that the coefficient parameters p (shared by all
     * nodes of a patch) go through it once per patch, not once per node.
     * The result equals an MLP on the concatenated input [x, p].
     */
    class CorrectorNetworkImpl : public torch::nn::Module
    {
    public:
      CorrectorNetworkImpl(unsigned int             n_node_inputs,
                           unsigned int             n_parameters,
                           unsigned int             n_outputs,
                           const NetworkParameters &parameters);

      /** A copy of @p other with its parameters converted to @p dtype. */
      CorrectorNetworkImpl(const CorrectorNetworkImpl &other,
                           torch::Dtype                dtype);

      /** x: (patches, rows, n_node_inputs), p: (patches, n_parameters);
       * returns (patches, rows * n_outputs). */
      torch::Tensor
      forward(const torch::Tensor &x, const torch::Tensor &p);

    private:
      unsigned int             n_node_inputs, n_parameters, n_outputs;
      NetworkParameters        network_parameters;
      Activation               activation;
      unsigned int             width;
      torch::nn::Linear        input_x = nullptr, input_p = nullptr;
      std::shared_ptr<Network> trunk;
    };
    TORCH_MODULE(CorrectorNetwork);


    /**
     * Neural element correctors C_K^l Lambda_v (Elasmi-Krumbiegel-Maier):
     * networks that map (fine-node position in patch-reference coordinates,
     * coefficient parameters p, local basis index v) to the corrector's
     * value at the node, trained without labels by minimizing the discrete
     * Ritz energy of the patch problem,
     *
     *   1/2 a^T S_h(p) a - r_T(p)^T a  +  |mu . C a|^2,
     *
     * over a set of coefficient samples, with self-adaptive weights mu
     * (gradient ascent) on the constraint I_H a = 0. The networks are
     * evaluated only at the free (interior) nodes of the patch box: the
     * zero patch-boundary values hold exactly.
     *
     * Parameters p of a patch: the coefficient on the fine cells of the
     * (2l+1)^2 coarse cells around K divided by its maximum on the patch
     * (correctors do not change when a is scaled), zero outside the domain,
     * and four flags saying which faces of the box lie on Gamma.
     *
     * Sharing: with "per configuration" one network serves all cells whose
     * patch has the same clipping (interior, each edge, each corner: 9
     * networks in 2D), with "one network" all cells share one. All
     * networks live in one torch module and are trained together (Adam is
     * per parameter, so this equals separate trainings with the same
     * schedule).
     */
    class NeuralCorrectors
    {
    public:
      NeuralCorrectors(const NestedGrid<2>             &grid,
                       unsigned int                     layers,
                       const NeuralCorrectorParameters &parameters,
                       const NetworkParameters         &network_parameters);

      torch::nn::Module &
      module()
      {
        return *networks;
      }

      unsigned int
      n_configurations() const
      {
        return groups.size();
      }

      /**
       * Set up the training data of this rank: its share (round robin over
       * the ranks of @p comm) of all (field, coarse cell) pairs, with the
       * patch matrices and, for validation, the classical correctors. A
       * pair whose patch sees the same coefficient as a pair of an earlier
       * field is the same patch problem and is left out (a coefficient that
       * changes only locally in time repeats most patches).
       */
      void
      set_training_data(const std::vector<CellField> &fields, MPI_Comm comm);

      /**
       * This rank's share of the energy and constraint terms. The energy
       * term is the Ritz energy minus its Lemma 3.6 lower bound
       * -1/2 gamma_v^T A_K gamma_v (a constant), so it is >= 0. Each
       * pair's energy is in units of the coefficient's maximum on its patch
       * (the correctors do not change when a is scaled, and pairs with large
       * values would dominate); both terms are divided by the total number
       * of (pair, basis function). With
       * pairs_per_batch, the sums over a random batch of pairs (drawn from
       * @p iteration), scaled to estimate the sums over all.
       */
      std::vector<torch::Tensor>
      loss_terms(unsigned int iteration);

      /** The self-adaptive weights mu (ascent parameters, rank-local). */
      std::vector<torch::Tensor>
      ascent_parameters() const;

      /**
       * Relative patch-energy error of the networks' element correctors
       * against the classical ones over all training pairs (all ranks),
       * each pair's energy in the units of loss_terms().
       */
      double
      validation_error() const;

      /**
       * The Ritz energy and its Lemma 3.6 lower bound summed over the
       * training pairs and basis functions (all ranks), and the minimum
       * energy of the classical correctors, in the units of loss_terms().
       */
      std::array<double, 3>
      energy_diagnostics() const;

      /** Online: all element correctors for @p field, one batched forward
       * pass per configuration. */
      CellCorrectors
      evaluate(const CellField &field) const;

      /** The same for the coarse cells @p cells only, in their order. */
      CellCorrectors
      evaluate(const CellField                 &field,
               const std::vector<unsigned int> &cells) const;

      /** Number of (field, coarse cell) pairs trained on (all ranks). */
      unsigned int
      n_training_pairs() const
      {
        return std::lround(n_global / 4);
      }

    private:
      /**
       * The constraints C of the patches of one shape (equal up to a
       * translation): its rows in compressed form and (C C^T)^{-1}.
       */
      struct PatchShape
      {
        explicit PatchShape(const FullMatrix<double> &constraints);

        std::vector<unsigned int> row_start, columns;
        std::vector<double>       values;
        FullMatrix<double>        gram_inverse;

        /** a <- a - C^T (C C^T)^{-1} C a for the (n_free, 4) values
         * @p a of a cell's element correctors. */
        void
        project(double *a) const;
      };

      struct Group
      {
        std::string               key;
        std::vector<unsigned int> cells;
        unsigned int              n_free = 0, n_constraints = 0;
        CorrectorNetwork          network = nullptr;
        // Its copy in inference_dtype() if that differs, and the sum of the
        // network's parameter versions when the copy was made.
        mutable CorrectorNetwork inference_network = nullptr;
        mutable std::int64_t     inference_version = -1;
        // Training data of this rank, the pairs in the first dimension:
        // x (pairs, rows, inputs), p (pairs, parameters), mask (pairs,
        // n_free, 1), the patch stiffness as values (pairs, n_free, 9) and
        // columns (pairs, 9 n_free, 1) with n_free for the padding, rhs and
        // reference (pairs, n_free, 4), constraints (pairs, n_c, n_free),
        // gram_inverse (pairs, n_c, n_c), mu (pairs, n_c, 4), bound (pairs).
        unsigned int n_pairs = 0;
        // All ranks' pairs of the configuration, and the position of each
        // of this rank's pairs among them.
        unsigned int              n_pairs_all = 0;
        std::vector<unsigned int> global_position;
        torch::Tensor x, p, mask, stiffness_values, stiffness_columns;
        torch::Tensor rhs, reference, constraints, gram_inverse, mu, bound;
        double        reference_energy = 0;
        // For evaluate()'s projection: the distinct patch shapes of the
        // group's cells, and the shape of each cell.
        std::vector<PatchShape>   shapes;
        std::vector<unsigned int> cell_shape;
      };

      /** The precision of evaluate()'s forward passes. */
      torch::Dtype
      inference_dtype() const
      {
        return parameters.single_precision_inference ? torch::kFloat32 : dtype;
      }

      /** The network that evaluate() runs for @p group: the trained one, or
       * its copy in inference_dtype(). */
      CorrectorNetwork
      inference_network(const Group &group) const;

      /** Entries per row of a Q1 patch stiffness. */
      static constexpr long stencil = 9;

      const NestedGrid<2>               &grid;
      const unsigned int                 layers;
      const NeuralCorrectorParameters    parameters;
      const torch::Dtype                 dtype;
      std::shared_ptr<torch::nn::Module> networks;
      std::vector<Group>                 groups;
      // Per coarse cell: its configuration and its position in its group's
      // cells.
      std::vector<unsigned int> cell_group, cell_position;
      MPI_Comm                  comm     = MPI_COMM_SELF;
      double                    n_global = 1;

      std::string
      configuration(unsigned int cell) const;
      /** The patch shapes of every group, for the projection. */
      void
      set_up_projection();
      /** The patch shape of coarse cell @p cell. */
      const PatchShape &
      patch_shape(unsigned int cell) const;
      /**
       * Node inputs of the free nodes of the patch of @p cell into
       * @p values (zero, one row of n_node_inputs() per node and basis
       * function): position, the coefficient on the (2w)^2 fine cells
       * around the node (divided by its patch maximum), the one-hot basis
       * index.
       */
      template <typename Number>
      void
      node_inputs(const CellField &field,
                  unsigned int     cell,
                  Number          *values) const;
      /** The node inputs of the (field, cell) @p pairs as one tensor
       * (pairs, rows, inputs) of @p type, zero-padded to @p n_free nodes. */
      torch::Tensor
      node_inputs(
        const std::vector<std::pair<const CellField *, unsigned int>> &pairs,
        unsigned int                                                   n_free,
        torch::Dtype type) const;
      std::vector<double>
      patch_parameters(const CellField &field, unsigned int cell) const;
      /** The networks' correctors (pairs, n_free, 4) of the pairs
       * @p pairs of @p group (all for an undefined tensor). */
      torch::Tensor
      correctors(const Group &group, const torch::Tensor &pairs) const;
      /** S a per pair. */
      torch::Tensor
      apply_stiffness(const Group         &group,
                      const torch::Tensor &pairs,
                      const torch::Tensor &a) const;
      /** This rank's pairs of configuration @p g in the batch of
       * @p iteration, and the factor from the batch to all pairs. */
      std::pair<torch::Tensor, double>
      batch(const Group &group, unsigned int g, unsigned int iteration) const;
      /** @p function(group, pairs, correctors) over all pairs in chunks,
       * without gradients. */
      template <typename Function>
      void
      for_each_chunk(const Function &function) const;
      /** @p field on the fine cells of the patch of @p cell. */
      std::vector<double>
      patch_values(const CellField &field, unsigned int cell) const;
      /** The maximum of @p field on the patch of @p cell. */
      double
      patch_maximum(const CellField &field, unsigned int cell) const;
    };


    /**
     * The networks as the corrector source of a (Galerkin) LODProblem on the
     * same grids: the networks see @p coefficient at the centres of the
     * fine cells, at its current time.
     */
    class NeuralCorrectorSource : public CorrectorSource<2>
    {
    public:
      NeuralCorrectorSource(const NeuralCorrectors &networks,
                            const Function<2>      &coefficient,
                            unsigned int            fine_cells_per_direction);

      std::vector<std::vector<Vector<double>>>
      correctors(const std::vector<unsigned int> &cells) override;

    private:
      const NeuralCorrectors &networks;
      const Function<2>      &coefficient;
      const unsigned int      n_fine;
    };
  } // namespace deep_ritz
} // namespace neuhom

#endif
