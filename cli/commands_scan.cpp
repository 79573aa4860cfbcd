// commands_scan.cpp — `nulmeting scan` (a list into SQLite, resumable) and `nulmeting check`
// (one domain, explained). Order matters for "bad input writes nothing": the list is validated
// and the scanner (resolver, trust anchor, TLS) is built before the database is touched.
#include "explain.hpp"
#include "options.hpp"
#include "scan_config.hpp"
#include "shard_plan.hpp"

#include <nulmeting/domains/domain_name.hpp>
#include <nulmeting/domains/list_reader.hpp>
#include <nulmeting/domains/string_table.hpp>
#include <nulmeting/scanner/scan_engine.hpp>
#include <nulmeting/storage/export.hpp>
#include <nulmeting/storage/metrics.hpp>
#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nulmeting::cli {
namespace {

// Streams the valid rows of the list; skips the domains a resumed run already has and, for a
// shard, the domains of the other shards.
class ListSource final : public scanner::DomainSource {
 public:
  ListSource(const std::string& path, StringTable skip, std::optional<StringTable> only)
      : in_(path, std::ios::binary),
        reader_(in_, path),
        skip_(std::move(skip)),
        only_(std::move(only)) {}
  std::optional<DomainEntry> next() override {
    while (auto row = reader_.next()) {
      if (!row->entry) continue;  // invalid rows were reported (and allowed) before the scan
      if (skip_.contains(row->entry->domain)) continue;
      if (only_ && !only_->contains(row->entry->domain)) continue;
      return std::move(row->entry);
    }
    return std::nullopt;
  }

 private:
  std::ifstream in_;
  ListReader reader_;
  StringTable skip_;
  std::optional<StringTable> only_;
};

// `--shard I/N --plan PLAN`: the plan must be for this list, these options, this contract and
// N; the shard measures the plan's domains of shard I (`only`). Why --shard needs a plan:
// docs/decisions/sharding.md.
std::expected<storage::ShardOfRun, std::string> load_shard(const ScanOptions& o,
                                                           StringTable& only) {
  if (o.plan_file.empty())
    return std::unexpected(
        "--shard needs --plan PLAN, written by `nulmeting plan` with the same list and options: "
        "shards cut without a plan would each probe the MX hosts that many domains share "
        "(docs/decisions/sharding.md)");
  if (o.shard.empty()) return std::unexpected("--plan needs --shard I/N");
  auto spec = parse_shard_spec(o.shard);
  if (!spec) return std::unexpected(spec.error());
  std::ifstream in(o.plan_file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return std::unexpected(o.plan_file + ": cannot read the plan");
  auto plan = plan_from_text(text);
  if (!plan) return std::unexpected(o.plan_file + ": " + plan.error());
  if (plan->shards != spec->count)
    return std::unexpected(o.plan_file + ": the plan has " + std::to_string(plan->shards) +
                           " shards, --shard " + o.shard + " says " + std::to_string(spec->count));
  if (plan->contract_version != storage::kContractVersion)
    return std::unexpected(o.plan_file + ": made for measurement contract version " +
                           std::to_string(plan->contract_version) + ", this nulmeting measures " +
                           std::to_string(storage::kContractVersion));
  if (const auto list = file_checksum(o.domains_file); plan->list_checksum != list)
    return std::unexpected(o.plan_file + ": made for another list (" + plan->list_checksum +
                           ") than " + o.domains_file + " (" + list + ")");
  if (const auto opts = text_checksum(options_json(o.probe)); plan->options_digest != opts)
    return std::unexpected(o.plan_file +
                           ": made with other scan options (give `plan` exactly the options "
                           "of `scan`; plan " +
                           plan->options_digest + ", these " + opts + ")");
  for (const auto& [domain, shard] : plan->domains)
    if (shard == spec->index) only.intern(domain);
  return storage::ShardOfRun{spec->index, spec->count, text_checksum(text)};
}

class WriterSink final : public scanner::ResultSink {
 public:
  explicit WriterSink(storage::RunWriter& w) : writer_(w) {}
  void accept(DomainResult&& r) override {
    if (scanner::domain_unmeasured(r)) {
      if (unmeasured_.size() < kListed) {
        std::string why;
        for (const auto& u : r.unmeasured) why += (why.empty() ? "" : "; ") + u;
        if (why.empty()) why = "mail = error (" + std::string(to_string(r.mx_lookup.reason)) + ")";
        unmeasured_.push_back(r.entry.domain + ": " + why);
      } else {
        ++unlisted_;
      }
    }
    writer_.submit(std::move(r));
  }
  // The writer commits thousands of domains a second, so a few batches queued is normal; more
  // means the disk is behind. Each queued result carries its probes' evidence (transcripts,
  // chains), so this bound is what keeps memory flat in list size (scripts/bench-scan).
  bool ready() const override { return writer_.queued() < 2048; }
  const std::vector<std::string>& unmeasured() const { return unmeasured_; }
  std::size_t unlisted() const { return unlisted_; }  // beyond kListed: in the database only

 private:
  static constexpr std::size_t kListed = 1000;
  storage::RunWriter& writer_;
  std::vector<std::string> unmeasured_;
  std::size_t unlisted_ = 0;
};

class CollectSink final : public scanner::ResultSink {
 public:
  void accept(DomainResult&& r) override { results.push_back(std::move(r)); }
  std::vector<DomainResult> results;
};

class OneDomain final : public scanner::DomainSource {
 public:
  explicit OneDomain(DomainEntry e) : entry_(std::move(e)) {}
  std::optional<DomainEntry> next() override {
    if (given_) return std::nullopt;
    given_ = true;
    return entry_;
  }

 private:
  DomainEntry entry_;
  bool given_ = false;
};

// glibc keeps freed heap pages, and a scan mixes short-lived results (DNS answers, probe
// evidence, queued rows) with long-lived tables, so without this the peak RSS of a 100,000-
// domain scan grew to 1.6x that of 10,000 while its live heap grew 1.25x (heaptrack; figures
// in docs/decisions/scan-memory.md). malloc_trim(0) returns every free page of every arena
// to the kernel: 62 ms in all over a 28 s scan of 100,000 domains (≈2 ms a call, once a
// second). Returns milliseconds.
double release_free_heap() {
#if defined(__GLIBC__)
  const auto t0 = std::chrono::steady_clock::now();
  malloc_trim(0);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
#else
  return 0;
#endif
}

// Progress: a live line on a terminal, a plain log line every 10 s otherwise.
class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), tty_(isatty(STDERR_FILENO) == 1) {}
  void operator()(const scanner::EngineProgress& p) {
    const std::string line = scanner::progress_line(p, total_);
    if (tty_) {
      fmt::print(stderr, "\r\033[K{}", line);
      std::fflush(stderr);
    } else if (p.elapsed_s - last_log_ >= 10) {
      last_log_ = p.elapsed_s;
      spdlog::info("progress: {}", line);
    }
  }
  void end() {
    if (tty_) fmt::print(stderr, "\n");
  }

 private:
  std::size_t total_;
  bool tty_;
  double last_log_ = -10;
};

// Peak resident memory of this process so far, in bytes (Linux reports ru_maxrss in KiB).
std::int64_t peak_rss_bytes() {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
}

// Writes text to path as node_exporter's textfile collector expects: a temporary file in the
// same directory (same file system, so rename is atomic; its name does not end in .prom, so the
// collector never reads it half-written), world-readable (the collector runs as another user),
// synced, then renamed over path.
bool write_file_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return false;
  bool ok = fchmod(fd, 0644) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0)
      ok = false;
    else
      done += static_cast<std::size_t>(n);
  }
  ok = fsync(fd) == 0 && ok;
  ok = close(fd) == 0 && ok;
  if (ok) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) std::remove(tmp.c_str());
  return ok;
}

// The metrics file of the run (or of a scan that failed before its run began: run_id unset).
// A failure to write it is logged, never changes the scan's exit code.
void write_metrics(const ScanOptions& o, std::optional<std::int64_t> run_id) {
  if (o.metrics_file.empty()) return;
  std::expected<std::string, storage::StorageError> text;
  if (std::filesystem::exists(o.db_file)) {
    if (auto reader = storage::Reader::open(o.db_file))
      text = storage::metrics_text(&*reader, run_id);
    else
      text = storage::metrics_text(nullptr, std::nullopt);
  } else {
    text = storage::metrics_text(nullptr, std::nullopt);
  }
  if (!text) {
    spdlog::error("metrics: {}", text.error().message);
    text = storage::metrics_text(nullptr, std::nullopt);
  }
  if (text && write_file_atomically(o.metrics_file, *text))
    spdlog::info("metrics written to {}", o.metrics_file);
  else
    spdlog::error("cannot write the metrics file {}", o.metrics_file);
}

int scan(const ScanOptions& o, std::optional<std::int64_t>& run_id);

}  // namespace

int run_scan(const ScanOptions& o) {
  std::optional<std::int64_t> run_id;
  const int rc = scan(o, run_id);
  write_metrics(o, run_id);
  return rc;
}

namespace {

int scan(const ScanOptions& o, std::optional<std::int64_t>& run_id) {
  // 1. The list: every problem reported before anything is measured or written.
  const ListSummary list = check_list_file(o.domains_file);
  for (const auto& p : list.problems) {
    if (p.severity == Severity::Error && !o.skip_invalid)
      spdlog::error("{}", format_problem(p));
    else
      spdlog::warn("{}{}", format_problem(p),
                   p.severity == Severity::Error ? " (row skipped)" : "");
  }
  if (!list.ok() && !o.skip_invalid) {
    spdlog::error("{}: {} error(s); nothing scanned (fix the list, or use --skip-invalid)",
                  o.domains_file, list.errors);
    return kBadInput;
  }
  if (list.entries == 0) {
    spdlog::error("{}: no valid domain to scan", o.domains_file);
    return kBadInput;
  }
  std::optional<storage::ShardOfRun> shard;
  std::optional<StringTable> only;
  if (!o.shard.empty() || !o.plan_file.empty()) {
    StringTable mine;
    auto s = load_shard(o, mine);
    if (!s) {
      spdlog::error("{}", s.error());
      return kBadInput;
    }
    spdlog::info("shard {}/{}: {} of the list's {} domains (plan {})", s->index, s->count,
                 mine.size(), list.entries, o.plan_file);
    shard = std::move(*s);
    only = std::move(mine);
  }
  const std::size_t entries = only ? only->size() : list.entries;  // what this run measures
  release_free_heap();  // the check's tables are gone; do not carry their pages into the scan

  // 2. The scanner, before the database: a bad resolver or trust anchor writes nothing.
  auto session = open_scanner(o.probe);
  if (!session) {
    spdlog::error("{}", session.error());
    return kBadInput;
  }

  // 3. The run.
  std::unique_ptr<storage::RunWriter> writer;
  StringTable finished;
  if (o.resume) {
    auto resumed = storage::RunWriter::resume(o.db_file);
    if (!resumed) {
      spdlog::error("{}: cannot resume: {}", o.db_file, resumed.error().message);
      return exit_code_for(resumed.error());
    }
    if (resumed->run.list_checksum != file_checksum(o.domains_file))
      spdlog::warn("run {} was started with a different list ({}); finishing it with {}",
                   resumed->run.id, resumed->run.list_path, o.domains_file);
    spdlog::info("resuming run {}: {} of {} domains already measured", resumed->run.id,
                 resumed->finished.size(), resumed->run.domain_total);
    writer = std::move(resumed->writer);
    finished = std::move(resumed->finished);
  } else {
    storage::RunStart start;
    start.label = o.label;
    start.list_path = o.domains_file;
    start.list_checksum = file_checksum(o.domains_file);
    start.options_json = options_json(o.probe);
    start.versions_json = versions_json();
    start.domain_total = static_cast<std::int64_t>(entries);
    start.shard = shard;
    const scanner::RouteCheck r = (*session)->engine->routes();
    start.routes = storage::RouteCheck{r.ipv4, r.ipv6};  // runs.routes (measurement.md §2.3)
    auto begun = storage::RunWriter::begin(o.db_file, start);
    if (!begun) {
      spdlog::error("{}: {}", o.db_file, begun.error().message);
      return exit_code_for(begun.error());
    }
    writer = std::move(*begun);
  }
  run_id = writer->run_id();
  // A resumed run counts only what it has left: its total and ETA are this session's work.
  const std::size_t to_measure = entries - std::min(entries, finished.size());
  spdlog::info("run {}: {} domains from {} ({} to measure)", writer->run_id(), entries,
               o.domains_file, to_measure);

  // 4. Measure.
  ListSource source(o.domains_file, std::move(finished), std::move(only));
  WriterSink sink(*writer);
  Progress progress(to_measure);
  double trim_ms = 0;
  const auto outcome = (*session)->engine->run(source, sink, [&](const scanner::EngineProgress& p) {
    progress(p);
    trim_ms += release_free_heap();
  });
  progress.end();
  spdlog::debug("malloc_trim: {:.1f} ms in all", trim_ms);
  const scanner::RouteCheck routes = (*session)->engine->routes();
  (*session)->finish();

  // 5. Finish the run.
  const auto& st = outcome.final.pipeline;
  nlohmann::ordered_json summary{{"domains_measured", st.domains_done},
                                 {"domains_unmeasured", st.domains_unmeasured},
                                 {"probes", outcome.final.probes_started},
                                 {"dns_queries", outcome.final.dns_queries},
                                 {"dns_timeouts", outcome.final.dns_timeouts},
                                 {"dns_failures_confirmed", outcome.final.dns_fail_confirmed},
                                 {"dns_failures_recovered", outcome.final.dns_fail_recovered},
                                 {"dns_limit", outcome.final.dns_limit},
                                 {"dns_limit_lowest", outcome.final.dns_limit_lowest},
                                 {"dns_limit_decreases", outcome.final.dns_limit_decreases},
                                 {"domains_dns_failure", st.domains_dns_failure},
                                 {"seconds", outcome.final.elapsed_s},
                                 {"interrupted", outcome.interrupted},
                                 {"routes", routes_json(routes)},
                                 {"peak_rss_bytes", peak_rss_bytes()}};
  const auto status =
      outcome.interrupted ? storage::RunStatus::Aborted : storage::RunStatus::Finished;
  if (auto fin = writer->finish(status, summary.dump()); !fin) {
    spdlog::error(
        "{}: results could not all be stored: {} (scan --resume redoes the missing domains)",
        o.db_file, fin.error().message);
    return kInternal;
  }
  spdlog::info(
      "run {} {}: {} domains in {:.1f} s ({} probes, at most {} at once; {} DNS queries, {} "
      "timed out and retried or given up; DNS limit {} at the end, {} at its lowest, {} "
      "back-offs; DNS failures: {} confirmed, {} recovered on asking again); {} unmeasured, {} "
      "of them resting on a confirmed DNS failure",
      writer->run_id(), outcome.interrupted ? "interrupted" : "finished", st.domains_done,
      outcome.final.elapsed_s, outcome.final.probes_started, outcome.final.probes_peak,
      outcome.final.dns_queries, outcome.final.dns_timeouts, outcome.final.dns_limit,
      outcome.final.dns_limit_lowest, outcome.final.dns_limit_decreases,
      outcome.final.dns_fail_confirmed, outcome.final.dns_fail_recovered, st.domains_unmeasured,
      st.domains_dns_failure);
  for (const auto& d : sink.unmeasured()) spdlog::warn("unmeasured: {}", d);
  if (sink.unlisted() > 0)
    spdlog::warn("unmeasured: {} more (see the database: nulmeting export)", sink.unlisted());
  if (outcome.interrupted) {
    spdlog::warn("the run was interrupted: `nulmeting scan --resume` finishes it");
    return kSomeUnmeasured;
  }
  return st.domains_unmeasured > 0 ? kSomeUnmeasured : kOk;
}

}  // namespace

int run_check(const CheckOptions& o) {
  auto name = normalize_domain(o.domain);
  if (!name) {
    spdlog::error("'{}': {}", o.domain, name.error());
    return kBadInput;
  }
  auto session = open_scanner(o.probe);
  if (!session) {
    spdlog::error("{}", session.error());
    return kBadInput;
  }
  DomainEntry entry;
  entry.domain = name->ascii;
  entry.display = name->display;
  OneDomain source(entry);
  CollectSink sink;
  (*session)->engine->run(source, sink);
  (*session)->finish();
  if (sink.results.size() != 1) {
    spdlog::error("{}: no result (interrupted)", entry.domain);
    return kSomeUnmeasured;
  }
  const DomainResult& r = sink.results.front();
  if (o.json) {
    auto j = storage::domain_json(0, r);
    j.erase("run");
    j["why"] = explain_reasons(r);
    if (!j.contains("unmeasured")) j["unmeasured"] = r.unmeasured;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}", explain_text(r));
    for (const auto& u : r.unmeasured) fmt::print("unmeasured: {}\n", u);
  }
  return scanner::domain_unmeasured(r) ? kSomeUnmeasured : kOk;
}

}  // namespace nulmeting::cli
