// Table tests for TLSA parsing and THE usability rule (nulmeting/verdict/tlsa.hpp,
// measurement.md §2.2 last bullet).
#include "verdict/cert.hpp"

#include <nulmeting/verdict/tlsa.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::verdict;

namespace {
TlsaRecord rec(std::uint8_t u, std::uint8_t s, std::uint8_t m, std::vector<std::uint8_t> data) {
  TlsaRecord r;
  r.usage = u;
  r.selector = s;
  r.matching_type = m;
  r.data = std::move(data);
  return r;
}
}  // namespace

TEST_CASE("TLSA text parsing and usability", "[verdict][tlsa]") {
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
      {"3 1 1 " + h32.substr(2), true, false},                            // 31 bytes: truncated
      {"3 1 2 " + h32, true, false},                                      // 32 bytes for SHA-512
      {"3 1 1 " + h64, true, false},                                      // 64 bytes for SHA-256
      {"1 1 1 " + h32, true, false},                                      // PKIX-EE
      {"0 0 1 " + h32, true, false},                                      // PKIX-TA
      {"4 1 1 " + h32, true, false},                                      // unknown usage
      {"3 2 1 " + h32, true, false},                                      // unknown selector
      {"3 1 3 " + h32, true, false},                                      // unknown mtype
      {"3 1 0 0102", true, false},                                        // not an SPKI
      {"3 1 0 3003020105", true, false},  // a DER SEQUENCE, but no SubjectPublicKeyInfo
      {"2 0 0", true, false},             // empty data: a record, unusable
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
    if (r) {
      CHECK(r->usable == row.usable);
      CHECK(tlsa_usable(*r) == row.usable);
    }
  }
}

TEST_CASE("TLSA full data must parse completely as what the selector names", "[verdict][tlsa]") {
  const auto cert = testing::make_test_cert("mx.example.nl", {"mx.example.nl"});
  CHECK(tlsa_usable(rec(3, 0, 0, cert.der)));   // 3 0 0 <certificate DER>: usable
  CHECK(tlsa_usable(rec(2, 0, 0, cert.der)));   // 2 0 0 <certificate DER>: usable
  CHECK(tlsa_usable(rec(3, 1, 0, cert.spki)));  // 3 1 0 <SPKI DER>: usable
  // The selector mix-up: selector 1 names a SubjectPublicKeyInfo, a certificate is not one.
  CHECK_FALSE(tlsa_usable(rec(3, 1, 0, cert.der)));
  CHECK_FALSE(tlsa_usable(rec(3, 0, 0, cert.spki)));
  auto trailing = cert.spki;
  trailing.push_back(0);  // trailing garbage: not consumed completely
  CHECK_FALSE(tlsa_usable(rec(3, 1, 0, trailing)));
  auto half = cert.der;
  half.resize(half.size() / 2);
  CHECK_FALSE(tlsa_usable(rec(3, 0, 0, half)));
  CHECK_FALSE(tlsa_usable(rec(1, 0, 0, cert.der)));  // PKIX-EE, even with good data
  CHECK_FALSE(tlsa_usable(rec(0, 0, 0, cert.der)));  // PKIX-TA
}

TEST_CASE("TLSA wire parsing", "[verdict][tlsa]") {
  std::vector<std::uint8_t> w{3, 1, 1};
  w.resize(35, 0xab);
  auto r = parse_tlsa_rdata(w);
  REQUIRE(r.has_value());
  CHECK(r->usable);
  CHECK(r->text().starts_with("3 1 1 abab"));
  CHECK_FALSE(parse_tlsa_rdata(std::vector<std::uint8_t>{3, 1}).has_value());
  w.resize(34);  // truncated digest
  CHECK_FALSE(parse_tlsa_rdata(w)->usable);
}
