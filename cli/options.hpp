// options.hpp — parsed command-line options of each subcommand (interface.md).
//
// main.cpp fills these with CLI11; the command implementations (commands_*.cpp) take them.
// Defaults here are the documented defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nulmeting::cli {

// Exit codes of interface.md.
enum ExitCode : int { kOk = 0, kSomeUnmeasured = 1, kBadInput = 2, kInternal = 3 };

struct ProbeOptions {                  // shared by `scan` and `check`
  std::vector<std::string> resolvers;  // ADDR[@PORT]; empty: system resolv.conf
  std::string trust_anchor;            // file; empty: dns-root-data root key
  bool full_recursion = false;         // no forwarder: iterate from the root hints
  std::string root_hints;              // for full recursion in a private network
  std::string ehlo_name;               // FQDN; required for real scans
  unsigned concurrency = 500;          // SMTP probes in flight, whole run
  unsigned per_ip = 2;                 // connections in flight per IP
  unsigned per_ip_interval_ms = 1000;  // minimum interval between connections to one IP
  std::uint16_t smtp_port = 25;
  unsigned dns_inflight = 200;  // DNS queries in flight
  unsigned dns_timeout_ms = 5000;
  // Window over which a DNS failure is asked again before it counts (§1); unset: the library's
  // default (DnsConfig::confirm_window, 30 s).
  std::optional<unsigned> dns_confirm_seconds;
  unsigned smtp_timeout_ms = 30000;             // per phase
  std::optional<unsigned> max_mx;               // cap on MX hosts probed per domain (default none)
  unsigned smtp_attempts = 3;                   // connections to a host answering 4xx at the banner
  std::uint64_t smtp_retry_backoff_ms = 30000;  // first retry delay after a 4xx banner; doubles
  std::size_t domains_in_flight = 2000;         // domains open at once (bounds memory)
  // libunbound cache (msg cache; the RRset cache is twice this). A scan asks each domain's MX
  // once and caches hosts itself, so the cache mostly fills with one-off answers until it
  // reaches its bound: at 8 MB that was +14 MiB of RSS between 10,000 and 100,000 domains;
  // 1, 2, 4 and 8 MB scan 10,000 domains at 100 ms RTT equally fast (within the run-to-run
  // noise; docs/decisions/scan-memory.md).
  std::size_t dns_cache_mb = 2;
};

struct ScanOptions {
  std::string domains_file;
  std::string db_file;
  ProbeOptions probe;
  bool resume = false;
  std::string label;
  bool skip_invalid = false;
};

struct CheckOptions {
  std::string domain;
  ProbeOptions probe;
  bool json = false;
};

struct ExportOptions {
  std::string db_file;
  std::string run = "latest";
  std::string format;  // jsonl | csv
  std::string output;  // "-" or empty: stdout
};

struct ReportOptions {
  std::string db_file;
  std::string run = "latest";
  std::optional<std::string> compare;
  std::string format;  // html | xlsx | csv | md | json
  std::string output;
  std::string lang = "nl";
};

struct RunsOptions {
  std::string db_file;
};

struct DomainsCheckOptions {
  std::string file;
};

struct ImportRooOptions {
  std::string export_file;
  std::string output;
};

int run_scan(const ScanOptions&);
int run_check(const CheckOptions&);
int run_export(const ExportOptions&);
int run_report(const ReportOptions&);
int run_runs(const RunsOptions&);
int run_domains_check(const DomainsCheckOptions&);
int run_import_roo(const ImportRooOptions&);
int run_version();

}  // namespace nulmeting::cli
