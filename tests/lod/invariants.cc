// The algebraic invariants of classical LOD on a 2D random checkerboard
// (contrast 1:100, r = H/h = 5, not a power of two):
// - I_H P = Id on the interior coarse vertices (I_H is a projection on Q1),
// - every element corrector lies in ker I_H (for I_H = pi_H o Pi_H^dg and
//   for the global L2 projection),
// - rows and columns of the PG-LOD local blocks of interior cells sum to 0,
// - the Galerkin LOD matrix is symmetric positive definite,
// - the corrected basis has no more energy than the Q1 basis (l = infinity),
// - l = infinity reproduces the global, non-localized LOD basis,
// - the PG-LOD matrix from local blocks equals a((I - C) Lambda_j, Lambda_i)
//   assembled from the corrected basis;
// - correctors from a CorrectorSource (here: the patch solves again, and
//   zero) give the classical Galerkin LOD matrix and the Q1 matrix, and
//   only the requested (changed) cells are asked for; Petrov-Galerkin with
//   a source is refused.

#include <deal.II/lac/lapack_full_matrix.h>

#include <neuhom/core/input_error.h>
#include <neuhom/lod/lod_problem.h>
#include <neuhom/lod/quasi_interpolation.h>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;

// Piecewise constant on a 10 x 10 grid, values in [0.01, 1] (contrast 100).
template <int dim>
class Checkerboard : public Coefficient<dim>
{
public:
  double
  feature_size() const override
  {
    return 0.1;
  }

  double
  value(const Point<dim> &p, const unsigned int = 0) const override
  {
    unsigned int index = 0;
    for (unsigned int d = 0; d < dim; ++d)
      index = 31 * index + static_cast<unsigned int>(p[d] * 10);
    const double s = std::sin(12.9898 * index + 78.233) * 43758.5453;
    return 0.01 + 0.99 * (s - std::floor(s));
  }
};


LODParameters
parameters(const unsigned int N, const unsigned int layers, const bool pg)
{
  LODParameters p;
  p.coarse_cells    = N;
  p.layers          = layers;
  p.petrov_galerkin = pg;
  return p;
}


void
check_projection_and_kernel(const QuasiInterpolation interpolation)
{
  const Checkerboard<2> a;
  LODParameters         p = parameters(5, 1, false);
  p.interpolation         = interpolation;
  LODProblem<2> lod(MPI_COMM_WORLD, p, 25, 2, a);
  lod.compute_correctors();
  const NestedGrid<2> &grid = lod.get_grid();

  SparsityPattern      si, sp;
  SparseMatrix<double> I, P;
  make_quasi_interpolation_matrix(grid, si, I);
  make_coarse_prolongation_matrix(grid, sp, P);

  double         projection_error = 0;
  Vector<double> e(grid.n_coarse_vertices()), Pe(grid.n_fine_nodes()),
    IPe(grid.n_coarse_vertices());
  for (unsigned int j = 0; j < grid.n_coarse_vertices(); ++j)
    if (!grid.vertex_on_boundary(j))
      {
        e    = 0;
        e[j] = 1;
        P.vmult(Pe, e);
        I.vmult(IPe, Pe);
        IPe -= e;
        projection_error = std::max(projection_error, IPe.linfty_norm());
      }
  if (interpolation == QuasiInterpolation::averaged_l2_projection)
    {
      deallog << "max |I_H P - Id| on interior vertices < 1e-13: "
              << (projection_error < 1e-13) << std::endl;
      std::cout << "measured max |I_H P - Id| = " << projection_error
                << std::endl;
      CHECK_THAT(projection_error < 1e-13, std::to_string(projection_error));
    }

  // Every corrector of every cell, extended by zero, in ker I_H.
  double         kernel_error = 0, corrector_size = 0;
  Vector<double> q(grid.n_fine_nodes()), Iq(grid.n_coarse_vertices());
  for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
    for (const auto &local : lod.element_correctors(K).correctors)
      {
        q                     = 0;
        const CellBox<2> &box = lod.element_correctors(K).patch;
        for (unsigned int i = 0; i < local.size(); ++i)
          q[grid.box_node_to_fine_node(box, i)] = local[i];
        I.vmult(Iq, q);
        kernel_error   = std::max(kernel_error, Iq.linfty_norm());
        corrector_size = std::max(corrector_size, q.linfty_norm());
      }
  // Relative to the size of I_H (P^T M_h for the L2 projection is O(h^2)).
  kernel_error /= I.linfty_norm();
  deallog << (interpolation == QuasiInterpolation::l2_projection ?
                "L2 projection" :
                "averaged L2 projection")
          << ": correctors max |C_K Lambda| = " << std::setprecision(3)
          << corrector_size << ", max |I_H C_K Lambda| / |I_H| < 1e-12: "
          << (kernel_error < 1e-12) << std::endl;
  std::cout << "measured max |I_H C_K Lambda| / |I_H| = " << kernel_error
            << std::endl;
  CHECK_THAT(kernel_error < 1e-12, std::to_string(kernel_error));
  CHECK_THAT(corrector_size > 1e-2, "correctors must not vanish");
}


void
check_local_blocks()
{
  const Checkerboard<2> a;
  LODProblem<2>         lod(MPI_COMM_WORLD, parameters(6, 1, true), 30, 2, a);
  lod.compute_correctors();
  lod.assemble_matrices();
  const NestedGrid<2> &grid = lod.get_grid();

  // Interior cells: the patch does not touch Gamma.
  double       max_sum = 0, max_entry = 0;
  unsigned int n_interior = 0;
  for (unsigned int K = 0; K < grid.n_coarse_cells(); ++K)
    {
      const auto index = grid.coarse_cell_index(K);
      if (index[0] < 2 || index[1] < 2 || index[0] > 3 || index[1] > 3)
        continue;
      ++n_interior;
      const FullMatrix<double> &S = lod.element_correctors(K).local_block;
      for (unsigned int i = 0; i < S.m(); ++i)
        {
          double row = 0;
          for (unsigned int j = 0; j < S.n(); ++j)
            {
              row += S(i, j);
              max_entry = std::max(max_entry, std::abs(S(i, j)));
            }
          max_sum = std::max(max_sum, std::abs(row));
        }
      for (unsigned int j = 0; j < S.n(); ++j)
        {
          double column = 0;
          for (unsigned int i = 0; i < S.m(); ++i)
            column += S(i, j);
          max_sum = std::max(max_sum, std::abs(column));
        }
    }
  deallog << "PG-LOD local blocks of " << n_interior
          << " interior cells (16 x 4): max |row or column sum| / max |S| "
          << "< 1e-12: " << (max_sum / max_entry < 1e-12) << std::endl;
  std::cout << "measured max |sum| / max |S| = " << max_sum / max_entry
            << std::endl;
  CHECK_THAT(max_sum / max_entry < 1e-12, std::to_string(max_sum));

  // The same PG matrix through the corrected basis on each cell T:
  // a(B_j, Lambda_i) = sum_T P^T A_T B_T.
  const auto           &A   = lod.stiffness_matrix();
  const auto           &P   = grid.coarse_shape_values();
  const unsigned int    n_q = grid.n_quadrature_points();
  CoefficientSamples<2> samples(grid);
  samples.sample(a, std::vector<bool>(grid.n_coarse_cells(), true));
  FullMatrix<double> from_basis(lod.free_vertices().size()), element;
  std::vector<int>   free(grid.n_coarse_vertices(), -1);
  for (unsigned int i = 0; i < lod.free_vertices().size(); ++i)
    free[lod.free_vertices()[i]] = i;
  for (unsigned int T = 0; T < grid.n_coarse_cells(); ++T)
    {
      const auto        &B = lod.cell_basis(T);
      FullMatrix<double> AB(B.m(), B.n());
      for (unsigned int e = 0; e < grid.n_fine_cells_per_coarse_cell(); ++e)
        {
          grid.fine_stiffness(samples.cell(T) + e * n_q, element);
          for (unsigned int p = 0; p < 4; ++p)
            for (unsigned int s = 0; s < 4; ++s)
              for (unsigned int c = 0; c < B.n(); ++c)
                AB(grid.fine_cell_node(e, p), c) +=
                  element(p, s) * B(grid.fine_cell_node(e, s), c);
        }
      for (unsigned int v = 0; v < 4; ++v)
        {
          const int row = free[grid.cell_vertex(T, v)];
          if (row >= 0)
            for (unsigned int c = 0; c < B.n(); ++c)
              for (unsigned int i = 0; i < B.m(); ++i)
                from_basis(row, free[lod.cell_basis_vertices(T)[c]]) +=
                  P(i, v) * AB(i, c);
        }
    }
  double difference = 0, norm = 0;
  for (unsigned int i = 0; i < from_basis.m(); ++i)
    for (unsigned int j = 0; j < from_basis.n(); ++j)
      {
        difference =
          std::max(difference, std::abs(from_basis(i, j) - A.el(i, j)));
        norm = std::max(norm, std::abs(from_basis(i, j)));
      }
  deallog << "PG-LOD matrix from local blocks = from corrected basis "
          << "(rel. < 1e-12): " << (difference / norm < 1e-12) << std::endl;
  std::cout << "measured PG block vs basis = " << difference / norm
            << std::endl;
  CHECK_THAT(difference / norm < 1e-12, std::to_string(difference / norm));
}


// Galerkin LOD matrix as a dense matrix, and its symmetry defect.
LAPACKFullMatrix<double>
dense(const SparseMatrix<double> &A, double &asymmetry)
{
  LAPACKFullMatrix<double> result(A.m(), A.n());
  double                   norm = 0;
  asymmetry                     = 0;
  for (unsigned int i = 0; i < A.m(); ++i)
    for (unsigned int j = 0; j < A.n(); ++j)
      {
        result(i, j) = A.el(i, j);
        asymmetry    = std::max(asymmetry, std::abs(A.el(i, j) - A.el(j, i)));
        norm         = std::max(norm, std::abs(A.el(i, j)));
      }
  asymmetry /= norm;
  return result;
}


// a(Lambda_j, Lambda_i) for all coarse vertices, from the fine stiffness.
FullMatrix<double>
q1_matrix(const NestedGrid<2> &grid, const CoefficientSamples<2> &samples)
{
  FullMatrix<double> result(grid.n_coarse_vertices(), grid.n_coarse_vertices());
  FullMatrix<double> element;
  const auto        &P = grid.coarse_shape_values();
  for (unsigned int T = 0; T < grid.n_coarse_cells(); ++T)
    for (unsigned int e = 0; e < grid.n_fine_cells_per_coarse_cell(); ++e)
      {
        grid.fine_stiffness(samples.cell(T) + e * grid.n_quadrature_points(),
                            element);
        for (unsigned int v = 0; v < 4; ++v)
          for (unsigned int w = 0; w < 4; ++w)
            for (unsigned int p = 0; p < 4; ++p)
              for (unsigned int s = 0; s < 4; ++s)
                result(grid.cell_vertex(T, v), grid.cell_vertex(T, w)) +=
                  P(grid.fine_cell_node(e, p), v) * element(p, s) *
                  P(grid.fine_cell_node(e, s), w);
      }
  return result;
}


void
check_galerkin_and_global()
{
  const Checkerboard<2> a;
  const unsigned int    N = 5, fine = 25;

  // Energies of the Q1 hats, a(Lambda_j, Lambda_j).
  LODProblem<2> infinite(MPI_COMM_WORLD,
                         parameters(N, numbers::invalid_unsigned_int, false),
                         fine,
                         2,
                         a);
  infinite.compute_correctors();
  infinite.assemble_matrices();
  const NestedGrid<2>  &grid = infinite.get_grid();
  CoefficientSamples<2> samples(grid);
  samples.sample(a, std::vector<bool>(grid.n_coarse_cells(), true));
  const FullMatrix<double> q1 = q1_matrix(grid, samples);
  for (const unsigned int l : {1u, 2u, numbers::invalid_unsigned_int})
    {
      LODProblem<2> lod(MPI_COMM_WORLD, parameters(N, l, false), fine, 2, a);
      lod.compute_correctors();
      lod.assemble_matrices();
      double                   asymmetry;
      LAPACKFullMatrix<double> A = dense(lod.stiffness_matrix(), asymmetry);
      A.compute_eigenvalues();
      double min_eigenvalue = 1e300, max_imaginary = 0;
      for (unsigned int i = 0; i < A.m(); ++i)
        {
          min_eigenvalue = std::min(min_eigenvalue, A.eigenvalue(i).real());
          max_imaginary =
            std::max(max_imaginary, std::abs(A.eigenvalue(i).imag()));
        }
      unsigned int n_larger  = 0;
      double       max_ratio = 0;
      for (unsigned int i = 0; i < lod.free_vertices().size(); ++i)
        {
          const double ratio =
            lod.stiffness_matrix().el(i, i) /
            q1(lod.free_vertices()[i], lod.free_vertices()[i]);
          max_ratio = std::max(max_ratio, ratio);
          n_larger += (ratio > 1);
        }
      const std::string name = l > N ? "infinity" : std::to_string(l);
      deallog << "Galerkin LOD l = " << name
              << ": asymmetry < 1e-13: " << (asymmetry < 1e-13)
              << ", min eigenvalue " << std::setprecision(4) << min_eigenvalue
              << ", max a(B_j,B_j)/a(Lambda_j,Lambda_j) " << max_ratio << " ("
              << n_larger << " > 1)" << std::endl;
      std::cout << "measured asymmetry = " << asymmetry << std::endl;
      CHECK_THAT(asymmetry < 1e-13, std::to_string(asymmetry));
      CHECK_THAT(min_eigenvalue > 0 && max_imaginary == 0, "not SPD");
      if (l > N)
        CHECK_THAT(max_ratio <= 1 + 1e-12, std::to_string(max_ratio));
    }

  // The global LOD basis: one constrained solve on the whole domain with
  // the full (not element-restricted) right-hand side a(Lambda_j, .).
  CellBox<2> domain;
  domain.lower = {{0, 0}};
  domain.size  = {{N, N}};
  const PatchProblem<2> global(grid, domain, samples);
  SparsityPattern       sp;
  SparseMatrix<double>  Pglobal;
  make_coarse_prolongation_matrix(grid, sp, Pglobal);
  double         difference = 0, norm = 0;
  Vector<double> e(grid.n_coarse_vertices()), Lambda(grid.n_fine_nodes()),
    rhs(grid.n_fine_nodes());
  for (unsigned int j = 0; j < grid.n_coarse_vertices(); ++j)
    if (!grid.vertex_on_boundary(j))
      {
        e    = 0;
        e[j] = 1;
        Pglobal.vmult(Lambda, e);
        global.apply_stiffness(Lambda, rhs);
        global.solve(rhs); // C Lambda_j
        const std::vector<double> localized = infinite.reconstruct(e);
        for (unsigned int i = 0; i < Lambda.size(); ++i)
          {
            difference =
              std::max(difference, std::abs(Lambda[i] - rhs[i] - localized[i]));
            norm = std::max(norm, std::abs(localized[i]));
          }
      }
  deallog << "l = infinity vs global LOD basis: max difference / max value "
          << "< 1e-10: " << (difference / norm < 1e-10) << std::endl;
  std::cout << "measured l = infinity vs global = " << difference / norm
            << std::endl;
  CHECK_THAT(difference / norm < 1e-10, std::to_string(difference / norm));
}


// A source that computes the correctors by the classical patch solves
// (or returns zero), and remembers how many cells it was asked for.
class PatchSolveSource : public CorrectorSource<2>
{
public:
  PatchSolveSource(const NestedGrid<2>         &grid,
                   const CoefficientSamples<2> &samples,
                   const bool                   zero)
    : grid(grid)
    , samples(samples)
    , zero(zero)
  {}

  std::vector<std::vector<Vector<double>>>
  correctors(const std::vector<unsigned int> &cells) override
  {
    n_asked += cells.size();
    std::vector<std::vector<Vector<double>>> result;
    for (const unsigned int K : cells)
      {
        result.push_back(
          compute_element_correctors(grid, K, 1, samples).correctors);
        if (zero)
          for (auto &q : result.back())
            q = 0;
      }
    return result;
  }

  unsigned int n_asked = 0;

private:
  const NestedGrid<2>         &grid;
  const CoefficientSamples<2> &samples;
  const bool                   zero;
};


void
check_corrector_source()
{
  const Checkerboard<2> a;
  const unsigned int    N = 5, fine = 25;
  LODProblem<2> classical(MPI_COMM_WORLD, parameters(N, 1, false), fine, 2, a);
  classical.compute_correctors();
  classical.assemble_matrices();
  const NestedGrid<2>  &grid = classical.get_grid();
  CoefficientSamples<2> samples(grid);
  samples.sample(a, std::vector<bool>(grid.n_coarse_cells(), true));

  const FullMatrix<double> q1            = q1_matrix(grid, samples);
  double                   difference[2] = {0, 0}, norm = 0;
  for (const bool zero : {false, true})
    {
      PatchSolveSource source(grid, samples, zero);
      LODProblem<2>    lod(MPI_COMM_WORLD, parameters(N, 1, false), fine, 2, a);
      lod.set_corrector_source(&source);
      lod.compute_correctors();
      lod.assemble_matrices();
      // Q1: a(Lambda_j, Lambda_i) from the global fine stiffness.
      for (unsigned int i = 0; i < lod.free_vertices().size(); ++i)
        for (unsigned int j = 0; j < lod.free_vertices().size(); ++j)
          {
            const double reference =
              zero ? q1(lod.free_vertices()[i], lod.free_vertices()[j]) :
                     classical.stiffness_matrix().el(i, j);
            difference[zero] =
              std::max(difference[zero],
                       std::abs(lod.stiffness_matrix().el(i, j) - reference));
            norm = std::max(norm, std::abs(reference));
          }
      const unsigned int asked =
        Utilities::MPI::sum(source.n_asked, MPI_COMM_WORLD);
      deallog << (zero ? "zero source = Q1" : "patch-solve source = LOD")
              << " matrix (rel. < 1e-12): " << (difference[zero] / norm < 1e-12)
              << ", cells asked " << asked << std::endl;
      CHECK_THAT(difference[zero] / norm < 1e-12,
                 std::to_string(difference[zero] / norm));
      CHECK_THAT(asked == grid.n_coarse_cells(), std::to_string(asked));
      // Nothing changed: no cell is asked again.
      lod.compute_correctors(1e-8);
      const unsigned int asked_again =
        Utilities::MPI::sum(source.n_asked, MPI_COMM_WORLD) - asked;
      CHECK_THAT(asked_again == 0, std::to_string(asked_again));
    }

  PatchSolveSource source(grid, samples, false);
  LODProblem<2>    pg(MPI_COMM_WORLD, parameters(N, 1, true), fine, 2, a);
  try
    {
      pg.set_corrector_source(&source);
      deallog << "Petrov-Galerkin with a source: accepted (FAILED)"
              << std::endl;
    }
  catch (const InputError &e)
    {
      deallog << "Petrov-Galerkin with a source: " << e.what() << std::endl;
    }
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;
  check_projection_and_kernel(QuasiInterpolation::averaged_l2_projection);
  check_projection_and_kernel(QuasiInterpolation::l2_projection);
  check_local_blocks();
  check_galerkin_and_global();
  check_corrector_source();
}
