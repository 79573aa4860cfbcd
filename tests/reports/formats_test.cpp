#include <nulmeting/reports/formats.hpp>

#include <catch2/catch.hpp>

TEST_CASE("report formats are the names of interface.md", "[formats]") {
  using namespace nulmeting::reports;
  for (auto name : {"html", "xlsx", "csv", "md", "json"}) {
    auto f = parse_format(name);
    REQUIRE(f);
    CHECK(to_string(*f) == name);
  }
  CHECK_FALSE(parse_format("pdf"));
}
