#include <neuhom/core/input_error.h>
#include <neuhom/lod/patch_matrices.h>
#include <neuhom/lod/patch_problem.h>
#include <neuhom/methods/deep_ritz/neural_correctors.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace neuhom
{
  namespace deep_ritz
  {
    void
    NeuralCorrectorParameters::declare_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Neural correctors");
      prm.declare_entry(
        "Network sharing",
        "per configuration",
        Patterns::Selection("per configuration|one network"),
        "per configuration: one network per patch clipping (interior, "
        "4 edges, 4 corners); one network: all coarse cells share one.");
      prm.declare_entry("Basis index as input",
                        "true",
                        Patterns::Bool(),
                        "true: the local basis index v of K is a (one-hot) "
                        "input and the network has one output; false: one "
                        "output per v.");
      prm.declare_entry("Constraint handling",
                        "penalty",
                        Patterns::Selection("penalty|projection"),
                        "penalty: I_H a = 0 through the self-adaptive penalty "
                        "|mu . C a|^2 (the paper); projection: the output is "
                        "projected onto ker C exactly (the penalty is then "
                        "zero).");
      prm.declare_entry(
        "Coefficient input",
        "patch cells",
        Patterns::Selection("patch cells|coarse statistics"),
        "What the network sees of the coefficient on the patch (p): patch "
        "cells: its value on every fine cell; coarse statistics: its "
        "arithmetic and harmonic mean on each coarse cell. Both divided by "
        "the patch maximum, plus four boundary flags.");
      prm.declare_entry("Node coefficient window",
                        "1",
                        Patterns::Integer(1, 8),
                        "w: the node inputs hold the coefficient on the "
                        "(2w)^2 fine cells around the node.");
      prm.declare_entry("Initial constraint weight",
                        "1",
                        Patterns::Double(0),
                        "The self-adaptive weights mu start as U(0, this).");
      prm.leave_subsection();
    }


    void
    NeuralCorrectorParameters::parse_parameters(ParameterHandler &prm)
    {
      prm.enter_subsection("Neural correctors");
      sharing           = prm.get("Network sharing");
      basis_index_input = prm.get_bool("Basis index as input");
      initial_weight    = prm.get_double("Initial constraint weight");
      projection        = prm.get("Constraint handling") == "projection";
      coarse_statistics = prm.get("Coefficient input") == "coarse statistics";
      node_window       = prm.get_integer("Node coefficient window");
      prm.leave_subsection();
    }


    unsigned int
    NeuralCorrectorParameters::n_node_inputs() const
    {
      return 2 + 4 * node_window * node_window + (basis_index_input ? 4 : 0);
    }


    unsigned int
    NeuralCorrectorParameters::n_patch_inputs(
      const unsigned int layers,
      const unsigned int refinement) const
    {
      const unsigned int k = 2 * layers + 1, window = k * refinement;
      return (coarse_statistics ? 2 * k * k : window * window) + 4;
    }


    double
    NeuralCorrectorParameters::estimate_training_memory(
      const NetworkParameters &network,
      const unsigned int       layers,
      const unsigned int       refinement,
      const double             n_pairs) const
    {
      const double free_nodes = std::pow((2. * layers + 1) * refinement - 1, 2);
      const double rows = n_pairs * free_nodes * (basis_index_input ? 4 : 1);
      const double data_per_row = 8 * (n_node_inputs() + 2 * 9 * 3 + 3 * 4 + 2);
      // The network sees no derivatives of its inputs: autograd keeps
      // about three numbers per hidden unit and row (pre-activation,
      // activation, its gradient in the backward pass).
      const double element_size = c10::elementSize(network.dtype);
      const double units        = double(network.hidden_layers) * network.width;
      return rows * (data_per_row + 3 * units * element_size) +
             n_pairs * 8 * n_patch_inputs(layers, refinement);
    }


    namespace
    {
      torch::Tensor
      activate(const Activation activation, const torch::Tensor &x)
      {
        switch (activation)
          {
            case Activation::tanh:
              return torch::tanh(x);
            case Activation::relu:
              return torch::relu(x);
            case Activation::silu:
              return torch::silu(x);
            case Activation::sin:
              return torch::sin(x);
          }
        return x;
      }
    } // namespace


    CorrectorNetworkImpl::CorrectorNetworkImpl(
      const unsigned int       n_node_inputs,
      const unsigned int       n_parameters,
      const unsigned int       n_outputs,
      const NetworkParameters &parameters)
      : activation(parameters.activation)
      , width(parameters.width)
    {
      require(parameters.hidden_layers >= 2,
              "Network/Hidden layers",
              "must be at least 2 for the neural correctors (the split "
              "input layer and a trunk)");
      require(parameters.type == "mlp",
              "Network/Type",
              "must be mlp for the neural correctors");
      torch::manual_seed(parameters.seed);
      input_x = register_module(
        "input_x",
        torch::nn::Linear(
          torch::nn::LinearOptions(n_node_inputs, width).bias(false)));
      input_p =
        register_module("input_p", torch::nn::Linear(n_parameters, width));
      {
        // Xavier for the split layer as for one layer on [x, p].
        torch::NoGradGuard no_grad;
        const double       std =
          std::sqrt(2. / (n_node_inputs + n_parameters + width));
        input_x->weight.normal_(0, std);
        input_p->weight.normal_(0, std);
        input_p->bias.zero_();
      }
      input_x->to(parameters.dtype);
      input_p->to(parameters.dtype);
      NetworkParameters trunk_parameters = parameters;
      trunk_parameters.hidden_layers     = parameters.hidden_layers - 1;
      trunk =
        register_module("trunk",
                        create_network(trunk_parameters, width, n_outputs));
      {
        // The output layer starts at zero, i.e. at the corrector 0: a
        // random start has a Ritz energy orders of magnitude above the
        // minimum (the correctors are small), and Adam spends most
        // iterations on removing it.
        torch::NoGradGuard no_grad;
        const auto         trunk_parameters = trunk->parameters();
        trunk_parameters[trunk_parameters.size() - 1].zero_();
        trunk_parameters[trunk_parameters.size() - 2].zero_();
      }
    }


    torch::Tensor
    CorrectorNetworkImpl::forward(const torch::Tensor &x,
                                  const torch::Tensor &p)
    {
      const auto n_patches = x.size(0);
      auto       h = activate(activation, input_x(x) + input_p(p).unsqueeze(1));
      return trunk->forward(h.reshape({-1, static_cast<long>(width)}))
        .reshape({n_patches, -1});
    }


    NeuralCorrectors::NeuralCorrectors(
      const NestedGrid<2>             &grid,
      const unsigned int               layers,
      const NeuralCorrectorParameters &parameters,
      const NetworkParameters         &network_parameters)
      : grid(grid)
      , layers(layers)
      , parameters(parameters)
      , dtype(network_parameters.dtype)
      , networks(std::make_shared<torch::nn::Module>("NeuralCorrectors"))
    {
      std::map<std::string, unsigned int> index;
      cell_group.resize(grid.n_coarse_cells());
      for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
        {
          const std::string key = configuration(K);
          if (index.find(key) == index.end())
            {
              index[key] = groups.size();
              groups.emplace_back();
              groups.back().key = key;
            }
          cell_group[K] = index[key];
          groups[index[key]].cells.push_back(K);
        }
      if (parameters.projection)
        {
          // C depends on the patch geometry only: any coefficient will do.
          const CellField ones(
            grid.fine_cells_per_direction(),
            std::vector<double>(grid.fine_cells_per_direction() *
                                  grid.fine_cells_per_direction(),
                                1.));
          const CoefficientSamples<2> samples = sample_field(grid, ones);
          for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
            {
              const auto m = make_patch_matrices(grid, K, layers, samples);
              cell_constraints.push_back(m.constraints);
              FullMatrix<double> gram(m.constraints.m(), m.constraints.m());
              m.constraints.mTmult(gram, m.constraints);
              gram.gauss_jordan();
              cell_gram_inverse.push_back(gram);
            }
        }
      for (unsigned int g = 0; g < groups.size(); ++g)
        {
          Group &group = groups[g];
          for (const unsigned int K : group.cells)
            {
              const CellBox<2>   box  = grid.patch(K, layers);
              const unsigned int free = (box.size[0] * grid.refinement() - 1) *
                                        (box.size[1] * grid.refinement() - 1);
              group.n_free = std::max(group.n_free, free);
            }
          group.network =
            CorrectorNetwork(parameters.n_node_inputs(),
                             parameters.n_patch_inputs(layers,
                                                       grid.refinement()),
                             parameters.basis_index_input ? 1 : 4,
                             network_parameters);
          networks->register_module("configuration_" + std::to_string(g),
                                    group.network);
        }
    }


    std::string
    NeuralCorrectors::configuration(const unsigned int cell) const
    {
      if (parameters.sharing == "one network")
        return "all";
      const CellBox<2> box   = grid.patch(cell, layers);
      const auto       index = grid.coarse_cell_index(cell);
      std::string      key;
      for (unsigned int d = 0; d < 2; ++d)
        key += std::to_string(index[d] - box.lower[d]) + "/" +
               std::to_string(box.size[d]) + " ";
      return key;
    }


    unsigned int
    NeuralCorrectors::n_rows(const Group &group) const
    {
      return group.n_free * (parameters.basis_index_input ? 4 : 1);
    }


    torch::Tensor
    NeuralCorrectors::node_inputs(const CellField   &field,
                                  const unsigned int cell,
                                  const unsigned int n_free) const
    {
      const CellBox<2>    box   = grid.patch(cell, layers);
      const auto          index = grid.coarse_cell_index(cell);
      const unsigned int  r     = grid.refinement();
      const unsigned int  n_v   = parameters.basis_index_input ? 4 : 1;
      const unsigned int  n_in  = parameters.n_node_inputs();
      const unsigned int  w     = parameters.node_window;
      std::vector<double> values(n_free * n_v * n_in, 0.);
      // The coefficient on the four fine cells around each node, divided by
      // its maximum on the patch: the corrector has its kinks there.
      double max = 0;
      for (unsigned int j = 0; j < box.size[1] * r; ++j)
        for (unsigned int i = 0; i < box.size[0] * r; ++i)
          max = std::max(max,
                         field.cell_value(box.lower[0] * r + i,
                                          box.lower[1] * r + j));
      unsigned int f = 0;
      for (unsigned int node = 0; node < grid.n_box_nodes(box); ++node)
        if (!grid.box_node_on_boundary(box, node))
          {
            const unsigned int ix = node % (box.size[0] * r + 1),
                               iy = node / (box.size[0] * r + 1);
            // Position relative to the center of K in units of (l + 1/2) H.
            const double x =
              (double(box.lower[0] * r + ix) / r - index[0] - 0.5) /
              (layers + 0.5);
            const double y =
              (double(box.lower[1] * r + iy) / r - index[1] - 0.5) /
              (layers + 0.5);
            for (unsigned int v = 0; v < n_v; ++v)
              {
                double *row = &values[(f * n_v + v) * n_in];
                row[0]      = x;
                row[1]      = y;
                for (unsigned int b = 0; b < 2 * w; ++b)
                  for (unsigned int a = 0; a < 2 * w; ++a)
                    {
                      // Fine cell (ix - w + a, iy - w + b) of the box.
                      const long i = long(ix + a) - long(w),
                                 j = long(iy + b) - long(w);
                      if (i >= 0 && j >= 0 && i < long(box.size[0] * r) &&
                          j < long(box.size[1] * r))
                        row[2 + a + 2 * w * b] =
                          field.cell_value(box.lower[0] * r + i,
                                           box.lower[1] * r + j) /
                          max;
                    }
                if (parameters.basis_index_input)
                  row[2 + 4 * w * w + v] = 1.;
              }
            ++f;
          }
      return torch::from_blob(values.data(),
                              {long(n_free * n_v), long(n_in)},
                              torch::kFloat64)
        .clone()
        .to(dtype);
    }


    std::vector<double>
    NeuralCorrectors::patch_parameters(const CellField   &field,
                                       const unsigned int cell) const
    {
      const unsigned int  r      = grid.refinement();
      const unsigned int  n      = grid.fine_cells_per_direction();
      const unsigned int  window = (2 * layers + 1) * r;
      const auto          index  = grid.coarse_cell_index(cell);
      std::vector<double> cells(window * window, 0.);
      double              max = 0;
      for (unsigned int b = 0; b < window; ++b)
        for (unsigned int a = 0; a < window; ++a)
          {
            const long i = long(index[0] * r) - long(layers * r) + a;
            const long j = long(index[1] * r) - long(layers * r) + b;
            if (i >= 0 && j >= 0 && i < long(n) && j < long(n))
              {
                cells[a + window * b] = field.cell_value(i, j);
                max                   = std::max(max, cells[a + window * b]);
              }
          }
      for (double &value : cells)
        value /= max;
      std::vector<double> p;
      if (parameters.coarse_statistics)
        {
          // Arithmetic and harmonic mean per coarse cell of the window (0
          // outside the domain).
          const unsigned int k = 2 * layers + 1;
          p.assign(2 * k * k + 4, 0.);
          for (unsigned int B = 0; B < k; ++B)
            for (unsigned int A = 0; A < k; ++A)
              {
                double sum = 0, inverse_sum = 0;
                for (unsigned int b = 0; b < r; ++b)
                  for (unsigned int a = 0; a < r; ++a)
                    {
                      const double value =
                        cells[A * r + a + window * (B * r + b)];
                      sum += value;
                      inverse_sum += value > 0 ? 1. / value : 0.;
                    }
                p[2 * (A + k * B)] = sum / (r * r);
                p[2 * (A + k * B) + 1] =
                  inverse_sum > 0 ? r * r / inverse_sum : 0.;
              }
        }
      else
        {
          p = cells;
          p.resize(window * window + 4, 0.);
        }
      const unsigned int n_p = p.size() - 4;
      const CellBox<2>   box = grid.patch(cell, layers);
      for (unsigned int d = 0; d < 2; ++d)
        {
          p[n_p + 2 * d] = box.lower[d] == 0 ? 1. : 0.;
          p[n_p + 2 * d + 1] =
            box.lower[d] + box.size[d] == grid.coarse_cells_per_direction() ?
              1. :
              0.;
        }
      return p;
    }


    void
    NeuralCorrectors::set_training_data(const std::vector<CellField> &fields,
                                        const MPI_Comm                comm)
    {
      this->comm               = comm;
      const unsigned int rank  = Utilities::MPI::this_mpi_process(comm);
      const unsigned int ranks = Utilities::MPI::n_mpi_processes(comm);
      n_global                 = 4. * fields.size() * grid.n_coarse_cells();
      const auto options       = torch::TensorOptions().dtype(torch::kFloat64);

      std::vector<CoefficientSamples<2>> samples;
      for (const CellField &field : fields)
        samples.push_back(sample_field(grid, field));

      unsigned int pair = 0;
      torch::manual_seed(12345 + rank);
      for (Group &group : groups)
        {
          std::vector<torch::Tensor> x, mask;
          std::vector<double>        p, rhs, reference;
          std::vector<long>          s_rows, s_cols, c_rows, c_cols;
          std::vector<double>        s_values, c_values, gram;
          group.n_constraints = 0;
          group.n_pairs       = 0;
          group.bound = group.reference_energy = 0;
          std::vector<std::pair<unsigned int, unsigned int>> own;
          for (unsigned int k = 0; k < fields.size(); ++k)
            for (const unsigned int K : group.cells)
              if (pair++ % ranks == rank)
                own.emplace_back(k, K);
          std::vector<PatchMatrices<2>> matrices;
          for (const auto &[k, K] : own)
            {
              matrices.push_back(
                make_patch_matrices(grid, K, layers, samples[k]));
              group.n_constraints =
                std::max<unsigned int>(group.n_constraints,
                                       matrices.back().constraints.m());
            }
          const unsigned int n_f = group.n_free, n_c = group.n_constraints;
          for (unsigned int s = 0; s < own.size(); ++s)
            {
              const auto &[k, K]        = own[s];
              const PatchMatrices<2> &m = matrices[s];
              x.push_back(node_inputs(fields[k], K, n_f));
              const auto patch = patch_parameters(fields[k], K);
              p.insert(p.end(), patch.begin(), patch.end());
              std::vector<double> m_s(n_f, 0.);
              std::fill(m_s.begin(), m_s.begin() + m.n_free(), 1.);
              mask.push_back(torch::tensor(m_s, options));
              for (std::size_t e = 0; e < m.stiffness_values.size(); ++e)
                {
                  s_rows.push_back(s * n_f + m.stiffness_rows[e]);
                  s_cols.push_back(s * n_f + m.stiffness_columns[e]);
                  s_values.push_back(m.stiffness_values[e]);
                }
              for (unsigned int c = 0; c < m.constraints.m(); ++c)
                for (unsigned int j = 0; j < m.n_free(); ++j)
                  if (m.constraints(c, j) != 0)
                    {
                      c_rows.push_back(s * n_c + c);
                      c_cols.push_back(s * n_f + j);
                      c_values.push_back(m.constraints(c, j));
                    }
              if (parameters.projection)
                {
                  const FullMatrix<double> &G = cell_gram_inverse[K];
                  for (unsigned int a = 0; a < n_c; ++a)
                    for (unsigned int b = 0; b < n_c; ++b)
                      gram.push_back(a < G.m() && b < G.m() ? G(a, b) : 0.);
                }
              std::vector<double> r_s(n_f * 4, 0.), q_s(n_f * 4, 0.);
              const auto          classical =
                compute_element_correctors(grid, K, layers, samples[k]);
              for (unsigned int v = 0; v < 4; ++v)
                {
                  Vector<double> q(m.n_free());
                  for (unsigned int i = 0; i < m.n_free(); ++i)
                    {
                      r_s[i * 4 + v] = m.rhs(i, v);
                      q[i]           = q_s[i * 4 + v] =
                        classical.correctors[v][m.free_nodes[i]];
                    }
                  group.bound -= 0.5 * m.element_energy[v];
                  group.reference_energy += m.energy(q, v);
                }
              rhs.insert(rhs.end(), r_s.begin(), r_s.end());
              reference.insert(reference.end(), q_s.begin(), q_s.end());
            }
          group.n_pairs     = own.size();
          const long n_rows = long(group.n_pairs) * n_f;
          if (group.n_pairs == 0)
            continue;
          group.x = torch::stack(x).to(dtype);
          group.p =
            torch::tensor(p, options)
              .reshape(
                {long(group.n_pairs),
                 long(parameters.n_patch_inputs(layers, grid.refinement()))})
              .to(dtype);
          group.mask = torch::cat(mask).reshape({n_rows, 1}).to(dtype);
          group.stiffness =
            torch::sparse_coo_tensor(torch::stack({torch::tensor(s_rows),
                                                   torch::tensor(s_cols)}),
                                     torch::tensor(s_values, options),
                                     {n_rows, n_rows})
              .coalesce()
              .to(dtype);
          group.constraints =
            torch::sparse_coo_tensor(torch::stack({torch::tensor(c_rows),
                                                   torch::tensor(c_cols)}),
                                     torch::tensor(c_values, options),
                                     {long(group.n_pairs) * n_c, n_rows})
              .coalesce()
              .to(dtype);
          group.constraints_t = group.constraints.t().coalesce();
          if (parameters.projection)
            group.gram_inverse =
              torch::tensor(gram, options)
                .reshape({long(group.n_pairs), long(n_c), long(n_c)})
                .to(dtype);
          group.rhs =
            torch::tensor(rhs, options).reshape({n_rows, 4}).to(dtype);
          group.reference =
            torch::tensor(reference, options).reshape({n_rows, 4}).to(dtype);
          group.mu = (parameters.initial_weight *
                      torch::rand({long(group.n_pairs) * n_c, 4}, options))
                       .to(dtype)
                       .set_requires_grad(true);
        }
    }


    torch::Tensor
    NeuralCorrectors::correctors(Group &group) const
    {
      torch::Tensor a = group.network->forward(group.x, group.p)
                          .reshape({long(group.n_pairs) * group.n_free, 4}) *
                        group.mask;
      if (parameters.projection && group.n_constraints > 0)
        {
          const long n_pairs = group.n_pairs, n_c = group.n_constraints;
          const torch::Tensor y =
            torch::bmm(
              group.gram_inverse,
              torch::mm(group.constraints, a).reshape({n_pairs, n_c, 4}))
              .reshape({n_pairs * n_c, 4});
          a = a - torch::mm(group.constraints_t, y);
        }
      return a;
    }


    std::vector<torch::Tensor>
    NeuralCorrectors::loss_terms()
    {
      const auto    options = torch::TensorOptions().dtype(dtype);
      torch::Tensor energy  = torch::zeros({}, options),
                    penalty = torch::zeros({}, options);
      for (Group &group : groups)
        if (group.n_pairs > 0)
          {
            const torch::Tensor a  = correctors(group);
            const torch::Tensor Sa = torch::mm(group.stiffness, a);
            // Minus the Lemma 3.6 lower bound (a constant): the term is
            // >= 0, as the trainer's early stop expects of a loss.
            energy =
              energy + (0.5 * a * Sa - group.rhs * a).sum() - group.bound;
            penalty = penalty +
                      (group.mu * torch::mm(group.constraints, a)).pow(2).sum();
          }
        else
          // Keep every parameter in the graph (zero contribution).
          for (const auto &parameter : group.network->parameters())
            energy = energy + 0. * parameter.sum();
      return {energy / n_global, penalty / n_global};
    }


    std::vector<torch::Tensor>
    NeuralCorrectors::ascent_parameters() const
    {
      std::vector<torch::Tensor> result;
      for (const Group &group : groups)
        if (group.n_pairs > 0)
          result.push_back(group.mu);
      return result;
    }


    double
    NeuralCorrectors::validation_error() const
    {
      torch::NoGradGuard no_grad;
      double             sums[2] = {0, 0};
      for (const Group &group : groups)
        if (group.n_pairs > 0)
          {
            const torch::Tensor a =
              const_cast<NeuralCorrectors *>(this)->correctors(
                const_cast<Group &>(group));
            const torch::Tensor e = a - group.reference;
            sums[0] += (e * torch::mm(group.stiffness, e)).sum().item<double>();
            sums[1] +=
              (group.reference * torch::mm(group.stiffness, group.reference))
                .sum()
                .item<double>();
          }
      Utilities::MPI::sum(ArrayView<const double>(sums, 2),
                          comm,
                          ArrayView<double>(sums, 2));
      return std::sqrt(sums[0] / sums[1]);
    }


    std::array<double, 3>
    NeuralCorrectors::energy_diagnostics() const
    {
      torch::NoGradGuard no_grad;
      double             sums[3] = {0, 0, 0};
      for (const Group &group : groups)
        if (group.n_pairs > 0)
          {
            const torch::Tensor a =
              const_cast<NeuralCorrectors *>(this)->correctors(
                const_cast<Group &>(group));
            sums[0] += (0.5 * a * torch::mm(group.stiffness, a) - group.rhs * a)
                         .sum()
                         .item<double>();
            sums[1] += group.bound;
            sums[2] += group.reference_energy;
          }
      Utilities::MPI::sum(ArrayView<const double>(sums, 3),
                          comm,
                          ArrayView<double>(sums, 3));
      return {{sums[0], sums[1], sums[2]}};
    }


    CellCorrectors
    NeuralCorrectors::evaluate(const CellField &field) const
    {
      torch::NoGradGuard no_grad;
      CellCorrectors     result(grid.n_coarse_cells());
      for (const Group &group : groups)
        {
          std::vector<torch::Tensor> x;
          std::vector<double>        p;
          for (const unsigned int K : group.cells)
            {
              x.push_back(node_inputs(field, K, group.n_free));
              const auto patch = patch_parameters(field, K);
              p.insert(p.end(), patch.begin(), patch.end());
            }
          const long          n_cells = group.cells.size();
          CorrectorNetwork    network = group.network;
          const torch::Tensor values =
            network
              ->forward(
                torch::stack(x),
                torch::tensor(p, torch::TensorOptions().dtype(torch::kFloat64))
                  .reshape({n_cells, -1})
                  .to(dtype))
              .reshape({n_cells, long(group.n_free), 4})
              .to(torch::kFloat64)
              .contiguous();
          const double *data = values.data_ptr<double>();
          for (long c = 0; c < n_cells; ++c)
            {
              const unsigned int K   = group.cells[c];
              const CellBox<2>   box = grid.patch(K, layers);
              result[K].assign(4, Vector<double>(grid.n_box_nodes(box)));
              unsigned int f = 0;
              for (unsigned int node = 0; node < grid.n_box_nodes(box); ++node)
                if (!grid.box_node_on_boundary(box, node))
                  {
                    for (unsigned int v = 0; v < 4; ++v)
                      result[K][v][node] = data[(c * group.n_free + f) * 4 + v];
                    ++f;
                  }
              if (parameters.projection)
                {
                  // a <- a - C^T (C C^T)^{-1} C a on the free nodes.
                  const FullMatrix<double> &C = cell_constraints[K];
                  Vector<double>            a(C.n()), Ca(C.m()), y(C.m()),
                    correction(C.n());
                  for (unsigned int v = 0; v < 4; ++v)
                    {
                      for (unsigned int i = 0; i < C.n(); ++i)
                        a[i] = data[(c * group.n_free + i) * 4 + v];
                      C.vmult(Ca, a);
                      cell_gram_inverse[K].vmult(y, Ca);
                      C.Tvmult(correction, y);
                      unsigned int i = 0;
                      for (unsigned int node = 0; node < grid.n_box_nodes(box);
                           ++node)
                        if (!grid.box_node_on_boundary(box, node))
                          result[K][v][node] -= correction[i++];
                    }
                }
            }
        }
      return result;
    }
  } // namespace deep_ritz
} // namespace neuhom
