// Resume: a run closed early is continued without duplicates; only a non-finished newest run
// can be resumed.
#include "compare.hpp"

#include "support/fixture.hpp"
#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

using namespace nulmeting;
using namespace nulmeting::storage;

TEST_CASE("resume continues the unfinished run without duplicates", "[storage][resume]") {
  test::TempDir dir;
  auto db = dir.file("r.db");
  auto all = testing::fixture_results(2);
  RunStart start;
  start.label = "nightly";
  start.list_checksum = "sha256:abc";
  start.domain_total = static_cast<std::int64_t>(all.size());
  std::int64_t run_id = 0;
  {
    auto w = RunWriter::begin(db, start);
    REQUIRE(w.has_value());
    run_id = (*w)->run_id();
    for (std::size_t i = 0; i < 10; ++i) (*w)->submit(all[i]);
    REQUIRE((*w)->flush().has_value());
    // Destroyed without finish(): drained and marked aborted.
  }
  {
    auto reader = Reader::open(db);
    REQUIRE(reader.has_value());
    auto run = reader->run(run_id);
    REQUIRE(run.has_value());
    CHECK(run->status == RunStatus::Aborted);
    CHECK(run->domains_done == 10);
  }
  auto resumed = RunWriter::resume(db);
  REQUIRE(resumed.has_value());
  CHECK(resumed->run.id == run_id);
  CHECK(resumed->run.status == RunStatus::Running);
  CHECK(resumed->run.resumes == 1);
  CHECK(resumed->run.list_checksum == "sha256:abc");
  std::set<std::string> want;
  for (std::size_t i = 0; i < 10; ++i) want.insert(all[i].entry.domain);
  std::set<std::string> stored;
  for (StringTable::Id i = 0; i < resumed->finished.size(); ++i)
    stored.emplace(resumed->finished.at(i));
  CHECK(stored == want);

  // The pipeline skips finished domains; a stray one is ignored by the writer anyway.
  for (const auto& r : all)
    if (!resumed->finished.contains(r.entry.domain)) resumed->writer->submit(r);
  resumed->writer->submit(all[0]);
  REQUIRE(resumed->writer->finish(RunStatus::Finished, R"({"ok":true})").has_value());
  CHECK(resumed->writer->duplicates() == 1);
  CHECK(resumed->writer->written() == all.size() - 10);

  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  auto run = reader->run(run_id);
  REQUIRE(run.has_value());
  CHECK(run->status == RunStatus::Finished);
  CHECK(run->domains_done == static_cast<std::int64_t>(all.size()));
  CHECK(run->summary_json == std::optional<std::string>(R"({"ok":true})"));
  std::sort(all.begin(), all.end(),
            [](const auto& a, const auto& b) { return a.entry.domain < b.entry.domain; });
  std::size_t i = 0;
  auto n = reader->for_each_domain(run_id, [&](const DomainResult& got) {
    test::compare(got, all[i++]);
    return true;
  });
  REQUIRE(n.has_value());
  CHECK(*n == static_cast<std::int64_t>(all.size()));

  // Nothing left to resume now.
  resumed->writer.reset();
  auto again = RunWriter::resume(db);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().kind == StorageError::Kind::NoSuchRun);
}

TEST_CASE("resume of a missing database or an empty one is a clear error", "[storage][resume]") {
  test::TempDir dir;
  auto r = RunWriter::resume(dir.file("missing.db"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == StorageError::Kind::NotFound);
  {
    // A database with the current schema and no runs: begin one, then delete it.
    auto w = RunWriter::begin(dir.file("empty.db"), RunStart{});
    REQUIRE(w.has_value());
    REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.file("empty.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "DELETE FROM runs", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto e = RunWriter::resume(dir.file("empty.db"));
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().kind == StorageError::Kind::NoSuchRun);
}

TEST_CASE("finish records failed and aborted runs", "[storage][writer]") {
  test::TempDir dir;
  auto db = dir.file("f.db");
  for (auto status : {RunStatus::Failed, RunStatus::Aborted}) {
    auto w = RunWriter::begin(db, RunStart{});
    REQUIRE(w.has_value());
    REQUIRE((*w)->finish(status, R"({"error":"resolver unreachable"})").has_value());
  }
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 2);
  CHECK((*runs)[0].status == RunStatus::Failed);
  CHECK((*runs)[1].status == RunStatus::Aborted);
  CHECK((*runs)[0].finished_at.has_value());
  // "latest" means the newest finished run: there is none.
  auto latest = reader->resolve_run("latest");
  REQUIRE_FALSE(latest.has_value());
  CHECK(latest.error().kind == StorageError::Kind::NoSuchRun);
  CHECK(reader->resolve_run("2").has_value());
  CHECK_FALSE(reader->resolve_run("3").has_value());
  CHECK_FALSE(reader->resolve_run("x1").has_value());
}

TEST_CASE("batches group many domains per transaction", "[storage][writer]") {
  test::TempDir dir;
  auto db = dir.file("b.db");
  auto all = testing::fixture_results(2);
  std::vector<std::size_t> commits;
  std::atomic<bool> all_submitted{false};
  WriterOptions opts;
  opts.max_batch = 8;
  // Hold the writer after its first commit until everything is queued, so that the test
  // does not depend on how fast the disk is.
  opts.on_commit = [&](std::size_t n) {
    commits.push_back(n);
    while (!all_submitted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  auto w = RunWriter::begin(db, RunStart{}, opts);
  REQUIRE(w.has_value());
  for (int round = 0; round < 8; ++round)
    for (auto r : all) {
      r.entry.domain = std::to_string(round) + "-" + r.entry.domain;
      (*w)->submit(std::move(r));
    }
  all_submitted = true;
  REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  std::size_t total = 0, biggest = 0;
  for (auto n : commits) {
    total += n;
    biggest = std::max(biggest, n);
  }
  CHECK(total == 8 * all.size());
  CHECK(biggest <= 8);
  CHECK(biggest == 8);  // many domains per transaction
}
