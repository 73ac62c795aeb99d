// A user's own program against the installed neuhom (doc/extending.md): it
// adds a coefficient type of its own to the registry and solves the
// fine-scale problem with it, with neuhom's command line, parameter checks
// and summary.json.
#include <neuhom/core/coefficient.h>
#include <neuhom/core/program.h>
#include <neuhom/core/run_output.h>
#include <neuhom/fem/diffusion_problem.h>
#include <neuhom/fem/fine_scale_inputs.h>

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
    &FineScaleInputs<2>::declare_parameters,
    [](ParameterHandler &prm, const RunSettings &settings) {
      // Parse and check everything before any work or output.
      FineScaleInputs<2> inputs;
      inputs.parse_parameters(prm, MPI_COMM_WORLD);
      if (settings.validate_only)
        return;

      RunOutput           output("user-program", settings, prm);
      DiffusionProblem<2> problem(MPI_COMM_WORLD, inputs, output.timer);
      problem.setup();
      problem.solve_stationary();

      output.summary.set_metric("fine_dofs", problem.n_dofs());
      output.summary.set_metric("coefficient_max",
                                problem.coefficient_range().second);
      output.pcout << "user program: " << problem.n_dofs()
                   << " DoFs, largest coefficient "
                   << problem.coefficient_range().second << std::endl;
      output.finish();
    });
}
