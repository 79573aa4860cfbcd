// spool.hpp — DomainList's spool (model.hpp): the report rows of one run in a private
// temporary SQLite database, written once by the Aggregator, read back in report order.
//
// Why SQLite: it is already linked (storage), it spills to a temporary file with a bounded page
// cache (2 MiB here), and an index gives the report order (sector, organisation, domain — the
// order std::sort gave, BINARY collation = byte order) without sorting in memory. The file is
// opened with an empty name, so SQLite deletes it when the connection closes; nothing of it
// outlives the process. Rows keep the verdict as its raw bytes (DomainVerdict is a plain struct
// of enums; the file is never read by another build).
// Errors (disk full in the temp directory): the first one is kept and reported by error();
// reading stops there, and write_report() refuses a report whose rows could not be read.
#pragma once

#include <nulmeting/reports/model.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace nulmeting::reports {

struct SqliteClose {
  void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

class DomainList::Spool {
 public:
  Spool();  // opens the temporary database; a failure is kept in error()
  void add(const DomainRow&);
  void finish();  // commits and builds the report-order index; add() no longer allowed

  std::size_t size() const { return rows_; }
  const std::optional<std::string>& error() const { return error_; }

  // Reads rows in report order from `offset` (0: all); fn returns false to stop.
  void read(std::size_t offset, std::size_t limit,
            const std::function<bool(const DomainRow&)>& fn) const;
  // A prepared statement over all rows in order, for an iterator; null on error.
  StmtPtr open_cursor() const;
  // The row at the statement's current position.
  static DomainRow row_of(sqlite3_stmt*);
  void fail(std::string what) const;  // keeps the first error

 private:
  bool exec(const char* sql);
  std::unique_ptr<sqlite3, SqliteClose> db_;
  StmtPtr insert_;
  std::size_t rows_ = 0;
  bool finished_ = false;
  mutable std::optional<std::string> error_;
};

}  // namespace nulmeting::reports
