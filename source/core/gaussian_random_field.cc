#include <neuhom/core/coefficients.h>
#include <neuhom/core/gaussian_random_field.h>
#include <neuhom/core/input_error.h>

#include <cmath>

namespace neuhom
{
  namespace Coefficients
  {
    template <int dim>
    GaussianRandomField<dim>::GaussianRandomField(const double eps)
      : eps(eps)
    {}


    template <int dim>
    void
    GaussianRandomField<dim>::declare_parameters(ParameterHandler &prm)
    {
      prm.declare_entry("Log mean",
                        "0",
                        Patterns::Double(),
                        "m in a = exp(m + s G): the mean of log a.");
      prm.declare_entry("Log standard deviation",
                        "0.5",
                        Patterns::Double(0.),
                        "s in a = exp(m + s G): the standard deviation of "
                        "log a.");
      prm.declare_entry("Correlation length",
                        "0",
                        Patterns::Double(0.),
                        "l of the covariance exp(-|r|^2/(2 l^2)) of G; 0: "
                        "the eps of subsection Coefficient.");
      prm.declare_entry("Number of modes",
                        "256",
                        Patterns::Integer(1, 100000),
                        "M random Fourier modes of G.");
      prm.declare_entry("Random seed",
                        "1",
                        Patterns::Integer(0),
                        "Seed of the field; the same seed gives the same field "
                        "on any number of MPI ranks.");
    }


    template <int dim>
    void
    GaussianRandomField<dim>::parse_parameters(ParameterHandler &prm)
    {
      initialize(prm.get_double("Log mean"),
                 prm.get_double("Log standard deviation"),
                 prm.get_double("Correlation length"),
                 prm.get_integer("Number of modes"),
                 prm.get_integer("Random seed"));
    }


    template <int dim>
    void
    GaussianRandomField<dim>::initialize(const double        m,
                                         const double        s,
                                         const double        l,
                                         const unsigned int  n_modes,
                                         const std::uint64_t seed)
    {
      require(s >= 0, "Log standard deviation", "must not be negative");
      require(n_modes > 0, "Number of modes", "must be positive");
      log_mean               = m;
      log_standard_deviation = s;
      correlation_length     = (l > 0 ? l : eps);
      require(correlation_length > 0,
              "Correlation length",
              "must be positive (or 0 with a positive eps)");
      const auto uniform = [seed](unsigned int i, unsigned int j, int k) {
        return uniform_hash(seed, {{i, j, k}});
      };
      wave_vectors.resize(n_modes);
      phases.resize(n_modes);
      for (unsigned int mode = 0; mode < n_modes; ++mode)
        {
          // Box-Muller from two hashed uniforms per component.
          for (unsigned int d = 0; d < dim; ++d)
            {
              const double u1       = uniform(mode, d, 0);
              const double u2       = uniform(mode, d, 1);
              wave_vectors[mode][d] = std::sqrt(-2. * std::log(1. - u1)) *
                                      std::cos(2. * M_PI * u2) /
                                      correlation_length;
            }
          phases[mode] = 2. * M_PI * uniform(mode, dim, 2);
        }
    }


    template <int dim>
    double
    GaussianRandomField<dim>::gaussian(const Point<dim> &p) const
    {
      double sum = 0;
      for (unsigned int m = 0; m < phases.size(); ++m)
        sum += std::cos(wave_vectors[m] * p + phases[m]);
      return std::sqrt(2. / phases.size()) * sum;
    }


    template <int dim>
    double
    GaussianRandomField<dim>::value(const Point<dim> &p,
                                    const unsigned int) const
    {
      return std::exp(log_mean + log_standard_deviation * gaussian(p));
    }


    template <int dim>
    Tensor<1, dim>
    GaussianRandomField<dim>::gradient(const Point<dim> &p,
                                       const unsigned int) const
    {
      Tensor<1, dim> grad_g;
      for (unsigned int m = 0; m < phases.size(); ++m)
        grad_g -= std::sin(wave_vectors[m] * p + phases[m]) * wave_vectors[m];
      grad_g *= std::sqrt(2. / phases.size());
      return value(p) * log_standard_deviation * grad_g;
    }


    template <int dim>
    double
    GaussianRandomField<dim>::feature_size() const
    {
      return correlation_length;
    }


    template class GaussianRandomField<1>;
    template class GaussianRandomField<2>;
    template class GaussianRandomField<3>;
  } // namespace Coefficients
} // namespace neuhom

NEUHOM_REGISTER_COEFFICIENT(
  neuhom::Coefficients::GaussianRandomField,
  "gaussian random field",
  "a = exp(m + s G) with G a seeded Gaussian field of correlation length l "
  "(random Fourier features)")
