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
