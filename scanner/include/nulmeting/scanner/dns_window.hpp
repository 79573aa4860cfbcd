// dns_window.hpp — how many DNS questions may be in flight now: a congestion window that finds
// the resolver's capacity by itself (issue 19, docs/decisions/adaptive-dns.md).
//
// What for: one fixed limit is wrong for most resolvers (a cold local Unbound takes 1000, a
// small office resolver answers SERVFAIL long before). DnsClient asks this window before it
// sends a question and tells it about every answer.
//
// How, in the spirit of TCP congestion control:
// - slow start: from `initial`, +1 per clean answer (doubles every round trip) until the first
//   back-off or `ceiling`;
// - then additive increase: +`increase` per window's worth of clean answers;
// - multiplicative decrease (x `decrease`) when the resolver shows overload: SERVFAIL, REFUSED
//   or timeouts at a rate above `loss_threshold` (an exponentially weighted share of the
//   answers; one broken domain's SERVFAIL among clean answers is not overload), or a smoothed
//   latency above `latency_backoff` times its floor (queueing in the resolver). The floor is
//   the lowest smoothed latency, rising slowly towards the current one (`floor_gain`): a
//   resolver's latency depends on the mix of questions (cached host names take 1 ms, a cold
//   zone several round trips), so only a rise faster than the mix drifts counts;
// - at most one decrease per smoothed round trip (answers to questions sent before a cut say
//   nothing about the cut window); no increase while latency is above `latency_hold` times
//   its floor; never below `floor` or above `ceiling`.
// Pure: no clock, no I/O; the caller passes the time. Threading: single thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nulmeting::scanner {

struct DnsWindowConfig {
  std::size_t floor = 4;       // never fewer questions in flight
  std::size_t ceiling = 1000;  // --dns-inflight
  std::size_t initial = 32;    // slow start begins here (clamped to [floor, ceiling])
  double increase = 8;         // additive increase per window of clean answers
  double decrease = 0.5;       // multiplicative decrease on overload
  double latency_decrease = 0.75;
  double loss_gain = 1.0 / 32;  // weight of one answer in the overload share
  double loss_threshold = 0.05;
  double latency_gain = 1.0 / 8;  // weight of one answer in the smoothed latency
  double latency_hold = 2.0;      // no increase above this multiple of the latency floor
  double latency_backoff = 4.0;   // decrease above this multiple
  double floor_gain = 1.0 / 256;  // how fast the latency floor follows a higher latency
  // Latency floors below this are taken as this: answers from the resolver's cache take a
  // fraction of a millisecond, and a multiple of that is noise, not queueing.
  double latency_floor_min_ms = 20;
};

enum class DnsSignal : std::uint8_t {
  Clean,     // an answer the resolver produced normally (data, NXDOMAIN, NODATA, bogus...)
  Overload,  // SERVFAIL, REFUSED or a timeout: what a resolver under too much load returns
};

class DnsWindow {
 public:
  explicit DnsWindow(DnsWindowConfig cfg = {});

  // One answer (or timeout) `latency_ms` after its question was sent, at `now_ms`.
  // A timeout's latency is not a round trip and is not used for the latency estimate.
  void on_answer(std::uint64_t now_ms, std::uint64_t latency_ms, DnsSignal signal);

  std::size_t limit() const noexcept;  // questions that may be in flight now
  // The smallest limit a back-off has set (the current limit while there was none).
  std::size_t lowest() const noexcept { return cut_once_ ? lowest_ : limit(); }
  std::uint64_t decreases() const noexcept { return decreases_; }
  bool slow_start() const noexcept { return window_ < threshold_; }
  double loss() const noexcept { return loss_; }
  double smoothed_latency_ms() const noexcept { return srtt_; }
  double latency_floor_ms() const noexcept { return base_; }
  const DnsWindowConfig& config() const noexcept { return cfg_; }

 private:
  void cut(std::uint64_t now_ms, double factor);

  DnsWindowConfig cfg_;
  double window_;
  double threshold_;  // slow start below this
  double loss_ = 0;
  double srtt_ = 0;  // 0: no sample yet
  double base_ = 0;  // latency floor: lowest smoothed latency, drifting up by floor_gain
  std::uint64_t last_cut_ms_ = 0;
  bool cut_once_ = false;
  std::uint64_t decreases_ = 0;
  std::size_t lowest_;
};

}  // namespace nulmeting::scanner
