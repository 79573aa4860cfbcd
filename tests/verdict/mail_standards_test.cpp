// Table tests of measurement.md §5 for spf, spf_policy, dmarc, dmarc_policy, dkim and tls_rpt
// (nulmeting/verdict/mail_standards.hpp): the SPF grammar row by row, the evaluation over a
// scripted zone (every limit of RFC 7208 §4.6.4), DMARC p=/sp=/pct and the org-domain fallback,
// DKIM's NXDOMAIN vs empty non-terminal, TLS-RPT URIs, and n/a without mail.
#include <nulmeting/verdict/domain.hpp>
#include <nulmeting/verdict/mail_standards.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <tuple>

using namespace nulmeting;
using namespace nulmeting::verdict;

namespace {

DnsAnswer txt(std::string qname, std::vector<std::string> records, std::uint16_t qtype = 16,
              DnsClass cls = DnsClass::Insecure) {
  DnsAnswer a;
  a.qname = std::move(qname);
  a.qtype = qtype;
  a.cls = cls;
  a.reason = DnsReason::Ok;
  a.rcode = 0;
  a.records = std::move(records);
  if (a.records.empty() && cls == DnsClass::Insecure) {
    a.cls = DnsClass::InsecureNx;
    a.reason = DnsReason::NoData;
  }
  a.canonical_name = a.qname;
  return a;
}
DnsAnswer nx(std::string qname, std::uint16_t qtype = 16) {
  DnsAnswer a = txt(std::move(qname), {}, qtype);
  a.reason = DnsReason::NxDomain;
  a.rcode = 3;
  return a;
}
DnsAnswer servfail(std::string qname, std::uint16_t qtype = 16) {
  DnsAnswer a = txt(std::move(qname), {}, qtype);
  a.cls = DnsClass::Fail;
  a.reason = DnsReason::ServFail;
  a.rcode = 2;
  return a;
}

// A scripted zone: (name, qtype) → answer; anything else is NXDOMAIN.
struct Zone {
  std::map<std::pair<std::string, std::uint16_t>, DnsAnswer> answers;
  void txt_at(const std::string& name, std::vector<std::string> recs) {
    answers[{name, 16}] = txt(name, std::move(recs));
  }
  void set(const DnsAnswer& a) { answers[{a.qname, a.qtype}] = a; }
  DnsAnswer ask(const SpfQuestion& q) const {
    auto it = answers.find({q.name, q.qtype});
    return it != answers.end() ? it->second : nx(q.name, q.qtype);
  }
};

struct Run {
  SpfResult result;
  std::string reason;
  int terms, voids;
  std::vector<DnsAnswer> lookups;
};
Run evaluate(const Zone& z, const std::string& domain) {
  SpfEvaluation ev(domain);
  Run r{};
  DnsAnswer first = z.ask(*ev.question());
  ev.answer(first);
  int guard = 0;
  while (!ev.done() && ++guard < 100) {
    DnsAnswer a = z.ask(*ev.question());
    r.lookups.push_back(a);
    ev.answer(a);
  }
  REQUIRE(ev.done());
  r.result = ev.result();
  r.reason = ev.reason();
  r.terms = ev.dns_terms();
  r.voids = ev.void_lookups();
  // The recorded answers replay to the same outcome (what finalize() does with stored evidence).
  const SpfEvaluation again = replay_spf(domain, first, r.lookups);
  CHECK(again.result() == r.result);
  CHECK(again.dns_terms() == r.terms);
  return r;
}

}  // namespace

TEST_CASE("SPF record grammar (RFC 7208 §4.5, §12)", "[verdict][spf]") {
  const std::vector<std::pair<std::string, bool>> rows = {
      {"v=spf1", true},
      {"v=spf1 -all", true},
      {"V=SPF1 -ALL", true},
      {"v=spf1   ~all  ", true},
      {"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.7 ip6:2001:db8::/32 -all", true},
      {"v=spf1 a mx a:mail.example.nl mx:example.nl/24 a//64 a/24//64 -all", true},
      {"v=spf1 include:_spf.example.nl ?all", true},
      {"v=spf1 exists:%{i}._spf.%{d} -all", true},
      {"v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all", true},
      {"v=spf1 ptr ptr:example.nl -all", true},
      {"v=spf1 redirect=_spf.example.nl", true},
      {"v=spf1 -all exp=explain.example.nl", true},
      {"v=spf1 -all foo=bar", true},
      {"v=spf1 include:example.nl.", true},
      {"v=spf10 -all", false},  // not an SPF record at all
      {"v=spf1 -all -all2", false},
      {"v=spf1 all:x", false},
      {"v=spf1 include", false},
      {"v=spf1 include:", false},
      {"v=spf1 include:example", false},  // domain-end needs a dot and a top label
      {"v=spf1 include:example.123", false},
      {"v=spf1 ip4:192.0.2.300", false},
      {"v=spf1 ip4:192.0.2.0/33", false},
      {"v=spf1 ip4:192.0.2.0/024", false},
      {"v=spf1 ip6:2001:db8::/129", false},
      {"v=spf1 ip6:192.0.2.1", false},
      {"v=spf1 a/33", false},
      {"v=spf1 mx//129", false},
      {"v=spf1 exists:%{x}.example.nl", false},
      {"v=spf1 exists:%{i.example.nl", false},
      {"v=spf1 include:ex%ample.nl", false},
      {"v=spf1 redirect=a.example.nl redirect=b.example.nl", false},
      {"v=spf1 exp=a.example.nl exp=b.example.nl -all", false},
      {"v=spf1 *all", false},
      {"v=spf1\t-all", false},  // only SP separates terms
  };
  for (const auto& [record, ok] : rows) {
    INFO(record);
    const SpfParse p = parse_spf(record);
    CHECK(p.record.has_value() == ok);
    if (!ok && is_spf_record(record)) CHECK_FALSE(p.error.empty());
  }
  CHECK(is_spf_record("v=spf1"));
  CHECK(is_spf_record("v=SPF1 -all"));
  CHECK_FALSE(is_spf_record("v=spf10"));
  CHECK_FALSE(is_spf_record(" v=spf1 -all"));

  const SpfParse p = parse_spf("v=spf1 redirect=r.example.nl ~mx:m.example.nl/24 -all");
  REQUIRE(p.record);
  REQUIRE(p.record->terms.size() == 3);
  CHECK(p.record->terms[0].kind == SpfTermKind::Mx);
  CHECK(p.record->terms[0].qualifier == SpfQualifier::SoftFail);
  CHECK(p.record->terms[0].domain_spec == "m.example.nl");
  CHECK(p.record->terms[1].kind == SpfTermKind::All);
  CHECK(p.record->terms[2].kind == SpfTermKind::Redirect);
  CHECK(p.record->redirect == 2u);
}

TEST_CASE("SPF evaluation: the policy the record ends in, as evaluation would", "[verdict][spf]") {
  Zone z;
  z.txt_at("d.test", {"v=spf1 include:a.test -all"});
  z.txt_at("a.test", {"v=spf1 ip4:192.0.2.1 -all"});
  Run r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::Fail);
  CHECK(r.terms == 1);

  // An include whose record passes everything makes the including record match (open).
  z.txt_at("d.test", {"v=spf1 include:open.test -all"});
  z.txt_at("open.test", {"v=spf1 +all"});
  CHECK(evaluate(z, "d.test").result == SpfResult::Pass);
  z.txt_at("d.test", {"v=spf1 -include:open.test ~all"});
  CHECK(evaluate(z, "d.test").result == SpfResult::Fail);

  // redirect: the target's result is the record's result; `all` beats redirect.
  z.txt_at("d.test", {"v=spf1 ip4:192.0.2.1 redirect=r.test"});
  z.txt_at("r.test", {"v=spf1 ~all"});
  r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::SoftFail);
  CHECK(r.terms == 1);
  z.txt_at("d.test", {"v=spf1 -all redirect=r.test"});
  CHECK(evaluate(z, "d.test").result == SpfResult::Fail);
  // No all and no redirect: neutral (open).
  z.txt_at("d.test", {"v=spf1 ip4:192.0.2.1"});
  CHECK(evaluate(z, "d.test").result == SpfResult::Neutral);
  // An include inside a redirect target.
  z.txt_at("d.test", {"v=spf1 redirect=r2.test"});
  z.txt_at("r2.test", {"v=spf1 include:a.test ?all"});
  r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::Neutral);
  CHECK(r.terms == 2);
}

TEST_CASE("SPF evaluation: none, duplicates, errors and the limits", "[verdict][spf]") {
  Zone z;
  // No record; a TXT that is not SPF.
  z.txt_at("d.test", {"google-site-verification=x"});
  CHECK(evaluate(z, "d.test").result == SpfResult::None);
  CHECK(evaluate(z, "nothing.test").result == SpfResult::None);
  // Two SPF records.
  z.txt_at("d.test", {"v=spf1 -all", "v=spf1 ~all"});
  CHECK(evaluate(z, "d.test").result == SpfResult::PermError);
  // Syntax error.
  z.txt_at("d.test", {"v=spf1 include -all"});
  CHECK(evaluate(z, "d.test").result == SpfResult::PermError);
  // DNS failure at D, and at an include.
  z.set(servfail("d.test"));
  CHECK(evaluate(z, "d.test").result == SpfResult::TempError);
  z.txt_at("d.test", {"v=spf1 include:broken.test -all"});
  z.set(servfail("broken.test"));
  CHECK(evaluate(z, "d.test").result == SpfResult::TempError);
  // An include without an SPF record.
  z.txt_at("d.test", {"v=spf1 include:gone.test -all"});
  CHECK(evaluate(z, "d.test").result == SpfResult::PermError);

  // 10 DNS-querying terms pass, 11 do not (include, a, mx, ptr, exists, redirect all count).
  z.txt_at("mx.test", {"v=spf1 a mx ptr exists:x.mx.test -all"});
  z.set(txt("mx.test", {"192.0.2.1"}, 1));
  z.set(txt("mx.test", {"10 mx.test."}, 15));
  z.set(txt("x.mx.test", {"127.0.0.2"}, 1));
  z.txt_at("d.test", {"v=spf1 include:mx.test include:mx.test a:mx.test -all"});  // 2*5 + 1
  Run r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::PermError);
  CHECK(r.terms == 11);
  z.txt_at("d.test",
           {"v=spf1 include:mx.test a:mx.test a:mx.test a:mx.test a:mx.test -all"});  // 5+4=9
  r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::Fail);
  CHECK(r.terms == 9);
  z.txt_at("d.test",
           {"v=spf1 include:mx.test a:mx.test a:mx.test a:mx.test a:mx.test redirect=r.test"});
  z.txt_at("r.test", {"v=spf1 -all"});
  r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::Fail);
  CHECK(r.terms == 10);

  // Void lookups: two pass, the third is permerror.
  z.txt_at("d.test", {"v=spf1 a:void1.test mx:void2.test -all"});
  r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::Fail);
  CHECK(r.voids == 2);
  z.txt_at("d.test", {"v=spf1 a:void1.test mx:void2.test exists:void3.test -all"});
  r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::PermError);
  CHECK(r.reason.find("void") != std::string::npos);

  // An include loop ends at the term limit.
  z.txt_at("loop1.test", {"v=spf1 include:loop2.test -all"});
  z.txt_at("loop2.test", {"v=spf1 include:loop1.test -all"});
  r = evaluate(z, "loop1.test");
  CHECK(r.result == SpfResult::PermError);
  CHECK(r.terms == 11);

  // A macro term is counted but not looked up.
  z.txt_at("d.test", {"v=spf1 exists:%{i}.x.test ~all"});
  r = evaluate(z, "d.test");
  CHECK(r.result == SpfResult::SoftFail);
  CHECK(r.terms == 1);
  CHECK(r.lookups.empty());
}

TEST_CASE("spf and spf_policy verdicts", "[verdict][spf]") {
  const auto decide = [](std::vector<std::string> recs, DnsClass cls = DnsClass::Insecure) {
    MailStandardsEvidence ev;
    ev.measured = true;
    ev.spf_txt = cls == DnsClass::Fail ? servfail("d.test") : txt("d.test", std::move(recs));
    return decide_spf(ev, "d.test");
  };
  using V = SpfVerdict;
  using P = SpfPolicy;
  const std::vector<std::tuple<std::vector<std::string>, V, P>> rows = {
      {{"v=spf1 -all"}, V::Valid, P::Strict},
      {{"v=spf1 ~all"}, V::Valid, P::Soft},
      {{"v=spf1 ?all"}, V::Valid, P::Open},
      {{"v=spf1 +all"}, V::Valid, P::Open},
      {{"v=spf1 ip4:192.0.2.1"}, V::Valid, P::Open},
      {{}, V::None, P::NotApplicable},
      {{"v=spf1 -all", "v=spf1 -all"}, V::Invalid, P::NotApplicable},
      {{"v=spf1 -al"}, V::Invalid, P::NotApplicable},
  };
  for (const auto& [recs, v, p] : rows) {
    INFO((recs.empty() ? std::string("(none)") : recs.front()));
    const SpfDecision d = decide(recs);
    CHECK(d.verdict == v);
    CHECK(d.policy == p);
  }
  CHECK(decide({}, DnsClass::Fail).verdict == V::Error);
  // Missing recorded answers: error, never a guess.
  MailStandardsEvidence ev;
  ev.spf_txt = txt("d.test", {"v=spf1 include:a.test -all"});
  CHECK(decide_spf(ev, "d.test").verdict == V::Error);
}

TEST_CASE("DMARC record: p=, sp=, pct", "[verdict][dmarc]") {
  CHECK(is_dmarc_record("v=DMARC1; p=none"));
  CHECK(is_dmarc_record("v = DMARC1;p=reject"));
  CHECK_FALSE(is_dmarc_record("v=dmarc1; p=none"));
  CHECK_FALSE(is_dmarc_record("v=DMARC10; p=none"));
  CHECK_FALSE(is_dmarc_record("p=none; v=DMARC1"));
  const std::vector<std::tuple<std::string, bool, DmarcPolicy, int>> rows = {
      {"v=DMARC1; p=reject", true, DmarcPolicy::Reject, 100},
      {"v=DMARC1; p=Quarantine; pct=50", true, DmarcPolicy::Quarantine, 50},
      {"v=DMARC1;p=none;rua=mailto:d@example.nl", true, DmarcPolicy::None, 100},
      {"v=DMARC1; p=reject; pct=0", true, DmarcPolicy::Reject, 0},
      {"v=DMARC1; p=reject;", true, DmarcPolicy::Reject, 100},
      {"v=DMARC1", false, DmarcPolicy::NotApplicable, 100},
      {"v=DMARC1; rua=mailto:d@example.nl", false, DmarcPolicy::NotApplicable, 100},
      {"v=DMARC1; p=block", false, DmarcPolicy::NotApplicable, 100},
      {"v=DMARC1; p=reject; pct=101", false, DmarcPolicy::NotApplicable, 100},
      {"v=DMARC1; p=reject; pct=x", false, DmarcPolicy::NotApplicable, 100},
      {"v=DMARC1; p=reject; sp=maybe", false, DmarcPolicy::NotApplicable, 100},
  };
  for (const auto& [rec, ok, p, pct] : rows) {
    INFO(rec);
    const DmarcParse d = parse_dmarc(rec);
    REQUIRE(d.record.has_value() == ok);
    if (!ok) continue;
    CHECK(d.record->p == p);
    CHECK(d.record->pct == pct);
  }
  const DmarcParse sp = parse_dmarc("v=DMARC1; p=reject; sp=none");
  REQUIRE(sp.record);
  CHECK(sp.record->sp == DmarcPolicy::None);
}

TEST_CASE("organisational domain from the Public Suffix List", "[verdict][dmarc]") {
  CHECK(organizational_domain("mail.rijksoverheid.nl") == "rijksoverheid.nl");
  CHECK(organizational_domain("rijksoverheid.nl") == "rijksoverheid.nl");
  CHECK(organizational_domain("A.B.Example.co.uk.") == "example.co.uk");
  CHECK(organizational_domain("a.b.test") == "b.test");  // `*` rule for an unknown TLD
  CHECK(organizational_domain("nl") == "nl");
  CHECK(dmarc_org_question("sub.gemeente.nl", nx("_dmarc.sub.gemeente.nl")) ==
        std::optional<std::string>("_dmarc.gemeente.nl"));
  CHECK_FALSE(dmarc_org_question("gemeente.nl", nx("_dmarc.gemeente.nl")));
  CHECK_FALSE(dmarc_org_question("sub.gemeente.nl", servfail("_dmarc.sub.gemeente.nl")));
  CHECK_FALSE(
      dmarc_org_question("sub.gemeente.nl", txt("_dmarc.sub.gemeente.nl", {"v=DMARC1; p=none"})));
  // A TXT that is no DMARC record is no record: ask the org domain.
  CHECK(dmarc_org_question("sub.gemeente.nl", txt("_dmarc.sub.gemeente.nl", {"hello"})));
}

TEST_CASE("dmarc and dmarc_policy verdicts", "[verdict][dmarc]") {
  MailStandardsEvidence ev;
  ev.measured = true;
  ev.dmarc_txt = txt("_dmarc.sub.d.test", {"v=DMARC1; p=quarantine; pct=20"});
  DmarcDecision d = decide_dmarc(ev);
  CHECK(d.verdict == DmarcVerdict::Valid);
  CHECK(d.policy == DmarcPolicy::Quarantine);
  CHECK(ev.dmarc_pct == 20);
  CHECK_FALSE(ev.dmarc_from_org);

  // From the org domain: sp= applies.
  ev.dmarc_txt = nx("_dmarc.sub.d.test");
  ev.dmarc_org_txt = txt("_dmarc.d.test", {"v=DMARC1; p=reject; sp=none; rua=mailto:x@d.test"});
  d = decide_dmarc(ev);
  CHECK(d.verdict == DmarcVerdict::Valid);
  CHECK(d.policy == DmarcPolicy::None);
  CHECK(ev.dmarc_from_org);
  CHECK(ev.dmarc_sp == "none");
  CHECK(ev.dmarc_rua == "mailto:x@d.test");
  // ... and without sp=, p= applies.
  ev.dmarc_org_txt = txt("_dmarc.d.test", {"v=DMARC1; p=reject"});
  CHECK(decide_dmarc(ev).policy == DmarcPolicy::Reject);
  // At D itself sp= does not apply.
  ev.dmarc_txt = txt("_dmarc.sub.d.test", {"v=DMARC1; p=reject; sp=none"});
  CHECK(decide_dmarc(ev).policy == DmarcPolicy::Reject);

  ev.dmarc_txt = txt("_dmarc.sub.d.test", {"v=DMARC1; p=reject", "v=DMARC1; p=none"});
  d = decide_dmarc(ev);
  CHECK(d.verdict == DmarcVerdict::Invalid);
  CHECK(d.policy == DmarcPolicy::NotApplicable);
  ev.dmarc_txt = txt("_dmarc.sub.d.test", {"v=DMARC1; p=nonsense"});
  CHECK(decide_dmarc(ev).verdict == DmarcVerdict::Invalid);
  ev.dmarc_txt = nx("_dmarc.sub.d.test");
  ev.dmarc_org_txt = nx("_dmarc.d.test");
  CHECK(decide_dmarc(ev).verdict == DmarcVerdict::None);
  ev.dmarc_org_txt.reset();
  CHECK(decide_dmarc(ev).verdict == DmarcVerdict::None);
  ev.dmarc_txt = servfail("_dmarc.sub.d.test");
  CHECK(decide_dmarc(ev).verdict == DmarcVerdict::Error);
  ev.dmarc_txt = nx("_dmarc.sub.d.test");
  ev.dmarc_org_txt = servfail("_dmarc.d.test");
  CHECK(decide_dmarc(ev).verdict == DmarcVerdict::Error);
}

TEST_CASE("dkim: NXDOMAIN is absent, NOERROR (data or empty non-terminal) present",
          "[verdict][dkim]") {
  MailStandardsEvidence ev;
  ev.dkim = txt("_domainkey.d.test", {});  // NODATA: an empty non-terminal
  CHECK(decide_dkim(ev) == DkimVerdict::Present);
  ev.dkim = txt("_domainkey.d.test", {"o=~"});
  CHECK(decide_dkim(ev) == DkimVerdict::Present);
  ev.dkim = nx("_domainkey.d.test");
  CHECK(decide_dkim(ev) == DkimVerdict::Absent);
  ev.dkim.cls = DnsClass::SecureNx;
  CHECK(decide_dkim(ev) == DkimVerdict::Absent);
  ev.dkim = servfail("_domainkey.d.test");
  CHECK(decide_dkim(ev) == DkimVerdict::Error);
}

TEST_CASE("tls_rpt: exactly one v=TLSRPTv1 with mailto:/https: rua", "[verdict][tlsrpt]") {
  const std::vector<std::pair<std::string, bool>> rows = {
      {"v=TLSRPTv1; rua=mailto:tlsrpt@example.nl", true},
      {"v=TLSRPTv1;rua=https://report.example.nl/tlsrpt", true},
      {"v=TLSRPTv1; rua=mailto:a@example.nl,https://r.example.nl/x;", true},
      {"v=TLSRPTv1; rua=mailto:a@example.nl; ext=1", true},
      {"v=TLSRPTv1", false},
      {"v=TLSRPTv1; rua=http://r.example.nl/x", false},
      {"v=TLSRPTv1; rua=mailto:example.nl", false},
      {"v=TLSRPTv1; rua=ftp://r.example.nl", false},
      {"v=TLSRPTv1; rua=https://", false},
      {"v=TLSRPTv1; rua=", false},
      {"v=TLSRPTv1; rua=mailto:a@example.nl; rua=mailto:b@example.nl", false},
  };
  for (const auto& [rec, ok] : rows) {
    INFO(rec);
    CHECK(tls_rpt_error(rec).empty() == ok);
  }
  MailStandardsEvidence ev;
  ev.tls_rpt_txt = txt("_smtp._tls.d.test", {"v=TLSRPTv1; rua=mailto:a@d.test"});
  CHECK(decide_tls_rpt(ev, MailVerdict::Receives) == TlsRptVerdict::Valid);
  CHECK(decide_tls_rpt(ev, MailVerdict::NullMx) == TlsRptVerdict::NotApplicable);
  CHECK(decide_tls_rpt(ev, MailVerdict::NoMail) == TlsRptVerdict::NotApplicable);
  CHECK(decide_tls_rpt(ev, MailVerdict::Error) == TlsRptVerdict::NotApplicable);
  ev.tls_rpt_txt = txt("_smtp._tls.d.test",
                       {"v=TLSRPTv1; rua=mailto:a@d.test", "v=TLSRPTv1; rua=mailto:b@d.test"});
  CHECK(decide_tls_rpt(ev, MailVerdict::Receives) == TlsRptVerdict::Invalid);
  ev.tls_rpt_txt = txt("_smtp._tls.d.test", {"v=TLSRPTv1; rua=gopher://x"});
  CHECK(decide_tls_rpt(ev, MailVerdict::Receives) == TlsRptVerdict::Invalid);
  ev.tls_rpt_txt = nx("_smtp._tls.d.test");
  CHECK(decide_tls_rpt(ev, MailVerdict::Receives) == TlsRptVerdict::None);
  ev.tls_rpt_txt = servfail("_smtp._tls.d.test");
  CHECK(decide_tls_rpt(ev, MailVerdict::Receives) == TlsRptVerdict::Error);
}

TEST_CASE("decide_domain gives the §5 verdicts; null MX still has spf, dmarc, dkim",
          "[verdict][mailstd]") {
  DomainResult r;
  r.entry.domain = "d.test";
  r.mx_lookup = txt("d.test", {"0 ."}, 15);
  r.mail_standards.measured = true;
  r.mail_standards.spf_txt = txt("d.test", {"v=spf1 -all"});
  r.mail_standards.dmarc_txt = txt("_dmarc.d.test", {"v=DMARC1; p=reject"});
  r.mail_standards.dkim = nx("_domainkey.d.test");
  r.mail_standards.tls_rpt_txt = txt("_smtp._tls.d.test", {"v=TLSRPTv1; rua=mailto:a@d.test"});
  finalize(r);
  CHECK(r.verdict.mail == MailVerdict::NullMx);
  CHECK(r.verdict.spf == SpfVerdict::Valid);
  CHECK(r.verdict.spf_policy == SpfPolicy::Strict);
  CHECK(r.verdict.dmarc == DmarcVerdict::Valid);
  CHECK(r.verdict.dmarc_policy == DmarcPolicy::Reject);
  CHECK(r.verdict.dkim == DkimVerdict::Absent);
  CHECK(r.verdict.tls_rpt == TlsRptVerdict::NotApplicable);
  CHECK(r.mail_standards.spf_record == "v=spf1 -all");
  CHECK(r.mail_standards.org_domain == "d.test");
  CHECK(decide_domain(r).spf_policy == SpfPolicy::Strict);
}

TEST_CASE("mta_sts of a run without the mail standards (--no-mail-standards) is n/a",
          "[verdict][mailstd]") {
  DomainResult r;
  r.entry.domain = "d.test";
  r.mx_lookup = txt("d.test", {"10 mx.d.test."}, 15);
  finalize(r);  // nothing of §5 looked up
  CHECK(r.verdict.mail == MailVerdict::Receives);
  CHECK(r.verdict.mta_sts == MtaStsVerdict::NotApplicable);
  CHECK(decide_domain(r).mta_sts == MtaStsVerdict::NotApplicable);
  // the other §5 standards measured, MTA-STS not: that is not "n/a" but a missing measurement
  r.mail_standards.measured = true;
  r.mail_standards.spf_txt = nx("d.test");
  r.mail_standards.dmarc_txt = nx("_dmarc.d.test");
  r.mail_standards.dkim = nx("_domainkey.d.test");
  r.mail_standards.tls_rpt_txt = nx("_smtp._tls.d.test");
  finalize(r);
  CHECK(r.verdict.mta_sts == MtaStsVerdict::Error);
}
