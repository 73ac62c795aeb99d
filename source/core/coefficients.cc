#include <deal.II/base/utilities.h>

#include <neuhom/core/coefficients.h>
#include <neuhom/core/expression.h>
#include <neuhom/core/input_error.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace neuhom
{
  namespace Coefficients
  {
    namespace
    {
      // splitmix64 (Steele, Lea, Flood 2014): a bijective mixer with full
      // avalanche, so neighbouring indices give independent-looking values.
      std::uint64_t
      splitmix64(std::uint64_t x)
      {
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
      }

      // 1/eps for grid based fields; the grid must tile the unit hypercube.
      unsigned int
      cells_per_direction(const double eps)
      {
        const double n = 1. / eps;
        require(std::abs(n - std::round(n)) < 1e-8 * n,
                "Coefficient/Epsilon",
                "1/eps must be an integer for a grid based coefficient, but "
                "1/eps = " +
                  to_text(n));
        return static_cast<unsigned int>(std::round(n));
      }

    } // namespace


    double
    uniform_hash(const std::uint64_t                seed,
                 const std::array<std::int64_t, 3> &index)
    {
      std::uint64_t h = splitmix64(seed);
      for (const auto i : index)
        h = splitmix64(h ^ static_cast<std::uint64_t>(i));
      // The 53 high bits give a double in [0, 1).
      return static_cast<double>(h >> 11) * 0x1.0p-53;
    }


    template <int dim>
    std::array<std::int64_t, 3>
    grid_index(const Point<dim> &p, const unsigned int n)
    {
      std::array<std::int64_t, 3> index = {{0, 0, 0}};
      for (unsigned int d = 0; d < dim; ++d)
        index[d] = std::clamp<std::int64_t>(static_cast<std::int64_t>(
                                              std::floor(p[d] * n)),
                                            0,
                                            n - 1);
      return index;
    }


    // ---------------------------------------------------------------------
    // fields on the eps-grid

    template <int dim>
    RandomGridField<dim>::RandomGridField(const double eps)
      : eps(eps)
      , n_cells(cells_per_direction(eps))
    {}


    template <int dim>
    double
    RandomGridField<dim>::feature_size() const
    {
      return eps;
    }


    template <int dim>
    std::vector<unsigned int>
    RandomGridField<dim>::grid_cells_per_direction() const
    {
      return std::vector<unsigned int>(dim, n_cells);
    }


    template <int dim>
    double
    RandomGridField<dim>::uniform_value(const Point<dim> &p) const
    {
      return uniform_hash(seed, grid_index(p, n_cells));
    }


    // ---------------------------------------------------------------------
    // periodic expression

    template <int dim>
    PeriodicExpression<dim>::PeriodicExpression(const double eps)
      : eps(eps)
    {}


    template <int dim>
    void
    PeriodicExpression<dim>::declare_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("Function expression",
                        "2 + sin(2*pi*x/eps)*sin(2*pi*y/eps)",
                        Patterns::Anything(),
                        "a(x, t) as a muParser expression of x, y, z (in 3D), "
                        "t, eps, pi and the constants below. It must be "
                        "positive everywhere.");
      prm.declare_entry("Function constants",
                        "",
                        Patterns::Anything(),
                        "Named constants used in the expression, as "
                        "'name=value, name=value'.");
    }


    template <int dim>
    void
    PeriodicExpression<dim>::parse_parameters(ParameterHandler &prm)
    {
      initialize(prm.get("Function expression"), prm.get("Function constants"));
    }


    template <int dim>
    void
    PeriodicExpression<dim>::initialize(const std::string &expression,
                                        const std::string &constants_text)
    {
      require(!expression.empty(), "Function expression", "must not be empty");
      auto constants   = parse_constants(constants_text, "Function constants");
      constants["eps"] = eps;
      time_dependent   = uses_time(expression);
      parser = make_parser<dim>(expression, constants, "Function expression");
    }


    template <int dim>
    double
    PeriodicExpression<dim>::value(const Point<dim> &p,
                                   const unsigned int) const
    {
      return parser->value(p);
    }


    template <int dim>
    void
    PeriodicExpression<dim>::set_time(const double t)
    {
      Function<dim>::set_time(t);
      parser->set_time(t);
    }


    template <int dim>
    double
    PeriodicExpression<dim>::feature_size() const
    {
      return eps;
    }


    template <int dim>
    bool
    PeriodicExpression<dim>::is_time_dependent() const
    {
      return time_dependent;
    }


    // ---------------------------------------------------------------------
    // random checkerboard

    template <int dim>
    RandomCheckerboard<dim>::RandomCheckerboard(const double eps)
      : RandomGridField<dim>(eps)
    {}


    template <int dim>
    void
    RandomCheckerboard<dim>::declare_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("Minimum value",
                        "1",
                        Patterns::Double(0.),
                        "alpha > 0: the values are uniform in [alpha, beta].");
      prm.declare_entry("Maximum value",
                        "10",
                        Patterns::Double(0.),
                        "beta >= alpha.");
      prm.declare_entry("Random seed",
                        "1",
                        Patterns::Integer(0),
                        "Seed of the field; the same seed gives the same field "
                        "on any number of MPI ranks.");
      prm.declare_entry(
        "Factor",
        "1",
        Patterns::Anything(),
        "g(x, t) > 0 multiplying the cell values, a muParser expression of "
        "x, y, z (in 3D), t, eps and pi: e.g. a moving inclusion "
        "1 + 9*((x - 0.25 - 5*t)^2 + (y - 0.5)^2 < 0.02) makes the "
        "checkerboard time-dependent.");
    }


    template <int dim>
    void
    RandomCheckerboard<dim>::parse_parameters(ParameterHandler &prm)
    {
      initialize(prm.get_double("Minimum value"),
                 prm.get_double("Maximum value"),
                 prm.get_integer("Random seed"),
                 prm.get("Factor"));
    }


    template <int dim>
    void
    RandomCheckerboard<dim>::initialize(const double        alpha_,
                                        const double        beta_,
                                        const std::uint64_t seed_,
                                        const std::string  &factor_text)
    {
      if (factor_text != "1")
        {
          factor =
            make_parser<dim>(factor_text, {{"eps", this->eps}}, "Factor");
          time_dependent = uses_time(factor_text);
        }
      else
        {
          factor.reset();
          time_dependent = false;
        }
      require(alpha_ > 0, "Minimum value", "must be positive");
      require(beta_ >= alpha_,
              "Maximum value",
              "must be at least the minimum value " + to_text(alpha_));
      alpha      = alpha_;
      beta       = beta_;
      this->seed = seed_;
    }


    template <int dim>
    double
    RandomCheckerboard<dim>::value(const Point<dim> &p,
                                   const unsigned int) const
    {
      const double cell_value = alpha + (beta - alpha) * this->uniform_value(p);
      return factor ? cell_value * factor->value(p) : cell_value;
    }


    template <int dim>
    void
    RandomCheckerboard<dim>::set_time(const double t)
    {
      Function<dim>::set_time(t);
      if (factor)
        factor->set_time(t);
    }


    template <int dim>
    bool
    RandomCheckerboard<dim>::is_time_dependent() const
    {
      return time_dependent;
    }


    // ---------------------------------------------------------------------
    // layered

    template <int dim>
    Layered<dim>::Layered(const double)
    {}


    template <int dim>
    void
    Layered<dim>::declare_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("Layer direction",
                        "y",
                        Patterns::Selection("x|y|z"),
                        "The axis normal to the layers.");
      prm.declare_entry("Number of periods",
                        "4",
                        Patterns::Integer(1),
                        "How often the stack of layers repeats across the "
                        "unit interval.");
      prm.declare_entry("Layer thicknesses",
                        "1, 3, 1, 3",
                        Patterns::List(Patterns::Double(0.), 1),
                        "Relative thicknesses of the layers of one period "
                        "(normalized to sum 1).");
      prm.declare_entry("Layer materials",
                        "CC, AM, AC, AM",
                        Patterns::List(Patterns::Anything(), 1),
                        "The material of each layer, one name per thickness.");
      prm.declare_entry(
        "Material conductivities",
        "CC: 9.724e-5, AM: 4.727e-7*p, AC: 1.190e-4",
        Patterns::Map(Patterns::Anything(), Patterns::Anything(), 1),
        "Conductivity of each material as 'name: expression' with the "
        "parameter p and the time t as variables. The defaults are the "
        "battery of the Deep Ritz LOD paper (lambda/(rho c_p) of copper, "
        "aluminium and active material).");
      prm.declare_entry("Parameter",
                        "5",
                        Patterns::Double(),
                        "The value of p until a method sets another.");
    }


    template <int dim>
    void
    Layered<dim>::parse_parameters(ParameterHandler &prm)
    {
      const std::string direction = prm.get("Layer direction");
      axis                        = direction[0] - 'x';
      require(axis < dim,
              "Layer direction",
              "'" + direction + "' is not an axis in " + std::to_string(dim) +
                "D");
      n_periods = prm.get_integer("Number of periods");

      const auto thickness = Utilities::string_to_double(
        Utilities::split_string_list(prm.get("Layer thicknesses")));
      const auto materials =
        Utilities::split_string_list(prm.get("Layer materials"));
      require(thickness.size() == materials.size(),
              "Layer materials",
              "needs one material per layer thickness (" +
                std::to_string(thickness.size()) + " thicknesses, " +
                std::to_string(materials.size()) + " materials)");
      double total = 0;
      for (const double t : thickness)
        {
          require(t > 0, "Layer thicknesses", "must all be positive");
          total += t;
        }

      std::map<std::string, std::string> expressions;
      for (const auto &item :
           Utilities::split_string_list(prm.get("Material conductivities")))
        {
          const auto pair = Utilities::split_string_list(item, ':');
          require(pair.size() == 2,
                  "Material conductivities",
                  "expected 'name: expression', got '" + item + "'");
          expressions[pair[0]] = pair[1];
        }

      material_names.clear();
      conductivity.clear();
      layer_ends.clear();
      layer_material.clear();
      time_dependent = false;
      double end     = 0;
      for (unsigned int l = 0; l < thickness.size(); ++l)
        {
          const auto known = std::find(material_names.begin(),
                                       material_names.end(),
                                       materials[l]);
          if (known == material_names.end())
            {
              const auto expression = expressions.find(materials[l]);
              require(expression != expressions.end(),
                      "Material conductivities",
                      "no conductivity given for material '" + materials[l] +
                        "'");
              time_dependent |= uses_time(expression->second);
              conductivity.push_back(make_parser<1>(expression->second,
                                                    {},
                                                    "Material conductivities",
                                                    "p"));
              material_names.push_back(materials[l]);
              layer_material.push_back(material_names.size() - 1);
            }
          else
            layer_material.push_back(known - material_names.begin());
          end += thickness[l] / total;
          layer_ends.push_back(end);
        }
      layer_ends.back() = 1.;

      parameter = prm.get_double("Parameter");
      update_conductivities();
    }


    template <int dim>
    void
    Layered<dim>::update_conductivities()
    {
      conductivity_now.resize(conductivity.size());
      for (unsigned int m = 0; m < conductivity.size(); ++m)
        {
          conductivity[m]->set_time(this->get_time());
          conductivity_now[m] = conductivity[m]->value(Point<1>(parameter));
          require(conductivity_now[m] > 0 && std::isfinite(conductivity_now[m]),
                  "Material conductivities",
                  "material '" + material_names[m] + "' has conductivity " +
                    to_text(conductivity_now[m]) + " at p = " +
                    to_text(parameter) + ", t = " + to_text(this->get_time()) +
                    "; it must be positive");
        }
    }


    template <int dim>
    unsigned int
    Layered<dim>::material_at(const double s) const
    {
      const double periods = std::clamp(s, 0., 1.) * n_periods;
      const double local =
        periods -
        std::min(std::floor(periods), static_cast<double>(n_periods - 1));
      const auto layer =
        std::lower_bound(layer_ends.begin(), layer_ends.end(), local) -
        layer_ends.begin();
      return layer_material[std::min<std::size_t>(layer,
                                                  layer_ends.size() - 1)];
    }


    template <int dim>
    double
    Layered<dim>::value(const Point<dim> &p, const unsigned int) const
    {
      return conductivity_now[material_at(p[axis])];
    }


    template <int dim>
    void
    Layered<dim>::set_time(const double t)
    {
      Function<dim>::set_time(t);
      if (time_dependent)
        update_conductivities();
    }


    template <int dim>
    double
    Layered<dim>::feature_size() const
    {
      double thinnest = layer_ends[0];
      for (unsigned int l = 1; l < layer_ends.size(); ++l)
        thinnest = std::min(thinnest, layer_ends[l] - layer_ends[l - 1]);
      return thinnest / n_periods;
    }


    template <int dim>
    bool
    Layered<dim>::is_time_dependent() const
    {
      return time_dependent;
    }


    template <int dim>
    unsigned int
    Layered<dim>::n_parameters() const
    {
      return 1;
    }


    template <int dim>
    void
    Layered<dim>::set_parameters(const std::vector<double> &p)
    {
      require(p.size() == 1,
              "Layered coefficient",
              "takes exactly one parameter, got " + std::to_string(p.size()));
      parameter = p[0];
      update_conductivities();
    }


    // ---------------------------------------------------------------------
    // grid data file

    template <int dim>
    GridData<dim>::GridData(const double)
    {}


    template <int dim>
    void
    GridData<dim>::declare_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("Data file",
                        "",
                        Patterns::Anything(),
                        "Plain-text file: a header line with the number of "
                        "grid cells per direction (nx ny, or nx ny nz in 3D), "
                        "then nx*ny*nz positive values, x running fastest. "
                        "Lines starting with '#' are comments. Relative paths "
                        "are relative to the working directory.");
    }


    template <int dim>
    void
    GridData<dim>::parse_parameters(ParameterHandler &prm)
    {
      const std::string file_name = prm.get("Data file");
      require(!file_name.empty(), "Data file", "no file given");
      read(file_name);
    }


    template <int dim>
    void
    GridData<dim>::read(const std::string &file_name)
    {
      std::ifstream in(file_name);
      if (!in)
        throw InputError("entry 'Data file': cannot open '" + file_name + "'");

      // Strip comments, then read whitespace separated tokens.
      std::stringstream tokens;
      std::string       line;
      while (std::getline(in, line))
        tokens << line.substr(0, line.find('#')) << '\n';

      const auto fail = [&](const std::string &what) {
        throw InputError("coefficient data file '" + file_name + "': " + what);
      };

      std::size_t n_values = 1;
      for (unsigned int d = 0; d < dim; ++d)
        {
          std::string token;
          if (!(tokens >> token))
            fail("the header must give " + std::to_string(dim) +
                 " cell counts, found " + std::to_string(d));
          char *end   = nullptr;
          long  count = std::strtol(token.c_str(), &end, 10);
          if (*end != '\0' || count <= 0 || count > (1 << 20))
            fail("cell count '" + token +
                 "' in the header is not a positive integer");
          n_cells[d] = count;
          n_values *= count;
        }

      values.clear();
      values.reserve(n_values);
      std::string token;
      while (tokens >> token)
        {
          char        *end   = nullptr;
          const double value = std::strtod(token.c_str(), &end);
          if (*end != '\0')
            fail("value " + std::to_string(values.size() + 1) + " ('" + token +
                 "') is not a number");
          if (!(value > 0) || !std::isfinite(value))
            fail("value " + std::to_string(values.size() + 1) + " is " + token +
                 "; coefficients must be positive and finite");
          values.push_back(value);
        }
      if (values.size() != n_values)
        fail("the header announces " + std::to_string(n_values) +
             " values, the file has " + std::to_string(values.size()));
    }


    template <int dim>
    double
    GridData<dim>::value(const Point<dim> &p, const unsigned int) const
    {
      std::size_t index = 0, stride = 1;
      for (unsigned int d = 0; d < dim; ++d)
        {
          const auto i = std::clamp<std::int64_t>(std::floor(p[d] * n_cells[d]),
                                                  0,
                                                  n_cells[d] - 1);
          index += stride * i;
          stride *= n_cells[d];
        }
      return values[index];
    }


    template <int dim>
    double
    GridData<dim>::feature_size() const
    {
      return 1. / *std::max_element(n_cells.begin(), n_cells.end());
    }


    template <int dim>
    std::vector<unsigned int>
    GridData<dim>::grid_cells_per_direction() const
    {
      return std::vector<unsigned int>(n_cells.begin(), n_cells.end());
    }


    // ---------------------------------------------------------------------
    // cracks

    template <int dim>
    Cracks<dim>::Cracks(const double eps)
      : RandomGridField<dim>(eps)
      , half_width(eps / 2)
    {}


    template <int dim>
    void
    Cracks<dim>::declare_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("Background range",
                        "1, 2",
                        Patterns::List(Patterns::Double(0.), 2, 2),
                        "Background values per eps-cell are uniform in "
                        "[min, max].");
      prm.declare_entry("Crack range",
                        "4, 5",
                        Patterns::List(Patterns::Double(0.), 2, 2),
                        "Values in crack cells are uniform in [min, max].");
      prm.declare_entry("Crack segments",
                        "0.1, 0.15, 0.55, 0.7; 0.35, 0.85, 0.9, 0.35; "
                        "0.6, 0.1, 0.75, 0.45",
                        Patterns::Anything(),
                        "Straight cracks separated by ';', each as its two end "
                        "points x0, y0, x1, y1 (2D) or x0, y0, z0, x1, y1, z1 "
                        "(3D).");
      prm.declare_entry("Crack width",
                        "0",
                        Patterns::Double(0.),
                        "Width of the cracks; 0 means one eps-cell.");
      prm.declare_entry("Random seed", "1", Patterns::Integer(0), "Seed.");
    }


    template <int dim>
    void
    Cracks<dim>::parse_parameters(ParameterHandler &prm)
    {
      const auto range = [&](const std::string &entry) {
        const auto v = Utilities::string_to_double(
          Utilities::split_string_list(prm.get(entry)));
        require(v[0] > 0 && v[1] >= v[0], entry, "needs 0 < min <= max");
        return v;
      };
      const auto background = range("Background range");
      const auto crack      = range("Crack range");
      background_min        = background[0];
      background_max        = background[1];
      crack_min             = crack[0];
      crack_max             = crack[1];
      this->seed            = prm.get_integer("Random seed");
      if (prm.get_double("Crack width") > 0)
        half_width = prm.get_double("Crack width") / 2;

      segments.clear();
      for (const auto &text :
           Utilities::split_string_list(prm.get("Crack segments"), ';'))
        {
          std::vector<double> c;
          try
            {
              c =
                Utilities::string_to_double(Utilities::split_string_list(text));
            }
          catch (...)
            {
              throw InputError("entry 'Crack segments': '" + text +
                               "' is not a list of numbers");
            }
          require(c.size() == 2 * dim,
                  "Crack segments",
                  "each segment needs " + std::to_string(2 * dim) +
                    " coordinates, '" + text + "' has " +
                    std::to_string(c.size()));
          Point<dim> a, b;
          for (unsigned int d = 0; d < dim; ++d)
            {
              a[d] = c[d];
              b[d] = c[dim + d];
            }
          segments.emplace_back(a, b);
        }
    }


    template <int dim>
    bool
    Cracks<dim>::in_crack(const Point<dim> &p) const
    {
      const auto index = grid_index(p, this->n_cells);
      Point<dim> centre;
      for (unsigned int d = 0; d < dim; ++d)
        centre[d] = (index[d] + 0.5) * this->eps;
      for (const auto &[a, b] : segments)
        {
          const Tensor<1, dim> ab = b - a;
          const double         s =
            ab.norm_square() > 0 ?
                      std::clamp((centre - a) * ab / ab.norm_square(), 0., 1.) :
                      0.;
          if ((centre - (a + s * ab)).norm() <= half_width)
            return true;
        }
      return false;
    }


    template <int dim>
    double
    Cracks<dim>::value(const Point<dim> &p, const unsigned int) const
    {
      const double u = this->uniform_value(p);
      return in_crack(p) ?
               crack_min + (crack_max - crack_min) * u :
               background_min + (background_max - background_min) * u;
    }


    template class RandomGridField<1>;
    template class RandomGridField<2>;
    template class RandomGridField<3>;
    template class PeriodicExpression<1>;
    template class PeriodicExpression<2>;
    template class PeriodicExpression<3>;
    template class RandomCheckerboard<1>;
    template class RandomCheckerboard<2>;
    template class RandomCheckerboard<3>;
    template class Layered<1>;
    template class Layered<2>;
    template class Layered<3>;
    template class GridData<1>;
    template class GridData<2>;
    template class GridData<3>;
    template class Cracks<1>;
    template class Cracks<2>;
    template class Cracks<3>;
    template std::array<std::int64_t, 3>
    grid_index(const Point<1> &, unsigned int);
    template std::array<std::int64_t, 3>
    grid_index(const Point<2> &, unsigned int);
    template std::array<std::int64_t, 3>
    grid_index(const Point<3> &, unsigned int);
  } // namespace Coefficients
} // namespace neuhom

NEUHOM_REGISTER_COEFFICIENT(neuhom::Coefficients::PeriodicExpression,
                            "periodic expression",
                            "a muParser expression of x, y, z, t and eps")
NEUHOM_REGISTER_COEFFICIENT(neuhom::Coefficients::RandomCheckerboard,
                            "random checkerboard",
                            "i.i.d. uniform values on the eps-grid, seeded")
NEUHOM_REGISTER_COEFFICIENT(neuhom::Coefficients::Layered,
                            "layered",
                            "a periodic stack of material layers")
NEUHOM_REGISTER_COEFFICIENT(neuhom::Coefficients::GridData,
                            "grid data file",
                            "piecewise constant values read from a file")
NEUHOM_REGISTER_COEFFICIENT(neuhom::Coefficients::Cracks,
                            "cracks",
                            "random background with high-contrast cracks")
