// Crash consistency: a child process writing a run is killed with SIGKILL at random moments,
// again and again, each time resuming the run. After every kill the database must open, pass
// integrity_check and foreign_key_check, hold only complete domains (each reads back equal to
// what was submitted), and resume must list exactly the stored domains as finished.
// Finally an unkilled child completes the run: every domain present exactly once.
#include "compare.hpp"

#include "support/fixture.hpp"
#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <sqlite3.h>

#include <chrono>
#include <csignal>
#include <random>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nulmeting;
using namespace nulmeting::storage;

namespace {

constexpr std::size_t kDomains = 4000;

DomainResult make_domain(std::size_t i) {
  static const auto base = testing::fixture_results(2);
  DomainResult r = base[i % base.size()];
  r.entry.domain = "d" + std::to_string(i) + "-" + r.entry.domain;
  r.entry.display = r.entry.domain;
  r.entry.line = i + 2;
  r.mx_lookup.qname = r.entry.domain;
  return r;
}

// The child: resume the run (or begin it), submit every unfinished domain at a steady pace,
// finish. Never returns.
[[noreturn]] void child(const std::string& db) {
  WriterOptions opts;
  opts.max_batch = 64;
  std::unique_ptr<RunWriter> w;
  StringTable finished;
  auto resumed = RunWriter::resume(db, opts);
  if (resumed) {
    w = std::move(resumed->writer);
    finished = std::move(resumed->finished);
  } else if (resumed.error().kind == StorageError::Kind::NoSuchRun ||
             resumed.error().kind == StorageError::Kind::NotFound) {
    if (auto reader = Reader::open(db); reader && reader->runs() && !reader->runs()->empty())
      ::_exit(0);  // the run is finished already

    RunStart start;
    start.label = "crash";
    start.domain_total = kDomains;
    auto b = RunWriter::begin(db, start, opts);
    if (!b) ::_exit(3);
    w = std::move(*b);
  } else {
    ::_exit(2);
  }
  for (std::size_t i = 0; i < kDomains; ++i) {
    auto r = make_domain(i);
    if (finished.contains(r.entry.domain)) continue;
    w->submit(std::move(r));
    // A steady pace (about 2 s for the whole list) so that kills land mid-run.
    if (i % 4 == 0) std::this_thread::sleep_for(std::chrono::microseconds(2000));
  }
  ::_exit(w->finish(RunStatus::Finished) ? 0 : 4);
}

std::vector<std::string> rows(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
  std::vector<std::string> out;
  while (sqlite3_step(s) == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(s, 0);
    out.emplace_back(t != nullptr ? reinterpret_cast<const char*>(t) : "");
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

std::size_t index_of(const std::string& domain) {
  return std::stoul(domain.substr(1, domain.find('-') - 1));
}

// Checks the database after a kill; returns the stored domain names.
std::set<std::string> check_consistent(const std::string& db) {
  std::set<std::string> stored;
  if (!std::filesystem::exists(db)) return stored;
  CHECK(rows(db, "PRAGMA integrity_check") == std::vector<std::string>{"ok"});
  // Killed before or during the schema migration: the file holds an older schema version
  // (each migration step is one transaction); opening migrates it.
  if (rows(db, "PRAGMA user_version") == std::vector<std::string>{"0"}) {
    CHECK(rows(db, "SELECT name FROM sqlite_schema").empty());  // killed before step 1 committed
    return stored;
  }
  auto reader = Reader::open(db);
  if (!reader) {
    FAIL_CHECK("reader: " << reader.error().message);
    return stored;
  }
  CHECK(rows(db, "PRAGMA foreign_key_check").empty());
  // No shared row without a domain that uses it (a half-written domain would leave some).
  CHECK(rows(db, "SELECT id FROM mx_hosts WHERE id NOT IN (SELECT mx_host_id FROM domain_mx)")
            .empty());
  CHECK(rows(db, "SELECT id FROM probes WHERE id NOT IN (SELECT probe_id FROM addresses)").empty());
  CHECK(rows(db,
             "SELECT id FROM domain_results WHERE id NOT IN "
             "(SELECT domain_result_id FROM dns_answers WHERE purpose = 'mx')")
            .empty());
  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() <= 1);
  if (runs->empty()) return stored;
  auto n = reader->for_each_domain((*runs)[0].id, [&](const DomainResult& got) {
    auto want = make_domain(index_of(got.entry.domain));
    test::compare(got, want);
    CHECK(stored.insert(got.entry.domain).second);
    return true;
  });
  REQUIRE(n.has_value());
  return stored;
}

}  // namespace

TEST_CASE("kill -9 at random moments leaves a consistent, resumable database", "[storage][crash]") {
  test::TempDir dir;
  auto db = dir.file("crash.db");
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(2, 250);
  int kills = 0;
  std::size_t previous = 0;
  for (int round = 0; round < 12; ++round) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) child(db);
    int ms = delay_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) ++kills;
    INFO("round " << round << " killed after " << ms << " ms");

    auto stored = check_consistent(db);
    CHECK(stored.size() >= previous);  // committed domains never disappear
    previous = stored.size();
    // Resume lists exactly what is stored; the rest is what a resumed scan must measure.
    auto resumed = RunWriter::resume(db);
    if (resumed) {
      std::set<std::string> finished;
      for (StringTable::Id i = 0; i < resumed->finished.size(); ++i)
        finished.emplace(resumed->finished.at(i));
      CHECK(finished == stored);
      resumed->writer.reset();  // marks it aborted; the next child resumes it again
    } else {
      CHECK((stored.empty() || stored.size() == kDomains));
    }
  }
  CHECK(kills >= 10);

  // Let a last child finish the run.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) child(db);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  auto stored = check_consistent(db);
  CHECK(stored.size() == kDomains);
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 1);
  CHECK((*runs)[0].status == RunStatus::Finished);
  CHECK((*runs)[0].domains_done == static_cast<std::int64_t>(kDomains));
  CHECK((*runs)[0].resumes >= 10);
  WARN("kills: " << kills << ", domains per kill round before the last: " << previous);
}
