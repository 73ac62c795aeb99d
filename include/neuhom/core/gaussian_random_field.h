#ifndef neuhom_core_gaussian_random_field_h
#define neuhom_core_gaussian_random_field_h

#include <deal.II/base/point.h>
#include <deal.II/base/tensor.h>

#include <neuhom/core/coefficient.h>

#include <cstdint>
#include <vector>

namespace neuhom
{
  namespace Coefficients
  {
    /**
     * "gaussian random field": a log-normal field
     *
     *   a(x) = exp(m + s G(x)),
     *
     * where G is a stationary Gaussian field with mean 0, variance 1 and the
     * squared-exponential covariance exp(-|r|^2 / (2 l^2)) with correlation
     * length l, sampled by random Fourier features:
     *
     *   G(x) = sqrt(2 / M) sum_{m<M} cos(k_m . x + phi_m),
     *   k_m ~ N(0, l^-2 I), phi_m ~ U[0, 2 pi).
     *
     * k_m and phi_m come from the counter-based generator uniform_hash(), so
     * the field depends only on the seed (not on MPI ranks or on the order of
     * evaluation), is smooth (C^infinity, with an exact gradient()) and
     * strictly positive. feature_size() is l.
     */
    template <int dim>
    class GaussianRandomField : public Coefficient<dim>
    {
    public:
      explicit GaussianRandomField(double eps);

      static void
      declare_parameters(ParameterHandler &prm);
      void
      parse_parameters(ParameterHandler &prm);

      /** Set the field directly; l = 0 means the eps of the constructor. */
      void
      initialize(double        log_mean,
                 double        log_standard_deviation,
                 double        correlation_length,
                 unsigned int  n_modes,
                 std::uint64_t seed);

      double
      value(const Point<dim> &p, unsigned int component = 0) const override;
      Tensor<1, dim>
      gradient(const Point<dim> &p, unsigned int component = 0) const override;
      double
      feature_size() const override;

    private:
      const double                eps;
      double                      log_mean               = 0;
      double                      log_standard_deviation = 0.5;
      double                      correlation_length     = 0;
      std::vector<Tensor<1, dim>> wave_vectors;
      std::vector<double>         phases;

      /** G(x) */
      double
      gaussian(const Point<dim> &p) const;
    };
  } // namespace Coefficients
} // namespace neuhom

#endif
