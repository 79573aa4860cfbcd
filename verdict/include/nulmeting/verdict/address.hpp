// address.hpp — the rules of one address A of an MX host (measurement.md §2.3).
//
// Reach: reached = a complete 2xx greeting was received (starttls_ok, no_starttls,
// starttls_refused, tls_failed, protocol_error); not reached = refused, timeout, reset,
// smtp_temp_error, smtp_perm_error, not_public; not measured = no_route, internal_error (facts
// about the scanner: left out of every verdict).
//
// DANE per address: the probe records only what its handshake measured (authenticated, or
// failed no_match / name_mismatch / expired, against the reference identifiers it was given);
// address_dane() decides the final value from host and probe, once, for one domain:
//   host tlsa_error                           → failed (tlsa_lookup_failed), on every address
//   no usable TLSA                            → n/a
//   no_starttls, starttls_refused             → failed (no_starttls)
//   protocol_error                            → failed (no_starttls): the dialogue broke before
//                                               TLS could start (docs/decisions/verdict-readings.md)
//   tls_failed                                → failed (tls_failed)
//   starttls_ok                               → the handshake's result; a DANE-TA name mismatch
//                                               whose chain otherwise authenticated is re-checked
//                                               against the domain's own reference identifiers
//   not reached / not measured                → n/a (not tested)
// Reference identifiers (RFC 7672 §3.2.2, as Postfix): the TLSA base domain; plus, when the MX
// RRset is secure, D and its CNAME expansion. The original MX host name is not one when the
// base domain is its CNAME expansion. SAN first, CN only without DNS SANs, wildcard only as the
// whole left label (X509_check_host with NO_PARTIAL_WILDCARDS).
// Pure functions, any thread (libcrypto is only used to parse and match a certificate).
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::verdict {

enum class Reach : std::uint8_t { Reached, NotReached, NotMeasured };
Reach reach(ProbeOutcome o);
inline bool reached(const ProbeResult& p) { return reach(p.outcome) == Reach::Reached; }
inline bool measured(const ProbeResult& p) { return reach(p.outcome) != Reach::NotMeasured; }

// "ipv4" or "ipv6" for a textual address.
std::string_view address_family(std::string_view ip);

// Reference identifiers the probe of one (host, address) checks: the TLSA base domain only.
// The names that depend on the domain (D, its expansion) are added per domain by
// domain_reference_names(), because one probe serves every domain behind the host.
std::vector<std::string> probe_reference_names(std::string_view tlsa_base);
// D and its CNAME expansion when the MX RRset of the domain is secure (with data), else none.
std::vector<std::string> domain_reference_names(const DomainResult& r);

// True when the DER leaf certificate matches one of `names` (RFC 6125 rules as above).
bool leaf_matches_name(std::span<const std::uint8_t> leaf_der, std::span<const std::string> names);

struct AddressDane {
  DaneCheck dane = DaneCheck::NotApplicable;
  DaneFailReason reason = DaneFailReason::None;
  bool operator==(const AddressDane&) const = default;
};
// The final DANE value of probe `p` of host `h` for a domain with reference names
// `domain_names` (from domain_reference_names).
AddressDane address_dane(const MxHostResult& h, const ProbeResult& p,
                         std::span<const std::string> domain_names);

}  // namespace nulmeting::verdict
