// Table tests of measurement.md §2.1, §2.3 and §3 (nulmeting/verdict/dns.hpp, address.hpp,
// domain.hpp): each row builds the evidence by hand and states what the contract requires.
// Every value of every §3 verdict has a row; so has every clause of the `dane` order.
#include "verdict/cert.hpp"

#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/dns.hpp>
#include <nulmeting/verdict/domain.hpp>
#include <nulmeting/verdict/host.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <catch2/catch.hpp>

#include <tuple>

using namespace nulmeting;
using namespace nulmeting::verdict;

namespace {

using O = ProbeOutcome;
using D = DaneCheck;
using R = DaneFailReason;

DnsAnswer answer(DnsClass cls, DnsReason reason, std::vector<std::string> records = {},
                 std::uint16_t qtype = 15) {
  DnsAnswer a;
  a.qname = "example.test";
  a.qtype = qtype;
  a.cls = cls;
  a.reason = reason;
  a.rcode = cls == DnsClass::Fail ? 2 : (reason == DnsReason::NxDomain ? 3 : 0);
  a.records = std::move(records);
  a.canonical_name = a.qname;
  return a;
}

ProbeResult probe(O o, D d = D::NotApplicable, std::string ip = "192.0.2.1") {
  ProbeResult p;
  p.ip = std::move(ip);
  p.outcome = o;
  p.dane = d;
  if (d == D::Failed) p.dane_reason = R::NoMatch;
  if (d == D::Authenticated) p.dane_depth = 0;
  return p;
}

TlsaRecord record(int u, int s, int m) {
  TlsaRecord r{static_cast<std::uint8_t>(u), static_cast<std::uint8_t>(s),
               static_cast<std::uint8_t>(m), std::vector<std::uint8_t>(m == 2 ? 64 : 32, 0xab),
               false};
  r.usable = tlsa_usable(r);
  return r;
}

TlsaInfo tlsa(std::vector<std::tuple<int, int, int>> recs, DnsClass cls = DnsClass::Secure) {
  TlsaInfo t;
  t.status = cls;
  t.base = "mx.example.test";
  for (auto [u, s, m] : recs) {
    t.records.push_back(record(u, s, m));
    if (t.records.back().usable) ++t.usable;
  }
  return t;
}

MxHostResult host(std::string name, std::vector<ProbeResult> addrs,
                  std::optional<TlsaInfo> t = std::nullopt, HostStatus st = HostStatus::Ok) {
  MxHostResult h;
  h.name = std::move(name);
  h.status = st;
  h.address_dnssec = DnsClass::Secure;
  h.address_lookups = {answer(DnsClass::Secure, DnsReason::Ok, {"192.0.2.1"}, 1),
                       answer(DnsClass::SecureNx, DnsReason::NoData, {}, 28)};
  h.tlsa = std::move(t);
  h.addresses = std::move(addrs);
  return h;
}

// A host without addresses whose A and AAAA answers have the given classes.
MxHostResult no_address(std::string name, DnsClass a, DnsClass aaaa) {
  MxHostResult h;
  h.name = std::move(name);
  h.status = HostStatus::NoAddress;
  h.address_dnssec = weakest(a, aaaa);
  h.address_lookups = {answer(a, DnsReason::NxDomain, {}, 1), answer(aaaa, DnsReason::NxDomain, {}, 28)};
  return h;
}

DomainResult domain(DnsAnswer mx, std::vector<MxHostResult> hosts) {
  DomainResult r;
  r.entry.domain = "example.test";
  r.mx_lookup = std::move(mx);
  r.mx = std::move(hosts);
  return r;
}

const DnsAnswer kSecureMx = answer(DnsClass::Secure, DnsReason::Ok, {"10 mx.example.test."});
const DnsAnswer kInsecureMx = answer(DnsClass::Insecure, DnsReason::Ok, {"10 mx.example.test."});
const ProbeResult kAuth = probe(O::StarttlsOk, D::Authenticated);
const TlsaInfo kT311 = tlsa({{3, 1, 1}});

DomainVerdict judged(DomainResult r) {
  finalize(r);
  return r.verdict;
}

}  // namespace

// ---- mail ------------------------------------------------------------------------------------

TEST_CASE("mail: receives, null_mx, no_mail, error", "[verdict][mail]") {
  CHECK(decide_domain(domain(kSecureMx, {host("mx.example.test", {kAuth})})).mail ==
        MailVerdict::Receives);
  // error: the MX answer failed (whatever the reason), or no record is an MX record
  for (auto reason : {DnsReason::ServFail, DnsReason::Bogus, DnsReason::Timeout, DnsReason::Refused})
    CHECK(decide_domain(domain(answer(DnsClass::Fail, reason), {})).mail == MailVerdict::Error);
  CHECK(decide_domain(domain(answer(DnsClass::Secure, DnsReason::Ok, {"garbage"}), {})).mail ==
        MailVerdict::Error);
  // no_mail: NXDOMAIN
  auto nx = decide_domain(domain(answer(DnsClass::SecureNx, DnsReason::NxDomain), {}));
  CHECK(nx.mail == MailVerdict::NoMail);
  CHECK(nx.starttls == StarttlsVerdict::NotApplicable);
  CHECK(nx.dane == DaneVerdict::NotApplicable);
  CHECK(nx.dane_rollover == RolloverVerdict::NotApplicable);
  CHECK_FALSE(nx.protected_);
  // null_mx, even beside other records (RFC 7505; like Postfix)
  auto null_mx = decide_domain(
      domain(answer(DnsClass::Secure, DnsReason::Ok, {"0 .", "10 mx.example.test."}), {}));
  CHECK(null_mx.mail == MailVerdict::NullMx);
  CHECK(null_mx.starttls == StarttlsVerdict::NotApplicable);
  CHECK(null_mx.dane == DaneVerdict::NotApplicable);
  // no_mail: implicit MX without any address
  auto r = domain(answer(DnsClass::InsecureNx, DnsReason::NoData), {});
  r.implicit_mx = true;
  r.mx.push_back(no_address("example.test", DnsClass::InsecureNx, DnsClass::InsecureNx));
  CHECK(decide_domain(r).mail == MailVerdict::NoMail);
}

TEST_CASE("mx_plan: null MX, implicit MX, order, duplicates, the --max-mx cap", "[verdict][mail]") {
  const auto mx = answer(DnsClass::Secure, DnsReason::Ok,
                         {"20 b.example.test.", "10 C.example.test.", "10 a.example.test.",
                          "30 a.example.test."});
  auto plan = mx_plan(mx, "example.test");
  CHECK(plan.kind == MxKind::Hosts);
  using P = std::pair<std::uint16_t, std::string>;
  CHECK(plan.hosts == std::vector<P>{{10, "a.example.test"}, {10, "c.example.test"},
                                     {20, "b.example.test"}});
  CHECK(plan.findings.empty());
  // The cap keeps the most preferred hosts and says so; it is applied before host lookups
  // because the resolver looks up only plan.hosts.
  auto capped = mx_plan(mx, "example.test", 2);
  CHECK(capped.hosts == std::vector<P>{{10, "a.example.test"}, {10, "c.example.test"}});
  REQUIRE(capped.findings.size() == 1);
  CHECK(capped.findings[0].find("--max-mx") != std::string::npos);
  CHECK(mx_plan(mx, "example.test", 3).findings.empty());

  auto null_mx = mx_plan(answer(DnsClass::Secure, DnsReason::Ok, {"0 .", "10 a.example.test."}),
                         "example.test");
  CHECK(null_mx.kind == MxKind::NullMx);
  CHECK(null_mx.hosts.empty());
  CHECK(null_mx.findings.size() == 1);  // the misconfiguration is reported

  auto implicit = mx_plan(answer(DnsClass::SecureNx, DnsReason::NoData), "Example.Test.");
  CHECK(implicit.kind == MxKind::Implicit);
  CHECK(implicit.hosts == std::vector<P>{{0, "example.test"}});
  CHECK(mx_plan(answer(DnsClass::InsecureNx, DnsReason::NxDomain), "x").kind == MxKind::NoDomain);
  CHECK(mx_plan(answer(DnsClass::Fail, DnsReason::ServFail), "x").kind == MxKind::Fail);
  CHECK(mx_plan(answer(DnsClass::Secure, DnsReason::Ok, {"x y"}), "x").kind == MxKind::Unreadable);

  auto m = parse_mx_text("10 Mx1.Example.NL.");
  REQUIRE(m);
  CHECK(m->preference == 10);
  CHECK(m->exchange == "mx1.example.nl");
  CHECK(parse_mx_text("0 .")->is_null);
  CHECK_FALSE(parse_mx_text("70000 a."));
  CHECK_FALSE(parse_mx_text("10"));
}

// ---- dnssec ----------------------------------------------------------------------------------

TEST_CASE("dnssec: secure, insecure, bogus, error, n/a", "[verdict][dnssec]") {
  CHECK(decide_domain(domain(kSecureMx, {})).dnssec == DnssecVerdict::Secure);
  CHECK(decide_domain(domain(kInsecureMx, {})).dnssec == DnssecVerdict::Insecure);
  CHECK(decide_domain(domain(answer(DnsClass::SecureNx, DnsReason::NxDomain), {})).dnssec ==
        DnssecVerdict::Secure);
  CHECK(decide_domain(domain(answer(DnsClass::InsecureNx, DnsReason::NxDomain), {})).dnssec ==
        DnssecVerdict::Insecure);
  CHECK(decide_domain(domain(answer(DnsClass::Fail, DnsReason::Bogus), {})).dnssec ==
        DnssecVerdict::Bogus);
  CHECK(decide_domain(domain(answer(DnsClass::Fail, DnsReason::ServFail), {})).dnssec ==
        DnssecVerdict::Error);
  // n/a: mail = error through a transport failure only
  auto timeout = decide_domain(domain(answer(DnsClass::Fail, DnsReason::Timeout), {}));
  CHECK(timeout.mail == MailVerdict::Error);
  CHECK(timeout.dnssec == DnssecVerdict::NotApplicable);
}

TEST_CASE("dnssec of an implicit MX: the A/AAAA answers that gave data", "[verdict][dnssec]") {
  auto implicit = [](DnsAnswer a, DnsAnswer aaaa, HostStatus st = HostStatus::Ok) {
    auto r = domain(answer(DnsClass::SecureNx, DnsReason::NoData), {});
    r.implicit_mx = true;
    auto h = host("example.test", {probe(O::StarttlsOk)}, std::nullopt, st);
    a.qtype = 1;
    aaaa.qtype = 28;
    h.address_lookups = {a, aaaa};
    r.mx.push_back(h);
    return decide_domain(r);
  };
  const auto secure_a = answer(DnsClass::Secure, DnsReason::Ok, {"192.0.2.1"});
  // v2: a failed AAAA beside a secure A is a finding, not the domain's class
  auto v = implicit(secure_a, answer(DnsClass::Fail, DnsReason::ServFail));
  CHECK(v.mail == MailVerdict::Receives);
  CHECK(v.dnssec == DnssecVerdict::Secure);
  CHECK(implicit(secure_a, answer(DnsClass::Fail, DnsReason::Timeout)).dnssec ==
        DnssecVerdict::Secure);
  // weakest of the answers with data
  CHECK(implicit(secure_a, answer(DnsClass::Insecure, DnsReason::Ok, {"2001:db8::1"})).dnssec ==
        DnssecVerdict::Insecure);
  // a denial beside data does not count
  CHECK(implicit(secure_a, answer(DnsClass::InsecureNx, DnsReason::NoData)).dnssec ==
        DnssecVerdict::Secure);
  // no data at all (host unusable): the failure is the class, and never n/a with mail receives
  auto both_fail = implicit(answer(DnsClass::Fail, DnsReason::Timeout),
                            answer(DnsClass::Fail, DnsReason::Timeout), HostStatus::Unusable);
  CHECK(both_fail.mail == MailVerdict::Receives);
  CHECK(both_fail.dnssec == DnssecVerdict::Error);
  CHECK(implicit(answer(DnsClass::Fail, DnsReason::Bogus), answer(DnsClass::SecureNx, DnsReason::NoData),
                 HostStatus::Unusable)
            .dnssec == DnssecVerdict::Bogus);
}

// ---- §2.3: reached, DANE per address ---------------------------------------------------------

TEST_CASE("reach: reached = complete 2xx greeting; not reached; not measured", "[verdict][address]") {
  const std::vector<std::pair<O, Reach>> rows = {
      {O::StarttlsOk, Reach::Reached},       {O::NoStarttls, Reach::Reached},
      {O::StarttlsRefused, Reach::Reached},  {O::TlsFailed, Reach::Reached},
      {O::ProtocolError, Reach::Reached},    {O::Refused, Reach::NotReached},
      {O::Timeout, Reach::NotReached},       {O::Reset, Reach::NotReached},
      {O::SmtpTempError, Reach::NotReached}, {O::SmtpPermError, Reach::NotReached},
      {O::NotPublic, Reach::NotReached},     {O::NoRoute, Reach::NotMeasured},
      {O::InternalError, Reach::NotMeasured},
  };
  for (auto [o, want] : rows) {
    CAPTURE(to_string(o));
    CHECK(reach(o) == want);
  }
}

TEST_CASE("address_dane: the final DANE value from host and probe", "[verdict][address]") {
  const auto dane_host = host("mx.example.test", {}, kT311);
  const auto plain_host = host("mx.example.test", {});
  const auto tlsa_error = host("mx.example.test", {}, std::nullopt, HostStatus::TlsaError);
  struct Row {
    const MxHostResult* h;
    ProbeResult p;
    AddressDane want;
  };
  auto failed = [](R r) { return AddressDane{D::Failed, r}; };
  auto mismatch = probe(O::StarttlsOk, D::Failed);
  mismatch.dane_reason = R::Expired;
  const std::vector<Row> rows = {
      {&dane_host, kAuth, {D::Authenticated, R::None}},
      {&dane_host, probe(O::StarttlsOk, D::Failed), failed(R::NoMatch)},
      {&dane_host, mismatch, failed(R::Expired)},
      {&dane_host, probe(O::NoStarttls), failed(R::NoStarttls)},
      {&dane_host, probe(O::StarttlsRefused), failed(R::NoStarttls)},
      {&dane_host, probe(O::ProtocolError), failed(R::NoStarttls)},  // reading, see docs
      {&dane_host, probe(O::TlsFailed), failed(R::TlsFailed)},
      {&dane_host, probe(O::StarttlsOk), failed(R::NoMatch)},  // nothing authenticated
      {&dane_host, probe(O::Timeout), {}},                      // not tested
      {&dane_host, probe(O::NotPublic), {}},
      {&dane_host, probe(O::NoRoute), {}},
      {&plain_host, kAuth, {}},  // no usable TLSA: n/a whatever the probe says
      {&plain_host, probe(O::NoStarttls), {}},
      // tlsa_error: failed (tlsa_lookup_failed) on every address, reached or not
      {&tlsa_error, probe(O::StarttlsOk), failed(R::TlsaLookupFailed)},
      {&tlsa_error, probe(O::NoStarttls), failed(R::TlsaLookupFailed)},
      {&tlsa_error, probe(O::Timeout), failed(R::TlsaLookupFailed)},
  };
  for (const auto& row : rows) {
    CAPTURE(to_string(row.h->status), to_string(row.p.outcome), to_string(row.p.dane));
    const AddressDane got = address_dane(*row.h, row.p, {});
    CHECK(to_string(got.dane) == to_string(row.want.dane));
    CHECK(to_string(got.reason) == to_string(row.want.reason));
  }
}

TEST_CASE("DANE-TA reference identifiers (§2.3)", "[verdict][address]") {
  CHECK(probe_reference_names("smtp.hoster.test") == std::vector<std::string>{"smtp.hoster.test"});
  CHECK(probe_reference_names("").empty());
  auto r = domain(kSecureMx, {});
  CHECK(domain_reference_names(r) == std::vector<std::string>{"example.test"});
  r.mx_lookup.canonical_name = "example.hoster.test";
  r.mx_lookup.cname_chain = {"example.hoster.test"};
  CHECK(domain_reference_names(r) ==
        std::vector<std::string>{"example.test", "example.hoster.test"});
  CHECK(domain_reference_names(domain(kInsecureMx, {})).empty());  // only with a secure MX RRset
  CHECK(domain_reference_names(domain(answer(DnsClass::SecureNx, DnsReason::NoData), {})).empty());

  // A DANE-TA chain that failed only on names: the domain's own names may authenticate it.
  const auto leaf_d = testing::make_test_cert("example.test", {"example.test"});
  const auto leaf_h = testing::make_test_cert("mx.example.test", {"mx.example.test"});
  auto ta = probe(O::StarttlsOk, D::Failed);
  ta.dane_reason = R::NameMismatch;
  ta.dane_depth = 1;
  ta.error = "DANE: hostname mismatch";
  auto h = host("mx.example.test", {}, tlsa({{2, 0, 1}}));
  h.tlsa->base = "smtp.hoster.test";  // the base domain is the CNAME expansion of H
  SECTION("leaf names D, MX RRset secure → authenticated") {
    ta.leaf_der = leaf_d.der;
    h.addresses = {ta};
    auto d = domain(kSecureMx, {h});
    finalize(d);
    CHECK(d.mx[0].addresses[0].dane == D::Authenticated);
    CHECK_FALSE(d.mx[0].addresses[0].error.has_value());
    CHECK(d.verdict.dane == DaneVerdict::Valid);
  }
  SECTION("leaf names D, MX RRset insecure → name_mismatch") {
    ta.leaf_der = leaf_d.der;
    h.addresses = {ta};
    auto d = domain(kInsecureMx, {h});
    finalize(d);
    CHECK(d.mx[0].addresses[0].dane == D::Failed);
    CHECK(d.mx[0].addresses[0].dane_reason == R::NameMismatch);
    CHECK(d.verdict.dane == DaneVerdict::Invalid);
  }
  SECTION("leaf names only the original MX host name, base is its expansion → not one") {
    ta.leaf_der = leaf_h.der;
    h.addresses = {ta};
    auto d = domain(kSecureMx, {h});
    finalize(d);
    CHECK(d.mx[0].addresses[0].dane_reason == R::NameMismatch);
    CHECK(d.verdict.dane == DaneVerdict::Invalid);
  }
  SECTION("no record matched (depth -1): names cannot rescue it") {
    ta.leaf_der = leaf_d.der;
    ta.dane_depth = -1;
    h.addresses = {ta};
    auto d = domain(kSecureMx, {h});
    finalize(d);
    CHECK(d.mx[0].addresses[0].dane == D::Failed);
  }
  CHECK(leaf_matches_name(leaf_d.der, std::vector<std::string>{"EXAMPLE.test"}));
  CHECK_FALSE(leaf_matches_name(leaf_d.der, std::vector<std::string>{"x.example.test"}));
  CHECK_FALSE(leaf_matches_name({}, std::vector<std::string>{"example.test"}));
}

// ---- starttls --------------------------------------------------------------------------------

TEST_CASE("starttls: all, partial, none, unreachable, n/a over reached addresses",
          "[verdict][starttls]") {
  struct Row {
    std::vector<O> outcomes;
    StarttlsVerdict expected;
  };
  const std::vector<Row> rows = {
      {{O::StarttlsOk, O::StarttlsOk}, StarttlsVerdict::All},
      {{O::StarttlsOk, O::Timeout}, StarttlsVerdict::All},
      {{O::StarttlsOk, O::NotPublic}, StarttlsVerdict::All},  // not_public: not reached
      {{O::StarttlsOk, O::NoRoute}, StarttlsVerdict::All},    // no_route: left out
      {{O::StarttlsOk, O::InternalError}, StarttlsVerdict::All},
      {{O::StarttlsOk, O::NoStarttls}, StarttlsVerdict::Partial},
      {{O::StarttlsOk, O::TlsFailed}, StarttlsVerdict::Partial},
      {{O::StarttlsOk, O::ProtocolError}, StarttlsVerdict::Partial},  // protocol_error: reached
      {{O::NoStarttls, O::StarttlsRefused}, StarttlsVerdict::None},
      {{O::ProtocolError}, StarttlsVerdict::None},
      {{O::SmtpPermError, O::NoStarttls}, StarttlsVerdict::None},
      {{O::SmtpPermError}, StarttlsVerdict::Unreachable},
      {{O::NotPublic}, StarttlsVerdict::Unreachable},
      {{O::NoRoute}, StarttlsVerdict::Unreachable},
      {{O::Refused, O::Timeout, O::SmtpTempError, O::Reset}, StarttlsVerdict::Unreachable},
      {{}, StarttlsVerdict::Unreachable},
  };
  for (const auto& row : rows) {
    std::vector<ProbeResult> ps;
    for (auto o : row.outcomes) ps.push_back(probe(o));
    CAPTURE(row.outcomes.size(), to_string(row.expected));
    CHECK(decide_domain(domain(kSecureMx, {host("mx.example.test", ps)})).starttls == row.expected);
  }
  CHECK(decide_domain(domain(answer(DnsClass::Fail, DnsReason::ServFail), {})).starttls ==
        StarttlsVerdict::NotApplicable);
}

// ---- dane ------------------------------------------------------------------------------------

TEST_CASE("dane: every value and every clause of the order", "[verdict][dane]") {
  SECTION("n/a without mail") {
    CHECK(judged(domain(answer(DnsClass::SecureNx, DnsReason::NxDomain), {})).dane ==
          DaneVerdict::NotApplicable);
  }
  SECTION("valid: every reached address of every counted host authenticated") {
    auto v = judged(domain(kSecureMx, {host("a", {kAuth}, kT311), host("b", {kAuth}, kT311)}));
    CHECK(v.dane == DaneVerdict::Valid);
    CHECK(v.protected_);
    // an unreached address beside an authenticated one does not stop valid
    CHECK(judged(domain(kSecureMx, {host("a", {kAuth, probe(O::Timeout)}, kT311)})).dane ==
          DaneVerdict::Valid);
  }
  SECTION("invalid: a reached address not authenticated, whatever the probe recorded") {
    for (const auto& p : {probe(O::StarttlsOk, D::Failed), probe(O::NoStarttls),
                          probe(O::StarttlsRefused), probe(O::TlsFailed), probe(O::ProtocolError),
                          probe(O::StarttlsOk)}) {
      CAPTURE(to_string(p.outcome), to_string(p.dane));
      CHECK(judged(domain(kSecureMx, {host("a", {kAuth, p}, kT311)})).dane ==
            DaneVerdict::Invalid);
      // decided from the evidence alone too, before finalize wrote the per-address values
      CHECK(decide_domain(domain(kSecureMx, {host("a", {kAuth, p}, kT311)})).dane ==
            DaneVerdict::Invalid);
    }
  }
  SECTION("invalid beats none, partial and untested") {
    // a tlsa_error host beside a host without TLSA: invalid, not none/partial
    CHECK(judged(domain(kSecureMx, {host("a", {probe(O::StarttlsOk)}),
                                    host("b", {probe(O::StarttlsOk)}, std::nullopt,
                                         HostStatus::TlsaError)}))
              .dane == DaneVerdict::Invalid);
    // a failed address beside an unreached TLSA host: invalid, not untested
    CHECK(judged(domain(kSecureMx, {host("a", {probe(O::NoStarttls)}, kT311),
                                    host("b", {probe(O::Timeout)}, kT311)}))
              .dane == DaneVerdict::Invalid);
  }
  SECTION("invalid: a tlsa_error host is probed; STARTTLS works, DANE fails on its addresses") {
    auto d = domain(kSecureMx,
                    {host("a", {probe(O::StarttlsOk, D::NotApplicable, "192.0.2.1"),
                                probe(O::Timeout, D::NotApplicable, "192.0.2.2")},
                          std::nullopt, HostStatus::TlsaError)});
    finalize(d);
    CHECK(d.verdict.starttls == StarttlsVerdict::All);
    CHECK(d.verdict.dane == DaneVerdict::Invalid);
    CHECK_FALSE(d.verdict.protected_);
    for (const auto& p : d.mx[0].addresses) {
      CHECK(p.dane == D::Failed);
      CHECK(p.dane_reason == R::TlsaLookupFailed);
    }
  }
  SECTION("none: no TLSA; a secure RRset without a usable record; every host left out") {
    CHECK(judged(domain(kSecureMx, {host("a", {probe(O::StarttlsOk)})})).dane == DaneVerdict::None);
    CHECK(judged(domain(kSecureMx, {host("a", {probe(O::StarttlsOk)}, tlsa({{1, 1, 1}}))})).dane ==
          DaneVerdict::None);
    CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, tlsa({{3, 1, 1}}, DnsClass::Insecure))}))
              .dane == DaneVerdict::None);
    CHECK(judged(domain(kSecureMx, {no_address("a", DnsClass::SecureNx, DnsClass::SecureNx)}))
              .dane == DaneVerdict::None);
  }
  SECTION("a lone `3 1 0 <certificate DER>` is unusable: none, never valid") {
    const auto cert = testing::make_test_cert("mx.example.test", {"mx.example.test"});
    TlsaInfo t;
    t.status = DnsClass::Secure;
    t.base = "mx.example.test";
    TlsaRecord mixup{3, 1, 0, cert.der, true};  // even if someone flagged it usable
    t.records = {mixup};
    t.usable = 1;
    auto v = judged(domain(kSecureMx, {host("a", {probe(O::StarttlsOk)}, t)}));
    CHECK(v.dane == DaneVerdict::None);
    CHECK_FALSE(v.protected_);
    t.records = {TlsaRecord{3, 0, 0, cert.der, false}};  // the same data under selector 0
    CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, t)})).dane == DaneVerdict::Valid);
  }
  SECTION("partial: some counted host lacks usable TLSA") {
    CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, kT311), host("b", {probe(O::StarttlsOk)})}))
              .dane == DaneVerdict::Partial);
    // an unusable host counts as a host without TLSA
    CHECK(judged(domain(kSecureMx,
                        {host("a", {kAuth}, kT311), host("b", {}, std::nullopt, HostStatus::Unusable)}))
              .dane == DaneVerdict::Partial);
    // a no_address backup whose denial is not secure counts
    CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, kT311),
                                    no_address("b", DnsClass::SecureNx, DnsClass::InsecureNx)}))
              .dane == DaneVerdict::Partial);
    // partial is decided before untested
    CHECK(judged(domain(kSecureMx, {host("a", {probe(O::Timeout)}, kT311), host("b", {kAuth})}))
              .dane == DaneVerdict::Partial);
  }
  SECTION("a securely denied backup MX is left out (v2)") {
    auto v = judged(domain(kSecureMx, {host("a", {kAuth}, kT311),
                                       no_address("b", DnsClass::SecureNx, DnsClass::SecureNx)}));
    CHECK(v.dane == DaneVerdict::Valid);
    CHECK(v.protected_);
  }
  SECTION("untested: a host with usable TLSA had no reached address") {
    CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, kT311), host("b", {probe(O::Timeout)}, kT311)}))
              .dane == DaneVerdict::Untested);
    CHECK(judged(domain(kSecureMx, {host("a", {probe(O::NotPublic)}, kT311)})).dane ==
          DaneVerdict::Untested);
    CHECK(judged(domain(kSecureMx, {host("a", {}, kT311)})).dane == DaneVerdict::Untested);
  }
  SECTION("an insecure MX RRset: valid per host, never protected") {
    auto v = judged(domain(kInsecureMx, {host("a", {kAuth}, kT311)}));
    CHECK(v.dane == DaneVerdict::Valid);
    CHECK(v.dnssec == DnssecVerdict::Insecure);
    CHECK_FALSE(v.protected_);
  }
}

TEST_CASE("finalize writes the per-address DANE value once, idempotently", "[verdict][dane]") {
  auto d = domain(kSecureMx, {host("a", {kAuth, probe(O::NoStarttls, D::NotApplicable, "192.0.2.2"),
                                         probe(O::Timeout, D::NotApplicable, "192.0.2.3")},
                                   kT311)});
  finalize(d);
  const auto& a = d.mx[0].addresses;
  CHECK(a[0].dane == D::Authenticated);
  CHECK(a[0].dane_depth == 0);
  CHECK(a[1].dane == D::Failed);
  CHECK(a[1].dane_reason == R::NoStarttls);
  CHECK(a[1].dane_depth == -1);
  CHECK(a[2].dane == D::NotApplicable);
  CHECK(d.verdict.dane == DaneVerdict::Invalid);
  auto again = d;
  finalize(again);
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(again.mx[0].addresses[i].dane == a[i].dane);
    CHECK(again.mx[0].addresses[i].dane_reason == a[i].dane_reason);
  }
  CHECK(again.verdict.dane == d.verdict.dane);
}

// ---- rollover, protected, incomplete ---------------------------------------------------------

TEST_CASE("rollover: yes, no, n/a", "[verdict][rollover]") {
  CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, tlsa({{3, 1, 1}, {3, 1, 1}}))})).dane_rollover ==
        RolloverVerdict::Yes);
  CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, tlsa({{3, 1, 1}, {2, 0, 1}}))})).dane_rollover ==
        RolloverVerdict::Yes);
  CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, tlsa({{2, 0, 1}, {2, 0, 1}}))})).dane_rollover ==
        RolloverVerdict::No);
  CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, tlsa({{3, 1, 1}, {1, 1, 1}}))})).dane_rollover ==
        RolloverVerdict::No);  // usage 1 is not usable
  CHECK(judged(domain(kSecureMx, {host("a", {kAuth}, tlsa({{3, 1, 1}, {3, 1, 2}})),
                                  host("b", {kAuth}, tlsa({{3, 1, 1}}))}))
            .dane_rollover == RolloverVerdict::No);  // every TLSA host needs one
  CHECK(judged(domain(kSecureMx, {host("a", {probe(O::StarttlsOk)})})).dane_rollover ==
        RolloverVerdict::NotApplicable);
  CHECK(judged(domain(answer(DnsClass::SecureNx, DnsReason::NxDomain), {})).dane_rollover ==
        RolloverVerdict::NotApplicable);
}

TEST_CASE("protected only with dnssec secure and dane valid", "[verdict][protected]") {
  CHECK(decide_protected(DnssecVerdict::Secure, DaneVerdict::Valid));
  for (auto d : {DaneVerdict::Invalid, DaneVerdict::Partial, DaneVerdict::Untested,
                 DaneVerdict::None, DaneVerdict::NotApplicable})
    CHECK_FALSE(decide_protected(DnssecVerdict::Secure, d));
  for (auto s : {DnssecVerdict::Insecure, DnssecVerdict::Bogus, DnssecVerdict::Error,
                 DnssecVerdict::NotApplicable})
    CHECK_FALSE(decide_protected(s, DaneVerdict::Valid));
}

TEST_CASE("no_route addresses are left out of every verdict and mark the domain incomplete",
          "[verdict][incomplete]") {
  auto d = domain(kSecureMx, {host("a", {kAuth, probe(O::NoRoute, D::NotApplicable, "2001:db8::25")},
                                   kT311)});
  finalize(d);
  CHECK(d.verdict.starttls == StarttlsVerdict::All);
  CHECK(d.verdict.dane == DaneVerdict::Valid);
  CHECK(d.verdict.protected_);
  CHECK(d.incomplete == std::vector<std::string>{"ipv6"});
  CHECK(d.mx[0].addresses[1].dane == D::NotApplicable);

  auto both = domain(kSecureMx, {host("a", {probe(O::NoRoute, D::NotApplicable, "192.0.2.9"),
                                            probe(O::NoRoute, D::NotApplicable, "2001:db8::9")},
                                      kT311)});
  finalize(both);
  CHECK(both.incomplete == std::vector<std::string>{"ipv4", "ipv6"});
  CHECK(both.verdict.starttls == StarttlsVerdict::Unreachable);
  CHECK(both.verdict.dane == DaneVerdict::Untested);

  auto none = domain(kSecureMx, {host("a", {kAuth}, kT311)});
  finalize(none);
  CHECK(none.incomplete.empty());
  CHECK(address_family("::ffff:192.0.2.1") == "ipv6");
  CHECK(address_family("192.0.2.1") == "ipv4");
}
