#ifndef neuhom_methods_walkers_walker_problem_h
#define neuhom_methods_walkers_walker_problem_h

#include <deal.II/base/function.h>

#include <neuhom/methods/walkers/nonlinearity.h>
#include <neuhom/nn/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <new>
#include <vector>

#include <sys/mman.h>

namespace neuhom
{
  namespace walkers
  {
    using namespace dealii;

    /**
     * Allocates arrays on 64-byte cache lines, those of 2 MB and more on huge
     * pages (where the kernel grants them): the walkers read their tables (10^8
     * bytes for a coefficient at eps = 0.01) at scattered points, and on 4 kB
     * pages the address translations, not the interpolation, dominated a micro
     * step.
     */
    template <typename T>
    struct HugePageAllocator
    {
      using value_type = T;

      HugePageAllocator() = default;
      template <typename U>
      HugePageAllocator(const HugePageAllocator<U> &)
      {}

      T *
      allocate(std::size_t n)
      {
        constexpr std::size_t page  = std::size_t(2) << 20;
        const std::size_t     bytes = (n * sizeof(T) + page - 1) / page * page;
        void                 *p     = nullptr;
        if (n * sizeof(T) < page)
          {
            if (posix_memalign(&p, 64, n * sizeof(T)) != 0)
              p = nullptr;
          }
        else if (posix_memalign(&p, page, bytes) == 0)
          madvise(p, bytes, MADV_HUGEPAGE);
        else
          p = nullptr;
        if (p == nullptr)
          throw std::bad_alloc();
        return static_cast<T *>(p);
      }

      void
      deallocate(T *p, std::size_t)
      {
        std::free(p);
      }

      template <typename U>
      bool
      operator==(const HugePageAllocator<U> &) const
      {
        return true;
      }

      template <typename U>
      bool
      operator!=(const HugePageAllocator<U> &) const
      {
        return false;
      }
    };


    /**
     * Scalar fields on the unit square tabulated at the (n+1)^2 nodes of a
     * uniform grid and evaluated by bilinear interpolation, all channels of a
     * point from one cell: this is how the walkers (10^5 of them, at every
     * micro step) read the coefficient, the data and the previous network.
     * The nodes are a plain array, read point by point in the walkers' loop:
     * a few tensor operations per micro step would cost more in dispatch
     * and temporaries than the interpolation itself.
     *
     * A periodic table covers one period [0, p]^2 and repeats: for a
     * coefficient of period eps it is 10^4 times smaller than the table of
     * the square at eps = 0.01 and stays in the L1 cache, where the walkers'
     * scattered reads of the full table were cache misses.
     */
    class TabulatedField
    {
    public:
      TabulatedField() = default;

      /**
       * Tabulate the functions at the nodes (x fastest), channel c from
       * functions[c]; with @p with_gradient, channel 0 is followed by its
       * gradient (central differences of the table, one-sided at the edges
       * of the square, across them for a periodic table). With @p period
       * p > 0 the nodes cover [0, p]^2 and the table repeats with period p
       * (the caller checks that the functions do, see is_periodic()).
       */
      TabulatedField(const std::vector<const Function<2> *> &functions,
                     unsigned int                            n,
                     bool   with_gradient = false,
                     double period        = 0);

      /**
       * The channels given at the nodes: @p node_values ((n+1)^2, C),
       * float64, x fastest.
       */
      TabulatedField(const torch::Tensor &node_values, unsigned int n);

      /**
       * The channels at the point (x, y), clamped to [0,1]^2, into
       * values[0 .. n_channels() - 1].
       */
      void
      evaluate(double x, double y, double *values) const
      {
        double       t[2]; // the point in its cell, in [0, 1]^2
        const Value *v00 = lower_left_node(x, y, t);
        const Value *v01 = v00 + (n + 1) * channels;
        const double tx = t[0], ty = t[1];
        for (unsigned int c = 0; c < channels; ++c)
          values[c] = (1 - ty) * ((1 - tx) * v00[c] + tx * v00[channels + c]) +
                      ty * ((1 - tx) * v01[c] + tx * v01[channels + c]);
      }

      /** The channels at the points x (M, 2), clamped to [0,1]^2: (M, C). */
      torch::Tensor
      operator()(const torch::Tensor &x) const;

      unsigned int
      cells_per_direction() const
      {
        return n;
      }

      unsigned int
      n_channels() const
      {
        return channels;
      }

      /** The period of a periodic table, 0 for a table of the square. */
      double
      period() const
      {
        return table_period;
      }

    private:
      using Value = float;

      // The first node of the cell that contains (x, y) (clamped to the
      // square, or reduced to the first period), and the point's coordinates
      // in the cell in t[0], t[1].
      const Value *
      lower_left_node(double x, double y, double *t) const
      {
        double sx, sy;
        if (table_period > 0)
          {
            sx = x * inverse_period;
            sy = y * inverse_period;
            sx = (sx - std::floor(sx)) * n;
            sy = (sy - std::floor(sy)) * n;
          }
        else
          {
            sx = std::clamp(x, 0., 1.) * n;
            sy = std::clamp(y, 0., 1.) * n;
          }
        const double ix = std::min(std::floor(sx), n - 1.);
        const double iy = std::min(std::floor(sy), n - 1.);
        t[0]            = sx - ix;
        t[1]            = sy - iy;
        return nodes.data() + (static_cast<std::size_t>(ix) +
                               static_cast<std::size_t>(iy) * (n + 1)) *
                                channels;
      }

      unsigned int                                 n              = 0;
      unsigned int                                 channels       = 0;
      double                                       table_period   = 0;
      double                                       inverse_period = 0;
      std::vector<Value, HugePageAllocator<Value>> nodes; // x fastest
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
       * direction, and g on the same grid. With a @p period p in (0, 1) that
       * alpha has (is_periodic() checks it on that grid), alpha is
       * tabulated over one period at the same resolution instead, and f
       * apart: on 256^2 cells if these reproduce it at the grid's nodes
       * (constant or bilinear f), else on the grid.
       */
      WalkerProblem(const Function<2>  &alpha,
                    const Function<2>  &f,
                    const Function<2>  &g,
                    const Nonlinearity &nonlinearity,
                    unsigned int        n,
                    double              period = 0);

      /**
       * V (2) and G at the point x (2), for the solution value u and gradient
       * du (2); u and du are ignored (du may be null) in the linear case.
       */
      void
      drift_and_source(const double *x,
                       double        u,
                       const double *du,
                       double       *V,
                       double       &G) const
      {
        double c[4]; // alpha, d alpha / dx, d alpha / dy, f
        coefficient.evaluate(x[0], x[1], c);
        if (coefficient.n_channels() == 3)
          rhs.evaluate(x[0], x[1], c + 3);
        if (nonlinearity.quadratic)
          {
            // a = c + alpha u^2, grad[a(x, u(x))] = u^2 grad alpha +
            // 2 alpha u grad u.
            const double a = nonlinearity.constant + c[0] * u * u;
            for (unsigned int d = 0; d < 2; ++d)
              V[d] = (u * u * c[1 + d] + 2 * c[0] * u * du[d]) / (2 * a);
            G = -c[3] / (2 * a);
          }
        else
          {
            V[0] = c[1] / (2 * c[0]);
            V[1] = c[2] / (2 * c[0]);
            G    = -c[3] / (2 * c[0]);
          }
      }

      /** g at the points x (M, 2): (M). */
      torch::Tensor
      boundary_values(const torch::Tensor &x) const;

      bool
      depends_on_solution() const
      {
        return nonlinearity.quadratic;
      }

      /** The table of alpha and its gradient (and f, unless apart). */
      const TabulatedField &
      coefficient_table() const
      {
        return coefficient;
      }

      /** The table of f when it is apart from alpha's (else empty). */
      const TabulatedField &
      rhs_table() const
      {
        return rhs;
      }

    private:
      const Nonlinearity nonlinearity;
      TabulatedField     coefficient; // alpha, d alpha/dx, dy[, f]
      TabulatedField     rhs;         // f, when apart from alpha
      TabulatedField     boundary;
    };


    /**
     * Whether @p function repeats with @p period in x and y: compared at
     * the nodes and cell centres of the uniform grid of the unit square with
     * @p n cells per direction with its value at the point reduced to
     * [0, period)^2, within 1e-8 of its largest magnitude.
     */
    bool
    is_periodic(const Function<2> &function, double period, unsigned int n);
  } // namespace walkers
} // namespace neuhom

#endif
