#include <neuhom/core/input_error.h>
#include <neuhom/methods/deep_ritz/cell_field.h>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <tuple>
#include <utility>

namespace neuhom
{
  namespace deep_ritz
  {
    CellField::CellField(const unsigned int  n_cells_per_direction,
                         std::vector<double> values)
      : n(n_cells_per_direction)
      , values(std::move(values))
    {
      AssertDimension(this->values.size(), n * n);
    }


    double
    CellField::value(const Point<2> &p, const unsigned int) const
    {
      const auto index = [&](const double x) {
        return std::min(n - 1, static_cast<unsigned int>(std::max(0., x * n)));
      };
      return values[index(p[0]) + n * index(p[1])];
    }


    std::vector<CellField>
    random_cell_fields(const unsigned int n_cells_per_direction,
                       const unsigned int count,
                       const double       min,
                       const double       max,
                       const unsigned int seed)
    {
      std::mt19937                           generator(seed);
      std::uniform_real_distribution<double> distribution(min, max);
      std::vector<CellField>                 fields;
      for (unsigned int k = 0; k < count; ++k)
        {
          std::vector<double> values(n_cells_per_direction *
                                     n_cells_per_direction);
          for (double &value : values)
            value = distribution(generator);
          fields.emplace_back(n_cells_per_direction, std::move(values));
        }
      return fields;
    }


    std::vector<CellField>
    symmetry_images(const CellField &field)
    {
      const unsigned int     n = field.n;
      std::vector<CellField> images;
      for (const bool reflect : {false, true})
        for (unsigned int quarter_turns = 0; quarter_turns < 4; ++quarter_turns)
          {
            std::vector<double> values(n * n);
            for (unsigned int j = 0; j < n; ++j)
              for (unsigned int i = 0; i < n; ++i)
                {
                  // The cell (i, j) of the image shows the cell (x, y) of the
                  // field: optionally reflected at x = 1/2, then turned.
                  unsigned int x = reflect ? n - 1 - i : i, y = j;
                  for (unsigned int q = 0; q < quarter_turns; ++q)
                    std::tie(x, y) = std::make_pair(y, n - 1 - x);
                  values[i + n * j] = field.cell_value(x, y);
                }
            images.emplace_back(n, std::move(values));
          }
      return images;
    }


    std::vector<CellField>
    read_cell_fields(const std::string &file_name,
                     const unsigned int n_cells_per_direction,
                     const std::string &entry)
    {
      std::ifstream in(file_name);
      require(static_cast<bool>(in),
              entry,
              "cannot open the parameter sample file '" + file_name + "'");
      const unsigned int expected =
        n_cells_per_direction * n_cells_per_direction;
      std::vector<CellField> fields;
      std::string            line;
      unsigned int           line_number = 0;
      while (std::getline(in, line))
        {
          ++line_number;
          const auto first = line.find_first_not_of(" \t\r");
          if (first == std::string::npos || line[first] == '#')
            continue;
          const std::string where =
            "'" + file_name + "' line " + std::to_string(line_number) + ": ";
          std::istringstream  stream(line);
          std::vector<double> values;
          std::string         word;
          while (stream >> word)
            {
              std::size_t used  = 0;
              double      value = 0;
              try
                {
                  value = std::stod(word, &used);
                }
              catch (const std::exception &)
                {
                  used = 0;
                }
              require(used == word.size() && std::isfinite(value) && value > 0,
                      entry,
                      where + "'" + word +
                        "' is not a positive finite coefficient value");
              values.push_back(value);
            }
          require(values.size() == expected,
                  entry,
                  where + "has " + std::to_string(values.size()) +
                    " values, a sample needs one per fine cell (" +
                    std::to_string(expected) + ")");
          fields.emplace_back(n_cells_per_direction, std::move(values));
        }
      require(!fields.empty(),
              entry,
              "the parameter sample file '" + file_name +
                "' contains no sample");
      return fields;
    }


    BatteryMaterial
    battery_material(const unsigned int row)
    {
      const unsigned int k = row % 10;
      if (k == 0)
        return BatteryMaterial::cathode_collector;
      if (k == 5)
        return BatteryMaterial::anode_collector;
      return BatteryMaterial::active_material;
    }


    CellField
    battery_diffusivity(const unsigned int n_cells_per_direction,
                        const double       lambda_am,
                        const double       domain_length)
    {
      const unsigned int  n = n_cells_per_direction;
      std::vector<double> values(n * n);
      const double        scale = 1. / (domain_length * domain_length);
      for (unsigned int j = 0; j < n; ++j)
        {
          double a = 0;
          switch (battery_material(j))
            {
              case BatteryMaterial::cathode_collector:
                a = 236.3 / (2706.77 * 897.8);
                break;
              case BatteryMaterial::anode_collector:
                a = 398.65 / (8710.2 * 384.65);
                break;
              case BatteryMaterial::active_material:
                a = lambda_am / (2094.302 * 1010.119);
                break;
            }
          for (unsigned int i = 0; i < n; ++i)
            values[i + n * j] = a * scale;
        }
      return CellField(n, std::move(values));
    }


    CellField
    battery_source(const unsigned int n_cells_per_direction)
    {
      const unsigned int  n = n_cells_per_direction;
      std::vector<double> values(n * n);
      for (unsigned int j = 0; j < n; ++j)
        for (unsigned int i = 0; i < n; ++i)
          values[i + n * j] =
            battery_material(j) == BatteryMaterial::active_material ? 1. : 0.;
      return CellField(n, std::move(values));
    }
  } // namespace deep_ritz
} // namespace neuhom
