// domain_list.cpp — DomainList (model.hpp) and its SQLite spool (spool.hpp).
#include "spool.hpp"

#include <cstring>
#include <type_traits>

namespace nulmeting::reports {
namespace {

static_assert(std::is_trivially_copyable_v<DomainVerdict>,
              "the spool stores DomainVerdict as raw bytes");

// Column order of the spool table; row_of() reads the same order.
constexpr const char* kSchema =
    "CREATE TABLE r(sector INTEGER, organization TEXT, domain TEXT, display TEXT, "
    "verdict BLOB, cause INTEGER, reason TEXT, mx TEXT)";
constexpr const char* kSelect =
    "SELECT sector, organization, domain, display, verdict, cause, reason, mx FROM r "
    "ORDER BY sector, organization, domain";

std::string text_at(sqlite3_stmt* s, int col) {
  const auto* p = sqlite3_column_text(s, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(s, col)))
           : std::string();
}

void bind_text(sqlite3_stmt* s, int col, const std::string& t) {
  sqlite3_bind_text(s, col, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
}

}  // namespace

// ---- Spool ----------------------------------------------------------------------------------

DomainList::Spool::Spool() {
  sqlite3* d = nullptr;
  // "" = a private temporary database on disk, deleted on close.
  const int rc = sqlite3_open_v2("", &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_.reset(d);
  if (rc != SQLITE_OK) {
    fail(std::string("report spool: ") + sqlite3_errstr(rc));
    return;
  }
  // Bounded memory: a 2 MiB page cache; no journal (the file dies with the process anyway).
  if (!exec("PRAGMA cache_size=-2048; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
            "PRAGMA temp_store=FILE") ||
      !exec(kSchema) || !exec("BEGIN"))
    return;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_.get(), "INSERT INTO r VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", -1, &s,
                         nullptr) != SQLITE_OK)
    fail(std::string("report spool: ") + sqlite3_errmsg(db_.get()));
  insert_.reset(s);
}

bool DomainList::Spool::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
  fail(std::string("report spool: ") + (msg ? msg : "error"));
  sqlite3_free(msg);
  return false;
}

void DomainList::Spool::fail(std::string what) const {
  if (!error_) error_ = std::move(what);
}

void DomainList::Spool::add(const DomainRow& r) {
  if (error_ || finished_ || !insert_) return;
  sqlite3_stmt* s = insert_.get();
  sqlite3_reset(s);
  sqlite3_bind_int(s, 1, static_cast<int>(r.sector));
  bind_text(s, 2, r.organization);
  bind_text(s, 3, r.domain);
  bind_text(s, 4, r.display);
  sqlite3_bind_blob(s, 5, &r.verdict, sizeof r.verdict, SQLITE_TRANSIENT);
  if (r.cause)
    sqlite3_bind_int(s, 6, static_cast<int>(*r.cause));
  else
    sqlite3_bind_null(s, 6);
  bind_text(s, 7, r.reason);
  // MX host names are DNS names in presentation form: never a newline inside one.
  std::string mx;
  for (const auto& h : r.mx) (mx += h) += '\n';
  bind_text(s, 8, mx);
  if (sqlite3_step(s) != SQLITE_DONE) {
    fail(std::string("report spool: ") + sqlite3_errmsg(db_.get()));
    return;
  }
  ++rows_;
}

void DomainList::Spool::finish() {
  if (finished_) return;
  finished_ = true;
  insert_.reset();
  if (error_) return;
  // The index makes every read an ordered walk (no sort per read) and breaks no ties: a domain
  // is reported once per run.
  exec("CREATE INDEX r_order ON r(sector, organization, domain)") && exec("COMMIT");
}

StmtPtr DomainList::Spool::open_cursor() const {
  if (error_) return nullptr;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_.get(), kSelect, -1, &s, nullptr) != SQLITE_OK) {
    fail(std::string("report spool: ") + sqlite3_errmsg(db_.get()));
    sqlite3_finalize(s);
    return nullptr;
  }
  return StmtPtr(s);
}

DomainRow DomainList::Spool::row_of(sqlite3_stmt* s) {
  DomainRow r;
  r.sector = static_cast<Sector>(sqlite3_column_int(s, 0));
  r.organization = text_at(s, 1);
  r.domain = text_at(s, 2);
  r.display = text_at(s, 3);
  if (sqlite3_column_bytes(s, 4) == static_cast<int>(sizeof r.verdict))
    std::memcpy(&r.verdict, sqlite3_column_blob(s, 4), sizeof r.verdict);
  if (sqlite3_column_type(s, 5) != SQLITE_NULL)
    r.cause = static_cast<Cause>(sqlite3_column_int(s, 5));
  r.reason = text_at(s, 6);
  const std::string mx = text_at(s, 7);
  for (std::size_t at = 0, nl; (nl = mx.find('\n', at)) != std::string::npos; at = nl + 1)
    r.mx.push_back(mx.substr(at, nl - at));
  return r;
}

void DomainList::Spool::read(std::size_t offset, std::size_t limit,
                             const std::function<bool(const DomainRow&)>& fn) const {
  if (error_) return;
  sqlite3_stmt* raw = nullptr;
  const std::string sql = std::string(kSelect) + " LIMIT ?1 OFFSET ?2";
  if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    fail(std::string("report spool: ") + sqlite3_errmsg(db_.get()));
    sqlite3_finalize(raw);
    return;
  }
  StmtPtr s(raw);
  sqlite3_bind_int64(raw, 1, static_cast<sqlite3_int64>(limit));
  sqlite3_bind_int64(raw, 2, static_cast<sqlite3_int64>(offset));
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW)
    if (!fn(row_of(raw))) return;
  if (rc != SQLITE_DONE) fail(std::string("report spool: ") + sqlite3_errmsg(db_.get()));
}

// ---- DomainList -----------------------------------------------------------------------------

struct DomainList::Iterator::Cursor {
  // vector mode
  const std::vector<DomainRow>* rows = nullptr;
  std::size_t next = 0;
  // spool mode
  const Spool* spool = nullptr;
  StmtPtr stmt;
  DomainRow current;
};

DomainList::DomainList(std::vector<DomainRow> rows) : rows_(std::move(rows)) {}
DomainList::DomainList(std::shared_ptr<const Spool> spool) : spool_(std::move(spool)) {}

std::size_t DomainList::size() const { return spool_ ? spool_->size() : rows_.size(); }

std::optional<std::string> DomainList::error() const {
  return spool_ ? spool_->error() : std::nullopt;
}

DomainRow DomainList::operator[](std::size_t i) const {
  if (!spool_) return rows_.at(i);
  std::optional<DomainRow> got;
  spool_->read(i, 1, [&](const DomainRow& r) {
    got = r;
    return false;
  });
  return got ? std::move(*got) : DomainRow{};
}

void DomainList::push_back(DomainRow r) {
  if (spool_) {  // hand-built additions to a read model: bring it into memory first
    std::vector<DomainRow> all;
    for_each([&](const DomainRow& x) {
      all.push_back(x);
      return true;
    });
    rows_ = std::move(all);
    spool_.reset();
  }
  rows_.push_back(std::move(r));
}

void DomainList::for_each(const std::function<bool(const DomainRow&)>& fn) const {
  if (spool_) return spool_->read(0, static_cast<std::size_t>(-1) >> 1, fn);
  for (const auto& r : rows_)
    if (!fn(r)) return;
}

DomainList::Iterator DomainList::begin() const {
  Iterator it;
  it.cursor_ = std::make_shared<Iterator::Cursor>();
  if (spool_) {
    it.cursor_->spool = spool_.get();
    it.cursor_->stmt = spool_->open_cursor();
  } else {
    it.cursor_->rows = &rows_;
  }
  ++it;
  return it;
}

DomainList::Iterator& DomainList::Iterator::operator++() {
  cur_ = nullptr;
  if (!cursor_) return *this;
  Cursor& c = *cursor_;
  if (c.rows) {
    if (c.next < c.rows->size()) cur_ = &(*c.rows)[c.next++];
    return *this;
  }
  if (!c.stmt) return *this;
  const int rc = sqlite3_step(c.stmt.get());
  if (rc == SQLITE_ROW) {
    c.current = Spool::row_of(c.stmt.get());
    cur_ = &c.current;
  } else {
    if (rc != SQLITE_DONE) c.spool->fail("report spool: read failed");
    c.stmt.reset();
  }
  return *this;
}

}  // namespace nulmeting::reports
