// run_writer.hpp — writes one scan run into the results database, off the event loop.
//
// Who calls it: `nulmeting scan` (the pipeline's result sink) and test fixtures.
// - begin() creates a run row (status running) and starts a writer thread; resume() reopens the
//   last unfinished run and returns the domains already stored in it, so `scan --resume`
//   measures only the rest.
// - submit() is thread-safe and never touches the disk: it moves the result onto a queue. The
//   writer thread takes everything queued (up to WriterOptions::max_batch domains) and writes
//   it in ONE transaction: group commit, so a slow disk makes batches bigger, not probes slower.
// - Invariant: a domain's rows (verdict, MX links, DNS answers, TLSA, addresses, probes) are
//   committed together or not at all, so a kill -9 at any moment leaves a consistent database
//   in which every stored domain is complete; resume then redoes only the missing ones.
// - Shared evidence is stored once: an MX host result and a probe (run, host, ip) that many
//   domains share are one row each, found again by a content hash. (After a resume, a host
//   probed again gives a second probe row: both are real measurements of that run.)
// - A domain submitted twice for one run (or already stored before a resume) is ignored and
//   counted in duplicates().
// - An exclusive flock on "<db>.lock" is held for the writer's lifetime: a second writer on the
//   same database gets StorageError::Kind::Locked. The kernel drops it on kill -9.
// - finish(status) drains the queue, then sets status and finished_at. Destroying a writer
//   without finish() drains the queue and marks the run aborted (resumable).
// - Durability: WAL with synchronous=NORMAL. A committed batch survives the process being
//   killed (the data is in the OS); a power cut may lose the last batches, never consistency.
// - Memory: the queue is unbounded (submit must never block the loop); a producer that can
//   outrun the disk should hold back new domains while queued() is large. Measured (Release,
//   loaded 2-core machine): ~3,500–10,000 domains/s written; export ~30,000–50,000 domains/s.
// Errors: a failed batch is retried; if it still fails, the error is kept (error()), those
// domains are not stored (resume redoes them) and finish() returns the error.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/domains/string_table.hpp>
#include <nulmeting/storage/database.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace nulmeting::storage {

// The shard a run measures (`scan --shard I/N --plan PLAN`, docs/decisions/sharding.md).
struct ShardOfRun {
  int index = 0;            // I, 0 <= I < count
  int count = 1;            // N
  std::string plan_digest;  // "sha256:…" of the plan file: all N shards must share it
};

struct RunStart {
  std::string label;
  std::string list_path;
  std::string list_checksum;         // e.g. "sha256:…" of the list file
  std::string options_json = "{}";   // the scan options, as JSON
  std::string versions_json = "{}";  // {"nulmeting": …, "libunbound": …, "libuv": …, ...}
  std::int64_t domain_total = 0;
  std::optional<RouteCheck> routes;  // the start-up route check; stored as runs.routes
  std::optional<ShardOfRun> shard;   // runs.shard_index/shard_count/plan_digest; none: whole list
};

struct WriterOptions {
  std::size_t max_batch = 512;  // domains per transaction at most
  // Clock for started_at/finished_at/written_at (tests and fixtures make it deterministic).
  std::function<std::string()> clock = now_iso8601;
  // Testing only: called on the writer thread after each committed batch (count of domains).
  std::function<void(std::size_t)> on_commit;
};

class RunWriter {
 public:
  static std::expected<std::unique_ptr<RunWriter>, StorageError> begin(const std::string& db_path,
                                                                       const RunStart& start,
                                                                       WriterOptions opts = {});

  struct Resumed {
    std::unique_ptr<RunWriter> writer;
    RunInfo run;           // the run being continued
    StringTable finished;  // domain names already stored in it (compact)
  };
  // The newest run, if its status is not finished (running after a kill, aborted, failed);
  // NoSuchRun otherwise. Its status is set back to running and its resume count increased.
  static std::expected<Resumed, StorageError> resume(const std::string& db_path,
                                                     WriterOptions opts = {});

  RunWriter(const RunWriter&) = delete;
  RunWriter& operator=(const RunWriter&) = delete;
  ~RunWriter();

  std::int64_t run_id() const;

  // Thread-safe, never blocks on disk I/O (only on the queue mutex for a moment).
  void submit(DomainResult result);

  // Blocks until everything submitted so far is committed (or failed).
  std::expected<void, StorageError> flush();

  // Drains, then records status, finished_at and the summary (JSON object or empty). Call once.
  std::expected<void, StorageError> finish(RunStatus status, const std::string& summary_json = {});

  std::size_t queued() const;      // submitted, not yet committed: the pipeline may throttle on it
  std::size_t written() const;     // domains committed by this writer
  std::size_t duplicates() const;  // domains ignored because the run already had them
  std::optional<StorageError> error() const;  // first write error, if any

 private:
  struct Impl;
  explicit RunWriter(std::unique_ptr<Impl>);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nulmeting::storage
