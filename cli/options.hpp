// options.hpp — parsed command-line options of each subcommand (interface.md).
//
// main.cpp fills these with CLI11; the command implementations (commands_*.cpp) take them.
// The scanner's defaults are the scanner's: every ProbeOptions default that has a counterpart in
// scanner::EngineConfig is read from a default-constructed EngineConfig, so there is one set of
// numbers (owned by the library structs) and `--help` shows them (tests/cli/defaults_test.cpp).
#pragma once

#include <nulmeting/scanner/scan_engine.hpp>
#include <nulmeting/storage/database.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nulmeting::cli {

// Exit codes of interface.md.
enum ExitCode : int { kOk = 0, kSomeUnmeasured = 1, kBadInput = 2, kInternal = 3 };

// The exit code for a storage error: 2 (bad input) for a missing or foreign database, a newer
// schema, a locked database or an unknown run; 3 for I/O and internal errors.
int exit_code_for(const storage::StorageError&);

// The library defaults the options below start from.
inline const scanner::EngineConfig kEngineDefaults{};

struct ProbeOptions {                  // shared by `scan` and `check`
  std::vector<std::string> resolvers;  // ADDR[@PORT]; empty: system resolv.conf
  std::string trust_anchor;            // file; empty: dns-root-data root key
  std::string ca_file;                 // PEM CAs for MTA-STS policy hosts; empty: system store
  bool full_recursion = false;         // no forwarder: iterate from the root hints
  std::string root_hints;              // for full recursion in a private network
  std::string ehlo_name;               // FQDN; required for real scans
  // SMTP probes in flight (whole run), connections in flight per IP, and the minimum interval
  // between two connections to one IP.
  unsigned concurrency = static_cast<unsigned>(kEngineDefaults.smtp.max_concurrency);
  unsigned per_ip = static_cast<unsigned>(kEngineDefaults.smtp.per_ip);
  unsigned per_ip_interval_ms = static_cast<unsigned>(kEngineDefaults.smtp.min_interval_ms);
  std::uint16_t smtp_port = kEngineDefaults.smtp_port;
  // TLS-quality assessment (§4): connections per address beyond the main probe (hard cap).
  unsigned tls_max_connections = static_cast<unsigned>(kEngineDefaults.smtp.tls_max_connections);
  std::vector<std::string> allow_address;  // CIDR ranges not public but contacted (test networks)
  bool mail_standards = kEngineDefaults.mail_standards;  // §5; --no-mail-standards: not measured
  unsigned dns_inflight = static_cast<unsigned>(kEngineDefaults.dns.max_in_flight);
  unsigned dns_timeout_ms = static_cast<unsigned>(kEngineDefaults.dns.timeout.count());
  // Window over which a DNS failure is asked again before it counts (§1); unset: the library's
  // default (DnsConfig::confirm_window, 30 s).
  std::optional<unsigned> dns_confirm_seconds;
  // Per SMTP phase (the connect phase is capped at 10 s, see engine_config).
  std::uint64_t smtp_timeout_ms = kEngineDefaults.smtp.probe.timeouts.banner;
  std::optional<unsigned> max_mx = kEngineDefaults.max_mx;  // MX hosts probed per domain
  // Connections to a host answering 4xx at the banner, and the first retry delay (doubles).
  unsigned smtp_attempts = static_cast<unsigned>(kEngineDefaults.smtp.max_attempts);
  std::uint64_t smtp_retry_backoff_ms = kEngineDefaults.smtp.backoff_ms;
  std::size_t domains_in_flight = kEngineDefaults.max_domains_in_flight;  // bounds memory
  std::size_t domains_resolving = kEngineDefaults.max_domains_resolving;  // DNS at once
  std::size_t dns_cache_mb = kEngineDefaults.dns.cache_mb;  // libunbound msg cache (scan-memory.md)
};

struct ScanOptions {
  std::string domains_file;
  std::string db_file;
  ProbeOptions probe;
  bool resume = false;
  std::string label;
  bool skip_invalid = false;
  std::string metrics_file;  // node_exporter textfile (README, "Monitoring"); empty: none
  // Sharding (docs/decisions/sharding.md): `--shard I/N` as written; it needs `--plan`.
  std::string shard;
  std::string plan_file;
};

// `nulmeting plan`: the cheap first phase of a sharded scan (MX and address lookups only).
struct PlanOptions {
  std::string domains_file;
  unsigned shards = 0;
  std::string output;
  ProbeOptions probe;  // the scan's options: their digest goes into the plan
  bool skip_invalid = false;
};

// `nulmeting merge`: shard databases of one plan into one finished run.
struct MergeOptions {
  std::string db_file;
  std::vector<std::string> shard_files;
  std::string label;  // empty: the shards' label
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
int run_plan(const PlanOptions&);
int run_merge(const MergeOptions&);
int run_domains_check(const DomainsCheckOptions&);
int run_import_roo(const ImportRooOptions&);
int run_version();

}  // namespace nulmeting::cli
