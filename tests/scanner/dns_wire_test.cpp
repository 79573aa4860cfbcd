// The DNS wire reader: presentation format per type (table), CNAME chains, and hostile input
// (truncation, forward/looping compression pointers, overlong names) that must yield an error
// value and never a crash.
#include "dns_packet_builder.hpp"

#include <nulmeting/scanner/dns_wire.hpp>

#include <catch2/catch.hpp>

#include <random>

using namespace nulmeting::scanner;
using nulmeting::scanner::testing::PacketBuilder;

namespace {
std::span<const std::uint8_t> sp(const std::vector<std::uint8_t>& v) {
  return {v.data(), v.size()};
}
}  // namespace

TEST_CASE("rdata_to_text: one row per type", "[dns][wire]") {
  struct Row {
    std::uint16_t type;
    std::vector<std::uint8_t> rdata;
    std::string text;
  };
  const std::vector<Row> rows = {
      {rrtype::A, {192, 0, 2, 25}, "192.0.2.25"},
      {rrtype::AAAA, {0xfd, 0, 0, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11}, "fd00:25::11"},
      {rrtype::MX, {0, 10, 2, 'M', 'x', 2, 'n', 'l', 0}, "10 mx.nl."},
      {rrtype::MX, {0, 0, 0}, "0 ."},  // null MX (RFC 7505)
      {rrtype::CNAME, {3, 'a', '.', 'b', 2, 'n', 'l', 0}, "a\\.b.nl."},
      {rrtype::CNAME, {1, 0x01, 0}, "\\001."},
      {rrtype::TLSA, {3, 1, 1, 0x0a, 0x1B}, "3 1 1 0a1b"},
      {rrtype::TLSA, {2, 0, 0}, "2 0 0"},
      {rrtype::TXT, {3, 'a', 'b', 'c'}, "abc"},
      {rrtype::TXT, {2, 'v', '=', 3, 's', 'p', 'f'}, "v=spf"},  // joined (RFC 7208 §3.3)
      {rrtype::TXT, {3, 'a', '\\', 0x01, 0}, "a\\\\\\001"},
      {rrtype::TXT, {}, ""},
      {99, {3, 'a', 'b', 'c'}, "\\# 4 03616263"},  // a type we do not decode
      {rrtype::SOA,
       {1, 'a', 0, 1, 'b', 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5},
       "a. b. 1 2 3 4 5"},
  };
  for (const auto& r : rows) {
    INFO("type " << r.type << " → " << r.text);
    auto t = rdata_to_text(sp(r.rdata), 0, r.rdata.size(), r.type);
    REQUIRE(t.has_value());
    CHECK(*t == r.text);
  }
}

TEST_CASE("rdata_to_text: malformed RDATA is an error", "[dns][wire]") {
  struct Row {
    std::uint16_t type;
    std::vector<std::uint8_t> rdata;
  };
  const std::vector<Row> rows = {
      {rrtype::A, {1, 2, 3}},
      {rrtype::A, {1, 2, 3, 4, 5}},
      {rrtype::AAAA, {1, 2, 3, 4}},
      {rrtype::MX, {0, 10}},                     // no exchange
      {rrtype::MX, {0, 10, 2, 'm', 'x', 0, 7}},  // trailing octet
      {rrtype::MX, {0, 10, 5, 'm', 'x', 0}},     // label past end
      {rrtype::CNAME, {0xC0, 0x00}},             // pointer to itself
      {rrtype::CNAME, {0x80, 0}},                // unknown label type
      {rrtype::TLSA, {3, 1}},
      {rrtype::SOA, {0, 0, 1, 2, 3}},
      {rrtype::TXT, {4, 'a'}},  // character-string past the end
  };
  for (const auto& r : rows) {
    INFO("type " << r.type << " size " << r.rdata.size());
    CHECK_FALSE(rdata_to_text(sp(r.rdata), 0, r.rdata.size(), r.type).has_value());
  }
  const std::vector<std::uint8_t> four = {1, 2, 3, 4};
  CHECK_FALSE(rdata_to_text(sp(four), 2, 4, rrtype::A).has_value());  // length past the end
}

TEST_CASE("read_name: compression, loops and limits", "[dns][wire]") {
  std::size_t next = 0;
  // "mx" + pointer back to "example.nl" at offset 0.
  std::vector<std::uint8_t> p = {7,   'E', 'x', 'a', 'm', 'p', 'l',  'e', 2,
                                 'n', 'l', 0,   2,   'm', 'x', 0xC0, 0x00};
  auto n = read_name(sp(p), 12, next);
  REQUIRE(n.has_value());
  CHECK(*n == "mx.example.nl");
  CHECK(next == p.size());

  std::vector<std::uint8_t> loop = {0xC0, 0x02, 0xC0, 0x00};  // 2 → 0 → 2 (forward pointer)
  CHECK_FALSE(read_name(sp(loop), 2, next).has_value());
  std::vector<std::uint8_t> forward = {0xC0, 0x02, 0};
  CHECK_FALSE(read_name(sp(forward), 0, next).has_value());
  std::vector<std::uint8_t> truncated = {3, 'a', 'b'};
  CHECK_FALSE(read_name(sp(truncated), 0, next).has_value());
  std::vector<std::uint8_t> half_pointer = {0xC0};
  CHECK_FALSE(read_name(sp(half_pointer), 0, next).has_value());

  std::vector<std::uint8_t> longname;  // 5 × 63-octet labels = 320 octets > 255
  for (int i = 0; i < 5; ++i) {
    longname.push_back(63);
    longname.insert(longname.end(), 63, 'a');
  }
  longname.push_back(0);
  CHECK_FALSE(read_name(sp(longname), 0, next).has_value());

  std::vector<std::uint8_t> root = {0};
  auto r = read_name(sp(root), 0, next);
  REQUIRE(r.has_value());
  CHECK(r->empty());
}

TEST_CASE("parse_answer: CNAME chain and records at its end", "[dns][wire]") {
  PacketBuilder pb(0, 1, 4);
  const auto q = pb.question("Mail.Example.NL", rrtype::MX);
  auto l = pb.rr_ptr_owner(q, rrtype::CNAME);
  const auto t1 = pb.name("alias.example.nl");
  pb.end_rdata(l);
  l = pb.rr_ptr_owner(t1, rrtype::CNAME);
  const auto t2 = pb.name("final.example.org");
  pb.end_rdata(l);
  l = pb.rr_ptr_owner(t2, rrtype::MX);
  pb.u16(10);
  pb.name("mx1.example.org");
  pb.end_rdata(l);
  l = pb.rr_ptr_owner(t2, rrtype::RRSIG);  // signatures are not records of the asked type
  pb.bytes({0, 15, 13, 2});
  pb.end_rdata(l);

  auto a = parse_answer(sp(pb.b), "mail.example.nl.", rrtype::MX);
  REQUIRE(a.has_value());
  CHECK(a->rcode == 0);
  CHECK(a->cname_chain == std::vector<std::string>{"alias.example.nl", "final.example.org"});
  CHECK(a->canonical_name == "final.example.org");
  CHECK(a->records == std::vector<std::string>{"10 mx1.example.org."});
  CHECK_FALSE(a->chain_too_long);
  CHECK(a->answers.size() == 4);
}

TEST_CASE("parse_answer: CNAME loops and chains over the limit", "[dns][wire]") {
  SECTION("loop a → b → a") {
    PacketBuilder pb(0, 1, 2);
    pb.question("a.nl", rrtype::A);
    auto l = pb.rr("a.nl", rrtype::CNAME);
    pb.name("b.nl");
    pb.end_rdata(l);
    l = pb.rr("b.nl", rrtype::CNAME);
    pb.name("a.nl");
    pb.end_rdata(l);
    auto a = parse_answer(sp(pb.b), "a.nl", rrtype::A);
    REQUIRE(a.has_value());
    CHECK(a->chain_too_long);
  }
  SECTION("exactly the limit is fine, one more is too long") {
    for (std::size_t links : {kMaxCnameLinks, kMaxCnameLinks + 1}) {
      PacketBuilder pb(0, 1, static_cast<std::uint16_t>(links + 1));
      pb.question("n0.nl", rrtype::A);
      for (std::size_t i = 0; i < links; ++i) {
        auto l = pb.rr("n" + std::to_string(i) + ".nl", rrtype::CNAME);
        pb.name("n" + std::to_string(i + 1) + ".nl");
        pb.end_rdata(l);
      }
      auto l = pb.rr("n" + std::to_string(links) + ".nl", rrtype::A);
      pb.bytes({192, 0, 2, 1});
      pb.end_rdata(l);
      auto a = parse_answer(sp(pb.b), "n0.nl", rrtype::A);
      REQUIRE(a.has_value());
      INFO("links " << links);
      CHECK(a->chain_too_long == (links > kMaxCnameLinks));
      if (links == kMaxCnameLinks) CHECK(a->records == std::vector<std::string>{"192.0.2.1"});
    }
  }
}

TEST_CASE("parse_answer: malformed messages are errors", "[dns][wire]") {
  PacketBuilder good(0, 1, 1);
  good.question("x.nl", rrtype::A);
  auto l = good.rr("x.nl", rrtype::A);
  good.bytes({192, 0, 2, 1});
  good.end_rdata(l);
  REQUIRE(parse_answer(sp(good.b), "x.nl", rrtype::A).has_value());

  // Every truncation of a valid message must be rejected (the header says one answer).
  for (std::size_t n = 0; n < good.b.size(); ++n) {
    std::vector<std::uint8_t> cut(good.b.begin(), good.b.begin() + static_cast<std::ptrdiff_t>(n));
    INFO("cut at " << n);
    CHECK_FALSE(parse_answer(sp(cut), "x.nl", rrtype::A).has_value());
  }
  // ancount larger than the message.
  auto more = good.b;
  more[7] = 9;
  CHECK_FALSE(parse_answer(sp(more), "x.nl", rrtype::A).has_value());
  // RDLENGTH past the end.
  auto longrd = good.b;
  longrd[longrd.size() - 5] = 0x10;
  CHECK_FALSE(parse_answer(sp(longrd), "x.nl", rrtype::A).has_value());
}

TEST_CASE("parse_answer: random corruption never crashes", "[dns][wire]") {
  PacketBuilder pb(0, 1, 3);
  const auto q = pb.question("mail.example.nl", rrtype::MX);
  auto l = pb.rr_ptr_owner(q, rrtype::CNAME);
  const auto t = pb.name("mx.example.nl");
  pb.end_rdata(l);
  l = pb.rr_ptr_owner(t, rrtype::MX);
  pb.u16(5);
  pb.pointer(t);
  pb.end_rdata(l);
  l = pb.rr_ptr_owner(t, rrtype::TLSA);
  pb.bytes({3, 1, 1, 1, 2, 3});
  pb.end_rdata(l);
  std::mt19937 rng(42);
  std::size_t ok = 0;
  for (int i = 0; i < 20000; ++i) {
    auto m = pb.b;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) m[rng() % m.size()] = static_cast<std::uint8_t>(rng());
    if (rng() % 3 == 0) m.resize(rng() % m.size());
    auto a = parse_answer(sp(m), "mail.example.nl", rrtype::MX);
    if (a) ++ok;
  }
  CHECK(ok < 20000);  // some corruption is detected (and none crashed to get here)
}

TEST_CASE("normalize_name", "[dns]") {
  CHECK(normalize_name("Example.NL.") == "example.nl");
  CHECK(normalize_name("a\\.") == "a\\.");
}
