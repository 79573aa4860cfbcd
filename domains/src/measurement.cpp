// measurement.cpp — text forms of the measurement vocabulary (measurement.md names).
#include <nulmeting/domains/measurement.hpp>

#include <array>
#include <cstdio>
#include <utility>

namespace nulmeting {
namespace {

template <class Enum, std::size_t N>
using Names = std::array<std::pair<Enum, std::string_view>, N>;

constexpr Names<DnsClass, 5> kDnsClass{{{DnsClass::Secure, "secure"},
                                        {DnsClass::Insecure, "insecure"},
                                        {DnsClass::SecureNx, "secure-nx"},
                                        {DnsClass::InsecureNx, "insecure-nx"},
                                        {DnsClass::Fail, "fail"}}};
constexpr Names<DnsReason, 10> kDnsReason{{{DnsReason::Ok, "ok"},
                                           {DnsReason::NxDomain, "nxdomain"},
                                           {DnsReason::NoData, "nodata"},
                                           {DnsReason::Bogus, "bogus"},
                                           {DnsReason::ServFail, "servfail"},
                                           {DnsReason::Refused, "refused"},
                                           {DnsReason::Timeout, "timeout"},
                                           {DnsReason::Malformed, "malformed"},
                                           {DnsReason::CnameLoop, "cname_loop"},
                                           {DnsReason::Error, "error"}}};
constexpr Names<HostStatus, 4> kHostStatus{{{HostStatus::Ok, "ok"},
                                            {HostStatus::Unusable, "unusable"},
                                            {HostStatus::NoAddress, "no_address"},
                                            {HostStatus::TlsaError, "tlsa_error"}}};
constexpr Names<ProbeOutcome, 13> kProbeOutcome{
    {{ProbeOutcome::StarttlsOk, "starttls_ok"},
     {ProbeOutcome::NoStarttls, "no_starttls"},
     {ProbeOutcome::StarttlsRefused, "starttls_refused"},
     {ProbeOutcome::TlsFailed, "tls_failed"},
     {ProbeOutcome::Refused, "refused"},
     {ProbeOutcome::Timeout, "timeout"},
     {ProbeOutcome::SmtpTempError, "smtp_temp_error"},
     {ProbeOutcome::SmtpPermError, "smtp_perm_error"},
     {ProbeOutcome::Reset, "reset"},
     {ProbeOutcome::ProtocolError, "protocol_error"},
     {ProbeOutcome::NotPublic, "not_public"},
     {ProbeOutcome::NoRoute, "no_route"},
     {ProbeOutcome::InternalError, "internal_error"}}};
constexpr Names<DaneCheck, 3> kDaneCheck{{{DaneCheck::NotApplicable, "n/a"},
                                          {DaneCheck::Authenticated, "authenticated"},
                                          {DaneCheck::Failed, "failed"}}};
constexpr Names<DaneFailReason, 7> kDaneFail{
    {{DaneFailReason::None, ""},
     {DaneFailReason::NoMatch, "no_match"},
     {DaneFailReason::NameMismatch, "name_mismatch"},
     {DaneFailReason::Expired, "expired"},
     {DaneFailReason::NoStarttls, "no_starttls"},
     {DaneFailReason::TlsFailed, "tls_failed"},
     {DaneFailReason::TlsaLookupFailed, "tlsa_lookup_failed"}}};
constexpr Names<Pkix, 3> kPkix{
    {{Pkix::NotChecked, "n/a"}, {Pkix::Valid, "valid"}, {Pkix::Invalid, "invalid"}}};
constexpr Names<MailVerdict, 4> kMail{{{MailVerdict::Receives, "receives"},
                                       {MailVerdict::NullMx, "null_mx"},
                                       {MailVerdict::NoMail, "no_mail"},
                                       {MailVerdict::Error, "error"}}};
constexpr Names<DnssecVerdict, 5> kDnssec{{{DnssecVerdict::Secure, "secure"},
                                           {DnssecVerdict::Insecure, "insecure"},
                                           {DnssecVerdict::Bogus, "bogus"},
                                           {DnssecVerdict::Error, "error"},
                                           {DnssecVerdict::NotApplicable, "n/a"}}};
constexpr Names<StarttlsVerdict, 5> kStarttls{{{StarttlsVerdict::All, "all"},
                                               {StarttlsVerdict::Partial, "partial"},
                                               {StarttlsVerdict::None, "none"},
                                               {StarttlsVerdict::Unreachable, "unreachable"},
                                               {StarttlsVerdict::NotApplicable, "n/a"}}};
constexpr Names<DaneVerdict, 6> kDane{{{DaneVerdict::Valid, "valid"},
                                       {DaneVerdict::Invalid, "invalid"},
                                       {DaneVerdict::Partial, "partial"},
                                       {DaneVerdict::Untested, "untested"},
                                       {DaneVerdict::None, "none"},
                                       {DaneVerdict::NotApplicable, "n/a"}}};
constexpr Names<RolloverVerdict, 3> kRollover{{{RolloverVerdict::Yes, "yes"},
                                               {RolloverVerdict::No, "no"},
                                               {RolloverVerdict::NotApplicable, "n/a"}}};

constexpr Names<TlsQuality, 6> kTlsQuality{{{TlsQuality::Good, "good"},
                                            {TlsQuality::Sufficient, "sufficient"},
                                            {TlsQuality::PhaseOut, "phase_out"},
                                            {TlsQuality::Insufficient, "insufficient"},
                                            {TlsQuality::Incomplete, "incomplete"},
                                            {TlsQuality::NotApplicable, "n/a"}}};
constexpr Names<TlsItem, 12> kTlsItem{{{TlsItem::ProtocolVersions, "protocol_versions"},
                                       {TlsItem::Tls13Suites, "tls13_suites"},
                                       {TlsItem::Tls12Suites, "tls12_suites"},
                                       {TlsItem::EcdheGroups, "ecdhe_groups"},
                                       {TlsItem::FfdheGroups, "ffdhe_groups"},
                                       {TlsItem::KexHashes, "kex_hashes"},
                                       {TlsItem::CertKeys, "cert_keys"},
                                       {TlsItem::CertSignatures, "cert_signatures"},
                                       {TlsItem::CipherOrder, "cipher_order"},
                                       {TlsItem::Compression, "compression"},
                                       {TlsItem::SecureRenegotiation, "secure_renegotiation"},
                                       {TlsItem::ExtendedMasterSecret, "extended_master_secret"}}};
constexpr Names<TlsItemState, 3> kTlsItemState{{{TlsItemState::Measured, "measured"},
                                                {TlsItemState::Unknown, "unknown"},
                                                {TlsItemState::NotApplicable, "n/a"}}};
constexpr Names<SpfVerdict, 4> kSpf{{{SpfVerdict::Valid, "valid"},
                                     {SpfVerdict::Invalid, "invalid"},
                                     {SpfVerdict::None, "none"},
                                     {SpfVerdict::Error, "error"}}};
constexpr Names<SpfPolicy, 4> kSpfPolicy{{{SpfPolicy::Strict, "strict"},
                                          {SpfPolicy::Soft, "soft"},
                                          {SpfPolicy::Open, "open"},
                                          {SpfPolicy::NotApplicable, "n/a"}}};
constexpr Names<DmarcVerdict, 4> kDmarc{{{DmarcVerdict::Valid, "valid"},
                                         {DmarcVerdict::Invalid, "invalid"},
                                         {DmarcVerdict::None, "none"},
                                         {DmarcVerdict::Error, "error"}}};
constexpr Names<DmarcPolicy, 4> kDmarcPolicy{{{DmarcPolicy::Reject, "reject"},
                                              {DmarcPolicy::Quarantine, "quarantine"},
                                              {DmarcPolicy::None, "none"},
                                              {DmarcPolicy::NotApplicable, "n/a"}}};
constexpr Names<DkimVerdict, 3> kDkim{{{DkimVerdict::Present, "present"},
                                       {DkimVerdict::Absent, "absent"},
                                       {DkimVerdict::Error, "error"}}};
constexpr Names<MtaStsVerdict, 6> kMtaSts{{{MtaStsVerdict::Enforce, "enforce"},
                                           {MtaStsVerdict::Testing, "testing"},
                                           {MtaStsVerdict::None, "none"},
                                           {MtaStsVerdict::Invalid, "invalid"},
                                           {MtaStsVerdict::Error, "error"},
                                           {MtaStsVerdict::NotApplicable, "n/a"}}};
constexpr Names<MtaStsFetch, 12> kMtaStsFetch{{{MtaStsFetch::NotFetched, "not_fetched"},
                                               {MtaStsFetch::Ok, "ok"},
                                               {MtaStsFetch::DnsError, "dns_error"},
                                               {MtaStsFetch::NoAddress, "no_address"},
                                               {MtaStsFetch::NotPublic, "not_public"},
                                               {MtaStsFetch::Refused, "refused"},
                                               {MtaStsFetch::Timeout, "timeout"},
                                               {MtaStsFetch::TlsFailed, "tls_failed"},
                                               {MtaStsFetch::Certificate, "certificate"},
                                               {MtaStsFetch::Redirect, "redirect"},
                                               {MtaStsFetch::TooLarge, "too_large"},
                                               {MtaStsFetch::Error, "error"}}};
constexpr Names<TlsRptVerdict, 5> kTlsRpt{{{TlsRptVerdict::Valid, "valid"},
                                           {TlsRptVerdict::Invalid, "invalid"},
                                           {TlsRptVerdict::None, "none"},
                                           {TlsRptVerdict::Error, "error"},
                                           {TlsRptVerdict::NotApplicable, "n/a"}}};

template <class Enum, std::size_t N>
std::string_view name_of(const Names<Enum, N>& names, Enum value) {
  for (const auto& [e, text] : names)
    if (e == value) return text;
  return "?";  // unreachable for a valid enum value
}
template <class Enum, std::size_t N>
std::optional<Enum> value_of(const Names<Enum, N>& names, std::string_view text) {
  for (const auto& [e, name] : names)
    if (name == text) return e;
  return std::nullopt;
}

}  // namespace

std::string TlsaRecord::text() const {
  std::string out = std::to_string(usage) + ' ' + std::to_string(selector) + ' ' +
                    std::to_string(matching_type) + ' ';
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::uint8_t b : data) {
    out += kHex[b >> 4];
    out += kHex[b & 0x0f];
  }
  return out;
}

#define NULMETING_ENUM_TEXT(Enum, table)                           \
  std::string_view to_string(Enum v) { return name_of(table, v); } \
  template <>                                                      \
  std::optional<Enum> parse_enum<Enum>(std::string_view t) {       \
    return value_of(table, t);                                     \
  }

NULMETING_ENUM_TEXT(DnsClass, kDnsClass)
NULMETING_ENUM_TEXT(DnsReason, kDnsReason)
NULMETING_ENUM_TEXT(HostStatus, kHostStatus)
NULMETING_ENUM_TEXT(ProbeOutcome, kProbeOutcome)
NULMETING_ENUM_TEXT(DaneCheck, kDaneCheck)
NULMETING_ENUM_TEXT(DaneFailReason, kDaneFail)
NULMETING_ENUM_TEXT(Pkix, kPkix)
NULMETING_ENUM_TEXT(MailVerdict, kMail)
NULMETING_ENUM_TEXT(DnssecVerdict, kDnssec)
NULMETING_ENUM_TEXT(StarttlsVerdict, kStarttls)
NULMETING_ENUM_TEXT(DaneVerdict, kDane)
NULMETING_ENUM_TEXT(RolloverVerdict, kRollover)
NULMETING_ENUM_TEXT(TlsQuality, kTlsQuality)
NULMETING_ENUM_TEXT(TlsItem, kTlsItem)
NULMETING_ENUM_TEXT(TlsItemState, kTlsItemState)
NULMETING_ENUM_TEXT(SpfVerdict, kSpf)
NULMETING_ENUM_TEXT(SpfPolicy, kSpfPolicy)
NULMETING_ENUM_TEXT(DmarcVerdict, kDmarc)
NULMETING_ENUM_TEXT(DmarcPolicy, kDmarcPolicy)
NULMETING_ENUM_TEXT(DkimVerdict, kDkim)
NULMETING_ENUM_TEXT(MtaStsVerdict, kMtaSts)
NULMETING_ENUM_TEXT(TlsRptVerdict, kTlsRpt)
NULMETING_ENUM_TEXT(MtaStsFetch, kMtaStsFetch)

#undef NULMETING_ENUM_TEXT

}  // namespace nulmeting
