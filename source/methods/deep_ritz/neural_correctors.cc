#include <neuhom/core/input_error.h>
#include <neuhom/lod/patch_matrices.h>
#include <neuhom/lod/patch_problem.h>
#include <neuhom/methods/deep_ritz/neural_correctors.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

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
      prm.declare_entry("Pairs per batch",
                        "0",
                        Patterns::Integer(0),
                        "(coefficient, coarse cell) pairs per training step "
                        "(a random batch, all ranks together); 0: all.");
      prm.declare_entry("Inference precision",
                        "network",
                        Patterns::Selection("network|float32"),
                        "Precision of the online forward passes: network: the "
                        "networks' own (Network/Precision); float32: a float32 "
                        "copy of each network (training is unchanged).");
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
      pairs_per_batch   = prm.get_integer("Pairs per batch");
      single_precision_inference = prm.get("Inference precision") == "float32";
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
      const double rows_per_pair = free_nodes * (basis_index_input ? 4 : 1);
      const double constraints   = std::pow(2. * layers + 2, 2);
      const double per_pair =
        8 *
        (rows_per_pair * n_node_inputs() +
         free_nodes * (2 * 9 + 2 * 4 + 1 + constraints) +
         constraints * (constraints + 4) + n_patch_inputs(layers, refinement));
      const double batch_pairs = pairs_per_batch > 0 ?
                                   std::min<double>(pairs_per_batch, n_pairs) :
                                   n_pairs;
      // The network sees no derivatives of its inputs: autograd keeps
      // about three numbers per hidden unit and row (pre-activation,
      // activation, its gradient in the backward pass), and the batch's
      // copies of the data.
      const double element_size = c10::elementSize(network.dtype);
      const double units        = double(network.hidden_layers) * network.width;
      return n_pairs * per_pair +
             batch_pairs *
               (per_pair + rows_per_pair * 3 * units * element_size);
    }


    CorrectorNetworkImpl::CorrectorNetworkImpl(
      const unsigned int       n_node_inputs,
      const unsigned int       n_parameters,
      const unsigned int       n_outputs,
      const NetworkParameters &parameters)
      : n_node_inputs(n_node_inputs)
      , n_parameters(n_parameters)
      , n_outputs(n_outputs)
      , network_parameters(parameters)
      , activation(parameters.activation)
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


    namespace
    {
      NetworkParameters
      with_dtype(NetworkParameters parameters, const torch::Dtype dtype)
      {
        parameters.dtype = dtype;
        return parameters;
      }
    } // namespace


    CorrectorNetworkImpl::CorrectorNetworkImpl(
      const CorrectorNetworkImpl &other,
      const torch::Dtype          dtype)
      : CorrectorNetworkImpl(other.n_node_inputs,
                             other.n_parameters,
                             other.n_outputs,
                             with_dtype(other.network_parameters, dtype))
    {
      torch::NoGradGuard no_grad;
      const auto target = this->parameters(), source = other.parameters();
      for (std::size_t i = 0; i < target.size(); ++i)
        target[i].copy_(source[i]);
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
      cell_position.resize(grid.n_coarse_cells());
      for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
        {
          const std::string key = configuration(K);
          if (index.find(key) == index.end())
            {
              index[key] = groups.size();
              groups.emplace_back();
              groups.back().key = key;
            }
          cell_group[K]    = index[key];
          cell_position[K] = groups[index[key]].cells.size();
          groups[index[key]].cells.push_back(K);
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
      if (parameters.projection)
        set_up_projection();
    }


    void
    NeuralCorrectors::set_up_projection()
    {
      // C depends on the patch geometry only: any coefficient will do.
      const CellField ones(
        grid.fine_cells_per_direction(),
        std::vector<double>(grid.fine_cells_per_direction() *
                              grid.fine_cells_per_direction(),
                            1.));
      const CoefficientSamples<2> samples = sample_field(grid, ones);
      for (Group &group : groups)
        {
          // Patches of one shape have the same C (a translation): one
          // PatchShape serves all of them.
          std::vector<FullMatrix<double>> shape_constraints;
          group.shapes.clear();
          group.cell_shape.clear();
          for (const unsigned int K : group.cells)
            {
              const FullMatrix<double> C =
                make_patch_matrices(grid, K, layers, samples).constraints;
              // FullMatrix::operator== compares the entries only.
              const auto same = [&C](const FullMatrix<double> &other) {
                return other.m() == C.m() && other.n() == C.n() && other == C;
              };
              const unsigned int shape = std::find_if(shape_constraints.begin(),
                                                      shape_constraints.end(),
                                                      same) -
                                         shape_constraints.begin();
              if (shape == shape_constraints.size())
                {
                  shape_constraints.push_back(C);
                  group.shapes.emplace_back(C);
                }
              group.cell_shape.push_back(shape);
            }
        }
    }


    NeuralCorrectors::PatchShape::PatchShape(const FullMatrix<double> &C)
      : gram_inverse(C.m(), C.m())
    {
      row_start.push_back(0);
      for (unsigned int i = 0; i < C.m(); ++i)
        {
          for (unsigned int j = 0; j < C.n(); ++j)
            if (C(i, j) != 0)
              {
                columns.push_back(j);
                values.push_back(C(i, j));
              }
          row_start.push_back(columns.size());
        }
      C.mTmult(gram_inverse, C);
      gram_inverse.gauss_jordan();
    }


    const NeuralCorrectors::PatchShape &
    NeuralCorrectors::patch_shape(const unsigned int cell) const
    {
      const Group &group = groups[cell_group[cell]];
      return group.shapes[group.cell_shape[cell_position[cell]]];
    }


    void
    NeuralCorrectors::PatchShape::project(double *a) const
    {
      // a <- a - C^T (C C^T)^{-1} C a with the sparse rows of C; a holds
      // (n_free, 4), one column per basis function.
      const unsigned int  n_c = gram_inverse.m();
      std::vector<double> y(4 * n_c, 0.), z(4 * n_c, 0.);
      for (unsigned int i = 0; i < n_c; ++i)
        for (unsigned int k = row_start[i]; k < row_start[i + 1]; ++k)
          for (unsigned int v = 0; v < 4; ++v)
            y[4 * i + v] += values[k] * a[4 * columns[k] + v];
      for (unsigned int i = 0; i < n_c; ++i)
        for (unsigned int j = 0; j < n_c; ++j)
          for (unsigned int v = 0; v < 4; ++v)
            z[4 * i + v] += gram_inverse(i, j) * y[4 * j + v];
      for (unsigned int i = 0; i < n_c; ++i)
        for (unsigned int k = row_start[i]; k < row_start[i + 1]; ++k)
          for (unsigned int v = 0; v < 4; ++v)
            a[4 * columns[k] + v] -= values[k] * z[4 * i + v];
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


    template <typename Number>
    void
    NeuralCorrectors::node_inputs(const CellField   &field,
                                  const unsigned int cell,
                                  Number            *values) const
    {
      const CellBox<2>   box   = grid.patch(cell, layers);
      const auto         index = grid.coarse_cell_index(cell);
      const unsigned int r     = grid.refinement();
      const unsigned int n_v   = parameters.basis_index_input ? 4 : 1;
      const unsigned int n_in  = parameters.n_node_inputs();
      const unsigned int w     = parameters.node_window;
      // The coefficient on the (2w)^2 fine cells around each node, divided
      // by its maximum on the patch: the corrector has its kinks there.
      // Read from the patch's values with a border of w zero cells.
      const unsigned int  n_x = box.size[0] * r, n_y = box.size[1] * r;
      const unsigned int  stride = n_x + 2 * w;
      std::vector<Number> padded(stride * (n_y + 2 * w), Number(0));
      const double        max = patch_maximum(field, cell);
      for (unsigned int j = 0; j < n_y; ++j)
        for (unsigned int i = 0; i < n_x; ++i)
          padded[i + w + stride * (j + w)] =
            field.cell_value(box.lower[0] * r + i, box.lower[1] * r + j) / max;
      unsigned int f = 0;
      for (unsigned int iy = 1; iy < n_y; ++iy)
        for (unsigned int ix = 1; ix < n_x; ++ix, ++f)
          {
            // Position relative to the center of K in units of (l + 1/2) H.
            const double x =
              (double(box.lower[0] * r + ix) / r - index[0] - 0.5) /
              (layers + 0.5);
            const double y =
              (double(box.lower[1] * r + iy) / r - index[1] - 0.5) /
              (layers + 0.5);
            for (unsigned int v = 0; v < n_v; ++v)
              {
                Number *row = &values[(f * n_v + v) * n_in];
                row[0]      = x;
                row[1]      = y;
                // Fine cells (ix - w + a, iy - w + b) of the box.
                for (unsigned int b = 0; b < 2 * w; ++b)
                  std::copy_n(&padded[ix + stride * (iy + b)],
                              2 * w,
                              row + 2 + 2 * w * b);
                if (parameters.basis_index_input)
                  row[2 + 4 * w * w + v] = 1.;
              }
          }
    }


    torch::Tensor
    NeuralCorrectors::node_inputs(
      const std::vector<std::pair<const CellField *, unsigned int>> &pairs,
      const unsigned int                                             n_free,
      const torch::Dtype                                             type) const
    {
      const long    rows = n_free * (parameters.basis_index_input ? 4 : 1);
      const long    n_in = parameters.n_node_inputs();
      torch::Tensor x    = torch::zeros({long(pairs.size()), rows, n_in},
                                     torch::TensorOptions().dtype(type));
      const auto    fill = [&](auto *data) {
        for (std::size_t i = 0; i < pairs.size(); ++i)
          node_inputs(*pairs[i].first, pairs[i].second, data + i * rows * n_in);
      };
      if (type == torch::kFloat32)
        fill(x.data_ptr<float>());
      else
        fill(x.data_ptr<double>());
      return x;
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
      const auto options       = torch::TensorOptions().dtype(torch::kFloat64);

      // The distinct pairs, the same list on every rank.
      std::vector<std::vector<bool>> repeated(
        fields.size(),
        std::vector<bool>(grid.n_coarse_cells(), false));
      unsigned int n_distinct = 0;
      for (unsigned int k = 0; k < fields.size(); ++k)
        for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
          {
            for (unsigned int j = 0; j < k && !repeated[k][K]; ++j)
              repeated[k][K] = !repeated[j][K] && patch_values(fields[j], K) ==
                                                    patch_values(fields[k], K);
            n_distinct += repeated[k][K] ? 0 : 1;
          }
      n_global = 4. * n_distinct;

      std::vector<CoefficientSamples<2>> samples;
      for (const CellField &field : fields)
        samples.push_back(sample_field(grid, field));

      unsigned int pair = 0;
      torch::manual_seed(12345 + rank);
      for (Group &group : groups)
        {
          std::vector<double> p, mask, rhs, reference, bound;
          std::vector<double> s_values, c_values, gram;
          std::vector<long>   s_columns;
          group.n_constraints    = 0;
          group.n_pairs          = 0;
          group.reference_energy = 0;
          std::vector<std::pair<unsigned int, unsigned int>> own;
          group.n_pairs_all = 0;
          group.global_position.clear();
          for (unsigned int k = 0; k < fields.size(); ++k)
            for (const unsigned int K : group.cells)
              if (!repeated[k][K])
                {
                  if (pair++ % ranks == rank)
                    {
                      own.emplace_back(k, K);
                      group.global_position.push_back(group.n_pairs_all);
                    }
                  ++group.n_pairs_all;
                }
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
              // Each pair's energy in units of the coefficient's maximum on
              // its patch: the correctors do not change when a is scaled,
              // and without this the pairs with the largest values (contrast
              // 1:1000 between patches in the benchmark) dominate the loss.
              const double unit  = 1. / patch_maximum(fields[k], K);
              const auto   patch = patch_parameters(fields[k], K);
              p.insert(p.end(), patch.begin(), patch.end());
              for (unsigned int i = 0; i < n_f; ++i)
                mask.push_back(i < m.n_free() ? 1. : 0.);
              // S as (row, stencil) values and columns; column n_f is the
              // zero padding.
              std::vector<double>       values(n_f * stencil, 0.);
              std::vector<long>         columns(n_f * stencil, n_f);
              std::vector<unsigned int> count(n_f, 0);
              for (std::size_t e = 0; e < m.stiffness_values.size(); ++e)
                {
                  const unsigned int i = m.stiffness_rows[e];
                  AssertThrow(count[i] < stencil,
                              ExcMessage("more than 9 stiffness entries in a "
                                         "row of a Q1 patch matrix"));
                  values[i * stencil + count[i]] = unit * m.stiffness_values[e];
                  columns[i * stencil + count[i]++] = m.stiffness_columns[e];
                }
              s_values.insert(s_values.end(), values.begin(), values.end());
              s_columns.insert(s_columns.end(), columns.begin(), columns.end());
              for (unsigned int c = 0; c < n_c; ++c)
                for (unsigned int j = 0; j < n_f; ++j)
                  c_values.push_back(c < m.constraints.m() && j < m.n_free() ?
                                       m.constraints(c, j) :
                                       0.);
              if (parameters.projection)
                {
                  const FullMatrix<double> &G = patch_shape(K).gram_inverse;
                  for (unsigned int a = 0; a < n_c; ++a)
                    for (unsigned int b = 0; b < n_c; ++b)
                      gram.push_back(a < G.m() && b < G.m() ? G(a, b) : 0.);
                }
              std::vector<double> r_s(n_f * 4, 0.), q_s(n_f * 4, 0.);
              const auto          classical =
                compute_element_correctors(grid, K, layers, samples[k]);
              double pair_bound = 0;
              for (unsigned int v = 0; v < 4; ++v)
                {
                  Vector<double> q(m.n_free());
                  for (unsigned int i = 0; i < m.n_free(); ++i)
                    {
                      r_s[i * 4 + v] = unit * m.rhs(i, v);
                      q[i]           = q_s[i * 4 + v] =
                        classical.correctors[v][m.free_nodes[i]];
                    }
                  pair_bound -= 0.5 * unit * m.element_energy[v];
                  group.reference_energy += unit * m.energy(q, v);
                }
              bound.push_back(pair_bound);
              rhs.insert(rhs.end(), r_s.begin(), r_s.end());
              reference.insert(reference.end(), q_s.begin(), q_s.end());
            }
          group.n_pairs = own.size();
          if (group.n_pairs == 0)
            continue;
          const long n_p    = group.n_pairs;
          const auto tensor = [&](const std::vector<double> &values,
                                  const std::vector<long>   &shape) {
            return torch::tensor(values, options).reshape(shape).to(dtype);
          };
          std::vector<std::pair<const CellField *, unsigned int>> inputs;
          for (const auto &[k, K] : own)
            inputs.emplace_back(&fields[k], K);
          group.x                = node_inputs(inputs, n_f, dtype);
          group.p                = tensor(p, {n_p, -1});
          group.mask             = tensor(mask, {n_p, n_f, 1});
          group.stiffness_values = tensor(s_values, {n_p, n_f, stencil});
          group.stiffness_columns =
            torch::tensor(s_columns).reshape({n_p, long(n_f) * stencil, 1});
          group.constraints = tensor(c_values, {n_p, n_c, n_f});
          if (parameters.projection)
            group.gram_inverse = tensor(gram, {n_p, n_c, n_c});
          group.rhs       = tensor(rhs, {n_p, n_f, 4});
          group.reference = tensor(reference, {n_p, n_f, 4});
          group.bound     = tensor(bound, {n_p});
          group.mu        = (parameters.initial_weight *
                      torch::rand({n_p, long(n_c), 4}, options))
                       .to(dtype)
                       .set_requires_grad(true);
        }
    }


    namespace
    {
      /** The rows @p pairs of @p tensor (all of it for an undefined
       * @p pairs). */
      torch::Tensor
      select_pairs(const torch::Tensor &tensor, const torch::Tensor &pairs)
      {
        return pairs.defined() ? tensor.index_select(0, pairs) : tensor;
      }
    } // namespace


    torch::Tensor
    NeuralCorrectors::correctors(const Group         &group,
                                 const torch::Tensor &pairs) const
    {
      // A module handle is a shared pointer: copying it drops the const.
      CorrectorNetwork network = group.network;
      torch::Tensor    a       = network->forward(select_pairs(group.x, pairs),
                                         select_pairs(group.p, pairs));
      a                        = a.reshape({a.size(0), long(group.n_free), 4}) *
          select_pairs(group.mask, pairs);
      if (parameters.projection && group.n_constraints > 0)
        {
          // a <- a - C^T (C C^T)^{-1} C a per pair.
          const torch::Tensor C = select_pairs(group.constraints, pairs);
          const torch::Tensor y =
            torch::bmm(select_pairs(group.gram_inverse, pairs),
                       torch::bmm(C, a));
          a = a - torch::bmm(C.transpose(1, 2), y);
        }
      return a;
    }


    torch::Tensor
    NeuralCorrectors::apply_stiffness(const Group         &group,
                                      const torch::Tensor &pairs,
                                      const torch::Tensor &a) const
    {
      const long          n_p = a.size(0), n_f = group.n_free;
      const torch::Tensor a_pad =
        torch::cat({a, torch::zeros({n_p, 1, a.size(2)}, a.options())}, 1);
      const torch::Tensor neighbours =
        a_pad.gather(1,
                     select_pairs(group.stiffness_columns, pairs)
                       .expand({n_p, n_f * stencil, a.size(2)}));
      return (neighbours.reshape({n_p, n_f, stencil, a.size(2)}) *
              select_pairs(group.stiffness_values, pairs).unsqueeze(-1))
        .sum(2);
    }


    std::pair<torch::Tensor, double>
    NeuralCorrectors::batch(const Group       &group,
                            const unsigned int g,
                            const unsigned int iteration) const
    {
      if (parameters.pairs_per_batch == 0 ||
          parameters.pairs_per_batch >= n_training_pairs())
        return {torch::Tensor(), 1.};
      // The same share of every configuration, drawn from the iteration
      // number among all ranks' pairs: the batch does not depend on the
      // number of ranks, and a resumed run draws the same batches.
      const unsigned int n =
        std::max<long>(1,
                       std::lround(double(group.n_pairs_all) *
                                   parameters.pairs_per_batch /
                                   n_training_pairs()));
      std::vector<unsigned int> all(group.n_pairs_all);
      std::iota(all.begin(), all.end(), 0);
      std::seed_seq seed{iteration, g};
      std::mt19937  random(seed);
      for (unsigned int i = 0; i < n && i + 1 < all.size(); ++i)
        std::swap(
          all[i],
          all[std::uniform_int_distribution<std::size_t>(i, all.size() - 1)(
            random)]);
      std::vector<bool> chosen(all.size(), false);
      for (unsigned int i = 0; i < std::min<std::size_t>(n, all.size()); ++i)
        chosen[all[i]] = true;
      std::vector<long> own;
      for (unsigned int i = 0; i < group.n_pairs; ++i)
        if (chosen[group.global_position[i]])
          own.push_back(i);
      return {torch::tensor(own, torch::kLong),
              double(group.n_pairs_all) / std::min<std::size_t>(n, all.size())};
    }


    std::vector<torch::Tensor>
    NeuralCorrectors::loss_terms(const unsigned int iteration)
    {
      const auto    options = torch::TensorOptions().dtype(dtype);
      torch::Tensor energy  = torch::zeros({}, options),
                    penalty = torch::zeros({}, options);
      for (unsigned int g = 0; g < groups.size(); ++g)
        {
          Group &group = groups[g];
          // With a batch, scale gives an unbiased estimate of the sum over
          // all pairs.
          const auto [pairs, scale] = batch(group, g, iteration);
          if (group.n_pairs > 0 && (!pairs.defined() || pairs.size(0) > 0))
            {
              const torch::Tensor a = correctors(group, pairs);
              // Minus the Lemma 3.6 lower bound (a constant): the term is
              // >= 0, as the trainer's early stop expects of a loss.
              energy =
                energy + scale * ((0.5 * a * apply_stiffness(group, pairs, a) -
                                   select_pairs(group.rhs, pairs) * a)
                                    .sum() -
                                  select_pairs(group.bound, pairs).sum());
              penalty =
                penalty +
                scale * (select_pairs(group.mu, pairs) *
                         torch::bmm(select_pairs(group.constraints, pairs), a))
                          .pow(2)
                          .sum();
            }
          // Keep every parameter in the graph (zero contribution), also of
          // a configuration without pairs in this rank's batch.
          for (const auto &parameter : group.network->parameters())
            energy = energy + 0. * parameter.sum();
        }
      return {energy / n_global, penalty / n_global};
    }


    template <typename Function>
    void
    NeuralCorrectors::for_each_chunk(const Function &function) const
    {
      torch::NoGradGuard no_grad;
      const long         chunk =
        parameters.pairs_per_batch > 0 ? parameters.pairs_per_batch : 256;
      for (const Group &group : groups)
        for (long begin = 0; begin < group.n_pairs; begin += chunk)
          {
            const torch::Tensor pairs =
              torch::arange(begin,
                            std::min<long>(begin + chunk, group.n_pairs));
            function(group, pairs, correctors(group, pairs));
          }
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
      double sums[2] = {0, 0};
      for_each_chunk([&](const Group         &group,
                         const torch::Tensor &pairs,
                         const torch::Tensor &a) {
        const torch::Tensor q = select_pairs(group.reference, pairs);
        const torch::Tensor e = a - q;
        sums[0] += (e * apply_stiffness(group, pairs, e)).sum().item<double>();
        sums[1] += (q * apply_stiffness(group, pairs, q)).sum().item<double>();
      });
      Utilities::MPI::sum(ArrayView<const double>(sums, 2),
                          comm,
                          ArrayView<double>(sums, 2));
      return std::sqrt(sums[0] / sums[1]);
    }


    std::array<double, 3>
    NeuralCorrectors::energy_diagnostics() const
    {
      double sums[3] = {0, 0, 0};
      for_each_chunk([&](const Group         &group,
                         const torch::Tensor &pairs,
                         const torch::Tensor &a) {
        sums[0] += (0.5 * a * apply_stiffness(group, pairs, a) -
                    select_pairs(group.rhs, pairs) * a)
                     .sum()
                     .item<double>();
        sums[1] += select_pairs(group.bound, pairs).sum().item<double>();
      });
      for (const Group &group : groups)
        sums[2] += group.reference_energy;
      Utilities::MPI::sum(ArrayView<const double>(sums, 3),
                          comm,
                          ArrayView<double>(sums, 3));
      return {{sums[0], sums[1], sums[2]}};
    }


    std::vector<double>
    NeuralCorrectors::patch_values(const CellField   &field,
                                   const unsigned int cell) const
    {
      const CellBox<2>    box = grid.patch(cell, layers);
      const unsigned int  r   = grid.refinement();
      std::vector<double> values;
      for (unsigned int j = box.lower[1] * r;
           j < (box.lower[1] + box.size[1]) * r;
           ++j)
        for (unsigned int i = box.lower[0] * r;
             i < (box.lower[0] + box.size[0]) * r;
             ++i)
          values.push_back(field.cell_value(i, j));
      return values;
    }


    double
    NeuralCorrectors::patch_maximum(const CellField   &field,
                                    const unsigned int cell) const
    {
      const std::vector<double> values = patch_values(field, cell);
      return *std::max_element(values.begin(), values.end());
    }


    CorrectorNetwork
    NeuralCorrectors::inference_network(const Group &group) const
    {
      if (inference_dtype() == dtype)
        return group.network;
      // Every in-place change of a parameter (optimizer step, checkpoint
      // load) increments its version, so the sum tells whether the copy is
      // still that of the trained network.
      std::int64_t version = 0;
      for (const auto &parameter : group.network->parameters())
        version += parameter._version();
      if (version != group.inference_version)
        {
          // Constructing a network seeds torch's generator; whoever draws
          // from it next must not notice.
          auto       generator = at::detail::getDefaultCPUGenerator();
          const auto state     = generator.get_state();
          group.inference_network =
            CorrectorNetwork(*group.network, inference_dtype());
          generator.set_state(state);
          group.inference_version = version;
        }
      return group.inference_network;
    }


    CellCorrectors
    NeuralCorrectors::evaluate(const CellField &field) const
    {
      std::vector<unsigned int> all(grid.n_coarse_cells());
      std::iota(all.begin(), all.end(), 0);
      return evaluate(field, all);
    }


    CellCorrectors
    NeuralCorrectors::evaluate(const CellField                 &field,
                               const std::vector<unsigned int> &cells) const
    {
      torch::NoGradGuard no_grad;
      CellCorrectors     result(cells.size());
      // Positions in @p cells by configuration: one forward pass each.
      std::vector<std::vector<unsigned int>> positions(groups.size());
      for (unsigned int i = 0; i < cells.size(); ++i)
        positions[cell_group[cells[i]]].push_back(i);
      for (unsigned int g = 0; g < groups.size(); ++g)
        {
          const Group &group = groups[g];
          if (positions[g].empty())
            continue;
          const long n_cells = positions[g].size();
          std::vector<std::pair<const CellField *, unsigned int>> inputs;
          std::vector<double>                                     p;
          for (const unsigned int i : positions[g])
            {
              inputs.emplace_back(&field, cells[i]);
              const auto patch = patch_parameters(field, cells[i]);
              p.insert(p.end(), patch.begin(), patch.end());
            }
          CorrectorNetwork    network = inference_network(group);
          const torch::Tensor a =
            network
              ->forward(
                node_inputs(inputs, group.n_free, inference_dtype()),
                torch::tensor(p, torch::TensorOptions().dtype(torch::kFloat64))
                  .reshape({n_cells, -1})
                  .to(inference_dtype()))
              .reshape({n_cells, long(group.n_free), 4})
              .contiguous();
          // Per cell: the output in double (a block small enough for the
          // cache), projected there, then copied into the deal.II vectors
          // (zero on the patch boundary).
          std::vector<double> block(group.n_free * 4);
          const auto          copy = [&](const auto *data) {
            for (long c = 0; c < n_cells; ++c)
              {
                const unsigned int K   = cells[positions[g][c]];
                const CellBox<2>   box = grid.patch(K, layers);
                std::copy_n(data + c * block.size(),
                            block.size(),
                            block.begin());
                if (parameters.projection)
                  patch_shape(K).project(block.data());
                const double                *values = block.data();
                std::vector<Vector<double>> &correctors =
                  result[positions[g][c]];
                correctors.resize(4);
                for (Vector<double> &corrector : correctors)
                  corrector.reinit(grid.n_box_nodes(box), true);
                for (unsigned int node = 0; node < grid.n_box_nodes(box);
                     ++node)
                  if (grid.box_node_on_boundary(box, node))
                    for (unsigned int v = 0; v < 4; ++v)
                      correctors[v][node] = 0;
                  else
                    {
                      for (unsigned int v = 0; v < 4; ++v)
                        correctors[v][node] = values[v];
                      values += 4;
                    }
              }
          };
          if (a.scalar_type() == torch::kFloat32)
            copy(a.data_ptr<float>());
          else
            copy(a.data_ptr<double>());
        }
      return result;
    }


    NeuralCorrectorSource::NeuralCorrectorSource(
      const NeuralCorrectors &networks,
      const Function<2>      &coefficient,
      const unsigned int      fine_cells_per_direction)
      : networks(networks)
      , coefficient(coefficient)
      , n_fine(fine_cells_per_direction)
    {}


    std::vector<std::vector<Vector<double>>>
    NeuralCorrectorSource::correctors(const std::vector<unsigned int> &cells)
    {
      if (cells.empty())
        return {};
      return networks.evaluate(
        CellField(n_fine, cell_centre_values(coefficient, n_fine)),
        cells);
    }
  } // namespace deep_ritz
} // namespace neuhom
