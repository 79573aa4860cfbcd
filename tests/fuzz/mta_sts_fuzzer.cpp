// libFuzzer target: the MTA-STS policy grammar and TXT record reading (verdict/mta_sts.hpp).
// Invariants: no crash/UB; a valid policy has a known mode, 0 <= max_age <= 31557600, mx
// patterns unless mode none, and every pattern is lower case and matches a host built from it;
// an invalid policy says why; a valid TXT record has a 1-32 character id.
#include <nulmeting/verdict/mta_sts.hpp>

#include <cstdlib>
#include <string>
#include <string_view>

using namespace nulmeting::verdict;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const StsPolicyParse p = parse_sts_policy(text);
  if (p.policy) {
    if (!p.error.empty()) std::abort();
    if (p.policy->max_age < 0 || p.policy->max_age > kMaxStsMaxAge) std::abort();
    if (p.policy->mode != StsMode::None && p.policy->mx.empty()) std::abort();
    for (const auto& m : p.policy->mx) {
      for (char c : m)
        if (c >= 'A' && c <= 'Z') std::abort();
      const std::string h = m.starts_with("*.") ? "x" + m.substr(1) : m;
      if (!sts_mx_matches(m, h)) std::abort();
    }
  } else if (p.error.empty()) {
    std::abort();
  }
  const StsTxt t = sts_txt({std::string(text)});
  if (t.kind == StsTxt::Kind::Valid && (t.id.empty() || t.id.size() > 32)) std::abort();
  if (t.kind == StsTxt::Kind::Invalid && t.reason.empty()) std::abort();
  (void)txt_value(text);
  return 0;
}
