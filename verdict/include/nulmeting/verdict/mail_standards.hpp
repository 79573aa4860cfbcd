// mail_standards.hpp — the rules of measurement.md §5 for spf, spf_policy, dmarc, dmarc_policy,
// dkim and tls_rpt, as pure functions over the TXT answers a scan gathered.
//
// Who calls it: the scanner (resolve.cpp) asks SpfEvaluation which DNS question comes next and
// dmarc_org_question() whether the organisational domain must be asked; verdict::finalize()
// replays the recorded answers through the same SpfEvaluation and parses the DMARC, DKIM and
// TLS-RPT answers, so every caller (scan, check, reports, fixtures) gets the same verdicts
// from the stored evidence.
//
// Readings (docs/decisions/mail-standards.md):
// - SPF is evaluated for an address that no ip4/ip6/a/mx/ptr/exists term lists: every
//   DNS-querying term up to the first match is counted, `include` matches only when its record
//   evaluates to pass, `redirect` is followed when no term matched. The result of that
//   evaluation gives the policy: fail (`-all`) strict, softfail (`~all`) soft, anything else
//   open. permerror (syntax, limits, an include or redirect without exactly one SPF record) is
//   `invalid`; temperror (a DNS `fail`) is `error`.
// - A term whose domain-spec holds a macro cannot be expanded without a message; it is counted
//   but not looked up (a `ptr` term likewise: it needs the client's address).
// - DMARC: `_dmarc.D` with more than one DMARC record is `invalid` without a fallback (RFC
//   7489 §6.6.3 ends discovery there); none at D asks the organisational domain when it
//   differs from D.
// Pure functions, any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::verdict {

// ---- SPF record grammar (RFC 7208 §4.5, §12) -------------------------------------------------
enum class SpfQualifier : std::uint8_t { Pass, Fail, SoftFail, Neutral };
enum class SpfTermKind : std::uint8_t {
  All,
  Include,
  A,
  Mx,
  Ptr,
  Ip4,
  Ip6,
  Exists,
  Redirect,
  Exp,
  Unknown,  // an unknown modifier (name=value): ignored by evaluation
};
struct SpfTerm {
  SpfTermKind kind = SpfTermKind::All;
  SpfQualifier qualifier = SpfQualifier::Pass;
  std::string domain_spec;  // "" when the term names no domain (a, mx without ":")
  bool has_macro = false;   // domain_spec holds a macro-expand
  std::string text;         // the term as written
};
struct SpfRecord {
  std::vector<SpfTerm> terms;                // directives in order, then the modifiers in order
  std::optional<std::size_t> redirect, exp;  // index into terms
};
// True when `txt` is an SPF record by RFC 7208 §4.5: "v=spf1" (any case) then a space or the end.
bool is_spf_record(std::string_view txt);
// The whole record, "v=spf1 ..."; an error text (what is wrong, where) on a syntax error.
struct SpfParse {
  std::optional<SpfRecord> record;
  std::string error;
};
SpfParse parse_spf(std::string_view txt);

// ---- SPF evaluation as a state machine over DNS answers -------------------------------------
enum class SpfResult : std::uint8_t { None, Neutral, Pass, Fail, SoftFail, TempError, PermError };
std::string_view to_string(SpfResult);

struct SpfQuestion {
  std::string name;  // A-label, no trailing dot
  std::uint16_t qtype = 16;
};

class SpfEvaluation {
 public:
  static constexpr int kMaxDnsTerms = 10;
  static constexpr int kMaxVoidLookups = 2;
  // Evaluation of D's policy; the first question is always TXT at D.
  explicit SpfEvaluation(std::string domain);
  // The question to answer now; nullopt when the evaluation is done.
  const std::optional<SpfQuestion>& question() const noexcept { return question_; }
  // The answer to question(); moves the evaluation on to its next question or the end.
  void answer(const DnsAnswer& a);
  bool done() const noexcept { return finished_; }
  SpfResult result() const noexcept { return result_; }
  const std::string& reason() const noexcept { return reason_; }
  const std::string& record() const noexcept { return record_; }  // the record at D
  const std::vector<std::string>& trace() const noexcept { return trace_; }
  int dns_terms() const noexcept { return dns_terms_; }
  int void_lookups() const noexcept { return voids_; }

 private:
  enum class FrameKind : std::uint8_t { Top, Include, Redirect };
  struct Frame {
    FrameKind kind = FrameKind::Top;
    std::string domain;
    SpfRecord record;
    std::size_t next = 0;                         // next term to evaluate
    SpfQualifier qualifier = SpfQualifier::Pass;  // of the include that opened this frame
    bool redirected = false;
  };
  enum class Waiting : std::uint8_t { Record, Address, Mx };
  void run();  // evaluates until a question or the end
  void finish(SpfResult r, std::string reason);
  void return_from_frame(SpfResult r);  // the top frame ended with r
  bool count_term(const SpfTerm& t);    // false: limit exceeded (finished with permerror)
  void take_record(const DnsAnswer& a);

  std::string domain_;
  std::vector<Frame> stack_;
  std::optional<SpfQuestion> question_;
  Waiting waiting_ = Waiting::Record;
  FrameKind pending_kind_ = FrameKind::Top;
  SpfQualifier pending_qualifier_ = SpfQualifier::Pass;
  SpfResult result_ = SpfResult::None;
  std::string reason_, record_;
  std::vector<std::string> trace_;
  int dns_terms_ = 0, voids_ = 0;
  bool finished_ = false;
};

// Replays recorded answers (the TXT at D, then each lookup in order) through SpfEvaluation.
// A recorded answer that is not for the question asked, or missing answers, leave the
// evaluation unfinished: result temperror, reason says so.
SpfEvaluation replay_spf(const std::string& domain, const DnsAnswer& txt,
                         const std::vector<DnsAnswer>& lookups);

// ---- DMARC (RFC 7489 §6.3, §6.6.3) -----------------------------------------------------------
bool is_dmarc_record(std::string_view txt);
struct DmarcRecord {
  DmarcPolicy p = DmarcPolicy::NotApplicable;
  std::optional<DmarcPolicy> sp;
  int pct = 100;
  bool pct_given = false;
  std::string p_text, sp_text, rua;
};
struct DmarcParse {
  std::optional<DmarcRecord> record;
  std::string error;
};
DmarcParse parse_dmarc(std::string_view txt);

// The organisational domain of `domain` by the Public Suffix List (libpsl's built-in list; an
// unknown TLD counts as a public suffix, the `*` rule). A-label in, A-label out.
std::string organizational_domain(std::string_view domain);
// The organisational domain whose `_dmarc` must be asked after `_dmarc.D` answered `at_domain`,
// or nullopt (D had a record, more than one, a failure, or D is its own org domain).
std::optional<std::string> dmarc_org_question(std::string_view domain, const DnsAnswer& at_domain);

// ---- TLS-RPT (RFC 8460 §3) -------------------------------------------------------------------
bool is_tls_rpt_record(std::string_view txt);
// Empty when `txt` is a valid v=TLSRPTv1 record with rua= of mailto: / https: URIs; else why not.
std::string tls_rpt_error(std::string_view txt);

// ---- the verdicts (write the derived evidence fields too) ------------------------------------
struct SpfDecision {
  SpfVerdict verdict = SpfVerdict::Error;
  SpfPolicy policy = SpfPolicy::NotApplicable;
};
SpfDecision decide_spf(MailStandardsEvidence& ev, const std::string& domain);
struct DmarcDecision {
  DmarcVerdict verdict = DmarcVerdict::Error;
  DmarcPolicy policy = DmarcPolicy::NotApplicable;
};
DmarcDecision decide_dmarc(MailStandardsEvidence& ev);
DkimVerdict decide_dkim(const MailStandardsEvidence& ev);
TlsRptVerdict decide_tls_rpt(MailStandardsEvidence& ev, MailVerdict mail);

// All four into `v` (v.mail decided first) and the derived fields of `ev` (record, trace,
// counts, reasons, org domain). Does nothing when the evidence was never measured.
// decide_domain() and finalize() call it.
void decide_mail_standards(MailStandardsEvidence& ev, const std::string& domain, DomainVerdict& v);

}  // namespace nulmeting::verdict
