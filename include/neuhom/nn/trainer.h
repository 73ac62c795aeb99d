#ifndef neuhom_nn_trainer_h
#define neuhom_nn_trainer_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <neuhom/nn/torch.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /** Subsection "Training": optimizer, schedule, loss weights, output. */
  struct TrainingParameters
  {
    std::string  optimizer     = "adam";
    unsigned int iterations    = 1000;
    double       learning_rate = 1e-3;
    double       adam_beta1    = 0.9;
    double       adam_beta2    = 0.999;
    double       adam_epsilon  = 1e-8;

    // L-BFGS: iterations of torch's LBFGS per outer iteration, memory.
    unsigned int lbfgs_inner_iterations   = 20;
    unsigned int lbfgs_history            = 50;
    bool         lbfgs_line_search        = true;
    double       lbfgs_gradient_tolerance = 1e-12;

    // lr(it) = lr0 * gamma^(it / k), with it / k rounded down for "step";
    // "single step": lr0 for it < k, lr0 * gamma afterwards.
    std::string  schedule    = "constant";
    double       decay_rate  = 0.9;
    unsigned int decay_steps = 1000;

    // "fixed", "self-adaptive" (gradient ascent on the weights) or
    // "gradient norm" (re-balancing by the norms of the terms' gradients).
    std::string         loss_weighting       = "fixed";
    std::vector<double> initial_weights      = {};
    double              weight_learning_rate = 1e-3;
    unsigned int        rebalance_interval   = 100;
    double              rebalance_smoothing  = 0.9;

    // Exponential moving average of the parameters (Polyak averaging) with
    // weights d^(t - k) on the iterates theta_1 .. theta_t, normalized as in
    // Adam's bias correction; 0: off.
    double averaging_decay = 0.;
    // Iterations before the average starts: it then covers theta_(s+1) ..
    // theta_t only, so a slowly converging start does not linger in it.
    unsigned int averaging_start = 0;

    double       tolerance           = 0.;
    unsigned int validation_interval = 0;

    unsigned int checkpoint_interval = 0;
    std::string  checkpoint_file     = "checkpoint.pt";
    bool         resume              = false;
    std::string  history_file        = "";
    double       progress_interval   = 2.;

    static void
    declare_parameters(ParameterHandler &prm);
    void
    parse_parameters(ParameterHandler &prm);

    /** The learning rate of (0-based) iteration @p iteration. */
    double
    learning_rate_at(unsigned int iteration) const;
  };


  /** Thrown when a loss becomes NaN or Inf; the message says what is kept. */
  class TrainingDiverged : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };


  /** What train() did. */
  struct TrainingResult
  {
    unsigned int        iterations = 0;
    double              loss       = 0;
    std::vector<double> terms;
    double              validation_loss = -1;
    std::string         stop_reason;
    // The iteration this run started at: the checkpoint's after a resume,
    // otherwise 0. Rates are over iterations - first_iteration.
    unsigned int first_iteration = 0;
  };


  /**
   * Minimizes sum_i w_i L_i(theta) over the parameters theta of a module,
   * with Adam or L-BFGS.
   *
   * The loss function returns the terms L_i as scalar tensors. In data
   * parallel training every rank passes the same module (same seed) and
   * returns its share of each term, e.g. sum over its samples divided by the
   * global sample count; the trainer sums the terms and the gradients over
   * the communicator with one MPI_Allreduce of a flattened buffer per
   * evaluation, so all ranks take the same steps and keep identical
   * parameters.
   *
   * Checkpoints (rank 0 writes, every rank reads) hold the parameters,
   * optimizer states, loss weights, the iteration, the torch RNG state and
   * the history, so that resume continues to the same result as an
   * uninterrupted run.
   */
  class Trainer
  {
  public:
    using LossFunction = std::function<std::vector<torch::Tensor>()>;

    Trainer(const TrainingParameters       &parameters,
            torch::nn::Module              &module,
            const std::vector<std::string> &term_names,
            MPI_Comm                        comm = MPI_COMM_WORLD);

    /**
     * Tensors (e.g. pointwise self-adaptive weights mu of a penalty term)
     * that the loss function uses and that are maximized rather than
     * minimized, by Adam with "Weight learning rate". Adam only.
     */
    void
    add_ascent_parameters(const std::vector<torch::Tensor> &tensors);

    /**
     * A validation loss (already summed over ranks by the caller if it is
     * distributed), evaluated every "Validation interval" iterations.
     */
    void
    set_validation(const std::function<double()> &validation);

    TrainingResult
    train(const LossFunction       &loss_function,
          const ConditionalOStream &out = ConditionalOStream(std::cout, false));

    /** The current weights w_i of the loss terms. */
    std::vector<double>
    loss_weights() const;

    /**
     * Tensors of the caller's own training state (e.g. a lagged coarse
     * state, the best iterate so far) that checkpoints store and resume
     * restores in place, so that a resumed run continues like an
     * uninterrupted one. Call before train().
     */
    void
    add_checkpoint_state(const std::vector<torch::Tensor> &tensors);

    /**
     * The (0-based) iteration train() is in: a loss function can ask which
     * iterate it evaluates.
     */
    unsigned int
    iteration() const;

  private:
    // Evaluates the terms, sums them over the ranks, back-propagates the
    // weighted total and sums the gradients over the ranks.
    torch::Tensor
    evaluate_and_backpropagate(const LossFunction &loss_function);

    void
    rebalance_weights(const LossFunction &loss_function);

    void
    write_checkpoint(unsigned int iteration) const;
    /** The archive write itself (rank 0). */
    void
    write_checkpoint_file(unsigned int iteration) const;
    unsigned int
    read_checkpoint();

    void
    write_history() const;

    /** Exchange the values of the parameters and their running averages. */
    void
    swap_averaged_parameters();

    void
    allreduce(const std::vector<torch::Tensor> &tensors) const;

    const TrainingParameters                 parameters;
    torch::nn::Module                       &module;
    const std::vector<std::string>           term_names;
    const MPI_Comm                           comm;
    std::vector<torch::Tensor>               model_parameters;
    std::vector<torch::Tensor>               averaged_parameters;
    std::vector<torch::Tensor>               ascent_parameters;
    std::vector<torch::Tensor>               checkpoint_state;
    unsigned int                             current_iteration = 0;
    torch::Tensor                            weights;
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    std::unique_ptr<torch::optim::Adam>      ascent_optimizer;
    std::function<double()>                  validation;
    std::vector<double>                      last_terms;
    std::string                              history;
  };
} // namespace neuhom

#endif
