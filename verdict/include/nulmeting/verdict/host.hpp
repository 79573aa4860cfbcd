// host.hpp — the rules of one MX host H (measurement.md §2.2).
//
// From the A/AAAA answers: the host status (ok / unusable / no_address) and the class of its
// addresses. From those and the answer for H's own CNAME record: the TLSA base-domain
// candidates, in order (RFC 7672 §2.2.2, as Postfix tls_dane_resolve). From each TLSA answer:
// stop with tlsa_error, take this candidate as base domain, or go on to the next. Whether the
// host is probed, whether it counts in the `dane` decision, whether DANE applies to it.
// The resolver calls these to decide what to look up next and stores the evidence; the verdicts
// (domain.hpp) read the same evidence back through the same functions.
// Pure functions, any thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <string>
#include <vector>

namespace nulmeting::verdict {

// Host status and address class from the A and AAAA answers:
// both fail → unusable; neither has data → no_address, or unusable when one of them failed (a
// failure cannot prove there is no address); else ok, with the addresses found (A first) and the
// weakest class of the answers that gave data. One failed family beside data is a finding.
struct AddressJudgement {
  HostStatus status = HostStatus::Ok;
  DnsClass address_dnssec = DnsClass::Fail;
  std::vector<std::string> ips;
  std::vector<std::string> findings;
};
AddressJudgement judge_addresses(const std::string& host, const DnsAnswer& a,
                                 const DnsAnswer& aaaa);

// Whether the answer for H's own CNAME record is needed to find the candidates: H is a CNAME
// (the address answer went through a chain) and the addresses are insecure. Then the resolver
// asks `H CNAME` and passes the answer to tlsa_candidates().
bool needs_own_cname(const std::string& host, const AddressJudgement& v, const DnsAnswer& a,
                     const DnsAnswer& aaaa);

// The TLSA base-domain candidates (empty: no TLSA lookup, DANE does not apply):
//   H not a CNAME, addresses secure            → [H]
//   H a CNAME, the expansion's addresses secure → [expanded name, H]
//   H a CNAME whose own CNAME record is secure (own_cname: the answer to `H CNAME`), addresses
//   insecure                                   → [H]
//   otherwise                                  → []
// Intermediate names of a chain are never candidates.
std::vector<std::string> tlsa_candidates(const std::string& host, const AddressJudgement& v,
                                         const DnsAnswer& a, const DnsAnswer& aaaa,
                                         const DnsAnswer* own_cname = nullptr);

// What one TLSA answer at a candidate means.
enum class TlsaStep : std::uint8_t {
  Error,  // fail: host tlsa_error; the next candidate is NOT tried
  Base,   // secure with records: this candidate is the TLSA base domain
  Next,   // insecure or denied: try the next candidate (none left: no TLSA, DANE does not apply)
};
TlsaStep tlsa_step(const DnsAnswer& tlsa_answer);

// SNI and TLSA base for the probe: the base domain when there is one, else H.
std::string probe_name(const MxHostResult& h);

// A host is probed when it has addresses: status ok, or tlsa_error (STARTTLS and TLS quality
// are facts about its server; DANE then fails on every address).
bool host_probed(const MxHostResult& h);

// DANE applies: a secure TLSA RRset with at least one usable record, on a host with addresses.
bool host_has_usable_tlsa(const MxHostResult& h);

// Counted in the `dane` decision: every host except a no_address host whose A and AAAA denials
// are both secure-nx (nobody can deliver to it and no attacker can give it an address).
bool host_counted_for_dane(const MxHostResult& h);

// The A and AAAA answers among h.address_lookups (nullptr when absent).
const DnsAnswer* address_answer(const MxHostResult& h, std::uint16_t qtype);

}  // namespace nulmeting::verdict
