// tables.hpp — the report's tables, laid out once from a ReportModel for every format.
//
// CSV, Markdown and XLSX print exactly these tables and HTML prints them beside its charts, so
// "the same tables" holds by construction. A cell keeps its number as a number (XLSX writes it
// as one) and carries a tone (good / warn / bad) for the pass/fail colours of XLSX and HTML.
// Cell texts that come from the database are raw here; each renderer escapes for its format.
#pragma once

#include <nulmeting/reports/model.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::reports {

enum class Tone : std::uint8_t { Neutral, Good, Warn, Bad };

struct Cell {
  enum class Kind : std::uint8_t { Text, Int, Pct, Empty } kind = Kind::Empty;
  std::string text;        // Kind::Text
  std::int64_t value = 0;  // Kind::Int
  double pct = 0;          // Kind::Pct, already rounded by percent()
  Tone tone = Tone::Neutral;
  std::string anchor;      // HTML: link target inside the report ("" = none)
  bool long_text = false;  // HTML: may break anywhere (hashes, host lists), so tables fit

  static Cell str(std::string t, Tone tone = Tone::Neutral);
  static Cell num(std::int64_t v, Tone tone = Tone::Neutral);
  static Cell share(double p, Tone tone = Tone::Neutral);
  static Cell empty();
  std::string plain() const;  // machine text form, used by CSV ("12.5" for a Pct, "10000")
  std::string display(Lang lang) const;  // for readers (HTML, Markdown): numbers.hpp
};

struct Table {
  std::string id;     // stable key: "headline", "sectors", "causes", "providers", "domains",
                      // "changes", "trend" (CSV section names, XLSX sheet order, JSON-free)
  std::string title;  // in the report language (also the XLSX sheet name, <= 31 chars)
  std::string note;   // what the denominators are, in the report language
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
  bool last_row_is_total = false;
  // Rows laid out on demand, after `rows`: the per-organisation table of a report is read from
  // the model's spool one row at a time (100k rows are never held). more_count of them.
  std::function<void(const std::function<void(const std::vector<Cell>&)>&)> more_rows;
  std::size_t more_count = 0;
};

// Every row of t (rows, then more_rows) with its index; the total row is the last when
// last_row_is_total.
void for_each_row(const Table& t,
                  const std::function<void(const std::vector<Cell>&, std::size_t)>& fn);
inline std::size_t row_count(const Table& t) { return t.rows.size() + t.more_count; }

// The tables with every row laid out (tests, small reports).
std::vector<Table> build_tables(const ReportModel&, Lang);
// The same tables with the per-organisation rows left on demand: what the renderers print.
// The tables refer to the model, which must outlive them.
std::vector<Table> build_tables_streamed(const ReportModel&, Lang);

// Reports longer than this many per-organisation rows are "large": HTML folds the table and
// XLSX writes in libxlsxwriter's constant-memory mode (docs/decisions/reports.md).
inline constexpr std::size_t kLargeTableRows = 2000;
// HTML written to a file (write_report) with more per-organisation rows than this links to that
// table as a CSV file beside it instead of carrying it (docs/decisions/reports.md).
inline constexpr std::size_t kSplitRows = 10000;

// Tone of a verdict text (measurement.md names): all/valid/secure/yes/true good; partial,
// untested warn; none/invalid/unreachable/insecure/bogus/error/false bad; others neutral.
Tone tone_of(std::string_view verdict_name);

}  // namespace nulmeting::reports
