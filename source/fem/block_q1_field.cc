#include <deal.II/base/exceptions.h>
#include <deal.II/base/utilities.h>

#include <neuhom/fem/block_q1_field.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

namespace neuhom
{
  template <int dim>
  BlockQ1Field<dim>::BlockQ1Field(const unsigned int coarse_cells_per_direction,
                                  const unsigned int refinement)
    : N(coarse_cells_per_direction)
    , r(refinement)
    , blocks(Utilities::fixed_power<dim>(coarse_cells_per_direction))
  {}


  template <int dim>
  void
  BlockQ1Field<dim>::set_block(const unsigned int  cell,
                               std::vector<double> nodal_values)
  {
    AssertThrow(cell < blocks.size(),
                ExcMessage("BlockQ1Field: no block " + std::to_string(cell)));
    AssertThrow(nodal_values.size() == Utilities::fixed_power<dim>(r + 1),
                ExcMessage("BlockQ1Field needs (r+1)^dim values per block"));
    if (blocks[cell].empty())
      ++n_known;
    blocks[cell] = std::move(nodal_values);
  }


  template <int dim>
  bool
  BlockQ1Field<dim>::has_block(const unsigned int cell) const
  {
    return cell < blocks.size() && !blocks[cell].empty();
  }


  template <int dim>
  const std::vector<double> &
  BlockQ1Field<dim>::block(const unsigned int cell) const
  {
    AssertThrow(has_block(cell),
                ExcMessage("BlockQ1Field: block " + std::to_string(cell) +
                           " is not known on this rank"));
    return blocks[cell];
  }


  template <int dim>
  unsigned int
  BlockQ1Field<dim>::locate(const Point<dim>              &p,
                            std::array<unsigned int, dim> &fine_cell,
                            std::array<double, dim>       &local) const
  {
    // Per direction the block containing p and, if p lies on the face
    // between two blocks (up to round-off), the lower neighbour as well.
    std::array<double, dim>       s;
    std::array<unsigned int, dim> candidate[2];
    std::array<unsigned int, dim> n_candidates;
    const double                  n_fine = double(N) * r;
    for (unsigned int d = 0; d < dim; ++d)
      {
        s[d]                       = std::clamp(p[d], 0., 1.) * n_fine;
        const double       rounded = std::round(s[d]);
        const unsigned int node    = static_cast<unsigned int>(rounded);
        if (std::abs(s[d] - rounded) < 1e-8 * n_fine && node % r == 0)
          {
            s[d]            = rounded;
            n_candidates[d] = 0;
            if (node / r < N)
              candidate[n_candidates[d]++][d] = node / r;
            if (node > 0)
              candidate[n_candidates[d]++][d] = node / r - 1;
          }
        else
          {
            candidate[0][d] = std::min<unsigned int>(s[d] / r, N - 1);
            n_candidates[d] = 1;
          }
      }

    for (unsigned int combination = 0; combination < (1u << dim); ++combination)
      {
        unsigned int cell = 0, stride = 1;
        bool         valid = true;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const unsigned int choice = (combination >> d) & 1;
            if (choice >= n_candidates[d])
              {
                valid = false;
                break;
              }
            cell += stride * candidate[choice][d];
            stride *= N;
          }
        if (!valid || !has_block(cell))
          continue;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const double t =
              s[d] - double(candidate[(combination >> d) & 1][d]) * r;
            fine_cell[d] = std::min<unsigned int>(std::max(t, 0.), r - 1);
            local[d]     = t - fine_cell[d];
          }
        return cell;
      }
    std::string where;
    for (unsigned int d = 0; d < dim; ++d)
      where += (d > 0 ? ", " : "") + std::to_string(p[d]);
    AssertThrow(false,
                ExcMessage("BlockQ1Field: the point (" + where +
                           ") lies in no block known on this rank"));
    return 0;
  }


  template <int dim>
  double
  BlockQ1Field<dim>::value(const Point<dim> &p) const
  {
    std::array<unsigned int, dim> e;
    std::array<double, dim>       t;
    const std::vector<double>    &values = blocks[locate(p, e, t)];
    double                        result = 0;
    for (unsigned int corner = 0; corner < (1u << dim); ++corner)
      {
        double       weight = 1;
        unsigned int index = 0, stride = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            const unsigned int bit = (corner >> d) & 1;
            weight *= bit ? t[d] : 1 - t[d];
            index += stride * (e[d] + bit);
            stride *= r + 1;
          }
        result += weight * values[index];
      }
    return result;
  }


  template <int dim>
  Tensor<1, dim>
  BlockQ1Field<dim>::gradient(const Point<dim> &p) const
  {
    std::array<unsigned int, dim> e;
    std::array<double, dim>       t;
    const std::vector<double>    &values    = blocks[locate(p, e, t)];
    const double                  h_inverse = double(N) * r;
    Tensor<1, dim>                result;
    for (unsigned int corner = 0; corner < (1u << dim); ++corner)
      {
        unsigned int index = 0, stride = 1;
        for (unsigned int d = 0; d < dim; ++d)
          {
            index += stride * (e[d] + ((corner >> d) & 1));
            stride *= r + 1;
          }
        for (unsigned int k = 0; k < dim; ++k)
          {
            // d/dx_k of the product of 1D hat functions
            double weight = 1;
            for (unsigned int d = 0; d < dim; ++d)
              {
                const unsigned int bit = (corner >> d) & 1;
                if (d == k)
                  weight *= (bit ? 1. : -1.) * h_inverse;
                else
                  weight *= bit ? t[d] : 1 - t[d];
              }
            result[k] += weight * values[index];
          }
      }
    return result;
  }


  template <int dim>
  std::vector<unsigned int>
  blocks_under_owned_cells(const Triangulation<dim> &triangulation,
                           const unsigned int        N)
  {
    std::set<unsigned int> blocks;
    for (const auto &cell : triangulation.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          const Point<dim> center = cell->center();
          unsigned int     block = 0, stride = 1;
          for (unsigned int d = 0; d < dim; ++d)
            {
              block += stride *
                       std::min<unsigned int>(std::clamp(center[d], 0., 1.) * N,
                                              N - 1);
              stride *= N;
            }
          blocks.insert(block);
        }
    return {blocks.begin(), blocks.end()};
  }


  template class BlockQ1Field<1>;
  template class BlockQ1Field<2>;
  template class BlockQ1Field<3>;
  template std::vector<unsigned int>
  blocks_under_owned_cells(const Triangulation<1> &, unsigned int);
  template std::vector<unsigned int>
  blocks_under_owned_cells(const Triangulation<2> &, unsigned int);
  template std::vector<unsigned int>
  blocks_under_owned_cells(const Triangulation<3> &, unsigned int);
} // namespace neuhom
