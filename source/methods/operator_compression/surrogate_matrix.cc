#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/lapack_full_matrix.h>

#include <neuhom/methods/operator_compression/surrogate_matrix.h>

namespace neuhom::operator_compression
{
  SurrogateAssembler::SurrogateAssembler(const BlockGeometry &geometry)
    : geometry(geometry)
  {
    const unsigned int N = geometry.N;
    vertex_to_free.assign((N + 1) * (N + 1), -1);
    for (unsigned int y = 1; y < N; ++y)
      for (unsigned int x = 1; x < N; ++x)
        {
          vertex_to_free[x + (N + 1) * y] = free_vertex.size();
          free_vertex.push_back(x + (N + 1) * y);
        }
    DynamicSparsityPattern pattern(n_free(), n_free());
    for (unsigned int cell = 0; cell < geometry.n_cells(); ++cell)
      for (unsigned int v = 0; v < 4; ++v)
        {
          const int column =
            vertex_to_free[(cell % N + v % 2) + (N + 1) * (cell / N + v / 2)];
          if (column < 0)
            continue;
          for (unsigned int i = 0; i < geometry.n_rows(); ++i)
            {
              const int vertex = geometry.row_vertex(cell, i);
              if (vertex >= 0 && vertex_to_free[vertex] >= 0)
                pattern.add(vertex_to_free[vertex], column);
            }
        }
    sparsity.copy_from(pattern);
  }


  void
  SurrogateAssembler::assemble(const std::vector<double> &blocks,
                               const unsigned int         first,
                               const unsigned int         count,
                               const MPI_Comm             comm,
                               SparseMatrix<double>      &matrix) const
  {
    AssertDimension(blocks.size(), std::size_t(count) * geometry.n_outputs());
    const unsigned int N = geometry.N;
    matrix.reinit(sparsity);
    for (unsigned int c = 0; c < count; ++c)
      {
        const unsigned int cell  = first + c;
        const double      *block = blocks.data() + c * geometry.n_outputs();
        for (unsigned int v = 0; v < 4; ++v)
          {
            const int column =
              vertex_to_free[(cell % N + v % 2) + (N + 1) * (cell / N + v / 2)];
            if (column < 0)
              continue;
            for (unsigned int i = 0; i < geometry.n_rows(); ++i)
              {
                const int vertex = geometry.row_vertex(cell, i);
                if (vertex >= 0 && vertex_to_free[vertex] >= 0)
                  matrix.add(vertex_to_free[vertex],
                             column,
                             block[i + geometry.n_rows() * v]);
              }
          }
      }
    // The pattern is the same on every rank: sum the values in its order.
    std::vector<double> values;
    values.reserve(matrix.n_nonzero_elements());
    for (const auto &entry : matrix)
      values.push_back(entry.value());
    Utilities::MPI::sum(values, comm, values);
    auto value = values.begin();
    for (auto entry = matrix.begin(); entry != matrix.end(); ++entry, ++value)
      entry->value() = *value;
  }


  FullMatrix<double>
  SurrogateAssembler::to_dense(const SparseMatrix<double>      &matrix,
                               const std::vector<unsigned int> &vertices) const
  {
    FullMatrix<double> dense(n_free(), n_free());
    for (const auto &entry : matrix)
      dense(vertex_to_free[vertices[entry.row()]],
            vertex_to_free[vertices[entry.column()]]) += entry.value();
    return dense;
  }


  std::vector<double>
  SurrogateAssembler::nodal_values(const Vector<double> &u) const
  {
    std::vector<double> values(vertex_to_free.size(), 0.);
    for (unsigned int i = 0; i < n_free(); ++i)
      values[free_vertex[i]] = u[i];
    return values;
  }


  double
  SurrogateAssembler::l2_norm(const Vector<double> &u) const
  {
    // Q1 element mass on a square of side H: H^2/36 (1 + [x_a = x_b])
    // (1 + [y_a = y_b]) for vertices a, b in deal.II order.
    const unsigned int        N     = geometry.N;
    const double              H     = 1. / N;
    const std::vector<double> nodal = nodal_values(u);
    double                    sum   = 0;
    for (unsigned int cy = 0; cy < N; ++cy)
      for (unsigned int cx = 0; cx < N; ++cx)
        for (unsigned int a = 0; a < 4; ++a)
          for (unsigned int b = 0; b < 4; ++b)
            sum += H * H / 36. * (1 + (a % 2 == b % 2)) *
                   (1 + (a / 2 == b / 2)) *
                   nodal[(cx + a % 2) + (N + 1) * (cy + a / 2)] *
                   nodal[(cx + b % 2) + (N + 1) * (cy + b / 2)];
    return std::sqrt(std::max(sum, 0.));
  }


  double
  spectral_norm(const FullMatrix<double> &matrix)
  {
    LAPACKFullMatrix<double> copy(matrix.m(), matrix.n());
    copy = matrix;
    copy.compute_svd();
    return copy.singular_value(0);
  }
} // namespace neuhom::operator_compression
