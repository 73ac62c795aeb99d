#include <deal.II/base/exceptions.h>

#include <neuhom/lod/sparse_cholesky.h>

#include <algorithm>

#include <cholmod.h>
#include <dlfcn.h>

namespace neuhom
{
  namespace
  {
    /**
     * CHOLMOD's supernodal factorization opens OpenMP parallel regions with
     * a fixed number of threads (CHOLMOD_OMP_NUM_THREADS, 4 in Debian's
     * build) whatever OMP_NUM_THREADS says. With one MPI rank per core this
     * oversubscribes the cores: in the profile of the LOD corrector loop,
     * thread wake-ups and spinning cost ~10 % of the CPU time. While an
     * object of this class lives, every OpenMP region is inactive (runs on
     * the calling thread): max-active-levels is 0. OpenBLAS (OpenMP build)
     * must be told too: it sizes its work split by its own thread count and
     * would wait forever for the helpers of a team that now has one thread
     * (a hang seen with OMP_NUM_THREADS=2), so its thread count is 1 in the
     * scope as well. neuhom does not link OpenMP or OpenBLAS itself, so the
     * functions of the libraries CHOLMOD loaded are looked up at run time
     * (nothing happens without them).
     */
    class SerialOpenMPScope
    {
    public:
      SerialOpenMPScope()
      {
        if (blas().set != nullptr)
          {
            saved_blas_threads = blas().get();
            blas().set(1);
          }
        if (openmp().set != nullptr)
          {
            saved_levels = openmp().get();
            openmp().set(0);
          }
      }

      ~SerialOpenMPScope()
      {
        if (openmp().set != nullptr)
          openmp().set(saved_levels);
        if (blas().set != nullptr)
          blas().set(saved_blas_threads);
      }

    private:
      struct Functions
      {
        int (*get)()     = nullptr;
        void (*set)(int) = nullptr;
      };

      static Functions
      lookup(const char *get_name, const char *set_name)
      {
        Functions result;
        void     *get = dlsym(RTLD_DEFAULT, get_name);
        void     *set = dlsym(RTLD_DEFAULT, set_name);
        if (get != nullptr && set != nullptr)
          {
            result.get = reinterpret_cast<int (*)()>(get);
            result.set = reinterpret_cast<void (*)(int)>(set);
          }
        return result;
      }

      static const Functions &
      openmp()
      {
        static const Functions f =
          lookup("omp_get_max_active_levels", "omp_set_max_active_levels");
        return f;
      }

      static const Functions &
      blas()
      {
        static const Functions f =
          lookup("openblas_get_num_threads", "openblas_set_num_threads");
        return f;
      }

      int saved_levels       = 1;
      int saved_blas_threads = 1;
    };
  } // namespace


  struct SparseCholesky::Data
  {
    cholmod_common  common;
    cholmod_factor *factor = nullptr;
    unsigned int    n      = 0;
    // Solve workspace, re-used by cholmod_solve2 from solve to solve.
    cholmod_dense      *x = nullptr, *y = nullptr, *e = nullptr;
    std::vector<double> permuted;

    Data()
    {
      cholmod_start(&common);
      // AMD only: the default also tries METIS, which costs more than it
      // saves on patch-sized and coarse grids.
      common.nmethods           = 1;
      common.method[0].ordering = CHOLMOD_AMD;
      common.postorder          = true;
      // Always L L^T (supernodal), so that the half solves with L exist.
      common.supernodal = CHOLMOD_SUPERNODAL;
    }

    ~Data()
    {
      free_workspace();
      if (factor != nullptr)
        cholmod_free_factor(&factor, &common);
      cholmod_finish(&common);
    }

    void
    free_workspace()
    {
      for (cholmod_dense **d : {&x, &y, &e})
        if (*d != nullptr)
          cholmod_free_dense(d, &common);
    }

    /** A view of the caller's arrays (stype -1: lower triangle). */
    static cholmod_sparse
    view(const unsigned int         n,
         const std::vector<int>    &column_start,
         const std::vector<int>    &row_index,
         const std::vector<double> *values)
    {
      cholmod_sparse A;
      A.nrow   = n;
      A.ncol   = n;
      A.nzmax  = row_index.size();
      A.p      = const_cast<int *>(column_start.data());
      A.i      = const_cast<int *>(row_index.data());
      A.nz     = nullptr;
      A.x      = values ? const_cast<double *>(values->data()) : nullptr;
      A.z      = nullptr;
      A.stype  = -1;
      A.itype  = CHOLMOD_INT;
      A.xtype  = values ? CHOLMOD_REAL : CHOLMOD_PATTERN;
      A.dtype  = CHOLMOD_DOUBLE;
      A.sorted = false;
      A.packed = true;
      return A;
    }

    /** One cholmod_solve2 with system @p sys on the n x m block @p b. */
    void
    solve(const int sys, double *b, const unsigned int m, double *result)
    {
      cholmod_dense B;
      B.nrow  = n;
      B.ncol  = m;
      B.nzmax = std::size_t(n) * m;
      B.d     = n;
      B.x     = b;
      B.z     = nullptr;
      B.xtype = CHOLMOD_REAL;
      B.dtype = CHOLMOD_DOUBLE;
      const int ok =
        cholmod_solve2(sys, factor, &B, nullptr, &x, nullptr, &y, &e, &common);
      AssertThrow(ok, ExcMessage("CHOLMOD solve failed"));
      std::copy_n(static_cast<const double *>(x->x),
                  std::size_t(n) * m,
                  result);
    }
  };


  SparseCholesky::SparseCholesky()
    : data(std::make_unique<Data>())
  {}


  SparseCholesky::~SparseCholesky() = default;


  void
  SparseCholesky::analyze(const unsigned int      n,
                          const std::vector<int> &column_start,
                          const std::vector<int> &row_index)
  {
    cholmod_common &common = data->common;
    if (data->factor != nullptr)
      cholmod_free_factor(&data->factor, &common);
    data->free_workspace();
    data->n          = n;
    cholmod_sparse A = Data::view(n, column_start, row_index, nullptr);
    data->factor     = cholmod_analyze(&A, &common);
    AssertThrow(data->factor != nullptr, ExcMessage("CHOLMOD analysis failed"));
  }


  bool
  SparseCholesky::is_analyzed() const
  {
    return data->factor != nullptr;
  }


  void
  SparseCholesky::factorize(const unsigned int         n,
                            const std::vector<int>    &column_start,
                            const std::vector<int>    &row_index,
                            const std::vector<double> &values)
  {
    analyze(n, column_start, row_index);
    cholmod_sparse    A = Data::view(n, column_start, row_index, &values);
    SerialOpenMPScope serial;
    cholmod_factorize(&A, data->factor, &data->common);
    AssertThrow(data->common.status == CHOLMOD_OK && data->factor->minor == n,
                ExcMessage("the matrix is not positive definite"));
  }


  void
  SparseCholesky::factorize(const unsigned int         n,
                            const std::vector<int>    &column_start,
                            const std::vector<int>    &row_index,
                            const std::vector<double> &values,
                            const SparseCholesky      &analysis)
  {
    AssertThrow(analysis.is_analyzed() && analysis.data->n == n &&
                  analysis.data->factor->xtype == CHOLMOD_PATTERN,
                ExcMessage("the analysis must come from analyze() on the "
                           "same pattern"));
    cholmod_common &common = data->common;
    if (data->factor != nullptr)
      cholmod_free_factor(&data->factor, &common);
    data->free_workspace();
    data->n             = n;
    data->factor        = cholmod_copy_factor(analysis.data->factor, &common);
    cholmod_sparse    A = Data::view(n, column_start, row_index, &values);
    SerialOpenMPScope serial;
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
    data->solve(CHOLMOD_A, x, m, x);
  }


  void
  SparseCholesky::forward_solve(double *x, const unsigned int m) const
  {
    const unsigned int n    = data->n;
    const int         *perm = static_cast<const int *>(data->factor->Perm);
    data->permuted.resize(std::size_t(n) * m);
    for (unsigned int j = 0; j < m; ++j)
      for (unsigned int k = 0; k < n; ++k)
        data->permuted[std::size_t(j) * n + k] =
          x[std::size_t(j) * n + perm[k]];
    data->solve(CHOLMOD_L, data->permuted.data(), m, x);
  }


  void
  SparseCholesky::backward_solve(double *x, const unsigned int m) const
  {
    const unsigned int n    = data->n;
    const int         *perm = static_cast<const int *>(data->factor->Perm);
    data->permuted.resize(std::size_t(n) * m);
    data->solve(CHOLMOD_Lt, x, m, data->permuted.data());
    for (unsigned int j = 0; j < m; ++j)
      for (unsigned int k = 0; k < n; ++k)
        x[std::size_t(j) * n + perm[k]] =
          data->permuted[std::size_t(j) * n + k];
  }
} // namespace neuhom
