#include <neuhom/core/input_error.h>
#include <neuhom/methods/walkers/time_steps.h>

#include <cmath>
#include <sstream>

namespace neuhom
{
  namespace walkers
  {
    namespace
    {
      // The most micro steps per macro step, given or implied by Dt.
      constexpr unsigned int max_micro_steps = 100000;
    } // namespace

    double
    kappa(const unsigned int d)
    {
      return std::sqrt(2.) *
             std::exp(std::lgamma(0.5 * (d + 1)) - std::lgamma(0.5 * d));
    }


    double
    micro_step_bound(const double eps, const double m0, const unsigned int d)
    {
      const double r = eps / m0 / kappa(d);
      return r * r;
    }


    double
    macro_step_bound(const double eps, const unsigned int d)
    {
      const double k = kappa(d);
      return d * eps * eps / (4. * k * k);
    }


    void
    TimeStepParameters::declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Time steps");
      prm.declare_entry("Micro step",
                        "0",
                        Patterns::Double(0.),
                        "Euler-Maruyama step dt of the walkers; 0: the bound "
                        "(eps/m0)^2/kappa(d)^2 of Han & Lee, Eq. 21.");
      prm.declare_entry(
        "Micro steps per macro step",
        "0",
        Patterns::Integer(0, max_micro_steps),
        "K, the macro step is Dt = K dt; 0: from Macro step if that is "
        "set, else the smallest K with Dt >= d (f eps)^2/(4 kappa(d)^2) "
        "(Eq. 23, f = Macro step eps factor). K = d m0^2/4 (72 in 2D) "
        "when dt is the bound and f = 1.");
      prm.declare_entry(
        "Macro step",
        "0",
        Patterns::Double(0.),
        "Dt as a time: K is the smallest number of micro steps with K dt >= "
        "Dt. 0: K from the other entries. The bound of Eq. 23 is a lower "
        "one; a larger Dt needs proportionally fewer target updates to "
        "converge (the fixed-point iteration contracts like "
        "exp(-lambda_1 Dt) per target), at a cost per target proportional "
        "to K. With Walkers/Estimator = drift it adds no weight variance.");
      prm.declare_entry("Resolution m0",
                        "12",
                        Patterns::Double(1.),
                        "m0 in the micro-step bound: a mean step resolves "
                        "eps/m0.");
      prm.declare_entry("Macro step eps factor",
                        "1",
                        Patterns::Double(0.1),
                        "f: the macro-step bound uses f eps (the paper takes 2 "
                        "for its random field).");
      prm.declare_entry(
        "Initial macro step factor",
        "1",
        Patterns::Double(1., 1000.),
        "F >= 1: the first iteration takes F K micro steps (dt unchanged), "
        "and the factor decays geometrically to 1 over the schedule "
        "iterations. A bootstrap sweep moves the boundary information about "
        "sqrt(Dt) inward, so a larger macro step while the network is far "
        "from the solution needs fewer iterations (not in the paper; the "
        "bound on Dt is only a lower one). 1: the paper's fixed Dt.");
      prm.declare_entry("Macro step schedule iterations",
                        "0",
                        Patterns::Integer(0),
                        "N: the iterations over which the macro-step factor "
                        "decays from F to 1.");
      prm.leave_subsection();
    }


    void
    TimeStepParameters::parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Time steps");
      micro_step  = prm.get_double("Micro step");
      micro_steps = prm.get_integer("Micro steps per macro step");
      macro_step  = prm.get_double("Macro step");
      require(micro_steps == 0 || macro_step == 0,
              "Time steps/Macro step",
              "and 'Micro steps per macro step' both set the macro step; "
              "set one of them to 0");
      resolution          = prm.get_double("Resolution m0");
      macro_eps_factor    = prm.get_double("Macro step eps factor");
      initial_factor      = prm.get_double("Initial macro step factor");
      schedule_iterations = prm.get_integer("Macro step schedule iterations");
      prm.leave_subsection();
    }


    TimeSteps
    choose_time_steps(const TimeStepParameters &parameters,
                      const double              eps,
                      const unsigned int        d)
    {
      require(eps > 0,
              "Coefficient/eps",
              "must be positive: the walkers' steps are chosen from it");
      TimeSteps steps;
      steps.initial_factor      = parameters.initial_factor;
      steps.schedule_iterations = parameters.schedule_iterations;
      steps.micro_step_bound = micro_step_bound(eps, parameters.resolution, d);
      steps.macro_step_bound =
        macro_step_bound(parameters.macro_eps_factor * eps, d);
      steps.micro_step = parameters.micro_step > 0 ? parameters.micro_step :
                                                     steps.micro_step_bound;
      if (parameters.micro_steps > 0)
        steps.micro_steps = parameters.micro_steps;
      else
        {
          const double macro_step = parameters.macro_step > 0 ?
                                      parameters.macro_step :
                                      steps.macro_step_bound;
          // The relative slack guards against K dt rounding just below Dt.
          const double K =
            std::max(1.,
                     std::ceil(macro_step / steps.micro_step * (1 - 1e-12)));
          std::ostringstream what;
          what << "Dt = " << macro_step << " needs " << K
               << " micro steps of dt = " << steps.micro_step
               << " per target, more than " << max_micro_steps
               << "; choose a smaller macro step or a larger micro step";
          require(K <= max_micro_steps,
                  parameters.macro_step > 0 ?
                    "Time steps/Macro step" :
                    "Time steps/Macro step eps factor",
                  what.str());
          steps.micro_steps = static_cast<unsigned int>(K);
        }

      std::ostringstream w;
      if (steps.micro_step > steps.micro_step_bound)
        {
          w << "Time steps/Micro step = " << steps.micro_step
            << " exceeds the bound (eps/m0)^2/kappa^2 = "
            << steps.micro_step_bound << " (eps = " << eps
            << ", m0 = " << parameters.resolution
            << "): the path integrals do not resolve the coefficient";
          steps.warnings.push_back(w.str());
        }
      if (steps.macro_step() < steps.macro_step_bound * (1 - 1e-12))
        {
          w.str("");
          w << "Time steps: the macro step K dt = " << steps.macro_step()
            << " is below the bound d eps^2/(4 kappa^2) = "
            << steps.macro_step_bound
            << ": the walkers do not explore an eps-cell";
          steps.warnings.push_back(w.str());
        }
      return steps;
    }


    unsigned int
    TimeSteps::micro_steps_at(const unsigned int iteration) const
    {
      if (iteration >= schedule_iterations || initial_factor <= 1)
        return micro_steps;
      const double factor =
        std::pow(initial_factor, 1. - double(iteration) / schedule_iterations);
      return std::max(micro_steps,
                      static_cast<unsigned int>(
                        std::lround(factor * micro_steps)));
    }
  } // namespace walkers
} // namespace neuhom
