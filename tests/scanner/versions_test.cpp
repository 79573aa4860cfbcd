// The versions recorded with every run must be the libraries actually loaded.
#include <nulmeting/scanner/versions.hpp>

#include <catch2/catch.hpp>

TEST_CASE("scanner reports the run-time library versions", "[versions]") {
  using namespace nulmeting::scanner;
  CHECK(libunbound_version().starts_with("1."));
  CHECK(libuv_version().starts_with("1."));
  CHECK(openssl_version().starts_with("3."));
}
