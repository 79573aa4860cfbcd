// measurement.hpp — the value types of one measurement, named exactly as measurement.md.
//
// This is the vocabulary shared by scanner (which fills these structs), storage (which stores
// them) and reports (which aggregates what storage read back). It lives in `domains` because
// that is the one library all three depend on; it holds no logic beyond name conversion.
//
// The enum names below ARE the interface: their text forms (to_string / parse_*) are what the
// JSONL export, the SQLite columns and the reports show. Changing one needs a schema migration
// and a changelog entry (measurement.md, first paragraph).
//
// Invariants: every struct is a plain value (copyable, no pointers into C libraries); strings
// taken from the network are already sanitised (printable, capped) by the scanner.
#pragma once

#include <nulmeting/domains/domain_list.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting {

// ---- §1: the class of one DNS answer ---------------------------------------------------
enum class DnsClass : std::uint8_t { Secure, Insecure, SecureNx, InsecureNx, Fail };

// The precise reason kept beside the class (stored, shown to advisers; not aggregated).
enum class DnsReason : std::uint8_t {
  Ok,         // data present
  NxDomain,   // name does not exist
  NoData,     // name exists, no records of this type
  Bogus,      // validation failed; why_bogus says why
  ServFail,   // SERVFAIL without data
  Refused,    // REFUSED
  Timeout,    // no answer in time (after retries)
  Malformed,  // answer could not be parsed, or an rcode we do not expect
  CnameLoop,  // CNAME chain longer than the limit or looping
  Error,      // local error (library failure)
};

struct DnsAnswer {
  std::string qname;        // the name asked, A-label, no trailing dot
  std::uint16_t qtype = 0;  // 1 A, 28 AAAA, 15 MX, 52 TLSA, 5 CNAME
  DnsClass cls = DnsClass::Fail;
  DnsReason reason = DnsReason::Error;
  int rcode = -1;                    // DNS rcode, -1 when there was no answer
  std::string why_bogus;             // libunbound's why_bogus, when reason == Bogus
  std::vector<std::string> records;  // presentation format of the RDATA, e.g. "10 mx1.example.nl."
  std::vector<std::string> cname_chain;  // names the query went through, excluding qname
  std::string canonical_name;  // final owner name after CNAME expansion (== qname if none)
  // How often the question was asked from the network. A `fail` is confirmed by asking again
  // (measurement.md §1) before it counts; attempts > 1 on a non-fail answer means a transient
  // failure recovered.
  int attempts = 1;
};

// ---- §2.2: TLSA -----------------------------------------------------------------------
struct TlsaRecord {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t matching_type = 0;
  std::vector<std::uint8_t> data;
  bool usable = false;       // usage 2/3, selector 0/1, matching 0/1/2, well-formed data length
  std::string text() const;  // "3 1 1 0a1b..." lower-case hex
};

enum class HostStatus : std::uint8_t {
  Ok,         // addresses found (and TLSA looked up where DANE applies)
  Unusable,   // A and AAAA both failed
  NoAddress,  // neither A nor AAAA exists
  TlsaError,  // the TLSA lookup failed (fail class): unusable, no further candidate tried
};

struct TlsaInfo {
  DnsClass status = DnsClass::InsecureNx;  // class of the deciding TLSA answer
  std::string base;                        // TLSA base domain (candidate that answered), or ""
  std::vector<TlsaRecord> records;         // as received (usable and unusable)
  int usable = 0;                          // count of usable records
  std::vector<DnsAnswer> lookups;          // every TLSA query made, in order (evidence)
};

// ---- §4: TLS quality of one address (measured on every starttls_ok address) ------------
// A graded item's value, an address's tls_quality and a domain's tls_quality share these names:
// good, sufficient, phase_out, insufficient; `incomplete` (some item unknown because the server
// refused or rate-limited a connection of the assessment: never guessed) and `n/a`.
// Ordering matters: a larger value is worse (verdict takes the maximum).
enum class TlsQuality : std::uint8_t {
  Good,
  Sufficient,
  PhaseOut,
  Insufficient,
  Incomplete,
  NotApplicable,
};

// The §4 items, graded and pass/fail, in the order of the contract's tables.
enum class TlsItem : std::uint8_t {
  ProtocolVersions,      // "protocol_versions"
  Tls13Suites,           // "tls13_suites"
  Tls12Suites,           // "tls12_suites"  (every suite of TLS 1.2 and below)
  EcdheGroups,           // "ecdhe_groups"
  FfdheGroups,           // "ffdhe_groups"
  KexHashes,             // "kex_hashes"    (key-exchange signature hashes, <= 1.2)
  CertKeys,              // "cert_keys"     (public key of every non-root certificate sent)
  CertSignatures,        // "cert_signatures"
  CipherOrder,           // "cipher_order"  (pass/fail)
  Compression,           // "compression"   (pass/fail)
  SecureRenegotiation,   // "secure_renegotiation" (pass/fail)
  ExtendedMasterSecret,  // "extended_master_secret" (pass/fail)
};

enum class TlsItemState : std::uint8_t {
  Measured,       // `found` is complete enough to grade (the planner guarantees the worst
                  // accepted value is in it)
  Unknown,        // a connection it needed was refused / rate-limited / timed out
  NotApplicable,  // e.g. ≤1.2 items on a TLS 1.3-only server
};

// Evidence and value of one item. `found` holds the accepted values the grade rests on, in
// these spellings (the verdict's tables read them): versions "SSLv2" "SSLv3" "TLSv1"
// "TLSv1.1" "TLSv1.2" "TLSv1.3"; suites by IANA name ("TLS_RSA_WITH_AES_128_CBC_SHA",
// "TLS_AES_256_GCM_SHA384"); groups by IANA name ("x25519", "secp224r1", "ffdhe2048") and a
// non-RFC 7919 DH group as "dh-<bits>"; hashes "md5" "sha1" "sha224" "sha256" "sha384"
// "sha512"; certificate keys "rsa-<bits>" "ec-<curve>" "ed25519" "ed448" "dsa-<bits>";
// certificate signatures "<hash>-rsa" "<hash>-ecdsa" "<hash>-rsa-pss" "ed25519" "ed448";
// pass/fail items list what failed ("deflate", "not supported", "client order followed",
// "prefers <suite> over <suite>") and are empty when they pass.
struct TlsItemResult {
  TlsItem item = TlsItem::ProtocolVersions;
  TlsItemState state = TlsItemState::Unknown;
  std::vector<std::string> found;
  TlsQuality value = TlsQuality::Incomplete;  // written by verdict (grading), not the scanner
};

struct TlsAssessment {
  bool assessed = false;  // false: the address's outcome was not starttls_ok (not assessed)
  std::vector<TlsItemResult> items;            // every TlsItem once, in enum order, when assessed
  std::vector<std::string> versions_accepted;  // every version the server accepted
  std::string preferred_suite;                 // the server's pick from our full offer
  std::string dh_group;                        // "ffdhe3072", "dh-1024", "" when no DHE
  std::optional<bool> client_renegotiation;    // information only (nullopt: not tested)
  int connections = 0;                         // connections beyond the main probe
  std::vector<std::string> unknown_reasons;    // why items are unknown ("refused at step 3")
  TlsQuality quality = TlsQuality::NotApplicable;  // the address's tls_quality (verdict)
};

// ---- §2.3: one SMTP probe of one address ----------------------------------------------------
enum class ProbeOutcome : std::uint8_t {
  StarttlsOk,
  NoStarttls,
  StarttlsRefused,
  TlsFailed,
  Refused,
  Timeout,
  SmtpTempError,
  SmtpPermError,
  Reset,
  ProtocolError,  // reached, then the dialogue broke before a reply to STARTTLS (§2.3)
  NotPublic,      // address not publicly routable and not allowed: never contacted
  NoRoute,        // not measured: the scanner's network cannot reach this address
  InternalError,  // not measured: the scanner's own fault (never server behaviour)
};

enum class DaneCheck : std::uint8_t {
  NotApplicable,  // no usable TLSA for this host: DANE was not tested
  Authenticated,
  Failed,
};
enum class DaneFailReason : std::uint8_t {
  None,
  NoMatch,
  NameMismatch,
  Expired,
  NoStarttls,
  TlsFailed,
  TlsaLookupFailed,
};
enum class Pkix : std::uint8_t { NotChecked, Valid, Invalid };

struct CertSummary {
  std::string subject, issuer;
  std::vector<std::string> sans;
  std::string not_before, not_after;  // ISO 8601 UTC
  std::string key_type;               // "RSA", "EC", "ED25519"
  int key_bits = 0;
  std::string signature_algorithm;
  std::string sha256;  // hex fingerprint of the DER certificate
};

struct ProbeResult {
  std::string ip;  // textual address, no brackets
  ProbeOutcome outcome = ProbeOutcome::Timeout;
  std::string tls_version, cipher, group;  // empty when no handshake
  DaneCheck dane = DaneCheck::NotApplicable;
  DaneFailReason dane_reason = DaneFailReason::None;
  int dane_depth = -1;       // chain depth of the matched record, -1 if none
  std::string dane_matched;  // TLSA record text that matched
  Pkix pkix = Pkix::NotChecked;
  std::string pkix_error;
  std::optional<std::string> error;    // human-readable detail of a non-ok outcome
  std::string transcript;              // capped, sanitised SMTP chat (C: / S: lines)
  std::vector<CertSummary> chain;      // leaf first, capped
  std::vector<std::uint8_t> leaf_der;  // the peer's leaf certificate (DER): lets a domain whose
                                       // MX RRset is secure re-check DANE-TA names with its own
                                       // extra reference identifiers without a second probe
  std::string sni;
  TlsAssessment tls;  // §4, on starttls_ok addresses
  int attempts = 1;   // connection attempts (4xx-banner retries included)
  double duration_ms = 0;
};

// ---- §2: one MX host ------------------------------------------------------------------
struct MxHostResult {
  std::string name;  // A-label, no trailing dot
  std::uint16_t preference = 0;
  bool name_is_ip_literal = false;  // misconfiguration flag (exchange looks like an address)
  HostStatus status = HostStatus::Ok;
  DnsClass address_dnssec = DnsClass::Fail;  // weakest class of the A/AAAA answers with data
  std::vector<DnsAnswer> address_lookups;    // A then AAAA
  std::optional<TlsaInfo> tlsa;  // absent when no TLSA lookup was made (insecure addresses)
  std::vector<ProbeResult> addresses;
};

// ---- §5: MTA-STS evidence (RFC 8461) -------------------------------------------------------
// What fetching https://mta-sts.D/.well-known/mta-sts.txt gave, as the scanner saw it; the
// verdict module reads the rest (status, type, body) and decides.
enum class MtaStsFetch : std::uint8_t {
  NotFetched,   // no fetch was made (no valid TXT record, or mail is not `receives`)
  Ok,           // an HTTP response was read completely (any status; the verdict checks it)
  DnsError,     // the A/AAAA lookup of mta-sts.D failed (fail class)
  NoAddress,    // mta-sts.D has no address
  NotPublic,    // every address of mta-sts.D is outside the address policy: never contacted
  Refused,      // connection refused or reset
  Timeout,      // connect or total time-out
  TlsFailed,    // TLS handshake failed
  Certificate,  // PKIX validation or name check failed
  Redirect,     // a 3xx answer (never followed)
  TooLarge,     // body beyond 64 KiB: aborted
  Error,        // any other transfer failure (fetch_error says which)
};

struct MtaStsEvidence {
  bool looked_up = false;               // false: not measured (mail is not `receives`)
  DnsAnswer txt;                        // TXT at _mta-sts.D
  std::vector<DnsAnswer> host_lookups;  // A and AAAA of mta-sts.D, when fetched
  MtaStsFetch fetch = MtaStsFetch::NotFetched;
  std::string ip;            // the address the policy was fetched from
  int http_status = 0;       // 0 when no response
  std::string content_type;  // as sent
  std::string fetch_error;   // the transfer's own message for a failed fetch
  std::string policy_text;   // the body (≤ 64 KiB, sanitised)
  // Written by the verdict module (verdict::finalize), read back for evidence:
  std::string id;    // id= of the TXT record
  std::string mode;  // "enforce" "testing" "none", "" when no valid policy
  std::optional<std::int64_t> max_age;
  std::vector<std::string> mx_patterns;
  std::vector<std::string> mx_not_matching;  // MX hosts no pattern matches
  std::string reason;                        // why the verdict is what it is ("no TXT record", ...)
};

// ---- §3: domain verdicts ----------------------------------------------------------------
enum class MailVerdict : std::uint8_t { Receives, NullMx, NoMail, Error };
enum class DnssecVerdict : std::uint8_t { Secure, Insecure, Bogus, Error, NotApplicable };
enum class StarttlsVerdict : std::uint8_t { All, Partial, None, Unreachable, NotApplicable };
enum class DaneVerdict : std::uint8_t { Valid, Invalid, Partial, Untested, None, NotApplicable };
enum class RolloverVerdict : std::uint8_t { Yes, No, NotApplicable };
// §5 — the other mail standards (the `none` of DmarcPolicy is the p=none policy).
enum class SpfVerdict : std::uint8_t { Valid, Invalid, None, Error };
enum class SpfPolicy : std::uint8_t { Strict, Soft, Open, NotApplicable };
enum class DmarcVerdict : std::uint8_t { Valid, Invalid, None, Error };
enum class DmarcPolicy : std::uint8_t { Reject, Quarantine, None, NotApplicable };
enum class DkimVerdict : std::uint8_t { Present, Absent, Error };
enum class MtaStsVerdict : std::uint8_t { Enforce, Testing, None, Invalid, Error, NotApplicable };
enum class TlsRptVerdict : std::uint8_t { Valid, Invalid, None, Error, NotApplicable };

struct DomainVerdict {
  MailVerdict mail = MailVerdict::Error;
  DnssecVerdict dnssec = DnssecVerdict::Error;
  StarttlsVerdict starttls = StarttlsVerdict::NotApplicable;
  DaneVerdict dane = DaneVerdict::NotApplicable;
  RolloverVerdict dane_rollover = RolloverVerdict::NotApplicable;
  bool protected_ = false;                             // dnssec == secure && dane == valid
  TlsQuality tls_quality = TlsQuality::NotApplicable;  // §3/§4
  // §5 (their evidence lives in DomainResult, added by the features that measure them)
  SpfVerdict spf = SpfVerdict::Error;
  SpfPolicy spf_policy = SpfPolicy::NotApplicable;
  DmarcVerdict dmarc = DmarcVerdict::Error;
  DmarcPolicy dmarc_policy = DmarcPolicy::NotApplicable;
  DkimVerdict dkim = DkimVerdict::Error;
  MtaStsVerdict mta_sts = MtaStsVerdict::NotApplicable;
  TlsRptVerdict tls_rpt = TlsRptVerdict::NotApplicable;
};

// ---- §5: evidence of spf, dmarc, dkim and tls_rpt ----------------------------------------
// TXT records appear in DnsAnswer::records as their character-strings joined without
// separators (RFC 7208 §3.3), "\\" for a backslash and "\DDD" for a byte outside printable ASCII.
struct MailStandardsEvidence {
  bool measured = false;  // false: not looked up (a run from before these standards)
  // SPF: the TXT answer at D, then every answer the evaluation asked for (include/redirect TXT,
  // a/exists A, mx MX) in evaluation order.
  DnsAnswer spf_txt;
  std::vector<DnsAnswer> spf_lookups;
  std::string spf_record;              // the one v=spf1 record at D, "" when not exactly one
  std::vector<std::string> spf_trace;  // terms followed: "include:x.nl", "redirect=y.nl"
  int spf_dns_terms = 0;               // DNS-querying terms counted (limit 10, RFC 7208 §4.6.4)
  int spf_void_lookups = 0;            // void lookups counted (limit 2)
  std::string spf_result;              // evaluation result for an address no term lists
  std::string spf_reason;              // why the verdict is what it is ("" when valid)
  // DMARC: `_dmarc.D`, and `_dmarc.<organisational domain>` when D has none.
  DnsAnswer dmarc_txt;
  std::optional<DnsAnswer> dmarc_org_txt;
  std::string org_domain;    // organisational domain of D (libpsl)
  std::string dmarc_record;  // the record that applies, "" when none
  bool dmarc_from_org = false;
  std::optional<int> dmarc_pct;
  std::string dmarc_p, dmarc_sp, dmarc_rua;
  std::string dmarc_reason;
  DnsAnswer dkim;  // `_domainkey.D` TXT
  // TLS-RPT: `_smtp._tls.D` (asked for every domain; the verdict is n/a without mail).
  DnsAnswer tls_rpt_txt;
  std::string tls_rpt_record, tls_rpt_reason;
};

struct DomainResult {
  DomainEntry entry;  // the list row this result is for
  DomainVerdict verdict;
  bool implicit_mx = false;           // NODATA at MX: host list is [domain]
  DnsAnswer mx_lookup;                // the MX answer (evidence for mail and dnssec)
  std::vector<MxHostResult> mx;       // by preference, then name
  std::vector<std::string> findings;  // misconfigurations noticed (null MX beside others, ...)
  // Address families left out of the verdicts because the scanner could not reach them
  // (outcome no_route): "ipv4", "ipv6". Non-empty: the domain is not fully measured (§3).
  std::vector<std::string> incomplete;
  // Why this domain's verdicts are not a measurement of the domain: the scanner's own faults
  // and verdicts resting on a confirmed DNS failure (§1). Non-empty: listed by scan, exit 1.
  std::vector<std::string> unmeasured;
  MtaStsEvidence mta_sts;                // §5
  MailStandardsEvidence mail_standards;  // §5 (MTA-STS keeps its own evidence)
};

// ---- text forms: exactly the names of measurement.md -------------------------------------
std::string_view to_string(DnsClass);
std::string_view to_string(DnsReason);
std::string_view to_string(HostStatus);
std::string_view to_string(ProbeOutcome);
std::string_view to_string(DaneCheck);
std::string_view to_string(DaneFailReason);
std::string_view to_string(Pkix);
std::string_view to_string(MailVerdict);
std::string_view to_string(DnssecVerdict);
std::string_view to_string(StarttlsVerdict);
std::string_view to_string(DaneVerdict);
std::string_view to_string(RolloverVerdict);
std::string_view to_string(TlsQuality);
std::string_view to_string(TlsItem);
std::string_view to_string(TlsItemState);
std::string_view to_string(SpfVerdict);
std::string_view to_string(SpfPolicy);
std::string_view to_string(DmarcVerdict);
std::string_view to_string(DmarcPolicy);
std::string_view to_string(DkimVerdict);
std::string_view to_string(MtaStsVerdict);
std::string_view to_string(MtaStsFetch);
std::string_view to_string(TlsRptVerdict);

// Inverse of to_string; std::nullopt for an unknown name (reading a database or a fixture).
template <class Enum>
std::optional<Enum> parse_enum(std::string_view text);

}  // namespace nulmeting
