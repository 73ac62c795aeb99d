#ifndef neuhom_core_input_error_h
#define neuhom_core_input_error_h

#include <sstream>
#include <stdexcept>
#include <string>

namespace neuhom
{
  /**
   * The one exception type for invalid user input: parameter values that are
   * out of range or inconsistent, data files that are missing or malformed.
   * The step programs catch it, print its message and exit with a non-zero
   * code before any output has been written.
   */
  class InputError : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /** A number as a person writes it in a prm file: 0.0625, 2.5, 1e-08. */
  inline std::string
  to_text(const double value)
  {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  /**
   * Throw an InputError unless @p condition holds. The message names the
   * parameter entry (e.g. "Mesh/Fine cells per direction") and says what is
   * allowed.
   */
  inline void
  require(const bool         condition,
          const std::string &entry,
          const std::string &what)
  {
    if (!condition)
      throw InputError("entry '" + entry + "': " + what);
  }
} // namespace neuhom

#endif
