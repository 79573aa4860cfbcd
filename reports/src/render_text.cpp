// render_text.cpp — CSV and Markdown renderings of the report tables (tables.hpp).
//
// CSV: one file, one section per table: a comment line "# <id>: <title>" (the project's
// CSV files treat lines starting with '#' as comments), the header row, the data rows, then
// an empty line. RFC 4180 quoting, CRLF line ends, UTF-8 without BOM.
#include "texts.hpp"

#include <nulmeting/domains/csv_writer.hpp>
#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/tables.hpp>

namespace nulmeting::reports {
namespace {

// Text cells are neutralised against formulas by the CSV writer; numbers (a change of "-3")
// are not.
std::string csv_field(const Cell& c) {
  return csv::field(c.plain(), c.kind == Cell::Kind::Text ? csv::Kind::Text : csv::Kind::Number);
}

std::string md_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '|':
      case '\\':
      case '*':
      case '_':
      case '`':
      case '[':
      case ']':
      case '#':
        out += '\\';
        out += ch;
        break;
      default:
        out += ch;
    }
  }
  return out;
}

}  // namespace

std::string render_csv(const ReportModel& m, Lang lang) {
  std::string out;
  for (const auto& t : build_tables(m, lang)) {
    out += csv::comment(t.id + ": " + t.title, "\r\n");
    out += csv::record(std::span<const std::string>(t.columns), "\r\n");
    for (const auto& row : t.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_field(row[i]);
      out += "\r\n";
    }
    out += "\r\n";
  }
  return out;
}

std::string render_markdown(const ReportModel& m, Lang lang) {
  const auto tables = build_tables(m, lang);
  const Texts& tx = texts(lang);
  std::string out = "# " + md_escape(tx.title) + "\n\n";
  out += std::string(tx.subtitle_run) + " " + std::to_string(m.run.id);
  if (!m.run.label.empty()) out += " (" + md_escape(m.run.label) + ")";
  out += ", " + md_escape(m.run.started);
  if (m.compare) out += "; " + std::string(tx.compared_with) + " " + std::to_string(m.compare->id);
  out += "\n\n";
  for (const auto& t : tables) {
    out += "## " + md_escape(t.title) + "\n\n";
    if (!t.note.empty()) out += md_escape(t.note) + "\n\n";
    out += "|";
    for (const auto& c : t.columns) out += " " + md_escape(c) + " |";
    out += "\n|";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      bool numeric = false;
      for (const auto& row : t.rows)
        numeric |= row[i].kind == Cell::Kind::Int || row[i].kind == Cell::Kind::Pct;
      out += numeric ? " ---: |" : " --- |";
    }
    out += "\n";
    for (const auto& row : t.rows) {
      const bool bold = t.last_row_is_total && &row == &t.rows.back();
      out += "|";
      for (const auto& c : row) {
        std::string v = md_escape(c.display(lang));
        if (bold && !v.empty()) v = "**" + v + "**";
        out += " " + v + " |";
      }
      out += "\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace nulmeting::reports
