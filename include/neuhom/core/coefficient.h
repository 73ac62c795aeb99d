#ifndef neuhom_core_coefficient_h
#define neuhom_core_coefficient_h

#include <deal.II/base/function.h>
#include <deal.II/base/parameter_handler.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace neuhom
{
  using namespace dealii;

  /**
   * A scalar diffusion coefficient a(x, t; p) on the unit hypercube.
   *
   * The time t is deal.II's Function time (set_time()); the parameters p are
   * what the parametrized methods (Deep Ritz LOD) vary between samples.
   * Solvers ask is_time_dependent() to decide whether the stiffness matrix has
   * to be re-assembled when time advances.
   */
  template <int dim>
  class Coefficient : public Function<dim>
  {
  public:
    /**
     * The smallest length scale of the coefficient (eps for periodic and
     * checkerboard fields, the grid spacing of data files, the thinnest
     * layer). The fine mesh has to resolve it.
     */
    virtual double
    feature_size() const = 0;

    /**
     * For fields that are piecewise constant on a uniform grid over the unit
     * hypercube: the number of grid cells per direction. The fine mesh must
     * then be aligned with that grid (each count divides the number of fine
     * cells), so that every fine cell sees one value. Empty for other fields.
     */
    virtual std::vector<unsigned int>
    grid_cells_per_direction() const
    {
      return {};
    }

    /** Whether value() changes with get_time(). */
    virtual bool
    is_time_dependent() const
    {
      return false;
    }

    /** Number of scalar parameters p the coefficient depends on. */
    virtual unsigned int
    n_parameters() const
    {
      return 0;
    }

    /** Set the parameters p; the size must be n_parameters(). */
    virtual void
    set_parameters(const std::vector<double> &p);
  };

  /**
   * Throw an InputError unless @p coefficient is positive and finite at the
   * centres of a uniform grid with @p n cells per direction (capped so that
   * the check stays cheap in 3D), at its current time. Programs call it while
   * they parse the prm, so a bad coefficient is reported before any work;
   * the assembly loops check every quadrature point again.
   */
  template <int dim>
  void
  check_positivity(const Coefficient<dim> &coefficient, unsigned int n);

  /**
   * @p function at the centres of the cells of the uniform grid with @p n
   * cells per direction on the unit square (lexicographic, x fastest), at
   * its current time: the piecewise constant fields the patch-based
   * networks take as input.
   */
  std::vector<double>
  cell_centre_values(const Function<2> &function, unsigned int n);

  /**
   * The registry of coefficient types. Each type is registered once with
   * NEUHOM_REGISTER_COEFFICIENT; the prm subsection "Coefficient" then offers
   * "Type" = one of the registered names and one nested subsection per type
   * with that type's own entries.
   */
  class CoefficientFactory
  {
  public:
    using DeclareFunction = void (*)(ParameterHandler &);
    template <int dim>
    using CreateFunction =
      std::unique_ptr<Coefficient<dim>> (*)(ParameterHandler &, double eps);

    static void
    register_type(const std::string &name,
                  const std::string &description,
                  DeclareFunction    declare,
                  CreateFunction<1>  create_1d,
                  CreateFunction<2>  create_2d,
                  CreateFunction<3>  create_3d);

    /** Declare subsection "Coefficient" with every registered type. */
    static void
    declare_parameters(ParameterHandler &prm);

    /** Create the coefficient selected in subsection "Coefficient". */
    template <int dim>
    static std::unique_ptr<Coefficient<dim>>
    create(ParameterHandler &prm);

    static std::vector<std::string>
    registered_names();
  };

  namespace internal
  {
    template <template <int> class CoefficientType, int dim>
    std::unique_ptr<Coefficient<dim>>
    create_coefficient(ParameterHandler &prm, const double eps)
    {
      auto coefficient = std::make_unique<CoefficientType<dim>>(eps);
      coefficient->parse_parameters(prm);
      return coefficient;
    }

    template <template <int> class CoefficientType>
    struct CoefficientRegistration
    {
      CoefficientRegistration(const char *name, const char *description)
      {
        CoefficientFactory::register_type(
          name,
          description,
          &CoefficientType<2>::declare_parameters,
          &create_coefficient<CoefficientType, 1>,
          &create_coefficient<CoefficientType, 2>,
          &create_coefficient<CoefficientType, 3>);
      }
    };
  } // namespace internal
} // namespace neuhom

/**
 * Register a coefficient class template (one template parameter: dim) under
 * @p name. The class needs a constructor taking eps, a static
 * declare_parameters(ParameterHandler&) and
 * parse_parameters(ParameterHandler&), both working inside the type's own
 * subsection.
 */
#define NEUHOM_CONCAT_IMPL(a, b) a##b
#define NEUHOM_CONCAT(a, b) NEUHOM_CONCAT_IMPL(a, b)
#define NEUHOM_REGISTER_COEFFICIENT(classname, name, description)             \
  namespace                                                                   \
  {                                                                           \
    const neuhom::internal::CoefficientRegistration<classname>                \
      NEUHOM_CONCAT(neuhom_coefficient_registration_, __LINE__)(name,         \
                                                                description); \
  }

#endif
