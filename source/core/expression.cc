#include <deal.II/base/utilities.h>

#include <neuhom/core/expression.h>
#include <neuhom/core/input_error.h>

#include <iostream>
#include <regex>
#include <sstream>

namespace neuhom
{
  bool
  uses_time(const std::string &expression)
  {
    static const std::regex t_variable("(^|[^A-Za-z0-9_])t([^A-Za-z0-9_]|$)");
    return std::regex_search(expression, t_variable);
  }


  std::map<std::string, double>
  parse_constants(const std::string &text, const std::string &entry)
  {
    std::map<std::string, double> constants;
    for (const auto &item : Utilities::split_string_list(text, ','))
      {
        const auto pair = Utilities::split_string_list(item, '=');
        require(pair.size() == 2,
                entry,
                "expected 'name=value' pairs separated by commas, got '" +
                  item + "'");
        try
          {
            constants[pair[0]] = Utilities::string_to_double(pair[1]);
          }
        catch (...)
          {
            throw InputError("entry '" + entry + "': '" + pair[1] +
                             "' is not a number");
          }
      }
    return constants;
  }


  template <int dim>
  std::string
  spatial_variables(const bool with_time)
  {
    const std::string names[] = {"x", "x,y", "x,y,z"};
    return names[dim - 1] + (with_time ? ",t" : "");
  }


  template <int dim>
  std::unique_ptr<FunctionParser<dim>>
  make_parser(const std::string                   &expression,
              const std::map<std::string, double> &constants,
              const std::string                   &entry,
              const std::string                   &variables)
  {
    require(!expression.empty(), entry, "the expression must not be empty");
    const bool        time_dependent = uses_time(expression);
    const std::string names          = variables.empty() ?
                                         spatial_variables<dim>(time_dependent) :
                                         variables + (time_dependent ? ",t" : "");
    auto              with_pi        = constants;
    with_pi.emplace("pi", numbers::PI);
    with_pi.emplace("Pi", numbers::PI);

    // deal.II prints muParser's diagnostics to std::cerr before it throws;
    // the InputError below says the same once, so silence them here.
    struct SilenceCerr
    {
      std::ostringstream sink;
      std::streambuf    *saved = std::cerr.rdbuf(sink.rdbuf());
      ~SilenceCerr()
      {
        std::cerr.rdbuf(saved);
      }
    };
    auto parser = std::make_unique<FunctionParser<dim>>(1);
    try
      {
        SilenceCerr silence;
        parser->initialize(names, expression, with_pi, time_dependent);
        parser->value(Point<dim>());
      }
    catch (const ExceptionBase &e)
      {
        std::ostringstream info;
        e.print_info(info);
        const std::string message =
          std::regex_replace(info.str(), std::regex("\\s+"), " ");
        throw InputError("entry '" + entry + "': cannot evaluate '" +
                         expression + "' with variables " + names + ":" +
                         message);
      }
    return parser;
  }


  template std::string
  spatial_variables<1>(bool);
  template std::string
  spatial_variables<2>(bool);
  template std::string
  spatial_variables<3>(bool);
  template std::unique_ptr<FunctionParser<1>>
  make_parser<1>(const std::string &,
                 const std::map<std::string, double> &,
                 const std::string &,
                 const std::string &);
  template std::unique_ptr<FunctionParser<2>>
  make_parser<2>(const std::string &,
                 const std::map<std::string, double> &,
                 const std::string &,
                 const std::string &);
  template std::unique_ptr<FunctionParser<3>>
  make_parser<3>(const std::string &,
                 const std::map<std::string, double> &,
                 const std::string &,
                 const std::string &);
} // namespace neuhom
