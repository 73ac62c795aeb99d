#include <deal.II/base/exceptions.h>

#include <neuhom/lod/sparse_cholesky.h>

#include <algorithm>

#include <cholmod.h>

namespace neuhom
{
  struct SparseCholesky::Data
  {
    cholmod_common  common;
    cholmod_factor *factor = nullptr;
    unsigned int    n      = 0;

    Data()
    {
      cholmod_start(&common);
      // AMD only: the default also tries METIS, which costs more than it
      // saves on patch-sized and coarse grids.
      common.nmethods           = 1;
      common.method[0].ordering = CHOLMOD_AMD;
      common.postorder          = true;
    }

    ~Data()
    {
      if (factor != nullptr)
        cholmod_free_factor(&factor, &common);
      cholmod_finish(&common);
    }
  };


  SparseCholesky::SparseCholesky()
    : data(std::make_unique<Data>())
  {}


  SparseCholesky::~SparseCholesky() = default;


  void
  SparseCholesky::factorize(const unsigned int         n,
                            const std::vector<int>    &column_start,
                            const std::vector<int>    &row_index,
                            const std::vector<double> &values)
  {
    cholmod_common &common = data->common;
    if (data->factor != nullptr)
      cholmod_free_factor(&data->factor, &common);
    data->n = n;

    // A view of the caller's arrays (stype -1: lower triangle).
    cholmod_sparse A;
    A.nrow   = n;
    A.ncol   = n;
    A.nzmax  = values.size();
    A.p      = const_cast<int *>(column_start.data());
    A.i      = const_cast<int *>(row_index.data());
    A.nz     = nullptr;
    A.x      = const_cast<double *>(values.data());
    A.z      = nullptr;
    A.stype  = -1;
    A.itype  = CHOLMOD_INT;
    A.xtype  = CHOLMOD_REAL;
    A.dtype  = CHOLMOD_DOUBLE;
    A.sorted = false;
    A.packed = true;

    data->factor = cholmod_analyze(&A, &common);
    cholmod_factorize(&A, data->factor, &common);
    AssertThrow(common.status == CHOLMOD_OK && data->factor->minor == n,
                ExcMessage("the matrix is not positive definite"));
  }


  void
  SparseCholesky::factorize(const SparseMatrix<double> &matrix)
  {
    // Row i of the upper triangle is column i of the lower triangle.
    const unsigned int  n = matrix.m();
    std::vector<int>    column_start(n + 1, 0), row_index;
    std::vector<double> values;
    for (unsigned int i = 0; i < n; ++i)
      {
        for (auto entry = matrix.begin(i); entry != matrix.end(i); ++entry)
          if (entry->column() >= i)
            {
              row_index.push_back(entry->column());
              values.push_back(entry->value());
            }
        column_start[i + 1] = row_index.size();
      }
    factorize(n, column_start, row_index, values);
  }


  void
  SparseCholesky::solve(double *x, const unsigned int m) const
  {
    cholmod_dense b;
    b.nrow  = data->n;
    b.ncol  = m;
    b.nzmax = data->n * m;
    b.d     = data->n;
    b.x     = x;
    b.z     = nullptr;
    b.xtype = CHOLMOD_REAL;
    b.dtype = CHOLMOD_DOUBLE;
    cholmod_dense *result =
      cholmod_solve(CHOLMOD_A, data->factor, &b, &data->common);
    AssertThrow(result != nullptr, ExcMessage("CHOLMOD solve failed"));
    std::copy_n(static_cast<const double *>(result->x), data->n * m, x);
    cholmod_free_dense(&result, &data->common);
  }
} // namespace neuhom
