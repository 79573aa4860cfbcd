// DnsClient without the testbed: configuration, trust-anchor checks at start-up, and the
// lifetime rules (every callback once, timeouts with retry, close() with queries outstanding,
// uv_loop_close() == 0). The only "server" is a UDP socket on 127.0.0.1 that never answers.
#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/scanner/dns_wire.hpp>
#include <nulmeting/scanner/resolve.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>

using namespace nulmeting;
using namespace nulmeting::scanner;
using namespace std::chrono_literals;

namespace {

// A bound UDP socket on loopback that reads nothing: queries to it simply get no answer.
struct SilentUdp {
  int fd = -1;
  int port = 0;
  SilentUdp() {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    socklen_t len = sizeof sa;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    port = ntohs(sa.sin_port);
  }
  ~SilentUdp() { ::close(fd); }
  std::string fwd() const { return "127.0.0.1@" + std::to_string(port); }
  // The question names of every datagram received so far (lower case, no trailing dot).
  std::vector<std::string> received() const {
    std::vector<std::string> names;
    unsigned char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 12) break;
      std::string name;
      for (std::size_t i = 12; i < static_cast<std::size_t>(n) && buf[i] != 0;) {
        const std::size_t len = buf[i];
        if (!name.empty()) name += '.';
        for (std::size_t k = 1; k <= len && i + k < static_cast<std::size_t>(n); ++k)
          name += static_cast<char>(std::tolower(buf[i + k]));
        i += len + 1;
      }
      names.push_back(name);
    }
    return names;
  }
};

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/nulmeting-ta-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  return path;
}

const char* kTestAnchor =
    ". IN DNSKEY 257 3 13 6w4tcpZp2spla3ReGQp1AJLBNC5t5ASIPgfdFXHNLdQ+wrucZRNnLVAg "
    "/QiR1knWMEk4qeNkiZZNzWMrDn7WpQ==\n";

DnsConfig offline_config(const SilentUdp& udp, const std::string& ta) {
  DnsConfig c;
  c.resolvers = {udp.fwd()};
  c.trust_anchor_file = ta;
  c.timeout = 300ms;
  c.retries = 1;
  c.confirm_attempts = 0;  // the confirmation tests below switch it on
  return c;
}

}  // namespace

TEST_CASE("read_trust_anchor_zones: what anchors, what does not", "[dns][ta]") {
  SECTION("the system root key (dns-root-data)") {
    auto z = read_trust_anchor_zones(kSystemTrustAnchor);
    REQUIRE(z.has_value());
    CHECK(*z == std::vector<std::string>{"."});
  }
  struct Row {
    const char* what;
    std::string text;
    bool ok;
    std::vector<std::string> zones;
  };
  const std::vector<Row> rows = {
      {"one DNSKEY", kTestAnchor, true, {"."}},
      {"DS with TTL and class, two zones",
       "; comment\n$TTL 3600\nexample.nl. 3600 IN DS 12345 13 2 ABCDEF0123\n"
       "test. IN DNSKEY 257 3 13 AAAA\n",
       true,
       {"example.nl.", "test."}},
      {"multi-line DNSKEY", ". IN DNSKEY ( 257 3 13\n  6w4tcpZp2spla3Re )\n", true, {"."}},
      {"empty file", "", false, {}},
      {"only comments", "; nothing here\n\n", false, {}},
      {"garbage", "this is not a zone file\n", false, {}},
      {"an A record", "example.nl. IN A 192.0.2.1\n", false, {}},
      {"truncated DNSKEY", ". IN DNSKEY 257 3\n", false, {}},
      {"relative owner", "example IN DS 1 13 2 AB\n", false, {}},
      {"unbalanced paren", ". IN DNSKEY ( 257 3 13 AAAA\n", false, {}},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    const auto path = write_temp(r.text);
    auto z = read_trust_anchor_zones(path);
    ::unlink(path.c_str());
    CHECK(z.has_value() == r.ok);
    if (r.ok && z) CHECK(*z == r.zones);
  }
  CHECK_FALSE(read_trust_anchor_zones("/nonexistent/anchor.key").has_value());
}

TEST_CASE("make_unbound_config switches off every built-in local zone", "[dns][config]") {
  DnsConfig c;
  c.tcp_only = true;
  const auto text = make_unbound_config(c);
  for (const char* z : {"test.", "invalid.", "onion.", "localhost.", "home.arpa.", "local.",
                        "10.in-addr.arpa.", "31.172.in-addr.arpa.", "127.in-addr.arpa.",
                        "8.b.d.0.1.0.0.2.ip6.arpa.", "d.f.ip6.arpa.", "127.100.in-addr.arpa."}) {
    INFO(z);
    CHECK(text.find(std::string("local-zone: \"") + z + "\" nodefault") != std::string::npos);
  }
  CHECK(text.find("edns-buffer-size: 1232") != std::string::npos);
  CHECK(text.find("tcp-upstream: yes") != std::string::npos);
  CHECK(text.find("do-not-query-localhost: no") != std::string::npos);
}

TEST_CASE("make_unbound_config: libunbound waits for a forwarder before it sends again",
          "[dns][config]") {
  DnsConfig c;
  CHECK(make_unbound_config(c).find("infra-cache-min-rtt: 1000\n") != std::string::npos);
  c.forwarder_resend = 400ms;
  CHECK(make_unbound_config(c).find("infra-cache-min-rtt: 400\n") != std::string::npos);
  c.full_recursion = true;  // authoritative servers: libunbound's own timing
  CHECK(make_unbound_config(c).find("infra-cache-min-rtt") == std::string::npos);
}

TEST_CASE("DnsClient::create rejects bad configuration at start-up", "[dns][client]") {
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  {
    auto c = offline_config(udp, ta);
    c.resolvers = {"127.0.0.1:53"};  // libunbound wants addr@port
    auto r = DnsClient::create(loop.get(), c);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().find("ADDR@PORT") != std::string::npos);
  }
  for (const char* bad : {"", "; only a comment\n", "garbage\n"}) {
    INFO("anchor: " << bad);
    const auto bad_ta = write_temp(bad);
    auto r = DnsClient::create(loop.get(), offline_config(udp, bad_ta));
    ::unlink(bad_ta.c_str());
    CHECK_FALSE(r.has_value());
  }
  {
    auto c = offline_config(udp, ta);
    c.max_in_flight = 0;
    CHECK_FALSE(DnsClient::create(loop.get(), c).has_value());
  }
  {
    auto c = offline_config(udp, ta);
    c.resolvers = {"::1@5353", "127.0.0.1"};
    auto r = DnsClient::create(loop.get(), c);
    CHECK(r.has_value());
  }
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: timeouts are retried, then fail/timeout; special-use names leave the host",
          "[dns][client]") {
  // With libunbound's default local zones, "x.test." and "y.invalid." would be answered at once
  // with NXDOMAIN from inside the library; with them off, they go to the (silent) forwarder and
  // time out. This test fails if the local zones are left on.
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto client = DnsClient::create(loop.get(), offline_config(udp, ta));
  REQUIRE(client.has_value());
  std::vector<DnsAnswer> got;
  int calls = 0;
  const std::vector<std::string> names = {"x.test.", "y.invalid", "z.onion", "mx.home.arpa",
                                          "1.0.0.10.in-addr.arpa"};
  for (const auto& n : names)
    (*client)->resolve(n, rrtype::A, [&](DnsAnswer a) {
      ++calls;
      got.push_back(std::move(a));
    });
  const auto t0 = uv_now(loop.get());
  loop.run();
  const auto elapsed = uv_now(loop.get()) - t0;
  CHECK(calls == static_cast<int>(names.size()));
  for (const auto& a : got) {
    INFO(a.qname << " → " << to_string(a.cls) << "/" << to_string(a.reason));
    CHECK(a.cls == DnsClass::Fail);
    CHECK(a.reason == DnsReason::Timeout);
  }
  CHECK(elapsed >= 600);  // two attempts of 300 ms each
  CHECK((*client)->stats().retries == names.size());
  CHECK((*client)->stats().final_timeouts == names.size());
  (*client)->close();
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: a forwarder that is slow to answer is not asked again at once",
          "[dns][client]") {
  // A recursive resolver answers a name it has cached in a millisecond and one it must look up
  // after the authoritative servers did; libunbound, left alone, resends a datagram after the
  // round-trip time it expects (376 ms for a server it does not know yet, then backing off):
  // four datagrams in this 2 s attempt without `infra-cache-min-rtt`. With forwarder_resend
  // (1000 ms, doubled after each resend): two.
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 2000ms;
  cfg.retries = 0;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::optional<DnsAnswer> got;
  (*client)->resolve("slow.test", rrtype::A, [&](DnsAnswer a) { got = std::move(a); });
  loop.run();
  REQUIRE(got.has_value());
  CHECK(got->reason == DnsReason::Timeout);
  const auto names = udp.received();
  const auto sent = std::count(names.begin(), names.end(), "slow.test");
  INFO(sent << " datagrams of " << names.size());
  CHECK(sent >= 1);
  CHECK(sent <= 2);
  (*client)->close();
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: close() with queries outstanding calls back each once; loop closes",
          "[dns][client]") {
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 10s;
  cfg.max_in_flight = 4;  // most of them wait in the client's queue
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::vector<int> calls(50, 0);
  std::vector<DnsReason> reasons(50, DnsReason::Ok);
  for (int i = 0; i < 50; ++i)
    (*client)->resolve("n" + std::to_string(i) + ".example.", rrtype::AAAA, [&, i](DnsAnswer a) {
      ++calls[static_cast<std::size_t>(i)];
      reasons[static_cast<std::size_t>(i)] = a.reason;
    });
  CHECK((*client)->in_flight() == 4);
  CHECK((*client)->waiting() == 46);
  // Close from inside a timer callback, as a scan's shutdown path would.
  UvTimer t;
  REQUIRE(t.init([&](uv_timer_t* h) { return uv_timer_init(loop.get(), h); }) == 0);
  t->data = client->get();
  uv_timer_start(
      t.get(), [](uv_timer_t* h) { static_cast<DnsClient*>(h->data)->close(); }, 50, 0);
  loop.run();
  t.reset();
  for (int i = 0; i < 50; ++i) {
    INFO(i);
    CHECK(calls[static_cast<std::size_t>(i)] == 1);
    CHECK(reasons[static_cast<std::size_t>(i)] == DnsReason::Error);
  }
  // After close, resolve() answers at once with an error (still exactly once).
  int late = 0;
  (*client)->resolve("late.example", rrtype::A, [&](DnsAnswer a) {
    ++late;
    CHECK(a.reason == DnsReason::Error);
  });
  CHECK(late == 1);
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: High questions leave the queue before Normal ones", "[dns][client]") {
  // Two slots; six questions to a server that never answers, so each leaves its slot only by
  // timing out, and the callbacks come in the order the questions were sent.
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 100ms;
  cfg.retries = 0;
  cfg.max_in_flight = 2;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::vector<std::string> order;
  auto ask = [&](const std::string& name, DnsPriority p) {
    (*client)->resolve(
        name + ".example", rrtype::A, [&order, name](DnsAnswer) { order.push_back(name); }, p);
  };
  ask("n1", DnsPriority::Normal);
  ask("n2", DnsPriority::Normal);  // n1, n2 in flight at once
  ask("n3", DnsPriority::Normal);
  ask("n4", DnsPriority::Normal);
  ask("h1", DnsPriority::High);
  ask("h2", DnsPriority::High);
  CHECK((*client)->in_flight() == 2);
  CHECK((*client)->waiting() == 4);
  loop.run();
  CHECK(order == std::vector<std::string>{"n1", "n2", "h1", "h2", "n3", "n4"});
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: an answer libunbound has at once still comes back after resolve() returns",
          "[dns][client]") {
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  UvLoop loop;
  auto cfg = offline_config(udp, ta);
  // A local zone: libunbound answers it inside ub_resolve_event itself (as it does answers from
  // its cache), before that call returns.
  cfg.extra_options = {"local-zone: \"sync.test.\" static",
                       "local-data: \"a.sync.test. 300 IN A 192.0.2.1\""};
  auto c = DnsClient::create(loop.get(), cfg);
  REQUIRE(c);
  bool inside_resolve = false;
  std::vector<DnsAnswer> got;
  auto keep = [&](DnsAnswer a) {
    CHECK_FALSE(inside_resolve);
    got.push_back(std::move(a));
  };
  inside_resolve = true;
  (*c)->resolve("A.sync.test", rrtype::A, keep);
  (*c)->resolve("b.sync.test", rrtype::A, keep);
  inside_resolve = false;
  CHECK(got.empty());
  loop.run();
  REQUIRE(got.size() == 2);
  CHECK(got[0].qname == "a.sync.test");
  CHECK(got[0].cls == DnsClass::Insecure);
  CHECK(got[0].records == std::vector<std::string>{"192.0.2.1"});
  CHECK(got[1].cls == DnsClass::InsecureNx);
  CHECK(got[1].reason == DnsReason::NxDomain);
  CHECK(udp.received().empty());  // nothing left the host
  CHECK((*c)->in_flight() == 0);
  (*c)->close();
  CHECK(loop.close() == 0);
  ::unlink(ta.c_str());
}

TEST_CASE("DnsClient: an idle client does not keep the loop alive", "[dns][client]") {
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto client = DnsClient::create(loop.get(), offline_config(udp, ta));
  REQUIRE(client.has_value());
  CHECK(loop.run() == 0);  // returns at once: nothing in flight
  client->reset();         // destructor closes
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("Resolvers: closing the client calls every domain back; destroying them first is safe",
          "[dns][client][resolve]") {
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 10s;
  SECTION("close first: every domain gets mail = error") {
    auto client = DnsClient::create(loop.get(), cfg);
    REQUIRE(client.has_value());
    std::vector<ResolvedDomain> got;
    {
      HostResolver hosts(**client);
      DomainResolver domains(**client, hosts);
      for (const char* d : {"a.example", "b.example", "c.example"})
        domains.resolve(d, [&](ResolvedDomain r) { got.push_back(std::move(r)); });
      uv_run(loop.get(), UV_RUN_NOWAIT);
      (*client)->close();
    }
    REQUIRE(got.size() == 3);
    for (const auto& r : got) {
      CHECK(r.mx_lookup.cls == DnsClass::Fail);  // → mail = error (verdict::decide_mail)
      CHECK(r.hosts.empty());
      CHECK(r.mx_lookup.reason == DnsReason::Error);
      // The §5 TXT questions were asked beside the MX question and failed with it.
      CHECK(r.mail_standards.measured);
      CHECK(r.mail_standards.spf_txt.cls == DnsClass::Fail);
      CHECK(r.mail_standards.dmarc_txt.qname.starts_with("_dmarc."));
      CHECK(r.mail_standards.dkim.cls == DnsClass::Fail);
      CHECK(r.mail_standards.tls_rpt_txt.cls == DnsClass::Fail);
    }
    client->reset();
  }
  SECTION("resolvers destroyed first: their callbacks are dropped, nothing dangles (ASan)") {
    auto client = DnsClient::create(loop.get(), cfg);
    REQUIRE(client.has_value());
    int calls = 0;
    {
      auto hosts = std::make_unique<HostResolver>(**client);
      auto domains = std::make_unique<DomainResolver>(**client, *hosts);
      domains->resolve("a.example", [&](ResolvedDomain) { ++calls; });
      hosts->resolve("mx.example", [&](const ResolvedHost&) { ++calls; });
      uv_run(loop.get(), UV_RUN_NOWAIT);
      domains.reset();
      hosts.reset();
    }
    (*client)->close();  // delivers Error answers into callbacks of destroyed resolvers
    CHECK(calls == 0);
    client->reset();
  }
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: a fail answer is asked again, in fresh contexts, before it counts",
          "[dns][client][confirm]") {
  // A silent forwarder: every round ends in a timeout. The answer may only come after the
  // first ask plus two re-asks, the last at least `confirm_window` after the first answer,
  // and every re-ask must reach the network (the forwarder sees the name each time).
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 200ms;
  cfg.retries = 0;
  cfg.confirm_attempts = 2;
  cfg.confirm_window = 600ms;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::vector<DnsAnswer> got;
  std::uint64_t answered_at = 0;
  const auto t0 = uv_now(loop.get());
  (*client)->resolve("mx1.confirm.example", rrtype::TLSA, [&](DnsAnswer a) {
    answered_at = uv_now(loop.get());
    got.push_back(std::move(a));
  });
  // While the re-asks wait, the client says so (the progress line shows it).
  UvTimer peek;
  std::size_t confirming_seen = 0;
  REQUIRE(peek.init([&](uv_timer_t* h) { return uv_timer_init(loop.get(), h); }) == 0);
  struct Peek {
    DnsClient* client;
    std::size_t* seen;
  } pk{client->get(), &confirming_seen};
  peek->data = &pk;
  uv_timer_start(
      peek.get(),
      [](uv_timer_t* h) {
        auto* p = static_cast<Peek*>(h->data);
        *p->seen = p->client->confirming();
      },
      350, 0);
  loop.run();
  peek.reset();
  REQUIRE(got.size() == 1);
  CHECK(got[0].cls == DnsClass::Fail);
  CHECK(got[0].reason == DnsReason::Timeout);
  CHECK(got[0].attempts == 3);
  CHECK(confirming_seen == 1);
  // first answer at ≥ 200 ms; last re-ask ≥ 600 ms later; it times out 200 ms after that.
  CHECK(answered_at - t0 >= 200 + 600 + 200);
  const auto& st = (*client)->stats();
  CHECK(st.confirmations == 2);
  CHECK(st.fail_confirmed == 1);
  CHECK(st.fail_recovered == 0);
  CHECK(st.confirm_contexts == 2);  // one fresh context per re-ask round
  CHECK((*client)->confirming() == 0);
  CHECK((*client)->contexts() == 1);  // confirmation contexts are retired when idle
  const auto names = udp.received();
  CHECK(std::count(names.begin(), names.end(), "mx1.confirm.example") >= 3);
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: re-asks wait behind first questions, but not longer than one timeout",
          "[dns][client][confirm]") {
  // One slot, a silent forwarder, one re-ask per question (spacing = timeout = U). f fails at
  // U and is due at 2U; n1 holds the slot from U to 2U and n2 from 2U to 3U (first questions
  // go first); at 3U f's re-ask is overdue by a timeout and goes before n3, so f's answer
  // comes at 4U. A re-ask that went first would answer at 3U; one that waited for every
  // first question at 7U or later.
  constexpr std::uint64_t U = 250;
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = std::chrono::milliseconds(U);
  cfg.retries = 0;
  cfg.max_in_flight = 1;
  cfg.confirm_attempts = 1;
  cfg.confirm_window = std::chrono::milliseconds(U);
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  const auto t0 = uv_now(loop.get());
  std::map<std::string, std::uint64_t> at;
  for (const char* n : {"f", "n1", "n2", "n3", "n4"})
    (*client)->resolve(std::string(n) + ".example", rrtype::A, [&, n](DnsAnswer a) {
      CHECK(a.attempts == 2);
      at[n] = uv_now(loop.get()) - t0;
    });
  loop.run();
  REQUIRE(at.size() == 5);
  INFO("f answered after " << at["f"] << " ms");
  CHECK(at["f"] >= 4 * U);
  CHECK(at["f"] < 5 * U);
  CHECK((*client)->stats().peak_in_flight == 1);  // re-asks share the in-flight bound
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: close() while re-asks wait calls each back once; loop closes",
          "[dns][client][confirm]") {
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 100ms;
  cfg.retries = 0;
  cfg.confirm_attempts = 2;
  cfg.confirm_window = 10s;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::vector<int> calls(5, 0);
  for (int i = 0; i < 5; ++i)
    (*client)->resolve("c" + std::to_string(i) + ".example", rrtype::MX, [&, i](DnsAnswer a) {
      ++calls[static_cast<std::size_t>(i)];
      CHECK(a.reason == DnsReason::Error);
    });
  UvTimer t;
  REQUIRE(t.init([&](uv_timer_t* h) { return uv_timer_init(loop.get(), h); }) == 0);
  t->data = client->get();
  uv_timer_start(
      t.get(), [](uv_timer_t* h) { static_cast<DnsClient*>(h->data)->close(); }, 300, 0);
  loop.run();
  t.reset();
  CHECK(calls == std::vector<int>(5, 1));
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: the trust-anchor check is not held back by confirmation",
          "[dns][client][confirm]") {
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 100ms;
  cfg.retries = 0;
  cfg.confirm_attempts = 2;
  cfg.confirm_window = 30s;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::optional<std::expected<void, std::string>> r;
  const auto t0 = uv_now(loop.get());
  (*client)->check_trust_anchor([&](std::expected<void, std::string> e) { r = std::move(e); });
  loop.run();
  REQUIRE(r.has_value());
  CHECK_FALSE(r->has_value());
  CHECK(uv_now(loop.get()) - t0 < 5000);
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}

TEST_CASE("DnsClient: confirmation contexts stay few even when failures trickle in",
          "[dns][client][confirm]") {
  // 40 questions sent 25 ms apart to a silent forwarder, answers (timeouts) 25 ms apart, re-asks
  // due at once (window 0): every answer comes after the newest context was made, so each
  // re-ask wants a new one. At most one is made per 100 ms, and at most kMaxConfirmContexts
  // live at once (each is a thread): the rest wait for one to retire.
  UvLoop loop;
  SilentUdp udp;
  const auto ta = write_temp(kTestAnchor);
  auto cfg = offline_config(udp, ta);
  cfg.timeout = 1500ms;
  cfg.retries = 0;
  cfg.confirm_attempts = 1;
  cfg.confirm_window = 0ms;
  // Every answer is a timeout: the adaptive limit would back off to its floor and hold the
  // questions back, so they would no longer trickle in 25 ms apart (what this test needs).
  cfg.adaptive_in_flight = false;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  int answered = 0;
  struct Feed {
    DnsClient* client;
    int* answered;
    int sent = 0;
  } feed{client->get(), &answered};
  UvTimer t;
  REQUIRE(t.init([&](uv_timer_t* h) { return uv_timer_init(loop.get(), h); }) == 0);
  t->data = &feed;
  uv_timer_start(
      t.get(),
      [](uv_timer_t* h) {
        auto* f = static_cast<Feed*>(h->data);
        f->client->resolve("t" + std::to_string(f->sent) + ".example", rrtype::A,
                           [a = f->answered](DnsAnswer ans) {
                             CHECK(ans.attempts == 2);
                             ++*a;
                           });
        if (++f->sent == 40) uv_timer_stop(h);
      },
      0, 25);
  loop.run();
  t.reset();
  CHECK(answered == 40);
  const auto& st = (*client)->stats();
  INFO("confirmation contexts made: " << st.confirm_contexts);
  CHECK(st.confirm_contexts > DnsClient::kMaxConfirmContexts);        // more than the cap in all...
  CHECK(st.peak_confirm_contexts <= DnsClient::kMaxConfirmContexts);  // ...never at once
  CHECK((*client)->contexts() == 1);
  client->reset();
  ::unlink(ta.c_str());
  CHECK(loop.close() == 0);
}
