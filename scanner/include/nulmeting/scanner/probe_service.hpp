// probe_service.hpp — wires the SMTP prober into the scan pipeline (pipeline.hpp): the
// ProbeService the pipeline calls, backed by a ProbeScheduler, and the DANE-TA name re-check
// the pipeline applies per domain.
//
// Who calls it: the scan command. Usage:
//   auto tls = TlsClientContext::create({}).value();
//   ProbeScheduler sched(loop, tls, sched_opts);        // sched_opts.probe.ehlo_name = --ehlo-name
//   SchedulerProbeService prober(sched);
//   PipelineOptions popts; popts.dane_recheck = dane_name_recheck();
//   Pipeline pipeline(loop, source, resolver, prober, sink, popts);
// Threading: loop thread only.
#pragma once

#include <nulmeting/scanner/dane_verify.hpp>
#include <nulmeting/scanner/pipeline.hpp>
#include <nulmeting/scanner/probe_scheduler.hpp>

namespace nulmeting::scanner {

class SchedulerProbeService final : public ProbeService {
 public:
  explicit SchedulerProbeService(ProbeScheduler& scheduler) : scheduler_(scheduler) {}
  void probe(const ProbeTarget& target, std::function<void(const ProbeResult&)> done) override {
    scheduler_.submit(target, std::move(done));
  }
  std::size_t in_flight() const override { return scheduler_.in_flight(); }

 private:
  ProbeScheduler& scheduler_;
};

// The pipeline's DaneNameRecheck: a shared probe that failed DANE-TA only on names is
// authenticated for a domain whose extra reference identifiers match the leaf.
inline DaneNameRecheck dane_name_recheck() {
  return [](ProbeResult& r, const std::vector<std::string>& extra_names) {
    r = dane_recheck_names(r, extra_names);
  };
}

}  // namespace nulmeting::scanner
