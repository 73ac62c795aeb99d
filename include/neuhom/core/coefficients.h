#ifndef neuhom_core_coefficients_h
#define neuhom_core_coefficients_h

#include <deal.II/base/function_parser.h>
#include <deal.II/base/point.h>

#include <neuhom/core/coefficient.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace neuhom
{
  namespace Coefficients
  {
    /**
     * A uniform random number in [0, 1) that depends only on @p seed and the
     * integer grid index @p index (a counter-based generator: splitmix64 of a
     * hash). The same on every MPI rank and for any rank count, and it costs
     * no storage, so a random field on a 1024^3 grid is as cheap as on 4^2.
     */
    double
    uniform_hash(std::uint64_t seed, const std::array<std::int64_t, 3> &index);

    /** Index of the cell of a uniform grid with @p n cells per direction. */
    template <int dim>
    std::array<std::int64_t, 3>
    grid_index(const Point<dim> &p, unsigned int n);


    /**
     * Base of the fields that are piecewise constant on the eps-grid of the
     * unit hypercube (1/eps cells per direction, 1/eps an integer), with the
     * value of each grid cell drawn from a seeded counter-based generator.
     */
    template <int dim>
    class RandomGridField : public Coefficient<dim>
    {
    public:
      explicit RandomGridField(double eps);

      double
      feature_size() const override;
      std::vector<unsigned int>
      grid_cells_per_direction() const override;

    protected:
      const double       eps;
      const unsigned int n_cells;
      std::uint64_t      seed = 0;

      /** The uniform [0, 1) number of the grid cell containing @p p. */
      double
      uniform_value(const Point<dim> &p) const;
    };


    /**
     * "periodic expression": any muParser expression of x, y, z, t, eps and
     * user constants, e.g. 2 + sin(2*pi*x/eps)*sin(2*pi*y/eps).
     */
    template <int dim>
    class PeriodicExpression : public Coefficient<dim>
    {
    public:
      explicit PeriodicExpression(double eps);

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      /** Set the expression directly (constants as "a=1, b=2"). */
      void
      initialize(const std::string &expression, const std::string &constants);

      double
      value(const Point<dim> &p, unsigned int component = 0) const override;
      void
      set_time(double t) override;
      double
      feature_size() const override;
      bool
      is_time_dependent() const override;

    private:
      const double                         eps;
      std::unique_ptr<FunctionParser<dim>> parser;
      bool                                 time_dependent = false;
    };


    /**
     * "random checkerboard": piecewise constant on the eps-grid, values i.i.d.
     * uniform in [alpha, beta], reproducible from the seed.
     */
    template <int dim>
    class RandomCheckerboard : public RandomGridField<dim>
    {
    public:
      explicit RandomCheckerboard(double eps);

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      void
      initialize(double             alpha,
                 double             beta,
                 std::uint64_t      seed,
                 const std::string &factor = "1");

      double
      value(const Point<dim> &p, unsigned int component = 0) const override;
      void
      set_time(double t) override;
      bool
      is_time_dependent() const override;

    private:
      double alpha = 1, beta = 1;
      // The "Factor" expression g(x, t) multiplying the cell values; null
      // for the default g = 1, which then costs nothing.
      std::unique_ptr<FunctionParser<dim>> factor;
      bool                                 time_dependent = false;
    };


    /**
     * "layered": a stack of layers normal to one axis, repeated a number of
     * times (a battery cell: collectors, active material, separator). Each
     * material's conductivity is an expression of the parameter p and time t.
     */
    template <int dim>
    class Layered : public Coefficient<dim>
    {
    public:
      explicit Layered(double eps);

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      double
      value(const Point<dim> &p, unsigned int component = 0) const override;
      void
      set_time(double t) override;
      double
      feature_size() const override;
      bool
      is_time_dependent() const override;
      unsigned int
      n_parameters() const override;
      void
      set_parameters(const std::vector<double> &p) override;

      /** Index of the material at coordinate @p s along the layer axis. */
      unsigned int
      material_at(double s) const;

    private:
      unsigned int              axis      = 0;
      unsigned int              n_periods = 1;
      std::vector<double>       layer_ends; // in [0, 1], per period
      std::vector<unsigned int> layer_material;
      std::vector<std::string>  material_names;
      std::vector<std::unique_ptr<FunctionParser<1>>> conductivity;
      std::vector<double>                             conductivity_now;
      bool                                            time_dependent = false;
      double                                          parameter      = 1.;

      void
      update_conductivities();
    };


    /**
     * "grid data file": piecewise constant values on a uniform grid, read from
     * a plain-text file: a header line "nx ny [nz]", then nx*ny*nz values with
     * x running fastest ('#' starts a comment).
     */
    template <int dim>
    class GridData : public Coefficient<dim>
    {
    public:
      explicit GridData(double eps);

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      /** Read @p file_name; throws InputError naming the file and the fault. */
      void
      read(const std::string &file_name);

      double
      value(const Point<dim> &p, unsigned int component = 0) const override;
      double
      feature_size() const override;
      std::vector<unsigned int>
      grid_cells_per_direction() const override;

    private:
      std::array<unsigned int, dim> n_cells;
      std::vector<double>           values;
    };


    /**
     * "cracks": i.i.d. uniform background values per eps-cell plus thin
     * high-contrast line segments: every eps-cell whose centre lies within
     * half the crack width of a segment takes a value uniform in the crack
     * range (operator-compression paper, experiment 3).
     */
    template <int dim>
    class Cracks : public RandomGridField<dim>
    {
    public:
      explicit Cracks(double eps);

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      double
      value(const Point<dim> &p, unsigned int component = 0) const override;

      /** Whether the eps-cell containing @p p belongs to a crack. */
      bool
      in_crack(const Point<dim> &p) const;

    private:
      double background_min = 1, background_max = 2;
      double crack_min = 4, crack_max = 5;
      double half_width;
      std::vector<std::pair<Point<dim>, Point<dim>>> segments;
    };
  } // namespace Coefficients
} // namespace neuhom

#endif
