// Classification of libunbound results (measurement.md §1), from hand-built ub_result values:
// every combination of rcode / havedata / nxdomain / secure / bogus that matters, plus the
// SERVFAIL-without-data trap and malformed packets.
#include "dns_packet_builder.hpp"

#include <nulmeting/scanner/dns_classify.hpp>
#include <nulmeting/scanner/dns_wire.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::scanner;
using nulmeting::scanner::testing::PacketBuilder;

namespace {

// Owns the storage behind a hand-made ub_result (never passed to ub_resolve_free).
struct FakeResult {
  ub_result r{};
  std::vector<std::vector<std::uint8_t>> rdata;
  std::vector<char*> data_ptrs;
  std::vector<int> lens;
  std::vector<std::uint8_t> packet;
  std::string why;

  FakeResult(int rcode, bool havedata, bool nxdomain, bool secure, bool bogus) {
    r.qname = const_cast<char*>("x.nl.");
    r.qtype = rrtype::A;
    r.qclass = 1;
    r.rcode = rcode;
    r.havedata = havedata;
    r.nxdomain = nxdomain;
    r.secure = secure;
    r.bogus = bogus;
    if (havedata) add_rdata({192, 0, 2, 1});
    finish();
  }
  void add_rdata(std::vector<std::uint8_t> d) { rdata.push_back(std::move(d)); }
  void finish() {
    data_ptrs.clear();
    lens.clear();
    for (auto& d : rdata) {
      data_ptrs.push_back(reinterpret_cast<char*>(d.data()));
      lens.push_back(static_cast<int>(d.size()));
    }
    data_ptrs.push_back(nullptr);
    r.data = data_ptrs.data();
    r.len = lens.data();
    // A matching answer packet (A record(s) at x.nl).
    PacketBuilder pb(r.rcode & 0xF, 1, static_cast<std::uint16_t>(r.havedata ? rdata.size() : 0));
    pb.question("x.nl", rrtype::A);
    if (r.havedata)
      for (const auto& d : rdata) {
        const auto l = pb.rr("x.nl", rrtype::A);
        pb.b.insert(pb.b.end(), d.begin(), d.end());
        pb.end_rdata(l);
      }
    packet = pb.b;
    r.answer_packet = packet.data();
    r.answer_len = static_cast<int>(packet.size());
  }
  void set_why(std::string w) {
    why = std::move(w);
    r.why_bogus = why.data();
  }
};

}  // namespace

TEST_CASE("classify_result: the decision table", "[dns][classify]") {
  struct Row {
    const char* what;
    int rcode;
    bool havedata, nxdomain, secure, bogus;
    DnsClass cls;
    DnsReason reason;
  };
  const std::vector<Row> rows = {
      {"secure data", 0, true, false, true, false, DnsClass::Secure, DnsReason::Ok},
      {"insecure data", 0, true, false, false, false, DnsClass::Insecure, DnsReason::Ok},
      {"secure NODATA", 0, false, false, true, false, DnsClass::SecureNx, DnsReason::NoData},
      {"insecure NODATA", 0, false, false, false, false, DnsClass::InsecureNx, DnsReason::NoData},
      {"secure NXDOMAIN", 3, false, true, true, false, DnsClass::SecureNx, DnsReason::NxDomain},
      {"insecure NXDOMAIN", 3, false, true, false, false, DnsClass::InsecureNx,
       DnsReason::NxDomain},
      {"nxdomain flag, rcode 0", 0, false, true, false, false, DnsClass::InsecureNx,
       DnsReason::NxDomain},
      // The trap: SERVFAIL with no data looks like NODATA if only havedata/nxdomain are read.
      {"SERVFAIL no data", 2, false, false, false, false, DnsClass::Fail, DnsReason::ServFail},
      {"SERVFAIL 'secure'", 2, false, false, true, false, DnsClass::Fail, DnsReason::ServFail},
      {"bogus SERVFAIL", 2, false, false, false, true, DnsClass::Fail, DnsReason::Bogus},
      {"bogus with data", 0, true, false, false, true, DnsClass::Fail, DnsReason::Bogus},
      {"bogus NXDOMAIN", 3, false, true, false, true, DnsClass::Fail, DnsReason::Bogus},
      {"REFUSED", 5, false, false, false, false, DnsClass::Fail, DnsReason::Refused},
      {"FORMERR", 1, false, false, false, false, DnsClass::Fail, DnsReason::Malformed},
      {"NOTIMP", 4, false, false, false, false, DnsClass::Fail, DnsReason::Malformed},
      {"YXDOMAIN", 6, false, false, false, false, DnsClass::Fail, DnsReason::Malformed},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    FakeResult f(row.rcode, row.havedata, row.nxdomain, row.secure, row.bogus);
    if (row.bogus) f.set_why("signature expired");
    const auto a = classify_result("X.nl.", rrtype::A, 0, &f.r);
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

TEST_CASE("classify_result: library errors and missing results are fail/error", "[dns][classify]") {
  auto a = classify_result("x.nl", rrtype::A, UB_SERVFAIL, nullptr);
  CHECK(a.cls == DnsClass::Fail);
  CHECK(a.reason == DnsReason::Error);
  CHECK(a.rcode == -1);
  CHECK_FALSE(a.why_bogus.empty());
  auto b = classify_result("x.nl", rrtype::A, 0, nullptr);
  CHECK(b.cls == DnsClass::Fail);
  auto t = timeout_answer("x.nl.", rrtype::MX);
  CHECK(t.cls == DnsClass::Fail);
  CHECK(t.reason == DnsReason::Timeout);
}

TEST_CASE("classify_result: malformed answers are fail/malformed", "[dns][classify]") {
  SECTION("packet truncated") {
    FakeResult f(0, true, false, true, false);
    f.packet.resize(f.packet.size() - 3);
    f.r.answer_len = static_cast<int>(f.packet.size());
    const auto a = classify_result("x.nl", rrtype::A, 0, &f.r);
    CHECK(a.cls == DnsClass::Fail);
    CHECK(a.reason == DnsReason::Malformed);
  }
  SECTION("RDATA of the wrong size for the type") {
    FakeResult f(0, true, false, true, false);
    f.rdata[0] = {1, 2, 3};
    f.finish();
    f.packet = PacketBuilder(0, 1, 0).b;  // a packet that parses (question count lies)
    f.packet[5] = 0;
    f.r.answer_packet = f.packet.data();
    f.r.answer_len = static_cast<int>(f.packet.size());
    const auto a = classify_result("x.nl", rrtype::A, 0, &f.r);
    CHECK(a.cls == DnsClass::Fail);
    CHECK(a.reason == DnsReason::Malformed);
  }
  SECTION("havedata without any packet") {
    FakeResult f(0, true, false, true, false);
    f.r.answer_packet = nullptr;
    f.r.answer_len = 0;
    CHECK(classify_result("x.nl", rrtype::A, 0, &f.r).reason == DnsReason::Malformed);
  }
  SECTION("havedata but an empty data list") {
    FakeResult f(0, true, false, true, false);
    f.rdata.clear();
    f.finish();
    f.r.havedata = 1;
    CHECK(classify_result("x.nl", rrtype::A, 0, &f.r).reason == DnsReason::Malformed);
  }
  SECTION("negative length") {
    FakeResult f(0, true, false, true, false);
    f.lens[0] = -1;
    CHECK(classify_result("x.nl", rrtype::A, 0, &f.r).reason == DnsReason::Malformed);
  }
}

TEST_CASE("classify_result: CNAME chain from the packet; security is libunbound's",
          "[dns][classify]") {
  PacketBuilder pb(0, 1, 2);
  pb.question("mx.a.nl", rrtype::A);
  auto l = pb.rr("mx.a.nl", rrtype::CNAME);
  pb.name("mx.b.nl");
  pb.end_rdata(l);
  l = pb.rr("mx.b.nl", rrtype::A);
  pb.bytes({192, 0, 2, 7});
  pb.end_rdata(l);
  std::vector<std::uint8_t> rd = {192, 0, 2, 7};
  char* data[] = {reinterpret_cast<char*>(rd.data()), nullptr};
  int len[] = {4};
  ub_result r{};
  r.havedata = 1;
  r.secure = 1;
  r.data = data;
  r.len = len;
  r.answer_packet = pb.b.data();
  r.answer_len = static_cast<int>(pb.b.size());
  auto a = classify_result("mx.a.nl", rrtype::A, 0, &r);
  CHECK(a.cls == DnsClass::Secure);
  CHECK(a.cname_chain == std::vector<std::string>{"mx.b.nl"});
  CHECK(a.canonical_name == "mx.b.nl");
  r.secure = 0;  // one unsigned link: libunbound clears secure for the whole answer
  CHECK(classify_result("mx.a.nl", rrtype::A, 0, &r).cls == DnsClass::Insecure);
}

TEST_CASE("weakest: fail < insecure < secure", "[dns][classify]") {
  CHECK(weakest(DnsClass::Secure, DnsClass::Insecure) == DnsClass::Insecure);
  CHECK(weakest(DnsClass::Insecure, DnsClass::Secure) == DnsClass::Insecure);
  CHECK(weakest(DnsClass::Secure, DnsClass::Fail) == DnsClass::Fail);
  CHECK(weakest(DnsClass::Secure, DnsClass::Secure) == DnsClass::Secure);
  CHECK(weakest(DnsClass::SecureNx, DnsClass::InsecureNx) == DnsClass::InsecureNx);
}
