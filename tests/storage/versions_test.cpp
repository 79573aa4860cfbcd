#include <nulmeting/storage/versions.hpp>

#include <catch2/catch.hpp>

TEST_CASE("storage reports the run-time SQLite version", "[versions]") {
  CHECK(nulmeting::storage::sqlite_version().starts_with("3."));
}
