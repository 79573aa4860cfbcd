// A hidden test case that writes the fixture database to $NULMETING_FIXTURE_OUT, for shell
// tests and demos that need a database without a scan:
//   NULMETING_FIXTURE_OUT=/tmp/f.db build/<dir>/tests/test_storage "[.make-fixture]"
#include "support/fixture.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

TEST_CASE("write the fixture database to $NULMETING_FIXTURE_OUT", "[.make-fixture]") {
  const char* out = std::getenv("NULMETING_FIXTURE_OUT");
  REQUIRE(out != nullptr);
  auto info = nulmeting::storage::testing::make_fixture_db(out);
  INFO((info ? std::string() : info.error().message));
  REQUIRE(info.has_value());
}
