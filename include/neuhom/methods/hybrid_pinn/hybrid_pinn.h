#ifndef neuhom_methods_hybrid_pinn_hybrid_pinn_h
#define neuhom_methods_hybrid_pinn_hybrid_pinn_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/function.h>
#include <deal.II/base/parameter_handler.h>

#include <neuhom/methods/hybrid_pinn/coarse_state.h>
#include <neuhom/methods/hybrid_pinn/reference.h>
#include <neuhom/nn/network.h>
#include <neuhom/nn/torch.h>
#include <neuhom/nn/trainer.h>

#include <memory>
#include <string>
#include <vector>

namespace neuhom
{
  namespace hybrid_pinn
  {
    using namespace dealii;

    /** Subsection "Hybrid PINN": collocation, boundary, coarse coupling. */
    struct HybridPINNParameters
    {
      unsigned int collocation_points = 2000;
      std::string  boundary_condition = "exact";
      unsigned int boundary_points    = 0;
      unsigned int coarse_cells       = 250;
      /** Radius r of the averaging balls of Q_delta; 0 means eps / 2. */
      double       compression_radius      = 0;
      double       coarse_update_tolerance = 1e-2;
      bool         isotropic               = true;
      double       k12                     = 0;
      double       k22                     = 1;
      unsigned int validation_points       = 2;

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);
    };


    /** Errors of a network against the fine reference. */
    struct Errors
    {
      double rel_l2 = 0;
      double rel_h1 = 0;
      /** K_hat = int K (d_1 v + 1) (Monte Carlo over the collocation points).
       */
      double k_hat = 0;
    };


    /** What HybridPINN::train() did. */
    struct TrainingOutcome
    {
      TrainingResult result;
      /** The iteration with the smallest PINN residual, and that residual. */
      unsigned int best_iteration = 0;
      double       best_residual  = 0;
      /** The errors at that iterate (the network is left there). */
      Errors       errors;
      unsigned int state_solves = 0;
      double       seconds      = 0;
      /** iteration,residual,rel_l2_error,rel_h1_error,k_hat,state_solves */
      std::string convergence_csv;
    };


    /**
     * The hybrid physics-informed neural network solver of Hintermueller &
     * Korolev for
     *
     *   -div(K_eps grad u) = f := q + d_1 K_eps  in (0,1)^dim,  u = 0 on the
     *   boundary,
     *
     * (the problem of the upscaling with the linear boundary data x_1, so
     * that K_hat[u] = int K_eps (d_1 u + 1) is the upscaled coefficient).
     * A network v_theta (MLP or multiscale Fourier-feature Ms-PINN) is
     * trained on the loss terms
     *
     *   residual  mean_i (-(K Lap v + grad K . grad v) - f)^2(x_i),
     *   boundary  |dOmega| mean_j v(z_j)^2       (only with penalty BCs),
     *   coupling  sum_l w_l ((Q_delta v)(x_l) - y_h(x_l))^2  (hybrid only),
     *
     * where y_h solves the coarse Q1 problem -div(K_hat[v] grad y) = q
     * (CoarseState) and Q_delta averages v over the collocation points in a
     * ball of radius r around the coarse node x_l (the value v(x_l) itself
     * within r of the boundary). With hard BCs v = l(x) N_theta(x),
     * l = prod_a 4 x_a (1 - x_a).
     *
     * The coupling term depends on theta also through y_h(K_hat[v_theta]).
     * Its reduced gradient is the autodiff gradient with y_h frozen plus
     * s grad_theta K_hat, s = p^T D y_h, with the adjoint p of
     * B(K_hat)^T p = 2 W (Q_delta v - y_h). loss_terms() returns the
     * coupling term as R(y_h frozen) + s (K_hat - detach(K_hat)): its value
     * is R, its gradient (one backward pass) the reduced gradient.
     *
     * While K_hat lies outside [min K, max K] (the bounds of any upscaled
     * coefficient; early in the training) the coarse problem uses the
     * nearest bound, and the adjoint part is zero.
     *
     * The state y_h (and the LU of B) is re-computed only when K_hat has
     * moved by more than the coarse update tolerance since the last solve;
     * the adjoint is solved in every evaluation with the current LU.
     */
    template <int dim>
    class HybridPINN
    {
    public:
      /**
       * @p coefficient K_eps with its length scale @p eps, source @p q;
       * @p hybrid false gives the plain PINN (no coupling term). The
       * collocation points are drawn with the network's seed.
       */
      HybridPINN(const HybridPINNParameters &parameters,
                 const NetworkParameters    &network_parameters,
                 const Function<dim>        &coefficient,
                 double                      eps,
                 const Function<dim>        &q,
                 bool                        hybrid);

      /** "residual", ["boundary"], ["coupling"]. */
      std::vector<std::string>
      term_names() const;

      /**
       * The loss terms at the current parameters (see the class
       * documentation); updates the coarse state lazily.
       */
      std::vector<torch::Tensor>
      loss_terms();

      /**
       * The coupling term in the closed form of the isotropic case,
       * sum_l w_l (Q_delta v - y1 / K_hat)^2 with A y1 = F: a function of
       * theta alone whose autodiff gradient is the reduced gradient.
       */
      torch::Tensor
      closed_form_coupling();

      /** K_hat[v_theta] (Monte Carlo over the collocation points). */
      torch::Tensor
      upscaled_coefficient();

      /** Use @p reference for errors() and validation. */
      void
      set_reference(const ReferenceSolution<dim> &reference);

      /** Errors of the current network against the reference. */
      Errors
      errors();

      /** K_hat[u_h] of the reference, by its quadrature. */
      double
      reference_upscaled_coefficient() const;

      /**
       * Train with @p training (the Trainer: Adam, schedule, weights,
       * checkpoints, NaN guard) on MPI_COMM_SELF, keep the iterate with the
       * smallest PINN residual (residual + boundary term) and leave the
       * network there. Needs set_reference() for the convergence history
       * (every "Validation interval" iterations).
       */
      TrainingOutcome
      train(const TrainingParameters &training, const ConditionalOStream &out);

      /** v_theta at @p points. */
      std::vector<double>
      values(const std::vector<Point<dim>> &points);

      /** (Q_delta v_theta)(x_l) at the coarse nodes. */
      std::vector<double>
      compressed_values();

      Network &
      network();

      CoarseState<dim> &
      coarse_state();

      /** Collocation points with an empty averaging ball (Q_delta = v(x_l)). */
      unsigned int
      n_empty_balls() const;

    private:
      const HybridPINNParameters parameters;
      const bool                 hybrid;
      const Function<dim>       &coefficient;
      std::shared_ptr<Network>   net;
      CoarseState<dim>           coarse;

      torch::Tensor             points;          // (M, dim)
      torch::Tensor             k_values;        // (M)
      torch::Tensor             k_gradients;     // (M, dim)
      torch::Tensor             f_values;        // (M)
      std::pair<double, double> k_bounds;        // min, max of K at the points
      torch::Tensor             boundary_points; // (M_b, dim)
      torch::Tensor             node_points; // coarse nodes evaluated pointwise
      torch::Tensor compression_nodes;       // (n) node index of each term
      torch::Tensor compression_cols; // (n) column into [points; node_points]
      torch::Tensor compression_weights;
      torch::Tensor node_weights; // (N_h)
      unsigned int  empty_balls = 0;
      /** Solves done by restore_state() (not counted). */
      unsigned int restoring_solves = 0;

      /** k of the state currently wanted (NaN before the first solve). */
      torch::Tensor k_last;

      torch::Tensor reference_points, reference_values, reference_gradients,
        reference_weights;
      double reference_l2 = 0, reference_h1 = 0, reference_k_hat = 0;

      torch::TensorOptions
      options() const;

      /** Value, gradient (N, dim) and Laplacian of v = l N or v = N. */
      ForwardDerivatives
      field(const torch::Tensor &x);

      /** Values of v only. */
      torch::Tensor
      field_values(const torch::Tensor &x);

      /** Q_delta v from v at the collocation points. */
      torch::Tensor
      compress(const torch::Tensor &v_collocation);

      /** Make y_h the state of k_last, re-solved if K_hat moved. */
      void
      update_state(double k_hat);

      /**
       * After a resume: solve for the state of the checkpoint's k_last
       * unless y_h is already that state. These solves only restore what an
       * uninterrupted run had and are not counted as state solves.
       */
      void
      restore_state();
    };
  } // namespace hybrid_pinn
} // namespace neuhom

#endif
