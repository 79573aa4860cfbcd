// mta_sts_probe.hpp — gathers the MTA-STS evidence of one domain (measurement.md §5): the TXT
// record at _mta-sts.D, and when verdict::sts_txt() finds one valid record, the policy from
// https://mta-sts.D/.well-known/mta-sts.txt.
//
// Every name is resolved by the scanner's own DNS client (same classes and confirmation of
// failures as the rest of the scan); the first address of mta-sts.D (A before AAAA) that the
// address policy allows is handed to the HTTPS fetcher, which never resolves anything itself.
// No address allowed: outcome not_public, nothing contacted. The pipeline calls it for domains
// whose `mail` is `receives`; the verdict module decides from the evidence.
// Threading: loop thread only; `done` runs exactly once.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/address_policy.hpp>
#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/scanner/https_fetch.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nulmeting::scanner {

struct MtaStsOptions {
  std::vector<IpNetwork> allowed_ranges;  // --allow-address, as for the SMTP probes
  std::uint16_t https_port = 443;         // tests only; the standard fixes 443
};

class MtaStsProber {
 public:
  using Callback = std::function<void(MtaStsEvidence)>;
  // How names are looked up: DnsClient::resolve in the scanner, a script in tests.
  using Resolve = std::function<void(std::string name, std::uint16_t qtype, DnsClient::Callback)>;
  MtaStsProber(Resolve resolve, HttpsFetcher& https, MtaStsOptions options)
      : resolve_(std::move(resolve)), https_(https), options_(std::move(options)) {}
  MtaStsProber(DnsClient& dns, HttpsFetcher& https, MtaStsOptions options)
      : MtaStsProber(
            [&dns](std::string n, std::uint16_t t, DnsClient::Callback cb) {
              dns.resolve(std::move(n), t, std::move(cb));
            },
            https, std::move(options)) {}
  MtaStsProber(const MtaStsProber&) = delete;
  MtaStsProber& operator=(const MtaStsProber&) = delete;

  // `domain`: A-label of D, no trailing dot.
  void measure(const std::string& domain, Callback done);

 private:
  struct Job;
  void on_txt(std::shared_ptr<Job> job, DnsAnswer txt);
  void on_addresses(std::shared_ptr<Job> job);

  Resolve resolve_;
  HttpsFetcher& https_;
  MtaStsOptions options_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // callbacks hold a weak_ptr to it
};

}  // namespace nulmeting::scanner
