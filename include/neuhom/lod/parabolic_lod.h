#ifndef neuhom_lod_parabolic_lod_h
#define neuhom_lod_parabolic_lod_h

#include <neuhom/core/coefficient.h>
#include <neuhom/fem/parameters.h>
#include <neuhom/lod/lod_problem.h>

#include <functional>

namespace neuhom
{
  /** What a parabolic LOD run did and how long it took. */
  struct ParabolicLODStatistics
  {
    /** Corrector updates (time steps at which the coefficient changed). */
    unsigned int n_updates = 0;
    /** Patches recomputed over all updates (n_updates * n_patches at most). */
    unsigned int n_patches_recomputed = 0;
    /** Wall time of the corrector updates and re-assembly. */
    double update_seconds = 0;
    /**
     * Wall time of the time steps proper (right-hand sides, loads of
     * time-dependent sources, solves); the initial projection is excluded.
     */
    double online_seconds = 0;
    /** CPU time of the same on this rank. */
    double online_cpu_seconds = 0;
  };

  /**
   * u_t - div(a grad u) = f with the theta scheme in the LOD space:
   *
   *   (M + theta tau A) U^{n+1} = (M - (1-theta) tau A) U^n
   *                               + tau (theta F^{n+1} + (1-theta) F^n),
   *
   * with the LOD stiffness A and mass M (Galerkin: corrected basis on both
   * sides; Petrov-Galerkin: Q1 test functions) and U^0 the LOD L2
   * projection of the initial values. If @p coefficient depends on time,
   * the correctors are updated at every step, all of them
   * (@p update_tolerance = 0) or only those whose patch coefficient changed
   * by more than the tolerance since they were computed; the coarse vector
   * U carries over to the new basis (u_H is kept, its correction changes).
   * Computes the correctors at t = 0 itself. @p after_step(step, t, U) is
   * called after each step.
   */
  template <int dim>
  ParabolicLODStatistics
  solve_parabolic_lod(
    LODProblem<dim>              &lod,
    Coefficient<dim>             &coefficient,
    const ProblemFunctions<dim>  &functions,
    const TimeSteppingParameters &time,
    double                        update_tolerance,
    Vector<double>               &U,
    const std::function<void(unsigned int, double, const Vector<double> &)>
      &after_step);
} // namespace neuhom

#endif
