#include <neuhom/core/input_error.h>
#include <neuhom/methods/nh_pinn/problem.h>

namespace neuhom
{
  namespace nh_pinn
  {
    void
    Problem::declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Problem");
      prm.declare_entry("Experiment",
                        "A",
                        Patterns::Selection("A|B|C"),
                        "A: 2D elliptic, a = 2 + sin(2 pi y1) cos(2 pi y2), "
                        "f = sin x1 + cos x2 on [0,1]^2. B: 1D elliptic, a = "
                        "0.5 sin(2 pi y) + sin x + 2, f = sin x on [0,pi]. "
                        "C: 1D diffusion-reaction u_t - D u'' + r(x/eps)/eps "
                        "u = sin(2 pi x) on [-pi,pi], u(x,0) = 0 (C1: eps = "
                        "1/10, C2: eps = 1/50). y = x/eps, u = 0 on the "
                        "boundary.");
      prm.declare_entry("Epsilon",
                        "0.125",
                        Patterns::Double(0.),
                        "The period eps of the fine scale (paper: 1/8 for A "
                        "and B, 1/10 and 1/50 for C).");
      prm.declare_entry("Diffusion",
                        "2",
                        Patterns::Double(0.),
                        "C: the constant D.");
      prm.declare_entry("Final time",
                        "1",
                        Patterns::Double(0.),
                        "C: T (not given in the paper; errors at t = T).");
      prm.declare_entry("Reaction period",
                        "1",
                        Patterns::Selection("1|2 pi"),
                        "C: period P of r(y) = cos(2 pi y / P): 1 (the unit "
                        "cell of the paper's appendix) or 2 pi (the literal "
                        "r = cos(x/eps) of the text).");
      prm.declare_entry("Fine cells per direction",
                        "512",
                        Patterns::Integer(8),
                        "Q1 cells per direction of the fine FE reference "
                        "u_eps and of the homogenized FE solutions v, w.");
      prm.declare_entry("Time steps",
                        "1000",
                        Patterns::Integer(1),
                        "C: Crank-Nicolson steps of the FE references.");
      prm.declare_entry("Cell FE cells per direction",
                        "64",
                        Patterns::Integer(2),
                        "A: Q2 cells per direction of the FE cell problems.");
      prm.leave_subsection();
    }


    void
    Problem::parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Problem");
      const std::string experiment = prm.get("Experiment");
      type                         = experiment == "A" ? Type::A :
                                     experiment == "B" ? Type::B :
                                                         Type::C;
      epsilon                      = prm.get_double("Epsilon");
      diffusion                    = prm.get_double("Diffusion");
      final_time                   = prm.get_double("Final time");
      reaction_period = prm.get("Reaction period") == "1" ? 1. : 2 * M_PI;
      fine_cells      = prm.get_integer("Fine cells per direction");
      time_steps      = prm.get_integer("Time steps");
      cell_fe_cells   = prm.get_integer("Cell FE cells per direction");
      prm.leave_subsection();

      require(epsilon > 0 && epsilon <= 0.5,
              "Problem/Epsilon",
              "must be in (0, 0.5]");
      require(diffusion > 0, "Problem/Diffusion", "must be positive");
      require(final_time > 0, "Problem/Final time", "must be positive");
      // The fine reference must resolve the period eps * P with >= 16 Q1
      // cells, and fit the machine (at most 2048^2 cells in 2D).
      const double h = (upper() - lower()) / fine_cells;
      require(epsilon * cell_period() / h >= 16,
              "Problem/Fine cells per direction",
              "the fine mesh must resolve a period of the coefficient with "
              "at least 16 cells; need at least " +
                std::to_string(static_cast<unsigned int>(std::ceil(
                  16 * (upper() - lower()) / (epsilon * cell_period())))));
      require(dimension() == 1 || fine_cells <= 2048,
              "Problem/Fine cells per direction",
              "at most 2048 in 2D");
      require(fine_cells <= (1u << 20),
              "Problem/Fine cells per direction",
              "at most 2^20");
    }


    std::string
    Problem::name() const
    {
      return type == Type::A ? "A" : (type == Type::B ? "B" : "C");
    }
  } // namespace nh_pinn
} // namespace neuhom
