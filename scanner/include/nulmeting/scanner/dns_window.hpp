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
//   latency above `latency_backoff` times its reference (queueing in the resolver). The
//   reference is a long-run average of the smoothed latency over wall time (time constants
//   `reference_rise_ms` / `reference_fall_ms`): a resolver's latency depends on the mix of
//   questions (cached names take 1 ms, a cold zone one or more round trips), so only a rise
//   faster than the mix drifts counts. Not the lowest latency seen: a run of cache hits set
//   that far below every cold answer and made the mix itself look like queueing; not an
//   average per answer: at 1,000 answers a second that follows a growing queue within a
//   second (docs/decisions/adaptive-dns.md, the quiet 10,000-domain runs);
// - at most one decrease per smoothed round trip (answers to questions sent before a cut say
//   nothing about the cut window); no increase while latency is above `latency_hold` times
//   its reference; never below `floor` or above `ceiling`.
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
  // Weight of one answer in the smoothed latency: small enough that a random mix of cache hits
  // (1 ms) and cold answers (100+ ms) averages out, large enough to see queueing within a few
  // dozen answers.
  double latency_gain = 1.0 / 32;
  double latency_hold = 1.5;           // no increase above this multiple of the reference
  double latency_backoff = 2.5;        // decrease above this multiple
  std::uint64_t reference_start = 32;  // the reference is the mean of this many answers first,
  double reference_rise_ms = 60000;    // then follows a higher smoothed latency this slowly
  double reference_fall_ms = 10000;    // and a lower one this slowly (time constants)
  // References below this are taken as this: answers from the resolver's cache take a
  // fraction of a millisecond, and a multiple of that is noise, not queueing.
  double latency_reference_min_ms = 20;
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
  double latency_reference_ms() const noexcept { return base_; }
  const DnsWindowConfig& config() const noexcept { return cfg_; }

 private:
  void cut(std::uint64_t now_ms, double factor);

  DnsWindowConfig cfg_;
  double window_;
  double threshold_;  // slow start below this
  double loss_ = 0;
  double srtt_ = 0;  // smoothed latency (the mean of the first answers, then a moving average)
  double base_ = 0;  // latency reference: mean of the first answers, then srtt_ over wall time
  std::uint64_t samples_ = 0;  // clean answers seen (the reference's start-up mean)
  std::uint64_t last_sample_ms_ = 0;
  std::uint64_t last_cut_ms_ = 0;
  bool cut_once_ = false;
  std::uint64_t decreases_ = 0;
  std::size_t lowest_;
};

}  // namespace nulmeting::scanner
