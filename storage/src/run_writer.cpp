// run_writer.cpp — the batched, crash-consistent writer of one run (see run_writer.hpp).
//
// Trap: a transaction that rolled back leaves ids in the in-memory caches of shared rows
// (organisations, MX hosts, probes) that no longer exist; the caches are cleared on every
// rollback. Trap: flock locks belong to the open file description, so the lock fd is
// O_CLOEXEC (a child exec'd by the scan must not keep the database locked).
#include "codec.hpp"
#include "schema.hpp"
#include "sqlite.hpp"

#include <nulmeting/storage/run_writer.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <sys/file.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace nulmeting::storage {
namespace {

using detail::Stmt;

struct FdCloser {
  void operator()(int* fd) const noexcept {
    if (fd != nullptr) {
      ::close(*fd);
      delete fd;
    }
  }
};
using UniqueFd = std::unique_ptr<int, FdCloser>;

std::expected<UniqueFd, StorageError> acquire_lock(const std::string& db_path) {
  std::string lock_path = db_path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    int err = errno;
    // A missing directory is bad input (exit 2); anything else is an I/O problem.
    return std::unexpected(
        StorageError{err == ENOENT ? StorageError::Kind::NotFound : StorageError::Kind::Io,
                     "cannot create lock file " + lock_path + ": " + std::strerror(err)});
  }
  UniqueFd owned(new int(fd));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    if (err == EWOULDBLOCK)
      return std::unexpected(StorageError{StorageError::Kind::Locked,
                                          "database " + db_path +
                                              " is in use by another nulmeting scan (lock " +
                                              lock_path + " is held); wait for it to finish"});
    return std::unexpected(StorageError{StorageError::Kind::Io,
                                        "cannot lock " + lock_path + ": " + std::strerror(err)});
  }
  return owned;
}

// Shared-row caches are bounded so that memory stays flat on very long lists: 8,192 covers
// every organisation and provider host of the Dutch government list many times over, and a
// cache that is cleared when full costs one SELECT per miss (scripts/bench-scan).
constexpr std::size_t kMaxCache = 8192;

}  // namespace

struct RunWriter::Impl {
  std::string path;
  WriterOptions opts;
  UniqueFd lock;
  detail::SqlitePtr db;
  std::int64_t run_id = 0;
  std::int64_t next_seq = 1;

  mutable std::mutex m;
  std::condition_variable cv_work, cv_idle;
  std::deque<DomainResult> queue;
  std::size_t taken = 0;  // dequeued by the thread, not yet committed
  bool stopping = false;
  bool finished = false;
  std::optional<StorageError> first_error;
  std::atomic<std::size_t> written{0}, duplicates{0};
  std::thread thread;

  // Writer-thread state.
  std::unordered_map<std::string, std::int64_t> org_ids;
  std::unordered_map<std::string, std::int64_t> host_ids;   // name + '\0' + hash
  std::unordered_map<std::string, std::int64_t> probe_ids;  // host + '\0' + ip + '\0' + hash
  std::optional<Stmt> s_mta_sts;                            // schema step: mta-sts
  std::optional<Stmt> s_org_insert, s_org_select, s_domain_upsert, s_dup, s_result, s_answer,
      s_host_select, s_host_insert, s_tlsa, s_probe_select, s_probe_insert, s_tls_item, s_address,
      s_domain_mx;

  void prepare() {
    sqlite3* d = db.get();
    s_org_insert.emplace(
        d, "INSERT INTO organisations(name) VALUES (?1) ON CONFLICT(name) DO NOTHING");
    s_org_select.emplace(d, "SELECT id FROM organisations WHERE name = ?1");
    s_domain_upsert.emplace(
        d,
        "INSERT INTO domains(name, display, organisation_id, sector, tags) VALUES (?1,?2,?3,?4,?5) "
        "ON CONFLICT(name) DO UPDATE SET display = excluded.display, "
        "organisation_id = excluded.organisation_id, sector = excluded.sector, "
        "tags = excluded.tags RETURNING id");
    s_dup.emplace(d, "SELECT 1 FROM domain_results WHERE run_id = ?1 AND domain_id = ?2");
    s_result.emplace(
        d,
        "INSERT INTO domain_results(run_id, domain_id, seq, display, organisation_id, sector, "
        "tags, list_line, mail, dnssec, starttls, dane, dane_rollover, protected, implicit_mx, "
        "findings, written_at, incomplete, unmeasured, tls_quality, mta_sts, spf, spf_policy, "
        "dmarc, dmarc_policy, dkim, tls_rpt, mail_standards) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,"
        "?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28) RETURNING "
        "id");
    s_mta_sts.emplace(
        d,
        "INSERT INTO mta_sts(domain_result_id, txt, host_lookups, fetch, ip, http_status, "
        "content_type, fetch_error, policy_text, policy_id, mode, max_age, mx_patterns, "
        "mx_not_matching, reason) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)");
    s_answer.emplace(
        d,
        "INSERT INTO dns_answers(domain_result_id, mx_host_id, purpose, position, qname, qtype, "
        "class, reason, rcode, why_bogus, records, cname_chain, canonical_name, attempts) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)");
    s_host_select.emplace(
        d, "SELECT id FROM mx_hosts WHERE run_id = ?1 AND name = ?2 AND content_hash = ?3");
    s_host_insert.emplace(
        d,
        "INSERT INTO mx_hosts(run_id, name, provider, name_is_ip_literal, status, address_dnssec, "
        "tlsa_looked_up, tlsa_status, tlsa_base, tlsa_usable, content_hash) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) RETURNING id");
    s_tlsa.emplace(d,
                   "INSERT INTO tlsa_records(mx_host_id, position, usage, selector, "
                   "matching_type, data, usable, text) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
    s_probe_select.emplace(d,
                           "SELECT id FROM probes WHERE run_id = ?1 AND host = ?2 AND ip = ?3 "
                           "AND content_hash = ?4");
    s_probe_insert.emplace(
        d,
        "INSERT INTO probes(run_id, host, ip, outcome, tls_version, cipher, tls_group, dane, "
        "dane_reason, dane_depth, dane_matched, pkix, pkix_error, error, transcript, chain, "
        "leaf_der, sni, attempts, duration_ms, content_hash, tls_quality, tls) VALUES (?1,?2,?3,"
        "?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23) RETURNING id");
    s_tls_item.emplace(d,
                       "INSERT INTO tls_items(probe_id, item, position, state, value, found) "
                       "VALUES (?1,?2,?3,?4,?5,?6)");
    s_address.emplace(d,
                      "INSERT INTO addresses(mx_host_id, position, ip, probe_id) "
                      "VALUES (?1,?2,?3,?4)");
    s_domain_mx.emplace(d,
                        "INSERT INTO domain_mx(domain_result_id, position, mx_host_id, "
                        "preference) VALUES (?1,?2,?3,?4)");
  }

  void clear_caches() {
    org_ids.clear();
    host_ids.clear();
    probe_ids.clear();
  }

  std::optional<std::int64_t> organization_id(const std::string& name) {
    if (name.empty()) return std::nullopt;
    if (auto it = org_ids.find(name); it != org_ids.end()) return it->second;
    s_org_insert->bind(1, name).run();
    s_org_select->bind(1, name);
    s_org_select->step();
    std::int64_t id = s_org_select->i64(0);
    s_org_select->reset();
    if (org_ids.size() > kMaxCache) org_ids.clear();
    org_ids.emplace(name, id);
    return id;
  }

  void insert_answer(std::optional<std::int64_t> domain_result_id,
                     std::optional<std::int64_t> mx_host_id, const char* purpose, int position,
                     const DnsAnswer& a) {
    auto& s = *s_answer;
    s.bind(1, domain_result_id)
        .bind(2, mx_host_id)
        .bind(3, purpose)
        .bind(4, position)
        .bind(5, a.qname)
        .bind(6, int{a.qtype})
        .bind(7, to_string(a.cls))
        .bind(8, to_string(a.reason))
        .bind(9, a.rcode)
        .bind(10, a.why_bogus)
        .bind(11, detail::strings_to_json(a.records))
        .bind(12, detail::strings_to_json(a.cname_chain))
        .bind(13, a.canonical_name)
        .bind(14, a.attempts);
    s.run();
  }

  std::pair<std::int64_t, std::int64_t> ensure_probe(const std::string& host,
                                                     const ProbeResult& p) {
    std::int64_t hash = detail::probe_hash(p);
    std::string key = host + '\0' + p.ip + '\0' + std::to_string(hash);
    if (auto it = probe_ids.find(key); it != probe_ids.end()) return {it->second, hash};
    std::int64_t id = 0;
    auto& sel = *s_probe_select;
    sel.bind(1, run_id).bind(2, host).bind(3, p.ip).bind(4, hash);
    if (sel.step()) {
      id = sel.i64(0);
      sel.reset();
    } else {
      sel.reset();
      auto& s = *s_probe_insert;
      s.bind(1, run_id)
          .bind(2, host)
          .bind(3, p.ip)
          .bind(4, to_string(p.outcome))
          .bind(5, p.tls_version)
          .bind(6, p.cipher)
          .bind(7, p.group)
          .bind(8, to_string(p.dane))
          .bind(9, to_string(p.dane_reason))
          .bind(10, p.dane_depth)
          .bind(11, p.dane_matched)
          .bind(12, to_string(p.pkix))
          .bind(13, p.pkix_error)
          .bind(14, p.error)
          .bind(15, p.transcript)
          .bind(16, detail::chain_to_json(p.chain))
          .bind_blob(17, p.leaf_der)
          .bind(18, p.sni)
          .bind(19, p.attempts)
          .bind(20, p.duration_ms)
          .bind(21, hash)
          .bind(22, to_string(p.tls.quality));
      if (p.tls.assessed)
        s.bind(23, detail::tls_to_json(p.tls));
      else
        s.bind(23, std::optional<std::string>{});
      s.step();
      id = s.i64(0);
      s.reset();
      for (std::size_t i = 0; i < p.tls.items.size() && p.tls.assessed; ++i) {
        const TlsItemResult& item = p.tls.items[i];
        s_tls_item->bind(1, id)
            .bind(2, to_string(item.item))
            .bind(3, static_cast<int>(i))
            .bind(4, to_string(item.state))
            .bind(5, to_string(item.value))
            .bind(6, detail::strings_to_json(item.found));
        s_tls_item->run();
      }
    }
    if (probe_ids.size() > kMaxCache) probe_ids.clear();
    probe_ids.emplace(std::move(key), id);
    return {id, hash};
  }

  std::int64_t ensure_host(const MxHostResult& h) {
    std::vector<std::int64_t> probe_row_ids, probe_hashes;
    for (const auto& p : h.addresses) {
      auto [id, hash] = ensure_probe(h.name, p);
      probe_row_ids.push_back(id);
      probe_hashes.push_back(hash);
    }
    std::int64_t hash = detail::host_hash(h, probe_hashes);
    std::string key = h.name + '\0' + std::to_string(hash);
    if (auto it = host_ids.find(key); it != host_ids.end()) return it->second;

    std::int64_t id = 0;
    auto& sel = *s_host_select;
    sel.bind(1, run_id).bind(2, h.name).bind(3, hash);
    if (sel.step()) {
      id = sel.i64(0);
      sel.reset();
    } else {
      sel.reset();
      auto& s = *s_host_insert;
      s.bind(1, run_id)
          .bind(2, h.name)
          .bind(3, provider_domain(h.name))
          .bind(4, h.name_is_ip_literal)
          .bind(5, to_string(h.status))
          .bind(6, to_string(h.address_dnssec))
          .bind(7, h.tlsa.has_value());
      if (h.tlsa) {
        s.bind(8, to_string(h.tlsa->status)).bind(9, h.tlsa->base).bind(10, h.tlsa->usable);
      } else {
        s.bind(8, std::nullopt).bind(9, std::nullopt).bind(10, std::nullopt);
      }
      s.bind(11, hash);
      s.step();
      id = s.i64(0);
      s.reset();
      for (std::size_t i = 0; i < h.address_lookups.size(); ++i)
        insert_answer(std::nullopt, id, "address", static_cast<int>(i), h.address_lookups[i]);
      if (h.tlsa) {
        for (std::size_t i = 0; i < h.tlsa->lookups.size(); ++i)
          insert_answer(std::nullopt, id, "tlsa", static_cast<int>(i), h.tlsa->lookups[i]);
        for (std::size_t i = 0; i < h.tlsa->records.size(); ++i) {
          const auto& r = h.tlsa->records[i];
          s_tlsa->bind(1, id)
              .bind(2, static_cast<int>(i))
              .bind(3, int{r.usage})
              .bind(4, int{r.selector})
              .bind(5, int{r.matching_type})
              .bind_blob(6, r.data)
              .bind(7, r.usable)
              .bind(8, r.text());
          s_tlsa->run();
        }
      }
      for (std::size_t i = 0; i < h.addresses.size(); ++i) {
        s_address->bind(1, id)
            .bind(2, static_cast<int>(i))
            .bind(3, h.addresses[i].ip)
            .bind(4, probe_row_ids[i]);
        s_address->run();
      }
    }
    if (host_ids.size() > kMaxCache) host_ids.clear();
    host_ids.emplace(std::move(key), id);
    return id;
  }

  // Returns false when the domain was already stored for this run.
  bool write_domain(const DomainResult& r, const std::string& now) {
    const auto& e = r.entry;
    auto org = organization_id(e.organization);
    std::string tags = detail::tags_to_json(e.tags);
    auto& up = *s_domain_upsert;
    up.bind(1, e.domain).bind(2, e.display).bind(3, org).bind(4, to_string(e.sector)).bind(5, tags);
    up.step();
    std::int64_t domain_id = up.i64(0);
    up.reset();

    s_dup->bind(1, run_id).bind(2, domain_id);
    bool dup = s_dup->step();
    s_dup->reset();
    if (dup) return false;

    auto& s = *s_result;
    const auto& v = r.verdict;
    s.bind(1, run_id)
        .bind(2, domain_id)
        .bind(3, next_seq)
        .bind(4, e.display)
        .bind(5, org)
        .bind(6, to_string(e.sector))
        .bind(7, tags)
        .bind(8, static_cast<std::int64_t>(e.line))
        .bind(9, to_string(v.mail))
        .bind(10, to_string(v.dnssec))
        .bind(11, to_string(v.starttls))
        .bind(12, to_string(v.dane))
        .bind(13, to_string(v.dane_rollover))
        .bind(14, v.protected_)
        .bind(15, r.implicit_mx)
        .bind(16, detail::strings_to_json(r.findings))
        .bind(17, now)
        .bind(18, detail::strings_to_json(r.incomplete))
        .bind(19, detail::strings_to_json(r.unmeasured))
        .bind(20, to_string(v.tls_quality))
        .bind(21, to_string(v.mta_sts));
    // §5: NULL when the standards were not measured (nothing to say about them).
    const auto measured = [&](auto value) {
      return r.mail_standards.measured ? std::optional<std::string>(std::string(to_string(value)))
                                       : std::nullopt;
    };
    s.bind(22, measured(v.spf))
        .bind(23, measured(v.spf_policy))
        .bind(24, measured(v.dmarc))
        .bind(25, measured(v.dmarc_policy))
        .bind(26, measured(v.dkim))
        .bind(27, measured(v.tls_rpt))
        .bind(28, r.mail_standards.measured
                      ? std::optional<std::string>(detail::mail_standards_to_json(r.mail_standards))
                      : std::nullopt);
    s.step();
    std::int64_t result_id = s.i64(0);
    s.reset();
    if (r.mta_sts.looked_up) {
      const MtaStsEvidence& sts = r.mta_sts;
      auto& ms = *s_mta_sts;
      ms.bind(1, result_id)
          .bind(2, detail::answer_to_json(sts.txt))
          .bind(3, detail::answers_to_json(sts.host_lookups))
          .bind(4, to_string(sts.fetch))
          .bind(5, sts.ip)
          .bind(6, sts.http_status)
          .bind(7, sts.content_type)
          .bind(8, sts.fetch_error)
          .bind(9, sts.policy_text)
          .bind(10, sts.id)
          .bind(11, sts.mode)
          .bind(12, sts.max_age)
          .bind(13, detail::strings_to_json(sts.mx_patterns))
          .bind(14, detail::strings_to_json(sts.mx_not_matching))
          .bind(15, sts.reason);
      ms.run();
    }
    insert_answer(result_id, std::nullopt, "mx", 0, r.mx_lookup);
    for (std::size_t i = 0; i < r.mx.size(); ++i) {
      std::int64_t host_id = ensure_host(r.mx[i]);
      s_domain_mx->bind(1, result_id)
          .bind(2, static_cast<int>(i))
          .bind(3, host_id)
          .bind(4, int{r.mx[i].preference});
      s_domain_mx->run();
    }
    return true;
  }

  void rollback() {
    sqlite3_exec(db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    clear_caches();
  }

  // One transaction for the batch; on failure, each domain alone, so that one bad domain
  // (or a transient error) does not lose the others.
  void write_batch(std::vector<DomainResult>& batch) {
    std::string now = opts.clock();
    std::size_t stored = 0, dups = 0;
    try {
      detail::exec(db.get(), "BEGIN IMMEDIATE");
      std::int64_t seq0 = next_seq;
      try {
        for (const auto& r : batch) {
          if (write_domain(r, now)) {
            ++stored;
            ++next_seq;
          } else {
            ++dups;
          }
        }
        detail::exec(db.get(), "COMMIT");
      } catch (...) {
        next_seq = seq0;
        throw;
      }
      written += stored;
      duplicates += dups;
      if (opts.on_commit) opts.on_commit(stored);
      return;
    } catch (const std::exception& ex) {
      rollback();
      spdlog::warn("storage: batch of {} domains failed ({}); writing them one by one",
                   batch.size(), ex.what());
    }
    for (const auto& r : batch) {
      std::optional<StorageError> last;
      for (int attempt = 0; attempt < 3; ++attempt) {
        try {
          detail::exec(db.get(), "BEGIN IMMEDIATE");
          bool ok = write_domain(r, now);
          detail::exec(db.get(), "COMMIT");
          if (ok) {
            ++next_seq;
            ++written;
          } else {
            ++duplicates;
          }
          if (opts.on_commit) opts.on_commit(ok ? 1 : 0);
          last.reset();
          break;
        } catch (const std::exception& ex) {
          rollback();
          last = detail::to_storage_error(ex);
          last->message = "storing " + r.entry.domain + ": " + last->message;
          std::this_thread::sleep_for(std::chrono::milliseconds(50 << attempt));
        }
      }
      if (last) {
        spdlog::error("storage: {}", last->message);
        std::lock_guard g(m);
        if (!first_error) first_error = *last;
      }
    }
  }

  void loop() {
    std::unique_lock lk(m);
    for (;;) {
      cv_work.wait(lk, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) {
        if (stopping) return;
        continue;
      }
      std::vector<DomainResult> batch;
      std::size_t n = std::min(queue.size(), std::max<std::size_t>(opts.max_batch, 1));
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
      taken = n;
      lk.unlock();
      write_batch(batch);
      lk.lock();
      taken = 0;
      cv_idle.notify_all();
    }
  }

  void start() {
    prepare();
    thread = std::thread([this] { loop(); });
  }

  void stop_thread() {
    {
      std::lock_guard g(m);
      stopping = true;
    }
    cv_work.notify_all();
    if (thread.joinable()) thread.join();
  }
};

RunWriter::RunWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RunWriter::~RunWriter() {
  if (impl_ && !impl_->finished) {
    auto r = finish(RunStatus::Aborted);
    if (!r) spdlog::error("storage: closing run {}: {}", impl_->run_id, r.error().message);
  }
}

std::expected<std::unique_ptr<RunWriter>, StorageError> RunWriter::begin(const std::string& db_path,
                                                                         const RunStart& start,
                                                                         WriterOptions opts) {
  auto lock = acquire_lock(db_path);
  if (!lock) return std::unexpected(lock.error());
  try {
    auto impl = std::make_unique<Impl>();
    impl->path = db_path;
    impl->opts = std::move(opts);
    impl->lock = std::move(*lock);
    impl->db = detail::open_database(db_path, detail::OpenMode::CreateIfMissing);
    Stmt s(impl->db.get(),
           "INSERT INTO runs(started_at, status, label, list_path, list_checksum, options, "
           "versions, domain_total, routes, contract_version, shard_index, shard_count, "
           "plan_digest) VALUES (?1, 'running', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
           "RETURNING id");
    s.bind(1, impl->opts.clock())
        .bind(2, start.label)
        .bind(3, start.list_path)
        .bind(4, start.list_checksum)
        .bind(5, start.options_json.empty() ? std::string("{}") : start.options_json)
        .bind(6, start.versions_json.empty() ? std::string("{}") : start.versions_json)
        .bind(7, start.domain_total);
    if (start.routes)
      s.bind(8, detail::routes_to_json(*start.routes));
    else
      s.bind(8, std::nullopt);
    s.bind(9, kContractVersion);
    if (start.shard)
      s.bind(10, start.shard->index)
          .bind(11, start.shard->count)
          .bind(12, start.shard->plan_digest);
    else
      s.bind(10, std::nullopt).bind(11, std::nullopt).bind(12, std::nullopt);
    s.step();
    impl->run_id = s.i64(0);
    s.reset();
    impl->start();
    return std::unique_ptr<RunWriter>(new RunWriter(std::move(impl)));
  } catch (const std::exception& e) {
    return std::unexpected(detail::to_storage_error(e));
  }
}

std::expected<RunWriter::Resumed, StorageError> RunWriter::resume(const std::string& db_path,
                                                                  WriterOptions opts) {
  auto lock = acquire_lock(db_path);
  if (!lock) return std::unexpected(lock.error());
  try {
    auto impl = std::make_unique<Impl>();
    impl->path = db_path;
    impl->opts = std::move(opts);
    impl->lock = std::move(*lock);
    impl->db = detail::open_database(db_path, detail::OpenMode::ExistingOnly);
    sqlite3* d = impl->db.get();
    Resumed out;
    {
      Stmt s(d, "SELECT id, status FROM runs ORDER BY id DESC LIMIT 1");
      if (!s.step())
        return std::unexpected(
            StorageError{StorageError::Kind::NoSuchRun, "no run to resume in " + db_path});
      if (s.text(1) == "finished")
        return std::unexpected(StorageError{StorageError::Kind::NoSuchRun,
                                            "nothing to resume in " + db_path +
                                                ": the newest run (" + std::to_string(s.i64(0)) +
                                                ") is finished"});
      impl->run_id = s.i64(0);
    }
    detail::exec(d, "BEGIN IMMEDIATE");
    {
      Stmt u(d,
             "UPDATE runs SET status = 'running', finished_at = NULL, resumes = resumes + 1 "
             "WHERE id = ?1");
      u.bind(1, impl->run_id).run();
      Stmt names(d,
                 "SELECT d.name FROM domain_results r JOIN domains d ON d.id = r.domain_id "
                 "WHERE r.run_id = ?1");
      names.bind(1, impl->run_id);
      while (names.step()) out.finished.intern(names.text(0));
      Stmt seq(d, "SELECT coalesce(max(seq), 0) + 1 FROM domain_results WHERE run_id = ?1");
      seq.bind(1, impl->run_id);
      seq.step();
      impl->next_seq = seq.i64(0);
    }
    detail::exec(d, "COMMIT");
    {
      Stmt r(d,
             "SELECT started_at, finished_at, status, label, list_path, list_checksum, options, "
             "versions, summary, domain_total, resumes, routes FROM runs WHERE id = ?1");
      r.bind(1, impl->run_id);
      r.step();
      RunInfo& info = out.run;
      info.id = impl->run_id;
      info.started_at = r.text(0);
      info.finished_at = r.opt_text(1);
      info.status = parse_run_status(r.text(2)).value_or(RunStatus::Running);
      info.label = r.text(3);
      info.list_path = r.text(4);
      info.list_checksum = r.text(5);
      info.options_json = r.text(6);
      info.versions_json = r.text(7);
      info.summary_json = r.opt_text(8);
      info.domain_total = r.i64(9);
      info.resumes = r.i64(10);
      if (!r.is_null(11)) info.routes = detail::routes_from_json(r.text(11));
      info.domains_done = static_cast<std::int64_t>(out.finished.size());
    }
    impl->start();
    out.writer.reset(new RunWriter(std::move(impl)));
    return out;
  } catch (const std::exception& e) {
    return std::unexpected(detail::to_storage_error(e));
  }
}

std::int64_t RunWriter::run_id() const { return impl_->run_id; }

void RunWriter::submit(DomainResult result) {
  {
    std::lock_guard g(impl_->m);
    if (impl_->stopping) {
      if (!impl_->first_error)
        impl_->first_error =
            StorageError{StorageError::Kind::Internal,
                         "domain " + result.entry.domain + " submitted after the run was finished"};
      return;
    }
    impl_->queue.push_back(std::move(result));
  }
  impl_->cv_work.notify_one();
}

std::expected<void, StorageError> RunWriter::flush() {
  std::unique_lock lk(impl_->m);
  impl_->cv_idle.wait(
      lk, [&] { return (impl_->queue.empty() && impl_->taken == 0) || !impl_->thread.joinable(); });
  if (impl_->first_error) return std::unexpected(*impl_->first_error);
  return {};
}

std::expected<void, StorageError> RunWriter::finish(RunStatus status,
                                                    const std::string& summary_json) {
  if (impl_->finished)
    return std::unexpected(StorageError{StorageError::Kind::Internal, "run already finished"});
  impl_->stop_thread();  // drains the queue first: the loop only exits when it is empty
  impl_->finished = true;
  try {
    Stmt s(impl_->db.get(),
           "UPDATE runs SET status = ?1, finished_at = ?2, summary = ?3 WHERE id = ?4");
    s.bind(1, to_string(status)).bind(2, impl_->opts.clock());
    if (summary_json.empty())
      s.bind(3, std::nullopt);
    else
      s.bind(3, summary_json);
    s.bind(4, impl_->run_id).run();
  } catch (const std::exception& e) {
    return std::unexpected(detail::to_storage_error(e));
  }
  std::lock_guard g(impl_->m);
  if (impl_->first_error) return std::unexpected(*impl_->first_error);
  return {};
}

std::size_t RunWriter::queued() const {
  std::lock_guard g(impl_->m);
  return impl_->queue.size() + impl_->taken;
}
std::size_t RunWriter::written() const { return impl_->written.load(); }
std::size_t RunWriter::duplicates() const { return impl_->duplicates.load(); }
std::optional<StorageError> RunWriter::error() const {
  std::lock_guard g(impl_->m);
  return impl_->first_error;
}

}  // namespace nulmeting::storage
