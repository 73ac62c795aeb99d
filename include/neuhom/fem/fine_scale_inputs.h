#ifndef neuhom_fem_fine_scale_inputs_h
#define neuhom_fem_fine_scale_inputs_h

#include <deal.II/base/mpi.h>
#include <deal.II/base/parameter_handler.h>

#include <neuhom/core/coefficient.h>
#include <neuhom/fem/mesh.h>
#include <neuhom/fem/parameters.h>

#include <memory>

namespace neuhom
{
  using namespace dealii;

  /**
   * Everything a fine-scale solve reads from the prm, parsed and checked
   * together: subsections Mesh, Coefficient, Problem, Discretization,
   * Linear solver and Time stepping. parse_parameters() ends with
   * MeshParameters::check_fine_problem() (resolution of eps, positivity of
   * the coefficient, memory), so a program that holds one of these knows
   * that the fine problem is well posed and fits the machine.
   *
   * The members are in declaration order, so a program can write
   *   auto &[mesh, coefficient, functions, discretization, solver, time] =
   *     inputs;
   */
  template <int dim>
  struct FineScaleInputs
  {
    MeshParameters                    mesh;
    std::unique_ptr<Coefficient<dim>> coefficient;
    ProblemFunctions<dim>             functions;
    DiscretizationParameters          discretization;
    LinearSolverParameters            solver;
    TimeSteppingParameters            time;

    static void
    declare_parameters(ParameterHandler &prm);

    void
    parse_parameters(ParameterHandler &prm, MPI_Comm comm);
  };
} // namespace neuhom

#endif
