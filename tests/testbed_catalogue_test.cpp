// testbed_catalogue_test.cpp — the testbed catalogue agrees with the verdict rules.
//
// tests/testbed/scenarios.toml states, for every scenario domain, the evidence a correct scanner
// records (MX answer, per host status / address class / TLSA answer, per address outcome and
// DANE result) and the domain verdicts measurement.md §3 gives for it. `tb.py render-expected`
// renders that to expected.json at build time (no network, no root). This test rebuilds each
// domain's DomainResult from the rendered evidence and checks that the verdict module decides
// exactly the catalogue's verdicts, so the rules exist once (in C++), not also in the testbed.
// It also checks the catalogue's `usable` counts with the one TLSA usability function, every
// domain's `mta_sts` (§5) against decide_mta_sts over the MTA-STS evidence the catalogue states
// (the TXT records it publishes, the fetch outcome, what the nginx policy host serves), and, for
// the TLS-quality scenarios, that the domain's `tls_quality` follows (§3) from the per-address
// values the catalogue states (§4).
#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/verdict/domain.hpp>
#include <nulmeting/verdict/mta_sts.hpp>
#include <nulmeting/verdict/tls_quality.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>

namespace {

using nlohmann::json;
using namespace nulmeting;

json load_expected() {
  std::ifstream in(NULMETING_TESTBED_EXPECTED);
  REQUIRE(in.good());
  return json::parse(in).at("domains");
}

template <class Enum>
Enum parse(const json& value) {
  const auto text = value.get<std::string>();
  const auto e = parse_enum<Enum>(text);
  INFO("value " << text);
  REQUIRE(e.has_value());
  return *e;
}

DnsReason reason_of(const std::string& r) {
  if (r == "ok") return DnsReason::Ok;
  if (r == "nxdomain") return DnsReason::NxDomain;
  if (r == "nodata") return DnsReason::NoData;
  if (r == "bogus") return DnsReason::Bogus;
  if (r == "servfail") return DnsReason::ServFail;
  FAIL("unknown MX answer reason " << r);
  return DnsReason::Error;
}

DnsAnswer address_answer(const std::string& name, std::uint16_t qtype, DnsClass cls) {
  DnsAnswer a;
  a.qname = name;
  a.qtype = qtype;
  a.cls = cls;
  a.reason = cls == DnsClass::Fail                                  ? DnsReason::ServFail
             : cls == DnsClass::Secure || cls == DnsClass::Insecure ? DnsReason::Ok
                                                                    : DnsReason::NoData;
  a.rcode = cls == DnsClass::Fail ? 2 : 0;
  return a;
}

// An address's TLS assessment reduced to one item that grades to the catalogue's per-address
// class (the items themselves are the planner's and the peers' business, tls_plan_test and
// tls-agreement); the domain rule then combines the addresses.
TlsAssessment assessment_of(TlsQuality q) {
  TlsAssessment a;
  a.assessed = true;
  TlsItemResult i;
  i.item = TlsItem::ProtocolVersions;
  i.state = TlsItemState::Measured;
  switch (q) {
    case TlsQuality::Good:
      i.found = {"TLSv1.3"};
      break;
    case TlsQuality::Sufficient:
      i.found = {"TLSv1.2", "TLSv1.3"};
      break;
    case TlsQuality::PhaseOut:
      i.item = TlsItem::EcdheGroups;
      i.found = {"secp224r1"};
      break;
    case TlsQuality::Insufficient:
      i.found = {"TLSv1", "TLSv1.2"};
      break;
    default:  // incomplete: an item the server did not let us measure
      i.state = TlsItemState::Unknown;
      break;
  }
  a.items.push_back(i);
  return a;
}

// The evidence of one catalogue domain, as a scanner that measured it would record it.
DomainResult evidence(const std::string& domain, const json& d) {
  DomainResult r;
  r.entry.domain = domain;
  const json& mx = d.at("mx_answer");
  r.mx_lookup.qname = domain;
  r.mx_lookup.qtype = 15;
  r.mx_lookup.cls = parse<DnsClass>(mx.at("class"));
  r.mx_lookup.reason = reason_of(mx.at("reason").get<std::string>());
  r.mx_lookup.rcode = r.mx_lookup.cls == DnsClass::Fail           ? 2
                      : r.mx_lookup.reason == DnsReason::NxDomain ? 3
                                                                  : 0;
  r.mx_lookup.records = mx.at("records").get<std::vector<std::string>>();
  r.implicit_mx = d.at("implicit_mx").get<bool>();
  r.incomplete = d.at("incomplete").get<std::vector<std::string>>();
  for (const json& hj : d.at("mx")) {
    MxHostResult h;
    h.name = hj.at("name").get<std::string>();
    h.preference = hj.value("preference", std::uint16_t{10});
    h.status = parse<HostStatus>(hj.at("status"));
    h.address_dnssec = parse<DnsClass>(hj.at("address_dnssec"));
    // A no_address host was denied for both families with this class; any other host's
    // addresses came with it.
    h.address_lookups.push_back(address_answer(h.name, 1, h.address_dnssec));
    h.address_lookups.push_back(address_answer(h.name, 28, h.address_dnssec));
    if (!hj.at("tlsa").is_null()) {
      const json& tj = hj.at("tlsa");
      TlsaInfo t;
      t.status = parse<DnsClass>(tj.at("status"));
      t.base = tj.at("base").is_null() ? "" : tj.at("base").get<std::string>();
      int usable = 0;
      for (const json& rec : tj.at("records")) {
        auto parsed = verdict::parse_tlsa_text(rec.get<std::string>());
        INFO(domain << " " << h.name << " TLSA " << rec.get<std::string>().substr(0, 40));
        REQUIRE(parsed.has_value());
        if (verdict::tlsa_usable(*parsed)) ++usable;
        t.records.push_back(*parsed);
      }
      t.usable = tj.at("usable").get<int>();
      INFO(domain << " " << h.name << ": the catalogue's usable count vs tlsa_usable()");
      CHECK(usable == t.usable);
      h.tlsa = t;
    }
    for (const json& aj : hj.at("addresses")) {
      ProbeResult p;
      p.ip = aj.at("ip").get<std::string>();
      p.outcome = parse<ProbeOutcome>(aj.at("outcome"));
      p.dane = parse<DaneCheck>(aj.at("dane"));
      if (!aj.at("dane_reason").is_null())
        p.dane_reason = parse<DaneFailReason>(aj.at("dane_reason"));
      if (aj.contains("tls_quality")) {
        const auto q = parse<TlsQuality>(aj.at("tls_quality"));
        p.tls = assessment_of(q);
        INFO(domain << " " << p.ip << ": the stand-in assessment grades to " << to_string(q));
        REQUIRE(verdict::address_tls_quality(p.tls) == q);
      }
      h.addresses.push_back(p);
    }
    r.mx.push_back(std::move(h));
  }
  return r;
}

// The catalogue's verdicts against the module's, field by field (a name per mismatch).
std::vector<std::string> disagreements(const json& d, const DomainVerdict& v) {
  std::vector<std::string> out;
  auto cmp = [&](const char* field, std::string_view got) {
    const auto want = d.at(field).get<std::string>();
    if (want != got)
      out.push_back(std::string(field) + ": catalogue " + want + ", rules " + std::string(got));
  };
  cmp("mail", to_string(v.mail));
  cmp("dnssec", to_string(v.dnssec));
  cmp("starttls", to_string(v.starttls));
  cmp("dane", to_string(v.dane));
  cmp("dane_rollover", to_string(v.dane_rollover));
  // measurement.md §4 for the domains that state it (the TLS-quality scenarios)
  if (d.contains("tls_quality")) cmp("tls_quality", to_string(v.tls_quality));
  if (d.at("protected").get<bool>() != v.protected_)
    out.push_back(std::string("protected: catalogue ") +
                  (d.at("protected").get<bool>() ? "true" : "false"));
  return out;
}

}  // namespace

TEST_CASE("every catalogue domain's verdicts follow from its evidence (measurement.md §3)",
          "[catalogue]") {
  const json domains = load_expected();
  REQUIRE(domains.size() > 80);  // the whole catalogue, not an empty render
  int checked = 0;
  for (const auto& [name, d] : domains.items()) {
    const auto diff = disagreements(d, verdict::decide_domain(evidence(name, d)));
    std::string why;
    for (const auto& line : diff) why += "\n  " + line;
    INFO(name << " (" << d.value("what", "") << ")" << why);
    CHECK(diff.empty());
    ++checked;
  }
  CHECK(checked == static_cast<int>(domains.size()));
}

namespace {

// The MTA-STS evidence a scanner records for the catalogue's domain (null: not looked up).
MtaStsEvidence sts_evidence(const json& j) {
  MtaStsEvidence ev;
  if (j.is_null()) return ev;
  ev.looked_up = true;
  ev.txt.qtype = 16;
  ev.txt.cls = parse<DnsClass>(j.at("txt_class"));
  ev.txt.reason = ev.txt.cls == DnsClass::Fail ? DnsReason::ServFail
                  : ev.txt.cls == DnsClass::SecureNx || ev.txt.cls == DnsClass::InsecureNx
                      ? DnsReason::NxDomain
                      : DnsReason::Ok;
  ev.txt.records = j.at("txt_records").get<std::vector<std::string>>();
  ev.fetch = parse<MtaStsFetch>(j.at("fetch"));
  if (!j.at("http_status").is_null()) ev.http_status = j.at("http_status").get<int>();
  if (!j.at("content_type").is_null()) ev.content_type = j.at("content_type").get<std::string>();
  if (!j.at("policy").is_null()) ev.policy_text = j.at("policy").get<std::string>();
  return ev;
}

}  // namespace

TEST_CASE("every catalogue domain's mta_sts follows from its evidence (measurement.md §5)",
          "[catalogue]") {
  const json domains = load_expected();
  int checked = 0, published = 0;
  for (const auto& [name, d] : domains.items()) {
    const DomainResult r = evidence(name, d);
    const DomainVerdict v = verdict::decide_domain(r);
    MtaStsEvidence ev = sts_evidence(d.at("mta_sts_evidence"));
    if (!ev.txt.records.empty()) ++published;
    const MtaStsVerdict got = verdict::decide_mta_sts(ev, v.mail, r.mx);
    INFO(name << " (" << d.value("what", "") << "): catalogue "
              << d.at("mta_sts").get<std::string>() << ", rules " << to_string(got) << " ("
              << ev.reason << ")");
    CHECK(to_string(got) == d.at("mta_sts").get<std::string>());
    ++checked;
  }
  CHECK(checked == static_cast<int>(domains.size()));
  CHECK(published >= 15);  // the MTA-STS scenarios are rendered, not only the default `none`
}

TEST_CASE("the TLS-quality scenarios state a tls_quality for every STARTTLS address",
          "[catalogue]") {
  const json domains = load_expected();
  int stated = 0;
  for (const auto& [name, d] : domains.items()) {
    if (!d.contains("tls_quality")) continue;
    ++stated;
    for (const json& h : d.at("mx"))
      for (const json& a : h.at("addresses")) {
        INFO(name << " " << a.at("ip").get<std::string>());
        if (a.at("outcome").get<std::string>() == "starttls_ok") CHECK(a.contains("tls_quality"));
      }
  }
  CHECK(stated >= 13);  // the tlsq-* scenarios (issue 15)
}
