// The pure parts of measurement.md §2.2: host status and address class from A/AAAA, TLSA base
// candidates (CNAME-expanded name then host; none for insecure addresses), TLSA record usability
// counting, IP-literal exchanges. The asynchronous chaining is tested against the testbed.
#include <nulmeting/scanner/dns_wire.hpp>
#include <nulmeting/scanner/resolve.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {
DnsAnswer ans(DnsClass cls, std::vector<std::string> records = {},
              std::vector<std::string> chain = {}, DnsReason reason = DnsReason::Ok) {
  DnsAnswer a;
  a.qname = "mx.example.nl";
  a.cls = cls;
  a.reason = cls == DnsClass::Fail && reason == DnsReason::Ok ? DnsReason::ServFail : reason;
  if (cls == DnsClass::SecureNx || cls == DnsClass::InsecureNx) a.reason = DnsReason::NoData;
  a.records = std::move(records);
  a.cname_chain = std::move(chain);
  a.canonical_name = a.cname_chain.empty() ? a.qname : a.cname_chain.back();
  return a;
}
const DnsClass S = DnsClass::Secure, I = DnsClass::Insecure, SN = DnsClass::SecureNx,
               IN = DnsClass::InsecureNx, F = DnsClass::Fail;
}  // namespace

TEST_CASE("judge_addresses: status and address class", "[dns][resolve]") {
  struct Row {
    const char* what;
    DnsClass a, aaaa;
    HostStatus status;
    DnsClass cls;
    std::size_t ips;
    bool finding;
  };
  const std::vector<Row> rows = {
      {"both secure", S, S, HostStatus::Ok, S, 2, false},
      {"A secure, AAAA NODATA", S, SN, HostStatus::Ok, S, 1, false},
      {"AAAA only", SN, S, HostStatus::Ok, S, 1, false},
      {"secure + insecure = insecure", S, I, HostStatus::Ok, I, 2, false},
      {"insecure data, secure nodata", I, SN, HostStatus::Ok, I, 1, false},
      {"both fail → unusable", F, F, HostStatus::Unusable, F, 0, false},
      {"neither → no_address", SN, IN, HostStatus::NoAddress, IN, 0, false},
      {"neither, both secure-nx", SN, SN, HostStatus::NoAddress, SN, 0, false},
      {"fail + NX → unusable", F, SN, HostStatus::Unusable, F, 0, false},
      {"fail + data → ok with finding", F, S, HostStatus::Ok, S, 1, true},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    const auto a = ans(r.a, r.a == S || r.a == I ? std::vector<std::string>{"192.0.2.1"}
                                                 : std::vector<std::string>{});
    const auto aaaa =
        ans(r.aaaa, r.aaaa == S || r.aaaa == I ? std::vector<std::string>{"2001:db8::1"}
                                               : std::vector<std::string>{});
    const auto v = judge_addresses("mx.example.nl", a, aaaa);
    CHECK(v.status == r.status);
    CHECK(v.address_dnssec == r.cls);
    CHECK(v.ips.size() == r.ips);
    CHECK(v.findings.empty() == !r.finding);
  }
  // A records come before AAAA records.
  const auto v = judge_addresses("h", ans(S, {"192.0.2.1"}), ans(S, {"2001:db8::1"}));
  CHECK(v.ips == std::vector<std::string>{"192.0.2.1", "2001:db8::1"});
}

TEST_CASE("tlsa_candidates: §2.2 base-domain candidates", "[dns][resolve]") {
  const std::string h = "mx.example.nl";
  SECTION("not a CNAME, secure → [H]") {
    const auto a = ans(S, {"192.0.2.1"}), aaaa = ans(SN);
    CHECK(tlsa_candidates(h, judge_addresses(h, a, aaaa), a, aaaa) == std::vector<std::string>{h});
  }
  SECTION("insecure addresses → no TLSA lookup") {
    const auto a = ans(I, {"192.0.2.1"}), aaaa = ans(IN);
    CHECK(tlsa_candidates(h, judge_addresses(h, a, aaaa), a, aaaa).empty());
  }
  SECTION("secure CNAME chain → [expanded, H], intermediate names never") {
    const auto a = ans(S, {"192.0.2.1"}, {"step.example.org", "smtp.hoster.nl"});
    const auto aaaa = ans(SN, {}, {"step.example.org", "smtp.hoster.nl"});
    CHECK(tlsa_candidates(h, judge_addresses(h, a, aaaa), a, aaaa) ==
          std::vector<std::string>{"smtp.hoster.nl", h});
  }
  SECTION("CNAME chain with an insecure link: libunbound says insecure → none") {
    const auto a = ans(I, {"192.0.2.1"}, {"smtp.hoster.nl"}), aaaa = ans(IN);
    CHECK(tlsa_candidates(h, judge_addresses(h, a, aaaa), a, aaaa).empty());
  }
  SECTION("no address or unusable → none") {
    const auto a = ans(SN), aaaa = ans(SN);
    CHECK(tlsa_candidates(h, judge_addresses(h, a, aaaa), a, aaaa).empty());
    const auto f = ans(F);
    CHECK(tlsa_candidates(h, judge_addresses(h, f, f), f, f).empty());
  }
}

TEST_CASE("tlsa_info_from: records parsed, usable counted", "[dns][resolve]") {
  auto t =
      ans(S, {"3 1 1 " + std::string(64, 'a'), "2 0 1 " + std::string(64, 'b'),
              "1 1 1 " + std::string(64, 'c'), "3 1 1 abcd", "3 1 2 " + std::string(128, 'd')});
  const auto info = tlsa_info_from(t, "mx.example.nl");
  CHECK(info.base == "mx.example.nl");
  CHECK(info.status == S);
  CHECK(info.records.size() == 5);
  CHECK(info.usable == 3);
  CHECK(info.records[2].usable == false);  // usage 1 (PKIX-EE) is not usable for SMTP
  CHECK(info.records[3].usable == false);  // SHA-256 with 2 bytes of data
}

TEST_CASE("ResolvedHost::usable_tlsa only for a secure base", "[dns][resolve]") {
  ResolvedHost h;
  CHECK(h.usable_tlsa().empty());
  h.result.tlsa = tlsa_info_from(
      ans(S, {"3 1 1 " + std::string(64, 'a'), "0 0 1 " + std::string(64, 'a')}), "mx");
  CHECK(h.usable_tlsa().size() == 1);
  h.result.tlsa->status = DnsClass::Insecure;
  CHECK(h.usable_tlsa().empty());
}

TEST_CASE("looks_like_ip_literal", "[dns][resolve]") {
  for (const char* yes : {"192.0.2.1", "192.0.2.1.", "2001:db8::25", "[192.0.2.1]"}) {
    INFO(yes);
    CHECK(looks_like_ip_literal(yes));
  }
  for (const char* no : {"mx.example.nl", "192.0.2.1.example.nl", "1.2.3", "256.0.0.1", ""}) {
    INFO(no);
    CHECK_FALSE(looks_like_ip_literal(no));
  }
}

TEST_CASE("ResolvedDomain: DANE-TA extra names only with a secure MX RRset", "[dns][resolve]") {
  ResolvedDomain d;
  d.domain = "gemeente.nl";
  d.canonical_domain = "gemeente.hoster.nl";
  CHECK(d.dane_ta_extra_names().empty());
  d.mx_secure = true;
  CHECK(d.dane_ta_extra_names() == std::vector<std::string>{"gemeente.nl", "gemeente.hoster.nl"});
  d.canonical_domain = d.domain;
  CHECK(d.dane_ta_extra_names() == std::vector<std::string>{"gemeente.nl"});
}
