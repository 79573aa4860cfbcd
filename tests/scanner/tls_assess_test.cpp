// tls_assess_test.cpp — the TLS-quality assessment end to end on loopback: ProbeScheduler runs
// the main probe and the planner's steps (each a full SMTP dialogue with its own offer)
// against a small STARTTLS server built on OpenSSL, whose settings make it modern, legacy or
// rate-limiting (measurement.md §4). Loopback only.
#include "scanner/tls_testing.hpp"

#include <nulmeting/scanner/probe_scheduler.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <iostream>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nulmeting;
using namespace nulmeting::scanner;
using namespace nulmeting::scanner::testing;

namespace {

// A blocking STARTTLS server on 127.0.0.1, one connection at a time, on its own thread.
// From connection `limit_after + 1` on it answers "421 too many connections" (0: never).
class StarttlsServer {
 public:
  StarttlsServer(SSL_CTX* ctx, int limit_after = 0, bool legacy = false)
      : ctx_(ctx), limit_after_(limit_after), legacy_(legacy) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~StarttlsServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  int connections() const { return connections_; }

 private:
  static void say(int fd, std::string_view s) { (void)!::write(fd, s.data(), s.size()); }
  static bool line(int fd) {  // reads one line (bounded by the socket timeout)
    char c = 0;
    for (int i = 0; i < 1024; ++i) {
      if (::read(fd, &c, 1) != 1) return false;
      if (c == '\n') return true;
    }
    return false;
  }
  void serve(int fd) {
    timeval tv{3, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (limit_after_ > 0 && connections_ > limit_after_) {
      say(fd, "421 4.7.0 too many connections\r\n");
      return;
    }
    say(fd, "220 t.example ESMTP\r\n");
    if (!line(fd)) return;
    say(fd, "250-t.example\r\n250 STARTTLS\r\n");
    if (!line(fd)) return;
    say(fd, "220 2.0.0 go ahead\r\n");
    if (legacy_ && answer_legacy(fd)) return;
    SslPtr ssl(SSL_new(ctx_));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) != 1) return;  // OpenSSL has sent its alert
    char buf[512];
    if (SSL_read(ssl.get(), buf, sizeof buf) > 0) SSL_write(ssl.get(), "221 bye\r\n", 9);
    SSL_shutdown(ssl.get());
  }
  // The scripted legacy part (what OpenSSL 3 cannot serve): looks at the client's hello without
  // consuming it; an SSL 3 hello, one offering 3DES (TLS_RSA_WITH_3DES_EDE_CBC_SHA) or one
  // offering deflate gets a hand-made ServerHello choosing it (SSL 3 for a hello below TLS 1.2:
  // it speaks SSL 3 and TLS 1.2), then the server closes (the ServerHello is the evidence).
  // Anything else is left to OpenSSL.
  static bool answer_legacy(int fd) {
    std::vector<unsigned char> b(5 + (1 << 14));
    std::size_t have = 0, need = 5;
    for (int i = 0; i < 100 && have < need; ++i) {
      const ssize_t n = ::recv(fd, b.data(), need, MSG_PEEK);
      if (n <= 0) return false;
      have = static_cast<std::size_t>(n);
      if (have >= 5) {
        if (b[0] != 0x16) return false;  // SSL 2 hello or not a handshake: OpenSSL's
        need = 5 + ((std::size_t{b[3]} << 8) | b[4]);
        if (need > b.size()) return false;
      }
      if (have < need) ::poll(nullptr, 0, 10);
    }
    if (have < need || need < 5 + 4 + 2 + 32 + 1) return false;
    std::size_t p = 9;
    const unsigned version = (unsigned{b[p]} << 8) | b[p + 1];
    p += 34;
    p += 1 + std::size_t{b[p]};
    if (p + 2 > need) return false;
    const std::size_t ns = (std::size_t{b[p]} << 8) | b[p + 1];
    bool des3 = false, gcm = false;
    for (std::size_t i = p + 2; i + 1 < p + 2 + ns && i + 1 < need; i += 2) {
      const unsigned id = (unsigned{b[i]} << 8) | b[i + 1];
      des3 = des3 || id == 0x000a;
      gcm = gcm || id == 0xc02b;
    }
    p += 2 + ns;
    if (p >= need) return false;
    bool deflate = false;
    for (std::size_t i = 0; i < b[p] && p + 1 + i < need; ++i)
      deflate = deflate || b[p + 1 + i] == 1;
    // It speaks SSL 3 and TLS 1.2: a hello below TLS 1.2 gets SSL 3, its highest version there.
    const bool ssl3 = version >= 0x0300 && version < 0x0303;
    if (!ssl3 && !des3 && !deflate) return false;
    if (!des3 && !gcm) return false;
    const unsigned v = ssl3 ? 0x0300 : 0x0303;
    const unsigned suite = des3 ? 0x000a : 0xc02b;
    std::vector<unsigned char> hello = {
        0x02, 0, 0, 0, static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v & 0xff)};
    hello.insert(hello.end(), 32, 0x42);  // random
    hello.push_back(0);                   // no session id
    hello.push_back(static_cast<unsigned char>(suite >> 8));
    hello.push_back(static_cast<unsigned char>(suite & 0xff));
    hello.push_back(deflate ? 1 : 0);
    hello[3] = static_cast<unsigned char>(hello.size() - 4);
    std::vector<unsigned char> rec = {0x16, static_cast<unsigned char>(v >> 8),
                                      static_cast<unsigned char>(v & 0xff), 0,
                                      static_cast<unsigned char>(hello.size())};
    rec.insert(rec.end(), hello.begin(), hello.end());
    (void)!::write(fd, rec.data(), rec.size());
    return true;
  }
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      serve(c);
      ::close(c);
    }
  }
  SSL_CTX* ctx_;
  int limit_after_;
  bool legacy_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

SchedulerOptions fast() {
  SchedulerOptions o;
  o.min_interval_ms = 0;
  o.probe.ehlo_name = "scanner.example.org";
  o.probe.timeouts = {3000, 3000, 3000, 3000, 3000, 1000};
  o.probe.allowed_ranges = {parse_cidr("127.0.0.0/8").value()};
  return o;
}

ProbeResult probe(std::uint16_t port, SchedulerOptions o = fast()) {
  UvLoop loop;
  TlsOptions t;
  t.load_system_cas = false;
  std::optional<ProbeResult> got;
  {
    ProbeScheduler sched(loop.get(), *TlsClientContext::create(t), o);
    ProbeRequest req;
    req.host = "mx.example.nl";
    req.ip = "127.0.0.1";
    req.port = port;
    sched.submit(req, [&](const ProbeResult& r) { got = r; });
    uv_run(loop.get(), UV_RUN_DEFAULT);
  }
  uv_run(loop.get(), UV_RUN_DEFAULT);
  REQUIRE(got);
  return *got;
}

const TlsItemResult& item(const ProbeResult& r, TlsItem i) {
  return r.tls.items.at(static_cast<std::size_t>(i));
}

void print(std::string_view name, const ProbeResult& r) {
  std::cout << "tls assessment " << name << ": " << r.tls.connections
            << " connections beyond the main probe; versions";
  for (const auto& v : r.tls.versions_accepted) std::cout << ' ' << v;
  std::cout << '\n';
  for (const auto& i : r.tls.items) {
    std::cout << "  " << to_string(i.item) << " " << to_string(i.state) << ":";
    for (const auto& f : i.found) std::cout << ' ' << f;
    std::cout << '\n';
  }
  for (const auto& u : r.tls.unknown_reasons) std::cout << "  unknown: " << u << '\n';
}

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("tls assess: a modern server (TLS 1.2+1.3, ECDHE-GCM, own order)", "[tls_assess]") {
  Pki pki;
  TestServer srv(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()});
  SSL_CTX_set_security_level(srv.ctx.get(), 2);
  SSL_CTX_set_min_proto_version(srv.ctx.get(), TLS1_2_VERSION);
  REQUIRE(SSL_CTX_set_cipher_list(srv.ctx.get(), "ECDHE+AESGCM:ECDHE+CHACHA20") == 1);
  SSL_CTX_set_options(srv.ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Only the good hashes (OpenSSL at level 2 would also sign with SHA-224: phase_out).
  REQUIRE(SSL_CTX_set1_sigalgs_list(srv.ctx.get(), "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512") == 1);
  StarttlsServer s(srv.ctx.get());
  const auto r = probe(s.port());
  print("modern", r);
  REQUIRE(r.outcome == ProbeOutcome::StarttlsOk);
  REQUIRE(r.tls.assessed);
  // Issue 15's budget for a modern server (tls_plan.hpp: 4 OpenSSL steps + 4 raw hellos).
  CHECK(r.tls.connections <= 8);
  CHECK(s.connections() == r.tls.connections + 1);  // every step was one connection
  // The raw hellos: OpenSSL's server refuses SSL 2/3 and the legacy suites, ignores deflate.
  CHECK(item(r, TlsItem::Compression).state == TlsItemState::Measured);
  CHECK(item(r, TlsItem::Compression).found.empty());
  CHECK(r.tls.unknown_reasons.empty());
  CHECK(r.tls.versions_accepted == std::vector<std::string>{"TLSv1.2", "TLSv1.3"});
  CHECK(item(r, TlsItem::ProtocolVersions).state == TlsItemState::Measured);
  const auto& t13 = item(r, TlsItem::Tls13Suites);
  CHECK(t13.state == TlsItemState::Measured);
  CHECK(has(t13.found, "TLS_AES_128_GCM_SHA256"));  // OpenSSL's default 1.3 suites
  CHECK(!has(t13.found, "TLS_AES_128_CCM_8_SHA256"));
  const auto& t12 = item(r, TlsItem::Tls12Suites);
  CHECK(t12.state == TlsItemState::Measured);
  for (const auto& f : t12.found) CHECK(suite_class(f) == TlsQuality::Sufficient);
  CHECK(item(r, TlsItem::EcdheGroups).state == TlsItemState::Measured);
  CHECK(item(r, TlsItem::FfdheGroups).state == TlsItemState::NotApplicable);  // no DHE suites
  CHECK(item(r, TlsItem::KexHashes).state == TlsItemState::Measured);
  for (const auto& f : item(r, TlsItem::KexHashes).found) CHECK(hash_class(f) == TlsQuality::Good);
  CHECK(item(r, TlsItem::CertKeys).found == std::vector<std::string>{"ec-secp256r1"});
  CHECK(item(r, TlsItem::CertSignatures).found == std::vector<std::string>{"sha256-ecdsa"});
  CHECK(item(r, TlsItem::SecureRenegotiation).state == TlsItemState::Measured);
  CHECK(item(r, TlsItem::SecureRenegotiation).found.empty());
  CHECK(item(r, TlsItem::ExtendedMasterSecret).state == TlsItemState::Measured);
  CHECK(item(r, TlsItem::ExtendedMasterSecret).found.empty());
}

TEST_CASE("tls assess: a legacy server (TLS 1.0–1.2, every suite, client order, no EMS)",
          "[tls_assess]") {
  Pki pki;
  TestServer srv(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()}, TLS1_VERSION,
                 TLS1_2_VERSION);
  set_dh_group(srv.ctx.get(), "ffdhe3072");  // DHE with an RFC 7919 group
  SSL_CTX_clear_options(srv.ctx.get(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_options(srv.ctx.get(), SSL_OP_NO_EXTENDED_MASTER_SECRET);
  REQUIRE(SSL_CTX_set1_groups_list(srv.ctx.get(), "secp256r1:secp224r1") == 1);
  StarttlsServer s(srv.ctx.get());
  const auto r = probe(s.port());
  print("legacy", r);
  REQUIRE(r.tls.assessed);
  CHECK(r.tls.connections <= 16);
  CHECK(s.connections() == r.tls.connections + 1);
  CHECK(r.tls.unknown_reasons.empty());
  CHECK(r.tls.versions_accepted == std::vector<std::string>{"TLSv1", "TLSv1.1", "TLSv1.2"});
  CHECK(item(r, TlsItem::Tls13Suites).state == TlsItemState::NotApplicable);
  const auto& t12 = item(r, TlsItem::Tls12Suites);
  CHECK(t12.state == TlsItemState::Measured);
  CHECK(std::any_of(t12.found.begin(), t12.found.end(), [](const std::string& f) {
    return suite_class(f) == TlsQuality::Insufficient;
  }));
  CHECK(has(item(r, TlsItem::EcdheGroups).found, "secp224r1"));
  CHECK(item(r, TlsItem::FfdheGroups).state == TlsItemState::Measured);
  CHECK(item(r, TlsItem::FfdheGroups).found == std::vector<std::string>{"ffdhe3072"});
  CHECK(r.tls.dh_group == "ffdhe3072");
  CHECK(item(r, TlsItem::CipherOrder).found == std::vector<std::string>{"client order followed"});
  CHECK(item(r, TlsItem::ExtendedMasterSecret).found == std::vector<std::string>{"not supported"});
}

TEST_CASE("tls assess: a server that rate-limits after two connections leaves items unknown",
          "[tls_assess]") {
  Pki pki;
  TestServer srv(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()});
  SSL_CTX_set_min_proto_version(srv.ctx.get(), TLS1_2_VERSION);
  StarttlsServer s(srv.ctx.get(), 2);
  const auto r = probe(s.port());
  print("rate-limited", r);
  REQUIRE(r.outcome == ProbeOutcome::StarttlsOk);  // the main probe was measured
  CHECK(r.tls.connections == 2);                   // step 2 got the 421; nothing after it
  CHECK(s.connections() == 3);
  REQUIRE(r.tls.unknown_reasons.size() == 1);
  CHECK(r.tls.unknown_reasons[0].find("step 2 (") == 0);
  CHECK(r.tls.unknown_reasons[0].find("421") != std::string::npos);
  CHECK(std::any_of(r.tls.items.begin(), r.tls.items.end(),
                    [](const TlsItemResult& i) { return i.state == TlsItemState::Unknown; }));
}

TEST_CASE("tls assess: off, or capped at 0, no step is made", "[tls_assess]") {
  Pki pki;
  TestServer srv(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()});
  StarttlsServer s(srv.ctx.get());
  auto o = fast();
  o.tls_quality = false;
  const auto off = probe(s.port(), o);
  CHECK(!off.tls.assessed);
  o.tls_quality = true;
  o.tls_max_connections = 0;
  const auto capped = probe(s.port(), o);
  CHECK(capped.tls.assessed);
  CHECK(capped.tls.connections == 0);
  CHECK(s.connections() == 2);
  CHECK(capped.tls.unknown_reasons.at(0).find("connection cap 0") == 0);
}

TEST_CASE("tls assess: a scripted legacy server picking SSL 3, 3DES and deflate in raw hellos",
          "[tls_assess]") {
  Pki pki;
  TestServer srv(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()});
  SSL_CTX_set_min_proto_version(srv.ctx.get(), TLS1_2_VERSION);
  REQUIRE(SSL_CTX_set_cipher_list(srv.ctx.get(), "ECDHE+AESGCM") == 1);
  StarttlsServer s(srv.ctx.get(), 0, true);
  const auto r = probe(s.port());
  print("scripted legacy", r);
  REQUIRE(r.outcome == ProbeOutcome::StarttlsOk);
  REQUIRE(r.tls.assessed);
  CHECK(s.connections() == r.tls.connections + 1);
  CHECK(r.tls.unknown_reasons.empty());
  CHECK(has(r.tls.versions_accepted, "SSLv3"));
  CHECK(!has(r.tls.versions_accepted, "SSLv2"));
  CHECK(item(r, TlsItem::ProtocolVersions).state == TlsItemState::Measured);
  CHECK(has(item(r, TlsItem::Tls12Suites).found, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"));
  CHECK(item(r, TlsItem::Compression).state == TlsItemState::Measured);
  CHECK(item(r, TlsItem::Compression).found == std::vector<std::string>{"deflate"});
}
