#include <deal.II/base/timer.h>

#include <neuhom/lod/parabolic_lod.h>

namespace neuhom
{
  template <int dim>
  ParabolicLODStatistics
  solve_parabolic_lod(
    LODProblem<dim>              &lod,
    Coefficient<dim>             &coefficient,
    const ProblemFunctions<dim>  &functions,
    const TimeSteppingParameters &time,
    const double                  update_tolerance,
    Vector<double>               &U,
    const std::function<void(unsigned int, double, const Vector<double> &)>
      &after_step)
  {
    const double theta = time.theta();
    const double tau   = time.time_step;

    ParabolicLODStatistics statistics;
    coefficient.set_time(0.);
    functions.set_time(0.);
    lod.compute_correctors();
    lod.assemble_matrices();

    // Set-up, not part of the per-step cost: the load of a time-independent
    // right-hand side and U^0, the LOD L2 projection of the initial values.
    Vector<double> old_load = lod.load(*functions.right_hand_side);
    U = lod.solve(lod.load(*functions.initial_values), 0., 1.);

    Timer online;
    online.stop();

    for (unsigned int step = 1; step <= time.n_steps(); ++step)
      {
        const double t = step * tau;
        online.start();
        Vector<double> rhs = lod.apply(U, -(1 - theta) * tau, 1.);
        online.stop();

        if (coefficient.is_time_dependent())
          {
            Timer update;
            coefficient.set_time(t);
            statistics.n_patches_recomputed +=
              lod.compute_correctors(update_tolerance);
            lod.assemble_matrices();
            ++statistics.n_updates;
            statistics.update_seconds += update.wall_time();
            // The load in the new basis.
            if (!functions.right_hand_side_is_time_dependent)
              old_load = lod.load(*functions.right_hand_side);
          }

        online.start();
        functions.set_time(t);
        const Vector<double> new_load =
          functions.right_hand_side_is_time_dependent ?
            lod.load(*functions.right_hand_side) :
            old_load;
        rhs.add(theta * tau, new_load, (1 - theta) * tau, old_load);
        U        = lod.solve(rhs, theta * tau, 1.);
        old_load = new_load;
        online.stop();
        after_step(step, t, U);
      }
    statistics.online_seconds     = online.wall_time();
    statistics.online_cpu_seconds = online.cpu_time();
    return statistics;
  }


  template ParabolicLODStatistics
  solve_parabolic_lod(
    LODProblem<2> &,
    Coefficient<2> &,
    const ProblemFunctions<2> &,
    const TimeSteppingParameters &,
    double,
    Vector<double> &,
    const std::function<void(unsigned int, double, const Vector<double> &)> &);
  template ParabolicLODStatistics
  solve_parabolic_lod(
    LODProblem<3> &,
    Coefficient<3> &,
    const ProblemFunctions<3> &,
    const TimeSteppingParameters &,
    double,
    Vector<double> &,
    const std::function<void(unsigned int, double, const Vector<double> &)> &);
} // namespace neuhom
