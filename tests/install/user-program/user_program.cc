// A user's program: create a registered coefficient from a prm string.
#include <neuhom/core/coefficient.h>

#include <iostream>

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
                              "end\n");
  const auto a = neuhom::CoefficientFactory::create<2>(prm);
  std::cout << "user program: a(0.125, 0.125) = "
            << a->value(dealii::Point<2>(0.125, 0.125)) << std::endl;
}
