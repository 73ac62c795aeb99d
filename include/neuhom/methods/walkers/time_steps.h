#ifndef neuhom_methods_walkers_time_steps_h
#define neuhom_methods_walkers_time_steps_h

#include <deal.II/base/parameter_handler.h>

#include <string>
#include <vector>

namespace neuhom
{
  namespace walkers
  {
    using namespace dealii;

    /**
     * kappa(d) = E|Z| for Z ~ N(0, I_d), the mean of the chi distribution:
     * sqrt(2) Gamma((d+1)/2) / Gamma(d/2). A Brownian increment over dt has
     * mean length kappa(d) sqrt(dt).
     */
    double
    kappa(unsigned int d);

    /**
     * Upper bound of the micro step (Han & Lee, Eq. 21): the mean step length
     * resolves eps / m0, dt <= (eps / m0)^2 / kappa(d)^2.
     */
    double
    micro_step_bound(double eps, double m0, unsigned int d);

    /**
     * Lower bound of the macro step (Eq. 23): a walker reaches the
     * circumradius sqrt(d) eps / 2 of the eps-cell, Dt >= d eps^2 /
     * (4 kappa(d)^2).
     */
    double
    macro_step_bound(double eps, unsigned int d);

    /**
     * Subsection "Time steps": micro step dt, macro step Dt = K dt. Entries
     * left at 0 are chosen from eps by the two bounds; a user's choice that
     * violates a bound is kept, with a warning.
     */
    struct TimeStepParameters
    {
      double       micro_step          = 0;
      unsigned int micro_steps         = 0;
      double       macro_step          = 0;
      double       resolution          = 12;
      double       macro_eps_factor    = 1;
      double       initial_factor      = 1;
      unsigned int schedule_iterations = 0;

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);
    };

    /** The steps of a run, and what was wrong with a user's choice. */
    struct TimeSteps
    {
      double                   micro_step;
      unsigned int             micro_steps;
      double                   micro_step_bound;
      double                   macro_step_bound;
      std::vector<std::string> warnings;
      double                   initial_factor      = 1;
      unsigned int             schedule_iterations = 0;

      double
      macro_step() const
      {
        return micro_steps * micro_step;
      }

      /**
       * The micro steps of iteration n of the macro-step schedule:
       * round(K F^(1 - n/N)) for n < N (F the initial factor, N the
       * schedule iterations), K afterwards. dt does not change, so the
       * walkers keep resolving eps while Dt starts F times larger.
       */
      unsigned int
      micro_steps_at(unsigned int iteration) const;
    };

    /**
     * The micro step dt = prm if given, else the bound
     * dt_max(m0; eps); the number of micro steps K = prm if given, else the
     * smallest K with K dt >= Dt, Dt the given macro step or else
     * Dt_min(factor * eps). Warnings: dt above its bound, K dt below the
     * macro bound.
     */
    TimeSteps
    choose_time_steps(const TimeStepParameters &parameters,
                      double                    eps,
                      unsigned int              d);
  } // namespace walkers
} // namespace neuhom

#endif
