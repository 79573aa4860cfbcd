// mta_sts.hpp — MTA-STS (RFC 8461) as measurement.md §5 reads it: the `_mta-sts.D` TXT record,
// the policy file's grammar, MX pattern matching and the domain's `mta_sts` verdict.
//
// The scanner asks sts_txt() whether to fetch the policy at all (one valid TXT record) and
// records the fetch as MtaStsEvidence; decide_mta_sts() turns that evidence into the verdict
// and fills the evidence's parsed fields (mode, max_age, patterns, non-matching MX, reason).
// finalize() (domain.hpp) calls it. Pure functions, any thread; no input makes them throw.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::verdict {

// Largest policy body RFC 8461 §3.3 lets a sender accept; beyond it the fetch is aborted.
inline constexpr std::size_t kMaxStsPolicyBytes = 64 * 1024;
// Largest max_age RFC 8461 §3.2 allows (one year).
inline constexpr std::int64_t kMaxStsMaxAge = 31557600;

// The value of a TXT record given in presentation format ("\"v=STSv1; \" \"id=1\"": the
// character-strings unquoted, escapes resolved, concatenated without separator, RFC 8461 §3.1).
// The one TXT-text helper of the verdict module. Unquoted text is returned as it is.
std::string txt_value(std::string_view presentation);

// §3.1: the TXT records at _mta-sts.D.
struct StsTxt {
  enum class Kind : std::uint8_t {
    None,     // no record starting with "v=STSv1"
    Valid,    // exactly one, well-formed, with id=
    Invalid,  // more than one, or the one is malformed / has no id=
  };
  Kind kind = Kind::None;
  std::string id;
  std::string reason;  // for Invalid
};
StsTxt sts_txt(const std::vector<std::string>& records);

// §3.2: the policy file.
enum class StsMode : std::uint8_t { Enforce, Testing, None };
struct StsPolicy {
  StsMode mode = StsMode::None;
  std::int64_t max_age = 0;
  std::vector<std::string> mx;  // patterns, lower case, as listed
};
struct StsPolicyParse {
  std::optional<StsPolicy> policy;  // set when the policy is valid
  std::string error;                // why not ("line 2: ...", "no mode", ...)
  // Whatever was read, also for an invalid policy (evidence).
  std::string mode;
  std::optional<std::int64_t> max_age;
  std::vector<std::string> mx;
};
StsPolicyParse parse_sts_policy(std::string_view text);

// §4.1: `pattern` ("mx.example.nl" or "*.example.nl") matches `host` (A-label, trailing dot
// optional, any case). The wildcard stands for exactly one whole left-most label.
bool sts_mx_matches(std::string_view pattern, std::string_view host);

// §5: the `mta_sts` verdict from the evidence, for a domain whose `mail` verdict is given.
// Writes the parsed fields and the reason into `ev`.
MtaStsVerdict decide_mta_sts(MtaStsEvidence& ev, MailVerdict mail,
                             const std::vector<MxHostResult>& mx);

}  // namespace nulmeting::verdict
