// ProbeScheduler on a real libuv loop against a tiny SMTP server on 127.0.0.1 (loopback only):
// per-IP concurrency cap, minimum interval, 4xx-banner retries with backoff, dedup/coalescing,
// cache, and a clean loop close (every handle freed: uv_loop_close == 0).
#include <nulmeting/scanner/probe_scheduler.hpp>
#include <nulmeting/scanner/probe_service.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <catch2/catch.hpp>

#include <list>
#include <map>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {

// A loopback SMTP server without STARTTLS. The first `fail_first` connections get 421.
struct MiniSmtp {
  struct Conn {
    MiniSmtp* srv = nullptr;
    UvTcp tcp;
    UvTimer delay;
    std::string in;
    char buf[4096];
  };
  uv_loop_t* loop;
  UvTcp listener;
  std::list<Conn> conns;
  int fail_first = 0;
  int accepted = 0;
  int active = 0;
  int max_active = 0;
  std::uint64_t banner_delay_ms = 40;
  std::vector<std::uint64_t> accept_times;
  int port = 0;

  explicit MiniSmtp(uv_loop_t* l) : loop(l) {
    REQUIRE(listener.init([&](uv_tcp_t* h) { return uv_tcp_init(loop, h); }) == 0);
    listener->data = this;
    sockaddr_in a{};
    uv_ip4_addr("127.0.0.1", 0, &a);
    REQUIRE(uv_tcp_bind(listener.get(), reinterpret_cast<const sockaddr*>(&a), 0) == 0);
    REQUIRE(uv_listen(listener.as_stream(), 64, on_conn) == 0);
    sockaddr_storage ss{};
    int len = sizeof ss;
    uv_tcp_getsockname(listener.get(), reinterpret_cast<sockaddr*>(&ss), &len);
    port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  static void send(Conn& c, const char* text) {
    auto* req = new uv_write_t{};
    uv_buf_t b = uv_buf_init(const_cast<char*>(text), static_cast<unsigned>(strlen(text)));
    if (uv_write(req, c.tcp.as_stream(), &b, 1, [](uv_write_t* r, int) { delete r; }) != 0)
      delete req;
  }
  void drop(Conn& c) {
    if (!c.tcp) return;
    c.tcp.reset();
    c.delay.reset();
    --active;
  }
  static void on_conn(uv_stream_t* s, int status) {
    auto* self = static_cast<MiniSmtp*>(s->data);
    if (status != 0 || self == nullptr) return;
    Conn& c = self->conns.emplace_back();
    c.srv = self;
    c.tcp.init([&](uv_tcp_t* h) { return uv_tcp_init(self->loop, h); });
    c.tcp->data = &c;
    if (uv_accept(s, c.tcp.as_stream()) != 0) return;
    ++self->accepted;
    ++self->active;
    self->max_active = std::max(self->max_active, self->active);
    self->accept_times.push_back(uv_now(self->loop));
    const bool fail = self->accepted <= self->fail_first;
    c.delay.init([&](uv_timer_t* t) { return uv_timer_init(self->loop, t); });
    c.delay->data = &c;
    uv_timer_start(
        c.delay.get(),
        fail ? [](uv_timer_t* t) {
          auto& cc = *static_cast<Conn*>(t->data);
          send(cc, "421 4.3.2 busy\r\n");
          cc.srv->drop(cc);
        }
             : [](uv_timer_t* t) { send(*static_cast<Conn*>(t->data), "220 mini ESMTP\r\n"); },
        self->banner_delay_ms, 0);
    uv_read_start(
        c.tcp.as_stream(),
        [](uv_handle_t* h, std::size_t, uv_buf_t* b) {
          auto* cc = static_cast<Conn*>(h->data);
          *b = cc ? uv_buf_init(cc->buf, sizeof cc->buf) : uv_buf_init(nullptr, 0);
        },
        [](uv_stream_t* st, ssize_t n, const uv_buf_t* b) {
          auto* cc = static_cast<Conn*>(st->data);
          if (cc == nullptr) return;
          if (n < 0) {
            cc->srv->drop(*cc);
            return;
          }
          cc->in.append(b->base, static_cast<std::size_t>(n));
          std::size_t nl;
          while ((nl = cc->in.find('\n')) != std::string::npos) {
            const std::string line = cc->in.substr(0, nl);
            cc->in.erase(0, nl + 1);
            if (line.starts_with("EHLO")) send(*cc, "250-mini\r\n250 PIPELINING\r\n");
            if (line.starts_with("QUIT")) {
              send(*cc, "221 bye\r\n");
              cc->srv->drop(*cc);
              return;
            }
          }
        });
  }
  void stop() {
    for (auto& c : conns) drop(c);
    listener.reset();
  }
};

std::shared_ptr<TlsClientContext> ctx() {
  TlsOptions o;
  o.load_system_cas = false;
  return *TlsClientContext::create(o);
}

SchedulerOptions fast() {
  SchedulerOptions o;
  o.min_interval_ms = 0;
  o.backoff_ms = 10;
  o.probe.ehlo_name = "scanner.example.org";
  o.probe.timeouts = {2000, 2000, 2000, 2000, 2000, 1000};
  // The loopback test servers: allowed the way --allow-address allows the testbed.
  o.probe.allowed_ranges = {parse_cidr("127.0.0.0/8").value(), parse_cidr("::1").value()};
  return o;
}

}  // namespace

TEST_CASE("scheduler: per-IP cap, dedup and cache", "[probe][scheduler]") {
  UvLoop loop;
  {
    MiniSmtp srv(loop.get());
    auto opts = fast();
    opts.per_ip = 2;
    ProbeScheduler sched(loop.get(), ctx(), opts);
    std::vector<ProbeResult> got;
    for (int i = 0; i < 6; ++i)
      sched.submit({"mx" + std::to_string(i) + ".example.nl",
                    "127.0.0.1",
                    static_cast<std::uint16_t>(srv.port),
                    "",
                    {}},
                   [&](const ProbeResult& r) { got.push_back(r); });
    // Two more requests for mx0: coalesced with the probe in flight.
    for (int i = 0; i < 2; ++i)
      sched.submit({"mx0.example.nl", "127.0.0.1", static_cast<std::uint16_t>(srv.port), "", {}},
                   [&](const ProbeResult& r) { got.push_back(r); });
    CHECK(got.empty());  // never inside submit()
    while (!sched.idle()) loop.run(UV_RUN_ONCE);
    CHECK(got.size() == 8);
    CHECK(srv.accepted == 6);
    CHECK(srv.max_active <= 2);
    CHECK(sched.max_active_seen() <= 2);
    for (const auto& r : got) {
      CHECK(r.outcome == ProbeOutcome::NoStarttls);
      CHECK(r.transcript.find("C: EHLO scanner.example.org") != std::string::npos);
    }
    // Cached: no new connection, answered from the loop.
    bool cached = false;
    sched.submit({"mx3.example.nl", "127.0.0.1", static_cast<std::uint16_t>(srv.port), "", {}},
                 [&](const ProbeResult& r) { cached = r.outcome == ProbeOutcome::NoStarttls; });
    CHECK_FALSE(cached);
    while (!sched.idle()) loop.run(UV_RUN_ONCE);
    CHECK(cached);
    CHECK(srv.accepted == 6);
    CHECK(sched.cached() == 6);
    srv.stop();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("scheduler: minimum interval between connections to one IP", "[probe][scheduler]") {
  UvLoop loop;
  {
    MiniSmtp srv(loop.get());
    srv.banner_delay_ms = 0;
    auto opts = fast();
    opts.min_interval_ms = 60;
    ProbeScheduler sched(loop.get(), ctx(), opts);
    int done = 0;
    for (int i = 0; i < 4; ++i)
      sched.submit(
          {"h" + std::to_string(i), "127.0.0.1", static_cast<std::uint16_t>(srv.port), "", {}},
          [&](const ProbeResult&) { ++done; });
    while (!sched.idle()) loop.run(UV_RUN_ONCE);
    CHECK(done == 4);
    REQUIRE(srv.accept_times.size() == 4);
    for (std::size_t i = 1; i < 4; ++i) CHECK(srv.accept_times[i] - srv.accept_times[i - 1] >= 55);
    srv.stop();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("scheduler: counts probes that --concurrency holds back (issue 19's SMTP question)",
          "[probe][scheduler]") {
  UvLoop loop;
  {
    MiniSmtp srv(loop.get());
    for (const std::size_t limit : {std::size_t{1}, std::size_t{4}}) {
      auto opts = fast();
      opts.per_ip = 4;  // politeness would let all three start at once
      opts.max_concurrency = limit;
      ProbeScheduler sched(loop.get(), ctx(), opts);
      int done = 0;
      for (int i = 0; i < 3; ++i)
        sched.submit(
            {"q" + std::to_string(i), "127.0.0.1", static_cast<std::uint16_t>(srv.port), "", {}},
            [&](const ProbeResult&) { ++done; });
      while (!sched.idle()) loop.run(UV_RUN_ONCE);
      CHECK(done == 3);
      CHECK(sched.peak_queued() == 3);
      if (limit == 1) {
        CHECK(sched.peak_held_by_limit() == 2);
        CHECK(sched.limit_stalls() >= 2);
      } else {
        CHECK(sched.peak_held_by_limit() == 0);
        CHECK(sched.limit_stalls() == 0);
      }
    }
    srv.stop();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("scheduler: 421 banner is retried with backoff", "[probe][scheduler]") {
  UvLoop loop;
  {
    MiniSmtp srv(loop.get());
    srv.banner_delay_ms = 0;
    auto opts = fast();
    opts.max_attempts = 3;
    SECTION("recovers on the third attempt") {
      srv.fail_first = 2;
      ProbeScheduler sched(loop.get(), ctx(), opts);
      ProbeResult res;
      sched.submit({"mx", "127.0.0.1", static_cast<std::uint16_t>(srv.port), "", {}},
                   [&](const ProbeResult& r) { res = r; });
      std::size_t max_waiting = 0;  // what the progress line shows during the backoff
      while (!sched.idle()) {
        loop.run(UV_RUN_ONCE);
        max_waiting = std::max(max_waiting, sched.retry_waiting());
      }
      CHECK(max_waiting == 1);
      CHECK(sched.retry_waiting() == 0);
      CHECK(res.outcome == ProbeOutcome::NoStarttls);
      CHECK(res.attempts == 3);
      CHECK(srv.accepted == 3);
      CHECK(srv.accept_times[2] - srv.accept_times[1] >= 19);  // backoff doubles: 10, 20
    }
    SECTION("gives up after max_attempts") {
      srv.fail_first = 100;
      ProbeScheduler sched(loop.get(), ctx(), opts);
      ProbeResult res;
      sched.submit({"mx", "127.0.0.1", static_cast<std::uint16_t>(srv.port), "", {}},
                   [&](const ProbeResult& r) { res = r; });
      while (!sched.idle()) loop.run(UV_RUN_ONCE);
      CHECK(res.outcome == ProbeOutcome::SmtpTempError);
      CHECK(res.attempts == 3);
      CHECK(srv.accepted == 3);
    }
    srv.stop();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("scheduler: refused and unparsable addresses finish", "[probe][scheduler]") {
  UvLoop loop;
  {
    ProbeScheduler sched(loop.get(), ctx(), fast());
    std::vector<ProbeResult> got;
    // Port 1 on loopback: nothing listens.
    sched.submit({"a", "127.0.0.1", 1, "", {}}, [&](const ProbeResult& r) { got.push_back(r); });
    sched.submit({"b", "::1", 1, "", {}}, [&](const ProbeResult& r) { got.push_back(r); });
    sched.submit({"c", "not-an-ip", 25, "", {}}, [&](const ProbeResult& r) { got.push_back(r); });
    sched.submit({"d", "10.0.0.1", 25, "", {}}, [&](const ProbeResult& r) { got.push_back(r); });
    while (!sched.idle()) loop.run(UV_RUN_ONCE);
    REQUIRE(got.size() == 4);
    std::map<std::string, ProbeResult> by_ip;
    for (const auto& r : got) by_ip[r.ip] = r;
    CHECK(by_ip.at("127.0.0.1").outcome == ProbeOutcome::Refused);
    CHECK(by_ip.at("::1").outcome == ProbeOutcome::Refused);
    CHECK(by_ip.at("not-an-ip").outcome == ProbeOutcome::InternalError);  // our parse, our fault
    CHECK(by_ip.at("10.0.0.1").outcome == ProbeOutcome::NotPublic);       // never contacted
    CHECK(by_ip.at("10.0.0.1").transcript.find("C: ") == std::string::npos);
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("scheduler: bounded cache and the pipeline adapter", "[probe][scheduler]") {
  UvLoop loop;
  {
    MiniSmtp srv(loop.get());
    srv.banner_delay_ms = 0;
    auto opts = fast();
    opts.max_cached = 2;
    ProbeScheduler sched(loop.get(), ctx(), opts);
    SchedulerProbeService svc(sched);
    int done = 0;
    for (int i = 0; i < 4; ++i)
      svc.probe(
          {"m" + std::to_string(i), "127.0.0.1", static_cast<std::uint16_t>(srv.port), "", {}},
          [&](const ProbeResult&) { ++done; });
    CHECK(svc.in_flight() == 4);
    while (!sched.idle()) loop.run(UV_RUN_ONCE);
    CHECK(done == 4);
    CHECK(svc.in_flight() == 0);
    CHECK(sched.cached() == 2);  // the two oldest were dropped
    srv.stop();
  }
  CHECK(loop.close() == 0);
}

TEST_CASE("scheduler: refuses an EHLO name that is not an FQDN", "[probe][scheduler]") {
  UvLoop loop;
  auto opts = fast();
  opts.probe.ehlo_name = "bad name\r\nMAIL FROM:<x@y>";
  CHECK_THROWS_AS(ProbeScheduler(loop.get(), ctx(), opts), std::invalid_argument);
  CHECK(loop.close() == 0);
}
