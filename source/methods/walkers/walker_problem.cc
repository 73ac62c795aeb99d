#include <neuhom/methods/walkers/walker_problem.h>

#include <tuple>

namespace neuhom
{
  namespace walkers
  {
    TabulatedField::TabulatedField(
      const std::vector<const Function<2> *> &functions,
      const unsigned int                      n,
      const bool                              with_gradient,
      const double                            period)
      : n(n)
      , channels(functions.size() + (with_gradient ? 2 : 0))
      , table_period(period)
      , inverse_period(period > 0 ? 1 / period : 0)
    {
      const bool   periodic = period > 0;
      const double length   = periodic ? period : 1.;
      nodes.resize((n + 1) * (n + 1) * channels);
      const unsigned int row = n + 1;
      const auto         index =
        [&](const unsigned int i, const unsigned int j, const unsigned int c) {
          return (i + j * row) * channels + c;
        };
      for (unsigned int f = 0; f < functions.size(); ++f)
        {
          const unsigned int c = f == 0 || !with_gradient ? f : f + 2;
          for (unsigned int j = 0; j <= n; ++j)
            for (unsigned int i = 0; i <= n; ++i)
              nodes[index(i, j, c)] =
                functions[f]->value(Point<2>(length * i / n, length * j / n));
        }
      if (with_gradient)
        {
          // Central differences inside; at the edges one-sided, or across
          // them for a periodic table (node n is node 0 of the next period):
          // the two neighbours of node i and their distance in cells.
          const double h          = length / n;
          const auto   neighbours = [&](const unsigned int i)
            -> std::tuple<unsigned int, unsigned int, double> {
            if (periodic)
              return {i == 0 ? n - 1 : i - 1, i == n ? 1 : i + 1, 2.};
            const unsigned int a = i == 0 ? 0 : i - 1, b = i == n ? n : i + 1;
            return {a, b, double(b - a)};
          };
          for (unsigned int j = 0; j <= n; ++j)
            for (unsigned int i = 0; i <= n; ++i)
              {
                const auto [i0, i1, di] = neighbours(i);
                const auto [j0, j1, dj] = neighbours(j);
                nodes[index(i, j, 1)] =
                  (nodes[index(i1, j, 0)] - nodes[index(i0, j, 0)]) / (di * h);
                nodes[index(i, j, 2)] =
                  (nodes[index(i, j1, 0)] - nodes[index(i, j0, 0)]) / (dj * h);
              }
        }
    }


    TabulatedField::TabulatedField(const torch::Tensor &node_values,
                                   const unsigned int   n)
      : n(n)
    {
      AssertThrow(node_values.dim() == 2 &&
                    node_values.size(0) == (n + 1) * (n + 1),
                  ExcMessage("a table of (n+1)^2 nodes"));
      const torch::Tensor values = node_values.to(torch::kFloat64).contiguous();
      channels                   = values.size(1);
      nodes.assign(values.data_ptr<double>(),
                   values.data_ptr<double>() + values.numel());
    }


    torch::Tensor
    TabulatedField::operator()(const torch::Tensor &x) const
    {
      const torch::Tensor points = x.to(torch::kFloat64).contiguous();
      const std::int64_t  M      = points.size(0);
      torch::Tensor       values =
        torch::empty({M, static_cast<std::int64_t>(channels)},
                     torch::dtype(torch::kFloat64));
      const double *p = points.data_ptr<double>();
      double       *v = values.data_ptr<double>();
      for (std::int64_t i = 0; i < M; ++i)
        evaluate(p[2 * i], p[2 * i + 1], v + i * channels);
      return values;
    }


    bool
    is_periodic(const Function<2> &function,
                const double       period,
                const unsigned int n)
    {
      const auto reduced = [period](const double x) {
        return x - std::floor(x / period) * period;
      };
      double scale = 0;
      for (unsigned int j = 0; j <= 64; ++j)
        for (unsigned int i = 0; i <= 64; ++i)
          scale = std::max(scale,
                           std::abs(function.value(
                             Point<2>(period * i / 64, period * j / 64))));
      const double tolerance = 1e-8 * scale;
      // The cell centres stop at the last cell: a coefficient need not be
      // defined outside the square.
      for (const double shift : {0., 0.5})
        for (unsigned int j = 0; j + shift <= n; ++j)
          for (unsigned int i = 0; i + shift <= n; ++i)
            {
              const Point<2> p((i + shift) / n, (j + shift) / n);
              if (std::abs(function.value(p) -
                           function.value(Point<2>(reduced(p[0]),
                                                   reduced(p[1])))) > tolerance)
                return false;
            }
      return true;
    }


    namespace
    {
      // Whether the table reproduces channel 0 of the function at the nodes
      // of the uniform grid with n cells, within 1e-6 of its magnitude there.
      bool
      reproduces(const TabulatedField &table,
                 const Function<2>    &function,
                 const unsigned int    n)
      {
        double scale = 0, error = 0;
        for (unsigned int j = 0; j <= n; ++j)
          for (unsigned int i = 0; i <= n; ++i)
            {
              const double x = double(i) / n, y = double(j) / n;
              const double value = function.value(Point<2>(x, y));
              double       tabulated[1];
              table.evaluate(x, y, tabulated);
              scale = std::max(scale, std::abs(value));
              error = std::max(error, std::abs(tabulated[0] - value));
            }
        return error <= 1e-6 * scale;
      }
    } // namespace


    WalkerProblem::WalkerProblem(const Function<2>  &alpha,
                                 const Function<2>  &f,
                                 const Function<2>  &g,
                                 const Nonlinearity &nonlinearity,
                                 const unsigned int  n,
                                 const double        period)
      : nonlinearity(nonlinearity)
      , boundary({&g}, n, false)
    {
      if (period > 0 && period < 1 && is_periodic(alpha, period, n))
        {
          // As many cells per period as the grid has (or one more).
          const auto cells_per_period =
            static_cast<unsigned int>(std::ceil(n * period - 1e-9));
          coefficient =
            TabulatedField({&alpha}, cells_per_period, true, period);
          rhs = TabulatedField({&f}, 256);
          if (!reproduces(rhs, f, n))
            rhs = TabulatedField({&f}, n);
        }
      else
        coefficient = TabulatedField({&alpha, &f}, n, true);
    }


    torch::Tensor
    WalkerProblem::boundary_values(const torch::Tensor &x) const
    {
      return boundary(x).select(1, 0);
    }
  } // namespace walkers
} // namespace neuhom
