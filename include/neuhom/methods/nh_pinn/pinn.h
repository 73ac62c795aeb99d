#ifndef neuhom_methods_nh_pinn_pinn_h
#define neuhom_methods_nh_pinn_pinn_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <neuhom/methods/nh_pinn/problem.h>
#include <neuhom/nn/network.h>
#include <neuhom/nn/trainer.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace neuhom
{
  namespace nh_pinn
  {
    using namespace dealii;

    /**
     * A test error recorded every "Validation interval" iterations; the
     * paper reports the mean over the last iterations of training.
     */
    struct ErrorHistory
    {
      std::vector<unsigned int>        iterations;
      std::vector<std::vector<double>> errors;

      /** Mean of error @p k over the records of the last @p window iterations.
       */
      double
      average(unsigned int k, unsigned int window) const;
      /** CSV with a header "iteration,<names>". */
      std::string
      csv(const std::vector<std::string> &names) const;
    };


    /**
     * Subsection "Cell problem": the PINN for the periodic cell problems
     * (Sec. 4.1 of the paper) with oversampling.
     */
    struct CellPINNParameters
    {
      unsigned int        grid_points         = 23;
      unsigned int        oversampling_layers = 2;
      bool                compare_without     = true;
      std::vector<double> weights_without     = {0.5, 0.5};
      unsigned int        slow_grid_points    = 17;
      unsigned int        test_grid_points    = 101;
      unsigned int        quadrature_points   = 200;
      unsigned int        average_window      = 300;
      unsigned int        lbfgs_iterations    = 0;
      NetworkParameters   network;
      TrainingParameters  training;

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm, const Problem &problem);
    };


    /**
     * The PINN for one cell problem, on the cell Y = [0, P)^d:
     *   A, B: -div_y(a(x, y) (grad_y chi_j + e_j)) = 0 (B: x is a second
     *         network input, the cell problems of all frozen x at once);
     *   C:    -D Laplace_y N + r(y) = 0.
     * Loss terms: the residual at the nodes of a uniform grid with
     * "Grid points" per cell direction (boundary nodes included), the
     * periodicity chi(y with y_i = 0) = chi(y with y_i = P) on the boundary
     * nodes, and with "Oversampling layers" N_o > 0 the ghost points
     * y_i = -k h and P + k h (k = 1..N_o, other coordinates on the grid)
     * tied to their periodic images P - k h and k h. Neither term fixes the
     * constant: the corrector is normalized to mean zero over Y afterwards
     * (value() subtracts the quadrature mean), which does not change A*.
     *
     * The collocation points are split over the MPI ranks (data-parallel
     * training, identical parameters on all ranks).
     */
    class CellPINN
    {
    public:
      CellPINN(const Problem            &problem,
               const CellPINNParameters &parameters,
               unsigned int              direction,
               unsigned int              oversampling_layers,
               const std::string        &checkpoint_prefix,
               MPI_Comm                  comm);

      /**
       * Train; every validation interval, record the relative L2 error of
       * the mean-free corrector against @p reference (on the test grid of
       * the cell; for B at the slow test points and the error of a*(x)).
       */
      TrainingResult
      train(const std::function<double(const std::vector<double> &)> &reference,
            const ConditionalOStream                                 &out);

      /** The mean-free corrector at (x, y) (x ignored unless B). */
      std::vector<double>
      values(const std::vector<std::vector<double>> &points);

      /**
       * A: column j of A*, A*_ij = <a (delta_ij + d_i chi_j)> (the energy
       * form needs both correctors, see effective_tensor()).
       */
      std::vector<double>
      effective_column();
      /** B: a*(x) and its derivative d(a*)/dx at the points @p x. */
      std::pair<std::vector<double>, std::vector<double>>
      effective_coefficient(const std::vector<double> &x);
      /** C: r* = <r N>. */
      double
      effective_reaction();

      /** Gradient of the corrector at the cell points @p y, shape (N, d). */
      torch::Tensor
      corrector_gradient(const torch::Tensor &y);
      /** The mean-free corrector network at (N, inputs) points. */
      torch::Tensor
      corrector(const torch::Tensor &points);

      /** The quadrature points of Y (midpoint rule), with x if B. */
      torch::Tensor
      quadrature_points(const std::vector<double> &x) const;

      const ErrorHistory &
      history() const
      {
        return errors;
      }
      double
      seconds() const
      {
        return training_seconds;
      }

    private:
      const Problem            &problem;
      const CellPINNParameters &parameters;
      const unsigned int        direction;
      const unsigned int        layers;
      const MPI_Comm            comm;
      TrainingParameters        training;
      std::shared_ptr<Network>  network;
      torch::Tensor             mean;
      ErrorHistory              errors;
      double                    training_seconds = 0;

      unsigned int
      n_cell_dims() const;
      void
      update_mean();
    };


    /** A: the effective tensor from the two trained correctors. */
    struct EffectiveTensor
    {
      double formula[2][2];
      double energy[2][2];
    };
    EffectiveTensor
    effective_tensor(const Problem &problem, CellPINN &chi1, CellPINN &chi2);


    /**
     * Subsection "Homogenized problem" or "Vanilla PINN": the PINN for a
     * (homogenized or multiscale) problem on the physical domain.
     */
    struct EquationPINNParameters
    {
      unsigned int       grid_points      = 21;
      unsigned int       time_grid_points = 100;
      unsigned int       test_grid_points = 101;
      unsigned int       average_window   = 500;
      unsigned int       lbfgs_iterations = 0;
      bool               exact_conditions = false;
      double             output_scale     = 1;
      NetworkParameters  network;
      TrainingParameters training;

      static void
      declare_parameters(ParameterHandler  &prm,
                         const std::string &section,
                         unsigned int       grid_points);
      void
      parse_parameters(ParameterHandler  &prm,
                       const std::string &section,
                       const Problem     &problem);

      /** Residual, and unless the conditions are exact boundary (and
       * initial) terms. */
      unsigned int
      n_loss_terms(const Problem &problem) const;
    };


    /**
     * -div(A(x) grad u) + c(x) u = f (or u_t + ... for C) on the domain with
     * u = 0 on the boundary (and u(x, 0) = 0 for C), by a PINN with the
     * loss terms of eq. (3): residual at the interior nodes of a uniform
     * grid, Dirichlet values at the boundary nodes (and initial values);
     * with "Exact boundary conditions" the network output is multiplied by
     * a factor that vanishes there and the residual is the only term.
     *
     * The diffusion is given at the collocation points as the tensor A (N,
     * d, d) and the divergence of its columns b (N, d), so that
     * -div(A grad u) = -(A : Hess u + b . grad u): a constant A* (b = 0), a
     * slowly varying a*(x) (b = d(a*)/dx), or the oscillating a(x/eps) of the
     * vanilla PINN (b = grad a by autograd).
     */
    class EquationPINN
    {
    public:
      /** Diffusion and reaction at the (N, d) spatial points x. */
      struct Data
      {
        std::function<std::pair<torch::Tensor, torch::Tensor>(
          const torch::Tensor &x)>
                                                             diffusion;
        std::function<torch::Tensor(const torch::Tensor &x)> reaction;
      };

      EquationPINN(const Problem                &problem,
                   const EquationPINNParameters &parameters,
                   const Data                   &data,
                   const std::string            &checkpoint_prefix,
                   MPI_Comm                      comm);

      /**
       * The test points: a uniform grid of the domain with @p n points per
       * direction (at t = T for C), rows (x_1, .., x_d (, t)).
       */
      static std::vector<std::vector<double>>
      make_test_points(const Problem &problem, unsigned int n);

      /** make_test_points() of "Test grid points". */
      const std::vector<std::vector<double>> &
      test_points() const
      {
        return tests;
      }

      /** Start from the parameters of @p other (transfer learning). */
      void
      copy_parameters_from(EquationPINN &other);

      /**
       * Train; every validation interval record the relative L2 errors of
       * u at the test points against each of @p references.
       */
      TrainingResult
      train(const std::vector<std::vector<double>> &references,
            const ConditionalOStream               &out);

      /** u at the test points. */
      std::vector<double>
      test_values();
      /** grad_x u at the test points, (N, d). */
      torch::Tensor
      test_gradients();

      const ErrorHistory &
      history() const
      {
        return errors;
      }
      double
      seconds() const
      {
        return training_seconds;
      }

    private:
      const Problem                   &problem;
      const EquationPINNParameters    &parameters;
      const MPI_Comm                   comm;
      TrainingParameters               training;
      std::shared_ptr<Network>         network;
      torch::Tensor                    interior, boundary, initial;
      torch::Tensor                    A, b, c, f;
      std::vector<std::vector<double>> tests;
      torch::Tensor                    test_tensor;
      ErrorHistory                     errors;
      double                           training_seconds = 0;
    };


    /** Relative discrete L2 error ||u - v|| / ||v||. */
    double
    relative_error(const std::vector<double> &u, const std::vector<double> &v);
  } // namespace nh_pinn
} // namespace neuhom

#endif
