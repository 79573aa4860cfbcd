// dane_tlsa.hpp — TLSA record parsing and usability (RFC 6698 §2, RFC 7672 §3.1).
//
// Who calls it: the DANE setup of a probe (dane_verify.cpp) re-derives usability itself instead
// of trusting a flag from elsewhere, the pipeline may parse RDATA with it, and
// tests/fuzz/tlsa_fuzzer.cpp fuzzes both parsers.
//
// Usable (measurement.md §2.2): usage 2 or 3, selector 0 or 1, matching type 0/1/2, and
// well-formed data: 32 bytes for SHA2-256, 64 for SHA2-512, and for matching type 0 a DER
// certificate (selector 0) or SubjectPublicKeyInfo (selector 1) that parses completely.
// Usages 0 and 1 (PKIX-TA/PKIX-EE) are unusable for SMTP (RFC 7672 §3.1.3) even though OpenSSL
// would accept them, so they never reach SSL_dane_tlsa_add.
// Threading: pure functions.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace nulmeting::scanner {

constexpr std::size_t kMaxTlsaData = 65535;

// Wire-format RDATA: usage, selector, matching type, data. `usable` is computed.
std::expected<TlsaRecord, std::string> parse_tlsa_rdata(std::span<const std::uint8_t> rdata);
// Presentation format "3 1 1 0A1B..." (hex may contain white space, as in zone files).
std::expected<TlsaRecord, std::string> parse_tlsa_text(std::string_view text);
// The usability rule above, for a record from anywhere.
bool tlsa_usable(const TlsaRecord& r);

}  // namespace nulmeting::scanner
