#ifndef neuhom_fem_periodic_cell_problem_h
#define neuhom_fem_periodic_cell_problem_h

#include <deal.II/base/function.h>
#include <deal.II/base/tensor.h>

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/vector.h>

#include <functional>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /**
   * The periodic cell problems of classical homogenization for a scalar
   * coefficient a(y) on the unit cell Y = [0,1]^dim: for j = 1..dim find
   * chi_j, Y-periodic with mean zero, such that
   *
   *   int_Y a grad chi_j . grad v = - int_Y a d_j v   for all periodic v,
   *
   * and the effective (homogenized) tensor
   *
   *   A*_ij = int_Y a (delta_ij + d_i chi_j).
   *
   * For a coefficient a(x, y) with a slow variable, pass a(x0, .) to get
   * A*(x0). The cell is small, so every MPI rank solves it on its own serial
   * mesh (Q_p on n^dim cells, periodic constraints, one DoF pinned and the
   * mean removed afterwards, CG with SSOR).
   */
  template <int dim>
  class PeriodicCellProblem
  {
  public:
    PeriodicCellProblem(const Function<dim> &coefficient,
                        unsigned int         cells_per_direction,
                        unsigned int         degree = 2);

    /** Solve the dim cell problems. */
    void
    solve();

    /** A*_ij = int_Y a (delta_ij + d_i chi_j). */
    Tensor<2, dim>
    effective_tensor() const;

    /**
     * The energy form int_Y a (e_i + grad chi_i) . (e_j + grad chi_j):
     * symmetric, and equal to effective_tensor() for the exact correctors.
     */
    Tensor<2, dim>
    effective_tensor_energy() const;

    /**
     * int_Y w (e_i + grad chi_i) . (e_j + grad chi_j) for a weight w. For a
     * coefficient a(y, s) that depends on a parameter s, w = da/ds gives
     * d(A*)/ds: the correctors minimize the energy, so their own change with
     * s does not enter to first order.
     */
    Tensor<2, dim>
    energy_tensor(const Function<dim> &weight) const;

    /** ||chi_j||_{L2(Y)}. */
    double
    corrector_l2_norm(unsigned int j) const;

    /** chi_j(y) for y in Y. */
    double
    corrector_value(unsigned int j, const Point<dim> &y) const;

    const DoFHandler<dim> &
    get_dof_handler() const;

    const Vector<double> &
    corrector(unsigned int j) const;

  private:
    const Function<dim>        &coefficient;
    Triangulation<dim>          triangulation;
    FE_Q<dim>                   fe;
    DoFHandler<dim>             dof_handler;
    std::vector<Vector<double>> correctors;

    /** Integrate f(w, grad chi_0, ..., grad chi_{dim-1}) over Y. */
    Tensor<2, dim>
    integrate(const Function<dim>                       &weight,
              const std::function<double(double,
                                         const std::vector<Tensor<1, dim>> &,
                                         unsigned int,
                                         unsigned int)> &integrand) const;
  };

  /**
   * The 1D effective coefficient, the harmonic mean (int_0^1 1/a)^(-1),
   * by composite Gauss quadrature with @p n_intervals intervals.
   */
  double
  harmonic_mean(const std::function<double(double)> &a,
                unsigned int                         n_intervals = 1024);
} // namespace neuhom

#endif
