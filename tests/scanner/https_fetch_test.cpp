// HttpsFetcher against a scripted HTTPS server on loopback (a thread with blocking OpenSSL):
// outcome per failure kind, no redirects, body cap, time-out, per-host serialisation, and the
// loop ends with every handle closed.
#include "scanner/tls_testing.hpp"

#include <nulmeting/scanner/https_fetch.hpp>
#include <nulmeting/scanner/mta_sts_probe.hpp>

#include <catch2/catch.hpp>
#include <openssl/pem.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace nulmeting;
using namespace nulmeting::scanner;
using namespace nulmeting::scanner::testing;

namespace {

const std::string kHost = "mta-sts.example.nl";

// Accepts `connections` connections, one after the other; each gets `response` (after
// `delay`) once the request head is read. Records the largest number of simultaneous
// connections it saw (it serves one at a time, so that is the fetcher's own politeness).
class HttpsServer {
 public:
  HttpsServer(const TestServer& tls, std::string response, int connections,
              std::chrono::milliseconds delay = {})
      : tls_(tls), response_(std::move(response)), delay_(delay) {
    // The server writes on after the client aborts (body cap, time-out): EPIPE, not SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(fd_, 8) == 0);
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) serve_one();
    });
  }
  ~HttpsServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  int served() const { return served_; }
  std::string last_request() const { return request_; }

 private:
  void serve_one() {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    SslPtr ssl(SSL_new(tls_.ctx.get()));
    SSL_set_fd(ssl.get(), c);
    if (SSL_accept(ssl.get()) == 1) {
      std::string head;
      char buf[2048];
      int n = 0;
      while (head.find("\r\n\r\n") == std::string::npos &&
             (n = SSL_read(ssl.get(), buf, sizeof buf)) > 0)
        head.append(buf, static_cast<std::size_t>(n));
      request_ = head;
      std::this_thread::sleep_for(delay_);
      std::size_t off = 0;
      while (off < response_.size()) {
        const int w =
            SSL_write(ssl.get(), response_.data() + off,
                      static_cast<int>(std::min<std::size_t>(response_.size() - off, 16384)));
        if (w <= 0) break;
        off += static_cast<std::size_t>(w);
      }
      SSL_shutdown(ssl.get());
    }
    ++served_;
    ::close(c);
  }
  const TestServer& tls_;
  std::string response_;
  std::chrono::milliseconds delay_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> served_{0};
  std::string request_;
  std::thread thread_;
};

std::string response(int status, const std::string& type, const std::string& body,
                     const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra +
         "Connection: close\r\n\r\n" + body;
}

struct Fixture {
  Pki pki{{kHost, {kHost}}};
  std::string ca_file;
  Fixture() {
    ca_file = (std::filesystem::temp_directory_path() /
               ("nulmeting-https-ca-" + std::to_string(::getpid()) + ".pem"))
                  .string();
    FILE* f = std::fopen(ca_file.c_str(), "w");
    PEM_write_X509(f, pki.root.get());
    std::fclose(f);
  }
  ~Fixture() { std::filesystem::remove(ca_file); }
  TestServer server(X509* leaf = nullptr, EVP_PKEY* key = nullptr) {
    return TestServer(key ? key : pki.leaf_key.get(),
                      {leaf ? leaf : pki.leaf.get(), pki.inter.get()});
  }
};

HttpsResult fetch_once(const std::string& ca_file, std::uint16_t port,
                       HttpsFetchOptions opts = {}) {
  UvLoop loop;
  opts.ca_file = ca_file;
  HttpsResult got;
  int calls = 0;
  {
    HttpsFetcher f(loop.get(), opts);
    f.fetch({kHost, "127.0.0.1", port}, [&](HttpsResult r) {
      got = std::move(r);
      ++calls;
    });
    loop.run();
    f.close();
  }
  CHECK(calls == 1);
  CHECK(loop.close() == 0);
  return got;
}

const std::string kPolicy = "version: STSv1\r\nmode: enforce\r\nmx: *.example.nl\r\nmax_age: 1\r\n";

}  // namespace

TEST_CASE("https fetch: a policy is read with status and type", "[https_fetch]") {
  Fixture fx;
  const TestServer tls = fx.server();
  HttpsServer srv(tls, response(200, "text/plain; charset=utf-8", kPolicy), 1);
  const HttpsResult r = fetch_once(fx.ca_file, srv.port());
  CHECK(r.outcome == MtaStsFetch::Ok);
  CHECK(r.http_status == 200);
  CHECK(r.content_type == "text/plain; charset=utf-8");
  CHECK(r.body == kPolicy);
  CHECK(srv.last_request().starts_with("GET /.well-known/mta-sts.txt HTTP/1.1\r\n"));
  CHECK(srv.last_request().find("Host: mta-sts.example.nl:") != std::string::npos);
}

TEST_CASE("https fetch: a redirect is reported, never followed", "[https_fetch]") {
  Fixture fx;
  const TestServer tls = fx.server();
  HttpsServer srv(tls, response(301, "text/plain", "", "Location: https://elsewhere/\r\n"), 1);
  const HttpsResult r = fetch_once(fx.ca_file, srv.port());
  CHECK(r.outcome == MtaStsFetch::Redirect);
  CHECK(r.http_status == 301);
  CHECK(srv.served() == 1);
}

TEST_CASE("https fetch: certificate failures", "[https_fetch]") {
  Fixture fx;
  SECTION("wrong name") {
    X509Ptr other = make_cert({"www.example.nl", {"www.example.nl"}}, fx.pki.leaf_key.get(),
                              fx.pki.inter.get(), fx.pki.inter_key.get());
    const TestServer tls = fx.server(other.get());
    HttpsServer srv(tls, response(200, "text/plain", kPolicy), 1);
    CHECK(fetch_once(fx.ca_file, srv.port()).outcome == MtaStsFetch::Certificate);
  }
  SECTION("expired") {
    X509Ptr old = make_cert({kHost, {kHost}, false, -86400 * 10, -86400}, fx.pki.leaf_key.get(),
                            fx.pki.inter.get(), fx.pki.inter_key.get());
    const TestServer tls = fx.server(old.get());
    HttpsServer srv(tls, response(200, "text/plain", kPolicy), 1);
    const HttpsResult r = fetch_once(fx.ca_file, srv.port());
    CHECK(r.outcome == MtaStsFetch::Certificate);
    CHECK(r.error.find("expired") != std::string::npos);
  }
  SECTION("not trusted (the test CA is not in the system store)") {
    const TestServer tls = fx.server();
    HttpsServer srv(tls, response(200, "text/plain", kPolicy), 1);
    CHECK(fetch_once("", srv.port()).outcome == MtaStsFetch::Certificate);
  }
}

TEST_CASE("https fetch: a body over the cap is aborted", "[https_fetch]") {
  Fixture fx;
  const TestServer tls = fx.server();
  SECTION("announced by Content-Length") {
    HttpsServer srv(tls, response(200, "text/plain", std::string(2 << 20, 'x')), 1);
    CHECK(fetch_once(fx.ca_file, srv.port()).outcome == MtaStsFetch::TooLarge);
  }
  SECTION("without Content-Length") {
    HttpsServer srv(tls,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" +
                        std::string(70 * 1024, 'x'),
                    1);
    const HttpsResult r = fetch_once(fx.ca_file, srv.port());
    CHECK(r.outcome == MtaStsFetch::TooLarge);
    CHECK(r.body.size() <= 64 * 1024);
  }
}

TEST_CASE("https fetch: time-out and refused", "[https_fetch]") {
  Fixture fx;
  const TestServer tls = fx.server();
  SECTION("slow server") {
    HttpsServer srv(tls, response(200, "text/plain", kPolicy), 1, std::chrono::milliseconds(1500));
    HttpsFetchOptions o;
    o.total_timeout_ms = 400;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = fetch_once(fx.ca_file, srv.port(), o);
    CHECK(r.outcome == MtaStsFetch::Timeout);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1400));
    // curl's "timed out after 401 milliseconds": the stored text carries no elapsed time
    INFO(r.error);
    CHECK(r.error.find("timed out") != std::string::npos);
    CHECK(r.error.find("millisecond") == std::string::npos);
  }
  SECTION("nothing listens") {
    std::uint16_t port = 0;
    {
      HttpsServer srv(tls, "", 0);
      port = srv.port();
    }
    const auto r = fetch_once(fx.ca_file, port);
    CHECK(r.outcome == MtaStsFetch::Refused);
    // curl's "Failed to connect to ... after 0 ms": no elapsed time in the stored text
    INFO(r.error);
    CHECK(r.error.find("Failed to connect") != std::string::npos);
    CHECK(r.error.find(" ms") == std::string::npos);
  }
}

TEST_CASE("https fetch: one fetch per host at a time, all answered", "[https_fetch]") {
  Fixture fx;
  const TestServer tls = fx.server();
  HttpsServer srv(tls, response(200, "text/plain", kPolicy), 3, std::chrono::milliseconds(50));
  UvLoop loop;
  HttpsFetchOptions o;
  o.ca_file = fx.ca_file;
  int ok = 0;
  {
    HttpsFetcher f(loop.get(), o);
    for (int i = 0; i < 3; ++i)
      f.fetch({kHost, "127.0.0.1", srv.port()}, [&](HttpsResult r) {
        if (r.outcome == MtaStsFetch::Ok) ++ok;
      });
    // The server serves one connection at a time and its backlog would take the others: the
    // fetcher itself holds them back.
    CHECK(f.in_flight() == 1);
    loop.run();
  }
  CHECK(ok == 3);
  CHECK(loop.close() == 0);
}

TEST_CASE("https fetch: close() answers what is outstanding", "[https_fetch]") {
  Fixture fx;
  const TestServer tls = fx.server();
  HttpsServer srv(tls, response(200, "text/plain", kPolicy), 1, std::chrono::milliseconds(300));
  UvLoop loop;
  HttpsFetchOptions o;
  o.ca_file = fx.ca_file;
  int calls = 0;
  {
    HttpsFetcher f(loop.get(), o);
    f.fetch({kHost, "127.0.0.1", srv.port()}, [&](HttpsResult r) {
      CHECK(r.outcome == MtaStsFetch::Error);
      ++calls;
    });
    f.fetch({kHost, "127.0.0.1", srv.port()}, [&](HttpsResult) { ++calls; });
    loop.run(UV_RUN_NOWAIT);
    f.close();
  }
  CHECK(calls == 2);
  CHECK(loop.close() == 0);
}

namespace {

DnsAnswer dns(std::string qname, std::uint16_t qtype, DnsClass cls, DnsReason reason,
              std::vector<std::string> records) {
  DnsAnswer a;
  a.qname = std::move(qname);
  a.qtype = qtype;
  a.cls = cls;
  a.reason = reason;
  a.records = std::move(records);
  a.rcode = cls == DnsClass::Fail ? 2 : 0;
  return a;
}

// MtaStsProber over scripted DNS (answers keyed "name/type"; a missing key is NXDOMAIN) and
// the real fetcher.
struct ProberRun {
  std::map<std::string, DnsAnswer> answers;
  std::vector<std::string> asked;
  MtaStsEvidence run(const std::string& ca_file, std::uint16_t port,
                     std::vector<IpNetwork> allowed) {
    UvLoop loop;
    HttpsFetchOptions o;
    o.ca_file = ca_file;
    MtaStsEvidence got;
    int calls = 0;
    {
      HttpsFetcher f(loop.get(), o);
      MtaStsOptions mo;
      mo.allowed_ranges = std::move(allowed);
      mo.https_port = port;
      MtaStsProber p(
          [&](std::string name, std::uint16_t qtype, DnsClient::Callback cb) {
            const std::string key = name + "/" + std::to_string(qtype);
            asked.push_back(key);
            auto it = answers.find(key);
            cb(it != answers.end()
                   ? it->second
                   : dns(name, qtype, DnsClass::InsecureNx, DnsReason::NxDomain, {}));
          },
          f, mo);
      p.measure("example.nl", [&](MtaStsEvidence ev) {
        got = std::move(ev);
        ++calls;
      });
      loop.run();
      f.close();
    }
    CHECK(calls == 1);
    CHECK(loop.close() == 0);
    return got;
  }
};

std::vector<IpNetwork> loopback() { return {parse_cidr("127.0.0.0/8").value()}; }

}  // namespace

TEST_CASE("mta-sts prober: TXT, own DNS for the policy host, address policy, fetch", "[mta_sts]") {
  Fixture fx;
  const TestServer tls = fx.server();
  ProberRun pr;
  pr.answers["_mta-sts.example.nl/16"] =
      dns("_mta-sts.example.nl", 16, DnsClass::Insecure, DnsReason::Ok, {R"("v=STSv1; id=7")"});
  pr.answers["mta-sts.example.nl/1"] =
      dns("mta-sts.example.nl", 1, DnsClass::Insecure, DnsReason::Ok, {"127.0.0.1"});
  SECTION("fetched from the address our DNS gave") {
    HttpsServer srv(tls, response(200, "text/plain", kPolicy), 1);
    const MtaStsEvidence ev = pr.run(fx.ca_file, srv.port(), loopback());
    CHECK(ev.looked_up);
    CHECK(ev.fetch == MtaStsFetch::Ok);
    CHECK(ev.ip == "127.0.0.1");
    CHECK(ev.policy_text == kPolicy);
    REQUIRE(ev.host_lookups.size() == 2);
    CHECK(ev.host_lookups[0].qtype == 1);
    CHECK(srv.served() == 1);
  }
  SECTION("an address outside the policy is never contacted") {
    HttpsServer srv(tls, "", 0);
    const MtaStsEvidence ev = pr.run(fx.ca_file, srv.port(), {});
    CHECK(ev.fetch == MtaStsFetch::NotPublic);
    CHECK(ev.ip.empty());
  }
  SECTION("no TXT record: nothing else is asked") {
    pr.answers.erase("_mta-sts.example.nl/16");
    const MtaStsEvidence ev = pr.run(fx.ca_file, 443, loopback());
    CHECK(ev.fetch == MtaStsFetch::NotFetched);
    CHECK(pr.asked == std::vector<std::string>{"_mta-sts.example.nl/16"});
  }
  SECTION("the policy host's lookups") {
    pr.answers["mta-sts.example.nl/1"] =
        dns("mta-sts.example.nl", 1, DnsClass::Fail, DnsReason::ServFail, {});
    CHECK(pr.run(fx.ca_file, 443, loopback()).fetch == MtaStsFetch::DnsError);
    pr.answers.erase("mta-sts.example.nl/1");
    CHECK(pr.run(fx.ca_file, 443, loopback()).fetch == MtaStsFetch::NoAddress);
  }
}
