#include <deal.II/base/utilities.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/core/input_error.h>

#include <cctype>
#include <cmath>
#include <sstream>

namespace neuhom
{
  template <int dim>
  void
  Coefficient<dim>::set_parameters(const std::vector<double> &p)
  {
    if (!p.empty())
      throw InputError("this coefficient takes no parameters, but " +
                       std::to_string(p.size()) + " were given");
  }


  template <int dim>
  void
  check_positivity(const Coefficient<dim> &coefficient, unsigned int n)
  {
    n                           = std::min(n, dim == 2 ? 1024u : 96u);
    const unsigned int n_points = Utilities::fixed_power<dim>(n);
    for (unsigned int i = 0; i < n_points; ++i)
      {
        Point<dim>   x;
        unsigned int rest = i;
        for (unsigned int d = 0; d < dim; ++d, rest /= n)
          x[d] = (rest % n + 0.5) / n;
        const double a = coefficient.value(x);
        if (!(a > 0) || !std::isfinite(a))
          {
            std::ostringstream where;
            where << x;
            throw InputError("Coefficient: the coefficient is not positive "
                             "and finite: a(" +
                             where.str() + ") = " + to_text(a));
          }
      }
  }


  namespace
  {
    struct RegisteredType
    {
      std::string                           description;
      CoefficientFactory::DeclareFunction   declare;
      CoefficientFactory::CreateFunction<1> create_1d;
      CoefficientFactory::CreateFunction<2> create_2d;
      CoefficientFactory::CreateFunction<3> create_3d;
    };

    // A function-local static: registration objects in other translation
    // units may run before any namespace-scope map would be constructed.
    std::map<std::string, RegisteredType> &
    registry()
    {
      static std::map<std::string, RegisteredType> types;
      return types;
    }

    std::string
    subsection_name(std::string name)
    {
      name[0] = std::toupper(name[0]);
      return name;
    }
  } // namespace


  void
  CoefficientFactory::register_type(const std::string &name,
                                    const std::string &description,
                                    DeclareFunction    declare,
                                    CreateFunction<1>  create_1d,
                                    CreateFunction<2>  create_2d,
                                    CreateFunction<3>  create_3d)
  {
    registry()[name] = {description, declare, create_1d, create_2d, create_3d};
  }


  std::vector<std::string>
  CoefficientFactory::registered_names()
  {
    std::vector<std::string> names;
    for (const auto &[name, type] : registry())
      names.push_back(name);
    return names;
  }


  void
  CoefficientFactory::declare_parameters(ParameterHandler &prm)
  {
    std::string names, descriptions;
    for (const auto &[name, type] : registry())
      {
        names += (names.empty() ? "" : "|") + name;
        descriptions += "\n  '" + name + "': " + type.description;
      }

    prm.enter_subsection("Coefficient");
    {
      prm.declare_entry("Type",
                        "periodic expression",
                        Patterns::Selection(names),
                        "The multiscale coefficient a(x). One of:" +
                          descriptions);
      prm.declare_entry(
        "Epsilon",
        "0.03125",
        Patterns::Double(0., 1.),
        "The oscillation scale eps of the coefficient (the period of "
        "periodic expressions, the cell size of random grids). For grid "
        "based types 1/eps must be an integer. Available as 'eps' in "
        "expressions.");
      for (const auto &[name, type] : registry())
        {
          prm.enter_subsection(subsection_name(name));
          type.declare(prm);
          prm.leave_subsection();
        }
    }
    prm.leave_subsection();
  }


  template <int dim>
  std::unique_ptr<Coefficient<dim>>
  CoefficientFactory::create(ParameterHandler &prm)
  {
    prm.enter_subsection("Coefficient");
    const std::string name = prm.get("Type");
    const double      eps  = prm.get_double("Epsilon");
    require(eps > 0, "Coefficient/Epsilon", "must be positive");
    const auto type = registry().find(name);
    require(type != registry().end(),
            "Coefficient/Type",
            "'" + name + "' is not a registered coefficient type");

    prm.enter_subsection(subsection_name(name));
    std::unique_ptr<Coefficient<dim>> coefficient;
    try
      {
        if constexpr (dim == 1)
          coefficient = type->second.create_1d(prm, eps);
        else if constexpr (dim == 2)
          coefficient = type->second.create_2d(prm, eps);
        else
          coefficient = type->second.create_3d(prm, eps);
      }
    catch (const InputError &e)
      {
        prm.leave_subsection();
        prm.leave_subsection();
        throw InputError("Coefficient/" + subsection_name(name) + ": " +
                         e.what());
      }
    prm.leave_subsection();
    prm.leave_subsection();
    return coefficient;
  }


  template void
  check_positivity(const Coefficient<1> &, unsigned int);
  template void
  check_positivity(const Coefficient<2> &, unsigned int);
  template void
  check_positivity(const Coefficient<3> &, unsigned int);
  template class Coefficient<1>;
  template class Coefficient<2>;
  template class Coefficient<3>;
  template std::unique_ptr<Coefficient<1>>
  CoefficientFactory::create<1>(ParameterHandler &);
  template std::unique_ptr<Coefficient<2>>
  CoefficientFactory::create<2>(ParameterHandler &);
  template std::unique_ptr<Coefficient<3>>
  CoefficientFactory::create<3>(ParameterHandler &);
  std::vector<double>
  cell_centre_values(const Function<2> &function, const unsigned int n)
  {
    std::vector<double> values(n * n);
    for (unsigned int y = 0; y < n; ++y)
      for (unsigned int x = 0; x < n; ++x)
        values[x + n * y] =
          function.value(Point<2>((x + 0.5) / n, (y + 0.5) / n));
    return values;
  }
} // namespace neuhom
