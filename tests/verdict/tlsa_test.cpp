// Table tests for TLSA parsing and usability (dane_tlsa.hpp).
#include "scanner/tls_testing.hpp"

#include <nulmeting/scanner/dane_tlsa.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting::scanner;

TEST_CASE("TLSA text parsing and usability", "[dane]") {
  const std::string h32(64, 'a'), h64(128, 'b');
  struct Row {
    std::string text;
    bool parses;
    bool usable;
  };
  const std::vector<Row> rows = {
      {"3 1 1 " + h32, true, true},
      {"2 0 2 " + h64, true, true},
      {"3 1 1 " + h32.substr(0, 32) + " " + h32.substr(32), true, true},  // spaces in hex
      {"3 1 1 " + h32.substr(2), true, false},                            // 31 bytes
      {"3 1 2 " + h32, true, false},                                      // 32 bytes for SHA-512
      {"1 1 1 " + h32, true, false},                                      // PKIX-EE
      {"0 0 1 " + h32, true, false},                                      // PKIX-TA
      {"4 1 1 " + h32, true, false},                                      // unknown usage
      {"3 2 1 " + h32, true, false},                                      // unknown selector
      {"3 1 3 " + h32, true, false},                                      // unknown mtype
      {"3 1 0 0102", true, false},                                        // not an SPKI
      {"3 1 1", false, false},
      {"3 1 1 xyz", false, false},
      {"3 1 1 abc", false, false},  // odd digits
      {"256 1 1 " + h32, false, false},
      {"3 1", false, false},
      {"", false, false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.text);
    auto r = parse_tlsa_text(row.text);
    CHECK(r.has_value() == row.parses);
    if (r) CHECK(r->usable == row.usable);
  }
}

TEST_CASE("TLSA full data must be a complete DER object", "[dane]") {
  using namespace nulmeting::scanner::testing;
  Pki pki;
  auto full = tlsa_for(pki.leaf.get(), 3, 0, 0);
  CHECK(tlsa_usable(full));
  auto spki = tlsa_for(pki.leaf.get(), 3, 1, 0);
  CHECK(tlsa_usable(spki));
  spki.data.push_back(0);  // trailing garbage
  CHECK_FALSE(tlsa_usable(spki));
  full.data.resize(full.data.size() / 2);
  CHECK_FALSE(tlsa_usable(full));
}

TEST_CASE("TLSA wire parsing", "[dane]") {
  std::vector<std::uint8_t> w{3, 1, 1};
  w.resize(35, 0xab);
  auto r = parse_tlsa_rdata(w);
  REQUIRE(r.has_value());
  CHECK(r->usable);
  CHECK(r->text().starts_with("3 1 1 abab"));
  CHECK_FALSE(parse_tlsa_rdata(std::vector<std::uint8_t>{3, 1}).has_value());
}
