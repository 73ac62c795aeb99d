#ifndef neuhom_methods_walkers_walker_problem_h
#define neuhom_methods_walkers_walker_problem_h

#include <deal.II/base/function.h>

#include <neuhom/methods/walkers/nonlinearity.h>
#include <neuhom/nn/torch.h>

#include <functional>

namespace neuhom
{
  namespace walkers
  {
    using namespace dealii;

    /**
     * Scalar fields on the unit square tabulated at the (n+1)^2 nodes of a
     * uniform grid and evaluated at a batch of points by bilinear
     * interpolation, all channels with one gather: this is how the walkers
     * (10^5 of them, at every micro step) read the coefficient and the data
     * without a loop over points.
     */
    class TabulatedField
    {
    public:
      TabulatedField() = default;

      /**
       * Tabulate the functions at the nodes (x fastest), channel c from
       * functions[c]; with @p with_gradient, channel 0 is followed by its
       * gradient (central differences of the table, one-sided at the edges).
       */
      TabulatedField(const std::vector<const Function<2> *> &functions,
                     unsigned int                            n,
                     bool with_gradient = false);

      /**
       * The channels given at the nodes: @p node_values ((n+1)^2, C),
       * float64, x fastest.
       */
      TabulatedField(const torch::Tensor &node_values, unsigned int n);

      /** The channels at the points x (M, 2), clamped to [0,1]^2: (M, C). */
      torch::Tensor
      operator()(const torch::Tensor &x) const;

      unsigned int
      cells_per_direction() const
      {
        return n;
      }

    private:
      unsigned int  n = 0;
      torch::Tensor nodes; // ((n+1)^2, C), float64
    };


    /**
     * The data the walkers need for -div(a(x, u) grad u) = f, u = g on the
     * boundary of the unit square, written as 1/2 Lap u + V . grad u - G = 0
     * with V = grad[a(x, u(x))] / (2a) (the total gradient) and
     * G = -f / (2a).
     */
    class WalkerProblem
    {
    public:
      /**
       * Tabulate alpha (with its gradient) and f on a grid with n cells per
       * direction, and g on the same grid.
       */
      WalkerProblem(const Function<2>  &alpha,
                    const Function<2>  &f,
                    const Function<2>  &g,
                    const Nonlinearity &nonlinearity,
                    unsigned int        n);

      /**
       * V (M, 2) and G (M) at the points x (M, 2), for the solution values u
       * (M) and gradients du (M, 2); u and du are ignored (and may be
       * undefined) in the linear case.
       */
      void
      drift_and_source(const torch::Tensor &x,
                       const torch::Tensor &u,
                       const torch::Tensor &du,
                       torch::Tensor       &V,
                       torch::Tensor       &G) const;

      /** g at the points x (M, 2): (M). */
      torch::Tensor
      boundary_values(const torch::Tensor &x) const;

      bool
      depends_on_solution() const
      {
        return nonlinearity.quadratic;
      }

      unsigned int
      table_cells() const
      {
        return coefficient_and_rhs.cells_per_direction();
      }

    private:
      const Nonlinearity nonlinearity;
      TabulatedField     coefficient_and_rhs; // alpha, d alpha/dx, dy, f
      TabulatedField     boundary;
    };
  } // namespace walkers
} // namespace neuhom

#endif
