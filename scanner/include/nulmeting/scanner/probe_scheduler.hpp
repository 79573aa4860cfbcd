// probe_scheduler.hpp — runs SmtpProbes on a libuv loop, politely and once per target.
//
// Who calls it: the scan pipeline (one scheduler per run, on the scan's loop), the integration
// tests and scripts/bench-smtp.
//
// Politeness: at most `max_concurrency` probes at once, at most `per_ip` at once to one address,
// and at least `min_interval_ms` between two connections to one address. A 421 or other 4xx at
// the banner is retried after `backoff_ms`, doubling, up to `max_attempts` connections in total;
// the result then says how many attempts were made (durations add up). A 4xx to EHLO after a
// 2xx greeting is retried the same way (it ends as protocol_error if it persists).
//
// Dedup: one probe per (host name, ip, port) per run. A request for a key that is in flight is
// coalesced (its callback joins the waiting list); a request for a finished key gets the cached
// result. Callbacks always run from the loop (never inside submit()). Memory stays bounded
// because at most `max_cached` finished results are kept (oldest first out: a key asked again
// after that is probed again — with ~12 kB per result, 20000 is ~240 MB at worst).
// Results are shared per host: a domain that adds reference identifiers gets its names
// re-checked on the kept leaf by the verdict module (verdict::address_dane), not a new probe.
//
// TLS quality (measurement.md §4): after a main probe that ends starttls_ok, the same entry
// runs the assessment's steps (tls_plan.hpp), one connection at a time, each a full SMTP
// dialogue through this queue: the per-IP concurrency and interval hold for them too, and the
// finished result (with ProbeResult::tls) is shared by every domain behind the key like the
// probe itself. Steps are not retried (a 4xx or a lost connection ends the assessment with the
// open items unknown); `tls_max_connections` caps the steps per key.
//
// Lifetime: destroy the scheduler only when idle() or after the loop stopped; probes in flight
// are then abandoned (transports closed, callbacks not called).
// Threading: loop thread only.
#pragma once

#include <nulmeting/scanner/smtp_probe.hpp>
#include <nulmeting/scanner/smtp_uv_transport.hpp>
#include <nulmeting/scanner/tls_plan.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace nulmeting::scanner {

struct SchedulerOptions {
  std::size_t max_concurrency = 500;     // SMTP probes in flight, whole run
  std::size_t per_ip = 2;                // connections in flight per IP
  std::uint64_t min_interval_ms = 1000;  // between connections to one IP (politeness)
  int max_attempts = 3;                  // connections for a 4xx banner, retries included
  std::uint64_t backoff_ms = 30000;      // first retry delay; doubles per retry
  std::size_t max_cached = 20000;        // finished results kept for dedup (oldest dropped first)
  bool tls_quality = true;               // assess TLS quality on starttls_ok addresses (§4)
  int tls_max_connections = 16;          // assessment connections per address beyond the probe
  ProbeOptions probe;
};

class ProbeScheduler {
 public:
  using Callback = std::function<void(const ProbeResult&)>;
  using Key = std::tuple<std::string, std::string, std::uint16_t>;  // host, ip, port

  ProbeScheduler(uv_loop_t* loop, std::shared_ptr<const TlsClientContext> tls,
                 SchedulerOptions opts);
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;
  ~ProbeScheduler();

  // Asks for the probe of (req.host, req.ip, req.port). `cb` runs once, from the loop.
  void submit(ProbeRequest req, Callback cb);
  bool idle() const noexcept { return entries_in_flight_ == 0 && ready_.empty(); }
  std::size_t active() const noexcept { return active_; }
  std::size_t in_flight() const noexcept { return entries_in_flight_; }  // keys not finished
  // Probes waiting out the backoff before retrying a 4xx (no connection open meanwhile).
  std::size_t retry_waiting() const noexcept { return retry_waiting_; }
  std::size_t cached() const noexcept;
  std::size_t probes_started() const noexcept { return started_; }
  std::size_t max_active_seen() const noexcept { return max_active_seen_; }
  std::size_t tls_steps_started() const noexcept { return tls_steps_; }  // assessment connections
  // Queueing (issue 19's SMTP question): the most probes and steps waiting to start at once
  // (mostly for per-IP politeness), the most that politeness would have let start but
  // `max_concurrency` held back, and how often the limit held any back.
  std::size_t peak_queued() const noexcept { return peak_queued_; }
  std::size_t peak_held_by_limit() const noexcept { return peak_held_by_limit_; }
  std::size_t limit_stalls() const noexcept { return limit_stalls_; }

 private:
  struct Entry;
  struct Running {
    std::unique_ptr<UvClock> clock;  // declared first: outlives the probe
    std::unique_ptr<SmtpProbe> probe;
  };
  struct Entry {
    Key key;
    ProbeRequest req;
    std::vector<Callback> waiters;
    bool done = false;
    std::shared_ptr<const ProbeResult> result;
    int attempts = 0;
    double duration_ms = 0;
    std::uint64_t not_before = 0;  // retry backoff
    std::unique_ptr<Running> running;
    // TLS-quality assessment (after a starttls_ok main probe): the main result waits here.
    std::unique_ptr<TlsPlanner> planner;
    std::optional<TlsStep> step;  // the step in flight or queued
    std::optional<ProbeResult> main;
  };
  struct IpState {
    std::size_t active = 0;
    std::uint64_t last_connect = 0;
    bool connected_before = false;
  };

  void pump() noexcept;
  void evict(const Key& key);  // drops a finished result (oldest first, past max_cached)
  void launch(Entry& e);
  void on_complete(Entry& e, ProbeCompletion&& c);
  void arm_pump(std::uint64_t delay_ms);
  void deliver(Entry& e, ProbeResult&& result);
  void next_step(Entry& e);  // queues the planner's next step, or delivers the assessed result
  std::shared_ptr<const TlsClientContext> offer_context(const TlsOffer& offer);

  uv_loop_t* loop_;
  std::shared_ptr<const TlsClientContext> tls_;
  SchedulerOptions opts_;
  std::map<Key, std::unique_ptr<Entry>> entries_;
  std::deque<Entry*> queue_;                         // waiting to start, FIFO
  std::vector<std::unique_ptr<Running>> graveyard_;  // finished probes, freed from the loop
  std::vector<std::pair<Callback, std::shared_ptr<const ProbeResult>>> ready_;  // to deliver
  std::map<std::string, IpState> ips_;
  std::deque<Key> done_order_;  // finished keys, oldest first (cache bound)
  std::size_t cached_ = 0;
  UvTimer timer_;
  std::size_t active_ = 0;
  std::size_t entries_in_flight_ = 0;
  std::size_t retry_waiting_ = 0;
  std::size_t started_ = 0;
  std::size_t max_active_seen_ = 0;
  std::size_t tls_steps_ = 0;
  std::size_t peak_queued_ = 0;
  std::size_t peak_held_by_limit_ = 0;
  std::size_t limit_stalls_ = 0;
  TlsCatalogue catalogue_;
  std::map<std::string, std::shared_ptr<const TlsClientContext>> offer_ctx_;  // by offer
};

}  // namespace nulmeting::scanner
