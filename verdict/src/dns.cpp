// dns.cpp — see dns.hpp.
#include <nulmeting/verdict/dns.hpp>
#include "names.hpp"

#include <algorithm>
#include <charconv>

namespace nulmeting::verdict {
namespace {

int rank(DnsClass c) {
  switch (c) {
    case DnsClass::Fail:
      return 0;
    case DnsClass::Insecure:
    case DnsClass::InsecureNx:
      return 1;
    case DnsClass::Secure:
    case DnsClass::SecureNx:
      return 2;
  }
  return 0;
}

using detail::lower_no_dot;

}  // namespace

bool has_data(const DnsAnswer& a) { return a.cls == DnsClass::Secure || a.cls == DnsClass::Insecure; }
bool is_nx(const DnsAnswer& a) {
  return a.cls == DnsClass::SecureNx || a.cls == DnsClass::InsecureNx;
}
DnsClass weakest(DnsClass a, DnsClass b) { return rank(b) < rank(a) ? b : a; }

std::optional<MxText> parse_mx_text(std::string_view text) {
  unsigned pref = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), pref);
  if (ec != std::errc{} || pref > 0xFFFF) return std::nullopt;
  std::string_view rest(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  if (rest.empty() || rest.front() != ' ') return std::nullopt;
  rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  MxText mx;
  mx.preference = static_cast<std::uint16_t>(pref);
  mx.is_null = rest == ".";
  mx.exchange = mx.is_null ? std::string() : lower_no_dot(rest);
  return mx;
}

MxPlan mx_plan(const DnsAnswer& mx, std::string_view domain, std::size_t max_mx) {
  MxPlan plan;
  if (mx.cls == DnsClass::Fail) return plan;
  if (mx.reason == DnsReason::NxDomain) {
    plan.kind = MxKind::NoDomain;
    return plan;
  }
  if (!has_data(mx)) {
    plan.kind = MxKind::Implicit;
    plan.hosts.emplace_back(0, lower_no_dot(domain));
    return plan;
  }
  bool null_mx = false;
  for (const auto& text : mx.records) {
    auto m = parse_mx_text(text);
    if (!m) {
      plan.findings.push_back("unreadable MX record: " + text);
      continue;
    }
    if (m->is_null)
      null_mx = true;
    else
      plan.hosts.emplace_back(m->preference, m->exchange);
  }
  if (null_mx) {
    plan.kind = MxKind::NullMx;
    if (!plan.hosts.empty())
      plan.findings.push_back("null MX beside " + std::to_string(plan.hosts.size()) +
                              " other MX record(s) (RFC 7505: the null MX must be the only one)");
    plan.hosts.clear();
    return plan;
  }
  if (plan.hosts.empty()) {
    plan.kind = MxKind::Unreadable;
    return plan;
  }
  plan.kind = MxKind::Hosts;
  std::sort(plan.hosts.begin(), plan.hosts.end());
  // The same exchange twice: keep its lowest preference (sorted first).
  std::vector<std::pair<std::uint16_t, std::string>> uniq;
  for (auto& h : plan.hosts)
    if (std::none_of(uniq.begin(), uniq.end(), [&](const auto& u) { return u.second == h.second; }))
      uniq.push_back(std::move(h));
  plan.hosts = std::move(uniq);
  if (max_mx > 0 && plan.hosts.size() > max_mx) {
    plan.findings.push_back("only the first " + std::to_string(max_mx) + " of " +
                            std::to_string(plan.hosts.size()) + " MX hosts measured (--max-mx)");
    plan.hosts.resize(max_mx);
  }
  return plan;
}

}  // namespace nulmeting::verdict
