// merge: shard databases of one plan into one run (storage/merge.hpp). The fixture's run 3
// (25 domains, MX hosts shared by many of them) is written once as a one-machine run and once
// as three shards that split the shared hosts' domains on purpose; the merged run must export
// exactly as the one-machine run (ignoring the run id), store each shared host and probe once,
// change nothing when merged again, and every bad set of shards must be refused naming the
// file, with nothing written.
#include "compare.hpp"
#include "support/fixture.hpp"

#include <nulmeting/storage/export.hpp>
#include <nulmeting/storage/merge.hpp>
#include <nulmeting/storage/reader.hpp>
#include <nulmeting/storage/run_writer.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <sstream>

using namespace nulmeting;
using namespace nulmeting::storage;

namespace {

constexpr const char* kPlan = "sha256:plan";
constexpr int kShards = 3;

RunStart start_for(std::int64_t total) {
  RunStart s;
  s.label = "nightly";
  s.list_path = "list.csv";
  s.list_checksum = "sha256:list";
  s.options_json = R"({"per_ip":2})";
  s.domain_total = total;
  s.routes = RouteCheck{true, false};
  return s;
}

void write_run(const std::string& path, const RunStart& start,
               const std::vector<DomainResult>& results, RunStatus status = RunStatus::Finished) {
  auto w = RunWriter::begin(path, start);
  REQUIRE(w);
  for (const auto& r : results) (*w)->submit(r);
  REQUIRE((*w)->finish(status, R"({"domains_measured":)" + std::to_string(results.size()) + "}"));
}

// Shard k gets every third domain of the list: domains behind one shared host land in
// different shards, so merge must find the shared rows again.
std::vector<DomainResult> shard_part(const std::vector<DomainResult>& all, int k) {
  std::vector<DomainResult> out;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (static_cast<int>(i % kShards) == k) out.push_back(all[i]);
  return out;
}

std::string write_shard(const test::TempDir& dir, const std::vector<DomainResult>& all, int k,
                        const std::string& name = "",
                        const std::function<void(RunStart&)>& change = {}) {
  const auto part = shard_part(all, k);
  RunStart s = start_for(static_cast<std::int64_t>(part.size()));
  s.shard = ShardOfRun{k, kShards, kPlan};
  if (change) change(s);
  const std::string path = dir.file(name.empty() ? "shard" + std::to_string(k) + ".db" : name);
  write_run(path, s, part);
  return path;
}

// The JSONL export of a run, without the run id.
std::vector<std::string> export_lines(const std::string& db, std::int64_t run) {
  auto reader = Reader::open(db);
  REQUIRE(reader);
  std::ostringstream out;
  REQUIRE(export_jsonl(*reader, run, out));
  std::vector<std::string> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::ordered_json::parse(line);
    j.erase("run");
    lines.push_back(j.dump());
  }
  return lines;
}

std::string sql1(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != nullptr)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(h);
  return out;
}

void sql_exec(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(h);
}

struct Shards {
  test::TempDir dir;
  std::vector<DomainResult> all = testing::fixture_results(2);
  std::string whole = dir.file("whole.db");
  std::vector<std::string> paths;
  Shards() {
    write_run(whole, start_for(static_cast<std::int64_t>(all.size())), all);
    for (int k = 0; k < kShards; ++k) paths.push_back(write_shard(dir, all, k));
  }
};

// A refusal: BadDatabase whose message names `file` and says `why`, output never created.
void check_refused(const std::string& out, const std::vector<std::string>& paths,
                   const std::string& file, const std::string& why) {
  auto r = merge_shards(out, MergeRequest{paths, std::nullopt});
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().kind == StorageError::Kind::BadDatabase);
  CHECK(r.error().message.find(file) != std::string::npos);
  CHECK(r.error().message.find(why) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
}

}  // namespace

TEST_CASE("merge: three shards make the one-machine run, shared rows stored once", "[merge]") {
  Shards s;
  const std::string out = s.dir.file("merged.db");
  // Shards given out of order: merge orders them by index.
  auto r = merge_shards(out, MergeRequest{{s.paths[2], s.paths[0], s.paths[1]}, std::nullopt});
  REQUIRE(r);
  CHECK_FALSE(r->already_merged);
  CHECK(r->shards == kShards);
  CHECK(r->domains == static_cast<std::int64_t>(s.all.size()));
  CHECK(r->hosts_shared > 0);  // the fixture's provider hosts serve domains of every shard
  CHECK(r->probes_shared > 0);

  CHECK(export_lines(out, r->run_id) == export_lines(s.whole, 1));
  const std::string id = std::to_string(r->run_id);
  for (const char* table : {"mx_hosts", "probes"}) {
    INFO(table);
    CHECK(sql1(out, std::string("SELECT count(*) FROM ") + table + " WHERE run_id = " + id) ==
          sql1(s.whole, std::string("SELECT count(*) FROM ") + table + " WHERE run_id = 1"));
  }
  for (const char* table : {"dns_answers", "tlsa_records", "addresses", "domain_mx", "tls_items",
                            "mta_sts", "organisations", "domains"}) {
    INFO(table);
    CHECK(sql1(out, std::string("SELECT count(*) FROM ") + table) ==
          sql1(s.whole, std::string("SELECT count(*) FROM ") + table));
  }
  CHECK(sql1(out,
             "SELECT status || ' ' || label || ' ' || domain_total || ' ' || shard_count || "
             "' ' || plan_digest || ' ' || (shard_index IS NULL) || ' ' || "
             "contract_version || ' ' || routes FROM runs WHERE id = " +
                 id) == "finished nightly 25 3 sha256:plan 1 2 {\"ipv4\":true,\"ipv6\":false}");
  CHECK(sql1(out, "SELECT summary ->> '$.domains_measured' FROM runs WHERE id = " + id) == "25");
  CHECK(sql1(out, "SELECT json_array_length(merged_from, '$.shards') FROM runs") == "3");
  CHECK(sql1(out, "PRAGMA integrity_check") == "ok");
  CHECK(sql1(out, "SELECT count(*) FROM v_latest_verdict") == "25");
}

TEST_CASE("merge: merging the same shards twice changes nothing", "[merge]") {
  Shards s;
  const std::string out = s.dir.file("merged.db");
  auto first = merge_shards(out, MergeRequest{s.paths, std::nullopt});
  REQUIRE(first);
  const auto rows = [&] {
    return sql1(out,
                "SELECT (SELECT count(*) FROM runs) || ' ' || (SELECT count(*) FROM "
                "domain_results) || ' ' || (SELECT count(*) FROM probes) || ' ' || (SELECT "
                "count(*) FROM mx_hosts) || ' ' || (SELECT count(*) FROM dns_answers)");
  };
  const std::string before = rows();
  auto again = merge_shards(out, MergeRequest{{s.paths[1], s.paths[2], s.paths[0]}, "other"});
  REQUIRE(again);
  CHECK(again->already_merged);
  CHECK(again->run_id == first->run_id);
  CHECK(again->domains == first->domains);
  CHECK(rows() == before);
  CHECK(sql1(out, "SELECT label FROM runs") == "nightly");

  // Into a database that already holds other runs: a new run beside them, ids remapped.
  auto r = merge_shards(s.whole, MergeRequest{s.paths, "merged"});
  REQUIRE(r);
  CHECK(r->run_id == 2);
  CHECK(export_lines(s.whole, 2) == export_lines(s.whole, 1));
  CHECK(sql1(s.whole, "SELECT count(*) FROM domains") == "25");
}

TEST_CASE("merge: refuses a missing, a doubled or a foreign shard, naming the file", "[merge]") {
  Shards s;
  const std::string out = s.dir.file("never.db");
  SECTION("missing shard") { check_refused(out, {s.paths[0], s.paths[2]}, "1", "missing"); }
  SECTION("doubled shard") {
    check_refused(out, {s.paths[0], s.paths[1], s.paths[1]}, s.paths[1], "both shard 1/3");
    // Another file with the same index is doubled too.
    const auto copy = write_shard(s.dir, s.all, 1, "copy1.db");
    check_refused(out, {s.paths[0], s.paths[1], s.paths[2], copy}, "copy1.db", "both shard 1/3");
  }
  SECTION("another list") {
    const auto other = write_shard(s.dir, s.all, 1, "other-list.db",
                                   [](RunStart& r) { r.list_checksum = "sha256:another"; });
    check_refused(out, {s.paths[0], other, s.paths[2]}, other, "another list");
  }
  SECTION("other options") {
    const auto other = write_shard(s.dir, s.all, 2, "other-options.db",
                                   [](RunStart& r) { r.options_json = R"({"per_ip":8})"; });
    check_refused(out, {s.paths[0], s.paths[1], other}, other, "other options");
  }
  SECTION("another plan or N") {
    const auto other = write_shard(s.dir, s.all, 2, "other-plan.db",
                                   [](RunStart& r) { r.shard->plan_digest = "sha256:x"; });
    check_refused(out, {s.paths[0], s.paths[1], other}, other, "another plan");
    const auto four =
        write_shard(s.dir, s.all, 2, "four.db", [](RunStart& r) { r.shard->count = 4; });
    check_refused(out, {s.paths[0], s.paths[1], four}, four, "another plan");
  }
  SECTION("another contract version") {
    sql_exec(s.paths[1], "UPDATE runs SET contract_version = 1");
    check_refused(out, {s.paths[0], s.paths[1], s.paths[2]}, s.paths[1], "contract version 1");
    check_refused(out, {s.paths[1], s.paths[0], s.paths[2]}, s.paths[1], "contract version 1");
  }
  SECTION("an unfinished shard") {
    const auto part = shard_part(s.all, 0);
    RunStart st = start_for(static_cast<std::int64_t>(part.size()));
    st.shard = ShardOfRun{0, kShards, kPlan};
    const auto aborted = s.dir.file("aborted.db");
    write_run(aborted, st, {part.front()}, RunStatus::Aborted);
    check_refused(out, {aborted, s.paths[1], s.paths[2]}, aborted, "not finished");
  }
  SECTION("a run of the whole list is no shard") {
    check_refused(out, {s.whole, s.paths[1], s.paths[2]}, s.whole, "not a shard");
  }
  SECTION("a file that is no nulmeting database") {
    const auto junk = s.dir.file("junk.db");
    sql_exec(junk, "CREATE TABLE t(x)");
    check_refused(out, {s.paths[0], junk, s.paths[2]}, junk, "not a nulmeting database");
  }
}
