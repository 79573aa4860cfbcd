// pipeline.hpp — the scan pipeline: domains in, finished DomainResults out, on one libuv loop.
//
//   DomainSource ──next()──► resolve (DomainResolution) ──► probe every (host, address)
//        (streamed)             (DNS, §2.1–2.2)               (ProbeService: deduplicated,
//                                                              polite per IP, shared results)
//                       ──► verdict::finalize (per-address DANE, §3 verdicts) ──► ResultSink
//
// Memory stays flat in the list size: at most `max_domains_in_flight` domains are open at any
// moment, and of those at most `max_domains_resolving` are in their DNS phase; the source is
// pulled only while both have room. The second window bounds the DNS load; the first the
// memory. They are apart because a domain whose DNS is done may wait ~10 s for a TLS
// assessment shared with other domains (one connection a second per address) and needs no DNS
// meanwhile: with one window of 2,000, such domains filled it and the DNS of the next domains
// (which finds the next hosts to assess) came in waves (docs/decisions/benchmarks.md decision 8).
// Host and probe results are shared through the resolver's and prober's own bounded caches, not
// here.
//
// The pipeline owns no I/O of its own: resolver, prober and sink are interfaces so that the
// command wires the real DNS client, SMTP prober and SQLite writer, and tests wire scripted ones.
// Threading: everything runs on the loop thread; the sink must not block (the SQLite writer
// queues to its own thread).
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/smtp_probe.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nulmeting::scanner {

// Where domains come from (a streaming list reader). next() returns nullopt at the end.
class DomainSource {
 public:
  virtual ~DomainSource() = default;
  virtual std::optional<DomainEntry> next() = 0;
};

// One address of one MX host to probe, with what DANE needs (host, ip, port, TLSA base and
// records as received): the SMTP probe's own request type.
using ProbeTarget = ProbeRequest;

// The DNS half of one domain (measurement.md §2.1–2.2): everything but the probes.
struct DomainPlan {
  DomainResult result;  // mx_lookup, implicit_mx, findings, mx hosts (no probes)
  std::vector<std::vector<ProbeTarget>> targets;  // per result.mx[i]: the addresses to probe
};

class DomainResolution {
 public:
  virtual ~DomainResolution() = default;
  // Calls `done` exactly once, on the loop thread.
  virtual void resolve(const DomainEntry& entry, std::function<void(DomainPlan)> done) = 0;
};

class ProbeService {
 public:
  virtual ~ProbeService() = default;
  // Calls `done` exactly once, on the loop thread. Equal targets (host, ip) share one probe.
  virtual void probe(const ProbeTarget& target, std::function<void(const ProbeResult&)> done) = 0;
  virtual std::size_t in_flight() const = 0;
};

// §5 MTA-STS evidence of one domain (mta_sts_probe.hpp). Optional: without one the pipeline
// leaves the evidence unmeasured (verdict `error` for a domain that receives mail).
class MtaStsService {
 public:
  virtual ~MtaStsService() = default;
  // Calls `done` exactly once, on the loop thread.
  virtual void measure(const std::string& domain, std::function<void(MtaStsEvidence)> done) = 0;
};

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void accept(DomainResult&& result) = 0;  // must not block the loop
  // False while the sink holds too much unwritten work (e.g. the SQLite writer's queue is long
  // on a slow disk): the pipeline then starts no new domain. Keeps memory flat in list size.
  virtual bool ready() const { return true; }
};

// The defaults of the two windows (EngineConfig and PipelineOptions start from these).
inline constexpr std::size_t kDomainsInFlight = 10000;
inline constexpr std::size_t kDomainsResolving = 2000;

struct PipelineOptions {
  std::size_t max_domains_in_flight = kDomainsInFlight;   // open at once (memory)
  std::size_t max_domains_resolving = kDomainsResolving;  // of those, in their DNS phase
  // Back-pressure: while the sink is not ready() no new domain is started; the pipeline looks
  // again every `admit_retry_ms`.
  std::uint64_t admit_retry_ms = 20;
};

struct PipelineStats {
  std::uint64_t domains_started = 0, domains_done = 0;
  std::uint64_t domains_unmeasured = 0;   // DomainResult::unmeasured not empty (or mail = error)
  std::uint64_t domains_dns_failure = 0;  // of those: verdicts resting on a DNS failure (§1)
  std::uint64_t probes_requested = 0;
  std::uint64_t admit_waits = 0;      // times back-pressure (admit) held new domains back
  std::size_t domains_in_flight = 0;  // open: being resolved or waiting for probes
  std::size_t domains_resolving = 0;  // of those: DNS not done (max_domains_resolving)
  std::size_t domains_waiting = 0;    // of those: DNS done, waiting for probes
};

// What the probes of a finished domain add to its evidence before the verdict module decides:
// a not_public address becomes a finding, an internal_error probe adds a reason to
// `unmeasured`. (DANE per address, `incomplete` and the verdicts: verdict::finalize.)
void note_probe_findings(DomainResult& result);

// The domain is not a measurement (listed by scan, exit 1): mail = error (DNS failure), or any
// reason in `unmeasured` (our own fault, a verdict resting on a confirmed DNS failure).
bool domain_unmeasured(const DomainResult& r);

// The DNS failures a domain's verdicts rest on (measurement.md §1), one line per `fail` answer
// in its evidence (MX, A/AAAA, TLSA lookups of the hosts it kept; the §5 TXT answers of a
// verdict that is `error`, so call it after verdict::finalize()), e.g.
// "_25._tcp.mx1.example.nl TLSA servfail (confirmed, 3 attempts)". The DNS client delivers a
// fail only after confirming it, so these are confirmed unless confirmation was switched off.
// The pipeline adds them to DomainResult::unmeasured.
std::vector<std::string> dns_failures(const DomainResult& result);

class Pipeline {
 public:
  Pipeline(uv_loop_t* loop, DomainSource& source, DomainResolution& resolver, ProbeService& prober,
           ResultSink& sink, PipelineOptions options);
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline();

  // Starts pulling domains; `on_done` runs once when the source is exhausted and every domain
  // has reached the sink (or after stop(), when the in-flight domains have finished).
  void start(std::function<void()> on_done);
  // Domains whose `mail` is `receives` get their MTA-STS evidence from `service` (not owned;
  // must outlive the pipeline's run). Call before start().
  void set_mta_sts(MtaStsService* service) { mta_sts_ = service; }
  // Stops pulling new domains (SIGINT/SIGTERM); domains in flight still finish.
  void stop();
  const PipelineStats& stats() const { return stats_; }

 private:
  struct DomainJob;
  void pump();
  void arm_admit_timer();
  void on_resolved(std::shared_ptr<DomainJob> job, DomainPlan resolved);
  void finish_domain(const std::shared_ptr<DomainJob>& job);

  uv_loop_t* loop_;
  DomainSource& source_;
  DomainResolution& resolver_;
  ProbeService& prober_;
  ResultSink& sink_;
  MtaStsService* mta_sts_ = nullptr;
  PipelineOptions options_;
  PipelineStats stats_;
  std::function<void()> on_done_;
  bool source_done_ = false;
  bool stopping_ = false;
  bool pumping_ = false;
  bool done_called_ = false;
  UvTimer admit_timer_;  // re-pumps after back-pressure
};

}  // namespace nulmeting::scanner
