#include "explain.hpp"

#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/host.hpp>
#include <nulmeting/verdict/tls_quality.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>

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

// "TLSv1" → "TLS 1.0", "SSLv3" → "SSL 3": the spelling administrators find in their config.
std::string version_words(std::string_view v) {
  if (v == "TLSv1") return "TLS 1.0";
  if (v.starts_with("TLSv")) return fmt::format("TLS {}", v.substr(4));
  if (v.starts_with("SSLv")) return fmt::format("SSL {}", v.substr(4));
  return std::string(v);
}

// What to change for one value of a graded item that is not good enough (phase_out or
// insufficient by the §4 table); nullopt when the value is acceptable.
std::optional<std::string> value_advice(TlsItem item, const std::string& value) {
  using verdict::grade_cert_key, verdict::grade_cert_signature, verdict::grade_ecdhe_group,
      verdict::grade_ffdhe_group, verdict::grade_kex_hash, verdict::grade_suite,
      verdict::grade_version;
  TlsQuality g = TlsQuality::Good;
  switch (item) {
    case TlsItem::ProtocolVersions:
      g = grade_version(value);
      break;
    case TlsItem::Tls13Suites:
    case TlsItem::Tls12Suites:
      g = grade_suite(value);
      break;
    case TlsItem::EcdheGroups:
      g = grade_ecdhe_group(value);
      break;
    case TlsItem::FfdheGroups:
      g = grade_ffdhe_group(value);
      break;
    case TlsItem::KexHashes:
      g = grade_kex_hash(value);
      break;
    case TlsItem::CertKeys:
      g = grade_cert_key(value);
      break;
    case TlsItem::CertSignatures:
      g = grade_cert_signature(value);
      break;
    default:
      return std::nullopt;
  }
  if (g != TlsQuality::PhaseOut && g != TlsQuality::Insufficient) return std::nullopt;
  const bool phase_out = g == TlsQuality::PhaseOut;
  switch (item) {
    case TlsItem::ProtocolVersions:
      return fmt::format("disable {}", version_words(value));
    case TlsItem::Tls13Suites:
    case TlsItem::Tls12Suites:
      return fmt::format("{} {}", phase_out ? "phase out" : "remove", value);
    case TlsItem::EcdheGroups:
      return fmt::format("{} the group {} (use x25519, secp256r1 or secp384r1)",
                         phase_out ? "phase out" : "remove", value);
    case TlsItem::FfdheGroups:
      return phase_out ? fmt::format("DHE with {} is to be phased out: prefer ECDHE", value)
                       : fmt::format(
                             "replace the DH group {} by ffdhe3072 or larger (RFC 7919), "
                             "or disable DHE",
                             value);
    case TlsItem::KexHashes:
      return fmt::format("{} {} for key-exchange signatures (use SHA-256 or better)",
                         phase_out ? "phase out" : "stop using", value);
    case TlsItem::CertKeys:
      return fmt::format(
          "{} the certificate key {}: use RSA of at least 3072 bits or an EC key "
          "(secp256r1, secp384r1)",
          phase_out ? "plan to replace" : "replace", value);
    case TlsItem::CertSignatures:
      return fmt::format("{} the certificate signed with {}: have it signed with SHA-256 or better",
                         phase_out ? "plan to reissue" : "reissue", value);
    default:
      return std::nullopt;
  }
}

// What to change for a pass/fail item that failed.
std::string pass_fail_advice(const TlsItemResult& i) {
  const std::string what = fmt::format("{}", fmt::join(i.found, "; "));
  switch (i.item) {
    case TlsItem::CipherOrder:
      return fmt::format("enforce the server's own cipher order, best suites first ({})", what);
    case TlsItem::Compression:
      return fmt::format("disable TLS compression ({}; CRIME)", what);
    case TlsItem::SecureRenegotiation:
      return "enable secure renegotiation (RFC 5746)";
    case TlsItem::ExtendedMasterSecret:
      return "enable extended master secret (RFC 7627)";
    default:
      return what;
  }
}

// The §4 items of one address that keep it from `good`, each with what to change; unknown
// items and an address that was not assessed are said as such (never guessed).
void tls_reasons(const MxHostResult& h, const ProbeResult& p, std::vector<std::string>& why) {
  if (p.outcome != ProbeOutcome::StarttlsOk) return;
  const std::string where = fmt::format("MX {} [{}]", h.name, p.ip);
  if (!p.tls.assessed) {
    why.push_back(where + ": TLS quality not assessed, so the domain's tls_quality is incomplete");
    return;
  }
  for (const auto& i : p.tls.items) {
    const TlsQuality value = verdict::grade_item(i);
    if (value == TlsQuality::Incomplete) {
      why.push_back(
          fmt::format("{}: TLS {} could not be assessed (a connection was refused or "
                      "timed out){}{}",
                      where, to_string(i.item), p.tls.unknown_reasons.empty() ? "" : ": ",
                      fmt::join(p.tls.unknown_reasons, "; ")));
      continue;
    }
    if (value != TlsQuality::PhaseOut && value != TlsQuality::Insufficient) continue;
    if (verdict::is_pass_fail(i.item)) {
      why.push_back(fmt::format("{}: TLS {} {}: {}", where, to_string(i.item), to_string(value),
                                pass_fail_advice(i)));
      continue;
    }
    std::vector<std::string> advice;
    for (const auto& f : i.found)
      if (auto a = value_advice(i.item, f)) advice.push_back(*a);
    why.push_back(fmt::format("{}: TLS {} {}: {} (NCSC TLS guidelines)", where, to_string(i.item),
                              to_string(value), fmt::join(advice, "; ")));
  }
}

// §5 MTA-STS, for the administrator: what the scan read, then what to publish or fix.
void explain_mta_sts(const DomainResult& r, const std::function<void(std::string_view)>& line) {
  const MtaStsEvidence& m = r.mta_sts;
  const MtaStsVerdict v = r.verdict.mta_sts;
  line("");
  line(fmt::format("MTA-STS: {}{}{}", to_string(v), m.reason.empty() ? "" : " — ", m.reason));
  if (v == MtaStsVerdict::NotApplicable) {
    line("  not applicable: the domain receives no mail");
    return;
  }
  if (!m.looked_up) return;
  line(fmt::format("  TXT _mta-sts.{}: {} ({}) {}", r.entry.domain, to_string(m.txt.cls),
                   to_string(m.txt.reason), fmt::join(m.txt.records, " ")));
  if (m.fetch != MtaStsFetch::NotFetched) {
    line(fmt::format("  policy https://mta-sts.{}/.well-known/mta-sts.txt{}: {}{}{}",
                     r.entry.domain, m.ip.empty() ? "" : " [" + m.ip + "]", to_string(m.fetch),
                     m.http_status != 0 ? fmt::format(", HTTP {}", m.http_status) : "",
                     m.content_type.empty() ? "" : ", " + m.content_type));
    if (!m.fetch_error.empty()) line("      error: " + m.fetch_error);
  }
  if (!m.mode.empty() || !m.mx_patterns.empty())
    line(fmt::format("  mode {}, max_age {}, mx {}", m.mode.empty() ? "-" : m.mode,
                     m.max_age ? std::to_string(*m.max_age) : "-", fmt::join(m.mx_patterns, " ")));
  std::string advice;
  switch (v) {
    case MtaStsVerdict::Enforce:
      return;
    case MtaStsVerdict::Testing:
      advice =
          "the policy is in testing mode: senders report but still deliver without TLS; "
          "switch to `mode: enforce` once TLS-RPT reports are clean";
      break;
    case MtaStsVerdict::None:
      advice = m.txt.records.empty() || m.mode.empty()
                   ? "no MTA-STS: publish a TXT record `v=STSv1; id=<serial>` at _mta-sts." +
                         r.entry.domain +
                         " and a policy (version, mode, mx, max_age) at "
                         "https://mta-sts." +
                         r.entry.domain +
                         "/.well-known/mta-sts.txt "
                         "(RFC 8461 §3)"
                   : "the policy says `mode: none` (MTA-STS switched off): publish `mode: "
                     "testing` or `enforce` with the MX hosts";
      break;
    case MtaStsVerdict::Invalid:
      if (!m.mx_not_matching.empty())
        advice = fmt::format(
            "add an `mx:` line for {} to the policy (RFC 8461 §4.1), and change "
            "the TXT record's id so that senders fetch it again",
            fmt::join(m.mx_not_matching, ", "));
      else if (m.fetch == MtaStsFetch::Certificate)
        advice = "the policy host needs a valid, publicly trusted certificate for mta-sts." +
                 r.entry.domain;
      else if (m.fetch == MtaStsFetch::Redirect)
        advice = "serve the policy directly: senders do not follow redirects (RFC 8461 §3.3)";
      else
        advice =
            "senders ignore this policy: serve it over HTTPS as text/plain (at most 64 KiB, "
            "HTTP 200) with version, mode, mx and max_age lines, and publish exactly one "
            "`v=STSv1; id=...` TXT record (RFC 8461 §3)";
      break;
    case MtaStsVerdict::Error:
      advice =
          "the DNS lookups for MTA-STS failed (confirmed): fix the name servers or DNSSEC "
          "signing of _mta-sts." +
          r.entry.domain + " / mta-sts." + r.entry.domain;
      break;
    case MtaStsVerdict::NotApplicable:
      return;
  }
  line("  to do: " + advice);
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
      tls_reasons(h, p, why);
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
  line(fmt::format(
      "  mail: {}  dnssec: {}  starttls: {}  tls_quality: {}  dane: {}  rollover: {}  "
      "protected: {}",
      to_string(v.mail), to_string(v.dnssec), to_string(v.starttls), to_string(v.tls_quality),
      to_string(v.dane), to_string(v.dane_rollover), yes_no(v.protected_)));
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
      if (p.tls.assessed) {
        line(fmt::format("      TLS quality: {} ({} extra connections)", to_string(p.tls.quality),
                         p.tls.connections));
        for (const auto& i : p.tls.items)
          line(fmt::format("        {}: {} ({}){}{}", to_string(i.item), to_string(i.value),
                           to_string(i.state), i.found.empty() ? "" : " ",
                           fmt::join(i.found, " ")));
      }
      if (p.pkix != Pkix::NotChecked)
        line(fmt::format("      PKIX (information only): {}{}{}", to_string(p.pkix),
                         p.pkix_error.empty() ? "" : ": ", p.pkix_error));
    }
  }
  explain_mta_sts(r, line);
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
