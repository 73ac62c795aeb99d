#ifndef neuhom_core_expression_h
#define neuhom_core_expression_h

#include <deal.II/base/function_parser.h>

#include <map>
#include <memory>
#include <string>

namespace neuhom
{
  using namespace dealii;

  /** Whether the muParser expression uses the variable t. */
  bool
  uses_time(const std::string &expression);

  /**
   * Parse "name=value, name=value" into constants for a FunctionParser.
   * @p entry names the prm entry in error messages.
   */
  std::map<std::string, double>
  parse_constants(const std::string &text, const std::string &entry);

  /** "x", "x,y" or "x,y,z", with ",t" appended when @p with_time. */
  template <int dim>
  std::string
  spatial_variables(bool with_time);

  /**
   * A FunctionParser for @p expression, evaluated once so that syntax errors
   * and unknown variables surface as an InputError naming @p entry while the
   * prm is parsed, not in the middle of an assembly loop. The parser is time
   * dependent (t as the last variable) when the expression uses t.
   */
  template <int dim>
  std::unique_ptr<FunctionParser<dim>>
  make_parser(const std::string                   &expression,
              const std::map<std::string, double> &constants,
              const std::string                   &entry,
              const std::string                   &variables = "");
} // namespace neuhom

#endif
