// main.cpp — the `nulmeting` command: parses the command line of interface.md with CLI11 and
// hands each subcommand to its run_* function (commands_*.cpp). Exit codes: 0 ok, 1 some
// domains unmeasured, 2 bad usage or input, 3 internal error.
#include "logging.hpp"
#include "options.hpp"

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <sys/resource.h>

namespace {
using namespace nulmeting::cli;

void add_probe_options(CLI::App& cmd, ProbeOptions& o) {
  cmd.add_option("--resolver", o.resolvers,
                 "Upstream resolver ADDR[@PORT] (repeatable); default: the system's resolv.conf. "
                 "nulmeting validates DNSSEC itself and never trusts the upstream's AD bit");
  cmd.add_option("--trust-anchor", o.trust_anchor,
                 "DNSKEY or DS records in zone-file format; default: the system root key "
                 "(dns-root-data)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--ca-file", o.ca_file,
                 "PEM file of the CAs that MTA-STS policy servers must chain to, instead of the "
                 "system store (for test networks)")
      ->check(CLI::ExistingFile);
  cmd.add_flag("--full-recursion", o.full_recursion,
               "Resolve iteratively from the root instead of forwarding to a resolver");
  cmd.add_option("--root-hints", o.root_hints, "Root hints file for --full-recursion")
      ->check(CLI::ExistingFile);
  cmd.add_option("--ehlo-name", o.ehlo_name, "FQDN sent in EHLO (required for real scans)");
  cmd.add_option("--concurrency", o.concurrency, "SMTP probes in flight for the whole run")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  cmd.add_option("--per-ip", o.per_ip, "Connections in flight per IP address")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  cmd.add_option("--per-ip-interval-ms", o.per_ip_interval_ms,
                 "Minimum interval between two connections to one IP address")
      ->capture_default_str();
  cmd.add_option("--tls-max-connections", o.tls_max_connections,
                 "TLS-quality assessment: connections per address beyond the STARTTLS probe "
                 "(a hard cap; items left over are unknown; 0: no assessment connections)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 64u));
  cmd.add_flag("--no-mail-standards{false}", o.mail_standards,
               "Measure STARTTLS, DANE and TLS quality only: no SPF, DMARC, DKIM, MTA-STS or "
               "TLS-RPT questions (those verdicts are stored as not measured)");
  cmd.add_option("--smtp-port", o.smtp_port, "SMTP port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  cmd.add_option("--dns-inflight", o.dns_inflight,
                 "most DNS queries in flight (the limit adapts below this to the resolver)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 100000u));
  cmd.add_option("--dns-cache-mb", o.dns_cache_mb,
                 "libunbound message cache in MB (the RRset cache is twice this)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 4096u));
  cmd.add_option("--dns-timeout-ms", o.dns_timeout_ms, "Timeout of one DNS query")
      ->capture_default_str();
  cmd.add_option("--dns-confirm-seconds", o.dns_confirm_seconds,
                 "A failed DNS answer is asked again twice over this many seconds before it "
                 "counts (default 30; the measurement contract asks for at least 30)")
      ->check(CLI::Range(0u, 3600u));
  cmd.add_option("--smtp-timeout-ms", o.smtp_timeout_ms, "Timeout of one SMTP/TLS phase")
      ->capture_default_str();
  cmd.add_option("--allow-address", o.allow_address,
                 "Contact this non-public range anyway (CIDR, repeatable; for test networks)");
  cmd.add_option("--max-mx", o.max_mx, "Probe at most N MX hosts per domain (default: all)");
  cmd.add_option("--smtp-attempts", o.smtp_attempts,
                 "Connections to a host that answers 4xx (e.g. 421) at the banner")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10u));
  cmd.add_option("--smtp-retry-backoff-ms", o.smtp_retry_backoff_ms,
                 "Delay before the first retry after a 4xx banner; doubles per retry")
      ->capture_default_str();
  cmd.add_option("--domains-in-flight", o.domains_in_flight,
                 "Domains measured at once (bounds memory; most of them wait for probes and TLS "
                 "assessments that other domains share)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  cmd.add_option("--domains-resolving", o.domains_resolving,
                 "Of those, domains whose DNS questions are asked at once")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
}

}  // namespace

namespace {
// Thousands of SMTP connections and DNS ports are file descriptors; the soft limit is often
// 1024. Raise it to the hard limit (bounded) once, before anything is opened.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t want =
      lim.rlim_max == RLIM_INFINITY ? rlim_t{65536} : std::min<rlim_t>(lim.rlim_max, 65536);
  if (lim.rlim_cur < want) {
    lim.rlim_cur = want;
    (void)setrlimit(RLIMIT_NOFILE, &lim);
  }
}
}  // namespace

int main(int argc, char** argv) {
  raise_fd_limit();
  CLI::App app{
      "nulmeting — measures STARTTLS and DANE (RFC 7672) on the mail servers of "
      "Dutch public bodies and reports adoption per sector"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] { return std::string("nulmeting ") + NULMETING_VERSION; });
  std::string log_level = "info";
  bool log_json = false;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
  app.add_flag("--log-json", log_json, "Log one JSON object per line (for nightly jobs)");

  std::function<int()> action;

  ScanOptions scan;
  auto* cmd_scan = app.add_subcommand("scan", "Measure every domain of a list into SQLite");
  cmd_scan->add_option("--domains", scan.domains_file, "Domain list (CSV, see README)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_scan->add_option("--db", scan.db_file, "SQLite results database (created if missing)")
      ->required();
  add_probe_options(*cmd_scan, scan.probe);
  cmd_scan->add_flag("--resume", scan.resume, "Finish the last unfinished run of this database");
  cmd_scan->add_option("--label", scan.label, "Label stored with the run (e.g. 'nightly')");
  cmd_scan->add_flag("--skip-invalid", scan.skip_invalid,
                     "Skip invalid rows of the list (listed) instead of refusing the list");
  cmd_scan->add_option("--metrics-file", scan.metrics_file,
                       "Write the run's Prometheus metrics here at the end (node_exporter "
                       "textfile, e.g. /var/lib/prometheus/node-exporter/nulmeting.prom)");
  cmd_scan->add_option("--shard", scan.shard,
                       "Measure only shard I of N (I/N, 0 <= I < N) of the plan given with "
                       "--plan; merge the N shard databases with `nulmeting merge`");
  cmd_scan
      ->add_option("--plan", scan.plan_file,
                   "Shard plan written by `nulmeting plan` for this list and these options "
                   "(required with --shard)")
      ->check(CLI::ExistingFile);
  cmd_scan->callback([&] { action = [&] { return run_scan(scan); }; });

  PlanOptions plan;
  auto* cmd_plan = app.add_subcommand(
      "plan",
      "Plan N shards of a list: resolve every domain's MX hosts and their addresses once and "
      "keep domains that share a host or an address in one shard");
  cmd_plan->add_option("--domains", plan.domains_file, "Domain list (CSV, see README)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_plan->add_option("--shards", plan.shards, "Number of shards N")
      ->required()
      ->check(CLI::Range(1u, 10000u));
  cmd_plan->add_option("-o,--output", plan.output, "Plan file to write (JSON)")->required();
  add_probe_options(*cmd_plan, plan.probe);
  cmd_plan->add_flag("--skip-invalid", plan.skip_invalid,
                     "Skip invalid rows of the list (as scan --skip-invalid)");
  cmd_plan->callback([&] { action = [&] { return run_plan(plan); }; });

  MergeOptions merge;
  auto* cmd_merge =
      app.add_subcommand("merge", "Merge the shard databases of one plan into one finished run");
  cmd_merge
      ->add_option("--db", merge.db_file,
                   "SQLite results database to add the merged run to (created if missing)")
      ->required();
  cmd_merge->add_option("SHARD", merge.shard_files, "Shard databases (scan --shard), all N")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_merge->add_option("--label", merge.label, "Label of the merged run (default: the shards')");
  cmd_merge->callback([&] { action = [&] { return run_merge(merge); }; });

  CheckOptions check;
  auto* cmd_check = app.add_subcommand("check", "Measure one domain and explain the verdict");
  cmd_check->add_option("DOMAIN", check.domain, "Domain name")->required();
  add_probe_options(*cmd_check, check.probe);
  cmd_check->add_flag("--json", check.json, "Print the result as JSON");
  cmd_check->callback([&] { action = [&] { return run_check(check); }; });

  ExportOptions exp;
  auto* cmd_export = app.add_subcommand("export", "Export the verdicts of one run");
  cmd_export->add_option("--db", exp.db_file, "SQLite results database")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_export->add_option("--run", exp.run, "Run: 'latest' or an ID")->capture_default_str();
  cmd_export->add_option("--format", exp.format, "jsonl or csv")
      ->required()
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd_export->add_option("-o,--output", exp.output, "Output file (default: standard output)");
  cmd_export->callback([&] { action = [&] { return run_export(exp); }; });

  ReportOptions rep;
  auto* cmd_report = app.add_subcommand("report", "Write the per-sector adoption report");
  cmd_report->add_option("--db", rep.db_file, "SQLite results database")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_report->add_option("--run", rep.run, "Run: 'latest' or an ID")->capture_default_str();
  cmd_report->add_option("--compare", rep.compare, "Run ID to compare with");
  cmd_report->add_option("--format", rep.format, "html, xlsx, csv, md or json")
      ->required()
      ->check(CLI::IsMember({"html", "xlsx", "csv", "md", "json"}));
  cmd_report->add_option("-o,--output", rep.output, "Output file")->required();
  cmd_report->add_option("--lang", rep.lang, "nl or en")
      ->capture_default_str()
      ->check(CLI::IsMember({"nl", "en"}));
  cmd_report->callback([&] { action = [&] { return run_report(rep); }; });

  RunsOptions runs;
  auto* cmd_runs = app.add_subcommand("runs", "List the runs in a database");
  cmd_runs->add_option("--db", runs.db_file, "SQLite results database")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_runs->callback([&] { action = [&] { return run_runs(runs); }; });

  auto* cmd_domains = app.add_subcommand("domains", "Validate and import domain lists");
  cmd_domains->require_subcommand(1);
  DomainsCheckOptions dcheck;
  auto* cmd_dcheck = cmd_domains->add_subcommand("check", "Validate a list, report every problem");
  cmd_dcheck->add_option("FILE", dcheck.file, "Domain list (CSV)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_dcheck->callback([&] { action = [&] { return run_domains_check(dcheck); }; });
  ImportRooOptions roo;
  auto* cmd_roo = cmd_domains->add_subcommand(
      "import-roo", "Turn a Register van Overheidsorganisaties export into a domain list");
  cmd_roo->add_option("EXPORT", roo.export_file, "ROO export (XML)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_roo->add_option("-o,--output", roo.output, "Domain list to write (CSV)")->required();
  cmd_roo->callback([&] { action = [&] { return run_import_roo(roo); }; });

  auto* cmd_version =
      app.add_subcommand("version", "Print versions of nulmeting and its libraries");
  cmd_version->callback([&] { action = [] { return run_version(); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kBadInput;
  }

  try {
    setup_logging(log_level, log_json);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nulmeting: %s\n", e.what());
    return kBadInput;
  }
  try {
    return action ? action() : kBadInput;
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return kInternal;
  }
}
