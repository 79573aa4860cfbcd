// DNS failure confirmation (measurement.md §1) against a scripted DNS responder
// (tests/integration/scripted_dns.py) on 127.0.0.1: libunbound forwards to it, it fails the
// first N questions for a name, and its log says what reached the network. No namespace and no
// root needed. Also pins the libunbound traps that made confirmation use fresh contexts
// (docs/decisions/dns-confirmation.md): a failure asked again in the same context is answered
// from libunbound's memory, not from the network.
#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/scanner/dns_wire.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

using namespace nulmeting;
using namespace nulmeting::scanner;
using namespace std::chrono_literals;

namespace {

// The responder as a child process; stopped (SIGTERM, reaped) by the destructor.
class ScriptedDns {
 public:
  explicit ScriptedDns(const std::vector<std::string>& rules) {
    char dir[] = "/tmp/nulmeting-scripted-dns-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    log_ = dir_ + "/questions.log";
    int out[2];
    REQUIRE(::pipe(out) == 0);
    const std::string script = NULMETING_SOURCE_DIR "/tests/integration/scripted_dns.py";
    const std::string python =
        ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    std::vector<std::string> args = {python, script, log_};
    args.insert(args.end(), rules.begin(), rules.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    const int rc = ::posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    REQUIRE(rc == 0);
    // "port P\n" once it listens (python may take a while to start on a loaded machine).
    std::string line;
    pollfd p{out[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && ::poll(&p, 1, 20000) == 1) {
      char buf[64];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    REQUIRE(line.rfind("port ", 0) == 0);
    port_ = std::stoi(line.substr(5));
  }
  ~ScriptedDns() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    std::remove(log_.c_str());
    ::rmdir(dir_.c_str());
  }
  ScriptedDns(const ScriptedDns&) = delete;
  ScriptedDns& operator=(const ScriptedDns&) = delete;

  std::string forwarder() const { return "127.0.0.1@" + std::to_string(port_); }
  // Questions for `name` (optionally of one type) that reached the responder so far.
  int count(const std::string& name, const std::string& type = "") const {
    std::ifstream in(log_);
    int n = 0;
    for (std::string qname, qtype, seq; in >> qname >> qtype >> seq;)
      if (qname == name && (type.empty() || qtype == type)) ++n;
    return n;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_, log_;
};

// Anchors only anchored.test.: names under plain.test. are outside every trust anchor
// (insecure without any DNSSEC lookup), names under anchored.test. must validate.
std::string write_anchor() {
  char path[] = "/tmp/nulmeting-confirm-ta-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string text =
      "anchored.test. IN DS 12345 13 2 "
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  return path;
}

DnsConfig config(const ScriptedDns& dns, const std::string& ta) {
  DnsConfig c;
  c.resolvers = {dns.forwarder()};
  c.trust_anchor_file = ta;
  c.timeout = 3000ms;
  c.retries = 0;
  c.confirm_attempts = 2;
  c.confirm_window = 1000ms;  // the contract's 30 s, shortened: fresh contexts need no wait
  return c;
}

struct Asked {
  DnsAnswer answer;
  std::uint64_t ms = 0;  // from resolve() to the callback
};

// Asks each question in turn (one after the other) with one client; requires a clean close.
std::vector<Asked> ask(const DnsConfig& cfg,
                       const std::vector<std::pair<std::string, std::uint16_t>>& questions,
                       DnsStats* stats = nullptr) {
  UvLoop loop;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::vector<Asked> out;
  for (const auto& [name, type] : questions) {
    const auto t0 = uv_now(loop.get());
    (*client)->resolve(name, type, [&](DnsAnswer a) {
      out.push_back({std::move(a), uv_now(loop.get()) - t0});
    });
    loop.run();
  }
  if (stats) *stats = (*client)->stats();
  client->reset();
  CHECK(loop.close() == 0);
  return out;
}

}  // namespace

TEST_CASE("confirmation: SERVFAIL for the first N questions is recovered, asked from the network",
          "[dnsconfirm]") {
  const auto ta = write_anchor();
  // How many questions one libunbound resolution sends to a forwarder that always answers
  // SERVFAIL (it retries by itself: outbound-msg-retry).
  int per_round = 0;
  {
    ScriptedDns dns({"always.plain.test=servfail"});
    auto cfg = config(dns, ta);
    cfg.confirm_attempts = 0;
    auto got = ask(cfg, {{"always.plain.test", rrtype::A}});
    REQUIRE(got.size() == 1);
    CHECK(got[0].answer.reason == DnsReason::ServFail);
    per_round = dns.count("always.plain.test");
    REQUIRE(per_round >= 1);
  }
  INFO("questions per libunbound resolution: " << per_round);
  SECTION("N = 1: libunbound's own retry recovers it within the first ask") {
    ScriptedDns dns({"one.plain.test=servfail:1"});
    auto got = ask(config(dns, ta), {{"one.plain.test", rrtype::A}});
    REQUIRE(got.size() == 1);
    CHECK(got[0].answer.cls == DnsClass::Insecure);
    CHECK(got[0].answer.records == std::vector<std::string>{"192.0.2.1"});
  }
  SECTION("N = one whole resolution: recovered by the first re-ask") {
    ScriptedDns dns({"t.plain.test=servfail:" + std::to_string(per_round)});
    DnsStats st;
    auto got = ask(config(dns, ta), {{"t.plain.test", rrtype::MX}}, &st);
    REQUIRE(got.size() == 1);
    CHECK(got[0].answer.cls == DnsClass::Insecure);
    CHECK(got[0].answer.records == std::vector<std::string>{"10 mx.t.plain.test."});
    CHECK(got[0].answer.attempts == 2);
    CHECK(dns.count("t.plain.test") == per_round + 1);  // the re-ask reached the network
    CHECK(st.fail_recovered == 1);
    CHECK(st.fail_confirmed == 0);
  }
  SECTION("N = two whole resolutions: recovered by the second re-ask") {
    ScriptedDns dns({"t2.plain.test=servfail:" + std::to_string(2 * per_round)});
    auto got = ask(config(dns, ta), {{"t2.plain.test", rrtype::TXT}});
    REQUIRE(got.size() == 1);
    CHECK(got[0].answer.cls == DnsClass::Insecure);
    CHECK(got[0].answer.attempts == 3);
    CHECK(got[0].ms >= 1000);  // the second re-ask comes a whole window after the first answer
  }
  SECTION("without confirmation the same transient failure would count") {
    ScriptedDns dns({"t.plain.test=servfail:" + std::to_string(per_round)});
    auto cfg = config(dns, ta);
    cfg.confirm_attempts = 0;
    auto got = ask(cfg, {{"t.plain.test", rrtype::MX}});
    REQUIRE(got.size() == 1);
    CHECK(got[0].answer.cls == DnsClass::Fail);
    CHECK(got[0].answer.attempts == 1);
  }
  SECTION("N large: confirmed fail after the window, every round from the network") {
    ScriptedDns dns({"dead.plain.test=servfail"});
    DnsStats st;
    auto got = ask(config(dns, ta), {{"dead.plain.test", rrtype::TLSA}}, &st);
    REQUIRE(got.size() == 1);
    CHECK(got[0].answer.cls == DnsClass::Fail);
    CHECK(got[0].answer.reason == DnsReason::ServFail);
    CHECK(got[0].answer.attempts == 3);
    CHECK(got[0].ms >= 1000);
    CHECK(dns.count("dead.plain.test") == 3 * per_round);
    CHECK(st.fail_confirmed == 1);
    CHECK(st.confirm_contexts == 2);
  }
  ::unlink(ta.c_str());
}

TEST_CASE("confirmation: an unanswered question is recovered when the server comes back",
          "[dnsconfirm]") {
  const auto ta = write_anchor();
  ScriptedDns dns({"slow.plain.test=drop:1"});
  auto cfg = config(dns, ta);
  cfg.timeout = 300ms;  // shorter than libunbound's first retransmit (376 ms): one question lost
  auto got = ask(cfg, {{"slow.plain.test", rrtype::A}});
  REQUIRE(got.size() == 1);
  CHECK(got[0].answer.cls == DnsClass::Insecure);
  CHECK(got[0].answer.attempts == 2);
  ::unlink(ta.c_str());
}

TEST_CASE("libunbound trap: a failure asked again in the same context is not asked again",
          "[dnsconfirm][trap]") {
  // Why re-asks go to fresh contexts (docs/decisions/dns-confirmation.md). If libunbound ever
  // stops caching failures this test says so, and the decision can be revisited.
  const auto ta = write_anchor();
  SECTION("SERVFAIL: cached for 5 s (NORR_TTL)") {
    ScriptedDns dns({"sf.plain.test=servfail"});
    auto cfg = config(dns, ta);
    cfg.confirm_attempts = 0;
    auto got = ask(cfg, {{"sf.plain.test", rrtype::A}, {"sf.plain.test", rrtype::A}});
    REQUIRE(got.size() == 2);
    CHECK(got[1].answer.reason == DnsReason::ServFail);
    const int per_round = dns.count("sf.plain.test");
    // Everything the responder saw came from the first resolution (libunbound retries a
    // SERVFAIL by itself); the second one was answered from the message cache.
    auto again = ask(cfg, {{"sf.plain.test", rrtype::A}});  // a new client: a new context
    CHECK(dns.count("sf.plain.test") == 2 * per_round);
  }
  SECTION("a DNSKEY that could not be had: the zone stays bogus for 60 s (BOGUS_KEY_TTL)") {
    ScriptedDns dns({"anchored.test=nodata", "x.anchored.test=ok", "y.anchored.test=ok"});
    auto cfg = config(dns, ta);
    cfg.confirm_attempts = 0;
    auto got = ask(cfg, {{"x.anchored.test", rrtype::A}, {"y.anchored.test", rrtype::A}});
    REQUIRE(got.size() == 2);
    CHECK(got[0].answer.reason == DnsReason::Bogus);
    CHECK(got[1].answer.reason == DnsReason::Bogus);
    const int dnskey = dns.count("anchored.test", "DNSKEY");
    CHECK(dnskey >= 1);
    // y was asked, but the zone's keys were not fetched again: the failure was remembered.
    CHECK(dns.count("y.anchored.test") >= 1);
    CHECK(dns.count("anchored.test", "DNSKEY") == dnskey);
    SECTION("with confirmation every re-ask fetches the keys again") {
      auto cfg2 = config(dns, ta);
      auto conf = ask(cfg2, {{"y.anchored.test", rrtype::A}});
      REQUIRE(conf.size() == 1);
      CHECK(conf[0].answer.reason == DnsReason::Bogus);
      CHECK(conf[0].answer.attempts == 3);
      CHECK(dns.count("anchored.test", "DNSKEY") == 4 * dnskey);  // 1 client + 3 rounds
    }
  }
  ::unlink(ta.c_str());
}

namespace {

struct Burst {
  std::vector<DnsAnswer> answers;
  DnsStats stats;
  std::size_t limit_at_end = 0;
};

// Asks `n` distinct names under burst.plain.test at once (one burst), runs to the end.
Burst burst(const DnsConfig& cfg, int n) {
  UvLoop loop;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  Burst b;
  for (int i = 0; i < n; ++i)
    (*client)->resolve("n" + std::to_string(i) + ".burst.plain.test", rrtype::A,
                       [&](DnsAnswer a) { b.answers.push_back(std::move(a)); });
  loop.run();
  b.stats = (*client)->stats();
  b.limit_at_end = (*client)->limit();
  client->reset();
  CHECK(loop.close() == 0);
  return b;
}

}  // namespace

// Issue 19: a resolver that can hold only 16 questions at once (past that it answers SERVFAIL,
// like Unbound past num-queries-per-thread) gets a burst of 600 questions. The adaptive limit
// must back off below what the resolver holds, and the SERVFAILs of the burst must be asked
// again after it (confirmation, §1) and recover: no question ends `fail`.
TEST_CASE("busy time: the loop time with questions in flight, the benchmark's DNS rate base",
          "[dnsconfirm]") {
  const auto ta = write_anchor();
  ScriptedDns dns({"*.busy.plain.test=ok", "@delay=30"});
  DnsStats st;
  // One after the other, idle in between: busy time is the sum of the three round trips.
  auto got = ask(config(dns, ta),
                 {{"a.busy.plain.test", rrtype::A},
                  {"b.busy.plain.test", rrtype::A},
                  {"c.busy.plain.test", rrtype::A}},
                 &st);
  REQUIRE(got.size() == 3);
  std::uint64_t sum = 0;
  for (const auto& a : got) sum += a.ms;
  CHECK(sum >= 90);
  CHECK(st.busy_ms == sum);
}

TEST_CASE("adaptive limit: a burst that overloads the resolver shrinks the window, answers recover",
          "[dnsconfirm][dnswindow]") {
  const auto ta = write_anchor();
  ScriptedDns dns({"*.burst.plain.test=ok", "@delay=20", "@capacity=16"});
  auto cfg = config(dns, ta);
  cfg.max_in_flight = 400;
  cfg.min_in_flight = 4;
  cfg.confirm_window = 2000ms;
  const auto b = burst(cfg, 600);
  INFO("overload answers " << b.stats.overload_answers << ", back-offs " << b.stats.limit_decreases
                           << ", lowest limit " << b.stats.lowest_limit << ", limit at end "
                           << b.limit_at_end << ", recovered " << b.stats.fail_recovered
                           << ", confirmed " << b.stats.fail_confirmed << ", peak in flight "
                           << b.stats.peak_in_flight);
  REQUIRE(b.answers.size() == 600);
  CHECK(b.stats.limit_decreases >= 1);
  CHECK(b.stats.lowest_limit < 32);  // backed off below its start, towards what the resolver holds
  int fails = 0;
  for (const auto& a : b.answers) fails += a.cls == DnsClass::Fail ? 1 : 0;
  CHECK(fails == 0);
  CHECK(b.stats.fail_confirmed == 0);
  CHECK(b.stats.fail_recovered >= 1);  // the burst did fail questions; re-asks recovered them

  // The same burst with the limit fixed at its ceiling (the client before issue 19): no
  // back-off. Its figures (more overload answers; in 2 of 3 runs some confirmed failures, as
  // the re-asks come in a burst too) are in docs/decisions/adaptive-dns.md.
  auto fixed_cfg = cfg;
  fixed_cfg.adaptive_in_flight = false;
  const auto f = burst(fixed_cfg, 600);
  int fixed_fails = 0;
  for (const auto& a : f.answers) fixed_fails += a.cls == DnsClass::Fail ? 1 : 0;
  INFO("fixed limit: overload answers "
       << f.stats.overload_answers << ", recovered " << f.stats.fail_recovered << ", confirmed "
       << f.stats.fail_confirmed << ", fail answers " << fixed_fails);
  CHECK(f.stats.limit_decreases == 0);
  CHECK(f.stats.lowest_limit == 400);
}
