// scan_engine.cpp — adapters from the DNS resolvers and the probe scheduler to the pipeline's
// interfaces, plus the run loop (progress timer, signals). See scan_engine.hpp.
#include <nulmeting/scanner/mta_sts_probe.hpp>
#include <nulmeting/scanner/probe_service.hpp>
#include <nulmeting/scanner/resolve.hpp>
#include <nulmeting/scanner/scan_engine.hpp>
#include <nulmeting/scanner/uv_handle.hpp>
#include <nulmeting/verdict/host.hpp>

#include <fmt/format.h>

#include <csignal>
#include <optional>
#include <utility>

namespace nulmeting::scanner {
namespace {

// DNS half of a domain → the pipeline's DomainPlan (hosts, and the targets to probe).
class DnsResolution final : public DomainResolution {
 public:
  DnsResolution(DomainResolver& domains, std::uint16_t port) : domains_(domains), port_(port) {}
  void resolve(const DomainEntry& entry, std::function<void(DomainPlan)> done) override {
    domains_.resolve(entry.domain, [this, done = std::move(done)](ResolvedDomain d) {
      done(plan_domain(d, port_));
    });
  }

 private:
  DomainResolver& domains_;
  std::uint16_t port_;
};

}  // namespace

DomainPlan plan_domain(const ResolvedDomain& d, std::uint16_t port) {
  DomainPlan plan;
  d.apply_to(plan.result);
  plan.targets.resize(plan.result.mx.size());
  for (std::size_t i = 0; i < d.hosts.size() && i < plan.targets.size(); ++i) {
    const ResolvedHost& h = d.hosts[i];
    // Which hosts are probed is the verdict module's rule: every host with addresses, a
    // tlsa_error host too (its STARTTLS is a fact; its DANE fails on every address).
    if (!verdict::host_probed(h.result)) continue;
    const bool dane = verdict::host_has_usable_tlsa(h.result);
    for (const auto& ip : h.ips) {
      ProbeTarget t;
      t.host = h.result.name;
      t.ip = ip;
      t.port = port;
      if (dane) {
        t.tlsa_base = h.result.tlsa->base;
        t.tlsa = h.result.tlsa->records;
      }
      plan.targets[i].push_back(std::move(t));
    }
  }
  return plan;
}

struct ScanEngine::Impl {
  uv_loop_t* loop = nullptr;
  EngineConfig cfg;
  std::unique_ptr<DnsClient> dns;
  std::shared_ptr<TlsClientContext> tls;
  std::unique_ptr<HostResolver> hosts;
  std::unique_ptr<DomainResolver> domains;
  std::unique_ptr<ProbeScheduler> scheduler;
  std::unique_ptr<HttpsFetcher> https;
  std::unique_ptr<MtaStsProber> mta_sts;
  RouteCheck routes;
};

namespace {
class ProberMtaStsService final : public MtaStsService {
 public:
  explicit ProberMtaStsService(MtaStsProber& p) : p_(p) {}
  void measure(const std::string& domain, std::function<void(MtaStsEvidence)> done) override {
    p_.measure(domain, std::move(done));
  }

 private:
  MtaStsProber& p_;
};
}  // namespace

RouteCheck ScanEngine::routes() const { return impl_ ? impl_->routes : RouteCheck{}; }

std::string progress_line(const EngineProgress& p, std::size_t total) {
  const double rate =
      p.elapsed_s > 0 ? static_cast<double>(p.pipeline.domains_done) / p.elapsed_s : 0;
  const double left = static_cast<double>(total) - static_cast<double>(p.pipeline.domains_done);
  std::string eta = "--";
  if (rate > 0 && left >= 0 && left / rate <= 360000) {
    const auto s = static_cast<long>(left / rate);
    eta = fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  }
  // A domain whose server said 4xx waits out the backoff with no connection and no DNS open:
  // without the retry count the line would look idle for a minute.
  const std::string retry = p.probes_retry_wait > 0
                                ? fmt::format(" ({} waiting to retry a 4xx)", p.probes_retry_wait)
                                : std::string();
  // DNS failures wait up to the confirmation window (30 s) before they count: say so.
  const std::string confirming =
      p.dns_confirming > 0 ? fmt::format(" ({} failures being confirmed)", p.dns_confirming)
                           : std::string();
  // The adaptive DNS limit (issue 19): a collapsed limit explains a slow scan, and recovered
  // failures show the resolver struggled without it costing a verdict.
  const std::string recovered = p.dns_fail_recovered > 0
                                    ? fmt::format(" ({} recovered)", p.dns_fail_recovered)
                                    : std::string();
  // Domains past their DNS that wait for a shared probe or TLS assessment (the second window).
  const std::string waiting =
      p.pipeline.domains_waiting > 0
          ? fmt::format(" ({} waiting for their mail servers)", p.pipeline.domains_waiting)
          : std::string();
  return fmt::format(
      "{}/{} domains  {:.1f}/s  in flight: {} domains{}, {} probes{}, {} DNS of limit {}{}{}  "
      "probes done: {}  ETA {}",
      p.pipeline.domains_done, total, rate, p.pipeline.domains_in_flight, waiting, p.probes_active,
      retry, p.dns_in_flight, p.dns_limit, confirming, recovered, p.probes_started, eta);
}

ScanEngine::ScanEngine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScanEngine::~ScanEngine() { close(); }

std::expected<std::unique_ptr<ScanEngine>, std::string> ScanEngine::create(uv_loop_t* loop,
                                                                           EngineConfig cfg) {
  auto impl = std::make_unique<Impl>();
  impl->loop = loop;
  impl->cfg = std::move(cfg);
  auto dns = DnsClient::create(loop, impl->cfg.dns);
  if (!dns) return std::unexpected("DNS: " + dns.error());
  impl->dns = std::move(*dns);

  std::optional<std::expected<void, std::string>> anchor;
  impl->dns->check_trust_anchor([&anchor](std::expected<void, std::string> r) { anchor = r; });
  while (!anchor && uv_run(loop, UV_RUN_ONCE) != 0) {
  }
  if (!anchor || !*anchor) {
    impl->dns->close();
    uv_run(loop, UV_RUN_DEFAULT);
    return std::unexpected("trust anchor: " +
                           (anchor ? anchor->error() : std::string("no answer to the check")));
  }

  auto tls = TlsClientContext::create(impl->cfg.tls);
  if (!tls) {
    impl->dns->close();
    uv_run(loop, UV_RUN_DEFAULT);
    return std::unexpected("TLS: " + tls.error());
  }
  impl->tls = std::move(*tls);
  impl->hosts = std::make_unique<HostResolver>(*impl->dns, impl->cfg.host_cache);
  DomainResolver::Options ropt;
  ropt.max_mx = impl->cfg.max_mx.value_or(0);  // the one --max-mx cap: before host lookups
  ropt.mail_standards = impl->cfg.mail_standards;
  impl->domains = std::make_unique<DomainResolver>(*impl->dns, *impl->hosts, ropt);
  impl->scheduler = std::make_unique<ProbeScheduler>(loop, impl->tls, impl->cfg.smtp);
  if (impl->cfg.mta_sts && impl->cfg.mail_standards) {
    try {
      impl->https = std::make_unique<HttpsFetcher>(loop, impl->cfg.https);
    } catch (const std::exception& e) {
      impl->dns->close();
      uv_run(loop, UV_RUN_DEFAULT);
      return std::unexpected(std::string("HTTPS: ") + e.what());
    }
    MtaStsOptions mo;
    mo.allowed_ranges = impl->cfg.smtp.probe.allowed_ranges;
    impl->mta_sts = std::make_unique<MtaStsProber>(*impl->dns, *impl->https, mo);
  }
  impl->routes = check_routes();
  return std::unique_ptr<ScanEngine>(new ScanEngine(std::move(impl)));
}

EngineOutcome ScanEngine::run(DomainSource& source, ResultSink& sink, ProgressFn progress,
                              std::chrono::milliseconds progress_every) {
  Impl& m = *impl_;
  DnsResolution resolution(*m.domains, m.cfg.smtp_port);
  SchedulerProbeService probes(*m.scheduler);
  PipelineOptions popt;
  popt.max_domains_in_flight = m.cfg.max_domains_in_flight;
  popt.max_domains_resolving = m.cfg.max_domains_resolving;
  Pipeline pipeline(m.loop, source, resolution, probes, sink, popt);
  std::optional<ProberMtaStsService> sts;
  if (m.mta_sts) {
    sts.emplace(*m.mta_sts);
    pipeline.set_mta_sts(&*sts);
  }

  const std::uint64_t t0 = uv_hrtime();
  EngineOutcome outcome;
  auto snapshot = [&] {
    EngineProgress p;
    p.pipeline = pipeline.stats();
    p.probes_active = m.scheduler->active();
    p.probes_started = m.scheduler->probes_started();
    p.probes_retry_wait = m.scheduler->retry_waiting();
    p.probes_peak = m.scheduler->max_active_seen();
    p.tls_steps = m.scheduler->tls_steps_started();
    p.dns_busy_s = static_cast<double>(m.dns->stats().busy_ms) / 1000.0;
    p.probes_queued_peak = m.scheduler->peak_queued();
    p.probes_held_peak = m.scheduler->peak_held_by_limit();
    p.probes_limit_stalls = m.scheduler->limit_stalls();
    p.dns_in_flight = m.dns->in_flight() + m.dns->waiting();
    p.dns_queries = m.dns->stats().submitted;
    p.dns_timeouts = m.dns->stats().timeouts;
    p.dns_confirming = m.dns->confirming();
    p.dns_fail_confirmed = m.dns->stats().fail_confirmed;
    p.dns_fail_recovered = m.dns->stats().fail_recovered;
    p.dns_limit = m.dns->limit();
    p.dns_limit_lowest = m.dns->stats().lowest_limit;
    p.dns_limit_decreases = m.dns->stats().limit_decreases;
    p.elapsed_s = static_cast<double>(uv_hrtime() - t0) / 1e9;
    return p;
  };

  struct LoopState {
    std::function<void()> tick;
    std::function<void()> on_signal;
  } state;
  state.tick = [&] {
    if (progress) progress(snapshot());
  };
  state.on_signal = [&] {
    outcome.interrupted = true;
    pipeline.stop();
  };

  UvTimer timer;
  UvSignal sigint, sigterm;
  bool finished = false;
  if (progress) {
    timer.init([&](uv_timer_t* h) { return uv_timer_init(m.loop, h); });
    timer->data = &state;
    const auto every = static_cast<std::uint64_t>(progress_every.count());
    uv_timer_start(
        timer.get(), [](uv_timer_t* h) { static_cast<LoopState*>(h->data)->tick(); }, every, every);
  }
  for (auto [sig, signum] : {std::pair{&sigint, SIGINT}, std::pair{&sigterm, SIGTERM}}) {
    sig->init([&](uv_signal_t* h) { return uv_signal_init(m.loop, h); });
    (*sig)->data = &state;
    uv_signal_start(
        sig->get(), [](uv_signal_t* h, int) { static_cast<LoopState*>(h->data)->on_signal(); },
        signum);
  }
  pipeline.start([&] {
    finished = true;
    timer.reset();
    sigint.reset();
    sigterm.reset();
  });
  while (!finished && uv_run(m.loop, UV_RUN_ONCE) != 0) {
  }
  timer.reset();
  sigint.reset();
  sigterm.reset();
  outcome.final = snapshot();
  if (progress) progress(outcome.final);
  return outcome;
}

void ScanEngine::close() {
  if (!impl_) return;
  Impl& m = *impl_;
  // The DNS client first: close() cancels what is outstanding and calls every callback once,
  // while the resolvers that wait for those answers still exist.
  // The MTA-STS prober before both: its callbacks then drop the answers close() delivers.
  m.mta_sts.reset();
  if (m.dns) m.dns->close();
  if (m.https) m.https->close();
  m.scheduler.reset();
  m.domains.reset();
  m.hosts.reset();
  uv_run(m.loop, UV_RUN_DEFAULT);  // let close callbacks free the handles
  m.dns.reset();
  m.https.reset();
  impl_.reset();
}

}  // namespace nulmeting::scanner
