// address.cpp — see address.hpp.
#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/dns.hpp>
#include <nulmeting/verdict/host.hpp>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace nulmeting::verdict {
namespace {
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
}  // namespace

Reach reach(ProbeOutcome o) {
  switch (o) {
    case ProbeOutcome::StarttlsOk:
    case ProbeOutcome::NoStarttls:
    case ProbeOutcome::StarttlsRefused:
    case ProbeOutcome::TlsFailed:
    case ProbeOutcome::ProtocolError:
      return Reach::Reached;
    case ProbeOutcome::Refused:
    case ProbeOutcome::Timeout:
    case ProbeOutcome::Reset:
    case ProbeOutcome::SmtpTempError:
    case ProbeOutcome::SmtpPermError:
    case ProbeOutcome::NotPublic:
      return Reach::NotReached;
    case ProbeOutcome::NoRoute:
    case ProbeOutcome::InternalError:
      return Reach::NotMeasured;
  }
  return Reach::NotMeasured;
}

std::string_view address_family(std::string_view ip) {
  return ip.find(':') != std::string_view::npos ? "ipv6" : "ipv4";
}

std::vector<std::string> probe_reference_names(std::string_view tlsa_base) {
  if (tlsa_base.empty()) return {};
  return {std::string(tlsa_base)};
}

std::vector<std::string> domain_reference_names(const DomainResult& r) {
  const DnsAnswer& mx = r.mx_lookup;
  if (mx.cls != DnsClass::Secure || !has_data(mx)) return {};
  std::string d = r.entry.domain.empty() ? mx.qname : r.entry.domain;
  std::vector<std::string> out{d};
  std::string_view canon = mx.canonical_name;
  if (!canon.empty() && canon.back() == '.') canon.remove_suffix(1);
  if (!canon.empty() && canon != d) out.emplace_back(canon);
  return out;
}

bool leaf_matches_name(std::span<const std::uint8_t> leaf_der, std::span<const std::string> names) {
  if (leaf_der.empty()) return false;
  const unsigned char* p = leaf_der.data();
  X509Ptr leaf(d2i_X509(nullptr, &p, static_cast<long>(leaf_der.size())));
  if (!leaf) return false;
  for (const auto& name : names)
    if (!name.empty() && X509_check_host(leaf.get(), name.data(), name.size(),
                                         X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, nullptr) == 1)
      return true;
  return false;
}

AddressDane address_dane(const MxHostResult& h, const ProbeResult& p,
                         std::span<const std::string> domain_names) {
  using enum DaneCheck;
  if (h.status == HostStatus::TlsaError) return {Failed, DaneFailReason::TlsaLookupFailed};
  if (!host_has_usable_tlsa(h)) return {};
  switch (p.outcome) {
    case ProbeOutcome::NoStarttls:
    case ProbeOutcome::StarttlsRefused:
    case ProbeOutcome::ProtocolError:
      return {Failed, DaneFailReason::NoStarttls};
    case ProbeOutcome::TlsFailed:
      return {Failed, DaneFailReason::TlsFailed};
    case ProbeOutcome::StarttlsOk:
      break;
    default:
      return {};  // not reached or not measured: DANE was not tested
  }
  if (p.dane == Authenticated) return {Authenticated, DaneFailReason::None};
  if (p.dane == Failed) {
    // A DANE-TA chain that authenticated except for the names (a record matched: depth >= 0)
    // is authenticated for a domain whose own reference identifiers the leaf names.
    if (p.dane_reason == DaneFailReason::NameMismatch && p.dane_depth >= 0 &&
        leaf_matches_name(p.leaf_der, domain_names))
      return {Authenticated, DaneFailReason::None};
    return {Failed, p.dane_reason == DaneFailReason::None ? DaneFailReason::NoMatch : p.dane_reason};
  }
  // A handshake with usable TLSA always evaluates DANE; nothing recorded means no record matched.
  return {Failed, DaneFailReason::NoMatch};
}

}  // namespace nulmeting::verdict
