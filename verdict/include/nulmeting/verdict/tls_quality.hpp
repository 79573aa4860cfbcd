// tls_quality.hpp — the TLS quality rules of measurement.md §4 (NCSC TLS guidelines 2025-05 as
// internet.nl applies them to mail): the classification tables, the grade of one item from its
// evidence, an address's tls_quality from its items and the domain's from its addresses.
//
// Callers: the scanner's TLS assessment plans its offers from known_suites() (which includes
// suites Debian's OpenSSL cannot negotiate: the hand-built ClientHello offers those); the
// domain verdicts (domain.hpp: decide_tls_quality, finalize) grade the evidence the scanner
// recorded; `check` and the reports read the graded values. Nothing else grades.
// Values the tables do not list are `insufficient` (§4: "anything accepted that is not listed as
// acceptable"). Spellings of the evidence: the comment on TlsItemResult in measurement.hpp.
// Pure functions over constant tables, any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstdint>
#include <span>
#include <string_view>

namespace nulmeting::verdict {

// One IANA cipher suite. `openssl` is OpenSSL 3's name for it, "" when OpenSSL 3 has none
// (EXPORT, single DES, static ECDH, CAMELLIA-GCM, ARIA-CBC...); whether the linked library can
// negotiate a suite that has a name (3DES, RC4, SEED, IDEA need the legacy provider or are not
// built on Debian) is a run-time question for the caller.
struct SuiteInfo {
  std::uint16_t id;
  std::string_view iana;     // "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
  std::string_view openssl;  // "ECDHE-RSA-AES128-GCM-SHA256", or ""
  bool tls13;                // a TLS 1.3 suite (graded by the 1.3 table), else ≤ 1.2
  TlsQuality grade;          // §4: good / sufficient / phase_out / insufficient
};

// Every suite the scanner may offer, ordered by id: TLS 1.3, and ≤ 1.2 suites with (EC)DHE,
// static RSA/DH/ECDH, anonymous, EXPORT, NULL, RC4, DES/3DES, SEED, IDEA, CAMELLIA, ARIA,
// CCM. Not included: PSK and SRP suites (they need a shared secret a mail server does not have
// with us), GOST and signalling values (SCSV).
std::span<const SuiteInfo> known_suites();
const SuiteInfo* find_suite(std::uint16_t id);       // nullptr when not in the table
const SuiteInfo* find_suite(std::string_view name);  // by IANA or OpenSSL name; nullptr if none

// The §4 tables, one accepted value each (spellings as in measurement.md's TlsItemResult).
TlsQuality grade_suite(std::string_view iana);  // unknown → insufficient
// Per version: TLSv1.3 good, TLSv1.2 sufficient, anything older or unknown insufficient. The
// item is the worst over the accepted versions: "1.3 only" good, "1.2 (and 1.3)" sufficient.
TlsQuality grade_version(std::string_view version);
TlsQuality grade_ecdhe_group(std::string_view group);   // "x25519", "secp224r1", ...
TlsQuality grade_ffdhe_group(std::string_view group);   // "ffdhe3072", "dh-1024", ...
TlsQuality grade_kex_hash(std::string_view hash);       // "sha256", "sha1", ...
TlsQuality grade_cert_key(std::string_view key);        // "rsa-2048", "ec-secp384r1", "ed25519"
TlsQuality grade_cert_signature(std::string_view sig);  // "sha256-rsa", "sha1-ecdsa", "ed448"

// The worse of two values, in the order good < sufficient < phase_out < incomplete <
// insufficient; n/a is no value (the other one wins). `incomplete` sits below `insufficient`
// because a known insufficient item or address is a fact whatever the unknown part would show,
// while a known phase_out next to an unknown part could still turn out insufficient
// (docs/decisions/verdict-readings.md).
TlsQuality worse(TlsQuality a, TlsQuality b);

// ---- grading the evidence (docs/decisions/verdict-readings.md, "TLS quality") ----------------
// True for the four pass/fail items (cipher order, compression, secure renegotiation, extended
// master secret); false for the eight graded ones.
bool is_pass_fail(TlsItem item);
// The value of one item from its state and `found`:
//   state unknown → incomplete; state not_applicable → n/a;
//   graded item   → the worst of `found` by its table (protocol versions: per version, so
//                   "1.3 only" good, "1.2 (and 1.3)" sufficient, anything older insufficient);
//                   nothing found (nothing of that kind accepted) → n/a;
//   pass/fail     → `found` empty: passes, value good (the bottom of "worst of": no effect on
//                   the address); anything found → insufficient.
TlsQuality grade_item(const TlsItemResult& item);
// An address's tls_quality: n/a when it was not assessed; else the worst of its items' values
// (recomputed from the evidence, not read from `value`) with worse(): one insufficient item
// makes the address insufficient even when others are unknown; otherwise an unknown item
// makes it incomplete. An assessment with no graded value at all is incomplete.
TlsQuality address_tls_quality(const TlsAssessment& tls);
// Writes every item's value and the address's quality into `tls`. Idempotent.
void grade_assessment(TlsAssessment& tls);

}  // namespace nulmeting::verdict
