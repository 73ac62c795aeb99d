// The periodic cell problems: 1D closed forms (harmonic means), the slowly
// varying coefficient of NH-PINN experiment B against its closed form, the
// effective tensor of NH-PINN experiment A (1.93535923, independently
// computed with a finite-volume solver), symmetry and the Voigt-Reuss bounds,
// the derivative dA*/dt of a(y, t) = 1 + t alpha(y) from the energy form
// against central differences of A*(t), and a 3D smoke test with a direction
// in which a is constant.

#include <deal.II/base/function_lib.h>
#include <deal.II/base/function_parser.h>

#include <neuhom/fem/periodic_cell_problem.h>

#include <cmath>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;


template <int dim>
std::unique_ptr<FunctionParser<dim>>
parse(const std::string &expression, const std::string &variables)
{
  auto f = std::make_unique<FunctionParser<dim>>(1);
  f->initialize(variables, expression, {{"pi", numbers::PI}});
  return f;
}


void
one_dimensional()
{
  // 2 + 0.5 sin(2 pi y): a* = sqrt(4 - 1/4).
  const auto             a = parse<1>("2 + 0.5*sin(2*pi*y)", "y");
  PeriodicCellProblem<1> cell(*a, 64, 2);
  cell.solve();
  const double fe         = cell.effective_tensor()[0][0];
  const double quadrature = harmonic_mean([&](double y) {
    return a->value(Point<1>(y));
  });
  deallog << "1D 2 + sin/2: FE " << fe << ", harmonic mean " << quadrature
          << ", closed form " << std::sqrt(3.75) << std::endl;
  CHECK_THAT(std::abs(fe - std::sqrt(3.75)) < 1e-8, "FE a*");
  CHECK_THAT(std::abs(quadrature - std::sqrt(3.75)) < 1e-12, "quadrature a*");

  // The example of NH-PINN Sec. 2.2: 15 sin^2 + 1 has a* = 4 but mean 8.5.
  const double a_sin2 = harmonic_mean([](double y) {
    return 15 * std::pow(std::sin(numbers::PI * y), 2) + 1;
  });
  deallog << "1D 15 sin^2 + 1: harmonic mean " << a_sin2 << std::endl;
  CHECK_THAT(std::abs(a_sin2 - 4) < 1e-10, "a* = 4");

  // Experiment B: a(x, y) = 0.5 sin(2 pi y) + sin(x) + 2 with x frozen,
  // a*(x) = sqrt((2 + sin x)^2 - 1/4).
  double max_error = 0;
  for (const double x : {0., 0.5, numbers::PI / 2, 2.5})
    {
      FunctionParser<1> a_x(1);
      a_x.initialize("y",
                     "0.5*sin(2*pi*y) + sin(x0) + 2",
                     {{"pi", numbers::PI}, {"x0", x}});
      PeriodicCellProblem<1> cell_x(a_x, 128, 2);
      cell_x.solve();
      const double exact = std::sqrt(std::pow(2 + std::sin(x), 2) - 0.25);
      max_error =
        std::max(max_error,
                 std::abs(cell_x.effective_tensor()[0][0] - exact) / exact);
    }
  deallog << "experiment B: max relative error of a*(x) below 1e-6: "
          << (max_error < 1e-6 ? "yes" : "no") << std::endl;
  CHECK_THAT(max_error < 1e-6, "experiment B closed form");
}


void
experiment_a()
{
  const auto             a = parse<2>("2 + sin(2*pi*y1)*cos(2*pi*y2)", "y1,y2");
  PeriodicCellProblem<2> cell(*a, 64, 2);
  cell.solve();
  const Tensor<2, 2> A      = cell.effective_tensor();
  const Tensor<2, 2> energy = cell.effective_tensor_energy();
  deallog << "experiment A: A*_11 = " << A[0][0] << ", A*_22 = " << A[1][1]
          << ", |A*_12| < 1e-8: "
          << (std::abs(A[0][1]) < 1e-8 && std::abs(A[1][0]) < 1e-8 ? "yes" :
                                                                     "no")
          << ", ||chi_1|| = " << cell.corrector_l2_norm(0) << std::endl;
  CHECK_THAT(std::abs(A[0][0] - 1.93535923) < 1e-5, "A*_11");
  CHECK_THAT(std::abs(A[1][1] - 1.93535923) < 1e-5, "A*_22");
  CHECK_THAT(std::abs(A[0][1]) < 1e-8 && std::abs(A[1][0]) < 1e-8, "A*_12");
  CHECK_THAT((A - energy).norm() < 1e-6, "both formulas agree");
  CHECK_THAT(std::abs(cell.corrector_l2_norm(0) - 0.0207) < 5e-4, "||chi||");
  // Reuss <= A* <= Voigt.
  CHECK_THAT(A[0][0] > 1.8636 && A[0][0] < 2, "bounds");
  const double left  = cell.corrector_value(0, Point<2>(0, 0.3));
  const double right = cell.corrector_value(0, Point<2>(1, 0.3));
  CHECK_THAT(std::abs(left - right) < 1e-12, "periodic");
}


// dA*/dt = int_Y (da/dt) (e_i + grad chi_i) . (e_j + grad chi_j) at the
// minimizing correctors, against central differences of A*(t) (their error,
// O(dt^2), is far below the tolerance).
void
parameter_derivative()
{
  const auto alpha     = parse<2>("1 + 0.9*sin(2*pi*y1)*cos(2*pi*y2)", "y1,y2");
  const auto effective = [&](const double t) {
    const ScalarFunctionFromFunctionObject<2> a([&](const Point<2> &y) {
      return 1 + t * alpha->value(y);
    });
    PeriodicCellProblem<2>                    cell(a, 32, 2);
    cell.solve();
    return cell.effective_tensor();
  };
  const double                              t = 1.5, dt = 1e-3;
  const ScalarFunctionFromFunctionObject<2> a([&](const Point<2> &y) {
    return 1 + t * alpha->value(y);
  });
  PeriodicCellProblem<2>                    cell(a, 32, 2);
  cell.solve();
  const Tensor<2, 2> derivative = cell.energy_tensor(*alpha);
  const Tensor<2, 2> differences =
    (effective(t + dt) - effective(t - dt)) / (2 * dt);
  const double error = (derivative - differences).norm() / differences.norm();
  deallog << "dA*/dt of 1 + t alpha at t = 1.5: " << derivative[0][0]
          << ", central differences " << differences[0][0]
          << ", relative difference below 1e-6: "
          << (error < 1e-6 ? "yes" : "no") << std::endl;
  CHECK_THAT(error < 1e-6, "dA*/dt from the energy form");
}


void
three_dimensional()
{
  // a does not depend on y3: chi_3 = 0 and A*_33 = <a> = 2.
  const auto a = parse<3>("2 + sin(2*pi*y1)*cos(2*pi*y2)", "y1,y2,y3");
  PeriodicCellProblem<3> cell(*a, 8, 2);
  cell.solve();
  const Tensor<2, 3> A = cell.effective_tensor();
  deallog << "3D: A*_11 = " << A[0][0] << ", A*_33 = " << A[2][2] << std::endl;
  CHECK_THAT(std::abs(A[2][2] - 2) < 1e-10, "A*_33");
  CHECK_THAT(std::abs(A[0][0] - 1.93535923) < 1e-3, "A*_11 on a coarse mesh");
  CHECK_THAT(cell.corrector_l2_norm(2) < 1e-10, "chi_3 = 0");
}


int
main()
{
  initlog();
  deallog << std::setprecision(8);
  one_dimensional();
  experiment_a();
  parameter_derivative();
  three_dimensional();
}
