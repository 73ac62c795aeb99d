#ifndef neuhom_methods_walkers_references_h
#define neuhom_methods_walkers_references_h

#include <deal.II/base/function.h>
#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/tensor.h>

#include <neuhom/methods/walkers/nonlinearity.h>

#include <vector>

namespace neuhom
{
  namespace walkers
  {
    using namespace dealii;

    /** Subsection "References": the deal.II solutions the network meets. */
    struct ReferenceParameters
    {
      bool         homogenized           = true;
      unsigned int homogenized_cells     = 200;
      unsigned int cell_problem_cells    = 32;
      unsigned int solution_table_points = 17;
      unsigned int evaluation_cells      = 500;
      unsigned int validation_cells      = 50;
      double       newton_tolerance      = 1e-10;

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);
    };


    /**
     * The homogenized coefficient A*(s) of a(y, s) = c + alpha(eps y) s^2
     * (or alpha(eps y) in the linear case) for an eps-periodic alpha: the
     * periodic cell problems (PeriodicCellProblem, Q2) of a(., s) on the unit
     * cell at n_s equidistant values s in [0, s_max], with d(A*)/ds from the
     * same correctors (PeriodicCellProblem::energy_tensor of da/ds), and
     * interpolated in |s| (a depends on s^2) by cubic Hermite polynomials;
     * linear with the end slope beyond s_max. The homogenized problem of
     * -div(a(x/eps, u) grad u) = f is -div(A*(u) grad u) = f.
     */
    class HomogenizedCoefficient
    {
    public:
      HomogenizedCoefficient(const Function<2>  &alpha,
                             double              eps,
                             const Nonlinearity &nonlinearity,
                             unsigned int        cell_problem_cells,
                             double              s_max,
                             unsigned int        n_s);

      /** A*(u) and its derivative d(A*)/du, the form
       * QuasilinearDiffusionProblem takes. */
      void
      operator()(double u, Tensor<2, 2> &K, Tensor<2, 2> &dK_du) const;

      /** A*(s). */
      Tensor<2, 2>
      value(double s) const;

    private:
      std::vector<double>       s;
      std::vector<Tensor<2, 2>> A;
      std::vector<Tensor<2, 2>> dA_ds;
    };


    /**
     * sqrt(sum (u - r)^2 / sum r^2) over the values at the same points:
     * the paper's relative L2 error on an equidistant grid.
     */
    double
    relative_l2_difference(const std::vector<double> &u,
                           const std::vector<double> &reference);
  } // namespace walkers
} // namespace neuhom

#endif
