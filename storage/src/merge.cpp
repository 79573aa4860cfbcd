// merge.cpp — shard databases into one run (see merge.hpp).
//
// How the copy works: per shard, new ids are the shard's ids plus an offset (the output's
// largest id so far), except for MX hosts and probes, which are first looked up by their
// natural key in the merged run (a host shared by shards is stored once, as one machine
// stores it) and otherwise get their shifted id; temp tables map old ids to new ones. Column
// lists are read from the schema (PRAGMA table_info), so a column a later schema step adds is
// copied too; a TABLE this code does not know is refused, because its rows could not be
// remapped (a later schema step must teach merge about it).
#include "schema.hpp"
#include "sqlite.hpp"

#include <nulmeting/storage/merge.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace nulmeting::storage {
namespace {

using detail::exec;
using detail::Stmt;

// What merge knows how to copy (and in which order); everything else in a database is refused.
const std::set<std::string> kKnownTables{
    "runs",        "organisations", "domains", "domain_results", "mx_hosts",  "domain_mx",
    "dns_answers", "tlsa_records",  "probes",  "addresses",      "tls_items", "mta_sts"};

struct ShardRun {
  std::string path;
  std::int64_t run_id = 0;
  int index = 0, count = 0, contract = 0;
  std::string plan_digest, list_checksum, list_path, options, versions, label, status;
  std::string started_at, finished_at;
  std::optional<std::string> routes, summary;
  std::int64_t domain_total = 0, resumes = 0, stored = 0;
};

StorageError refuse(const std::string& msg) { return {StorageError::Kind::BadDatabase, msg}; }

// Reads the newest run of one shard file, read-only.
std::expected<ShardRun, StorageError> read_shard(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return std::unexpected(StorageError{StorageError::Kind::NotFound, "shard not found: " + path});
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  detail::SqlitePtr db(raw);
  if (rc != SQLITE_OK)
    return std::unexpected(refuse(path + ": cannot open: " + sqlite3_errstr(rc)));
  sqlite3_busy_timeout(db.get(), 10000);
  ShardRun s;
  s.path = path;
  try {
    const int version = detail::user_version(db.get());
    if (version == 0) return std::unexpected(refuse(path + ": not a nulmeting database"));
    if (version != kSchemaVersion)
      return std::unexpected(refuse(path + ": written with database schema " +
                                    std::to_string(version) + ", this nulmeting " +
                                    "merges schema " + std::to_string(kSchemaVersion) +
                                    " (shards must be measured by the same nulmeting)"));
    Stmt r(db.get(),
           "SELECT id, status, shard_index, shard_count, plan_digest, contract_version, "
           "list_checksum, list_path, options, versions, label, started_at, "
           "coalesce(finished_at, ''), routes, summary, domain_total, resumes, "
           "(SELECT count(*) FROM domain_results WHERE run_id = runs.id) "
           "FROM runs ORDER BY id DESC LIMIT 1");
    if (!r.step()) return std::unexpected(refuse(path + ": has no run"));
    s.run_id = r.i64(0);
    s.status = r.text(1);
    if (r.is_null(2) || r.is_null(3) || r.is_null(4))
      return std::unexpected(refuse(path + ": run " + std::to_string(s.run_id) +
                                    " is not a shard (scan --shard I/N --plan PLAN)"));
    s.index = r.i32(2);
    s.count = r.i32(3);
    s.plan_digest = r.text(4);
    s.contract = r.is_null(5) ? 0 : r.i32(5);
    s.list_checksum = r.text(6);
    s.list_path = r.text(7);
    s.options = r.text(8);
    s.versions = r.text(9);
    s.label = r.text(10);
    s.started_at = r.text(11);
    s.finished_at = r.text(12);
    s.routes = r.opt_text(13);
    s.summary = r.opt_text(14);
    s.domain_total = r.i64(15);
    s.resumes = r.i64(16);
    s.stored = r.i64(17);
  } catch (const std::exception& e) {
    return std::unexpected(refuse(path + ": " + e.what()));
  }
  if (s.status != "finished")
    return std::unexpected(refuse(path + ": shard " + std::to_string(s.index) + "/" +
                                  std::to_string(s.count) + " is " + s.status +
                                  ", not finished (finish it with scan --resume)"));
  return s;
}

// Every shard from the same list, options, contract and plan; each index once, none missing.
std::optional<StorageError> check_set(const std::vector<ShardRun>& shards) {
  const ShardRun& a = shards.front();
  if (a.contract != kContractVersion)
    return refuse(a.path + ": measured under measurement contract version " +
                  std::to_string(a.contract) + ", this nulmeting merges version " +
                  std::to_string(kContractVersion));
  std::map<int, const ShardRun*> seen;
  for (const auto& s : shards) {
    if (s.contract != a.contract)
      return refuse(s.path + ": measured under measurement contract version " +
                    std::to_string(s.contract) + ", " + a.path + " under " +
                    std::to_string(a.contract));
    if (s.list_checksum != a.list_checksum)
      return refuse(s.path + ": a shard of another list (" + s.list_checksum + ", " + a.path +
                    ": " + a.list_checksum + ")");
    if (s.options != a.options)
      return refuse(s.path + ": measured with other options than " + a.path + " (" + s.options +
                    " vs " + a.options + ")");
    if (s.count != a.count || s.plan_digest != a.plan_digest)
      return refuse(s.path + ": shard " + std::to_string(s.index) + "/" + std::to_string(s.count) +
                    " of another plan than " + a.path + " (" + s.plan_digest + " vs " +
                    a.plan_digest + ")");
    if (s.index < 0 || s.index >= s.count)
      return refuse(s.path + ": shard index " + std::to_string(s.index) + " out of range");
    if (auto [it, fresh] = seen.emplace(s.index, &s); !fresh)
      return refuse(s.path + " and " + it->second->path + " are both shard " +
                    std::to_string(s.index) + "/" + std::to_string(s.count));
  }
  std::string missing;
  for (int i = 0; i < a.count; ++i)
    if (!seen.contains(i)) missing += (missing.empty() ? "" : ", ") + std::to_string(i);
  if (!missing.empty())
    return refuse("shard(s) " + missing + " of " + std::to_string(a.count) + " missing (the plan " +
                  a.plan_digest + " has " + std::to_string(a.count) +
                  " shards; given: " + std::to_string(shards.size()) + " files)");
  return std::nullopt;
}

// The merge key: the plan and each shard run's identity. Equal keys = the same shard runs.
std::string merge_key(const std::vector<const ShardRun*>& ordered) {
  std::string k = ordered.front()->plan_digest;
  for (const auto* s : ordered)
    k += "|" + std::to_string(s->index) + ":" + s->started_at + ":" + s->finished_at + ":" +
         std::to_string(s->stored);
  return k;
}

// The runs.summary of the merged run: counts summed, durations and peaks the largest, the
// lowest DNS limit the smallest, interrupted if any was, routes only where every shard had one.
std::string merged_summary(const std::vector<const ShardRun*>& ordered) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto* s : ordered) {
    if (!s->summary) continue;
    auto j = nlohmann::ordered_json::parse(*s->summary, nullptr, false);
    if (!j.is_object()) continue;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const auto& v = it.value();
      if (!out.contains(k)) {
        out[k] = v;
        continue;
      }
      auto& o = out[k];
      if (k == "routes" && v.is_object() && o.is_object()) {
        for (auto r = v.begin(); r != v.end(); ++r)
          o[r.key()] = o.value(r.key(), false) && r.value().is_boolean() && r.value().get<bool>();
      } else if (v.is_boolean() && o.is_boolean()) {
        o = o.get<bool>() || v.get<bool>();
      } else if (v.is_number() && o.is_number()) {
        if (k == "seconds" || k == "peak_rss_bytes" || k == "dns_limit")
          o = std::max(o.get<double>(), v.get<double>());
        else if (k == "dns_limit_lowest")
          o = std::min(o.get<double>(), v.get<double>());
        else if (v.is_number_integer() && o.is_number_integer())
          o = o.get<std::int64_t>() + v.get<std::int64_t>();
        else
          o = o.get<double>() + v.get<double>();
      }
    }
  }
  out["shards"] = ordered.size();
  return out.dump();
}

std::vector<std::string> columns(sqlite3* db, const std::string& table) {
  Stmt s(db, "SELECT name FROM pragma_table_info(?1, 'main') ORDER BY cid");
  s.bind(1, table);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::int64_t scalar(sqlite3* db, const std::string& sql) {
  Stmt s(db, sql.c_str());
  s.step();
  return s.i64(0);
}

// INSERT INTO main.<table> (every column) SELECT <override or x.column> <from_where>: the
// source rows are aliased `x`.
void copy_rows(sqlite3* db, const std::string& table, const std::map<std::string, std::string>& set,
               const std::string& from_where) {
  std::string cols, exprs;
  for (const auto& c : columns(db, table)) {
    cols += (cols.empty() ? "" : ", ") + c;
    auto it = set.find(c);
    exprs += (exprs.empty() ? "" : ", ") + (it != set.end() ? it->second : "x." + c);
  }
  exec(
      db,
      ("INSERT INTO main." + table + " (" + cols + ") SELECT " + exprs + " " + from_where).c_str());
}

// Fills `map` (old, new, fresh) for the shard's rows of `table`: the id of the merged run's row
// with the same natural key (`same`, over aliases m = merged, x = shard) when one exists — a host
// or probe another shard already brought — else a fresh id above every id in the table.
void map_by_natural_key(sqlite3* db, const std::string& table, const std::string& map,
                        const std::string& a, const std::string& run, const std::string& source_run,
                        const std::string& same) {
  const std::string offset =
      std::to_string(scalar(db, "SELECT coalesce(max(id), 0) FROM main." + table));
  exec(db, ("INSERT INTO " + map + "(old, new) SELECT x.id, (SELECT m.id FROM main." + table +
            " m WHERE m.run_id = " + run + " AND " + same + ") FROM " + a + "." + table +
            " x WHERE x.run_id = " + source_run)
               .c_str());
  exec(db,
       ("UPDATE " + map + " SET fresh = (new IS NULL), new = coalesce(new, old + " + offset + ")")
           .c_str());
}

// Copies one shard's run (attached as `alias`) into run `run` of the output.
void copy_shard(sqlite3* db, const std::string& a, std::int64_t source_run, std::int64_t run,
                MergeOutcome& out) {
  const std::string R = std::to_string(source_run), N = std::to_string(run);
  exec(db,
       "DELETE FROM temp.org_map; DELETE FROM temp.dom_map; DELETE FROM temp.host_map; "
       "DELETE FROM temp.probe_map;");
  // Organisations and domains by name (domains keep the latest list data, as a scan does).
  exec(db, ("INSERT INTO main.organisations(name) SELECT name FROM " + a +
            ".organisations WHERE id IN (SELECT organisation_id FROM " + a +
            ".domain_results WHERE run_id = " + R + " UNION SELECT d.organisation_id FROM " + a +
            ".domains d JOIN " + a + ".domain_results r ON r.domain_id = d.id WHERE r.run_id = " +
            R + ") ON CONFLICT(name) DO NOTHING")
               .c_str());
  exec(db, ("INSERT INTO temp.org_map SELECT so.id, mo.id FROM " + a +
            ".organisations so JOIN main.organisations mo ON mo.name = so.name")
               .c_str());
  exec(db, ("INSERT INTO main.domains(name, display, organisation_id, sector, tags) "
            "SELECT d.name, d.display, om.new, d.sector, d.tags FROM " +
            a +
            ".domains d LEFT JOIN temp.org_map om ON om.old = d.organisation_id WHERE d.id IN "
            "(SELECT domain_id FROM " +
            a + ".domain_results WHERE run_id = " + R + ") " +
            "ON CONFLICT(name) DO UPDATE SET display = excluded.display, organisation_id = "
            "excluded.organisation_id, sector = excluded.sector, tags = excluded.tags")
               .c_str());
  exec(db, ("INSERT INTO temp.dom_map SELECT sd.id, md.id FROM " + a +
            ".domains sd JOIN main.domains md ON md.name = sd.name WHERE sd.id IN "
            "(SELECT domain_id FROM " +
            a + ".domain_results WHERE run_id = " + R + ")")
               .c_str());

  // Domain results, shifted past the output's ids; seq continues the run's order.
  const std::string off_dr =
      std::to_string(scalar(db, "SELECT coalesce(max(id), 0) FROM main.domain_results"));
  const std::string off_seq = std::to_string(
      scalar(db, "SELECT coalesce(max(seq), 0) FROM main.domain_results WHERE run_id = " + N));
  copy_rows(db, "domain_results",
            {{"id", "x.id + " + off_dr},
             {"run_id", N},
             {"domain_id", "dm.new"},
             {"organisation_id", "om.new"},
             {"seq", "x.seq + " + off_seq}},
            "FROM " + a + ".domain_results x JOIN temp.dom_map dm ON dm.old = x.domain_id " +
                "LEFT JOIN temp.org_map om ON om.old = x.organisation_id WHERE x.run_id = " + R);
  const std::string of_run =
      " JOIN " + a + ".domain_results r ON r.id = x.domain_result_id " + "WHERE r.run_id = " + R;
  copy_rows(db, "mta_sts", {{"domain_result_id", "x.domain_result_id + " + off_dr}},
            "FROM " + a + ".mta_sts x" + of_run);

  // Probes and MX hosts: the merged run's row with the same natural key, else a new one.
  map_by_natural_key(db, "probes", "temp.probe_map", a, N, R,
                     "m.host = x.host AND m.ip = x.ip AND m.content_hash = x.content_hash");
  map_by_natural_key(db, "mx_hosts", "temp.host_map", a, N, R,
                     "m.name = x.name AND m.content_hash = x.content_hash");
  out.probes_shared += scalar(db, "SELECT count(*) FROM temp.probe_map WHERE NOT fresh");
  out.hosts_shared += scalar(db, "SELECT count(*) FROM temp.host_map WHERE NOT fresh");

  copy_rows(db, "probes", {{"id", "pm.new"}, {"run_id", N}},
            "FROM " + a + ".probes x JOIN temp.probe_map pm ON pm.old = x.id WHERE pm.fresh");
  copy_rows(db, "tls_items", {{"probe_id", "pm.new"}},
            "FROM " + a + ".tls_items x JOIN temp.probe_map pm ON pm.old = x.probe_id " +
                "WHERE pm.fresh");
  copy_rows(db, "mx_hosts", {{"id", "hm.new"}, {"run_id", N}},
            "FROM " + a + ".mx_hosts x JOIN temp.host_map hm ON hm.old = x.id WHERE hm.fresh");
  copy_rows(db, "tlsa_records", {{"mx_host_id", "hm.new"}},
            "FROM " + a + ".tlsa_records x JOIN temp.host_map hm ON hm.old = x.mx_host_id " +
                "WHERE hm.fresh");
  copy_rows(db, "addresses", {{"mx_host_id", "hm.new"}, {"probe_id", "pm.new"}},
            "FROM " + a + ".addresses x JOIN temp.host_map hm ON hm.old = x.mx_host_id " +
                "JOIN temp.probe_map pm ON pm.old = x.probe_id WHERE hm.fresh");
  copy_rows(db, "domain_mx",
            {{"domain_result_id", "x.domain_result_id + " + off_dr}, {"mx_host_id", "hm.new"}},
            "FROM " + a + ".domain_mx x JOIN temp.host_map hm ON hm.old = x.mx_host_id" + of_run);

  // DNS answers: the domains' (MX) and those of the MX hosts stored just now.
  const std::string off_da =
      std::to_string(scalar(db, "SELECT coalesce(max(id), 0) FROM main.dns_answers"));
  copy_rows(db, "dns_answers",
            {{"id", "x.id + " + off_da}, {"domain_result_id", "x.domain_result_id + " + off_dr}},
            "FROM " + a + ".dns_answers x" + of_run);
  copy_rows(db, "dns_answers", {{"id", "x.id + " + off_da}, {"mx_host_id", "hm.new"}},
            "FROM " + a + ".dns_answers x JOIN temp.host_map hm ON hm.old = x.mx_host_id " +
                "WHERE hm.fresh");
}

}  // namespace

std::expected<MergeOutcome, StorageError> merge_shards(const std::string& out_path,
                                                       const MergeRequest& request) {
  if (request.shard_paths.empty()) return std::unexpected(refuse("no shard database given"));
  // 1. Read and check every shard before the output is touched.
  std::vector<ShardRun> shards;
  for (const auto& p : request.shard_paths) {
    auto s = read_shard(p);
    if (!s) return std::unexpected(s.error());
    shards.push_back(std::move(*s));
  }
  if (auto bad = check_set(shards)) return std::unexpected(*bad);
  std::vector<const ShardRun*> ordered;
  for (const auto& s : shards) ordered.push_back(&s);
  std::sort(ordered.begin(), ordered.end(),
            [](const ShardRun* x, const ShardRun* y) { return x->index < y->index; });
  if (ordered.size() > 10)
    return std::unexpected(
        refuse("merge takes at most 10 shards (SQLite attaches at most 10 "
               "databases to one transaction); this plan has " +
               std::to_string(ordered.size())));
  for (const auto* s : ordered) {
    std::error_code ec;
    if (std::filesystem::equivalent(s->path, out_path, ec))
      return std::unexpected(refuse(s->path + ": the output database cannot be one of the shards"));
  }
  const std::string key = merge_key(ordered);

  MergeOutcome out;
  out.shards = static_cast<int>(ordered.size());
  try {
    auto db = detail::open_database(out_path, detail::OpenMode::CreateIfMissing);
    sqlite3* d = db.get();
    {
      Stmt s(d, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
      while (s.step())
        if (!kKnownTables.contains(s.text(0)))
          return std::unexpected(StorageError{
              StorageError::Kind::Internal,
              "merge does not know the table " + s.text(0) + " (a schema step without merge)"});
    }
    {
      Stmt s(d,
             "SELECT id, (SELECT count(*) FROM domain_results WHERE run_id = runs.id) FROM runs "
             "WHERE merged_from ->> '$.key' = ?1 ORDER BY id LIMIT 1");
      s.bind(1, key);
      if (s.step()) {
        out.run_id = s.i64(0);
        out.domains = s.i64(1);
        out.already_merged = true;
        return out;
      }
    }
    for (std::size_t i = 0; i < ordered.size(); ++i) {
      Stmt at(d, ("ATTACH DATABASE ?1 AS shard" + std::to_string(i)).c_str());
      at.bind(1, ordered[i]->path).run();
    }
    exec(d,
         "CREATE TEMP TABLE IF NOT EXISTS org_map(old INTEGER PRIMARY KEY, new INTEGER); "
         "CREATE TEMP TABLE IF NOT EXISTS dom_map(old INTEGER PRIMARY KEY, new INTEGER); "
         "CREATE TEMP TABLE IF NOT EXISTS host_map(old INTEGER PRIMARY KEY, new INTEGER, "
         "fresh INTEGER); "
         "CREATE TEMP TABLE IF NOT EXISTS probe_map(old INTEGER PRIMARY KEY, new INTEGER, "
         "fresh INTEGER);");
    exec(d, "BEGIN IMMEDIATE");
    try {
      const ShardRun& first = *ordered.front();
      std::string started = first.started_at, finished = first.finished_at;
      std::int64_t total = 0, resumes = 0;
      bool ipv4 = true, ipv6 = true, routes_known = true;
      nlohmann::ordered_json from = nlohmann::ordered_json::array();
      for (const auto* s : ordered) {
        started = std::min(started, s->started_at);
        finished = std::max(finished, s->finished_at);
        total += s->domain_total;
        resumes += s->resumes;
        if (s->routes) {
          auto r = nlohmann::json::parse(*s->routes, nullptr, false);
          ipv4 = ipv4 && r.value("ipv4", false);
          ipv6 = ipv6 && r.value("ipv6", false);
        } else {
          routes_known = false;
        }
        from.push_back({{"shard", s->index},
                        {"file", s->path},
                        {"run", s->run_id},
                        {"started_at", s->started_at},
                        {"finished_at", s->finished_at},
                        {"domains", s->stored}});
      }
      const nlohmann::ordered_json merged_from{{"key", key}, {"shards", from}};
      Stmt r(d,
             "INSERT INTO runs(started_at, finished_at, status, label, list_path, list_checksum, "
             "options, versions, domain_total, summary, resumes, routes, contract_version, "
             "shard_index, shard_count, plan_digest, merged_from) VALUES (?1, ?2, 'finished', "
             "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?14, ?15) RETURNING id");
      r.bind(1, started)
          .bind(2, finished)
          .bind(3, request.label.value_or(first.label))
          .bind(4, first.list_path)
          .bind(5, first.list_checksum)
          .bind(6, first.options)
          .bind(7, first.versions)
          .bind(8, total)
          .bind(9, merged_summary(ordered))
          .bind(10, resumes);
      if (routes_known)
        r.bind(11, nlohmann::ordered_json{{"ipv4", ipv4}, {"ipv6", ipv6}}.dump());
      else
        r.bind(11, std::nullopt);
      r.bind(12, first.contract)
          .bind(13, first.count)
          .bind(14, first.plan_digest)
          .bind(15, merged_from.dump());
      r.step();
      out.run_id = r.i64(0);
      r.reset();
      for (std::size_t i = 0; i < ordered.size(); ++i) {
        try {
          copy_shard(d, "shard" + std::to_string(i), ordered[i]->run_id, out.run_id, out);
        } catch (const detail::SqlError& e) {
          // A domain in two shards breaks UNIQUE(run_id, domain_id): the plan was not kept.
          if ((e.code() & 0xff) == SQLITE_CONSTRAINT)
            throw detail::StorageFailure(
                refuse(ordered[i]->path + ": " + e.what() +
                       " (a domain measured by two shards? the shards must follow one plan)"));
          throw;
        }
      }
      out.domains = scalar(
          d, "SELECT count(*) FROM domain_results WHERE run_id = " + std::to_string(out.run_id));
      Stmt fk(d, "PRAGMA main.foreign_key_check");
      if (fk.step())
        throw detail::StorageFailure(
            {StorageError::Kind::Internal, "merge left a dangling reference in " + fk.text(0)});
      exec(d, "COMMIT");
    } catch (...) {
      sqlite3_exec(d, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
    for (std::size_t i = 0; i < ordered.size(); ++i)
      exec(d, ("DETACH DATABASE shard" + std::to_string(i)).c_str());
    return out;
  } catch (const std::exception& e) {
    return std::unexpected(detail::to_storage_error(e));
  }
}

}  // namespace nulmeting::storage
