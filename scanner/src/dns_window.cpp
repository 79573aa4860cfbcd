// dns_window.cpp — the adaptive DNS in-flight limit (see dns_window.hpp).
#include <nulmeting/scanner/dns_window.hpp>

#include <algorithm>
#include <cmath>

namespace nulmeting::scanner {

namespace {
double clamp_window(double w, const DnsWindowConfig& c) {
  return std::clamp(w, static_cast<double>(c.floor), static_cast<double>(c.ceiling));
}
}  // namespace

DnsWindow::DnsWindow(DnsWindowConfig cfg) : cfg_(cfg) {
  cfg_.ceiling = std::max<std::size_t>(cfg_.ceiling, 1);
  cfg_.floor = std::clamp<std::size_t>(cfg_.floor, 1, cfg_.ceiling);
  window_ = clamp_window(static_cast<double>(cfg_.initial), cfg_);
  threshold_ = static_cast<double>(cfg_.ceiling);
  lowest_ = limit();
}

std::size_t DnsWindow::limit() const noexcept {
  return static_cast<std::size_t>(std::floor(window_));
}

void DnsWindow::cut(std::uint64_t now_ms, double factor) {
  const std::size_t before = limit();
  window_ = clamp_window(window_ * factor, cfg_);
  if (limit() == before) return;  // at the floor (or a fixed window): nothing to count
  threshold_ = window_;           // from here on, additive increase
  last_cut_ms_ = now_ms;
  lowest_ = cut_once_ ? std::min(lowest_, limit()) : limit();
  cut_once_ = true;
  ++decreases_;
}

void DnsWindow::on_answer(std::uint64_t now_ms, std::uint64_t latency_ms, DnsSignal signal) {
  const bool overload = signal == DnsSignal::Overload;
  loss_ += cfg_.loss_gain * ((overload ? 1.0 : 0.0) - loss_);
  if (!overload) {
    const auto sample = static_cast<double>(latency_ms);
    // Start-up: both the smoothed latency and its reference are the plain mean of the first
    // `reference_start` answers (the first answer alone, a cache hit or one cold chain from
    // the root, is neither). Then the smoothed latency is a moving average per answer, and the
    // reference one over wall time: queueing builds in time, whatever the answer rate. The
    // reference follows a rise slowly (a queue must not become the new normal within one
    // scan) and a fall faster.
    ++samples_;
    if (samples_ <= cfg_.reference_start) {
      srtt_ += (sample - srtt_) / static_cast<double>(samples_);
      base_ = srtt_;
    } else {
      srtt_ += cfg_.latency_gain * (sample - srtt_);
      const double tau = srtt_ > base_ ? cfg_.reference_rise_ms : cfg_.reference_fall_ms;
      const auto dt = static_cast<double>(now_ms > last_sample_ms_ ? now_ms - last_sample_ms_ : 0);
      base_ += (1.0 - std::exp(-dt / tau)) * (srtt_ - base_);
    }
    last_sample_ms_ = now_ms;
  }
  // Answers to questions sent before the last cut still reflect the old window: at most one
  // cut per smoothed round trip.
  const auto rtt = static_cast<std::uint64_t>(std::max(srtt_, 1.0));
  const bool may_cut = !cut_once_ || now_ms >= last_cut_ms_ + rtt;
  const double reference_ms = std::max(base_, cfg_.latency_reference_min_ms);
  if (overload) {
    if (loss_ > cfg_.loss_threshold && may_cut) cut(now_ms, cfg_.decrease);
    return;
  }
  if (srtt_ > cfg_.latency_backoff * reference_ms) {
    if (may_cut) cut(now_ms, cfg_.latency_decrease);
    return;
  }
  if (srtt_ > cfg_.latency_hold * reference_ms) return;
  if (window_ < threshold_)
    window_ += 1;
  else
    window_ += cfg_.increase / window_;
  window_ = clamp_window(window_, cfg_);
}

}  // namespace nulmeting::scanner
