// Export: golden files for JSONL and CSV of the fixture database, the exact key set of
// interface.md at every level, and the null rules.
// Regenerate the golden files after a deliberate change with
//   NULMETING_UPDATE_GOLDEN=1 build/<dir>/tests/test_storage "[golden]"
// and review the diff.
#include "compare.hpp"
#include "support/fixture.hpp"

#include <nulmeting/storage/export.hpp>
#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

using namespace nulmeting;
using namespace nulmeting::storage;

namespace {

std::string golden_path(const std::string& name) {
  return std::string(NULMETING_SOURCE_DIR) + "/tests/storage/golden/" + name;
}

void check_golden(const std::string& name, const std::string& actual) {
  auto path = golden_path(name);
  if (std::getenv("NULMETING_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << actual;
    WARN("updated " << path);
    return;
  }
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  // Compare line by line, so that a failure shows the first differing line.
  std::istringstream want(ss.str()), got(actual);
  std::string w, g;
  int line = 0;
  while (true) {
    bool more_w = static_cast<bool>(std::getline(want, w));
    bool more_g = static_cast<bool>(std::getline(got, g));
    ++line;
    INFO(name << " line " << line);
    REQUIRE(more_w == more_g);
    if (!more_w) break;
    REQUIRE(g == w);
  }
}

struct Fixture {
  test::TempDir dir;
  std::string db = dir.file("fixture.db");
  testing::FixtureInfo info;
  Fixture() {
    auto i = testing::make_fixture_db(db);
    REQUIRE(i.has_value());
    info = *i;
  }
};

std::set<std::string> keys(const nlohmann::json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

}  // namespace

TEST_CASE("JSONL export of the fixture matches the golden file", "[storage][export][golden]") {
  Fixture f;
  auto reader = Reader::open(f.db);
  REQUIRE(reader.has_value());
  for (std::size_t i = 0; i < f.info.finished_runs.size(); ++i) {
    std::ostringstream out;
    auto n = export_jsonl(*reader, f.info.finished_runs[i], out);
    REQUIRE(n.has_value());
    check_golden("run" + std::to_string(f.info.finished_runs[i]) + ".jsonl", out.str());
  }
}

TEST_CASE("CSV export of the fixture matches the golden file", "[storage][export][golden]") {
  Fixture f;
  auto reader = Reader::open(f.db);
  REQUIRE(reader.has_value());
  std::ostringstream out;
  auto n = export_csv(*reader, f.info.finished_runs.back(), out);
  REQUIRE(n.has_value());
  CHECK(*n == 25);
  check_golden("run" + std::to_string(f.info.finished_runs.back()) + ".csv", out.str());
}

TEST_CASE("CSV export neutralises spreadsheet formulas in organisation names",
          "[storage][export]") {
  test::TempDir dir;
  auto db = dir.file("w.db");
  auto results = testing::fixture_results(2);
  results.resize(1);
  results[0].entry.organization = "=HYPERLINK(\"http://x\",\"y\")";
  auto w = RunWriter::begin(db, RunStart{});
  REQUIRE(w.has_value());
  (*w)->submit(results[0]);
  REQUIRE((*w)->finish(RunStatus::Finished).has_value());
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  std::ostringstream out;
  REQUIRE(export_csv(*reader, (*w)->run_id(), out).has_value());
  CHECK(out.str().find(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",") != std::string::npos);
}

TEST_CASE("a schema-2 database exports after migration (golden)", "[storage][export][golden]") {
  // What nulmeting wrote before schema 3 exports as it did, plus the fields schema 3 added
  // (incomplete and unmeasured [], host status, dane_reason): compare migrated-v2-run3.jsonl
  // with run3.jsonl of commit 9b81ffa.
  test::TempDir dir;
  auto db = dir.file("v2.db");
  {
    std::ifstream in(std::string(NULMETING_SOURCE_DIR) + "/tests/storage/fixtures/schema-v2.sql");
    REQUIRE(in.good());
    std::stringstream sql;
    sql << in.rdbuf();
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &raw) == SQLITE_OK);
    CHECK(sqlite3_exec(raw, sql.str().c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto reader = Reader::open(db);
  REQUIRE(reader.has_value());
  std::ostringstream jsonl, csv;
  REQUIRE(export_jsonl(*reader, 3, jsonl).has_value());
  REQUIRE(export_csv(*reader, 3, csv).has_value());
  check_golden("migrated-v2-run3.jsonl", jsonl.str());
  check_golden("migrated-v2-run3.csv", csv.str());
}

TEST_CASE("runs table lists every run", "[storage][export][golden]") {
  Fixture f;
  auto reader = Reader::open(f.db);
  REQUIRE(reader.has_value());
  auto runs = reader->runs();
  REQUIRE(runs.has_value());
  check_golden("runs.txt", format_runs_table(*runs));
}

TEST_CASE("JSONL objects have exactly the fields of interface.md", "[storage][export]") {
  Fixture f;
  auto reader = Reader::open(f.db);
  REQUIRE(reader.has_value());
  // interface.md's fields, plus `unmeasured`, the TLS evidence `tls` per address and the §5
  // verdicts with their evidence objects (fields may be added, none removed).
  const std::set<std::string> top{"run",
                                  "domain",
                                  "organization",
                                  "sector",
                                  "mail",
                                  "dnssec",
                                  "starttls",
                                  "tls_quality",
                                  "dane",
                                  "dane_rollover",
                                  "protected",
                                  "incomplete",
                                  "unmeasured",
                                  "mta_sts",
                                  "mta_sts_evidence",
                                  "spf",
                                  "spf_policy",
                                  "dmarc",
                                  "dmarc_policy",
                                  "dkim",
                                  "tls_rpt",
                                  "mail_standards",
                                  "mx"};
  const std::set<std::string> mx{"name",           "preference", "status",
                                 "address_dnssec", "tlsa",       "addresses"};
  const std::set<std::string> tlsa{"status", "base", "records", "usable"};
  const std::set<std::string> addr{"ip",    "outcome",     "tls_version", "cipher",
                                   "group", "dane",        "dane_reason", "dane_depth",
                                   "pkix",  "tls_quality", "error",       "tls"};
  const std::set<std::string> tls{"items",          "versions_accepted",    "preferred_suite",
                                  "dh_group",       "client_renegotiation", "connections",
                                  "unknown_reasons"};
  int tls_null = 0, tls_obj = 0;
  int tlsa_null = 0, tlsa_obj = 0, dane_null = 0, depth_null = 0, pkix_null = 0;
  std::set<std::string> seen_dane;
  auto n = reader->for_each_domain(f.info.finished_runs.back(), [&](const DomainResult& r) {
    auto j = nlohmann::json::parse(domain_json(f.info.finished_runs.back(), r).dump());
    CHECK(keys(j) == top);
    CHECK(j["protected"].is_boolean());
    CHECK(j["incomplete"].is_array());
    CHECK(j["unmeasured"].is_array());
    CHECK(j["dane"] == std::string(to_string(r.verdict.dane)));
    for (std::size_t i = 0; i < r.mx.size(); ++i) {
      const auto& m = j["mx"][i];
      CHECK(keys(m) == mx);
      if (m["tlsa"].is_null()) {
        ++tlsa_null;
        CHECK_FALSE(r.mx[i].tlsa.has_value());
      } else {
        ++tlsa_obj;
        CHECK(keys(m["tlsa"]) == tlsa);
      }
      for (const auto& a : m["addresses"]) {
        CHECK(keys(a) == addr);
        if (a["dane"].is_null())
          ++dane_null;
        else
          seen_dane.insert(a["dane"].get<std::string>());
        if (a["dane_depth"].is_null()) ++depth_null;
        CHECK(a["dane_reason"].is_null() == (a["dane"] != "failed"));
        if (a["pkix"].is_null()) ++pkix_null;
        if (a["outcome"] != "starttls_ok") CHECK(a["tls_version"].is_null());
        if (a["tls"].is_null()) {
          ++tls_null;
          CHECK((a["outcome"] != "starttls_ok" ? a["tls_quality"] == "n/a" : true));
        } else {
          ++tls_obj;
          CHECK(keys(a["tls"]) == tls);
          CHECK(a["tls"]["items"].size() == 12);
          CHECK(a["tls"]["items"]["protocol_versions"]["value"].is_string());
          CHECK(a["tls"]["items"]["protocol_versions"]["found"].is_array());
        }
      }
    }
    return true;
  });
  REQUIRE(n.has_value());
  CHECK(tlsa_null > 0);
  CHECK(tlsa_obj > 0);
  CHECK(dane_null > 0);
  CHECK(depth_null > 0);
  CHECK(pkix_null > 0);
  CHECK(seen_dane == std::set<std::string>{"authenticated", "failed"});
  CHECK(tls_null > 0);
  CHECK(tls_obj > 0);
}
