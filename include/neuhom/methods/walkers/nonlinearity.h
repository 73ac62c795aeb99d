#ifndef neuhom_methods_walkers_nonlinearity_h
#define neuhom_methods_walkers_nonlinearity_h

#include <deal.II/base/parameter_handler.h>

#include <string>

namespace neuhom
{
  namespace walkers
  {
    using namespace dealii;

    /**
     * Subsection "Nonlinearity": how the diffusion coefficient a(x, u) of
     * -div(a grad u) = f is built from the coefficient alpha(x) of subsection
     * "Coefficient": linear, a = alpha; quadratic, a = c + alpha u^2 (Han &
     * Lee, Eq. 26, with c = 1).
     */
    struct Nonlinearity
    {
      bool   quadratic = false;
      double constant  = 1;

      static void
      declare_parameters(ParameterHandler &prm)
      {
        prm.enter_subsection("Nonlinearity");
        prm.declare_entry("Type",
                          "linear",
                          Patterns::Selection("linear|quadratic"),
                          "linear: a(x, u) = alpha(x); quadratic: a(x, u) = "
                          "c + alpha(x) u^2 with alpha the coefficient.");
        prm.declare_entry("Constant",
                          "1",
                          Patterns::Double(0.),
                          "c of the quadratic coefficient (c > 0 keeps it "
                          "elliptic).");
        prm.leave_subsection();
      }

      void
      parse_parameters(ParameterHandler &prm)
      {
        prm.enter_subsection("Nonlinearity");
        quadratic = prm.get("Type") == "quadratic";
        constant  = prm.get_double("Constant");
        prm.leave_subsection();
      }

      double
      value(const double alpha, const double u) const
      {
        return quadratic ? constant + alpha * u * u : alpha;
      }

      /** d a / d u */
      double
      derivative(const double alpha, const double u) const
      {
        return quadratic ? 2. * alpha * u : 0.;
      }
    };
  } // namespace walkers
} // namespace neuhom

#endif
