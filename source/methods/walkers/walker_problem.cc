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
    {
      const std::int64_t n_nodes = (n + 1) * (n + 1);
      const std::int64_t n_in    = functions.size();
      torch::Tensor      raw =
        torch::empty({n_in, n_nodes}, torch::dtype(torch::kFloat64));
      auto values = raw.accessor<double, 2>();
      for (std::int64_t c = 0; c < n_in; ++c)
        for (unsigned int j = 0; j <= n; ++j)
          for (unsigned int i = 0; i <= n; ++i)
            values[c][i + j * (n + 1)] =
              functions[c]->value(Point<2>(double(i) / n, double(j) / n));

      std::vector<torch::Tensor> channels;
      for (std::int64_t c = 0; c < n_in; ++c)
        {
          channels.push_back(raw[c]);
          if (c == 0 && with_gradient)
            {
              // Central differences inside, one-sided at the edges; the
              // grid is (j, i) with i along x.
              const torch::Tensor a  = raw[0].view({n + 1, n + 1});
              const double        h  = 1. / n;
              torch::Tensor       ax = torch::empty_like(a);
              torch::Tensor       ay = torch::empty_like(a);
              using torch::indexing::None;
              using torch::indexing::Slice;
              ax.index_put_({Slice(), Slice(1, -1)},
                            (a.index({Slice(), Slice(2, None)}) -
                             a.index({Slice(), Slice(0, -2)})) /
                              (2 * h));
              ax.index_put_({Slice(), 0},
                            (a.index({Slice(), 1}) - a.index({Slice(), 0})) /
                              h);
              ax.index_put_({Slice(), -1},
                            (a.index({Slice(), -1}) - a.index({Slice(), -2})) /
                              h);
              ay.index_put_({Slice(1, -1), Slice()},
                            (a.index({Slice(2, None), Slice()}) -
                             a.index({Slice(0, -2), Slice()})) /
                              (2 * h));
              ay.index_put_({0, Slice()},
                            (a.index({1, Slice()}) - a.index({0, Slice()})) /
                              h);
              ay.index_put_({-1, Slice()},
                            (a.index({-1, Slice()}) - a.index({-2, Slice()})) /
                              h);
              channels.push_back(ax.reshape({-1}));
              channels.push_back(ay.reshape({-1}));
            }
        }
      nodes = torch::stack(channels, 1).contiguous();
    }


    TabulatedField::TabulatedField(const torch::Tensor &node_values,
                                   const unsigned int   n)
      : n(n)
      , nodes(node_values.to(torch::kFloat64).contiguous())
    {
      AssertThrow(nodes.dim() == 2 && nodes.size(0) == (n + 1) * (n + 1),
                  ExcMessage("a table of (n+1)^2 nodes"));
    }


    torch::Tensor
    TabulatedField::operator()(const torch::Tensor &x) const
    {
      const torch::Tensor s = x.clamp(0., 1.) * double(n);
      const torch::Tensor i0 =
        s.floor().clamp_max(double(n) - 1).to(torch::kLong);
      const torch::Tensor t  = s - i0.to(torch::kFloat64); // in [0, 1]
      const torch::Tensor ix = i0.select(1, 0), iy = i0.select(1, 1);
      const torch::Tensor tx     = t.select(1, 0).unsqueeze(1);
      const torch::Tensor ty     = t.select(1, 1).unsqueeze(1);
      const std::int64_t  row    = n + 1;
      const torch::Tensor k00    = ix + iy * row;
      const auto          gather = [&](const torch::Tensor &k) {
        return nodes.index_select(0, k);
      };
      return (1 - ty) * ((1 - tx) * gather(k00) + tx * gather(k00 + 1)) +
             ty * ((1 - tx) * gather(k00 + row) + tx * gather(k00 + row + 1));
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


    void
    WalkerProblem::drift_and_source(const torch::Tensor &x,
                                    const torch::Tensor &u,
                                    const torch::Tensor &du,
                                    torch::Tensor       &V,
                                    torch::Tensor       &G) const
    {
      using torch::indexing::Slice;
      const torch::Tensor table      = coefficient_and_rhs(x);
      const torch::Tensor alpha      = table.select(1, 0);
      const torch::Tensor grad_alpha = table.index({Slice(), Slice(1, 3)});
      const torch::Tensor f          = table.select(1, 3);
      if (nonlinearity.quadratic)
        {
          // a = c + alpha u^2, grad[a(x, u(x))] = u^2 grad alpha +
          // 2 alpha u grad u.
          const torch::Tensor a      = nonlinearity.constant + alpha * u * u;
          const torch::Tensor grad_a = (u * u).unsqueeze(1) * grad_alpha +
                                       (2 * alpha * u).unsqueeze(1) * du;
          V = grad_a / (2 * a).unsqueeze(1);
          G = -f / (2 * a);
        }
      else
        {
          V = grad_alpha / (2 * alpha).unsqueeze(1);
          G = -f / (2 * alpha);
        }
    }


    torch::Tensor
    WalkerProblem::boundary_values(const torch::Tensor &x) const
    {
      return boundary(x).select(1, 0);
    }
  } // namespace walkers
} // namespace neuhom
