// render_xlsx.cpp — the report tables as an XLSX workbook through libxlsxwriter: one sheet per
// table, a bold shaded header with an autofilter and frozen panes, totals rows in bold (they
// are values from the model, not formulas, so they equal every other format and stay outside
// the filter range), and pass/fail colours from the cell tones.
//
// Traps: libxlsxwriter copies strings when writing, so temporaries are fine; it reports most
// errors only at workbook_close(), which is therefore the one checked result. Text is always
// written with worksheet_write_string, never as a formula, whatever it starts with. Sheet names
// are limited to 31 characters (the table titles are shorter).
#include "texts.hpp"

#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/tables.hpp>

#include <xlsxwriter.h>

#include <algorithm>
#include <ctime>
#include <memory>

namespace nulmeting::reports {
namespace {

struct Formats {
  lxw_format* title;
  lxw_format* note;
  lxw_format* header;
  lxw_format* text[4];  // by Tone
  lxw_format* num[4];
  lxw_format* pct[4];
  lxw_format* total_text;
  lxw_format* total_num;
  lxw_format* total_pct;
};

// Numbers stay numbers; the reader's locale shows the separators (10.000 / 10,000, 78,2 % /
// 78.2 %). A share is stored as a fraction (0.782) under a percent format, as Excel keeps them.
constexpr const char* kCountFormat = "#,##0";
constexpr const char* kShareFormat = "0.0%";

constexpr lxw_color_t kFill[4] = {0, 0xDAFBE1, 0xFFF8C5, 0xFFEBE9};  // neutral, good, warn, bad

Formats make_formats(lxw_workbook* wb) {
  Formats f{};
  f.title = workbook_add_format(wb);
  format_set_bold(f.title);
  format_set_font_size(f.title, 14);
  f.note = workbook_add_format(wb);
  format_set_italic(f.note);
  format_set_font_color(f.note, 0x59636E);
  f.header = workbook_add_format(wb);
  format_set_bold(f.header);
  format_set_bg_color(f.header, 0xEAEEF2);
  format_set_bottom(f.header, LXW_BORDER_MEDIUM);
  format_set_text_wrap(f.header);
  format_set_align(f.header, LXW_ALIGN_VERTICAL_TOP);
  for (std::size_t i = 0; i < 4; ++i) {
    f.text[i] = workbook_add_format(wb);
    f.num[i] = workbook_add_format(wb);
    f.pct[i] = workbook_add_format(wb);
    format_set_num_format(f.num[i], kCountFormat);
    format_set_num_format(f.pct[i], kShareFormat);
    if (i > 0) {
      format_set_bg_color(f.text[i], kFill[i]);
      format_set_bg_color(f.num[i], kFill[i]);
      format_set_bg_color(f.pct[i], kFill[i]);
    }
  }
  f.total_text = workbook_add_format(wb);
  f.total_num = workbook_add_format(wb);
  f.total_pct = workbook_add_format(wb);
  for (auto* x : {f.total_text, f.total_num, f.total_pct}) {
    format_set_bold(x);
    format_set_top(x, LXW_BORDER_THIN);
    format_set_bg_color(x, 0xF6F8FA);
  }
  format_set_num_format(f.total_num, kCountFormat);
  format_set_num_format(f.total_pct, kShareFormat);
  return f;
}

// "YYYY-MM-DDTHH:MM:SS..." (UTC) to time_t; 0 when it does not parse.
std::time_t parse_utc(const std::string& s) {
  std::tm tm{};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

void write_table(lxw_workbook* wb, const Formats& f, const Table& t,
                 const std::vector<std::string>& preamble) {
  lxw_worksheet* ws = workbook_add_worksheet(wb, t.title.substr(0, 31).c_str());
  lxw_row_t r = 0;
  worksheet_write_string(ws, r++, 0, t.title.c_str(), f.title);
  for (const auto& line : preamble) worksheet_write_string(ws, r++, 0, line.c_str(), f.note);
  if (!t.note.empty()) worksheet_write_string(ws, r++, 0, t.note.c_str(), f.note);
  ++r;
  const lxw_row_t header = r;
  std::vector<std::size_t> widths(t.columns.size(), 6);
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    worksheet_write_string(ws, header, static_cast<lxw_col_t>(c), t.columns[c].c_str(), f.header);
    widths[c] = std::max(widths[c], std::min<std::size_t>(t.columns[c].size(), 18));
  }
  ++r;
  const std::size_t n = row_count(t);
  // Rows in order, each once: what constant-memory mode requires.
  for_each_row(t, [&](const std::vector<Cell>& row, std::size_t i) {
    const bool total = t.last_row_is_total && i + 1 == n;
    for (std::size_t c = 0; c < row.size(); ++c) {
      const Cell& cell = row[c];
      const auto tone = static_cast<std::size_t>(cell.tone);
      const auto col = static_cast<lxw_col_t>(c);
      switch (cell.kind) {
        case Cell::Kind::Text:
          worksheet_write_string(ws, r, col, cell.text.c_str(),
                                 total ? f.total_text : f.text[tone]);
          widths[c] = std::max(widths[c], std::min<std::size_t>(cell.text.size(), 60));
          break;
        case Cell::Kind::Int:
          worksheet_write_number(ws, r, col, static_cast<double>(cell.value),
                                 total ? f.total_num : f.num[tone]);
          break;
        case Cell::Kind::Pct:
          worksheet_write_number(ws, r, col, cell.pct / 100.0, total ? f.total_pct : f.pct[tone]);
          break;
        case Cell::Kind::Empty:
          if (total) worksheet_write_blank(ws, r, col, f.total_text);
          break;
      }
    }
    ++r;
  });
  for (std::size_t c = 0; c < widths.size(); ++c)
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                         static_cast<double>(widths[c]) + 2, nullptr);
  // The filter covers header and data rows; a totals row stays below it, unfiltered.
  const lxw_row_t last_data = header + static_cast<lxw_row_t>(n) - (t.last_row_is_total ? 1 : 0);
  if (!t.columns.empty())
    worksheet_autofilter(ws, header, 0, std::max(last_data, header),
                         static_cast<lxw_col_t>(t.columns.size() - 1));
  worksheet_freeze_panes(ws, header + 1, 0);
}

}  // namespace

std::expected<void, std::string> write_xlsx(const ReportModel& m, Lang lang,
                                            const std::string& path) {
  lxw_workbook_options opts{};
  // A large report is written in constant-memory mode: libxlsxwriter flushes each row to a
  // temporary file once the next row starts (so every sheet is written row by row, in order)
  // and writes strings inline instead of in a shared-string table. Small workbooks keep the
  // shared strings (smaller files; docs/decisions/reports.md, "Reports at scale").
  opts.constant_memory = m.domains.size() > kLargeTableRows ? LXW_TRUE : LXW_FALSE;
  opts.tmpdir = nullptr;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &opts);
  if (!wb) return std::unexpected("cannot create workbook " + path);
  const Texts& tx = texts(lang);
  lxw_doc_properties props{};
  std::string title(tx.title);  // lxw_doc_properties takes char*; copied by libxlsxwriter
  props.title = title.data();
  props.created = parse_utc(m.run.started);
  if (props.created == 0) props.created = 1;  // 0 would mean "now": keep output reproducible
  workbook_set_properties(wb, &props);

  const Formats f = make_formats(wb);
  std::string runline = std::string(tx.subtitle_run) + " " + std::to_string(m.run.id);
  if (!m.run.label.empty()) runline += " — " + m.run.label;
  runline += " · " + m.run.started;
  if (!m.run.finished.empty()) runline += " – " + m.run.finished;
  if (m.compare)
    runline += " · " + std::string(tx.compared_with) + " " + std::to_string(m.compare->id);
  bool first = true;
  for (const auto& t : build_tables_streamed(m, lang)) {
    write_table(
        wb, f, t,
        first ? std::vector<std::string>{runline, m.tool_version} : std::vector<std::string>{});
    first = false;
  }
  const lxw_error err = workbook_close(wb);
  if (auto e = m.domains.error()) return std::unexpected(*e);
  if (err != LXW_NO_ERROR)
    return std::unexpected(std::string("writing ") + path + ": " + lxw_strerror(err));
  return {};
}

}  // namespace nulmeting::reports
