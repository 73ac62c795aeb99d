#ifndef neuhom_core_progress_h
#define neuhom_core_progress_h

#include <deal.II/base/conditional_ostream.h>
#include <deal.II/base/timer.h>

#include <string>

namespace neuhom
{
  using namespace dealii;

  /**
   * Progress lines for long loops (time steps, training iterations):
   * "  label 40/100  <details>  elapsed 12.1 s  left 18.2 s", printed by rank 0
   * at most every @p interval seconds, and always for the last item.
   */
  class Progress
  {
  public:
    Progress(const ConditionalOStream &out,
             const std::string        &label,
             unsigned int              total,
             double                    interval = 2.);

    /** Item @p done (1-based) of the total has finished. */
    void
    update(unsigned int done, const std::string &details = "");

  private:
    const ConditionalOStream &out;
    const std::string         label;
    const unsigned int        total;
    const double              interval;
    Timer                     timer;
    double                    last_print = 0;
  };
} // namespace neuhom

#endif
