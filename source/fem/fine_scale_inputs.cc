#include <neuhom/fem/fine_scale_inputs.h>

namespace neuhom
{
  template <int dim>
  void
  FineScaleInputs<dim>::declare_parameters(ParameterHandler &prm)
  {
    MeshParameters::declare_parameters(prm);
    CoefficientFactory::declare_parameters(prm);
    ProblemFunctions<dim>::declare_parameters(prm);
    DiscretizationParameters::declare_parameters(prm);
    LinearSolverParameters::declare_parameters(prm);
    TimeSteppingParameters::declare_parameters(prm);
  }


  template <int dim>
  void
  FineScaleInputs<dim>::parse_parameters(ParameterHandler &prm, MPI_Comm comm)
  {
    mesh.parse_parameters(prm);
    coefficient = CoefficientFactory::create<dim>(prm);
    functions.parse_parameters(prm);
    discretization.parse_parameters(prm);
    solver.parse_parameters(prm);
    time.parse_parameters(prm);
    mesh.check_fine_problem(*coefficient, discretization.degree, comm);
  }


  template struct FineScaleInputs<1>;
  template struct FineScaleInputs<2>;
  template struct FineScaleInputs<3>;
} // namespace neuhom
