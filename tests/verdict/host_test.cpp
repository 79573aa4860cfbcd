// The rules of one MX host (measurement.md §2.2, nulmeting/verdict/host.hpp): host status and
// address class from A/AAAA, TLSA base-domain candidates, what a TLSA answer means, which hosts
// are probed, counted, DANE-applicable; TLSA record counting (tlsa_info_from, usable_records).
#include <nulmeting/verdict/host.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::verdict;

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

TEST_CASE("judge_addresses: status and address class", "[verdict][host]") {
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

TEST_CASE("tlsa_candidates: §2.2 base-domain candidates", "[verdict][host]") {
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
  SECTION("CNAME chain with an insecure link, own CNAME record not secure → none") {
    const auto a = ans(I, {"192.0.2.1"}, {"smtp.hoster.nl"}), aaaa = ans(IN);
    const auto v = judge_addresses(h, a, aaaa);
    CHECK(needs_own_cname(h, v, a, aaaa));
    CHECK(tlsa_candidates(h, v, a, aaaa).empty());
    const auto own = ans(I, {"smtp.hoster.nl."});
    CHECK(tlsa_candidates(h, v, a, aaaa, &own).empty());
    const auto own_fail = ans(F);
    CHECK(tlsa_candidates(h, v, a, aaaa, &own_fail).empty());
  }
  SECTION("secure CNAME record into an unsigned zone → [H] (v2, as Postfix)") {
    const auto a = ans(I, {"192.0.2.1"}, {"smtp.unsigned.nl"}), aaaa = ans(IN);
    const auto v = judge_addresses(h, a, aaaa);
    REQUIRE(needs_own_cname(h, v, a, aaaa));
    const auto own = ans(S, {"smtp.unsigned.nl."});
    CHECK(tlsa_candidates(h, v, a, aaaa, &own) == std::vector<std::string>{h});
  }
  SECTION("insecure, not a CNAME: H's own CNAME record is not asked") {
    const auto a = ans(I, {"192.0.2.1"}), aaaa = ans(IN);
    CHECK_FALSE(needs_own_cname(h, judge_addresses(h, a, aaaa), a, aaaa));
  }
  SECTION("secure chain: no own-CNAME question needed") {
    const auto a = ans(S, {"192.0.2.1"}, {"smtp.hoster.nl"}), aaaa = ans(SN);
    CHECK_FALSE(needs_own_cname(h, judge_addresses(h, a, aaaa), a, aaaa));
  }
  SECTION("no address or unusable → none") {
    const auto a = ans(SN), aaaa = ans(SN);
    CHECK(tlsa_candidates(h, judge_addresses(h, a, aaaa), a, aaaa).empty());
    const auto f = ans(F);
    CHECK(tlsa_candidates(h, judge_addresses(h, f, f), f, f).empty());
  }
}

TEST_CASE("tlsa_step: fail stops, secure data is the base, the rest goes on", "[verdict][host]") {
  CHECK(tlsa_step(ans(F)) == TlsaStep::Error);
  CHECK(tlsa_step(ans(F, {}, {}, DnsReason::Bogus)) == TlsaStep::Error);
  CHECK(tlsa_step(ans(F, {}, {}, DnsReason::Timeout)) == TlsaStep::Error);
  CHECK(tlsa_step(ans(S, {"3 1 1 " + std::string(64, 'a')})) == TlsaStep::Base);
  CHECK(tlsa_step(ans(I, {"3 1 1 " + std::string(64, 'a')})) == TlsaStep::Next);
  CHECK(tlsa_step(ans(SN)) == TlsaStep::Next);
  CHECK(tlsa_step(ans(IN)) == TlsaStep::Next);
}

TEST_CASE("tlsa_info_from: records parsed, usable counted", "[verdict][tlsa]") {
  auto t =
      ans(S, {"3 1 1 " + std::string(64, 'a'), "2 0 1 " + std::string(64, 'b'),
              "1 1 1 " + std::string(64, 'c'), "3 1 1 abcd", "3 1 2 " + std::string(128, 'd'),
              "not a record"});
  const auto info = tlsa_info_from(t, "mx.example.nl");
  CHECK(info.base == "mx.example.nl");
  CHECK(info.status == S);
  CHECK(info.records.size() == 6);
  CHECK(info.usable == 3);
  CHECK(info.records[2].usable == false);  // usage 1 (PKIX-EE) is not usable for SMTP
  CHECK(info.records[3].usable == false);  // SHA-256 with 2 bytes of data
  CHECK(info.records[5].usable == false);  // kept, unusable
}

TEST_CASE("usable_records only for a secure base", "[verdict][tlsa]") {
  TlsaInfo none;
  CHECK(usable_records(none).empty());
  auto info = tlsa_info_from(
      ans(S, {"3 1 1 " + std::string(64, 'a'), "0 0 1 " + std::string(64, 'a')}), "mx");
  CHECK(usable_records(info).size() == 1);
  info.status = DnsClass::Insecure;
  CHECK(usable_records(info).empty());
}

namespace {
MxHostResult host_with(HostStatus st, DnsClass a_cls, DnsClass aaaa_cls) {
  MxHostResult h;
  h.name = "mx.example.nl";
  h.status = st;
  DnsAnswer a = ans(a_cls), aaaa = ans(aaaa_cls);
  a.qtype = 1;
  aaaa.qtype = 28;
  if (a_cls == SN || a_cls == IN) a.reason = DnsReason::NxDomain;
  h.address_lookups = {a, aaaa};
  return h;
}
}  // namespace

TEST_CASE("which hosts are counted for dane, probed, DANE-applicable", "[verdict][host]") {
  SECTION("no_address with both denials secure-nx: left out") {
    CHECK_FALSE(host_counted_for_dane(host_with(HostStatus::NoAddress, SN, SN)));
  }
  SECTION("no_address with an insecure denial: counted") {
    CHECK(host_counted_for_dane(host_with(HostStatus::NoAddress, SN, IN)));
    CHECK(host_counted_for_dane(host_with(HostStatus::NoAddress, IN, IN)));
  }
  SECTION("unusable, ok, tlsa_error: counted") {
    CHECK(host_counted_for_dane(host_with(HostStatus::Unusable, F, F)));
    CHECK(host_counted_for_dane(host_with(HostStatus::Unusable, F, SN)));
    CHECK(host_counted_for_dane(host_with(HostStatus::Ok, S, SN)));
    CHECK(host_counted_for_dane(host_with(HostStatus::TlsaError, S, SN)));
  }
  SECTION("probed: ok and tlsa_error hosts (v2), not unusable or no_address") {
    CHECK(host_probed(host_with(HostStatus::Ok, S, SN)));
    CHECK(host_probed(host_with(HostStatus::TlsaError, S, SN)));
    CHECK_FALSE(host_probed(host_with(HostStatus::Unusable, F, F)));
    CHECK_FALSE(host_probed(host_with(HostStatus::NoAddress, SN, SN)));
  }
  SECTION("DANE applies: secure TLSA with a usable record") {
    auto h = host_with(HostStatus::Ok, S, SN);
    CHECK_FALSE(host_has_usable_tlsa(h));
    CHECK(probe_name(h) == "mx.example.nl");
    h.tlsa = tlsa_info_from(ans(S, {"1 1 1 " + std::string(64, 'a')}), "smtp.hoster.nl");
    CHECK_FALSE(host_has_usable_tlsa(h));  // secure RRset without a usable record
    h.tlsa = tlsa_info_from(ans(S, {"3 1 1 " + std::string(64, 'a')}), "smtp.hoster.nl");
    CHECK(host_has_usable_tlsa(h));
    CHECK(probe_name(h) == "smtp.hoster.nl");  // SNI = TLSA base domain
    h.tlsa->status = DnsClass::Insecure;
    CHECK_FALSE(host_has_usable_tlsa(h));
    CHECK(probe_name(h) == "mx.example.nl");
  }
}
