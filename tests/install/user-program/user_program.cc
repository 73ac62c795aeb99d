// A user's program against the installed library: it registers a coefficient
// type of its own (the example of doc/extending.md) and creates both a
// built-in and its own type through the registry from a prm string.
#include <neuhom/core/coefficient.h>

#include <cmath>
#include <iostream>

template <int dim>
class Inclusions : public neuhom::Coefficient<dim>
{
public:
  explicit Inclusions(double eps)
    : eps(eps)
  {}

  static void
  declare_parameters(dealii::ParameterHandler &prm)
  {
    prm.declare_entry("Contrast",
                      "100",
                      dealii::Patterns::Double(1.),
                      "Value inside the inclusions (1 outside).");
  }
  void
  parse_parameters(dealii::ParameterHandler &prm)
  {
    contrast = prm.get_double("Contrast");
  }
  double
  value(const dealii::Point<dim> &p, unsigned int = 0) const override
  {
    // a disk of radius eps/4 in every eps-cell
    dealii::Point<dim> y;
    for (unsigned int d = 0; d < dim; ++d)
      y[d] = p[d] / eps - std::floor(p[d] / eps) - 0.5;
    return y.norm() < 0.25 ? contrast : 1.;
  }
  double
  feature_size() const override
  {
    return eps / 2;
  }

private:
  const double eps;
  double       contrast = 100;
};

NEUHOM_REGISTER_COEFFICIENT(Inclusions,
                            "inclusions",
                            "disks of high conductivity")


int
main()
{
  dealii::ParameterHandler prm;
  neuhom::CoefficientFactory::declare_parameters(prm);
  prm.parse_input_from_string("subsection Coefficient\n"
                              "  set Epsilon = 0.5\n"
                              "  subsection Periodic expression\n"
                              "    set Function expression = 2 + "
                              "sin(2*pi*x/eps)*sin(2*pi*y/eps)\n"
                              "  end\n"
                              "  subsection Inclusions\n"
                              "    set Contrast = 7\n"
                              "  end\n"
                              "end\n");
  const auto a = neuhom::CoefficientFactory::create<2>(prm);
  std::cout << "user program: a(0.125, 0.125) = "
            << a->value(dealii::Point<2>(0.125, 0.125)) << std::endl;

  prm.parse_input_from_string("subsection Coefficient\n"
                              "  set Type = inclusions\n"
                              "end\n");
  const auto b = neuhom::CoefficientFactory::create<3>(prm);
  std::cout << "user program: inclusions " << b->value({0.25, 0.25, 0.25})
            << ' ' << b->value({0.5, 0.5, 0.5}) << std::endl;
}
