// Deep Ritz LOD correctors on a tiny case (H = 1/3, h = 1/9, l = 1):
// - the patch matrices reproduce the classical corrector (C q* = 0, energy
//   E* = -1/2 r^T q*, every constrained perturbation has a larger energy);
// - the Ritz energy of any vector is >= -1/2 gamma^T A_T gamma (Lemma 3.6);
// - 300 Adam iterations of the networks (output projected onto ker C)
//   approach the classical energy from above (E >= E*, E / E* > 0.6), with a
//   patch error below 0.6 and basis errors below 0.35 (training
//   coefficient) and 0.6 (unseen coefficient);
// - checkpoint / resume continues to the same networks;
// - float32 inference agrees with float64 to float32 round-off, follows
//   further training, and leaves torch's generator alone;
// - the online projection puts every corrector into ker C, also with one
//   network for patches of several shapes, and a subset of the cells
//   evaluates to the same correctors;
// - the 8 symmetry images of a field are distinct, closed under taking
//   images again, and have the same classical LOD compliance F^T U (f = 1);
// - bad parameter sample files are rejected with a clear message.

#include <neuhom/core/input_error.h>
#include <neuhom/lod/patch_matrices.h>
#include <neuhom/lod/patch_problem.h>
#include <neuhom/methods/deep_ritz/cell_field.h>
#include <neuhom/methods/deep_ritz/lod_space.h>
#include <neuhom/methods/deep_ritz/neural_correctors.h>
#include <neuhom/nn/trainer.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>

#include "../../tests.h"

using namespace dealii;
using namespace neuhom;
using namespace neuhom::deep_ritz;


void
check_patch_energies(const NestedGrid<2> &grid, const CellField &field)
{
  const CoefficientSamples<2>      samples = sample_field(grid, field);
  std::mt19937                     generator(3);
  std::normal_distribution<double> normal(0., 1.);
  double max_constraint = 0, max_energy_gap = 0, min_perturbation_gain = 1e300,
         min_bound_margin = 1e300;
  for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
    {
      const PatchMatrices<2> m = make_patch_matrices(grid, K, 1, samples);
      const auto classical = compute_element_correctors(grid, K, 1, samples);
      // C C^T for the projection onto ker C.
      FullMatrix<double> CCt(m.constraints.m(), m.constraints.m());
      m.constraints.mTmult(CCt, m.constraints);
      CCt.gauss_jordan();
      for (unsigned int v = 0; v < 4; ++v)
        {
          Vector<double> q(m.n_free());
          for (unsigned int i = 0; i < m.n_free(); ++i)
            q[i] = classical.correctors[v][m.free_nodes[i]];
          Vector<double> Cq(m.constraints.m());
          m.constraints.vmult(Cq, q);
          max_constraint      = std::max(max_constraint, Cq.linfty_norm());
          const double E_star = m.energy(q, v);
          double       rq     = 0;
          for (unsigned int i = 0; i < m.n_free(); ++i)
            rq += m.rhs(i, v) * q[i];
          max_energy_gap =
            std::max(max_energy_gap, std::abs(E_star + 0.5 * rq));
          const double bound = -0.5 * m.element_energy[v];
          for (unsigned int trial = 0; trial < 20; ++trial)
            {
              Vector<double> w(m.n_free());
              for (double &x : w)
                x = normal(generator) * (trial % 2 ? 1e-3 : 1.);
              // Lemma 3.6 for an arbitrary vector.
              min_bound_margin =
                std::min(min_bound_margin, m.energy(w, v) - bound);
              // w - C^T (C C^T)^{-1} C w lies in ker C.
              Vector<double> Cw(m.constraints.m()), y(m.constraints.m()),
                correction(m.n_free());
              m.constraints.vmult(Cw, w);
              CCt.vmult(y, Cw);
              m.constraints.Tvmult(correction, y);
              w -= correction;
              Vector<double> perturbed = q;
              perturbed += w;
              min_perturbation_gain = std::min(min_perturbation_gain,
                                               m.energy(perturbed, v) - E_star);
            }
          min_bound_margin = std::min(min_bound_margin, E_star - bound);
        }
    }
  deallog << "max |C q*| " << (max_constraint < 1e-12 ? "< 1e-12" : "FAILED")
          << std::endl;
  deallog << "max |E* + r^T q* / 2| "
          << (max_energy_gap < 1e-12 ? "< 1e-12" : "FAILED") << std::endl;
  deallog << "E(q* + w) - E* >= 0 for w in ker C: "
          << (min_perturbation_gain > -1e-13 ? "yes" : "FAILED") << std::endl;
  deallog << "E(w) + gamma^T A_T gamma / 2 >= 0 (Lemma 3.6): "
          << (min_bound_margin >= 0 ? "yes" : "FAILED") << std::endl;
}


TrainingParameters
training_from(const std::string &settings)
{
  ParameterHandler prm;
  TrainingParameters::declare_parameters(prm);
  prm.parse_input_from_string("subsection Training\n" + settings + "end\n");
  TrainingParameters parameters;
  parameters.parse_parameters(prm);
  return parameters;
}


NetworkParameters
small_network()
{
  NetworkParameters parameters;
  parameters.hidden_layers = 2;
  parameters.width         = 16;
  return parameters;
}


// Trains the networks; returns the patch validation error.
double
train(NeuralCorrectors             &networks,
      const std::vector<CellField> &fields,
      const std::string            &settings,
      bool                          report)
{
  networks.set_training_data(fields, MPI_COMM_WORLD);
  Trainer trainer(training_from(settings),
                  networks.module(),
                  {"energy", "constraint"},
                  MPI_COMM_WORLD);
  trainer.add_ascent_parameters(networks.ascent_parameters());
  const auto before = networks.energy_diagnostics();
  trainer.train([&]() {
    return networks.loss_terms(trainer.iteration());
  });
  const auto after = networks.energy_diagnostics();
  if (report)
    {
      deallog << "energy above the Lemma 3.6 bound: "
              << (after[0] > after[1] ? "yes" : "FAILED") << std::endl;
      // With the projection onto ker C the energy can only approach the
      // classical minimum E* from above.
      deallog << "E - E* before "
              << (before[0] - before[2] > 0 ? "> 0" : "FAILED")
              << ", after >= 0: " << (after[0] >= after[2] ? "yes" : "FAILED")
              << ", E / E* > 0.6: "
              << (after[0] / after[2] > 0.6 ? "yes" : "FAILED") << std::endl;
    }
  return networks.validation_error();
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  const NestedGrid<2> grid(3, 3, 2, QuasiInterpolation::averaged_l2_projection);
  const auto          fields = random_cell_fields(9, 3, 0.1, 1., 7);

  check_patch_energies(grid, fields[0]);

  // Tiny training.
  NeuralCorrectorParameters parameters;
  parameters.initial_weight = 1;
  parameters.projection     = true;
  {
    NeuralCorrectors networks(grid, 1, parameters, small_network());
    deallog << "configurations " << networks.n_configurations() << std::endl;
    const double error =
      train(networks,
            fields,
            "set Iterations = 300\nset Learning rate = 0.01\n"
            "set Weight learning rate = 0.05\n",
            true);
    deallog << "patch energy error after 300 iterations < 0.6: "
            << (error < 0.6 ? "yes" : "FAILED") << std::endl;
    // The assembled basis on a training and an unseen coefficient.
    const auto test = random_cell_fields(9, 1, 0.1, 1., 8)[0];
    for (const CellField *field : {&fields[0], &test})
      {
        const CellField  ones(9, std::vector<double>(81, 1.));
        const FineSystem fine(grid, *field, ones);
        const auto       learned =
          corrected_basis(grid, 1, networks.evaluate(*field), fine);
        const auto classical =
          corrected_basis(grid, 1, classical_correctors(grid, 1, *field), fine);
        const double e     = basis_rel_energy_error(learned, classical, fine);
        const double bound = field == &test ? 0.6 : 0.35;
        deallog << (field == &test ? "test" : "train") << " basis error < "
                << bound << ": " << (e < bound ? "yes" : "FAILED") << std::endl;
      }
  }

  // Checkpoint / resume: 40 iterations at once against 20 + 20.
  {
    const std::string file = "ritz_checkpoint.pt";
    NeuralCorrectors  straight(grid, 1, parameters, small_network());
    const double      e1 = train(straight,
                            fields,
                            "set Iterations = 40\nset Learning rate = 0.01\n",
                            false);
    NeuralCorrectors  first(grid, 1, parameters, small_network());
    train(first,
          fields,
          "set Iterations = 20\nset Learning rate = 0.01\n"
          "set Checkpoint interval = 20\nset Checkpoint file = " +
            file + "\n",
          false);
    NeuralCorrectors resumed(grid, 1, parameters, small_network());
    const double     e2 = train(resumed,
                            fields,
                            "set Iterations = 40\nset Learning rate = 0.01\n"
                                "set Checkpoint interval = 20\nset Resume = true\n"
                                "set Checkpoint file = " +
                              file + "\n",
                            false);
    deallog << "resumed run equals the uninterrupted one: "
            << (std::abs(e1 - e2) <= 1e-12 * e1 ? "yes" : "FAILED")
            << std::endl;
    std::remove(file.c_str());
  }

  // Float32 inference: the same networks evaluated in float64 and float32.
  {
    NeuralCorrectorParameters single  = parameters;
    single.single_precision_inference = true;
    NeuralCorrectors  reference(grid, 1, parameters, small_network());
    NeuralCorrectors  fast(grid, 1, single, small_network());
    const std::string settings =
      "set Iterations = 30\nset Learning rate = 0.01\n";
    const CellField &field   = fields[1];
    const auto       compare = [&](const std::string &when) {
      const CellCorrectors a = reference.evaluate(field),
                           b = fast.evaluate(field);
      double difference = 0, size = 0;
      for (std::size_t K = 0; K < a.size(); ++K)
        for (unsigned int v = 0; v < 4; ++v)
          for (unsigned int i = 0; i < a[K][v].size(); ++i)
            {
              difference =
                std::max(difference, std::abs(a[K][v][i] - b[K][v][i]));
              size = std::max(size, std::abs(a[K][v][i]));
            }
      deallog << "float32 inference " << when << ": relative difference in "
              << "(1e-12, 1e-5): "
              << (difference > 1e-12 * size && difference < 1e-5 * size ?
                          "yes" :
                          "FAILED")
              << std::endl;
    };
    train(reference, fields, settings, false);
    train(fast, fields, settings, false);
    torch::manual_seed(5);
    const double expected = torch::rand({1}).item<double>();
    torch::manual_seed(5);
    compare("after 30 iterations");
    deallog << "generator untouched by the float32 copies: "
            << (torch::rand({1}).item<double>() == expected ? "yes" : "FAILED")
            << std::endl;
    train(reference, fields, settings, false);
    train(fast, fields, settings, false);
    compare("after 30 more");
  }

  // The online projection: every element corrector evaluate() returns lies
  // in ker C, with one network per configuration and with one network for
  // all (patches of four shapes in one batch), and evaluating a subset of
  // the cells in another order gives the same correctors.
  for (const std::string sharing : {"per configuration", "one network"})
    {
      NeuralCorrectorParameters shared = parameters;
      shared.sharing                   = sharing;
      NeuralCorrectors networks(grid, 1, shared, small_network());
      train(networks,
            fields,
            "set Iterations = 20\nset Learning rate = 0.01\n",
            false);
      const CellField            &field      = fields[2];
      const CellCorrectors        all        = networks.evaluate(field);
      const CoefficientSamples<2> samples    = sample_field(grid, field);
      double                      constraint = 0, size = 0;
      for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
        {
          const PatchMatrices<2> m = make_patch_matrices(grid, K, 1, samples);
          for (unsigned int v = 0; v < 4; ++v)
            {
              Vector<double> a(m.n_free()), Ca(m.constraints.m());
              for (unsigned int i = 0; i < m.n_free(); ++i)
                a[i] = all[K][v][m.free_nodes[i]];
              m.constraints.vmult(Ca, a);
              constraint = std::max(constraint, Ca.linfty_norm());
              size       = std::max(size, a.linfty_norm());
            }
        }
      const std::vector<unsigned int> subset = {7, 0, 4, 2};
      const CellCorrectors            some   = networks.evaluate(field, subset);
      bool                            same   = true;
      for (unsigned int i = 0; i < subset.size(); ++i)
        for (unsigned int v = 0; v < 4; ++v)
          {
            Vector<double> difference = some[i][v];
            difference -= all[subset[i]][v];
            same = same && difference.linfty_norm() <= 1e-14 * size;
          }
      deallog << sharing << ": |C a| / |a| < 1e-12: "
              << (size > 0 && constraint < 1e-12 * size ? "yes" : "FAILED")
              << ", a subset of the cells gives the same correctors: "
              << (same ? "yes" : "FAILED") << std::endl;
    }

  // Symmetry images: the square's symmetries map the LOD solution of a
  // field to that of its image, so the compliance F^T U does not change.
  {
    const auto images     = symmetry_images(fields[0]);
    const auto compliance = [&](const CellField &field) {
      const CellField    ones(9, std::vector<double>(81, 1.));
      const FineSystem   fine(grid, field, ones);
      const CoarseSystem coarse(
        corrected_basis(grid, 1, classical_correctors(grid, 1, field), fine),
        fine);
      return coarse.load * coarse.solve(coarse.load, 1., 0.);
    };
    const double reference     = compliance(fields[0]);
    double       max_deviation = 0;
    bool         distinct = true, closed = true;
    for (unsigned int i = 0; i < images.size(); ++i)
      {
        max_deviation =
          std::max(max_deviation,
                   std::abs(compliance(images[i]) - reference) / reference);
        for (unsigned int j = 0; j < i; ++j)
          distinct = distinct && images[i].values != images[j].values;
        for (const CellField &image : symmetry_images(images[i]))
          closed = closed && std::any_of(images.begin(),
                                         images.end(),
                                         [&](const CellField &other) {
                                           return other.values == image.values;
                                         });
      }
    deallog << "symmetry images: the field first: "
            << (images[0].values == fields[0].values ? "yes" : "FAILED")
            << ", 8 distinct: " << (distinct ? "yes" : "FAILED")
            << ", closed: " << (closed ? "yes" : "FAILED")
            << ", compliance the same to 1e-10: "
            << (max_deviation < 1e-10 ? "yes" : "FAILED") << std::endl;
  }

  // Bad parameter sample files.
  const auto try_file = [](const std::string &name, const std::string &text) {
    if (!text.empty())
      std::ofstream(name) << text;
    try
      {
        read_cell_fields(name, 2, "Samples/Sample file");
        deallog << name << ": accepted" << std::endl;
      }
    catch (const InputError &e)
      {
        deallog << e.what() << std::endl;
      }
    std::remove(name.c_str());
  };
  try_file("good.txt", "# four cells\n0.1 0.2 0.3 0.4\n\n1 1 1 1\n");
  try_file("missing.txt", "");
  try_file("short.txt", "0.1 0.2 0.3\n");
  try_file("negative.txt", "0.1 0.2 -0.3 0.4\n");
  try_file("text.txt", "0.1 0.2 abc 0.4\n");
  try_file("nan.txt", "0.1 nan 0.3 0.4\n");
  try_file("empty.txt", "# nothing\n");
}
