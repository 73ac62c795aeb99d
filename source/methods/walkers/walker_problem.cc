#include <neuhom/methods/walkers/walker_problem.h>

namespace neuhom
{
  namespace walkers
  {
    TabulatedField::TabulatedField(
      const std::vector<const Function<2> *> &functions,
      const unsigned int                      n,
      const bool                              with_gradient)
      : n(n)
      , channels(functions.size() + (with_gradient ? 2 : 0))
    {
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
                functions[f]->value(Point<2>(double(i) / n, double(j) / n));
        }
      if (with_gradient)
        {
          // Central differences inside, one-sided at the edges.
          const double h = 1. / n;
          for (unsigned int j = 0; j <= n; ++j)
            for (unsigned int i = 0; i <= n; ++i)
              {
                const unsigned int i0 = i == 0 ? 0 : i - 1;
                const unsigned int i1 = i == n ? n : i + 1;
                const unsigned int j0 = j == 0 ? 0 : j - 1;
                const unsigned int j1 = j == n ? n : j + 1;
                nodes[index(i, j, 1)] =
                  (nodes[index(i1, j, 0)] - nodes[index(i0, j, 0)]) /
                  ((i1 - i0) * h);
                nodes[index(i, j, 2)] =
                  (nodes[index(i, j1, 0)] - nodes[index(i, j0, 0)]) /
                  ((j1 - j0) * h);
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


    WalkerProblem::WalkerProblem(const Function<2>  &alpha,
                                 const Function<2>  &f,
                                 const Function<2>  &g,
                                 const Nonlinearity &nonlinearity,
                                 const unsigned int  n)
      : nonlinearity(nonlinearity)
      , coefficient_and_rhs({&alpha, &f}, n, true)
      , boundary({&g}, n, false)
    {}


    torch::Tensor
    WalkerProblem::boundary_values(const torch::Tensor &x) const
    {
      return boundary(x).select(1, 0);
    }
  } // namespace walkers
} // namespace neuhom
