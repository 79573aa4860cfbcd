// sqlite.hpp — internal RAII wrappers around the SQLite C API, used by every storage module.
//
// Owning pointers for connections and statements (SqlitePtr, SqliteStmtPtr) and a small Stmt
// helper with typed bind/column calls. Inside storage, SQLite failures are thrown as SqlError
// and caught at each public entry point, where they become StorageError values: no exception
// leaves the storage library's public API, and no SQLite callback is used, so none crosses C.
// Threading: a connection and its statements belong to one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::storage::detail {

struct SqliteCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct SqliteStmtFinalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
using SqliteStmtPtr = std::unique_ptr<sqlite3_stmt, SqliteStmtFinalizer>;

class SqlError : public std::runtime_error {
 public:
  SqlError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

[[noreturn]] inline void throw_sql(sqlite3* db, int rc, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqlError(rc, msg);
}

// Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
inline void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqlError(rc, msg);
  }
}

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) throw_sql(db, rc, "prepare");
    stmt_.reset(raw);
  }

  Stmt& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_.get(), i, v)); }
  Stmt& bind(int i, int v) { return check(sqlite3_bind_int64(stmt_.get(), i, v)); }
  Stmt& bind(int i, bool v) { return check(sqlite3_bind_int(stmt_.get(), i, v ? 1 : 0)); }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(stmt_.get(), i, v)); }
  Stmt& bind(int i, std::string_view v) {
    return check(
        sqlite3_bind_text64(stmt_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, std::nullopt_t) { return check(sqlite3_bind_null(stmt_.get(), i)); }
  template <class T>
  Stmt& bind(int i, const std::optional<T>& v) {
    return v ? bind(i, *v) : bind(i, std::nullopt);
  }
  Stmt& bind_blob(int i, std::span<const std::uint8_t> v) {
    // An empty vector has data() == nullptr, which SQLite would store as NULL: keep it a blob.
    static const std::uint8_t kEmpty = 0;
    return check(sqlite3_bind_blob64(stmt_.get(), i, v.empty() ? &kEmpty : v.data(), v.size(),
                                     SQLITE_TRANSIENT));
  }

  // true: a row is available; false: done.
  bool step() {
    int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_sql(db_, rc, sqlite3_sql(stmt_.get()));
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

  bool is_null(int i) const { return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL; }
  std::int64_t i64(int i) const { return sqlite3_column_int64(stmt_.get(), i); }
  int i32(int i) const { return sqlite3_column_int(stmt_.get(), i); }
  double f64(int i) const { return sqlite3_column_double(stmt_.get(), i); }
  std::string text(int i) const {
    const auto* p = sqlite3_column_text(stmt_.get(), i);
    if (p == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), i)));
  }
  std::optional<std::string> opt_text(int i) const {
    if (is_null(i)) return std::nullopt;
    return text(i);
  }
  std::vector<std::uint8_t> blob(int i) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_.get(), i));
    auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), i));
    if (p == nullptr) return {};
    return std::vector<std::uint8_t>(p, p + n);
  }
  sqlite3_stmt* get() const { return stmt_.get(); }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) throw_sql(db_, rc, "bind");
    return *this;
  }
  sqlite3* db_;
  SqliteStmtPtr stmt_;
};

}  // namespace nulmeting::storage::detail
