#ifndef neuhom_methods_walkers_walker_loss_h
#define neuhom_methods_walkers_walker_loss_h

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <neuhom/methods/walkers/time_steps.h>
#include <neuhom/methods/walkers/walker_problem.h>
#include <neuhom/nn/network.h>
#include <neuhom/nn/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace neuhom
{
  namespace walkers
  {
    using namespace dealii;

    /** How the walkers of estimate_targets() move and leave the square. */
    struct WalkerScheme
    {
      /** Walkers in mirrored pairs (the second takes the negated steps). */
      bool antithetic = false;
      /** Drifted walkers without weight instead of Girsanov weights. */
      bool drift = false;
      /**
       * Drifted walkers: Heun's predictor-corrector for the drift and the
       * trapezoidal rule for the source instead of Euler-Maruyama.
       */
      bool heun = false;
      /**
       * Also stop a walker inside at both ends of a step with the
       * probability that the Brownian bridge between them left the square.
       */
      bool bridge_exit = true;
    };


    /** Subsection "Walkers": samples of the derivative-free loss. */
    struct WalkerParameters
    {
      unsigned int       interior_points       = 400;
      unsigned int       walkers_per_point     = 300;
      unsigned int       boundary_points       = 400;
      double             boundary_weight       = 1;
      unsigned int       iterations_per_target = 1;
      unsigned int       table_points_per_eps  = 24;
      bool               periodic_table        = true;
      unsigned int       solution_table_cells  = 0;
      WalkerScheme       scheme;
      unsigned int       seed = 1;
      TimeStepParameters time_steps;

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);
    };


    /**
     * A field u (M) at points x (M, 2) (float64); if @p gradient is not null,
     * also grad u (M, 2) there. The bootstrapped target uses the network
     * with its current (the previous iteration's) parameters.
     */
    using FieldFunction = std::function<torch::Tensor(const torch::Tensor &x,
                                                      torch::Tensor *gradient)>;

    /** Diagnostics of one target estimate. */
    struct WalkerStatistics
    {
      std::int64_t walkers     = 0;
      std::int64_t exited      = 0;
      double       mean_weight = 0; // mean of the Girsanov discount
    };

    /**
     * The Monte-Carlo target of Han & Lee, Eq. (16), at the points x (N, 2):
     *
     *   E[(u(B_Dt) - int_0^Dt G ds) exp(int V . dB - 1/2 int |V|^2 ds)],
     *
     * with n_walkers Brownian walkers per point, K Euler-Maruyama micro steps
     * of dt (left-point sums, Eq. 19; log-weights in float64), all walkers
     * of all points advanced together, one loop over them per micro step (the
     * field u is evaluated for all of them at once). A walker
     * whose step leaves the square stops at the intersection of the step
     * with the boundary, its reward and discount stop accumulating, and its
     * end value is g there instead of u. With @p scheme.bridge_exit, a walker
     * that ends a step inside also stops, on the face it most likely
     * crossed, with the probability 1 - prod_faces (1 - exp(-2 d_0 d_1 /
     * dt)) that the Brownian bridge between the step's ends (distances d_0,
     * d_1 to a face) crossed the boundary: checking the end points only lets
     * walkers cross and come back, an O(sqrt(dt)) bias. With @p
     * scheme.antithetic, the walkers of a point come in mirrored pairs
     * (n_walkers even). With @p scheme.drift, the walkers follow dX = V dt + dB
     * instead (Euler-Maruyama, the martingale form of Eq. 8) and carry no
     * weight. The result is (N), without graph.
     */
    torch::Tensor
    estimate_targets(const WalkerProblem &problem,
                     const FieldFunction &u,
                     const torch::Tensor &x,
                     unsigned int         n_walkers,
                     double               micro_step,
                     unsigned int         micro_steps,
                     at::Generator       &generator,
                     WalkerStatistics    *statistics = nullptr,
                     const WalkerScheme  &scheme     = WalkerScheme());

    /** u of a network as a FieldFunction (autograd for the gradient). */
    FieldFunction
    network_field(Network &network);

    /**
     * u of a network and its gradient (autograd) evaluated once at the
     * (n+1)^2 nodes of a uniform grid of the unit square, and read by
     * bilinear interpolation: the nonlinear walkers need u and grad u of the
     * previous network at every micro step, and a smooth u is resolved by a
     * grid far coarser than the walkers (about 10^6 network passes per
     * target update become (n+1)^2).
     */
    FieldFunction
    tabulated_network_field(Network &network, unsigned int n);

    /**
     * The derivative-free loss for the Trainer: terms {"interior",
     * "boundary"},
     *   interior = 1/N_r sum_i |u(x_i; theta) - target_i|^2,
     *   boundary = w_b/N_b sum_j |u(x_j; theta) - g(x_j)|^2,
     * with x_i uniform in the square and x_j uniform on its boundary, both
     * redrawn every iteration, and target_i from estimate_targets() with the
     * parameters before the step (bootstrapping: no gradient through it).
     * Over MPI each rank owns its share of the points. The samples of an
     * iteration come from a generator seeded by (seed, iteration, rank), so
     * a resumed run draws the same ones.
     *
     * With "Iterations per target" m > 1, the points and targets of
     * iteration n (n a multiple of m) serve the iterations n, ..., n + m - 1
     * (a frozen target as in fitted value iteration: m optimizer steps per
     * walker simulation); only the boundary points are redrawn. Every rank
     * then holds the targets of all ranks, which checkpoint_state() exposes
     * so that a run resumed between two target updates continues bitwise.
     */
    class WalkerLoss
    {
    public:
      WalkerLoss(const WalkerProblem             &problem,
                 Network                         &network,
                 const WalkerParameters          &parameters,
                 const TimeSteps                 &steps,
                 const std::function<unsigned()> &iteration,
                 MPI_Comm                         comm);

      std::vector<torch::Tensor>
      operator()();

      const WalkerStatistics &
      last_statistics() const
      {
        return statistics;
      }

      /** The frozen points and targets (empty with one iteration per
       * target), for Trainer::add_checkpoint_state(). */
      std::vector<torch::Tensor>
      checkpoint_state() const;

    private:
      const WalkerProblem            &problem;
      Network                        &network;
      const WalkerParameters          parameters;
      const TimeSteps                 steps;
      const std::function<unsigned()> iteration;
      const unsigned int              rank;
      unsigned int                    local_interior;
      unsigned int                    local_boundary;
      unsigned int                    local_offset;
      MPI_Comm                        comm;
      torch::Tensor                   frozen_points;  // (N_r, 2), all ranks
      torch::Tensor                   frozen_targets; // (N_r)
      WalkerStatistics                statistics;
    };


    /**
     * The network at the (n+1)^2 nodes of the uniform grid of the unit
     * square, x fastest (the paper's error grid for n = 500).
     */
    std::vector<double>
    evaluate_on_grid(Network &network, unsigned int n);
  } // namespace walkers
} // namespace neuhom

#endif
