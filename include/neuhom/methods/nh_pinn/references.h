#ifndef neuhom_methods_nh_pinn_references_h
#define neuhom_methods_nh_pinn_references_h

#include <deal.II/base/mpi.h>
#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>
#include <deal.II/base/timer.h>

#include <neuhom/methods/nh_pinn/problem.h>

#include <functional>
#include <string>
#include <vector>

namespace neuhom
{
  namespace nh_pinn
  {
    using namespace dealii;

    /**
     * The deal.II references of NH-PINN: cell problems and effective
     * coefficients (FE for A, quadrature of the 1D closed forms for B and C),
     * and fine or homogenized FE solutions evaluated at test points.
     */
    class CellReference
    {
    public:
      explicit CellReference(const Problem &problem);

      /**
       * A: the FE cell problems (PeriodicCellProblem, Q2); C: the 1D cell
       * problem -D N'' = -r on [0, P) by quadrature,
       *   D N' = R - <R>,  R(y) = int_0^y r,  N with mean zero;
       * B: nothing to precompute (a*(x) is a harmonic mean).
       */
      void
      solve();

      /** A: A*_FE (the paper's formula int_Y a (delta_ij + d_i chi_j)). */
      Tensor<2, 2>
      effective_tensor() const;

      /** B: a*(x) = (int_0^1 1/a(x, y) dy)^(-1). */
      double
      effective_coefficient(double x) const;

      /** C: r* = <r N>. */
      double
      effective_reaction() const;

      /** A: chi_j(y); C: N(y) (j ignored); y in the cell [0, P)^d. */
      double
      corrector_value(unsigned int j, const std::vector<double> &y) const;

    private:
      const Problem &problem;
      struct FEData;
      std::shared_ptr<FEData> fe;
      std::vector<double>     n_values; // C: N on a grid
      double                  r_star = 0;
    };


    /**
     * Solve -div(k grad u) + c u = f (or its parabolic version for C, from
     * u = 0 to the final time) on the problem's domain with u = 0 on the
     * boundary, by DiffusionProblem with Q1 on n^dim cells, and return u at
     * @p points (physical coordinates). @p diffusion is k(x) in physical
     * coordinates; @p reaction is a muParser expression of the physical
     * coordinate "X" ("0" for none).
     *
     * DiffusionProblem works on the unit hypercube; the domain
     * [lower, upper]^dim is mapped onto it by x = lower + L xi, which turns
     * the equation into -div_xi(k / L^2 grad_xi u) + c u = f: the solver
     * sees k / L^2 and the data at x(xi).
     */
    template <int dim>
    std::vector<double>
    solve_fe(const Problem                                   &problem,
             unsigned int                                     n,
             const std::function<double(const Point<dim> &)> &diffusion,
             const std::string                               &reaction,
             const std::vector<Point<dim>>                   &points,
             MPI_Comm                                         comm,
             TimerOutput                                     &timer);
  } // namespace nh_pinn
} // namespace neuhom

#endif
