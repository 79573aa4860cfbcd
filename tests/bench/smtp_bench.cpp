// smtp_bench — STARTTLS probes per second against the testbed and the scanner's CPU time per
// probe (user+sys of this process / probes), beside the client-side CPU of a bare OpenSSL TLS
// handshake done in memory with the testbed's own certificate and key. Built and run by
// scripts/bench-smtp (inside the testbed namespace); prints key=value lines.
//
// Targets: a list of "host ip base tlsa" lines (DANE hosts that should end starttls_ok +
// authenticated), probed round-robin with distinct host keys so that dedup does not hide work.
#include <nulmeting/verdict/tlsa.hpp>
#include <nulmeting/scanner/probe_scheduler.hpp>
#include <nulmeting/scanner/tls_context.hpp>

#include <openssl/pem.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/resource.h>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Client-side CPU of one in-memory TLS handshake (default client context, no verification):
// only the time spent inside the client's SSL calls is counted.
double bare_handshake_cpu(const std::string& chain_pem, const std::string& key_pem, int rounds) {
  SslCtxPtr sctx(SSL_CTX_new(TLS_server_method()));
  SSL_CTX_use_certificate_chain_file(sctx.get(), chain_pem.c_str());
  SSL_CTX_use_PrivateKey_file(sctx.get(), key_pem.c_str(), SSL_FILETYPE_PEM);
  SslCtxPtr cctx(SSL_CTX_new(TLS_client_method()));
  double client = 0;
  int ok = 0;
  for (int i = 0; i < rounds; ++i) {
    SslPtr c(SSL_new(cctx.get())), s(SSL_new(sctx.get()));
    BIO *cb = nullptr, *sb = nullptr;
    BIO_new_bio_pair(&cb, 0, &sb, 0);
    SSL_set_bio(c.get(), cb, cb);
    SSL_set_bio(s.get(), sb, sb);
    SSL_set_connect_state(c.get());
    SSL_set_accept_state(s.get());
    SSL_set_tlsext_host_name(c.get(), "mx.example.test");
    for (int step = 0; step < 20; ++step) {
      const double t0 = thread_cpu();
      const int rc = SSL_do_handshake(c.get());
      client += thread_cpu() - t0;
      if (rc == 1) {
        ++ok;
        break;
      }
      SSL_do_handshake(s.get());
    }
  }
  if (ok != rounds) std::cerr << "bare handshakes completed: " << ok << "/" << rounds << "\n";
  return client / rounds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string targets_file, chain, key, ehlo = "scanner.nulmeting.test";
  int probes = 2000, concurrency = 32, rounds = 2000, per_ip = 8;
  std::vector<std::string> allow;  // non-public ranges to contact (the testbed's)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--targets")
      targets_file = v;
    else if (a == "--probes")
      probes = std::stoi(v);
    else if (a == "--concurrency")
      concurrency = std::stoi(v);
    else if (a == "--per-ip")
      per_ip = std::stoi(v);
    else if (a == "--rounds")
      rounds = std::stoi(v);
    else if (a == "--chain")
      chain = v;
    else if (a == "--key")
      key = v;
    else if (a == "--ehlo")
      ehlo = v;
    else if (a == "--allow-address")
      allow.push_back(v);
  }
  std::vector<ProbeRequest> targets;
  std::ifstream f(targets_file);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ls(line);
    ProbeRequest r;
    std::string tl;
    ls >> r.host >> r.ip >> r.tlsa_base;
    std::getline(ls, tl);
    auto rec = verdict::parse_tlsa_text(tl);
    if (!rec) continue;
    r.tlsa.push_back(*rec);
    targets.push_back(r);
  }
  if (targets.empty()) {
    std::cerr << "no targets\n";
    return 2;
  }

  auto tls = TlsClientContext::create({});
  if (!tls) {
    std::cerr << tls.error() << "\n";
    return 2;
  }
  SchedulerOptions opts;
  opts.max_concurrency = static_cast<std::size_t>(concurrency);
  opts.per_ip = static_cast<std::size_t>(per_ip);
  opts.min_interval_ms = 0;
  opts.probe.ehlo_name = ehlo;
  for (const auto& a : allow) {
    auto range = parse_cidr(a);
    if (!range) {
      std::cerr << range.error() << "\n";
      return 2;
    }
    opts.probe.allowed_ranges.push_back(*range);
  }
  UvLoop loop;
  int done = 0, ok = 0, auth = 0;
  std::string first_bad;
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  {
    ProbeScheduler sched(loop.get(), *tls, opts);
    for (int i = 0; i < probes; ++i) {
      ProbeRequest r = targets[static_cast<std::size_t>(i) % targets.size()];
      r.host = "p" + std::to_string(i) + "." + r.host;  // distinct key: no dedup
      sched.submit(r, [&](const ProbeResult& res) {
        ++done;
        if (res.outcome == ProbeOutcome::StarttlsOk) ++ok;
        if (res.dane == DaneCheck::Authenticated)
          ++auth;
        else if (first_bad.empty())
          first_bad = std::string(to_string(res.outcome)) + " " + res.error.value_or("");
      });
    }
    while (!sched.idle()) loop.run(UV_RUN_ONCE);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  const int lc = loop.close();
  const double bare = bare_handshake_cpu(chain, key, rounds);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("probes=%d done=%d starttls_ok=%d authenticated=%d wall_s=%.3f rate=%.1f\n", probes,
              done, ok, auth, wall, done / wall);
  std::printf("cpu_s=%.3f cpu_per_probe_ms=%.3f bare_handshake_cpu_ms=%.3f ratio=%.2f\n", cpu,
              1000 * cpu / done, 1000 * bare, (cpu / done) / bare);
  std::printf("peak_rss_kb=%ld loop_close=%d\n", ru.ru_maxrss, lc);
  if (!first_bad.empty()) std::printf("first_not_authenticated=%s\n", first_bad.c_str());
  return 0;
}
