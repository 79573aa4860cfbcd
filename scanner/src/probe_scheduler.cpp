// probe_scheduler.cpp — see probe_scheduler.hpp.
#include <nulmeting/scanner/probe_scheduler.hpp>
#include <nulmeting/scanner/tls_offer.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace nulmeting::scanner {

ProbeScheduler::ProbeScheduler(uv_loop_t* loop, std::shared_ptr<const TlsClientContext> tls,
                               SchedulerOptions opts)
    : loop_(loop), tls_(std::move(tls)), opts_(std::move(opts)) {
  if (!valid_ehlo_name(opts_.probe.ehlo_name))
    throw std::invalid_argument("invalid EHLO name (need an FQDN): " + opts_.probe.ehlo_name);
  if (opts_.max_concurrency == 0) opts_.max_concurrency = 1;
  if (opts_.per_ip == 0) opts_.per_ip = 1;
  if (opts_.max_attempts < 1) opts_.max_attempts = 1;
  if (timer_.init([&](uv_timer_t* t) { return uv_timer_init(loop_, t); }) != 0)
    throw std::runtime_error("uv_timer_init failed");
  timer_->data = this;
  if (opts_.tls_quality) catalogue_ = openssl_catalogue();
}

ProbeScheduler::~ProbeScheduler() {
  timer_.reset();
  entries_.clear();  // running probes close their transports; the loop frees the handles
  graveyard_.clear();
}

std::size_t ProbeScheduler::cached() const noexcept {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(),
                                                [](const auto& kv) { return kv.second->done; }));
}

void ProbeScheduler::submit(ProbeRequest req, Callback cb) {
  Key key{req.host, req.ip, req.port};
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    Entry& e = *it->second;
    if (e.done)
      ready_.emplace_back(std::move(cb), e.result);
    else
      e.waiters.push_back(std::move(cb));  // coalesced with the probe in flight
    arm_pump(0);
    return;
  }
  auto e = std::make_unique<Entry>();
  e->key = key;
  e->req = std::move(req);
  e->waiters.push_back(std::move(cb));
  queue_.push_back(e.get());
  entries_.emplace(std::move(key), std::move(e));
  ++entries_in_flight_;
  arm_pump(0);
}

void ProbeScheduler::evict(const Key& key) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second->done) {
    entries_.erase(it);
    --cached_;
  }
}

void ProbeScheduler::arm_pump(std::uint64_t delay_ms) {
  if (!timer_) return;
  if (uv_is_active(timer_.as_handle()) && uv_timer_get_due_in(timer_.get()) <= delay_ms) return;
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) noexcept {
        if (auto* self = static_cast<ProbeScheduler*>(t->data)) self->pump();
      },
      delay_ms, 0);
}

void ProbeScheduler::pump() noexcept {
  graveyard_.clear();  // probes that finished in an earlier callback: safe to free now
  auto ready = std::move(ready_);
  ready_.clear();
  for (auto& [cb, result] : ready) {
    try {
      cb(*result);
    } catch (...) {
    }
  }
  const std::uint64_t now = uv_now(loop_);
  std::uint64_t next = std::numeric_limits<std::uint64_t>::max();
  // Reserve first, start after the scan of the queue: a probe may finish inside start()
  // (e.g. an unparsable address) and re-queue itself, which must not happen mid-iteration.
  std::vector<Entry*> go;
  for (auto it = queue_.begin(); it != queue_.end() && active_ < opts_.max_concurrency;) {
    Entry* e = *it;
    IpState& ip = ips_[e->req.ip];
    if (ip.active >= opts_.per_ip) {  // a completion to this IP pumps again
      ++it;
      continue;
    }
    std::uint64_t ready_at = e->not_before;
    if (ip.connected_before) ready_at = std::max(ready_at, ip.last_connect + opts_.min_interval_ms);
    if (ready_at > now) {
      next = std::min(next, ready_at);
      ++it;
      continue;
    }
    if (e->attempts > 0 && !e->step) --retry_waiting_;  // not an assessment step
    ++ip.active;
    ip.last_connect = now;
    ip.connected_before = true;
    ++active_;
    max_active_seen_ = std::max(max_active_seen_, active_);
    go.push_back(e);
    it = queue_.erase(it);
  }
  peak_queued_ = std::max(peak_queued_, queue_.size() + go.size());
  if (active_ >= opts_.max_concurrency && !queue_.empty()) {
    // Would the fixed limit hold back a probe that politeness would let start now? (issue 19:
    // an adaptive limit for SMTP starts only pays if probes queue behind the fixed one.)
    std::size_t held = 0;
    for (const Entry* e : queue_) {
      const IpState& ip = ips_[e->req.ip];
      std::uint64_t ready_at = e->not_before;
      if (ip.connected_before)
        ready_at = std::max(ready_at, ip.last_connect + opts_.min_interval_ms);
      if (ip.active < opts_.per_ip && ready_at <= now) ++held;
    }
    if (held > 0) ++limit_stalls_;
    peak_held_by_limit_ = std::max(peak_held_by_limit_, held);
  }
  for (Entry* e : go) {
    try {
      launch(*e);
    } catch (const std::exception& ex) {
      // Out of memory or a handle we could not create: our fault, never the server's.
      ProbeCompletion c;
      c.result.ip = e->req.ip;
      c.result.sni = e->req.tlsa_base.empty() ? e->req.host : e->req.tlsa_base;
      c.result.outcome = ProbeOutcome::InternalError;
      c.result.error = std::string("internal error: starting the probe: ") + ex.what();
      on_complete(*e, std::move(c));
    }
  }
  if (next != std::numeric_limits<std::uint64_t>::max()) arm_pump(next > now ? next - now : 0);
}

std::shared_ptr<const TlsClientContext> ProbeScheduler::offer_context(const TlsOffer& o) {
  // Steps repeat across addresses: one SSL_CTX per distinct offer (building one is costly).
  std::string key = std::to_string(o.min_version) + "/" + std::to_string(o.max_version);
  for (const auto* list : {&o.tls13_suites, &o.tls12_suites, &o.groups, &o.sigalgs}) {
    key += '|';
    for (const auto& x : *list) key += x + ":";
  }
  auto it = offer_ctx_.find(key);
  if (it != offer_ctx_.end()) return it->second;
  auto c = TlsClientContext::create_offer(o);
  if (!c) throw std::runtime_error("TLS offer: " + c.error());
  offer_ctx_.emplace(std::move(key), *c);
  return *c;
}

void ProbeScheduler::launch(Entry& e) {
  auto run = std::make_unique<Running>();
  run->clock = std::make_unique<UvClock>(loop_);
  Entry* ep = &e;
  if (e.step) {
    ++tls_steps_;
    ProbeRequest req;
    req.host = e.req.host;
    req.ip = e.req.ip;
    req.port = e.req.port;
    req.assessment_step = true;
    req.raw_hello = e.step->offer.raw;
    // A raw-hello step never starts OpenSSL: the main context is only carried along.
    auto ctx = e.step->offer.raw ? tls_ : offer_context(e.step->offer);
    run->probe = std::make_unique<SmtpProbe>(
        std::move(req), opts_.probe, std::move(ctx), std::make_unique<UvTcpTransport>(loop_),
        *run->clock, [this, ep](ProbeCompletion&& c) { on_complete(*ep, std::move(c)); });
    SmtpProbe* probe = run->probe.get();
    e.running = std::move(run);
    probe->start();
    return;
  }
  ++started_;
  ++e.attempts;
  run->probe = std::make_unique<SmtpProbe>(
      e.req, opts_.probe, tls_, std::make_unique<UvTcpTransport>(loop_), *run->clock,
      [this, ep](ProbeCompletion&& c) { on_complete(*ep, std::move(c)); });
  SmtpProbe* probe = run->probe.get();
  e.running = std::move(run);
  probe->start();
}

void ProbeScheduler::on_complete(Entry& e, ProbeCompletion&& c) {
  // Called from inside the probe: keep it alive until the loop is back in pump().
  graveyard_.push_back(std::move(e.running));
  IpState& ip = ips_[e.req.ip];
  --ip.active;
  --active_;
  if (e.step) {  // a step of the TLS-quality assessment
    StepAnswer a;
    if (e.step->offer.raw && c.raw_answered) {
      const auto& kx = c.raw_key_exchange;
      const std::string group =
          kx && kx->kind == KeyExchangeReply::Kind::dhe ? dh_group_name(kx->dhe.p) : std::string();
      a = raw_step_answer(*e.step, c.raw_reply, kx, group);
    } else if (e.step->offer.raw) {
      a.outcome = StepOutcome::Failed;
      a.failure = std::string(to_string(c.result.outcome)) + ": " + c.result.error.value_or("");
    } else if (c.result.outcome == ProbeOutcome::StarttlsOk) {
      a.outcome = StepOutcome::Accepted;
      a.facts = std::move(c.facts);
    } else if (c.result.outcome == ProbeOutcome::TlsFailed && c.tls_alert) {
      a.outcome = StepOutcome::Refused;
    } else {
      a.outcome = StepOutcome::Failed;
      a.failure = std::string(to_string(c.result.outcome)) + ": " + c.result.error.value_or("");
    }
    if (spdlog::should_log(spdlog::level::debug))
      spdlog::debug("tls {} [{}]:{} {}: {} {}\n{}", e.req.host, e.req.ip, e.req.port, e.step->label,
                    to_string(c.result.outcome), c.result.error.value_or(""), c.result.transcript);
    e.planner->record(*e.step, a);
    next_step(e);
    return;
  }
  e.duration_ms += c.result.duration_ms;
  if (c.banner_temp_error && e.attempts < opts_.max_attempts) {
    const std::uint64_t factor = 1ull << std::min(e.attempts - 1, 20);
    e.not_before = uv_now(loop_) + opts_.backoff_ms * factor;
    ++retry_waiting_;
    queue_.push_back(&e);
    arm_pump(0);
    return;
  }
  // debug = the per-probe SMTP chat (opt-in); a misbehaving target is not our error.
  if (spdlog::should_log(spdlog::level::debug))
    spdlog::debug("smtp {} [{}]:{} {} after {} attempt(s) {}\n{}", e.req.host, e.req.ip, e.req.port,
                  to_string(c.result.outcome), e.attempts, c.result.error.value_or(""),
                  c.result.transcript);
  c.result.attempts = e.attempts;
  c.result.duration_ms = e.duration_ms;
  if (opts_.tls_quality && c.result.outcome == ProbeOutcome::StarttlsOk) {
    e.planner = std::make_unique<TlsPlanner>(catalogue_, std::move(c.facts),
                                             std::max(0, opts_.tls_max_connections));
    e.main = std::move(c.result);
    next_step(e);
    return;
  }
  deliver(e, std::move(c.result));
}

void ProbeScheduler::next_step(Entry& e) {
  e.step = e.planner->next();
  if (e.step) {
    e.not_before = 0;
    queue_.push_back(&e);
    arm_pump(0);
    return;
  }
  ProbeResult r = std::move(*e.main);
  e.main.reset();
  r.tls = e.planner->result();
  e.planner.reset();
  deliver(e, std::move(r));
}

void ProbeScheduler::deliver(Entry& e, ProbeResult&& result) {
  e.result = std::make_shared<const ProbeResult>(std::move(result));
  e.done = true;
  --entries_in_flight_;
  for (auto& cb : e.waiters) ready_.emplace_back(std::move(cb), e.result);
  e.waiters.clear();
  e.req.tlsa.clear();
  ++cached_;
  done_order_.push_back(e.key);
  while (cached_ > opts_.max_cached && !done_order_.empty()) {
    evict(done_order_.front());  // no-op for a key already evicted
    done_order_.pop_front();
  }
  arm_pump(0);
}

}  // namespace nulmeting::scanner
