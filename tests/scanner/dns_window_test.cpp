// The adaptive DNS in-flight limit (dns_window.hpp, issue 19): events in, window out.
#include <nulmeting/scanner/dns_window.hpp>

#include <catch2/catch.hpp>

#include <cstdint>

using namespace nulmeting::scanner;

namespace {

DnsWindowConfig cfg(std::size_t floor, std::size_t ceiling, std::size_t initial) {
  DnsWindowConfig c;
  c.floor = floor;
  c.ceiling = ceiling;
  c.initial = initial;
  return c;
}

// `n` answers with the same latency, one per millisecond from `t`; returns the time after.
std::uint64_t feed(DnsWindow& w, std::uint64_t t, int n, std::uint64_t latency,
                   DnsSignal s = DnsSignal::Clean) {
  for (int i = 0; i < n; ++i) w.on_answer(t++, latency, s);
  return t;
}

}  // namespace

TEST_CASE("dns window: starts at initial, clamped to floor and ceiling", "[dnswindow]") {
  CHECK(DnsWindow(cfg(4, 1000, 32)).limit() == 32);
  CHECK(DnsWindow(cfg(4, 10, 32)).limit() == 10);
  CHECK(DnsWindow(cfg(40, 1000, 32)).limit() == 40);
  CHECK(DnsWindow(cfg(4, 1000, 32)).slow_start());
  // A fixed limit: floor = initial = ceiling never moves, whatever happens.
  DnsWindow fixed(cfg(200, 200, 200));
  auto t = feed(fixed, 0, 500, 10);
  t = feed(fixed, t, 500, 10, DnsSignal::Overload);
  CHECK(fixed.limit() == 200);
}

TEST_CASE("dns window: slow start grows by one per clean answer up to the ceiling", "[dnswindow]") {
  DnsWindow w(cfg(4, 100, 10));
  feed(w, 0, 1, 30);
  CHECK(w.limit() == 11);
  feed(w, 1, 9, 30);
  CHECK(w.limit() == 20);
  feed(w, 10, 500, 30);
  CHECK(w.limit() == 100);  // never past --dns-inflight
  CHECK(w.decreases() == 0);
}

TEST_CASE("dns window: a burst of SERVFAIL halves it, once per round trip", "[dnswindow]") {
  DnsWindow w(cfg(4, 1000, 32));
  auto t = feed(w, 0, 400, 50);  // slow start to 432
  REQUIRE(w.limit() == 432);
  // 10 overload answers within 10 ms: the share passes 5 % on the second; one cut only,
  // because the answers of one window arrive within one round trip (50 ms).
  t = feed(w, t, 10, 50, DnsSignal::Overload);
  CHECK(w.limit() == 216);
  CHECK(w.decreases() == 1);
  CHECK_FALSE(w.slow_start());
  // Still failing a round trip later: halved again.
  t = feed(w, t + 50, 10, 50, DnsSignal::Overload);
  CHECK(w.limit() == 108);
  CHECK(w.decreases() == 2);
  CHECK(w.lowest() == 108);
}

TEST_CASE("dns window: never below the floor", "[dnswindow]") {
  DnsWindow w(cfg(4, 1000, 64));
  std::uint64_t t = 0;
  for (int i = 0; i < 50; ++i) t = feed(w, t + 100, 5, 50, DnsSignal::Overload);
  CHECK(w.limit() == 4);
  CHECK(w.lowest() == 4);
}

TEST_CASE("dns window: timeouts are overload, their latency is not a round trip", "[dnswindow]") {
  DnsWindow w(cfg(4, 1000, 100));
  auto t = feed(w, 0, 20, 40);
  const double srtt = w.smoothed_latency_ms();
  t = feed(w, t, 5, 5000, DnsSignal::Overload);
  CHECK(w.limit() < 120);
  CHECK(w.smoothed_latency_ms() == srtt);
}

TEST_CASE("dns window: one failing domain among clean answers is not overload", "[dnswindow]") {
  DnsWindow w(cfg(4, 1000, 100));
  std::uint64_t t = 0;
  // One SERVFAIL (a lame delegation) every 40 answers: 2.5 % of the answers.
  for (int i = 0; i < 20; ++i) {
    t = feed(w, t, 39, 50);
    t = feed(w, t, 1, 50, DnsSignal::Overload);
  }
  CHECK(w.decreases() == 0);
  CHECK(w.limit() > 100);
}

TEST_CASE("dns window: additive increase after a back-off", "[dnswindow]") {
  auto c = cfg(4, 1000, 200);
  c.increase = 8;
  DnsWindow w(c);
  auto t = feed(w, 0, 1, 50);
  t = feed(w, t, 3, 50, DnsSignal::Overload);
  REQUIRE(w.limit() == 100);  // 201 halved
  // One window's worth of clean answers (about 100) adds about `increase`.
  feed(w, t + 100, 100, 50);
  CHECK(w.limit() >= 107);
  CHECK(w.limit() <= 109);
}

TEST_CASE("dns window: rising latency holds, then cuts; a slow drift of the mix does not",
          "[dnswindow]") {
  DnsWindow w(cfg(4, 1000, 100));
  auto t = feed(w, 0, 100, 30);  // reference 30 ms
  const auto before = w.limit();
  REQUIRE(before == 200);
  // Latency rises to 2x its reference within a few dozen answers: no more growth, no cut.
  t = feed(w, t, 60, 60);
  const auto held = w.limit();
  CHECK(held < 200 + 60);  // growth stopped on the way
  t = feed(w, t, 50, 60);
  CHECK(w.limit() == held);
  CHECK(w.decreases() == 0);
  // Queueing: 10x the reference. Cut by latency_decrease (0.75).
  t = feed(w, t, 80, 300);
  CHECK(w.decreases() >= 1);
  CHECK(w.limit() < held);
  // A drift of the question mix (cached names to cold zones) over minutes moves the reference
  // with it and does not cut: 20 -> 400 ms over 190 s, 100 answers a second.
  DnsWindow d(cfg(4, 1000, 100));
  std::uint64_t u = feed(d, 0, 100, 20);
  for (std::uint64_t lat = 20; lat <= 400; lat += 2)
    for (int i = 0; i < 100; ++i, u += 10) d.on_answer(u, lat, DnsSignal::Clean);
  CHECK(d.decreases() == 0);
  CHECK(d.limit() == 1000);
  // The same rise within 4 s is queueing, at any answer rate: it cuts. (A reference averaged
  // per answer would follow it at 1,000 answers a second.)
  DnsWindow q(cfg(4, 1000, 100));
  u = feed(q, 0, 100, 20);
  for (std::uint64_t lat = 20; lat <= 400; lat += 2) u = feed(q, u, 20, lat);
  CHECK(q.decreases() >= 1);
  CHECK(q.limit() < 1000);
}

TEST_CASE("dns window: a steady mix of cache hits and cold answers is not queueing",
          "[dnswindow]") {
  // What a scan asks: shared provider names answered from the resolver's cache in a
  // millisecond, interleaved with cold questions that take a round trip or three to the
  // authoritatives (100-300 ms). The lowest latency seen (a cache hit) is no reference for
  // the cold answers: a window that took it as one cut itself down to the floor on the quiet
  // 10,000-domain benchmark (docs/decisions/adaptive-dns.md).
  DnsWindow w(cfg(4, 1000, 32));
  std::uint64_t t = 0;
  std::uint32_t x = 12345;  // a fixed pseudo-random sequence (xorshift): the test is repeatable
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    const std::uint64_t lat = x % 10 < 3 ? 1 : 100 + (x >> 8) % 201;  // 30 % cache hits
    w.on_answer(t, lat, DnsSignal::Clean);
    t += 1;
  }
  CHECK(w.decreases() == 0);
  CHECK(w.limit() == 1000);
}
