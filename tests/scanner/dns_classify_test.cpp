// Classification of libunbound answers (measurement.md §1), from hand-built UbAnswer values (what
// ub_resolve_event's callback hands back): every combination of rcode / records / security that
// matters, plus the SERVFAIL-without-data trap, failed resolutions and malformed packets.
#include "dns_packet_builder.hpp"

#include <nulmeting/scanner/dns_classify.hpp>
#include <nulmeting/scanner/dns_wire.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::scanner;
using nulmeting::scanner::testing::PacketBuilder;

namespace {

// An answer for "x.nl A": the packet's rcode, and 192.0.2.1 in the answer section if `data`.
UbAnswer answer(int rcode, bool data, int sec, std::string why = {}) {
  PacketBuilder pb(rcode, 1, data ? 1 : 0);
  pb.question("x.nl", rrtype::A);
  if (data) {
    const auto l = pb.rr("x.nl", rrtype::A);
    pb.bytes({192, 0, 2, 1});
    pb.end_rdata(l);
  }
  UbAnswer r;
  r.packet = pb.b;
  r.sec = sec;
  r.why_bogus = std::move(why);
  return r;
}

// "mx.a.nl A": a CNAME to mx.b.nl, then 192.0.2.7 as an A record owned by `a_owner`.
UbAnswer cname_answer(std::string_view a_owner, int sec) {
  PacketBuilder pb(0, 1, 2);
  pb.question("mx.a.nl", rrtype::A);
  auto l = pb.rr("mx.a.nl", rrtype::CNAME);
  pb.name("mx.b.nl");
  pb.end_rdata(l);
  l = pb.rr(a_owner, rrtype::A);
  pb.bytes({192, 0, 2, 7});
  pb.end_rdata(l);
  UbAnswer r;
  r.packet = pb.b;
  r.sec = sec;
  return r;
}

constexpr int kInsecure = UbAnswer::Insecure;
constexpr int kBogus = UbAnswer::Bogus;
constexpr int kSecure = UbAnswer::Secure;

}  // namespace

TEST_CASE("classify_result: the decision table", "[dns][classify]") {
  struct Row {
    const char* what;
    int rcode;  // in the packet
    bool data;
    int sec;
    DnsClass cls;
    DnsReason reason;
  };
  const std::vector<Row> rows = {
      {"secure data", 0, true, kSecure, DnsClass::Secure, DnsReason::Ok},
      {"insecure data", 0, true, kInsecure, DnsClass::Insecure, DnsReason::Ok},
      {"secure NODATA", 0, false, kSecure, DnsClass::SecureNx, DnsReason::NoData},
      {"insecure NODATA", 0, false, kInsecure, DnsClass::InsecureNx, DnsReason::NoData},
      {"secure NXDOMAIN", 3, false, kSecure, DnsClass::SecureNx, DnsReason::NxDomain},
      {"insecure NXDOMAIN", 3, false, kInsecure, DnsClass::InsecureNx, DnsReason::NxDomain},
      {"NXDOMAIN with a stray record", 3, true, kInsecure, DnsClass::InsecureNx,
       DnsReason::NxDomain},
      // The trap: SERVFAIL with no data looks like NODATA if only the records are read.
      {"SERVFAIL no data", 2, false, kInsecure, DnsClass::Fail, DnsReason::ServFail},
      {"SERVFAIL 'secure'", 2, false, kSecure, DnsClass::Fail, DnsReason::ServFail},
      {"bogus SERVFAIL", 2, false, kBogus, DnsClass::Fail, DnsReason::Bogus},
      {"bogus with data", 0, true, kBogus, DnsClass::Fail, DnsReason::Bogus},
      {"bogus NXDOMAIN", 3, false, kBogus, DnsClass::Fail, DnsReason::Bogus},
      {"REFUSED", 5, false, kInsecure, DnsClass::Fail, DnsReason::Refused},
      {"FORMERR", 1, false, kInsecure, DnsClass::Fail, DnsReason::Malformed},
      {"NOTIMP", 4, false, kInsecure, DnsClass::Fail, DnsReason::Malformed},
      {"YXDOMAIN", 6, false, kInsecure, DnsClass::Fail, DnsReason::Malformed},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    const auto r =
        answer(row.rcode, row.data, row.sec, row.sec == kBogus ? "signature expired" : "");
    const auto a = classify_result("X.nl.", rrtype::A, r);
    CHECK(a.cls == row.cls);
    CHECK(a.reason == row.reason);
    CHECK(a.rcode == row.rcode);
    CHECK(a.qname == "x.nl");
    if (row.reason == DnsReason::Bogus) CHECK(a.why_bogus == "signature expired");
    if (row.cls == DnsClass::Secure || row.cls == DnsClass::Insecure)
      CHECK(a.records == std::vector<std::string>{"192.0.2.1"});
    else
      CHECK(a.records.empty());
  }
}

TEST_CASE("classify_result: a failed resolution is classified by libunbound's rcode",
          "[dns][classify]") {
  // libunbound's rcode is non-zero when it could not resolve; the buffer it passes then is not
  // an answer (it may hold anything), so a packet that would say "data" must not count.
  auto r = answer(0, true, kSecure);
  r.rcode = 2;
  auto a = classify_result("x.nl", rrtype::A, r);
  CHECK(a.cls == DnsClass::Fail);
  CHECK(a.reason == DnsReason::ServFail);
  CHECK(a.rcode == 2);
  CHECK(a.records.empty());
  r.rcode = 5;
  CHECK(classify_result("x.nl", rrtype::A, r).reason == DnsReason::Refused);
  r.rcode = 1;
  CHECK(classify_result("x.nl", rrtype::A, r).reason == DnsReason::Malformed);
}

TEST_CASE("classify_result: timeouts and local errors are fail", "[dns][classify]") {
  auto t = timeout_answer("x.nl.", rrtype::MX);
  CHECK(t.cls == DnsClass::Fail);
  CHECK(t.reason == DnsReason::Timeout);
  auto e = error_answer("x.nl", rrtype::A, "DNS client closed");
  CHECK(e.cls == DnsClass::Fail);
  CHECK(e.reason == DnsReason::Error);
  CHECK(e.rcode == -1);
  CHECK(e.why_bogus == "DNS client closed");
}

TEST_CASE("classify_result: malformed answers are fail/malformed", "[dns][classify]") {
  SECTION("no packet at all") {
    UbAnswer r;
    CHECK(classify_result("x.nl", rrtype::A, r).reason == DnsReason::Malformed);
  }
  SECTION("shorter than a header") {
    UbAnswer r;
    r.packet = {0x12, 0x34, 0x81, 0x80};
    CHECK(classify_result("x.nl", rrtype::A, r).reason == DnsReason::Malformed);
  }
  SECTION("packet truncated") {
    auto r = answer(0, true, kSecure);
    r.packet.resize(r.packet.size() - 3);
    const auto a = classify_result("x.nl", rrtype::A, r);
    CHECK(a.cls == DnsClass::Fail);
    CHECK(a.reason == DnsReason::Malformed);
  }
  SECTION("RDATA of the wrong size for the type") {
    PacketBuilder pb(0, 1, 1);
    pb.question("x.nl", rrtype::A);
    const auto l = pb.rr("x.nl", rrtype::A);
    pb.bytes({1, 2, 3});
    pb.end_rdata(l);
    UbAnswer r;
    r.packet = pb.b;
    r.sec = kSecure;
    CHECK(classify_result("x.nl", rrtype::A, r).reason == DnsReason::Malformed);
  }
  SECTION("bogus reason text from the network is made printable") {
    auto r = answer(0, true, kBogus, std::string("bad\x01sig\n"));
    const auto a = classify_result("x.nl", rrtype::A, r);
    CHECK(a.reason == DnsReason::Bogus);
    CHECK(a.why_bogus.find('\x01') == std::string::npos);
  }
}

TEST_CASE("classify_result: CNAME chain from the packet; security is libunbound's",
          "[dns][classify]") {
  auto r = cname_answer("mx.b.nl", kSecure);
  auto a = classify_result("mx.a.nl", rrtype::A, r);
  CHECK(a.cls == DnsClass::Secure);
  CHECK(a.cname_chain == std::vector<std::string>{"mx.b.nl"});
  CHECK(a.canonical_name == "mx.b.nl");
  CHECK(a.records == std::vector<std::string>{"192.0.2.7"});
  r.sec = kInsecure;  // one unsigned link: libunbound clears secure for the whole answer
  CHECK(classify_result("mx.a.nl", rrtype::A, r).cls == DnsClass::Insecure);
}

TEST_CASE("classify_result: records of another name or type are not the answer",
          "[dns][classify]") {
  // Only the RRset of the asked type at the end of the CNAME chain counts (libunbound's own
  // selection for ub_result::data): an A record of the CNAME's owner is not mx.b.nl's.
  const auto r = cname_answer("mx.a.nl", kInsecure);
  const auto a = classify_result("mx.a.nl", rrtype::A, r);
  CHECK(a.cls == DnsClass::InsecureNx);
  CHECK(a.reason == DnsReason::NoData);
  CHECK(a.records.empty());
}

TEST_CASE("weakest: fail < insecure < secure", "[dns][classify]") {
  CHECK(weakest(DnsClass::Secure, DnsClass::Insecure) == DnsClass::Insecure);
  CHECK(weakest(DnsClass::Insecure, DnsClass::Secure) == DnsClass::Insecure);
  CHECK(weakest(DnsClass::Secure, DnsClass::Fail) == DnsClass::Fail);
  CHECK(weakest(DnsClass::Secure, DnsClass::Secure) == DnsClass::Secure);
  CHECK(weakest(DnsClass::SecureNx, DnsClass::InsecureNx) == DnsClass::InsecureNx);
}
