// tlsa.hpp — TLSA records: parsing and THE usability rule (RFC 6698 §2, RFC 7672 §3.1,
// measurement.md §2.2 last bullet).
//
// Usable: usage 2 (DANE-TA) or 3 (DANE-EE), selector 0 or 1, matching type 0/1/2, and data
// that is well formed: 32 bytes for SHA2-256, 64 for SHA2-512, and for matching type 0 a DER
// certificate (selector 0) or SubjectPublicKeyInfo (selector 1) that parses completely — so a
// `3 1 0 <certificate DER>` record (selector 1 names a key, the data is a certificate) is
// unusable. Usages 0 and 1 (PKIX-TA/PKIX-EE) are unusable for SMTP (RFC 7672 §3.1.3) although
// OpenSSL would take them.
// This is the only place that decides usability: the resolver (TlsaInfo::usable), the probe's
// DANE setup, the verdicts, `check` and the reports all go through tlsa_usable(). Digest agility
// (RFC 7671 §9: per usage+selector only the strongest digest present counts) is applied by
// OpenSSL during the handshake (SSL_CTX_dane_enable's default digest ordinals), not here.
// Pure functions, any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::verdict {

inline constexpr std::size_t kMaxTlsaData = 65535;

// The usability rule above, for a record from anywhere.
bool tlsa_usable(const TlsaRecord& r);

// Wire-format RDATA: usage, selector, matching type, data. `usable` is set by tlsa_usable().
std::expected<TlsaRecord, std::string> parse_tlsa_rdata(std::span<const std::uint8_t> rdata);
// Presentation format "3 1 1 0A1B..." (white space inside the hex allowed, as in zone files;
// empty data allowed: such a record exists and is unusable). `usable` is set.
std::expected<TlsaRecord, std::string> parse_tlsa_text(std::string_view text);

// TlsaInfo of a TLSA answer at `base`: every record parsed (one that does not parse is kept as
// an unusable record so that counts stay honest), usable ones counted.
TlsaInfo tlsa_info_from(const DnsAnswer& answer, const std::string& base);

// The usable records of a host's TLSA RRset (what DANE authenticates against); empty when the
// RRset is not secure or has no base domain.
std::vector<TlsaRecord> usable_records(const TlsaInfo& info);

}  // namespace nulmeting::verdict
