// Scripted-transport tests for the SmtpProbe state machine: partial reads, resets in the middle
// of the handshake, timeouts with an injected clock, finish exactly once (PowerDNS
// test-dnsdisttcp_cc.cc style). The TLS peer is an in-memory OpenSSL server.
#include "scanner/tls_testing.hpp"

#include <nulmeting/scanner/smtp_probe.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <catch2/catch.hpp>
#include <uv.h>

using namespace nulmeting;
using namespace nulmeting::scanner;
using namespace nulmeting::scanner::testing;

namespace {

struct FakeTransport : Transport {
  TransportEvents* ev = nullptr;
  std::string written;  // everything the probe sent, in order
  int connect_rc = 0;
  bool closed = false;
  bool throw_on_write = false;  // stands in for any exception inside the probe (bad_alloc, ...)
  int connects = 0;
  int connect(const std::string&, std::uint16_t, TransportEvents* e) override {
    ev = e;
    ++connects;
    return connect_rc;
  }
  void write(std::string bytes) override {
    if (throw_on_write) throw std::bad_alloc();
    written += bytes;
  }
  void close() noexcept override { closed = true; }
  std::string take() { return std::exchange(written, {}); }
};

struct FakeClock : Clock {
  std::uint64_t now = 1000;
  std::uint64_t deadline = 0;
  std::function<void()> fire;
  int arms = 0;
  std::uint64_t now_ms() const override { return now; }
  void arm(std::uint64_t d, std::function<void()> f) override {
    deadline = now + d;
    fire = std::move(f);
    ++arms;
  }
  void cancel() noexcept override { fire = nullptr; }
  void advance(std::uint64_t ms) {
    now += ms;
    if (fire && now >= deadline) {
      auto f = fire;
      f();
    }
  }
};

struct Harness {
  FakeClock clock;
  FakeTransport* t = nullptr;
  std::shared_ptr<TlsClientContext> ctx;
  std::unique_ptr<SmtpProbe> probe;
  int calls = 0;
  ProbeCompletion done;

  // The tests use documentation addresses (192.0.2.0/24), which are not public: they are
  // allowed here the way --allow-address allows a test network.
  explicit Harness(ProbeRequest req = {"mx.example.nl", "192.0.2.1", 25, "", {}},
                   int connect_rc = 0, std::vector<std::string> allow = {"192.0.2.0/24"}) {
    TlsOptions o;
    o.load_system_cas = false;
    ctx = *TlsClientContext::create(o);
    auto tr = std::make_unique<FakeTransport>();
    tr->connect_rc = connect_rc;
    t = tr.get();
    ProbeOptions po;
    po.ehlo_name = "scanner.example.org";
    for (const auto& a : allow) po.allowed_ranges.push_back(parse_cidr(a).value());
    probe = std::make_unique<SmtpProbe>(std::move(req), po, ctx, std::move(tr), clock,
                                        [this](ProbeCompletion&& c) {
                                          ++calls;
                                          done = std::move(c);
                                        });
    probe->start();
  }
  void data(std::string_view s) { t->ev->on_data(s); }
  // Greets, EHLOs with STARTTLS and gets the 220 to STARTTLS (plus `extra`).
  void to_tls(std::string_view extra = "") {
    t->ev->on_connected(0);
    data("220 mx.example.nl ESMTP\r\n");
    REQUIRE(t->take() == "EHLO scanner.example.org\r\n");
    data("250-mx.example.nl\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    REQUIRE(t->take() == "STARTTLS\r\n");
    data(std::string("220 2.0.0 Ready\r\n") + std::string(extra));
  }
  // Runs the handshake with `server`, delivering the server's bytes in chunks of `chunk`.
  void handshake(ServerSession& server, std::size_t chunk = 1u << 20) {
    for (int i = 0; i < 50 && !probe->finished() && probe->state() == SmtpProbe::State::Handshake;
         ++i) {
      server.feed(t->take());
      server.step();
      const std::string back = server.take();
      for (std::size_t p = 0; p < back.size() && !probe->finished(); p += chunk)
        data(std::string_view(back).substr(p, chunk));
    }
  }
};

}  // namespace

TEST_CASE("probe: full STARTTLS session with DANE, byte-by-byte server data", "[smtp][probe]") {
  Pki pki;
  TestServer server(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()});
  ServerSession ss(server);
  Harness h(
      {"mx.example.nl", "192.0.2.1", 25, "mx.example.nl", {tlsa_for(pki.leaf.get(), 3, 1, 1)}});
  h.t->ev->on_connected(0);
  const std::string banner = "220-mx.example.nl ESMTP\r\n220 hello\r\n";
  for (char c : banner) h.data(std::string_view(&c, 1));  // partial reads
  REQUIRE(h.t->take() == "EHLO scanner.example.org\r\n");
  h.data("250-mx.example.nl\r\n250-PIPELI");
  CHECK(h.t->take().empty());
  h.data("NING\r\n250 STARTTLS\r\n");
  REQUIRE(h.t->take() == "STARTTLS\r\n");
  h.data("220 Ready\r\n");
  CHECK(h.probe->state() == SmtpProbe::State::Handshake);
  h.handshake(ss, 1);
  REQUIRE(h.probe->state() == SmtpProbe::State::Quit);
  ss.feed(h.t->take());
  CHECK(ss.read_plain() == "QUIT\r\n");
  ss.write_plain("221 2.0.0 Bye\r\n");
  h.data(ss.take());
  REQUIRE(h.calls == 1);
  const auto& r = h.done.result;
  CHECK(r.outcome == ProbeOutcome::StarttlsOk);
  CHECK(r.dane == DaneCheck::Authenticated);
  CHECK(r.dane_depth == 0);
  CHECK(r.sni == "mx.example.nl");
  CHECK(r.tls_version == "TLSv1.3");
  CHECK(r.chain.size() == 2);
  CHECK_FALSE(r.leaf_der.empty());
  CHECK(r.pkix == Pkix::Invalid);  // test root not in the (empty) store
  CHECK(r.transcript.find("S: 220-mx.example.nl ESMTP") != std::string::npos);
  CHECK(r.transcript.find("C(tls): QUIT") != std::string::npos);
  CHECK(r.transcript.find("S: 221 2.0.0 Bye") != std::string::npos);
  CHECK(h.t->closed);
  CHECK_FALSE(h.done.banner_temp_error);
  // Nothing after finish reaches the owner again.
  h.t->ev->on_closed(UV_EOF);
  h.clock.advance(100000);
  CHECK(h.calls == 1);
}

TEST_CASE("probe: STARTTLS injection — plaintext after the 220 is discarded", "[smtp][probe]") {
  Pki pki;
  TestServer server(pki.leaf_key.get(), {pki.leaf.get()});
  ServerSession ss(server);
  Harness h;
  h.to_tls("250 injected\r\n");
  h.handshake(ss);
  REQUIRE(h.probe->state() == SmtpProbe::State::Quit);
  ss.feed(h.t->take());
  ss.write_plain("221 bye\r\n");
  h.data(ss.take());
  REQUIRE(h.calls == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::StarttlsOk);
  CHECK(h.done.result.transcript.find("discarded 14 bytes") != std::string::npos);
  CHECK(h.done.result.transcript.find("injected") == std::string::npos);
}

TEST_CASE("probe: reset in the middle of the handshake", "[smtp][probe]") {
  Harness h({"mx.example.nl",
             "192.0.2.1",
             25,
             "mx.example.nl",
             {verdict::parse_tlsa_text("3 1 1 " + std::string(64, 'a')).value()}});
  h.to_tls();
  CHECK_FALSE(h.t->take().empty());  // ClientHello went out
  h.t->ev->on_closed(UV_ECONNRESET);
  REQUIRE(h.calls == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::TlsFailed);  // reached; the handshake failed
  REQUIRE(h.done.result.error);
  CHECK((h.done.result.error->find("andshake") != std::string::npos));  // says where it broke
  // The probe records only what a handshake measured; failed (TlsFailed) is the verdict
  // module's final value (tests/verdict/domain_test.cpp, address_dane).
  CHECK(h.done.result.dane == DaneCheck::NotApplicable);
}

TEST_CASE("probe: reset after part of the server's handshake", "[smtp][probe]") {
  Pki pki;
  TestServer server(pki.leaf_key.get(), {pki.leaf.get()});
  ServerSession ss(server);
  Harness h;
  h.to_tls();
  ss.feed(h.t->take());
  ss.step();
  const std::string flight = ss.take();
  h.data(std::string_view(flight).substr(0, flight.size() / 2));
  CHECK(h.calls == 0);
  h.t->ev->on_closed(UV_EOF);
  REQUIRE(h.calls == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::TlsFailed);
}

TEST_CASE("probe: bytes that are not TLS after 220 → tls_failed", "[smtp][probe]") {
  Harness h;
  h.to_tls();
  h.data("this is not TLS at all, just text\r\n");
  REQUIRE(h.calls == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::TlsFailed);
  CHECK(h.done.result.error.has_value());
}

TEST_CASE("probe: TLS alert from the server → tls_failed", "[smtp][probe]") {
  Pki pki;
  // Server only speaks TLS 1.0 but with no shared cipher: use an RSA-only cipher with EC key.
  TestServer server(pki.leaf_key.get(), {pki.leaf.get()}, TLS1_2_VERSION, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(server.ctx.get(), "AES128-SHA");  // needs RSA, the key is EC
  ServerSession ss(server);
  Harness h;
  h.to_tls();
  h.handshake(ss);
  REQUIRE(h.calls == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::TlsFailed);
}

TEST_CASE("probe: outcomes of the plaintext phases", "[smtp][probe]") {
  SECTION("421 banner → smtp_temp_error, retry-able") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("421 4.3.2 try later\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::SmtpTempError);
    CHECK(h.done.banner_temp_error);
    CHECK(h.t->take().empty());  // no EHLO
  }
  SECTION("554 banner → smtp_perm_error") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("554 go away\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::SmtpPermError);
    CHECK_FALSE(h.done.banner_temp_error);
  }
  SECTION("no STARTTLS → no_starttls, QUIT, DANE not measured") {
    Harness h({"mx.example.nl",
               "192.0.2.1",
               25,
               "mx.example.nl",
               {verdict::parse_tlsa_text("3 1 1 " + std::string(64, 'a')).value()}});
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n");
    h.t->take();
    h.data("250-mx\r\n250 PIPELINING\r\n");
    CHECK(h.t->take() == "QUIT\r\n");
    CHECK(h.calls == 0);
    h.data("221 bye\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::NoStarttls);
    // The probe records only what a handshake measured; failed (NoStarttls) is the verdict
    // module's final value (tests/verdict/domain_test.cpp, address_dane).
    CHECK(h.done.result.dane == DaneCheck::NotApplicable);
  }
  SECTION("EHLO refused, HELO accepted → no_starttls") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n");
    h.t->take();
    h.data("502 5.5.2 what?\r\n");
    CHECK(h.t->take() == "HELO scanner.example.org\r\n");
    h.data("250 ok\r\n");
    CHECK(h.t->take() == "QUIT\r\n");
    h.t->ev->on_closed(UV_EOF);  // server hangs up instead of 221: outcome stays
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::NoStarttls);
  }
  SECTION("EHLO and HELO refused after a 2xx greeting → protocol_error (reached)") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n500 no\r\n");  // pipelined reply arrives early: still parsed in order
    h.data("501 no\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK_FALSE(h.done.banner_temp_error);
  }
  SECTION("454 to STARTTLS → starttls_refused") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n");
    h.data("250-mx\r\n250 STARTTLS\r\n");
    h.t->take();
    h.data("454 4.7.0 TLS not available\r\n");
    CHECK(h.t->take() == "QUIT\r\n");
    h.data("221 bye\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::StarttlsRefused);
  }
  SECTION("connection refused") {
    Harness h;
    h.t->ev->on_connected(UV_ECONNREFUSED);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::Refused);
  }
  SECTION("connect fails synchronously: refused") {
    Harness h({"mx", "192.0.2.1", 25, "", {}}, UV_ECONNREFUSED);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::Refused);
  }
  SECTION("peer closes before the banner → reset") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220-partial");
    h.t->ev->on_closed(UV_EOF);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::Reset);
  }
}

TEST_CASE("probe: timeouts per phase with the injected clock", "[smtp][probe]") {
  SECTION("connect") {
    Harness h;
    h.clock.advance(9999);
    CHECK(h.calls == 0);
    h.clock.advance(1);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::Timeout);
    CHECK(h.done.result.duration_ms == 10000);
  }
  SECTION("banner that never comes; late data is ignored") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220-slow");
    h.clock.advance(30000);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::Timeout);
    CHECK(h.done.result.error->find("banner") != std::string::npos);
    h.data(" banner\r\n");
    h.t->ev->on_closed(UV_ECONNRESET);
    CHECK(h.calls == 1);
  }
  SECTION("each phase gets its own deadline") {
    Harness h;
    h.t->ev->on_connected(0);
    h.clock.advance(29000);
    h.data("220 hi\r\n");
    h.clock.advance(29000);  // 58 s in total, but EHLO has its own 30 s
    CHECK(h.calls == 0);
    h.clock.advance(1000);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);  // silent after the greeting
  }
  SECTION("handshake timeout → tls_failed (reached), DANE not measured") {
    Harness h({"mx.example.nl",
               "192.0.2.1",
               25,
               "mx.example.nl",
               {verdict::parse_tlsa_text("3 1 1 " + std::string(64, 'a')).value()}});
    h.to_tls();
    h.clock.advance(30000);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::TlsFailed);
    CHECK(h.done.result.error->find("timeout in phase handshake") != std::string::npos);
    // The probe records only what a handshake measured; failed (TlsFailed) is the verdict
    // module's final value (tests/verdict/domain_test.cpp, address_dane).
    CHECK(h.done.result.dane == DaneCheck::NotApplicable);
  }
  SECTION("QUIT timeout keeps the outcome") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n250 mx\r\n");
    CHECK(h.t->take().find("QUIT") != std::string::npos);
    h.clock.advance(5000);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::NoStarttls);
  }
}

TEST_CASE("probe: hostile replies end with a recorded error and bounded state", "[smtp][probe]") {
  SECTION("1 MiB EHLO line: over-long reply → protocol_error, bounded, then QUIT") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n");
    h.t->take();
    const std::string chunk(65536, 'x');
    h.data("250 ");
    for (int i = 0; i < 16; ++i) h.data(chunk);
    h.data("\r\n");
    CHECK(h.t->take() == "QUIT\r\n");
    h.data("221 bye\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.result.error->find("over 2048 characters") != std::string::npos);
    CHECK(h.done.result.transcript.size() <= 8192 + 64);
  }
  SECTION("endless banner line ends at the byte cap") {
    Harness h;
    h.t->ev->on_connected(0);
    const std::string chunk(65536, 'A');
    h.data("220 ");
    for (int i = 0; i < 200 && h.calls == 0; ++i) h.data(chunk);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::Timeout);
    CHECK(h.done.result.error->find("too large") != std::string::npos);
  }
  SECTION("endless EHLO continuation → protocol_error (reached)") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n");
    for (int i = 0; i < 10000 && h.calls == 0; ++i) h.data("250-AAAA\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.result.error->find("too many lines") != std::string::npos);
  }
  SECTION("endless \"220-\" greeting is never a complete greeting → timeout") {
    Harness h;
    h.t->ev->on_connected(0);
    for (int i = 0; i < 10000 && h.calls == 0; ++i) h.data("220-AAAA\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::Timeout);
    CHECK(h.done.result.error->find("too many lines") != std::string::npos);
  }
  SECTION("garbage instead of a STARTTLS reply → protocol_error") {
    Harness h;
    h.t->ev->on_connected(0);
    h.data("220 hi\r\n250-mx\r\n250 STARTTLS\r\n");
    h.data(std::string("\x16\x03\x01garbage\r\n"));
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.result.transcript.find('\x16') == std::string::npos);
  }
}

TEST_CASE("probe: a TLS flood after the handshake is capped and keeps the outcome",
          "[smtp][probe]") {
  Pki pki;
  TestServer server(pki.leaf_key.get(), {pki.leaf.get()});
  ServerSession ss(server);
  Harness h;
  h.to_tls();
  h.handshake(ss);
  REQUIRE(h.probe->state() == SmtpProbe::State::Quit);
  ss.feed(h.t->take());
  // 4 MiB of "250-" continuation lines, never a final line: the reply caps end the QUIT phase.
  const std::string lines(16384, 'x');
  for (int i = 0; i < 256 && h.calls == 0; ++i) {
    ss.write_plain("250-" + lines.substr(0, 1000) + "\r\n" + lines.substr(0, 15000));
    h.data(ss.take());
  }
  REQUIRE(h.calls == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::StarttlsOk);
}

TEST_CASE("probe: any 2xx to STARTTLS proceeds to TLS (as Postfix)", "[smtp][probe]") {
  Pki pki;
  TestServer server(pki.leaf_key.get(), {pki.leaf.get()});
  ServerSession ss(server);
  Harness h;
  h.t->ev->on_connected(0);
  h.data("220 mx.example.nl ESMTP\r\n");
  h.t->take();
  h.data("250-mx.example.nl\r\n250 STARTTLS\r\n");
  REQUIRE(h.t->take() == "STARTTLS\r\n");
  h.data("250 2.0.0 go ahead\r\n");
  REQUIRE(h.probe->state() == SmtpProbe::State::Handshake);
  h.handshake(ss);
  REQUIRE(h.probe->state() == SmtpProbe::State::Quit);
  ss.feed(h.t->take());
  ss.write_plain("221 bye\r\n");
  h.data(ss.take());
  REQUIRE(h.calls == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::StarttlsOk);
}

TEST_CASE("probe: reached = a complete 2xx greeting; later breaks are protocol_error",
          "[smtp][probe]") {
  const TlsaRecord tlsa = verdict::parse_tlsa_text("3 1 1 " + std::string(64, 'a')).value();
  auto greeted = [&](Harness& h) {
    h.t->ev->on_connected(0);
    h.data("220 mx.example.nl ESMTP\r\n");
    REQUIRE(h.t->take() == "EHLO scanner.example.org\r\n");
  };
  auto at_starttls = [&](Harness& h) {
    greeted(h);
    h.data("250-mx.example.nl\r\n250 STARTTLS\r\n");
    REQUIRE(h.t->take() == "STARTTLS\r\n");
  };
  SECTION("reset after the greeting") {
    Harness h;
    greeted(h);
    h.t->ev->on_closed(UV_ECONNRESET);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.result.error->find("EHLO") != std::string::npos);
  }
  SECTION("close in the middle of the EHLO reply") {
    Harness h;
    greeted(h);
    h.data("250-mx.example.nl\r\n250-PIPE");
    h.t->ev->on_closed(UV_EOF);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
  }
  SECTION("reset after STARTTLS was sent, before its reply; the probe records no DANE value") {
    Harness h({"mx.example.nl", "192.0.2.1", 25, "mx.example.nl", {tlsa}});
    at_starttls(h);
    h.t->ev->on_closed(UV_ECONNRESET);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    // What a broken dialogue means for DANE is the verdict module's (verdict::address_dane).
    CHECK(h.done.result.dane == DaneCheck::NotApplicable);
  }
  SECTION("silence after STARTTLS") {
    Harness h;
    at_starttls(h);
    h.clock.advance(30000);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.result.error->find("timeout in phase STARTTLS") != std::string::npos);
  }
  SECTION("an over-long EHLO reply (byte cap)") {
    Harness h;
    greeted(h);
    const std::string chunk(65536, 'A');
    h.data("250-");
    for (int i = 0; i < 200 && h.calls == 0; ++i) h.data(chunk);  // one line that never ends
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.result.error->find("too large") != std::string::npos);
  }
  SECTION("a malformed EHLO reply") {
    Harness h;
    greeted(h);
    h.data("hello there\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
  }
  SECTION("a 3xx to STARTTLS is neither refusal nor go-ahead") {
    Harness h;
    at_starttls(h);
    h.data("354 what?\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.result.tls_version.empty());
  }
  SECTION("a 4xx to EHLO: protocol_error, retried like a 4xx greeting") {
    Harness h;
    greeted(h);
    h.data("421 4.7.0 too many connections\r\n");
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::ProtocolError);
    CHECK(h.done.banner_temp_error);
  }
  SECTION("before the greeting: reset stays reset, silence stays timeout") {
    Harness a;
    a.t->ev->on_connected(0);
    a.t->ev->on_closed(UV_ECONNRESET);
    REQUIRE(a.calls == 1);
    CHECK(a.done.result.outcome == ProbeOutcome::Reset);
    Harness b;
    b.t->ev->on_connected(0);
    b.clock.advance(30000);
    REQUIRE(b.calls == 1);
    CHECK(b.done.result.outcome == ProbeOutcome::Timeout);
  }
}

TEST_CASE("probe: a non-public address is never contacted", "[smtp][probe][address]") {
  SECTION("RFC 1918") {
    Harness h({"mx.example.nl", "10.0.0.25", 25, "", {}});
    REQUIRE(h.calls == 1);
    CHECK(h.t->connects == 0);
    CHECK(h.done.result.outcome == ProbeOutcome::NotPublic);
    CHECK(h.done.result.dane == DaneCheck::NotApplicable);
  }
  SECTION("IPv4-mapped loopback, with usable TLSA") {
    Harness h({"mx.example.nl",
               "::ffff:127.0.0.1",
               25,
               "mx.example.nl",
               {verdict::parse_tlsa_text("3 1 1 " + std::string(64, 'a')).value()}});
    REQUIRE(h.calls == 1);
    CHECK(h.t->connects == 0);
    CHECK(h.done.result.outcome == ProbeOutcome::NotPublic);
    CHECK(h.done.result.dane == DaneCheck::NotApplicable);  // not reached: not tested
  }
  SECTION("the documentation range without an allow list") {
    Harness h({"mx.example.nl", "192.0.2.1", 25, "", {}}, 0, {});
    REQUIRE(h.calls == 1);
    CHECK(h.t->connects == 0);
    CHECK(h.done.result.outcome == ProbeOutcome::NotPublic);
  }
  SECTION("an allowed range is contacted") {
    Harness h({"mx.example.nl", "10.0.0.25", 25, "", {}}, 0, {"10.0.0.0/8"});
    CHECK(h.calls == 0);
    CHECK(h.t->connects == 1);
  }
  SECTION("a public address is contacted") {
    Harness h({"mx.example.nl", "145.21.1.1", 25, "", {}}, 0, {});
    CHECK(h.calls == 0);
    CHECK(h.t->connects == 1);
  }
}

TEST_CASE("probe: no route from the scanner's network → no_route (not refused)", "[smtp][probe]") {
  for (const int err : {UV_ENETUNREACH, UV_EHOSTUNREACH, UV_EAFNOSUPPORT, UV_EADDRNOTAVAIL}) {
    INFO(uv_strerror(err));
    Harness async;
    async.t->ev->on_connected(err);
    REQUIRE(async.calls == 1);
    CHECK(async.done.result.outcome == ProbeOutcome::NoRoute);
    Harness sync({"mx.example.nl", "192.0.2.1", 25, "", {}}, err);
    REQUIRE(sync.calls == 1);
    CHECK(sync.done.result.outcome == ProbeOutcome::NoRoute);
  }
}

TEST_CASE("probe: our own faults are internal_error, never server behaviour", "[smtp][probe]") {
  SECTION("an exception inside the probe (bad_alloc on write)") {
    Harness h({"mx.example.nl",
               "192.0.2.1",
               25,
               "mx.example.nl",
               {verdict::parse_tlsa_text("3 1 1 " + std::string(64, 'a')).value()}});
    h.t->ev->on_connected(0);
    h.t->throw_on_write = true;
    h.data("220 hi\r\n");  // the probe answers with EHLO: the write throws
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::InternalError);
    CHECK(h.done.result.dane == DaneCheck::NotApplicable);
    CHECK(h.done.result.error->find("internal error") != std::string::npos);
  }
  SECTION("out of descriptors at connect") {
    Harness h({"mx.example.nl", "192.0.2.1", 25, "", {}}, UV_EMFILE);
    REQUIRE(h.calls == 1);
    CHECK(h.done.result.outcome == ProbeOutcome::InternalError);
  }
  SECTION("an address that does not parse is never connected to") {
    Harness h({"mx.example.nl", "not-an-ip", 25, "", {}});
    REQUIRE(h.calls == 1);
    CHECK(h.t->connects == 0);
    CHECK(h.done.result.outcome == ProbeOutcome::InternalError);
  }
}

namespace {
ProbeRequest raw_request(bool sslv2 = false) {
  ProbeRequest req{"mx.example.nl", "192.0.2.1", 25, "", {}};
  req.assessment_step = true;
  RawHello h;
  h.sslv2 = sslv2;
  h.version = tls_version::ssl3;
  h.suites = {0x000a, 0x002f};
  h.compression = {tls_compression::deflate, tls_compression::null};
  req.raw_hello = h;
  return req;
}
}  // namespace

TEST_CASE("probe: raw hello — writes the hand-built hello, reads one reply, closes without QUIT",
          "[smtp][probe][raw]") {
  Harness h(raw_request());
  h.to_tls();
  CHECK(h.probe->state() == SmtpProbe::State::RawHello);
  const std::string hello = h.t->take();
  REQUIRE(hello.size() > 5);
  CHECK(hello[0] == 0x16);  // a TLS handshake record
  CHECK(hello[9] == 0x03);  // client_version 3.0
  CHECK(hello[10] == 0x00);
  // A ServerHello (SSL 3, 3DES, deflate), fed in two pieces.
  const std::string sh = std::string("\x16\x03\x00\x00\x2a\x02\x00\x00\x26\x03\x00", 11) +
                         std::string(32, 'r') + std::string("\x00\x00\x0a\x01", 4);
  REQUIRE(sh.size() == 5 + 42);
  h.data(sh.substr(0, 7));
  CHECK(h.calls == 0);
  h.data(sh.substr(7));
  REQUIRE(h.calls == 1);
  CHECK(h.done.raw_answered);
  REQUIRE(h.done.raw_reply);
  CHECK(h.done.raw_reply->kind == ServerReply::Kind::server_hello);
  CHECK(h.done.raw_reply->hello.cipher_suite == 0x000a);
  CHECK(h.done.raw_reply->hello.compression_method == 1);
  CHECK(h.done.result.outcome == ProbeOutcome::StarttlsOk);
  CHECK(h.t->take().find("QUIT") == std::string::npos);  // no QUIT inside a TLS handshake
  CHECK(h.t->closed);
}

TEST_CASE("probe: raw hello — a clean close is an answer (refused), a reset or silence is not",
          "[smtp][probe][raw]") {
  {
    Harness h(raw_request(true));
    h.to_tls();
    const std::string hello = h.t->take();
    REQUIRE(!hello.empty());
    CHECK((static_cast<unsigned char>(hello[0]) & 0x80) != 0);  // SSL 2 record header
    h.t->ev->on_closed(UV_EOF);
    REQUIRE(h.calls == 1);
    CHECK(h.done.raw_answered);
    CHECK(!h.done.raw_reply);
  }
  {
    Harness h(raw_request());
    h.to_tls();
    h.t->ev->on_closed(UV_ECONNRESET);
    REQUIRE(h.calls == 1);
    CHECK(!h.done.raw_answered);
    CHECK(h.done.result.outcome == ProbeOutcome::TlsFailed);
  }
  {
    Harness h(raw_request());
    h.to_tls();
    h.clock.advance(60000);
    REQUIRE(h.calls == 1);
    CHECK(!h.done.raw_answered);
    CHECK(h.done.result.outcome == ProbeOutcome::TlsFailed);
  }
}
