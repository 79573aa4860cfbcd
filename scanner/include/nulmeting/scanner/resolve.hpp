// resolve.hpp — the DNS half of measuring one domain (measurement.md §2.1–2.2), on the loop.
//
// Beside the MX question, every domain's §5 TXT questions are asked (mail_standards.hpp); the
// domain callback runs when both are done.
//
// How the scan pipeline (pipeline.cpp) drives it:
//
//   UvLoop loop;
//   auto client = DnsClient::create(loop.get(), dns_config);       // dns_client.hpp
//   if (!client) { /* start-up error: exit 2 */ }
//   (*client)->check_trust_anchor([&](auto ok) { if (!ok) /* exit 2 with ok.error() */; });
//   HostResolver hosts(**client);                // one per scan: cache + coalescing of MX hosts
//   DomainResolver domains(**client, hosts);     // stateless apart from options
//   domains.resolve("example.nl", [&](ResolvedDomain d) {
//     // Evidence only: for each d.hosts[i] that verdict::host_probed() probe every
//     //   d.hosts[i].ips with SNI d.hosts[i].sni and the host's usable TLSA records;
//     //   put the ProbeResults into d.hosts[i].result.addresses, d.apply_to(result), then
//     //   verdict::finalize(result) decides (nulmeting/verdict/domain.hpp).
//   });
//   loop.run();  ...  (*client)->close(); loop.close() == 0
//
// Lifetime: DnsClient::close() calls back every outstanding question (reason Error), and those
// callbacks reach HostResolver/DomainResolver: close the client BEFORE destroying the resolvers
// so that every domain callback still runs (with mail = error). Destroying a resolver first is
// memory-safe (its DNS callbacks hold only a weak token and return), but then the callbacks of
// the domains it had in progress never run.
// The command line maps its options onto DnsConfig (cli/scan_config.cpp) and runs
// check_trust_anchor() before the first domain (a bad trust anchor is exit 2).
//
// The resolver gathers EVIDENCE only; it decides no verdict. What to look up next is decided by
// the verdict module's rules (nulmeting/verdict/dns.hpp, host.hpp): which hosts an MX answer
// gives (mx_plan, with the --max-mx cap applied before any host lookup), the host status from
// A and AAAA (asked in parallel), whether H's own CNAME record is needed, the TLSA candidates
// and what each TLSA answer means (tlsa_step: fail stops with tlsa_error). An exchange that
// looks like an IP address is resolved as a name and flagged.
// Evidence per host: address_lookups holds A, AAAA and, when asked, the answer to `H CNAME`.
// Failed host results (unusable, tlsa_error) are not cached: a transient SERVFAIL must not
// spread to every domain sharing that MX host; concurrent lookups are still coalesced.
//
// Threading: loop thread only. Callbacks may run synchronously for cached hosts.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/dns_client.hpp>

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace nulmeting::scanner {

// One MX host after DNS: the MxHostResult (addresses/probes still empty) plus what the prober
// needs.
struct ResolvedHost {
  MxHostResult result;           // name, preference, flags, status, lookups, tlsa
  std::vector<std::string> ips;  // addresses to probe, A records first, then AAAA
  std::string sni;               // verdict::probe_name: TLSA base domain, else the host name
  std::string canonical_name;    // the host's CNAME expansion (== name without CNAME)
  std::vector<std::string> findings;
};

struct ResolvedDomain {
  std::string domain;  // A-label, no trailing dot
  bool implicit_mx = false;
  DnsAnswer mx_lookup;
  std::string canonical_domain;     // D's CNAME expansion at the MX lookup (== domain if none)
  std::vector<ResolvedHost> hosts;  // by preference, then name (after the --max-mx cap)
  std::vector<std::string> findings;
  MailStandardsEvidence mail_standards;  // §5 TXT answers (mail_standards.hpp)

  // Copies the DNS pieces into a DomainResult (implicit_mx, mx_lookup, mx, findings,
  // mail_standards).
  void apply_to(DomainResult& r) const;
};

// Per-host resolution with a bounded cache and coalescing of concurrent lookups.
class HostResolver {
 public:
  using Callback = std::function<void(const ResolvedHost&)>;
  explicit HostResolver(DnsClient& dns, std::size_t cache_capacity = 8192);
  HostResolver(const HostResolver&) = delete;
  HostResolver& operator=(const HostResolver&) = delete;

  // `host` is an A-label (trailing dot optional). The result's preference is 0 and
  // name_is_ip_literal is false: the domain sets those.
  void resolve(const std::string& host, Callback cb);

  std::size_t lookups() const noexcept { return lookups_; }  // started resolutions
  std::size_t cache_hits() const noexcept { return hits_; }
  std::size_t coalesced() const noexcept { return coalesced_; }
  std::size_t cached() const noexcept { return lru_.size(); }

 private:
  struct Entry {
    std::optional<ResolvedHost> value;
    std::vector<Callback> waiters;
    std::list<std::string>::iterator lru_pos;
  };
  void start(const std::string& host);
  void finish(const std::string& host, ResolvedHost r);

  DnsClient& dns_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // callbacks hold a weak_ptr to it
  std::size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> lru_;  // completed entries, most recent at the front
  std::size_t lookups_ = 0, hits_ = 0, coalesced_ = 0;
};

class DomainResolver {
 public:
  using Callback = std::function<void(ResolvedDomain)>;
  struct Options {
    std::size_t max_mx = 0;      // 0 = no cap
    bool mail_standards = true;  // also ask the §5 TXT questions (SPF, DMARC, DKIM, TLS-RPT)
  };
  DomainResolver(DnsClient& dns, HostResolver& hosts) : DomainResolver(dns, hosts, Options{}) {}
  DomainResolver(DnsClient& dns, HostResolver& hosts, Options opts)
      : dns_(dns), hosts_(hosts), opts_(opts) {}
  void resolve(const std::string& domain, Callback cb);

 private:
  DnsClient& dns_;
  HostResolver& hosts_;
  Options opts_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // callbacks hold a weak_ptr to it
};

// Pure piece, exposed for unit tests ---------------------------------------------------------

// An MX exchange that would parse as an IPv4 or IPv6 address ("192.0.2.1").
bool looks_like_ip_literal(std::string_view name);

}  // namespace nulmeting::scanner
