// Verdict names are an interface (measurement.md): every enum value has its documented name and
// parses back to itself.
#include <nulmeting/domains/measurement.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;

namespace {
template <class Enum>
void round_trip(std::initializer_list<std::pair<Enum, std::string_view>> table) {
  for (auto [value, name] : table) {
    CAPTURE(name);
    CHECK(to_string(value) == name);
    auto back = parse_enum<Enum>(name);
    REQUIRE(back.has_value());
    CHECK(*back == value);
  }
  CHECK_FALSE(parse_enum<Enum>("no-such-name").has_value());
}
}  // namespace

TEST_CASE("verdict names are exactly those of measurement.md", "[measurement]") {
  round_trip<DnsClass>({{DnsClass::Secure, "secure"},
                        {DnsClass::Insecure, "insecure"},
                        {DnsClass::SecureNx, "secure-nx"},
                        {DnsClass::InsecureNx, "insecure-nx"},
                        {DnsClass::Fail, "fail"}});
  round_trip<MailVerdict>({{MailVerdict::Receives, "receives"},
                           {MailVerdict::NullMx, "null_mx"},
                           {MailVerdict::NoMail, "no_mail"},
                           {MailVerdict::Error, "error"}});
  round_trip<DnssecVerdict>({{DnssecVerdict::Secure, "secure"},
                             {DnssecVerdict::Insecure, "insecure"},
                             {DnssecVerdict::Bogus, "bogus"},
                             {DnssecVerdict::Error, "error"},
                             {DnssecVerdict::NotApplicable, "n/a"}});
  round_trip<StarttlsVerdict>({{StarttlsVerdict::All, "all"},
                               {StarttlsVerdict::Partial, "partial"},
                               {StarttlsVerdict::None, "none"},
                               {StarttlsVerdict::Unreachable, "unreachable"},
                               {StarttlsVerdict::NotApplicable, "n/a"}});
  round_trip<DaneVerdict>({{DaneVerdict::Valid, "valid"},
                           {DaneVerdict::Invalid, "invalid"},
                           {DaneVerdict::Partial, "partial"},
                           {DaneVerdict::Untested, "untested"},
                           {DaneVerdict::None, "none"},
                           {DaneVerdict::NotApplicable, "n/a"}});
  round_trip<RolloverVerdict>({{RolloverVerdict::Yes, "yes"},
                               {RolloverVerdict::No, "no"},
                               {RolloverVerdict::NotApplicable, "n/a"}});
  round_trip<ProbeOutcome>({{ProbeOutcome::StarttlsOk, "starttls_ok"},
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
                            {ProbeOutcome::InternalError, "internal_error"}});
  round_trip<HostStatus>({{HostStatus::Ok, "ok"},
                          {HostStatus::Unusable, "unusable"},
                          {HostStatus::NoAddress, "no_address"},
                          {HostStatus::TlsaError, "tlsa_error"}});
  round_trip<DaneCheck>({{DaneCheck::Authenticated, "authenticated"},
                         {DaneCheck::Failed, "failed"},
                         {DaneCheck::NotApplicable, "n/a"}});
}

TEST_CASE("v2 names: tls_quality and the other mail standards (§3-§5)", "[measurement]") {
  round_trip<TlsQuality>({{TlsQuality::Good, "good"},
                          {TlsQuality::Sufficient, "sufficient"},
                          {TlsQuality::PhaseOut, "phase_out"},
                          {TlsQuality::Insufficient, "insufficient"},
                          {TlsQuality::Incomplete, "incomplete"},
                          {TlsQuality::NotApplicable, "n/a"}});
  round_trip<TlsItem>({{TlsItem::ProtocolVersions, "protocol_versions"},
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
                       {TlsItem::ExtendedMasterSecret, "extended_master_secret"}});
  round_trip<TlsItemState>({{TlsItemState::Measured, "measured"},
                            {TlsItemState::Unknown, "unknown"},
                            {TlsItemState::NotApplicable, "n/a"}});
  round_trip<SpfVerdict>({{SpfVerdict::Valid, "valid"},
                          {SpfVerdict::Invalid, "invalid"},
                          {SpfVerdict::None, "none"},
                          {SpfVerdict::Error, "error"}});
  round_trip<SpfPolicy>({{SpfPolicy::Strict, "strict"},
                         {SpfPolicy::Soft, "soft"},
                         {SpfPolicy::Open, "open"},
                         {SpfPolicy::NotApplicable, "n/a"}});
  round_trip<DmarcVerdict>({{DmarcVerdict::Valid, "valid"},
                            {DmarcVerdict::Invalid, "invalid"},
                            {DmarcVerdict::None, "none"},
                            {DmarcVerdict::Error, "error"}});
  round_trip<DmarcPolicy>({{DmarcPolicy::Reject, "reject"},
                           {DmarcPolicy::Quarantine, "quarantine"},
                           {DmarcPolicy::None, "none"},
                           {DmarcPolicy::NotApplicable, "n/a"}});
  round_trip<DkimVerdict>({{DkimVerdict::Present, "present"},
                           {DkimVerdict::Absent, "absent"},
                           {DkimVerdict::Error, "error"}});
  round_trip<MtaStsVerdict>({{MtaStsVerdict::Enforce, "enforce"},
                             {MtaStsVerdict::Testing, "testing"},
                             {MtaStsVerdict::None, "none"},
                             {MtaStsVerdict::Invalid, "invalid"},
                             {MtaStsVerdict::Error, "error"},
                             {MtaStsVerdict::NotApplicable, "n/a"}});
  round_trip<TlsRptVerdict>({{TlsRptVerdict::Valid, "valid"},
                             {TlsRptVerdict::Invalid, "invalid"},
                             {TlsRptVerdict::None, "none"},
                             {TlsRptVerdict::Error, "error"},
                             {TlsRptVerdict::NotApplicable, "n/a"}});
  round_trip<MtaStsFetch>({{MtaStsFetch::NotFetched, "not_fetched"},
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
                           {MtaStsFetch::Error, "error"}});
}

TEST_CASE("TLSA record text is usage selector type hex", "[measurement]") {
  TlsaRecord r{3, 1, 1, {0x0a, 0x1b, 0xff}, true};
  CHECK(r.text() == "3 1 1 0a1bff");
}

TEST_CASE("sectors parse from list names and labels in both languages", "[sector]") {
  CHECK(parse_sector("gemeente") == Sector::Gemeente);
  CHECK(parse_sector("Gemeenten") == Sector::Gemeente);
  CHECK(parse_sector("WATERSCHAP") == Sector::Waterschap);
  CHECK(parse_sector("Provinces") == Sector::Provincie);
  CHECK(parse_sector("rijk") == Sector::Rijk);
  CHECK_FALSE(parse_sector("ministerie").has_value());
  for (Sector s : kAllSectors) CHECK(parse_sector(to_string(s)) == s);
}
