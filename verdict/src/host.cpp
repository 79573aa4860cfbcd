// host.cpp — see host.hpp.
#include <nulmeting/verdict/dns.hpp>
#include "names.hpp"
#include <nulmeting/verdict/host.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <algorithm>

namespace nulmeting::verdict {
namespace {

using detail::lower_no_dot;

// The address answer that carries H's CNAME expansion (the one with data; A first).
const DnsAnswer& with_data(const DnsAnswer& a, const DnsAnswer& aaaa) {
  return has_data(a) ? a : aaaa;
}

bool is_cname(const std::string& h, const DnsAnswer& answer) {
  return !answer.cname_chain.empty() && lower_no_dot(answer.canonical_name) != h;
}

}  // namespace

AddressJudgement judge_addresses(const std::string& host, const DnsAnswer& a,
                                 const DnsAnswer& aaaa) {
  AddressJudgement v;
  const bool a_fail = a.cls == DnsClass::Fail;
  const bool aaaa_fail = aaaa.cls == DnsClass::Fail;
  const bool a_data = has_data(a);
  const bool aaaa_data = has_data(aaaa);
  if (!a_data && !aaaa_data) {
    v.status = (a_fail || aaaa_fail) ? HostStatus::Unusable : HostStatus::NoAddress;
    v.address_dnssec = weakest(a.cls, aaaa.cls);
    return v;
  }
  v.status = HostStatus::Ok;
  v.address_dnssec = a_data && aaaa_data ? weakest(a.cls, aaaa.cls) : (a_data ? a.cls : aaaa.cls);
  if (a_data) v.ips.insert(v.ips.end(), a.records.begin(), a.records.end());
  if (aaaa_data) v.ips.insert(v.ips.end(), aaaa.records.begin(), aaaa.records.end());
  const DnsAnswer* failed = a_fail ? &a : (aaaa_fail ? &aaaa : nullptr);
  if (failed != nullptr)
    v.findings.push_back("MX host " + host + ": " + (failed == &a ? "A" : "AAAA") +
                         " lookup failed (" + std::string(to_string(failed->reason)) +
                         "); probing only the addresses that resolved");
  return v;
}

bool needs_own_cname(const std::string& host, const AddressJudgement& v, const DnsAnswer& a,
                     const DnsAnswer& aaaa) {
  return v.status == HostStatus::Ok && v.address_dnssec == DnsClass::Insecure &&
         is_cname(lower_no_dot(host), with_data(a, aaaa));
}

std::vector<std::string> tlsa_candidates(const std::string& host, const AddressJudgement& v,
                                         const DnsAnswer& a, const DnsAnswer& aaaa,
                                         const DnsAnswer* own_cname) {
  if (v.status != HostStatus::Ok) return {};
  const std::string h = lower_no_dot(host);
  const DnsAnswer& answer = with_data(a, aaaa);
  if (v.address_dnssec == DnsClass::Secure) {
    // libunbound's `secure` covers the whole chain: a secure answer with a chain is a secure
    // CNAME chain, and its last name is the expansion.
    if (!is_cname(h, answer)) return {h};
    return {lower_no_dot(answer.canonical_name), h};
  }
  // Insecure addresses: only H itself, and only when H's own CNAME record is secure (the
  // insecurity lies beyond it); Postfix looks TLSA up at H there too.
  if (own_cname != nullptr && own_cname->cls == DnsClass::Secure && is_cname(h, answer))
    return {h};
  return {};
}

TlsaStep tlsa_step(const DnsAnswer& t) {
  if (t.cls == DnsClass::Fail) return TlsaStep::Error;
  if (t.cls == DnsClass::Secure && !t.records.empty()) return TlsaStep::Base;
  return TlsaStep::Next;
}

std::string probe_name(const MxHostResult& h) {
  if (h.status == HostStatus::Ok && h.tlsa && h.tlsa->status == DnsClass::Secure &&
      !h.tlsa->base.empty())
    return h.tlsa->base;
  return h.name;
}

bool host_probed(const MxHostResult& h) {
  return h.status == HostStatus::Ok || h.status == HostStatus::TlsaError;
}

bool host_has_usable_tlsa(const MxHostResult& h) {
  return h.status == HostStatus::Ok && h.tlsa && h.tlsa->status == DnsClass::Secure &&
         std::ranges::any_of(h.tlsa->records, [](const TlsaRecord& r) { return tlsa_usable(r); });
}

bool host_counted_for_dane(const MxHostResult& h) {
  if (h.status != HostStatus::NoAddress) return true;
  const DnsAnswer* a = address_answer(h, 1);
  const DnsAnswer* aaaa = address_answer(h, 28);
  return !(a != nullptr && aaaa != nullptr && a->cls == DnsClass::SecureNx &&
           aaaa->cls == DnsClass::SecureNx);
}

const DnsAnswer* address_answer(const MxHostResult& h, std::uint16_t qtype) {
  for (const auto& a : h.address_lookups)
    if (a.qtype == qtype) return &a;
  // Evidence built without qtypes (old fixtures): A then AAAA by position.
  const std::size_t i = qtype == 1 ? 0 : 1;
  if (h.address_lookups.size() >= 2 && h.address_lookups[i].qtype == 0)
    return &h.address_lookups[i];
  return nullptr;
}

}  // namespace nulmeting::verdict
