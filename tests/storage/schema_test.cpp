// Schema: migrations by user_version, refusal of newer and foreign databases, pragmas, the
// writer lock, provider grouping.
#include "compare.hpp"

#include <nulmeting/storage/fixture.hpp>
#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <sqlite3.h>

#include <fstream>

using namespace nulmeting;
using namespace nulmeting::storage;

namespace {

// Runs SQL on a raw connection (outside the storage library) and returns the first column of
// the first row as text ("" when no row).
std::string raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  std::string out;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  int rc = sqlite3_step(s);
  REQUIRE((rc == SQLITE_ROW || rc == SQLITE_DONE));
  if (rc == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

}  // namespace

TEST_CASE("a new database gets the current schema, WAL and foreign keys", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("new.db");
  {
    auto w = RunWriter::begin(db, RunStart{});
    REQUIRE(w.has_value());
    CHECK((*w)->run_id() == 1);
    REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  }
  CHECK(raw(db, "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(raw(db, "PRAGMA journal_mode") == "wal");
  for (const char* view : {"v_latest_verdict", "v_run_verdicts", "v_sector_summary",
                           "v_mx_providers", "v_probe_evidence"})
    CHECK(raw(db, std::string("SELECT name FROM sqlite_schema WHERE type = 'view' AND name = '") +
                      view + "'") == view);
  // Foreign keys are enforced on the library's connections: a domain_mx row pointing nowhere
  // is refused (checked through a Reader's connection).
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  char* err = nullptr;
  int rc = sqlite3_exec(reader->handle(),
                        "INSERT INTO domain_mx(domain_result_id, position, mx_host_id, preference) "
                        "VALUES (999, 0, 999, 10)",
                        nullptr, nullptr, &err);
  sqlite3_free(err);
  CHECK((rc & 0xff) == SQLITE_CONSTRAINT);
}

TEST_CASE("an older database is migrated on open and keeps its data", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("old.db");
  REQUIRE(testing::create_database_at_version(db, 1).has_value());
  CHECK(raw(db, "PRAGMA user_version") == "1");
  CHECK(raw(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view'") == "0");
  raw(db,
      "INSERT INTO runs(started_at, status, label) VALUES ('2026-01-01T00:00:00Z', "
      "'finished', 'old')");

  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  CHECK(raw(db, "PRAGMA user_version") == std::to_string(kSchemaVersion));
  CHECK(raw(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view'") == "5");
  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 1);
  CHECK((*runs)[0].label == "old");
}

TEST_CASE("a newer database is refused, not modified", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("newer.db");
  REQUIRE(testing::create_database_at_version(db, kSchemaVersion).has_value());
  raw(db, "PRAGMA user_version = 99");
  auto reader = Reader::open(db);
  REQUIRE_FALSE(reader.has_value());
  CHECK(reader.error().kind == StorageError::Kind::NewerSchema);
  CHECK(reader.error().message.find("newer") != std::string::npos);
  CHECK(exit_code_for(reader.error()) == 2);
  auto w = RunWriter::begin(db, RunStart{});
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error().kind == StorageError::Kind::NewerSchema);
  CHECK(raw(db, "PRAGMA user_version") == "99");
  CHECK(raw(db, "SELECT count(*) FROM runs") == "0");
}

TEST_CASE("missing, foreign and non-SQLite files are clear errors", "[storage][schema]") {
  test::TempDir dir;
  auto missing = Reader::open(dir.file("nope.db"));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == StorageError::Kind::NotFound);

  auto text = dir.file("text.db");
  std::ofstream(text) << "this is not a database, just some text that is long enough\n";
  auto bad = Reader::open(text);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == StorageError::Kind::BadDatabase);
  CHECK(exit_code_for(bad.error()) == 2);

  // An empty file is not given tables by a reader (export on the wrong path changes nothing).
  auto empty = dir.file("empty.db");
  std::ofstream(empty).close();
  auto e = Reader::open(empty);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().kind == StorageError::Kind::BadDatabase);
  CHECK(std::filesystem::file_size(empty) == 0);

  auto foreign = dir.file("foreign.db");
  raw(foreign, "CREATE TABLE t(x)");
  auto f = Reader::open(foreign);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().kind == StorageError::Kind::BadDatabase);
  CHECK(raw(foreign, "PRAGMA user_version") == "0");
}

TEST_CASE("a writer in a missing directory is a clear bad-input error", "[storage][lock]") {
  test::TempDir dir;
  auto w = RunWriter::begin(dir.file("no/such/dir/x.db"), RunStart{});
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error().kind == StorageError::Kind::NotFound);
  CHECK(exit_code_for(w.error()) == 2);
}

TEST_CASE("a second writer on the same database is refused while the first lives",
          "[storage][lock]") {
  test::TempDir dir;
  auto db = dir.file("locked.db");
  auto first = RunWriter::begin(db, RunStart{});
  REQUIRE(first.has_value());
  auto second = RunWriter::begin(db, RunStart{});
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().kind == StorageError::Kind::Locked);
  CHECK(second.error().message.find("in use") != std::string::npos);
  auto resumed = RunWriter::resume(db);
  REQUIRE_FALSE(resumed.has_value());
  CHECK(resumed.error().kind == StorageError::Kind::Locked);
  // Readers are not blocked by the writer.
  CHECK(Reader::open(db).has_value());
  REQUIRE((*first)->finish(RunStatus::Finished).has_value());
  first->reset();
  auto third = RunWriter::begin(db, RunStart{});
  CHECK(third.has_value());
}

TEST_CASE("provider domain: last two labels, three under known second-level suffixes",
          "[storage][provider]") {
  CHECK(provider_domain("mx1.mail.protection.outlook.com") == "outlook.com");
  CHECK(provider_domain("mx2.provider-b.co.uk") == "provider-b.co.uk");
  CHECK(provider_domain("mail.example.nl.") == "example.nl");
  CHECK(provider_domain("example.nl") == "example.nl");
  CHECK(provider_domain("localhost") == "localhost");
  CHECK(provider_domain("co.uk") == "co.uk");
  CHECK(provider_domain("192.0.2.1") == "192.0.2.1");
  CHECK(provider_domain("2001:db8::1") == "2001:db8::1");
}
