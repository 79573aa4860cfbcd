// dns_bench.cpp — validated DNS lookups per second through DnsClient (driven by scripts/bench-dns).
//
// Reads "NAME TYPE [CLASS]" lines (dnsperf's data format plus the expected class), resolves them
// all through one DnsClient on a libuv loop, twice: cold (empty client cache) and warm (same
// client, same names). Every answer is classified; an answer whose class differs from its expected
// class (third column, else
// --expect) counts as wrong. Prints one
// key=value line per pass and the process's peak RSS. Not part of the test suite.
#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/scanner/dns_wire.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {

std::uint16_t type_of(const std::string& t) {
  if (t == "A") return rrtype::A;
  if (t == "AAAA") return rrtype::AAAA;
  if (t == "MX") return rrtype::MX;
  if (t == "TLSA") return rrtype::TLSA;
  if (t == "CNAME") return rrtype::CNAME;
  if (t == "DNSKEY") return rrtype::DNSKEY;
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: dns_bench --resolver ADDR@PORT --trust-anchor FILE --names FILE\n"
               "                 [--in-flight N] [--expect CLASS] [--passes N] [--cache-mb N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  DnsConfig cfg;
  cfg.timeout = std::chrono::milliseconds(5000);
  cfg.retries = 2;
  cfg.max_in_flight = 200;
  // Each name must be a real validated lookup: no synthesis of NXDOMAIN from cached NSEC.
  cfg.extra_options = {"aggressive-nsec: no"};
  std::string names_file, expect = "secure-nx";
  int passes = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--resolver")
      cfg.resolvers.push_back(next());
    else if (a == "--trust-anchor")
      cfg.trust_anchor_file = next();
    else if (a == "--names")
      names_file = next();
    else if (a == "--in-flight")
      cfg.max_in_flight = std::stoul(next());
    else if (a == "--expect")
      expect = next();
    else if (a == "--passes")
      passes = std::stoi(next());
    else if (a == "--cache-mb")
      cfg.cache_mb = std::stoul(next());
    else
      return usage();
  }
  if (names_file.empty()) return usage();
  struct Name {
    std::string name;
    std::uint16_t type;
    std::string expect;
  };
  std::vector<Name> names;
  {
    std::ifstream in(names_file);
    for (std::string line; std::getline(in, line);) {
      std::istringstream ls(line);
      std::string n, t, c;
      if (!(ls >> n >> t)) continue;
      ls >> c;
      const auto qt = type_of(t);
      if (qt == 0) {
        std::fprintf(stderr, "dns_bench: unknown type %s\n", t.c_str());
        return 2;
      }
      names.push_back({n, qt, c.empty() ? expect : c});
    }
  }
  if (names.empty()) {
    std::fprintf(stderr, "dns_bench: no names in %s\n", names_file.c_str());
    return 2;
  }

  UvLoop loop;
  auto client = DnsClient::create(loop.get(), cfg);
  if (!client) {
    std::fprintf(stderr, "dns_bench: %s\n", client.error().c_str());
    return 2;
  }
  bool anchor_ok = false;
  (*client)->check_trust_anchor([&](auto r) {
    anchor_ok = r.has_value();
    if (!r) std::fprintf(stderr, "dns_bench: %s\n", r.error().c_str());
  });
  loop.run();
  if (!anchor_ok) return 2;

  int rc = 0;
  for (int pass = 0; pass < passes; ++pass) {
    std::map<std::string, std::size_t> classes;
    std::size_t answered = 0, wrong = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& n : names)
      (*client)->resolve(n.name, n.type, [&](DnsAnswer a) {
        ++answered;
        const std::string c(to_string(a.cls));
        ++classes[c + (a.cls == DnsClass::Fail ? "/" + std::string(to_string(a.reason)) : "")];
        if (c != n.expect && ++wrong <= 5)
          std::fprintf(stderr, "dns_bench: %s: %s/%s, expected %s\n", n.name.c_str(), c.c_str(),
                       std::string(to_string(a.reason)).c_str(), n.expect.c_str());
      });
    loop.run();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string cls;
    for (const auto& [c, k] : classes)
      cls += (cls.empty() ? "" : ",") + c + ":" + std::to_string(k);
    std::printf("pass=%s names=%zu answered=%zu wrong=%zu seconds=%.3f rate=%.0f classes=%s\n",
                pass == 0 ? "cold" : "warm", names.size(), answered, wrong, secs,
                static_cast<double>(answered) / secs, cls.c_str());
    std::fflush(stdout);
    if (answered != names.size()) rc = 1;  // class checks are judged by scripts/bench-dns
  }
  const DnsStats st = (*client)->stats();  // a copy: the client goes away below
  (*client)->close();
  client->reset();
  const int lc = loop.close();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak_rss_kb=%ld timeouts=%llu retries=%llu peak_in_flight=%zu loop_close=%d\n",
              ru.ru_maxrss, static_cast<unsigned long long>(st.timeouts),
              static_cast<unsigned long long>(st.retries), st.peak_in_flight, lc);
  return lc == 0 ? rc : 3;
}
