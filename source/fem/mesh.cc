#include <deal.II/distributed/shared_tria.h>
#include <deal.II/distributed/tria.h>
#include <deal.II/grid/grid_generator.h>

#include <neuhom/core/input_error.h>
#include <neuhom/fem/mesh.h>

#include <cmath>

#include <unistd.h>

namespace neuhom
{
  void
  MeshParameters::declare_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Mesh");
    prm.declare_entry("Fine cells per direction",
                      "128",
                      Patterns::Integer(1, 1 << 16),
                      "1/h: the fine mesh divides the unit hypercube into "
                      "this many cells per direction.");
    prm.declare_entry("Minimum fine cells per eps",
                      "4",
                      Patterns::Double(0.),
                      "For smooth coefficients: the fine mesh must have at "
                      "least this many cells per oscillation period eps.");
    prm.leave_subsection();
  }


  void
  MeshParameters::parse_parameters(ParameterHandler &prm)
  {
    prm.enter_subsection("Mesh");
    fine_cells_per_direction = prm.get_integer("Fine cells per direction");
    min_fine_cells_per_eps   = prm.get_double("Minimum fine cells per eps");
    prm.leave_subsection();
  }


  template <int dim>
  void
  MeshParameters::check_resolution(const Coefficient<dim> &coefficient) const
  {
    const auto grid = coefficient.grid_cells_per_direction();
    for (const unsigned int n : grid)
      require(fine_cells_per_direction % n == 0,
              "Mesh/Fine cells per direction",
              "the coefficient is piecewise constant on a grid of " +
                to_text(n) +
                " cells per direction, so the number of fine cells (" +
                std::to_string(fine_cells_per_direction) +
                ") must be a multiple of " + to_text(n));
    if (grid.empty())
      {
        const double cells_per_eps = coefficient.feature_size() / h();
        require(cells_per_eps >= min_fine_cells_per_eps - 1e-12,
                "Mesh/Fine cells per direction",
                "eps = " + to_text(coefficient.feature_size()) +
                  " is not resolved: h = 1/" +
                  std::to_string(fine_cells_per_direction) + " gives " +
                  to_text(cells_per_eps) + " cells per eps, at least " +
                  to_text(min_fine_cells_per_eps) +
                  " ('Mesh/Minimum fine cells per eps') are required");
      }
  }


  template <int dim>
  void
  MeshParameters::check_fine_problem(const Coefficient<dim> &coefficient,
                                     const unsigned int      degree,
                                     MPI_Comm                comm) const
  {
    check_resolution(coefficient);
    check_positivity(coefficient, fine_cells_per_direction);
    check_memory(estimate_fine_solver_memory<dim>(fine_cells_per_direction,
                                                  degree),
                 "Mesh/Fine cells per direction",
                 comm);
  }


  void
  check_nested(const unsigned int coarse_cells,
               const unsigned int fine_cells,
               const std::string &entry)
  {
    require(coarse_cells > 0 && fine_cells % coarse_cells == 0,
            entry,
            "H/h must be an integer: " + std::to_string(coarse_cells) +
              " coarse cells per direction do not divide the " +
              std::to_string(fine_cells) + " fine cells per direction");
  }


  template <int dim>
  double
  estimate_fine_solver_memory(const unsigned int cells_per_direction,
                              const unsigned int degree)
  {
    const double n_cells = std::pow(double(cells_per_direction), dim);
    const double n_dofs =
      std::pow(double(cells_per_direction) * degree + 1, dim);
    const double entries_per_row = std::pow(2. * degree + 1, dim);
    // 4 matrices (A, M, system, AMG) x (8-byte value + 4-byte index).
    return n_dofs * (4 * 12 * entries_per_row + 200) + n_cells * 1000;
  }


  void
  check_memory(const double bytes, const std::string &entry, MPI_Comm comm)
  {
    MPI_Comm node;
    MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    const unsigned int ranks_on_node = Utilities::MPI::n_mpi_processes(node);
    MPI_Comm_free(&node);

    const double node_memory =
      double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
    const double per_rank  = bytes / Utilities::MPI::n_mpi_processes(comm);
    const double available = 0.9 * node_memory / ranks_on_node;
    const double GiB       = 1024. * 1024. * 1024.;
    require(per_rank <= available,
            entry,
            "this problem needs about " + to_text(per_rank / GiB) +
              " GiB per MPI rank (" + to_text(bytes / GiB) +
              " GiB in total), but each rank has only " +
              to_text(available / GiB) +
              " GiB here; use a coarser mesh or more nodes");
  }


  template <int dim>
  std::unique_ptr<parallel::TriangulationBase<dim>>
  make_distributed_triangulation(MPI_Comm comm)
  {
    if constexpr (dim == 1)
      return std::make_unique<parallel::shared::Triangulation<1>>(comm);
    else
      return std::make_unique<parallel::distributed::Triangulation<dim>>(comm);
  }


  template <int dim>
  void
  make_unit_hypercube(Triangulation<dim> &triangulation, const unsigned int n)
  {
    unsigned int n0 = n, refinements = 0;
    while (n0 % 2 == 0 && n0 > 1)
      {
        n0 /= 2;
        ++refinements;
      }
    GridGenerator::subdivided_hyper_cube(triangulation, n0, 0., 1.);
    // One boundary id for the whole boundary (in 1D deal.II numbers the two
    // end points 0 and 1 even without colorizing); set before refining so
    // p4est passes it on.
    for (const auto &cell : triangulation.active_cell_iterators())
      for (const auto &face : cell->face_iterators())
        if (face->at_boundary())
          face->set_boundary_id(0);
    triangulation.refine_global(refinements);
  }


  template void
  MeshParameters::check_resolution(const Coefficient<1> &) const;
  template void
  MeshParameters::check_resolution(const Coefficient<2> &) const;
  template void
  MeshParameters::check_resolution(const Coefficient<3> &) const;
  template void
  MeshParameters::check_fine_problem(const Coefficient<1> &,
                                     unsigned int,
                                     MPI_Comm) const;
  template void
  MeshParameters::check_fine_problem(const Coefficient<2> &,
                                     unsigned int,
                                     MPI_Comm) const;
  template void
  MeshParameters::check_fine_problem(const Coefficient<3> &,
                                     unsigned int,
                                     MPI_Comm) const;
  template double
  estimate_fine_solver_memory<1>(unsigned int, unsigned int);
  template double
  estimate_fine_solver_memory<2>(unsigned int, unsigned int);
  template double
  estimate_fine_solver_memory<3>(unsigned int, unsigned int);
  template std::unique_ptr<parallel::TriangulationBase<1>>
    make_distributed_triangulation<1>(MPI_Comm);
  template std::unique_ptr<parallel::TriangulationBase<2>>
    make_distributed_triangulation<2>(MPI_Comm);
  template std::unique_ptr<parallel::TriangulationBase<3>>
    make_distributed_triangulation<3>(MPI_Comm);
  template void
  make_unit_hypercube(Triangulation<1> &, unsigned int);
  template void
  make_unit_hypercube(Triangulation<2> &, unsigned int);
  template void
  make_unit_hypercube(Triangulation<3> &, unsigned int);
} // namespace neuhom
