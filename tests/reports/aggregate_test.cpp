// aggregate_test.cpp — the aggregation layer on hand-built DomainResults: causes of failure,
// counting, providers, changes and trends (definitions in aggregate.hpp).
#include <nulmeting/reports/aggregate.hpp>

#include <catch2/catch.hpp>

#include <functional>

using namespace nulmeting;
using namespace nulmeting::reports;

namespace {

ProbeResult probe(std::string ip, ProbeOutcome o, DaneCheck dane = DaneCheck::NotApplicable,
                  DaneFailReason why = DaneFailReason::None) {
  ProbeResult p;
  p.ip = std::move(ip);
  p.outcome = o;
  p.dane = dane;
  p.dane_reason = why;
  return p;
}

MxHostResult host(std::string name, std::vector<ProbeResult> addrs, bool tlsa = false,
                  HostStatus st = HostStatus::Ok) {
  MxHostResult h;
  h.name = std::move(name);
  h.status = st;
  h.address_dnssec = DnsClass::Secure;
  if (tlsa) {
    h.tlsa = TlsaInfo{};
    h.tlsa->status = DnsClass::Secure;
    h.tlsa->base = h.name;
    // usability is decided from the records themselves (verdict::tlsa_usable), not the count
    h.tlsa->records.push_back(TlsaRecord{3, 1, 1, std::vector<std::uint8_t>(32, 0xab), true});
    h.tlsa->usable = 1;
  }
  h.addresses = std::move(addrs);
  return h;
}

DomainResult domain(std::string name, Sector s, DomainVerdict v, std::vector<MxHostResult> mx) {
  DomainResult r;
  r.entry.domain = name;
  r.entry.display = name;
  r.entry.organization = "Org " + name;
  r.entry.sector = s;
  r.verdict = v;
  r.mx_lookup.qname = name;
  r.mx = std::move(mx);
  return r;
}

DomainVerdict verdict(StarttlsVerdict st, DaneVerdict d, DnssecVerdict ds = DnssecVerdict::Secure) {
  DomainVerdict v;
  v.mail = MailVerdict::Receives;
  v.dnssec = ds;
  v.starttls = st;
  v.dane = d;
  v.dane_rollover = RolloverVerdict::No;
  v.protected_ = ds == DnssecVerdict::Secure && d == DaneVerdict::Valid;
  return v;
}

}  // namespace

TEST_CASE("cause of failure: first matching definition wins", "[aggregate]") {
  using S = StarttlsVerdict;
  using D = DaneVerdict;
  auto ok = [](std::string ip) { return probe(std::move(ip), ProbeOutcome::StarttlsOk); };

  auto unreach = domain("u.nl", Sector::Rijk, verdict(S::Unreachable, D::None),
                        {host("mx.u.nl", {probe("192.0.2.1", ProbeOutcome::Timeout)})});
  CHECK(cause_of(unreach) == Cause::Unreachable);
  CHECK(reason_of(unreach, Cause::Unreachable) == "mx.u.nl [192.0.2.1]: timeout");

  auto nost = domain("n.nl", Sector::Rijk, verdict(S::Partial, D::None),
                     {host("mx1.n.nl", {ok("192.0.2.2")}),
                      host("mx2.n.nl", {probe("192.0.2.3", ProbeOutcome::NoStarttls)})});
  CHECK(cause_of(nost) == Cause::NoStarttls);
  CHECK(reason_of(nost, Cause::NoStarttls) == "mx2.n.nl [192.0.2.3]: no_starttls");

  auto tls = domain("t.nl", Sector::Rijk, verdict(S::None, D::None),
                    {host("mx.t.nl", {probe("192.0.2.4", ProbeOutcome::TlsFailed)})});
  CHECK(cause_of(tls) == Cause::TlsFailure);
  // A refusal beside a TLS failure: the more basic cause is named.
  auto both = domain("b.nl", Sector::Rijk, verdict(S::None, D::None),
                     {host("mx.b.nl", {probe("192.0.2.5", ProbeOutcome::TlsFailed),
                                       probe("192.0.2.6", ProbeOutcome::StarttlsRefused)})});
  CHECK(cause_of(both) == Cause::NoStarttls);

  auto lookup = domain("l.nl", Sector::Rijk, verdict(S::All, D::Invalid),
                       {host("mx.l.nl", {ok("192.0.2.7")}, false, HostStatus::TlsaError)});
  CHECK(cause_of(lookup) == Cause::TlsaLookupFailure);
  // A host whose TLSA lookup failed is never probed: the lookup failure, not "unreachable".
  auto lookup_only = domain("lo.nl", Sector::Rijk, verdict(S::Unreachable, D::Invalid),
                            {host("mx.lo.nl", {}, false, HostStatus::TlsaError)});
  CHECK(cause_of(lookup_only) == Cause::TlsaLookupFailure);
  CHECK(reason_of(lookup_only, Cause::TlsaLookupFailure) == "mx.lo.nl: TLSA lookup fail");

  auto mismatch = domain("m.nl", Sector::Rijk, verdict(S::All, D::Invalid),
                         {host("mx.m.nl",
                               {probe("192.0.2.8", ProbeOutcome::StarttlsOk, DaneCheck::Failed,
                                      DaneFailReason::NoMatch)},
                               true)});
  CHECK(cause_of(mismatch) == Cause::TlsaMismatch);
  CHECK(reason_of(mismatch, Cause::TlsaMismatch) == "mx.m.nl [192.0.2.8]: DANE no_match");

  auto insecure = domain(
      "i.nl", Sector::Rijk, verdict(S::All, D::Valid, DnssecVerdict::Insecure),
      {host("mx.i.nl", {probe("192.0.2.9", ProbeOutcome::StarttlsOk, DaneCheck::Authenticated)},
            true)});
  CHECK(cause_of(insecure) == Cause::InsecureZone);

  auto notlsa =
      domain("x.nl", Sector::Rijk, verdict(S::All, D::None), {host("mx.x.nl", {ok("192.0.2.10")})});
  CHECK(cause_of(notlsa) == Cause::NoTlsa);

  auto untested = domain("y.nl", Sector::Rijk, verdict(S::All, D::Untested),
                         {host("mx.y.nl", {ok("192.0.2.11")}, true)});
  CHECK(cause_of(untested) == Cause::Other);

  auto prot = domain(
      "p.nl", Sector::Rijk, verdict(S::All, D::Valid),
      {host("mx.p.nl", {probe("192.0.2.12", ProbeOutcome::StarttlsOk, DaneCheck::Authenticated)},
            true)});
  CHECK_FALSE(cause_of(prot));
  DomainResult nullmx = domain("z.nl", Sector::Rijk, {}, {});
  nullmx.verdict.mail = MailVerdict::NullMx;
  CHECK_FALSE(cause_of(nullmx));
  CHECK(reason_of(nullmx, std::nullopt) == "null MX (RFC 7505)");
}

TEST_CASE("counts: §5 shares and the mail-agreements figure (docs/decisions/reports.md)",
          "[aggregate]") {
  auto meets = [] {
    DomainVerdict v = verdict(StarttlsVerdict::All, DaneVerdict::Valid);
    v.tls_quality = TlsQuality::PhaseOut;  // phase_out is not insufficient: it still counts
    v.spf = SpfVerdict::Valid;
    v.spf_policy = SpfPolicy::Soft;
    v.dmarc = DmarcVerdict::Valid;
    v.dmarc_policy = DmarcPolicy::Quarantine;
    v.dkim = DkimVerdict::Present;
    v.tls_rpt = TlsRptVerdict::Valid;
    return v;
  };
  {
    Counts c;
    count_verdict(c, meets(), true);
    CHECK(c.agreements == 1);
    CHECK(c.standards_base == 1);
    CHECK(c.spf_strict == 0);  // soft is not strict
    CHECK(c.dmarc_enforced == 1);
    CHECK(c.dkim_present == 1);
    CHECK(c.tls_rpt_valid == 1);
  }
  // each condition of the rule on its own keeps a domain out of the figure
  const std::vector<std::function<void(DomainVerdict&)>> breaks{
      [](DomainVerdict& v) { v.starttls = StarttlsVerdict::Partial; },
      [](DomainVerdict& v) { v.tls_quality = TlsQuality::Insufficient; },
      [](DomainVerdict& v) { v.tls_quality = TlsQuality::Incomplete; },
      [](DomainVerdict& v) { v.dane = DaneVerdict::Partial; },
      [](DomainVerdict& v) { v.spf_policy = SpfPolicy::Open; },
      [](DomainVerdict& v) { v.spf = SpfVerdict::Invalid; },
      [](DomainVerdict& v) { v.dmarc_policy = DmarcPolicy::None; },
      [](DomainVerdict& v) { v.dmarc = DmarcVerdict::None; },
  };
  for (std::size_t i = 0; i < breaks.size(); ++i) {
    Counts c;
    DomainVerdict v = meets();
    breaks[i](v);
    count_verdict(c, v, true);
    INFO("break " << i);
    CHECK(c.agreements == 0);
  }
  // not measured (a run from before schema 6): no §5 counts at all
  Counts old;
  count_verdict(old, meets(), false);
  CHECK(old.standards_base == 0);
  CHECK(old.agreements == 0);
  CHECK(old.dkim_present == 0);
  // a null-MX domain has SPF/DMARC/DKIM shares but is outside the agreements figure
  Counts nm;
  DomainVerdict n = meets();
  n.mail = MailVerdict::NullMx;
  n.spf_policy = SpfPolicy::Strict;
  count_verdict(nm, n, true);
  CHECK(nm.standards_base == 1);
  CHECK(nm.spf_strict == 1);
  CHECK(nm.agreements == 0);
  CHECK(nm.tls_rpt_valid == 0);
}

TEST_CASE("counts: every domain lands in exactly one column of each group", "[aggregate]") {
  Counts c;
  DomainVerdict v;
  v.mail = MailVerdict::Error;
  count_verdict(c, v, false);
  v.mail = MailVerdict::NullMx;
  count_verdict(c, v, false);
  count_verdict(c, verdict(StarttlsVerdict::All, DaneVerdict::Valid), false);
  count_verdict(
      c, verdict(StarttlsVerdict::Partial, DaneVerdict::Untested, DnssecVerdict::Insecure), false);
  CHECK(c.domains == 4);
  CHECK(c.mail_error == 1);
  CHECK(c.null_mx == 1);
  CHECK(c.receives == 2);
  CHECK(c.starttls_all + c.starttls_partial + c.starttls_none + c.unreachable == c.receives);
  CHECK(c.dane_valid + c.dane_invalid + c.dane_partial + c.dane_untested + c.dane_none ==
        c.receives);
  CHECK(c.dnssec_secure == 1);
  CHECK(c.protected_ == 1);
  CHECK(percent(1, 3) == 33.3);
  CHECK(percent(2, 3) == 66.7);
  CHECK(percent(5, 0) == 0.0);
}

TEST_CASE("build_model: sectors, causes, providers, changes and trends", "[aggregate]") {
  using S = StarttlsVerdict;
  using D = DaneVerdict;
  auto auth = [](std::string ip) {
    return probe(std::move(ip), ProbeOutcome::StarttlsOk, DaneCheck::Authenticated);
  };
  // Two domains behind one provider host with DANE; one with its own host without TLSA.
  const auto shared = host("mx1.provider.nl", {auth("192.0.2.20")}, true);
  AggregateInput in;
  in.run = {5, "2026-11-01T02:00:00Z", "2026-11-01T03:00:00Z", "finished", "nightly"};
  in.results = {
      domain("a.nl", Sector::Gemeente, verdict(S::All, D::Valid), {shared}),
      domain("b.nl", Sector::Gemeente, verdict(S::All, D::Valid), {shared}),
      domain("c.nl", Sector::Rijk, verdict(S::All, D::None),
             {host("mail.c.nl", {probe("192.0.2.30", ProbeOutcome::StarttlsOk)})}),
      domain("new.nl", Sector::Overig, verdict(S::None, D::None),
             {host("mail.new.nl", {probe("192.0.2.40", ProbeOutcome::NoStarttls)})}),
  };
  RunSummary before{{4, "2026-10-01T02:00:00Z", "", "finished", ""}, {}};
  auto summary = [](const DomainResult& r, DomainVerdict v) { return DomainSummary{r.entry, v}; };
  before.domains = {summary(in.results[0], verdict(S::All, D::None)),   // improved
                    summary(in.results[1], verdict(S::All, D::Valid)),  // same
                    summary(in.results[2], verdict(S::All, D::Valid)),  // regressed
                    DomainSummary{{"gone.nl", "gone.nl", "Gone", Sector::Rijk, {}, 0},
                                  verdict(S::All, D::None)}};  // removed
  in.compare = before;
  RunSummary now{in.run, {}};
  for (const auto& r : in.results) now.domains.push_back(summary(r, r.verdict));
  in.history = {now, before};  // any order
  const ReportModel m = build_model(in);

  REQUIRE(m.sectors.size() == 6);
  CHECK(m.total().domains == 4);
  CHECK(m.total().protected_ == 2);
  CHECK(m.sectors[2].counts.domains == 2);  // gemeente
  REQUIRE(m.causes.size() == 6);
  CHECK(m.causes.back().not_protected == 2);
  CHECK(m.causes.back().counts[static_cast<std::size_t>(Cause::NoTlsa)] == 1);
  CHECK(m.causes.back().counts[static_cast<std::size_t>(Cause::NoStarttls)] == 1);

  REQUIRE_FALSE(m.providers.empty());
  CHECK(m.providers[0].provider == "provider.nl");
  CHECK(m.providers[0].domains == 2);
  CHECK(m.providers[0].protected_domains == 2);
  CHECK(m.providers[0].dane == ProviderDane::Valid);
  CHECK(m.providers[0].domains_per_sector[2] == 2);
  CHECK(m.providers[1].dane == ProviderDane::None);

  REQUIRE(m.changes.size() == 4);
  CHECK(m.changes[0].kind == ChangeKind::Improved);
  CHECK(m.changes[0].domain == "a.nl");
  CHECK(m.changes[1].kind == ChangeKind::Regressed);
  CHECK(m.changes[1].domain == "c.nl");
  CHECK(m.changes[2].kind == ChangeKind::Added);
  CHECK(m.changes[2].domain == "new.nl");
  CHECK(m.changes[3].kind == ChangeKind::Removed);
  CHECK(m.changes[3].domain == "gone.nl");

  REQUIRE(m.trend.size() == 2);
  CHECK(m.trend[0].run.id == 4);
  CHECK(m.trend[1].run.id == 5);
  CHECK(m.trend[1].total.protected_ == m.total().protected_);

  // Domain rows: sorted by sector, organisation, domain; cause and reason set.
  REQUIRE(m.domains.size() == 4);
  CHECK(m.domains[0].domain == "c.nl");  // rijk first
  CHECK(m.domains[0].cause == Cause::NoTlsa);
  CHECK(m.domains[0].reason == "mail.c.nl: address secure, no TLSA lookup");
}
