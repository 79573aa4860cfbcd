// domain.cpp — measurement.md §3 (see domain.hpp).
#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/dns.hpp>
#include <nulmeting/verdict/domain.hpp>
#include <nulmeting/verdict/host.hpp>
#include <nulmeting/verdict/mail_standards.hpp>
#include <nulmeting/verdict/mta_sts.hpp>
#include <nulmeting/verdict/tls_quality.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <algorithm>

namespace nulmeting::verdict {
namespace {

DnssecVerdict from_class(const DnsAnswer& a, bool transport_is_na) {
  switch (a.cls) {
    case DnsClass::Secure:
    case DnsClass::SecureNx:
      return DnssecVerdict::Secure;
    case DnsClass::Insecure:
    case DnsClass::InsecureNx:
      return DnssecVerdict::Insecure;
    case DnsClass::Fail:
      break;
  }
  if (a.reason == DnsReason::Bogus) return DnssecVerdict::Bogus;
  if (transport_is_na && a.reason == DnsReason::Timeout) return DnssecVerdict::NotApplicable;
  return DnssecVerdict::Error;
}

// The weakest of a set of answers; the first one of the weakest class (its reason decides
// bogus against error).
const DnsAnswer* weakest_of(const std::vector<const DnsAnswer*>& answers) {
  const DnsAnswer* worst = nullptr;
  for (const DnsAnswer* a : answers)
    if (worst == nullptr || weakest(worst->cls, a->cls) != worst->cls) worst = a;
  return worst;
}

}  // namespace

MailVerdict decide_mail(const DomainResult& r) {
  switch (mx_plan(r.mx_lookup, r.entry.domain).kind) {
    case MxKind::Fail:
    case MxKind::Unreadable:
      return MailVerdict::Error;
    case MxKind::NoDomain:
      return MailVerdict::NoMail;
    case MxKind::NullMx:
      return MailVerdict::NullMx;
    case MxKind::Implicit:
      // RFC 5321 §5.1: D itself is the host; with no address at all there is no mail.
      if (r.mx.empty() || r.mx.front().status == HostStatus::NoAddress) return MailVerdict::NoMail;
      return MailVerdict::Receives;
    case MxKind::Hosts:
      return MailVerdict::Receives;
  }
  return MailVerdict::Error;
}

DnssecVerdict decide_dnssec(const DomainResult& r, MailVerdict mail) {
  if (mail == MailVerdict::Error || !r.implicit_mx || r.mx.empty())
    return from_class(r.mx_lookup, mail == MailVerdict::Error);
  // Implicit MX: the A/AAAA answers of D that gave data; none gave data: all of them.
  const MxHostResult& h = r.mx.front();
  std::vector<const DnsAnswer*> data, all;
  for (const std::uint16_t qtype : {std::uint16_t{1}, std::uint16_t{28}})
    if (const DnsAnswer* a = address_answer(h, qtype)) {
      all.push_back(a);
      if (has_data(*a)) data.push_back(a);
    }
  const DnsAnswer* worst = weakest_of(data.empty() ? all : data);
  return worst != nullptr ? from_class(*worst, false) : from_class(r.mx_lookup, false);
}

StarttlsVerdict decide_starttls(const DomainResult& r, MailVerdict mail) {
  if (mail != MailVerdict::Receives) return StarttlsVerdict::NotApplicable;
  int n_reached = 0, ok = 0;
  for (const auto& h : r.mx)
    for (const auto& p : h.addresses) {
      if (!reached(p)) continue;
      ++n_reached;
      if (p.outcome == ProbeOutcome::StarttlsOk) ++ok;
    }
  if (n_reached == 0) return StarttlsVerdict::Unreachable;
  if (ok == n_reached) return StarttlsVerdict::All;
  if (ok == 0) return StarttlsVerdict::None;
  return StarttlsVerdict::Partial;
}

DaneVerdict decide_dane(const DomainResult& r, MailVerdict mail) {
  if (mail != MailVerdict::Receives) return DaneVerdict::NotApplicable;
  const std::vector<std::string> names = domain_reference_names(r);
  // invalid: any tlsa_error host, or a reached address of a host with usable TLSA that was not
  // authenticated.
  for (const auto& h : r.mx) {
    if (h.status == HostStatus::TlsaError) return DaneVerdict::Invalid;
    if (!host_has_usable_tlsa(h)) continue;
    for (const auto& p : h.addresses)
      if (reached(p) && address_dane(h, p, names).dane != DaneCheck::Authenticated)
        return DaneVerdict::Invalid;
  }
  bool any_tlsa = false, any_without = false, untested = false;
  for (const auto& h : r.mx) {
    if (!host_counted_for_dane(h)) continue;
    if (!host_has_usable_tlsa(h)) {
      any_without = true;
      continue;
    }
    any_tlsa = true;
    if (std::ranges::none_of(h.addresses, [](const ProbeResult& p) { return reached(p); }))
      untested = true;
  }
  if (!any_tlsa) return DaneVerdict::None;
  if (any_without) return DaneVerdict::Partial;
  if (untested) return DaneVerdict::Untested;
  return DaneVerdict::Valid;
}

RolloverVerdict decide_rollover(const DomainResult& r, MailVerdict mail) {
  if (mail != MailVerdict::Receives) return RolloverVerdict::NotApplicable;
  bool any = false;
  for (const auto& h : r.mx) {
    if (!host_has_usable_tlsa(h)) continue;
    any = true;
    int usage3 = 0, usage2 = 0;
    for (const auto& t : h.tlsa->records) {
      if (!tlsa_usable(t)) continue;
      if (t.usage == 3) ++usage3;
      if (t.usage == 2) ++usage2;
    }
    if (!(usage3 >= 2 || (usage3 >= 1 && usage2 >= 1))) return RolloverVerdict::No;
  }
  return any ? RolloverVerdict::Yes : RolloverVerdict::NotApplicable;
}

bool decide_protected(DnssecVerdict dnssec, DaneVerdict dane) {
  return dnssec == DnssecVerdict::Secure && dane == DaneVerdict::Valid;
}

TlsQuality decide_tls_quality(const DomainResult& r, MailVerdict mail) {
  if (mail != MailVerdict::Receives) return TlsQuality::NotApplicable;
  TlsQuality q = TlsQuality::NotApplicable;
  for (const auto& h : r.mx)
    for (const auto& p : h.addresses) {
      if (p.outcome != ProbeOutcome::StarttlsOk) continue;
      // Completed STARTTLS but not assessed (yet): it could not be fully assessed.
      q = worse(q, p.tls.assessed ? address_tls_quality(p.tls) : TlsQuality::Incomplete);
    }
  return q;
}

std::vector<std::string> decide_incomplete(const DomainResult& r) {
  bool v4 = false, v6 = false;
  for (const auto& h : r.mx)
    for (const auto& p : h.addresses)
      if (p.outcome == ProbeOutcome::NoRoute) (address_family(p.ip) == "ipv6" ? v6 : v4) = true;
  std::vector<std::string> out;
  if (v4) out.emplace_back("ipv4");
  if (v6) out.emplace_back("ipv6");
  return out;
}

namespace {
// MTA-STS of a result whose §5 standards were not measured at all (`scan --no-mail-standards`):
// `n/a`, as for runs from before them; a result that measured the others but has no MTA-STS
// evidence keeps decide_mta_sts's `error` ("not measured").
MtaStsVerdict mta_sts_verdict(MtaStsEvidence& sts, const DomainResult& r, MailVerdict mail) {
  if (!r.mail_standards.measured && !sts.looked_up) return MtaStsVerdict::NotApplicable;
  return decide_mta_sts(sts, mail, r.mx);
}
}  // namespace

DomainVerdict decide_domain(const DomainResult& r) {
  DomainVerdict v;
  v.mail = decide_mail(r);
  v.dnssec = decide_dnssec(r, v.mail);
  v.starttls = decide_starttls(r, v.mail);
  v.dane = decide_dane(r, v.mail);
  v.dane_rollover = decide_rollover(r, v.mail);
  v.protected_ = decide_protected(v.dnssec, v.dane);
  v.tls_quality = decide_tls_quality(r, v.mail);
  MtaStsEvidence sts = r.mta_sts;  // decide_mta_sts writes its reading into the evidence
  v.mta_sts = mta_sts_verdict(sts, r, v.mail);
  MailStandardsEvidence ev = r.mail_standards;  // decide_domain() leaves the evidence as it is
  decide_mail_standards(ev, r.entry.domain, v);
  return v;
}

void finalize(DomainResult& r) {
  const std::vector<std::string> names = domain_reference_names(r);
  for (auto& h : r.mx)
    for (auto& p : h.addresses) {
      const AddressDane d = address_dane(h, p, names);
      const bool measured_here = p.outcome == ProbeOutcome::StarttlsOk &&
                                 d.dane != DaneCheck::NotApplicable &&
                                 d.reason != DaneFailReason::TlsaLookupFailed;
      if (!measured_here) {
        p.dane_depth = -1;
        p.dane_matched.clear();
      }
      if (d.dane == DaneCheck::Authenticated && p.dane != DaneCheck::Authenticated && p.error &&
          p.error->starts_with("DANE:"))
        p.error.reset();  // a name mismatch the domain's own names settled
      p.dane = d.dane;
      p.dane_reason = d.reason;
      grade_assessment(p.tls);
    }
  r.verdict = decide_domain(r);
  r.verdict.mta_sts = mta_sts_verdict(r.mta_sts, r, r.verdict.mail);
  decide_mail_standards(r.mail_standards, r.entry.domain, r.verdict);  // + derived evidence
  r.incomplete = decide_incomplete(r);
}

}  // namespace nulmeting::verdict
