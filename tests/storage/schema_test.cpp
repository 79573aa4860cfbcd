// Schema: migrations by user_version, refusal of newer and foreign databases, pragmas, the
// writer lock, provider grouping.
#include "compare.hpp"
#include "support/fixture.hpp"

#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <sqlite3.h>

#include <fstream>
#include <sstream>

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

// Runs SQL (several statements) on a raw connection.
void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err != nullptr ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// A real schema-2 database (tests/storage/fixtures/schema-v2.sql: what nulmeting wrote before
// schema 3, the four fixture runs), loaded into `path`.
void load_v2_database(const std::string& path) {
  std::ifstream in(std::string(NULMETING_SOURCE_DIR) + "/tests/storage/fixtures/schema-v2.sql");
  REQUIRE(in.good());
  std::stringstream sql;
  sql << in.rdbuf();
  raw_exec(path, sql.str());
}
const std::string kV2Probes = "73";  // probe rows in schema-v2.sql

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
                           "v_mx_providers", "v_probe_evidence", "v_mail_standards"})
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

TEST_CASE("a schema-1 database is migrated on open and keeps its data", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("v1.db");
  load_v2_database(db);
  // Version 1 is version 2 without its indexes and views (step 2 added only those).
  raw_exec(db,
           "DROP VIEW v_latest_verdict; DROP VIEW v_run_verdicts; DROP VIEW v_sector_summary; "
           "DROP VIEW v_mx_providers; DROP VIEW v_probe_evidence; "
           "DROP INDEX domain_results_domain; DROP INDEX domain_results_run_sector; "
           "DROP INDEX domain_mx_host; DROP INDEX mx_hosts_run_provider; "
           "DROP INDEX dns_answers_domain; DROP INDEX dns_answers_host; "
           "DROP INDEX addresses_probe; DROP INDEX runs_status; PRAGMA user_version = 1;");
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  CHECK(raw(db, "PRAGMA user_version") == std::to_string(kSchemaVersion));
  // the five documented views, plus v_tls_items (schema step: tls quality), v_mta_sts (schema
  // step: mta-sts) and v_mail_standards (schema step: mail standards)
  CHECK(raw(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view'") == "8");
  CHECK(raw(db, "SELECT count(*) FROM probes") == kV2Probes);
  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  CHECK(runs->size() == 4);
}

TEST_CASE("a schema-2 database migrates in place and keeps every row", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("v2.db");
  load_v2_database(db);
  REQUIRE(raw(db, "PRAGMA user_version") == "2");
  const char* tables[] = {"runs",     "organisations", "domains",     "domain_results",
                          "mx_hosts", "domain_mx",     "dns_answers", "tlsa_records",
                          "probes",   "addresses"};
  std::vector<std::string> before;
  for (const char* t : tables) before.push_back(raw(db, std::string("SELECT count(*) FROM ") + t));
  CHECK(before[8] == kV2Probes);
  // A digest of every probe row's content and of the address -> probe links.
  const std::string probe_digest =
      "SELECT group_concat(id || '|' || outcome || '|' || dane_reason || '|' || hex(leaf_der) || "
      "'|' || content_hash, ';') FROM (SELECT * FROM probes ORDER BY id)";
  const std::string links =
      "SELECT group_concat(mx_host_id || ':' || position || ':' || probe_id, ';') FROM "
      "(SELECT * FROM addresses ORDER BY 1, 2)";
  const std::string probes_before = raw(db, probe_digest), links_before = raw(db, links);

  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  CHECK(raw(db, "PRAGMA user_version") == std::to_string(kSchemaVersion));
  // Schema step tls quality: older runs measured no TLS quality, so a receiving domain with a
  // starttls_ok address (starttls all or partial) is incomplete and every other one n/a.
  CHECK(raw(db, "SELECT count(*) FROM domain_results WHERE tls_quality = 'incomplete'") ==
        raw(db,
            "SELECT count(*) FROM domain_results WHERE mail = 'receives' AND "
            "starttls IN ('all','partial')"));
  CHECK(raw(db, "SELECT count(*) FROM domain_results WHERE tls_quality = 'incomplete'") != "0");
  CHECK(raw(db,
            "SELECT count(*) FROM domain_results WHERE tls_quality NOT IN "
            "('incomplete','n/a')") == "0");
  CHECK(raw(db, "SELECT count(*) FROM v_latest_verdict WHERE tls_quality = 'n/a'") != "0");
  CHECK(raw(db, "SELECT count(*) FROM probes WHERE tls IS NOT NULL OR tls_quality <> 'n/a'") ==
        "0");
  CHECK(raw(db, "SELECT count(*) FROM v_tls_items") == "0");
  // schema step: mta-sts — every existing result reads `n/a` (nothing was looked up) and has
  // no evidence row.
  CHECK(raw(db, "SELECT count(*) FROM domain_results WHERE mta_sts = 'n/a'") == before[3]);
  CHECK(raw(db, "SELECT count(*) FROM mta_sts") == "0");
  CHECK(raw(db, "SELECT count(*) FROM v_mta_sts") == before[3]);
  for (std::size_t i = 0; i < std::size(tables); ++i) {
    INFO(tables[i]);
    CHECK(raw(db, std::string("SELECT count(*) FROM ") + tables[i]) == before[i]);
  }
  CHECK(raw(db, probe_digest) == probes_before);
  CHECK(raw(db, links) == links_before);
  CHECK(raw(db, "SELECT count(*) FROM pragma_foreign_key_check") == "0");
  CHECK(raw(db, "PRAGMA foreign_keys") == "0");  // a raw connection: off unless asked
  // New columns with their documented values for old rows.
  CHECK(raw(db, "SELECT count(*) FROM runs WHERE routes IS NOT NULL") == "0");
  CHECK(raw(db, "SELECT count(*) FROM dns_answers WHERE attempts <> 1") == "0");
  CHECK(raw(db,
            "SELECT count(*) FROM domain_results WHERE incomplete <> '[]' OR "
            "unmeasured <> '[]'") == "0");
  CHECK(raw(db, "SELECT count(*) FROM v_latest_verdict WHERE incomplete = '[]'") ==
        raw(db, "SELECT count(*) FROM v_latest_verdict"));
  // The rebuilt table keeps its cascade: deleting a run still deletes its probes, and the
  // migrated connection has foreign keys on again.
  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 4);
  CHECK_FALSE((*runs)[0].routes.has_value());
  char* err = nullptr;
  REQUIRE(sqlite3_exec(reader->handle(), "DELETE FROM runs WHERE id = 1", nullptr, nullptr, &err) ==
          SQLITE_OK);
  sqlite3_free(err);
  CHECK(raw(db, "SELECT count(*) FROM probes WHERE run_id = 1") == "0");
  CHECK(raw(db, "SELECT count(*) FROM probes") != "0");
}

TEST_CASE("a migrated schema-2 database accepts the new vocabulary", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("v2.db");
  load_v2_database(db);
  RunStart start;
  start.label = "after-migration";
  start.routes = RouteCheck{true, false};
  auto w = RunWriter::begin(db, start);
  REQUIRE(w.has_value());
  for (auto& r : testing::fixture_results(2)) (*w)->submit(std::move(r));
  REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  const auto run = std::to_string((*w)->run_id());
  for (const char* outcome : {"protocol_error", "not_public", "no_route", "internal_error"})
    CHECK(raw(db, "SELECT count(*) FROM probes WHERE run_id = " + run + " AND outcome = '" +
                      outcome + "'") == "1");
  CHECK(raw(db, "SELECT count(*) FROM probes WHERE run_id = " + run +
                    " AND dane_reason = 'tlsa_lookup_failed'") == "1");
  CHECK(raw(db, "SELECT routes FROM runs WHERE id = " + run) == R"({"ipv4":true,"ipv6":false})");
  CHECK(raw(db, "SELECT incomplete FROM v_run_verdicts WHERE run_id = " + run +
                    " AND domain = 'unreachable.nl'") == R"(["ipv6"])");
}

TEST_CASE("a migration step that fails leaves the database as it was", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("v2.db");
  load_v2_database(db);
  // A v2 database that already has what step 3 creates (someone's own column): the step fails
  // half way, and the whole step is rolled back.
  raw_exec(db, "ALTER TABLE runs ADD COLUMN routes TEXT");
  const auto probes_sql = raw(db, "SELECT sql FROM sqlite_schema WHERE name = 'probes'");
  auto reader = Reader::open(db);
  REQUIRE_FALSE(reader.has_value());
  CHECK(raw(db, "PRAGMA user_version") == "2");
  CHECK(raw(db, "SELECT sql FROM sqlite_schema WHERE name = 'probes'") == probes_sql);
  CHECK(raw(db, "SELECT count(*) FROM probes") == kV2Probes);
  CHECK(raw(db, "SELECT count(*) FROM addresses") != "0");
  CHECK(raw(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view'") == "5");
}

TEST_CASE("a newer database is refused, not modified", "[storage][schema]") {
  test::TempDir dir;
  auto db = dir.file("newer.db");
  {
    auto w = RunWriter::begin(db, RunStart{});
    REQUIRE(w.has_value());
    REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  }
  raw(db, "PRAGMA user_version = 99");
  auto reader = Reader::open(db);
  REQUIRE_FALSE(reader.has_value());
  CHECK(reader.error().kind == StorageError::Kind::NewerSchema);
  CHECK(reader.error().message.find("newer") != std::string::npos);
  auto w = RunWriter::begin(db, RunStart{});
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error().kind == StorageError::Kind::NewerSchema);
  CHECK(raw(db, "PRAGMA user_version") == "99");
  CHECK(raw(db, "SELECT count(*) FROM runs") == "1");
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
  // From the Public Suffix List (libpsl), not a short hand-written list:
  CHECK(provider_domain("mx.example.gov.br") == "example.gov.br");
  CHECK(provider_domain("mx.kommune.oslo.no") == "kommune.oslo.no");
  CHECK(provider_domain("MX.Example.NL") == "example.nl");
  CHECK(provider_domain("mx.a.b.test") == "b.test");  // the `*` rule for an unknown TLD
}
