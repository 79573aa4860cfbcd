// scan_engine.hpp — the scanner assembled on one libuv loop: libunbound DNS client, host and
// domain resolvers (resolve.hpp), the TLS client context and the polite probe scheduler
// (probe_scheduler.hpp), joined by the Pipeline (pipeline.hpp).
//
// Who calls it: `nulmeting scan` (a whole list into the SQLite sink) and `nulmeting check`
// (one domain into a collecting sink). The engine owns every C resource of a scan; run()
// returns when the list is done or a stop was asked (SIGINT/SIGTERM, or stop()).
// create() also checks whether the host has an IPv4 and an IPv6 route (route_check.hpp).
// Start-up errors (bad trust anchor, bad resolver address, OpenSSL context) come back from
// create() as values before anything is measured, so the command can exit 2 with nothing written.
// Threading: everything on the loop thread; the sink must not block.
#pragma once

#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/scanner/https_fetch.hpp>
#include <nulmeting/scanner/pipeline.hpp>
#include <nulmeting/scanner/probe_scheduler.hpp>
#include <nulmeting/scanner/route_check.hpp>
#include <nulmeting/scanner/tls_context.hpp>

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>

namespace nulmeting::scanner {

struct EngineConfig {
  DnsConfig dns;
  SchedulerOptions smtp;
  TlsOptions tls;
  std::uint16_t smtp_port = 25;
  std::size_t max_domains_in_flight = kDomainsInFlight;   // open at once (pipeline.hpp)
  std::size_t max_domains_resolving = kDomainsResolving;  // of those, in their DNS phase
  std::optional<unsigned> max_mx;
  std::size_t host_cache = 65536;  // MX hosts remembered per run (shared by many domains)
  bool mta_sts = true;             // §5 MTA-STS evidence (TXT and policy fetch) per domain
  // §5 as a whole (SPF, DMARC, DKIM, TLS-RPT TXT questions and MTA-STS); false: not measured
  // (`--no-mail-standards`: the verdicts are stored as not measured, like runs before them).
  bool mail_standards = true;
  HttpsFetchOptions https;  // the policy fetch (--ca-file); address policy: smtp.probe's
};

struct EngineProgress {
  PipelineStats pipeline;
  std::size_t probes_active = 0;        // SMTP connections open now
  std::size_t probes_started = 0;       // distinct (host, address) probes so far
  std::size_t probes_retry_wait = 0;    // probes waiting out a 4xx backoff (no connection open)
  std::size_t probes_peak = 0;          // most SMTP connections open at once so far
  std::size_t tls_steps = 0;            // TLS-assessment connections started (§4)
  std::size_t probes_queued_peak = 0;   // most probes and steps waiting to start at once
  std::size_t probes_held_peak = 0;     // most ready to start but held by --concurrency
  std::size_t probes_limit_stalls = 0;  // times --concurrency held back a ready probe
  std::size_t dns_in_flight = 0;
  std::uint64_t dns_queries = 0;
  std::uint64_t dns_timeouts = 0;         // attempts that timed out (each retried or final)
  std::size_t dns_confirming = 0;         // fail answers waiting for, or in, a re-ask (§1)
  std::uint64_t dns_fail_confirmed = 0;   // fail answers that stayed fail on every re-ask
  std::uint64_t dns_fail_recovered = 0;   // fail answers a re-ask turned into an answer
  std::size_t dns_limit = 0;              // the adaptive DNS in-flight limit now
  std::size_t dns_limit_lowest = 0;       // the smallest a back-off set
  std::uint64_t dns_limit_decreases = 0;  // times it backed off (SERVFAIL bursts, timeouts)
  double dns_busy_s = 0;  // time with DNS questions in flight or waiting (DnsStats::busy_ms)
  double elapsed_s = 0;
};

struct EngineOutcome {
  EngineProgress final;
  bool interrupted = false;  // stopped by a signal or stop(): the list is not finished
};

struct ResolvedDomain;
// The DNS half of one domain as the pipeline's plan: its hosts and, per host with addresses
// (tlsa_error hosts included), the targets to probe on `port`.
DomainPlan plan_domain(const ResolvedDomain& d, std::uint16_t port);

// The progress line of a run: `total` is what this run has left to measure (a resumed run
// counts only the domains it still has to do), so its rate and ETA are this session's.
std::string progress_line(const EngineProgress& p, std::size_t total);

class ScanEngine {
 public:
  using ProgressFn = std::function<void(const EngineProgress&)>;

  // Builds DNS client and TLS context and verifies the trust anchor (runs the loop briefly).
  static std::expected<std::unique_ptr<ScanEngine>, std::string> create(uv_loop_t* loop,
                                                                        EngineConfig cfg);
  ~ScanEngine();
  ScanEngine(const ScanEngine&) = delete;
  ScanEngine& operator=(const ScanEngine&) = delete;

  // Measures every domain of `source` into `sink`. `progress` (optional) is called every
  // `progress_every` from the loop, and once at the end. SIGINT and SIGTERM stop pulling new
  // domains; those in flight still finish and reach the sink.
  EngineOutcome run(DomainSource& source, ResultSink& sink, ProgressFn progress = {},
                    std::chrono::milliseconds progress_every = std::chrono::seconds(1));

  // Closes DNS client and handles; after this the loop closes with uv_loop_close() == 0.
  void close();

  // The IPv4/IPv6 route check made by create() (measurement.md §2.3: recorded with the run).
  RouteCheck routes() const;

 private:
  struct Impl;
  explicit ScanEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nulmeting::scanner
