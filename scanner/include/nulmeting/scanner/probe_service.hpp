// probe_service.hpp — wires the SMTP prober into the scan pipeline (pipeline.hpp): the
// ProbeService the pipeline calls, backed by a ProbeScheduler.
//
// Who calls it: the scan command. Usage:
//   auto tls = TlsClientContext::create({}).value();
//   ProbeScheduler sched(loop, tls, sched_opts);        // sched_opts.probe.ehlo_name = --ehlo-name
//   SchedulerProbeService prober(sched);
//   Pipeline pipeline(loop, source, resolver, prober, sink, PipelineOptions{});
// Threading: loop thread only.
#pragma once

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

}  // namespace nulmeting::scanner
