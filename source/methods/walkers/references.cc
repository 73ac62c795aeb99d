#include <deal.II/base/function.h>

#include <neuhom/core/input_error.h>
#include <neuhom/fem/periodic_cell_problem.h>
#include <neuhom/methods/walkers/references.h>

#include <cmath>

namespace neuhom
{
  namespace walkers
  {
    void
    ReferenceParameters::declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("References");
      prm.declare_entry("Homogenized reference",
                        "true",
                        Patterns::Bool(),
                        "Also solve the homogenized problem -div(A*(u) grad u) "
                        "= f (needs an eps-periodic coefficient).");
      prm.declare_entry("Homogenized cells per direction",
                        "200",
                        Patterns::Integer(2, 4096),
                        "Q1 mesh of the homogenized problem.");
      prm.declare_entry("Cell problem cells per direction",
                        "32",
                        Patterns::Integer(2, 512),
                        "Q2 mesh of the periodic cell problems.");
      prm.declare_entry("Solution table points",
                        "17",
                        Patterns::Integer(2, 1000),
                        "Nonlinear case: A*(s) is computed at this many s in "
                        "[0, 1.2 max |u_fine|] and interpolated by cubic "
                        "Hermite polynomials (with dA*/ds).");
      prm.declare_entry("Evaluation cells per direction",
                        "500",
                        Patterns::Integer(1, 10000),
                        "Errors on the (n+1)^2 grid points i/n (the paper: "
                        "501 x 501).");
      prm.declare_entry("Validation cells per direction",
                        "50",
                        Patterns::Integer(1, 10000),
                        "Grid of the error curve written into the training "
                        "history at every 'Training/Validation interval'.");
      prm.declare_entry("Newton tolerance",
                        "1e-10",
                        Patterns::Double(1e-16, 1e-2),
                        "Relative residual reduction of the nonlinear "
                        "reference solves.");
      prm.leave_subsection();
    }


    void
    ReferenceParameters::parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("References");
      homogenized        = prm.get_bool("Homogenized reference");
      homogenized_cells  = prm.get_integer("Homogenized cells per direction");
      cell_problem_cells = prm.get_integer("Cell problem cells per direction");
      solution_table_points = prm.get_integer("Solution table points");
      evaluation_cells      = prm.get_integer("Evaluation cells per direction");
      validation_cells      = prm.get_integer("Validation cells per direction");
      newton_tolerance      = prm.get_double("Newton tolerance");
      prm.leave_subsection();
    }


    HomogenizedCoefficient::HomogenizedCoefficient(
      const Function<2>  &alpha,
      const double        eps,
      const Nonlinearity &nonlinearity,
      const unsigned int  cells,
      const double        s_max,
      const unsigned int  n_s)
    {
      const unsigned int n = nonlinearity.quadratic ? std::max(n_s, 2u) : 1;
      for (unsigned int k = 0; k < n; ++k)
        {
          const double sk = (n == 1 ? 0. : s_max * k / (n - 1));
          const ScalarFunctionFromFunctionObject<2> cell_coefficient(
            [&](const Point<2> &y) {
              return nonlinearity.value(alpha.value(Point<2>(eps * y)), sk);
            });
          const ScalarFunctionFromFunctionObject<2> cell_coefficient_derivative(
            [&](const Point<2> &y) {
              return nonlinearity.derivative(alpha.value(Point<2>(eps * y)),
                                             sk);
            });
          PeriodicCellProblem<2> cell(cell_coefficient, cells, 2);
          cell.solve();
          s.push_back(sk);
          A.push_back(cell.effective_tensor());
          dA_ds.push_back(cell.energy_tensor(cell_coefficient_derivative));
        }
    }


    Tensor<2, 2>
    HomogenizedCoefficient::value(const double u) const
    {
      Tensor<2, 2> K, dK;
      (*this)(u, K, dK);
      return K;
    }


    void
    HomogenizedCoefficient::operator()(const double  u,
                                       Tensor<2, 2> &K,
                                       Tensor<2, 2> &dK_du) const
    {
      dK_du = 0;
      if (s.size() == 1)
        {
          K = A[0];
          return;
        }
      const double sign = (u < 0 ? -1. : 1.);
      const double h    = s[1] - s[0];
      if (std::abs(u) >= s.back())
        {
          // Beyond the table: linear with the slope at its end.
          K     = A.back() + (std::abs(u) - s.back()) * dA_ds.back();
          dK_du = sign * dA_ds.back();
          return;
        }
      // Cubic Hermite interpolation of A* and dA*/ds, with an error of order
      // h^4 (piecewise linear: h^2, 1e-3 in the homogenized solution with the
      // 17 default points) and a continuous derivative for Newton.
      const unsigned int k =
        std::min<unsigned int>(std::abs(u) / h, s.size() - 2);
      const double t   = (std::abs(u) - s[k]) / h;
      const double h00 = (1 + 2 * t) * (1 - t) * (1 - t),
                   h10 = t * (1 - t) * (1 - t), h01 = t * t * (3 - 2 * t),
                   h11 = t * t * (t - 1);
      const double d00 = 6 * t * (t - 1) / h, d10 = (1 - t) * (1 - 3 * t) / h,
                   d01 = -d00, d11 = t * (3 * t - 2) / h;
      K = h00 * A[k] + h10 * h * dA_ds[k] + h01 * A[k + 1] +
          h11 * h * dA_ds[k + 1];
      dK_du = sign * (d00 * A[k] + d10 * h * dA_ds[k] + d01 * A[k + 1] +
                      d11 * h * dA_ds[k + 1]);
    }


    double
    relative_l2_difference(const std::vector<double> &u,
                           const std::vector<double> &reference)
    {
      AssertDimension(u.size(), reference.size());
      double difference = 0, norm = 0;
      for (std::size_t i = 0; i < u.size(); ++i)
        {
          difference += (u[i] - reference[i]) * (u[i] - reference[i]);
          norm += reference[i] * reference[i];
        }
      return std::sqrt(difference / norm);
    }
  } // namespace walkers
} // namespace neuhom
