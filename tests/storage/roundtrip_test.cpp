// Round trip: every DomainResult written through RunWriter reads back equal, field by field;
// the fixture database has the runs, sectors and verdict values fixture.hpp promises.
#include "compare.hpp"
#include "support/fixture.hpp"

#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>

using namespace nulmeting;
using namespace nulmeting::storage;

namespace {

std::int64_t query_int(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  auto v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return v;
}

std::set<std::string> query_strings(sqlite3* db, const std::string& sql) {
  std::set<std::string> out;
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW)
    out.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  return out;
}

}  // namespace

TEST_CASE("fixture database reads back equal to what was written", "[storage][roundtrip]") {
  test::TempDir dir;
  auto db = dir.file("fixture.db");
  auto info = testing::make_fixture_db(db);
  REQUIRE(info.has_value());
  REQUIRE(info->finished_runs.size() == 3);

  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  for (int run = 0; run < 4; ++run) {
    auto expected = testing::fixture_results(run);
    std::sort(expected.begin(), expected.end(),
              [](const auto& a, const auto& b) { return a.entry.domain < b.entry.domain; });
    std::int64_t run_id =
        run < 3 ? info->finished_runs[static_cast<std::size_t>(run)] : info->aborted_run;
    std::size_t i = 0;
    auto n = reader->for_each_domain(run_id, [&](const DomainResult& got) {
      REQUIRE(i < expected.size());
      test::compare(got, expected[i]);
      ++i;
      return true;
    });
    REQUIRE(n.has_value());
    CHECK(static_cast<std::size_t>(*n) == expected.size());
    CHECK(i == expected.size());
  }
}

TEST_CASE("fixture covers every run status, sector and verdict value", "[storage][fixture]") {
  test::TempDir dir;
  auto db = dir.file("fixture.db");
  auto info = testing::make_fixture_db(db);
  REQUIRE(info.has_value());
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());

  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  REQUIRE(runs->size() == 4);
  CHECK((*runs)[0].status == RunStatus::Finished);
  CHECK((*runs)[3].status == RunStatus::Aborted);
  CHECK((*runs)[0].started_at == "2026-09-01T02:00:00Z");
  CHECK((*runs)[2].finished_at == std::optional<std::string>("2026-11-01T02:07:31Z"));
  CHECK((*runs)[2].domains_done == 25);
  CHECK((*runs)[0].domains_done == 24);
  CHECK((*runs)[3].domains_done == 12);

  auto latest = reader->resolve_run("latest");
  REQUIRE(latest.has_value());
  CHECK(latest->id == info->finished_runs.back());

  sqlite3* h = reader->handle();
  std::string run3 = std::to_string(info->finished_runs.back());
  auto values = [&](const char* column) {
    return query_strings(h, std::string("SELECT DISTINCT ") + column +
                                " FROM domain_results WHERE run_id = " + run3);
  };
  CHECK(values("mail") == std::set<std::string>{"receives", "null_mx", "no_mail", "error"});
  CHECK(values("dnssec") == std::set<std::string>{"secure", "insecure", "bogus", "error", "n/a"});
  CHECK(values("starttls") ==
        std::set<std::string>{"all", "partial", "none", "unreachable", "n/a"});
  CHECK(values("dane") ==
        std::set<std::string>{"valid", "invalid", "partial", "untested", "none", "n/a"});
  CHECK(values("dane_rollover") == std::set<std::string>{"yes", "no", "n/a"});
  CHECK(values("protected") == std::set<std::string>{"0", "1"});
  CHECK(values("tls_quality") == std::set<std::string>{"good", "sufficient", "phase_out",
                                                       "insufficient", "incomplete", "n/a"});
  // Every item value, and assessed addresses with their items in v_tls_items.
  CHECK(query_strings(h, "SELECT DISTINCT value FROM v_tls_items WHERE run = " + run3).size() == 6);
  CHECK(query_strings(h, "SELECT DISTINCT state FROM v_tls_items WHERE run = " + run3).size() == 3);
  CHECK(query_int(h, ("SELECT count(*) FROM probes WHERE tls IS NULL AND outcome = 'starttls_ok' "
                      "AND run_id = " +
                      run3)
                         .c_str()) > 0);
  CHECK(values("sector") ==
        std::set<std::string>{"rijk", "provincie", "gemeente", "waterschap", "overig"});
  // Every ProbeOutcome and DaneFailReason of measurement.hpp (13 and 6 + none).
  CHECK(query_strings(h, "SELECT DISTINCT outcome FROM probes WHERE run_id = " + run3).size() ==
        13);
  CHECK(query_strings(h, "SELECT DISTINCT dane_reason FROM probes WHERE run_id = " + run3).size() ==
        7);
  CHECK(query_int(
            h, ("SELECT count(*) FROM domain_results WHERE incomplete <> '[]' AND run_id = " + run3)
                   .c_str()) == 1);
  CHECK(query_int(
            h, ("SELECT count(*) FROM domain_results WHERE unmeasured <> '[]' AND run_id = " + run3)
                   .c_str()) == 2);
  CHECK(query_int(h, "SELECT count(*) FROM dns_answers WHERE attempts > 1") > 0);
  CHECK_FALSE((*runs)[0].routes.has_value());
  CHECK((*runs)[2].routes == std::optional<RouteCheck>(RouteCheck{true, false}));
  CHECK(query_strings(h, "SELECT DISTINCT status FROM mx_hosts WHERE run_id = " + run3).size() ==
        4);
  CHECK(query_strings(h, "SELECT DISTINCT pkix FROM probes WHERE run_id = " + run3).size() == 3);
  CHECK(query_strings(h, "SELECT DISTINCT class FROM dns_answers").size() == 5);
}

TEST_CASE("shared MX hosts and probes are stored once per run", "[storage][dedup]") {
  test::TempDir dir;
  auto db = dir.file("fixture.db");
  auto info = testing::make_fixture_db(db);
  REQUIRE(info.has_value());
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  sqlite3* h = reader->handle();
  // mail.provider-a.nl serves three domains in the last run (dane-valid, dane-valid-insecure-mx,
  // dane-partial): one host row, two probe rows (IPv4 and IPv6).
  std::string run3 = std::to_string(info->finished_runs.back());
  CHECK(query_int(h, ("SELECT count(*) FROM mx_hosts WHERE name = 'mail.provider-a.nl' AND "
                      "run_id = " +
                      run3)
                         .c_str()) == 1);
  CHECK(query_int(h, ("SELECT count(*) FROM probes WHERE host = 'mail.provider-a.nl' AND "
                      "run_id = " +
                      run3)
                         .c_str()) == 2);
  CHECK(query_int(h, ("SELECT count(*) FROM domain_mx m JOIN mx_hosts x ON x.id = m.mx_host_id "
                      "WHERE x.name = 'mail.provider-a.nl' AND x.run_id = " +
                      run3)
                         .c_str()) == 3);
  // (run, host, ip) is unique whenever the evidence is equal.
  CHECK(query_int(h,
                  "SELECT count(*) FROM (SELECT run_id, host, ip FROM probes GROUP BY 1, 2, 3 "
                  "HAVING count(*) > 1)") == 0);
}

TEST_CASE("writer with a domain submitted twice stores it once", "[storage][writer]") {
  test::TempDir dir;
  auto db = dir.file("w.db");
  auto results = testing::fixture_results(2);
  RunStart start;
  start.label = "t";
  start.domain_total = 3;
  auto w = RunWriter::begin(db, start);
  REQUIRE(w.has_value());
  (*w)->submit(results[0]);
  (*w)->submit(results[1]);
  REQUIRE((*w)->flush().has_value());
  (*w)->submit(results[0]);
  REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  CHECK((*w)->written() == 2);
  CHECK((*w)->duplicates() == 1);
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  auto run = reader->resolve_run("latest");
  REQUIRE(run.has_value());
  CHECK(run->domains_done == 2);
  CHECK(run->label == "t");
}
