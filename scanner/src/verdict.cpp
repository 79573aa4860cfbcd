// verdict.cpp — measurement.md §3 (see verdict.hpp for the rules in short).
#include <nulmeting/scanner/dns_classify.hpp>  // weakest()
#include <nulmeting/scanner/verdict.hpp>

#include <algorithm>
#include <string_view>

namespace nulmeting::scanner {
namespace {

bool is_null_mx_record(std::string_view rdata) {
  // Presentation form "PREF EXCHANGE"; a null MX has the root as exchange (RFC 7505).
  const auto space = rdata.find(' ');
  if (space == std::string_view::npos) return false;
  return rdata.substr(space + 1) == ".";
}

DnssecVerdict from_answer(const DnsAnswer& a) {
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
  if (a.reason == DnsReason::Timeout) return DnssecVerdict::NotApplicable;  // transport only
  return DnssecVerdict::Error;
}

}  // namespace

bool address_reached(const ProbeResult& p) {
  switch (p.outcome) {
    case ProbeOutcome::StarttlsOk:
    case ProbeOutcome::NoStarttls:
    case ProbeOutcome::StarttlsRefused:
    case ProbeOutcome::TlsFailed:
    case ProbeOutcome::ProtocolError:
      return true;
    // A 4xx/5xx greeting ends the conversation before EHLO: nothing is known of STARTTLS, and
    // a server that refuses the scanner's address is not a server without TLS.
    case ProbeOutcome::SmtpPermError:
    case ProbeOutcome::Refused:
    case ProbeOutcome::Timeout:
    case ProbeOutcome::SmtpTempError:
    case ProbeOutcome::Reset:
    case ProbeOutcome::NotPublic:
    case ProbeOutcome::NoRoute:
    case ProbeOutcome::InternalError:
      return false;
  }
  return false;
}

bool host_has_usable_tlsa(const MxHostResult& h) {
  return h.status == HostStatus::Ok && h.tlsa && h.tlsa->status == DnsClass::Secure &&
         h.tlsa->usable > 0;
}

MailVerdict decide_mail(const DomainResult& r) {
  const DnsAnswer& mx = r.mx_lookup;
  if (mx.cls == DnsClass::Fail) return MailVerdict::Error;
  if (mx.reason == DnsReason::NxDomain) return MailVerdict::NoMail;
  if (std::ranges::any_of(mx.records, [](const std::string& rr) { return is_null_mx_record(rr); }))
    return MailVerdict::NullMx;
  if (r.implicit_mx) {
    // RFC 5321 §5.1: the domain itself is the host; with no address at all there is no mail.
    if (r.mx.empty() || r.mx.front().status == HostStatus::NoAddress) return MailVerdict::NoMail;
  }
  return MailVerdict::Receives;
}

DnssecVerdict decide_dnssec(const DomainResult& r, MailVerdict mail) {
  if (!r.implicit_mx || mail == MailVerdict::Error) return from_answer(r.mx_lookup);
  // Implicit MX: the class of the A/AAAA answers of the domain itself (weakest link).
  if (r.mx.empty() || r.mx.front().address_lookups.empty()) return from_answer(r.mx_lookup);
  const auto& lookups = r.mx.front().address_lookups;
  const DnsAnswer* worst = &lookups.front();
  for (const auto& a : lookups)
    if (weakest(worst->cls, a.cls) != worst->cls) worst = &a;
  return from_answer(*worst);
}

StarttlsVerdict decide_starttls(const DomainResult& r, MailVerdict mail) {
  if (mail != MailVerdict::Receives) return StarttlsVerdict::NotApplicable;
  int reached = 0, ok = 0;
  for (const auto& h : r.mx)
    for (const auto& p : h.addresses) {
      if (!address_reached(p)) continue;
      ++reached;
      if (p.outcome == ProbeOutcome::StarttlsOk) ++ok;
    }
  if (reached == 0) return StarttlsVerdict::Unreachable;
  if (ok == reached) return StarttlsVerdict::All;
  if (ok == 0) return StarttlsVerdict::None;
  return StarttlsVerdict::Partial;
}

DaneVerdict decide_dane(const DomainResult& r, MailVerdict mail) {
  if (mail != MailVerdict::Receives) return DaneVerdict::NotApplicable;
  bool any_tlsa = false, any_without = false, untested = false;
  for (const auto& h : r.mx) {
    if (h.status == HostStatus::TlsaError) return DaneVerdict::Invalid;  // lookup failed/bogus
    if (!host_has_usable_tlsa(h)) {
      any_without = true;
      continue;
    }
    any_tlsa = true;
    bool host_reached = false;
    for (const auto& p : h.addresses) {
      if (p.dane == DaneCheck::Failed) return DaneVerdict::Invalid;
      if (!address_reached(p)) continue;
      // A reached address that did not complete STARTTLS+TLS fails DANE whatever the probe
      // recorded (RFC 7672 §2.2: TLS is mandatory once usable TLSA records exist).
      if (p.outcome != ProbeOutcome::StarttlsOk) return DaneVerdict::Invalid;
      host_reached = true;
    }
    if (!host_reached) untested = true;
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
      if (!t.usable) continue;
      if (t.usage == 3) ++usage3;
      if (t.usage == 2) ++usage2;
    }
    if (!(usage3 >= 2 || (usage3 >= 1 && usage2 >= 1))) return RolloverVerdict::No;
  }
  return any ? RolloverVerdict::Yes : RolloverVerdict::NotApplicable;
}

DomainVerdict decide_domain(const DomainResult& r) {
  DomainVerdict v;
  v.mail = decide_mail(r);
  v.dnssec = decide_dnssec(r, v.mail);
  v.starttls = decide_starttls(r, v.mail);
  v.dane = decide_dane(r, v.mail);
  v.dane_rollover = decide_rollover(r, v.mail);
  v.protected_ = v.dnssec == DnssecVerdict::Secure && v.dane == DaneVerdict::Valid;
  return v;
}

}  // namespace nulmeting::scanner
