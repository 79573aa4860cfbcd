// numbers_test.cpp — the one number format of the reports (numbers.hpp): Dutch and English
// separators, rounding, signs, as a table.
#include <nulmeting/reports/numbers.hpp>

#include <catch2/catch.hpp>

#include <tuple>

using namespace nulmeting::reports;

TEST_CASE("format_number: Dutch 78,2 and 10.000, English 78.2 and 10,000", "[numbers]") {
  const std::vector<std::tuple<double, int, std::string, std::string>> table{
      {78.2, 1, "78,2", "78.2"},
      {10000, 0, "10.000", "10,000"},
      {999, 0, "999", "999"},
      {1000, 0, "1.000", "1,000"},
      {100000, 0, "100.000", "100,000"},
      {1234567.891, 1, "1.234.567,9", "1,234,567.9"},
      {0, 1, "0,0", "0.0"},
      {100, 1, "100,0", "100.0"},
      {33.35, 0, "33", "33"},
      {-1234, 0, "-1.234", "-1,234"},
      {-0.04, 1, "0,0", "0.0"},  // no "-0,0"
      {12.25, 2, "12,25", "12.25"},
  };
  for (const auto& [value, decimals, nl, en] : table) {
    CAPTURE(value, decimals);
    CHECK(format_number(value, decimals, Lang::Nl) == nl);
    CHECK(format_number(value, decimals, Lang::En) == en);
  }
  CHECK(format_count(10000, Lang::Nl) == "10.000");
  CHECK(format_count(10000, Lang::En) == "10,000");
}
