#include <deal.II/base/mpi.h>

#include <deal.II/fe/fe.h>

#include <neuhom/fem/structured_q1_field.h>

#include <algorithm>
#include <cmath>

namespace neuhom
{
  template <int dim>
  StructuredQ1Field<dim>::StructuredQ1Field(
    const DoFHandler<dim>               &dof_handler,
    const TrilinosWrappers::MPI::Vector &u,
    const unsigned int                   n)
    : n(n)
    , nodal_values(Utilities::fixed_power<dim>(n + 1), 0.)
  {
    AssertThrow(dof_handler.get_fe().degree == 1,
                ExcMessage("StructuredQ1Field needs a Q1 field"));
    const IndexSet &owned = dof_handler.locally_owned_dofs();
    for (const auto &cell : dof_handler.active_cell_iterators())
      if (cell->is_locally_owned())
        for (const unsigned int v : cell->vertex_indices())
          {
            const auto dof = cell->vertex_dof_index(v, 0);
            if (!owned.is_element(dof))
              continue;
            std::size_t index = 0, stride = 1;
            for (unsigned int d = 0; d < dim; ++d)
              {
                index += stride * static_cast<std::size_t>(
                                    std::round(cell->vertex(v)[d] * n));
                stride *= n + 1;
              }
            nodal_values[index] = u[dof];
          }
    // Each node is owned by exactly one rank, the others contribute zero.
    Utilities::MPI::sum(nodal_values,
                        dof_handler.get_communicator(),
                        nodal_values);
  }


  template <int dim>
  StructuredQ1Field<dim>::StructuredQ1Field(const unsigned int  n,
                                            std::vector<double> values)
    : n(n)
    , nodal_values(std::move(values))
  {
    AssertThrow(nodal_values.size() == Utilities::fixed_power<dim>(n + 1),
                ExcMessage("StructuredQ1Field needs (n+1)^dim nodal values"));
  }


  namespace
  {
    // Cell index and local coordinate in [0, 1] of x on a grid of n cells.
    std::pair<unsigned int, double>
    locate(const double x, const unsigned int n)
    {
      const double       s = std::clamp(x, 0., 1.) * n;
      const unsigned int i = std::min<unsigned int>(std::floor(s), n - 1);
      return {i, s - i};
    }
  } // namespace


  template <int dim>
  double
  StructuredQ1Field<dim>::value(const Point<dim> &p) const
  {
    std::array<std::pair<unsigned int, double>, dim> c;
    for (unsigned int d = 0; d < dim; ++d)
      c[d] = locate(p[d], n);

    double result = 0;
    for (unsigned int corner = 0; corner < (1u << dim); ++corner)
      {
        double      weight = 1;
        std::size_t index = 0, stride = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const unsigned int bit = (corner >> d) & 1;
            weight *= bit ? c[d].second : 1 - c[d].second;
            index += stride * (c[d].first + bit);
            stride *= n + 1;
          }
        result += weight * nodal_values[index];
      }
    return result;
  }


  template <int dim>
  Tensor<1, dim>
  StructuredQ1Field<dim>::gradient(const Point<dim> &p) const
  {
    std::array<std::pair<unsigned int, double>, dim> c;
    for (unsigned int d = 0; d < dim; ++d)
      c[d] = locate(p[d], n);

    Tensor<1, dim> result;
    for (unsigned int corner = 0; corner < (1u << dim); ++corner)
      {
        std::size_t index = 0, stride = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            index += stride * (c[d].first + ((corner >> d) & 1));
            stride *= n + 1;
          }
        for (unsigned int k = 0; k < dim; ++k)
          {
            // d/dx_k of the product of 1D hat functions
            double weight = 1;
            for (unsigned int d = 0; d < dim; ++d)
              {
                const unsigned int bit = (corner >> d) & 1;
                if (d == k)
                  weight *= (bit ? 1. : -1.) * n;
                else
                  weight *= bit ? c[d].second : 1 - c[d].second;
              }
            result[k] += weight * nodal_values[index];
          }
      }
    return result;
  }


  template class StructuredQ1Field<1>;
  template class StructuredQ1Field<2>;
  template class StructuredQ1Field<3>;
} // namespace neuhom
