#include "explain.hpp"

#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/host.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace nulmeting::cli {
namespace {

std::string_view yes_no(bool b) { return b ? "yes" : "no"; }

std::string tlsa_note(const TlsaRecord& r) {
  if (verdict::tlsa_usable(r)) return "usable";
  if (r.usage == 0 || r.usage == 1)
    return fmt::format("not usable: usage {} (PKIX) is not used for SMTP (RFC 7672 §3.1.3)",
                       r.usage);
  if (r.usage <= 3 && r.selector == 1 && r.matching_type == 0)
    return "not usable: selector 1 needs a SubjectPublicKeyInfo, the data is not one (a whole "
           "certificate belongs under selector 0)";
  return "not usable: unknown parameters or malformed data (RFC 7672 §3.1)";
}

std::string dane_text(const ProbeResult& p) {
  switch (p.dane) {
    case DaneCheck::NotApplicable:
      return "not tested (no usable TLSA)";
    case DaneCheck::Authenticated:
      return fmt::format("authenticated by '{}' at depth {}", p.dane_matched, p.dane_depth);
    case DaneCheck::Failed:
      break;
  }
  return fmt::format("FAILED ({})", to_string(p.dane_reason));
}

std::string fail_advice(DaneFailReason r) {
  switch (r) {
    case DaneFailReason::NoMatch:
      return "no TLSA record matches the certificate chain the server presents: publish a TLSA "
             "record for the current certificate or key (keep the old one during a rollover, "
             "RFC 7671 §8)";
    case DaneFailReason::NameMismatch:
      return "a DANE-TA (usage 2) record matched, but the certificate does not name the MX host "
             "(RFC 7672 §3.2.2): add the host name to the certificate's subjectAltName";
    case DaneFailReason::Expired:
      return "a DANE-TA (usage 2) record matched, but a certificate in the chain has expired: "
             "renew it";
    case DaneFailReason::NoStarttls:
      return "the host publishes TLSA records but does not offer STARTTLS: with DANE, senders "
             "must not deliver without TLS (RFC 7672 §2.2), so mail to it is delayed or bounced";
    case DaneFailReason::TlsFailed:
      return "the TLS handshake failed although the host publishes TLSA records: DANE senders "
             "cannot deliver (RFC 7672 §2.2)";
    case DaneFailReason::TlsaLookupFailed:
      return "the TLSA lookup for this host failed (SERVFAIL, bogus or time-out, confirmed): a "
             "DANE sender must not deliver to it (RFC 7672 §2.1.1); fix the DNSSEC signing or "
             "the name servers of the TLSA zone";
    case DaneFailReason::None:
      break;
  }
  return "DANE authentication failed";
}

}  // namespace

namespace {
// §5: what to publish or fix, one line per verdict that is not a pass.
void mail_standards_reasons(const DomainResult& r, std::vector<std::string>& why) {
  const auto& v = r.verdict;
  const auto& ev = r.mail_standards;
  if (!ev.measured) return;
  const std::string& d = r.entry.domain;
  const bool sends = v.mail == MailVerdict::Receives;
  switch (v.spf) {
    case SpfVerdict::None:
      why.push_back(sends ? fmt::format("SPF: no v=spf1 record at {}; publish one that lists "
                                        "your sending servers and ends in -all (RFC 7208)",
                                        d)
                          : fmt::format("SPF: no v=spf1 record at {}; a domain that sends no "
                                        "mail publishes \"v=spf1 -all\"",
                                        d));
      break;
    case SpfVerdict::Invalid:
      why.push_back(
          fmt::format("SPF invalid: {} — receivers treat this as a permanent error "
                      "(RFC 7208 §4.6.4, §4.5); publish exactly one valid record "
                      "needing at most 10 DNS lookups",
                      ev.spf_reason));
      break;
    case SpfVerdict::Error:
      why.push_back(fmt::format("SPF could not be read: {}", ev.spf_reason));
      break;
    case SpfVerdict::Valid:
      if (v.spf_policy == SpfPolicy::Open)
        why.push_back(
            "SPF policy open: the record does not end in -all or ~all, so it "
            "rejects nobody; end it in -all");
      else if (v.spf_policy == SpfPolicy::Soft)
        why.push_back("SPF policy soft (~all): consider -all once every sender is listed");
      break;
  }
  switch (v.dmarc) {
    case DmarcVerdict::None:
      why.push_back(
          fmt::format("DMARC: no v=DMARC1 record at _dmarc.{}{}; publish "
                      "\"v=DMARC1; p=reject; rua=mailto:...\" (RFC 7489)",
                      d, ev.org_domain != d ? " nor at _dmarc." + ev.org_domain : ""));
      break;
    case DmarcVerdict::Invalid:
      why.push_back(
          fmt::format("DMARC invalid: {}; publish exactly one record starting "
                      "\"v=DMARC1; p=\" with none, quarantine or reject",
                      ev.dmarc_reason));
      break;
    case DmarcVerdict::Error:
      why.push_back(fmt::format("DMARC could not be read: {}", ev.dmarc_reason));
      break;
    case DmarcVerdict::Valid:
      if (v.dmarc_policy == DmarcPolicy::None)
        why.push_back(
            fmt::format("DMARC policy none{}: receivers only report; move to "
                        "quarantine, then reject",
                        ev.dmarc_from_org ? " (sp= of the organisational domain)" : ""));
      if (ev.dmarc_pct && *ev.dmarc_pct < 100)
        why.push_back(fmt::format("DMARC pct={}: the policy applies to only part of the mail",
                                  *ev.dmarc_pct));
      break;
  }
  if (v.dkim == DkimVerdict::Absent)
    why.push_back(
        fmt::format("DKIM: _domainkey.{} does not exist (NXDOMAIN), so no DKIM key is "
                    "published under it; sign outgoing mail and publish the selector "
                    "keys",
                    d));
  else if (v.dkim == DkimVerdict::Error)
    why.push_back(fmt::format("DKIM: _domainkey.{} could not be looked up ({})", d,
                              to_string(ev.dkim.reason)));
  switch (v.tls_rpt) {
    case TlsRptVerdict::None:
      why.push_back(
          fmt::format("TLS-RPT: no v=TLSRPTv1 record at _smtp._tls.{}; publish "
                      "\"v=TLSRPTv1; rua=mailto:...\" to get TLS failure reports "
                      "(RFC 8460)",
                      d));
      break;
    case TlsRptVerdict::Invalid:
      why.push_back(fmt::format("TLS-RPT invalid: {} (RFC 8460 §3)", ev.tls_rpt_reason));
      break;
    case TlsRptVerdict::Error:
      why.push_back(fmt::format("TLS-RPT could not be read: {}", ev.tls_rpt_reason));
      break;
    default:
      break;
  }
}
}  // namespace

std::vector<std::string> explain_reasons(const DomainResult& r) {
  std::vector<std::string> why;
  const auto& v = r.verdict;
  switch (v.mail) {
    case MailVerdict::Error:
      why.push_back(
          fmt::format("the MX lookup failed ({}{}{}): nothing else can be measured "
                      "(RFC 7672 §2.1.1)",
                      to_string(r.mx_lookup.reason), r.mx_lookup.why_bogus.empty() ? "" : ": ",
                      r.mx_lookup.why_bogus));
      mail_standards_reasons(r, why);  // SPF, DMARC, DKIM apply without mail too
      return why;
    case MailVerdict::NoMail:
      why.push_back(r.implicit_mx ? "the domain has no MX and no address records: it receives no "
                                    "mail (RFC 5321 §5.1)"
                                  : "the domain does not exist (NXDOMAIN)");
      mail_standards_reasons(r, why);  // SPF, DMARC, DKIM apply without mail too
      return why;
    case MailVerdict::NullMx:
      why.push_back("the domain publishes a null MX: it accepts no mail (RFC 7505)");
      mail_standards_reasons(r, why);  // SPF, DMARC, DKIM apply without mail too
      return why;
    case MailVerdict::Receives:
      break;
  }
  if (v.dnssec == DnssecVerdict::Insecure)
    why.push_back(
        "the MX records are not DNSSEC-signed: an attacker can redirect mail, so the "
        "domain is not protected even where DANE works (RFC 7672 §2.2.1); sign the zone");
  if (v.dnssec == DnssecVerdict::Bogus)
    why.push_back(
        fmt::format("the MX answer failed DNSSEC validation (bogus: {})", r.mx_lookup.why_bogus));
  for (const auto& h : r.mx) {
    if (h.name_is_ip_literal)
      why.push_back(
          fmt::format("MX {}: the exchange looks like an IP address; MX data must be a "
                      "host name (RFC 5321 §5.1)",
                      h.name));
    switch (h.status) {
      case HostStatus::NoAddress:
        why.push_back(fmt::format("MX {}: has no A or AAAA record{}", h.name,
                                  verdict::host_counted_for_dane(h)
                                      ? ""
                                      : " (both securely denied: left out of the DANE verdict)"));
        continue;
      case HostStatus::Unusable:
        why.push_back(fmt::format("MX {}: its address lookups failed", h.name));
        continue;
      case HostStatus::TlsaError:
        why.push_back(fmt::format(
            "MX {}: the TLSA lookup failed ({}): DANE senders cannot deliver to this host "
            "(RFC 7672 §2.1.1); fix the zone's DNSSEC or its name servers",
            h.name,
            h.tlsa && !h.tlsa->lookups.empty() ? to_string(h.tlsa->lookups.back().reason)
                                               : std::string_view("fail")));
        break;  // still probed: its STARTTLS is explained below
      case HostStatus::Ok:
        break;
    }
    const bool tlsa = verdict::host_has_usable_tlsa(h);
    if (!tlsa && h.status == HostStatus::Ok) {
      if (h.address_dnssec != DnsClass::Secure)
        why.push_back(
            fmt::format("MX {}: its addresses are not DNSSEC-signed, so DANE cannot "
                        "apply to it (RFC 7672 §2.2.2)",
                        h.name));
      else if (h.tlsa && h.tlsa->status == DnsClass::Secure && h.tlsa->usable == 0)
        why.push_back(
            fmt::format("MX {}: publishes TLSA records, but none is usable for SMTP", h.name));
      else
        why.push_back(fmt::format("MX {}: publishes no TLSA record (_25._tcp.{})", h.name, h.name));
    }
    for (const auto& p : h.addresses) {
      if (p.outcome != ProbeOutcome::StarttlsOk)
        why.push_back(fmt::format("MX {} [{}]: {}{}{}{}", h.name, p.ip, to_string(p.outcome),
                                  p.error ? ": " : "", p.error.value_or(""),
                                  verdict::reach(p.outcome) == verdict::Reach::NotMeasured
                                      ? " (not measured: left out of the verdicts)"
                                      : ""));
      if (p.dane == DaneCheck::Failed)
        why.push_back(fmt::format("MX {} [{}]: {}", h.name, p.ip, fail_advice(p.dane_reason)));
    }
  }
  if (v.dane == DaneVerdict::Untested)
    why.push_back("a host with TLSA records could not be reached, so DANE is untested there");
  if (v.dane_rollover == RolloverVerdict::No)
    why.push_back(
        "not every TLSA host has a rollover scheme (two usage-3 records, or usage 3 "
        "plus usage 2, RFC 7671 §8)");
  mail_standards_reasons(r, why);
  for (const auto& f : r.findings) why.push_back(f);
  return why;
}

std::string explain_text(const DomainResult& r) {
  const auto& v = r.verdict;
  std::string out;
  auto line = [&out](std::string_view s) {
    out.append(s);
    out.push_back('\n');
  };
  line(fmt::format("{}{}  ({}, {})", r.entry.domain,
                   r.entry.display != r.entry.domain && !r.entry.display.empty()
                       ? fmt::format(" [{}]", r.entry.display)
                       : "",
                   r.entry.organization.empty() ? "-" : r.entry.organization,
                   to_string(r.entry.sector)));
  line(fmt::format("  mail: {}  dnssec: {}  starttls: {}  dane: {}  rollover: {}  protected: {}",
                   to_string(v.mail), to_string(v.dnssec), to_string(v.starttls), to_string(v.dane),
                   to_string(v.dane_rollover), yes_no(v.protected_)));
  const auto& ms = r.mail_standards;
  if (ms.measured) {
    line(fmt::format("  spf: {} ({})  dmarc: {} ({})  dkim: {}  tls_rpt: {}", to_string(v.spf),
                     to_string(v.spf_policy), to_string(v.dmarc), to_string(v.dmarc_policy),
                     to_string(v.dkim), to_string(v.tls_rpt)));
    line(fmt::format("  SPF record: {}  ({} DNS-querying terms, {} void lookups, result {})",
                     ms.spf_record.empty() ? "-" : ms.spf_record, ms.spf_dns_terms,
                     ms.spf_void_lookups, ms.spf_result));
    for (const auto& t : ms.spf_trace) line("    " + t);
    line(fmt::format("  DMARC record{}: {}",
                     ms.dmarc_from_org ? " (organisational domain " + ms.org_domain + ")" : "",
                     ms.dmarc_record.empty() ? "-" : ms.dmarc_record));
    line(fmt::format("  TLS-RPT record: {}", ms.tls_rpt_record.empty() ? "-" : ms.tls_rpt_record));
  }
  line("");
  line(fmt::format("MX lookup {}: {} ({}, rcode {})", r.mx_lookup.qname, to_string(r.mx_lookup.cls),
                   to_string(r.mx_lookup.reason), r.mx_lookup.rcode));
  if (!r.mx_lookup.cname_chain.empty()) {
    std::string chain;
    for (const auto& c : r.mx_lookup.cname_chain) chain += " -> " + c;
    line(fmt::format("  CNAME chain: {}{}", r.mx_lookup.qname, chain));
  }
  for (const auto& rec : r.mx_lookup.records) line("  " + rec);
  if (r.implicit_mx) line("  no MX records: the domain itself is the mail host (implicit MX)");
  for (const auto& h : r.mx) {
    line("");
    line(fmt::format("MX host {} (preference {}): {}", h.name, h.preference, to_string(h.status)));
    for (const auto& a : h.address_lookups)
      line(fmt::format("  {} {}: {} ({}) {}", a.qtype == 28 ? "AAAA" : "A", a.qname,
                       to_string(a.cls), to_string(a.reason), fmt::join(a.records, " ")));
    if (h.tlsa) {
      line(fmt::format("  TLSA base {}: {}, {} record(s), {} usable",
                       h.tlsa->base.empty() ? "-" : h.tlsa->base, to_string(h.tlsa->status),
                       h.tlsa->records.size(), h.tlsa->usable));
      for (const auto& q : h.tlsa->lookups)
        line(fmt::format("    lookup {}: {} ({}){}{}", q.qname, to_string(q.cls),
                         to_string(q.reason), q.why_bogus.empty() ? "" : " why: ", q.why_bogus));
      for (const auto& t : h.tlsa->records) {
        std::string text = t.text();
        if (text.size() > 80) text = text.substr(0, 77) + "...";
        line(fmt::format("    {}  {}", text, tlsa_note(t)));
      }
    } else if (h.status == HostStatus::Ok) {
      line("  TLSA: not looked up (addresses not DNSSEC-signed: DANE does not apply)");
    }
    for (const auto& p : h.addresses) {
      line(fmt::format("  [{}] {}{}", p.ip, to_string(p.outcome),
                       p.tls_version.empty()
                           ? std::string()
                           : fmt::format("  {} {} {}", p.tls_version, p.cipher, p.group)));
      if (p.error) line("      error: " + *p.error);
      if (p.outcome == ProbeOutcome::StarttlsOk || p.dane != DaneCheck::NotApplicable)
        line("      DANE: " + dane_text(p));
      if (!p.chain.empty()) {
        const auto& leaf = p.chain.front();
        line(fmt::format("      certificate: {} (issuer {}), {} {} bits, valid {} .. {}",
                         leaf.subject, leaf.issuer, leaf.key_type, leaf.key_bits, leaf.not_before,
                         leaf.not_after));
        if (!leaf.sans.empty()) line(fmt::format("      names: {}", fmt::join(leaf.sans, ", ")));
      }
      if (p.pkix != Pkix::NotChecked)
        line(fmt::format("      PKIX (information only): {}{}{}", to_string(p.pkix),
                         p.pkix_error.empty() ? "" : ": ", p.pkix_error));
    }
  }
  const auto why = explain_reasons(r);
  line("");
  if (why.empty()) {
    line(v.protected_ ? "Verdict: protected — DNSSEC and DANE let senders authenticate every MX "
                        "host; nothing to fix."
                      : "Verdict: nothing further to report.");
  } else {
    line("Why:");
    for (const auto& w : why) line("  - " + w);
  }
  return out;
}

}  // namespace nulmeting::cli
