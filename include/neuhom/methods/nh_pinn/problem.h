#ifndef neuhom_methods_nh_pinn_problem_h
#define neuhom_methods_nh_pinn_problem_h

#include <deal.II/base/parameter_handler.h>
#include <deal.II/base/point.h>

#include <cmath>
#include <string>

namespace neuhom
{
  namespace nh_pinn
  {
    using namespace dealii;

    /**
     * The multiscale problems of the NH-PINN paper (Leung, Lin & Zhang, JCP
     * 2022), subsection "Problem":
     *
     *  A: -div(a(x/eps) grad u) = sin x1 + cos x2 on [0,1]^2,
     *     a(y) = 2 + sin(2 pi y1) cos(2 pi y2);
     *  B: -(a(x, x/eps) u')' = sin x on [0,pi], a(x,y) = 0.5 sin(2 pi y)
     *     + sin x + 2 (slowly varying: the cell problems depend on x);
     *  C: u_t - D u'' + r(x/eps)/eps u = sin(2 pi x) on [-pi,pi] x (0,T],
     *     u(x,0) = 0, r(y) = cos(2 pi y) on the unit cell (or, with
     *     "Reaction period = 2 pi", the literal cos(y) on [0, 2 pi)).
     *
     * All have u = 0 on the boundary. The formulas are templates so that the
     * same code evaluates them on doubles (deal.II) and on torch tensors
     * (PINN losses, differentiable by autograd). x is the slow and y = x/eps
     * the fast variable.
     */
    struct Problem
    {
      enum class Type
      {
        A,
        B,
        C
      };
      Type         type            = Type::A;
      double       epsilon         = 1. / 8;
      double       diffusion       = 2.;
      double       final_time      = 1.;
      double       reaction_period = 1.;
      unsigned int fine_cells      = 512;
      unsigned int cell_fe_cells   = 64;
      unsigned int time_steps      = 1000;

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      /** The name of the experiment, "A", "B" or "C". */
      std::string
      name() const;

      /** Space dimension of the multiscale problem: 2 for A, 1 else. */
      unsigned int
      dimension() const
      {
        return type == Type::A ? 2 : 1;
      }
      /** Whether the cell problems depend on the slow variable (B). */
      bool
      slowly_varying() const
      {
        return type == Type::B;
      }
      bool
      parabolic() const
      {
        return type == Type::C;
      }
      /** The domain is the hypercube [lower, upper]^dim. */
      double
      lower() const
      {
        return type == Type::A ? 0. : (type == Type::B ? 0. : -M_PI);
      }
      double
      upper() const
      {
        return type == Type::A ? 1. : M_PI;
      }
      /** The period of the cell Y = [0, P)^dim in y. */
      double
      cell_period() const
      {
        return type == Type::C ? reaction_period : 1.;
      }

      /**
       * The diffusion coefficient: a(x, y) for A and B (x and y have
       * dimension() components), the constant D for C.
       */
      template <typename T>
      T
      diffusion_coefficient(const T                  &x1,
                            [[maybe_unused]] const T &x2,
                            const T                  &y1,
                            const T                  &y2) const
      {
        using std::cos;
        using std::sin;
        const double pi = M_PI;
        switch (type)
          {
            case Type::A:
              return 2. + sin(2. * pi * y1) * cos(2. * pi * y2);
            case Type::B:
              return 0.5 * sin(2. * pi * y1) + sin(x1) + 2.;
            default:
              return 0. * y1 + diffusion;
          }
      }

      /** The oscillating reaction r(y) of C (the term is r(x/eps)/eps u). */
      template <typename T>
      T
      reaction(const T &y) const
      {
        using std::cos;
        return cos((2. * M_PI / reaction_period) * y);
      }

      /** The right-hand side f(x). */
      template <typename T>
      T
      right_hand_side(const T &x1, [[maybe_unused]] const T &x2) const
      {
        using std::cos;
        using std::sin;
        switch (type)
          {
            case Type::A:
              return sin(x1) + cos(x2);
            case Type::B:
              return sin(x1);
            default:
              return sin((2. * M_PI) * x1);
          }
      }
    };
  } // namespace nh_pinn
} // namespace neuhom

#endif
