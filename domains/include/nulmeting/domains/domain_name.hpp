// domain_name.hpp — turns a domain name as people write it into the form the scanner queries.
//
// Called by the list readers (CSV, ROO import) and by `nulmeting check DOMAIN`. The result is
// the A-label form (lower case, no trailing dot, every label LDH, <= 63 octets, whole name
// <= 253 octets, at least two labels) plus the U-label form for display. Anything that is
// not a usable mail domain is an error value with a sentence that says what to fix: IP
// literals (also in brackets), URLs and e-mail addresses, empty or overlong labels, invalid
// characters, hyphens at the start or end of a label, single-label names, an all-numeric
// top-level label.
//
// IDN: libidn2 with UTS #46 non-transitional processing and NFC input
// (IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT), so "ß" stays "ß" (xn--...) as IDNA2008 and
// browsers do, and case and full-width forms are mapped. A-labels given as input must
// round-trip (decode and re-encode to themselves).
//
// Pure functions, no state; safe from any thread.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace nulmeting {

struct DomainName {
  std::string ascii;    // A-label form: what DNS is asked
  std::string display;  // U-label form for people (== ascii for plain ASCII names)
};

// Normalises `input` (surrounding white space is ignored). The error text names the offending
// label or character and never ends with a full stop, so callers can add context.
std::expected<DomainName, std::string> normalize_domain(std::string_view input);

}  // namespace nulmeting
