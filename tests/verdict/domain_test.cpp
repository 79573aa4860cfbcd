// Table tests of measurement.md §3: each row builds a DomainResult by hand and states the
// verdicts the contract requires.
#include <nulmeting/scanner/verdict.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {

DnsAnswer answer(DnsClass cls, DnsReason reason, std::vector<std::string> records = {}) {
  DnsAnswer a;
  a.qname = "example.test";
  a.qtype = 15;
  a.cls = cls;
  a.reason = reason;
  a.rcode = cls == DnsClass::Fail ? 2 : 0;
  a.records = std::move(records);
  return a;
}

ProbeResult probe(ProbeOutcome o, DaneCheck d = DaneCheck::NotApplicable) {
  ProbeResult p;
  p.ip = "127.0.0.1";
  p.outcome = o;
  p.dane = d;
  if (d == DaneCheck::Failed) p.dane_reason = DaneFailReason::NoMatch;
  return p;
}

TlsaInfo tlsa(std::vector<std::tuple<int, int, int>> recs, DnsClass cls = DnsClass::Secure) {
  TlsaInfo t;
  t.status = cls;
  t.base = "mx.example.test";
  for (auto [u, s, m] : recs) {
    TlsaRecord r{static_cast<std::uint8_t>(u), static_cast<std::uint8_t>(s),
                 static_cast<std::uint8_t>(m), std::vector<std::uint8_t>(32, 0xab), false};
    r.usable = (u == 2 || u == 3);
    if (r.usable) ++t.usable;
    t.records.push_back(r);
  }
  return t;
}

MxHostResult host(std::string name, std::vector<ProbeResult> addrs,
                  std::optional<TlsaInfo> t = std::nullopt, HostStatus st = HostStatus::Ok) {
  MxHostResult h;
  h.name = std::move(name);
  h.status = st;
  h.address_dnssec = DnsClass::Secure;
  h.tlsa = std::move(t);
  h.addresses = std::move(addrs);
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

}  // namespace

TEST_CASE("mail verdict from the MX answer", "[verdict]") {
  CHECK(decide_domain(domain(answer(DnsClass::Fail, DnsReason::ServFail), {})).mail ==
        MailVerdict::Error);
  CHECK(decide_domain(domain(answer(DnsClass::Fail, DnsReason::Bogus), {})).dnssec ==
        DnssecVerdict::Bogus);
  auto timeout = decide_domain(domain(answer(DnsClass::Fail, DnsReason::Timeout), {}));
  CHECK(timeout.mail == MailVerdict::Error);
  CHECK(timeout.dnssec == DnssecVerdict::NotApplicable);
  CHECK(decide_domain(domain(answer(DnsClass::Fail, DnsReason::ServFail), {})).dnssec ==
        DnssecVerdict::Error);
  auto nx = decide_domain(domain(answer(DnsClass::SecureNx, DnsReason::NxDomain), {}));
  CHECK(nx.mail == MailVerdict::NoMail);
  CHECK(nx.dnssec == DnssecVerdict::Secure);
  CHECK(nx.starttls == StarttlsVerdict::NotApplicable);
  CHECK(nx.dane == DaneVerdict::NotApplicable);
  CHECK(nx.dane_rollover == RolloverVerdict::NotApplicable);
  CHECK_FALSE(nx.protected_);
  // Null MX, even beside other records (RFC 7505; like Postfix).
  auto null_mx = decide_domain(
      domain(answer(DnsClass::Secure, DnsReason::Ok, {"0 .", "10 mx.example.test."}), {}));
  CHECK(null_mx.mail == MailVerdict::NullMx);
  CHECK(null_mx.dane == DaneVerdict::NotApplicable);
}

TEST_CASE("implicit MX: no address means no mail, otherwise the A/AAAA class counts", "[verdict]") {
  auto r = domain(answer(DnsClass::InsecureNx, DnsReason::NoData), {});
  r.implicit_mx = true;
  r.mx.push_back(host("example.test", {}, std::nullopt, HostStatus::NoAddress));
  CHECK(decide_domain(r).mail == MailVerdict::NoMail);

  auto s = domain(answer(DnsClass::SecureNx, DnsReason::NoData), {});
  s.implicit_mx = true;
  auto h = host("example.test", {probe(ProbeOutcome::StarttlsOk)});
  h.address_lookups = {answer(DnsClass::Secure, DnsReason::Ok, {"127.0.0.1"}),
                       answer(DnsClass::Insecure, DnsReason::NoData)};
  s.mx.push_back(h);
  auto v = decide_domain(s);
  CHECK(v.mail == MailVerdict::Receives);
  CHECK(v.dnssec == DnssecVerdict::Insecure);  // weakest of the A/AAAA answers
  CHECK(v.starttls == StarttlsVerdict::All);
}

TEST_CASE("starttls counts reached addresses only", "[verdict]") {
  using O = ProbeOutcome;
  struct Row {
    std::vector<ProbeOutcome> outcomes;
    StarttlsVerdict expected;
  };
  const std::vector<Row> rows = {
      {{O::StarttlsOk, O::StarttlsOk}, StarttlsVerdict::All},
      {{O::StarttlsOk, O::Timeout}, StarttlsVerdict::All},
      {{O::StarttlsOk, O::NoStarttls}, StarttlsVerdict::Partial},
      {{O::StarttlsOk, O::TlsFailed}, StarttlsVerdict::Partial},
      {{O::NoStarttls, O::StarttlsRefused}, StarttlsVerdict::None},
      {{O::SmtpPermError}, StarttlsVerdict::Unreachable},
      {{O::SmtpPermError, O::NoStarttls}, StarttlsVerdict::None},
      {{O::Refused, O::Timeout, O::SmtpTempError, O::Reset}, StarttlsVerdict::Unreachable},
      {{}, StarttlsVerdict::Unreachable},
  };
  for (const auto& row : rows) {
    std::vector<ProbeResult> ps;
    for (auto o : row.outcomes) ps.push_back(probe(o));
    auto v = decide_domain(domain(kSecureMx, {host("mx.example.test", ps)}));
    CAPTURE(row.outcomes.size(), to_string(row.expected));
    CHECK(v.starttls == row.expected);
  }
}

TEST_CASE("dane verdict in the order of measurement.md", "[verdict]") {
  using O = ProbeOutcome;
  using D = DaneCheck;
  const auto ok = probe(O::StarttlsOk, D::Authenticated);
  const auto t311 = tlsa({{3, 1, 1}});

  // valid: every host has usable TLSA and every reached address authenticated
  auto valid = decide_domain(domain(kSecureMx, {host("a", {ok}, t311), host("b", {ok}, t311)}));
  CHECK(valid.dane == DaneVerdict::Valid);
  CHECK(valid.protected_);
  CHECK(valid.dane_rollover == RolloverVerdict::No);

  // invalid: a reached address failed DANE (beats partial)
  CHECK(decide_domain(domain(kSecureMx,
                             {host("a", {probe(O::StarttlsOk, D::Failed)}, t311), host("b", {ok})}))
            .dane == DaneVerdict::Invalid);
  // invalid: usable TLSA but no STARTTLS, even if the probe left dane n/a
  CHECK(decide_domain(domain(kSecureMx, {host("a", {probe(O::NoStarttls)}, t311)})).dane ==
        DaneVerdict::Invalid);
  // invalid: TLSA lookup failed on one host
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, t311),
                                         host("b", {}, std::nullopt, HostStatus::TlsaError)}))
            .dane == DaneVerdict::Invalid);
  // none: no TLSA anywhere; a secure RRset of only usage-1 records counts as none
  CHECK(decide_domain(domain(kSecureMx, {host("a", {probe(O::StarttlsOk)})})).dane ==
        DaneVerdict::None);
  CHECK(decide_domain(domain(kSecureMx, {host("a", {probe(O::StarttlsOk)}, tlsa({{1, 1, 1}}))}))
            .dane == DaneVerdict::None);
  // an insecure TLSA RRset does not count
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, tlsa({{3, 1, 1}}, DnsClass::Insecure))}))
            .dane == DaneVerdict::None);
  // partial: one host without TLSA
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, t311), host("b", {probe(O::StarttlsOk)})}))
            .dane == DaneVerdict::Partial);
  // untested: a host with TLSA had no reachable address
  CHECK(decide_domain(
            domain(kSecureMx, {host("a", {ok}, t311), host("b", {probe(O::Timeout)}, t311)}))
            .dane == DaneVerdict::Untested);
  // insecure MX RRset: dane can be valid per host, but never protected
  auto insecure = decide_domain(domain(kInsecureMx, {host("a", {ok}, t311)}));
  CHECK(insecure.dane == DaneVerdict::Valid);
  CHECK(insecure.dnssec == DnssecVerdict::Insecure);
  CHECK_FALSE(insecure.protected_);
}

TEST_CASE("rollover: two usage-3 records, or usage 3 plus usage 2, on every TLSA host",
          "[verdict]") {
  const auto ok = probe(ProbeOutcome::StarttlsOk, DaneCheck::Authenticated);
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, tlsa({{3, 1, 1}, {3, 1, 1}}))}))
            .dane_rollover == RolloverVerdict::Yes);
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, tlsa({{3, 1, 1}, {2, 0, 1}}))}))
            .dane_rollover == RolloverVerdict::Yes);
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, tlsa({{2, 0, 1}, {2, 0, 1}}))}))
            .dane_rollover == RolloverVerdict::No);
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, tlsa({{3, 1, 1}, {1, 1, 1}}))}))
            .dane_rollover == RolloverVerdict::No);
  CHECK(decide_domain(domain(kSecureMx, {host("a", {ok}, tlsa({{3, 1, 1}, {3, 1, 2}})),
                                         host("b", {ok}, tlsa({{3, 1, 1}}))}))
            .dane_rollover == RolloverVerdict::No);
  CHECK(decide_domain(domain(kSecureMx, {host("a", {probe(ProbeOutcome::StarttlsOk)})}))
            .dane_rollover == RolloverVerdict::NotApplicable);
}
