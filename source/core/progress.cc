#include <neuhom/core/progress.h>

#include <iomanip>
#include <sstream>

namespace neuhom
{
  Progress::Progress(const ConditionalOStream &out,
                     const std::string        &label,
                     const unsigned int        total,
                     const double              interval)
    : out(out)
    , label(label)
    , total(total)
    , interval(interval)
  {}


  void
  Progress::update(const unsigned int done, const std::string &details)
  {
    const double elapsed = timer.wall_time();
    if (elapsed - last_print < interval && done < total)
      return;
    last_print = elapsed;

    std::ostringstream line;
    line << "  " << label << ' ' << done << '/' << total;
    if (!details.empty())
      line << "  " << details;
    line << std::fixed << std::setprecision(1) << "  elapsed " << elapsed
         << " s";
    if (done > 0 && done < total)
      line << "  left " << elapsed / done * (total - done) << " s";
    out << line.str() << std::endl;
  }
} // namespace neuhom
