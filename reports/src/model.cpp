// model.cpp — counting verdicts and computing shares: the only arithmetic of the reports.
#include <nulmeting/reports/model.hpp>

#include <cmath>

namespace nulmeting::reports {

std::optional<Lang> parse_lang(std::string_view s) {
  if (s == "nl") return Lang::Nl;
  if (s == "en") return Lang::En;
  return std::nullopt;
}

namespace {
// §5 shares and the "voldoet aan de e-mailafspraken" figure: the rules of
// docs/decisions/reports.md, for a domain whose mail standards were measured.
void count_standards(Counts& c, const DomainVerdict& v) {
  const bool spf_ok = v.spf == SpfVerdict::Valid &&
                      (v.spf_policy == SpfPolicy::Strict || v.spf_policy == SpfPolicy::Soft);
  const bool dmarc_ok =
      v.dmarc == DmarcVerdict::Valid &&
      (v.dmarc_policy == DmarcPolicy::Reject || v.dmarc_policy == DmarcPolicy::Quarantine);
  if (v.mail != MailVerdict::Error) {
    ++c.standards_base;
    if (v.spf == SpfVerdict::Valid && v.spf_policy == SpfPolicy::Strict) ++c.spf_strict;
    if (dmarc_ok) ++c.dmarc_enforced;
    if (v.dkim == DkimVerdict::Present) ++c.dkim_present;
  }
  if (v.mail != MailVerdict::Receives) return;
  if (v.tls_rpt == TlsRptVerdict::Valid) ++c.tls_rpt_valid;
  // "voldoet aan de e-mailafspraken": the exact rule of docs/decisions/reports.md
  const bool tls_ok = v.tls_quality == TlsQuality::Good ||
                      v.tls_quality == TlsQuality::Sufficient ||
                      v.tls_quality == TlsQuality::PhaseOut;
  if (v.starttls == StarttlsVerdict::All && tls_ok && v.dane == DaneVerdict::Valid && spf_ok &&
      dmarc_ok)
    ++c.agreements;
}
}  // namespace

void count_verdict(Counts& c, const DomainVerdict& v, bool standards_measured) {
  ++c.domains;
  if (standards_measured) count_standards(c, v);
  switch (v.mail) {
    case MailVerdict::Receives:
      ++c.receives;
      break;
    case MailVerdict::NullMx:
      ++c.null_mx;
      return;
    case MailVerdict::NoMail:
      ++c.no_mail;
      return;
    case MailVerdict::Error:
      ++c.mail_error;
      return;
  }
  switch (v.tls_quality) {
    case TlsQuality::Good:
      ++c.tls_good;
      ++c.tls_conform;
      break;
    case TlsQuality::Sufficient:
      ++c.tls_sufficient;
      ++c.tls_conform;
      break;
    case TlsQuality::PhaseOut:
      ++c.tls_phase_out;
      break;
    case TlsQuality::Insufficient:
      ++c.tls_insufficient;
      break;
    case TlsQuality::Incomplete:
      ++c.tls_incomplete;
      break;
    case TlsQuality::NotApplicable:
      ++c.tls_na;
      break;
  }
  switch (v.starttls) {
    case StarttlsVerdict::All:
      ++c.starttls_all;
      break;
    case StarttlsVerdict::Partial:
      ++c.starttls_partial;
      break;
    case StarttlsVerdict::None:
      ++c.starttls_none;
      break;
    // n/a cannot occur with mail = receives; counted as unreachable so the column sums hold.
    case StarttlsVerdict::Unreachable:
    case StarttlsVerdict::NotApplicable:
      ++c.unreachable;
      break;
  }
  switch (v.dane) {
    case DaneVerdict::Valid:
      ++c.dane_valid;
      break;
    case DaneVerdict::Invalid:
      ++c.dane_invalid;
      break;
    case DaneVerdict::Partial:
      ++c.dane_partial;
      break;
    case DaneVerdict::Untested:
      ++c.dane_untested;
      break;
    case DaneVerdict::None:
    case DaneVerdict::NotApplicable:
      ++c.dane_none;
      break;
  }
  switch (v.dnssec) {
    case DnssecVerdict::Secure:
      ++c.dnssec_secure;
      break;
    case DnssecVerdict::Insecure:
      ++c.dnssec_insecure;
      break;
    case DnssecVerdict::Bogus:
      ++c.dnssec_bogus;
      break;
    case DnssecVerdict::Error:
    case DnssecVerdict::NotApplicable:
      ++c.dnssec_error;
      break;
  }
  if (v.dane_rollover == RolloverVerdict::Yes) ++c.rollover_yes;
  if (v.protected_) ++c.protected_;
  if (v.mta_sts == MtaStsVerdict::Enforce) ++c.mta_sts_enforce;
}

double percent(std::int64_t n, std::int64_t d) {
  if (d <= 0) return 0.0;
  return std::round(1000.0 * static_cast<double>(n) / static_cast<double>(d)) / 10.0;
}

std::string_view to_string(Cause c) {
  switch (c) {
    case Cause::Unreachable:
      return "unreachable";
    case Cause::NoStarttls:
      return "no_starttls";
    case Cause::TlsFailure:
      return "tls_failure";
    case Cause::TlsaLookupFailure:
      return "tlsa_lookup_failure";
    case Cause::TlsaMismatch:
      return "tlsa_mismatch";
    case Cause::InsecureZone:
      return "insecure_zone";
    case Cause::NoTlsa:
      return "no_tlsa";
    case Cause::Other:
      return "other";
  }
  return "?";
}

std::string_view to_string(ProviderDane d) {
  switch (d) {
    case ProviderDane::Valid:
      return "valid";
    case ProviderDane::Partial:
      return "partial";
    case ProviderDane::Invalid:
      return "invalid";
    case ProviderDane::None:
      return "none";
  }
  return "?";
}

std::string_view to_string(ChangeKind k) {
  switch (k) {
    case ChangeKind::Improved:
      return "improved";
    case ChangeKind::Regressed:
      return "regressed";
    case ChangeKind::Added:
      return "added";
    case ChangeKind::Removed:
      return "removed";
  }
  return "?";
}

int level_of(const DomainVerdict& v) {
  if (v.mail != MailVerdict::Receives) return 0;
  if (v.protected_) return 3;
  if (v.dane == DaneVerdict::Valid) return 2;
  if (v.starttls == StarttlsVerdict::All) return 1;
  return 0;
}

}  // namespace nulmeting::reports
