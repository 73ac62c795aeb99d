// Coefficient types: values against closed forms, the registry, the mesh
// resolution checks, error messages for bad data files, and the
// rank-independence of the random fields (this test runs on 1 and 2 ranks
// and both must print the same integrals).

#include <deal.II/base/quadrature_lib.h>

#include <deal.II/distributed/tria.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_values.h>
#include <deal.II/fe/mapping_q1.h>

#include <neuhom/core/coefficients.h>
#include <neuhom/core/input_error.h>
#include <neuhom/fem/mesh.h>

#include <cmath>
#include <fstream>

#include "../tests.h"

using namespace dealii;
using namespace neuhom;


template <int dim>
std::unique_ptr<Coefficient<dim>>
create(const std::string &settings)
{
  ParameterHandler prm;
  CoefficientFactory::declare_parameters(prm);
  prm.parse_input_from_string(settings);
  return CoefficientFactory::create<dim>(prm);
}


// Integral of a over the unit hypercube, computed on a distributed mesh with
// 32 cells per direction and a 2-point Gauss rule per cell.
template <int dim>
double
integral_on_distributed_mesh(const Coefficient<dim> &a)
{
  parallel::distributed::Triangulation<dim> tria(MPI_COMM_WORLD);
  make_unit_hypercube(tria, 32);
  const QGauss<dim> quadrature(2);
  const FE_Q<dim>   fe(1);
  FEValues<dim>     fe_values(fe,
                          quadrature,
                          update_quadrature_points | update_JxW_values);
  double            integral = 0;
  for (const auto &cell : tria.active_cell_iterators())
    if (cell->is_locally_owned())
      {
        fe_values.reinit(cell);
        for (unsigned int q = 0; q < quadrature.size(); ++q)
          integral += a.value(fe_values.quadrature_point(q)) * fe_values.JxW(q);
      }
  return Utilities::MPI::sum(integral, MPI_COMM_WORLD);
}


void
test_periodic_expression()
{
  const auto     a = create<2>("subsection Coefficient\n"
                               "  set Type = periodic expression\n"
                               "  set Epsilon = 0.125\n"
                               "end\n");
  const Point<2> p(0.3, 0.7);
  const double   expected =
    2 + std::sin(2 * M_PI * 0.3 / 0.125) * std::sin(2 * M_PI * 0.7 / 0.125);
  CHECK_THAT(std::abs(a->value(p) - expected) < 1e-14, "value");
  CHECK_THAT(!a->is_time_dependent(), "no t in the expression");
  // Integral of 2 + sin sin over whole periods is exactly 2.
  const double integral = integral_on_distributed_mesh(*a);
  deallog << "periodic expression: a(0.3,0.7) = " << a->value(p)
          << ", integral = " << integral << std::endl;
  CHECK_THAT(std::abs(integral - 2) < 1e-2, "mean of 2 + sin sin");

  const auto b = create<3>("subsection Coefficient\n"
                           "  set Type = periodic expression\n"
                           "  subsection Periodic expression\n"
                           "    set Function expression = 1 + k*x*y*z + t\n"
                           "    set Function constants = k=2\n"
                           "  end\n"
                           "end\n");
  CHECK_THAT(b->is_time_dependent(), "t in the expression");
  b->set_time(0.5);
  CHECK_THAT(std::abs(b->value(Point<3>(0.5, 0.5, 0.5)) - 1.75) < 1e-14,
             "3D value with a constant and time");
  deallog << "periodic expression 3D: a(0.5,0.5,0.5; t=0.5) = "
          << b->value(Point<3>(0.5, 0.5, 0.5)) << std::endl;
}


void
test_random_checkerboard()
{
  const std::string settings = "subsection Coefficient\n"
                               "  set Type = random checkerboard\n"
                               "  set Epsilon = 0.0625\n"
                               "  subsection Random checkerboard\n"
                               "    set Minimum value = 1\n"
                               "    set Maximum value = 100\n"
                               "    set Random seed = 7\n"
                               "  end\n"
                               "end\n";
  const auto        a        = create<2>(settings);
  // Piecewise constant on the eps-grid, values within [alpha, beta].
  CHECK_THAT(a->value(Point<2>(0.01, 0.01)) == a->value(Point<2>(0.06, 0.05)),
             "constant in one eps-cell");
  CHECK_THAT(a->value(Point<2>(0.01, 0.01)) != a->value(Point<2>(0.07, 0.01)),
             "different in the next cell");
  double mean = 0, minimum = 1e300, maximum = 0;
  for (unsigned int i = 0; i < 16; ++i)
    for (unsigned int j = 0; j < 16; ++j)
      {
        const double v = a->value(Point<2>((i + 0.5) / 16, (j + 0.5) / 16));
        mean += v / 256;
        minimum = std::min(minimum, v);
        maximum = std::max(maximum, v);
      }
  CHECK_THAT(minimum >= 1 && maximum <= 100, "values in range");
  // 256 i.i.d. U[1,100] values: standard deviation of the mean is 1.8.
  CHECK_THAT(std::abs(mean - 50.5) < 4 * 1.8, "mean of the field");
  const double integral = integral_on_distributed_mesh(*a);
  CHECK_THAT(std::abs(integral - mean) < 1e-10,
             "integral equals the mean of the cell values");
  deallog << "random checkerboard: integral = " << std::setprecision(12)
          << integral << std::setprecision(6) << std::endl;

  // The same seed gives the same field, another seed another one.
  CHECK_THAT(create<2>(settings)->value(Point<2>(0.3, 0.4)) ==
               a->value(Point<2>(0.3, 0.4)),
             "reproducible");
  std::string other = settings;
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  CHECK_THAT(create<2>(other)->value(Point<2>(0.3, 0.4)) !=
               a->value(Point<2>(0.3, 0.4)),
             "seed matters");

  // A factor g(x, t) makes it time-dependent: a moving inclusion that
  // multiplies the cell values by 10 where it is.
  CHECK_THAT(!a->is_time_dependent(), "the default factor 1 is static");
  std::string moving = settings;
  moving.replace(moving.find("    set Random seed"),
                 0,
                 "    set Factor = 1 + 9*((x - 0.25 - 5*t)^2 + "
                 "(y - 0.5)^2 < 0.02)\n");
  const auto b = create<2>(moving);
  CHECK_THAT(b->is_time_dependent(), "the factor uses t");
  const Point<2> left(0.25, 0.5), right(0.75, 0.5);
  b->set_time(0);
  CHECK_THAT(std::abs(b->value(left) - 10 * a->value(left)) < 1e-12,
             "inside the inclusion at t = 0");
  CHECK_THAT(b->value(right) == a->value(right), "outside at t = 0");
  b->set_time(0.1);
  CHECK_THAT(b->value(left) == a->value(left), "left behind at t = 0.1");
  CHECK_THAT(std::abs(b->value(right) - 10 * a->value(right)) < 1e-12,
             "the inclusion arrived at t = 0.1");

  const auto a3 = create<3>(settings);
  deallog << "random checkerboard 3D: integral = " << std::setprecision(12)
          << integral_on_distributed_mesh(*a3) << std::setprecision(6)
          << std::endl;
}


void
test_layered()
{
  const auto a =
    create<2>("subsection Coefficient\n"
              "  set Type = layered\n"
              "  subsection Layered\n"
              "    set Layer direction = y\n"
              "    set Number of periods = 2\n"
              "    set Layer thicknesses = 1, 2, 1\n"
              "    set Layer materials = A, B, A\n"
              "    set Material conductivities = A: 1, B: 10*p + t\n"
              "    set Parameter = 2\n"
              "  end\n"
              "end\n");
  // Period [0, 0.5]: A on [0, 0.125), B on [0.125, 0.375), A up to 0.5.
  CHECK_THAT(a->value(Point<2>(0.9, 0.1)) == 1, "A layer");
  CHECK_THAT(a->value(Point<2>(0.9, 0.2)) == 20, "B layer, p = 2");
  CHECK_THAT(a->value(Point<2>(0.1, 0.45)) == 1, "A layer at the top");
  CHECK_THAT(a->value(Point<2>(0.1, 0.7)) == 20, "second period");
  CHECK_THAT(a->n_parameters() == 1 && a->is_time_dependent(), "p and t");
  a->set_parameters({5});
  a->set_time(3);
  CHECK_THAT(a->value(Point<2>(0.9, 0.2)) == 53, "B layer, p = 5, t = 3");
  CHECK_THAT(std::abs(a->feature_size() - 0.125) < 1e-15, "thinnest layer");
  deallog << "layered: a = " << a->value(Point<2>(0.9, 0.1)) << ", "
          << a->value(Point<2>(0.9, 0.2))
          << ", integral = " << integral_on_distributed_mesh(*a) << std::endl;
}


void
test_grid_data()
{
  if (Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
    {
      std::ofstream("grid-good.txt") << "# a 3 x 2 grid\n3 2\n1 2 3\n4 5 6\n";
      std::ofstream("grid-short.txt") << "3 2\n1 2 3\n4 5\n";
      std::ofstream("grid-header.txt") << "3 x\n1 2 3\n";
      std::ofstream("grid-word.txt") << "2 1\n1 abc\n";
      std::ofstream("grid-negative.txt") << "2 1\n1 -2\n";
      std::ofstream("grid-empty.txt");
    }
  MPI_Barrier(MPI_COMM_WORLD);

  Coefficients::GridData<2> a(0);
  a.read("grid-good.txt");
  CHECK_THAT(a.value(Point<2>(0.1, 0.1)) == 1, "first value");
  CHECK_THAT(a.value(Point<2>(0.5, 0.9)) == 5, "x runs fastest");
  CHECK_THAT((a.grid_cells_per_direction() == std::vector<unsigned int>{3, 2}),
             "grid size");
  deallog << "grid data: integral = " << (1. + 2 + 3 + 4 + 5 + 6) / 6
          << std::endl;

  for (const std::string file : {"grid-short.txt",
                                 "grid-header.txt",
                                 "grid-word.txt",
                                 "grid-negative.txt",
                                 "grid-empty.txt",
                                 "grid-missing.txt"})
    {
      bool rejected = false;
      try
        {
          a.read(file);
        }
      catch (const InputError &e)
        {
          rejected = true;
          deallog << "rejected: " << e.what() << std::endl;
        }
      CHECK_THAT(rejected, file + " must be rejected");
    }
}


void
test_cracks()
{
  const auto a = create<2>("subsection Coefficient\n"
                           "  set Type = cracks\n"
                           "  set Epsilon = 0.03125\n"
                           "  subsection Cracks\n"
                           "    set Crack segments = 0.1, 0.5, 0.9, 0.5\n"
                           "  end\n"
                           "end\n");
  // The segment runs along y = 0.5, i.e. the boundary of two eps-cell rows:
  // cell centres at 0.5 +- eps/2 are exactly half a width away.
  const double on   = a->value(Point<2>(0.5, 0.51));
  const double off  = a->value(Point<2>(0.5, 0.8));
  const double past = a->value(Point<2>(0.95, 0.51));
  CHECK_THAT(on >= 4 && on <= 5, "crack value");
  CHECK_THAT(off >= 1 && off <= 2, "background value");
  CHECK_THAT(past >= 1 && past <= 2, "beyond the end of the crack");
  deallog << "cracks: integral = " << integral_on_distributed_mesh(*a)
          << std::endl;
}


void
test_resolution_checks()
{
  const auto check = [](const std::string &name, const auto &action) {
    try
      {
        action();
        deallog << name << ": accepted" << std::endl;
      }
    catch (const InputError &e)
      {
        deallog << name << ": " << e.what() << std::endl;
      }
  };
  const auto     board  = create<2>("subsection Coefficient\n"
                                    "  set Type = random checkerboard\n"
                                    "  set Epsilon = 0.0625\n"
                                    "end\n");
  const auto     smooth = create<2>("subsection Coefficient\n"
                                    "  set Epsilon = 0.0625\n"
                                    "end\n");
  MeshParameters mesh;
  mesh.fine_cells_per_direction = 64;
  check("checkerboard 1/16 on 64 cells", [&] {
    mesh.check_resolution(*board);
  });
  check("smooth eps 1/16 on 64 cells", [&] {
    mesh.check_resolution(*smooth);
  });
  mesh.fine_cells_per_direction = 40;
  check("checkerboard 1/16 on 40 cells", [&] {
    mesh.check_resolution(*board);
  });
  check("smooth eps 1/16 on 40 cells", [&] {
    mesh.check_resolution(*smooth);
  });
  check("H = 1/8, h = 1/40", [] {
    check_nested(8, 40, "Coarse cells");
  });
  check("H = 1/6, h = 1/40", [] {
    check_nested(6, 40, "Coarse cells");
  });
  check("eps = 0.03 for a grid", [] {
    create<2>("subsection Coefficient\n"
              "  set Type = random checkerboard\n"
              "  set Epsilon = 0.03\n"
              "end\n");
  });
  check("unknown variable", [] {
    create<2>("subsection Coefficient\n"
              "  subsection Periodic expression\n"
              "    set Function expression = 1 + q*x\n"
              "  end\n"
              "end\n");
  });
}


int
main(int argc, char **argv)
{
  Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  MPILogInit                       log;

  deallog << "registered: ";
  for (const auto &name : CoefficientFactory::registered_names())
    deallog << '\'' << name << "' ";
  deallog << std::endl;

  test_periodic_expression();
  test_random_checkerboard();
  test_layered();
  test_grid_data();
  test_cracks();
  test_resolution_checks();
}
