// A user's own program against the installed neuhom (doc/extending.md): it
// adds a coefficient type of its own to the registry and solves the
// fine-scale problem with it, with neuhom's command line, parameter checks
// and summary.json.
#include <deal.II/base/timer.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/core/program.h>
#include <neuhom/core/summary.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/mesh.h>

#include <cmath>
#include <iostream>

// Disks of radius eps/4 with conductivity "Contrast" in every eps-cell.
template <int dim>
class Inclusions : public neuhom::Coefficient<dim>
{
public:
  explicit Inclusions(double eps)
    : eps(eps)
  {}

  static void
  declare_parameters(dealii::ParameterHandler &prm)
  {
    prm.declare_entry("Contrast",
                      "100",
                      dealii::Patterns::Double(1.),
                      "Value inside the inclusions (1 outside).");
  }
  void
  parse_parameters(dealii::ParameterHandler &prm)
  {
    contrast = prm.get_double("Contrast");
  }
  double
  value(const dealii::Point<dim> &p, unsigned int = 0) const override
  {
    dealii::Point<dim> y;
    for (unsigned int d = 0; d < dim; ++d)
      y[d] = p[d] / eps - std::floor(p[d] / eps) - 0.5;
    return y.norm() < 0.25 ? contrast : 1.;
  }
  double
  feature_size() const override
  {
    return eps / 2;
  }

private:
  const double eps;
  double       contrast = 100;
};

NEUHOM_REGISTER_COEFFICIENT(Inclusions,
                            "inclusions",
                            "disks of high conductivity")


int
main(int argc, char **argv)
{
  using namespace neuhom;
  return run_program(
    argc,
    argv,
    "user-program",
    "-div(a grad u) = f with a user-defined coefficient",
    [](ParameterHandler &prm) {
      MeshParameters::declare_parameters(prm);
      CoefficientFactory::declare_parameters(prm);
      ProblemFunctions<2>::declare_parameters(prm);
      DiscretizationParameters::declare_parameters(prm);
      LinearSolverParameters::declare_parameters(prm);
    },
    [](ParameterHandler &prm, const RunSettings &settings) {
      const MPI_Comm comm = MPI_COMM_WORLD;
      MeshParameters mesh;
      mesh.parse_parameters(prm);
      const auto          a = CoefficientFactory::create<2>(prm);
      ProblemFunctions<2> f;
      f.parse_parameters(prm);
      DiscretizationParameters discretization;
      discretization.parse_parameters(prm);
      LinearSolverParameters solver;
      solver.parse_parameters(prm);
      mesh.check_fine_problem(*a, discretization.degree, comm);
      if (settings.validate_only)
        return;

      create_output_directory(settings.output_directory, comm);
      TimerOutput         timer(comm,
                        std::cout,
                        TimerOutput::never,
                        TimerOutput::wall_times);
      DiffusionProblem<2> problem(comm,
                                  mesh.fine_cells_per_direction,
                                  discretization,
                                  solver,
                                  *a,
                                  f,
                                  timer);
      problem.setup();
      problem.solve_stationary();

      Summary summary("user-program", comm, settings.threads_per_rank, prm);
      summary.set_metric("fine_dofs", problem.n_dofs());
      summary.set_metric("coefficient_max", problem.coefficient_range().second);
      summary.write(settings.output_directory);
      if (Utilities::MPI::this_mpi_process(comm) == 0)
        std::cout << "user program: " << problem.n_dofs()
                  << " DoFs, largest coefficient "
                  << problem.coefficient_range().second << std::endl;
    });
}
