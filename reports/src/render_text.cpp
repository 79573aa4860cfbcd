// render_text.cpp — CSV and Markdown renderings of the report tables (tables.hpp).
//
// CSV: one file, one section per table: a comment line "# <id>: <title>" (the project's
// CSV files treat lines starting with '#' as comments), the header row, the data rows, then
// an empty line. RFC 4180 quoting, CRLF line ends, UTF-8 without BOM.
#include "texts.hpp"

#include <nulmeting/domains/csv_writer.hpp>
#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/tables.hpp>

#include <sstream>

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

// Header and rows of one table.
void csv_table(const Table& t, std::ostream& out) {
  out << csv::record(std::span<const std::string>(t.columns), "\r\n");
  std::string line;
  for_each_row(t, [&](const std::vector<Cell>& row, std::size_t) {
    line.clear();
    for (std::size_t i = 0; i < row.size(); ++i) (line += (i ? "," : "")) += csv_field(row[i]);
    line += "\r\n";
    out << line;
  });
}

}  // namespace

void render_csv(const ReportModel& m, Lang lang, std::ostream& out) {
  for (const auto& t : build_tables_streamed(m, lang)) {
    out << csv::comment(t.id + ": " + t.title, "\r\n");
    csv_table(t, out);
    out << "\r\n";
  }
}

// No comment line: this file is for spreadsheets, which take the first line as the header.
void render_domains_csv(const ReportModel& m, Lang lang, std::ostream& out) {
  for (const auto& t : build_tables_streamed(m, lang))
    if (t.id == "domains") csv_table(t, out);
}

std::string domains_csv_name(std::string_view html_path) {
  std::string name(html_path.substr(html_path.find_last_of('/') + 1));
  if (const auto dot = name.find_last_of('.'); dot != std::string::npos && dot > 0)
    name.resize(dot);
  return name + ".domains.csv";
}

void render_markdown(const ReportModel& m, Lang lang, std::ostream& out) {
  const Texts& tx = texts(lang);
  out << "# " << md_escape(tx.title) << "\n\n";
  out << tx.subtitle_run << " " << m.run.id;
  if (!m.run.label.empty()) out << " (" << md_escape(m.run.label) << ")";
  out << ", " << md_escape(m.run.started);
  if (m.compare) out << "; " << tx.compared_with << " " << m.compare->id;
  out << "\n\n";
  for (const auto& t : build_tables_streamed(m, lang)) {
    out << "## " << md_escape(t.title) << "\n\n";
    if (!t.note.empty()) out << md_escape(t.note) << "\n\n";
    out << "|";
    for (const auto& c : t.columns) out << " " << md_escape(c) << " |";
    out << "\n|";
    // A column is right-aligned when it holds a number in any row (one extra pass over the
    // rows of an on-demand table).
    std::vector<bool> numeric(t.columns.size(), false);
    for_each_row(t, [&](const std::vector<Cell>& row, std::size_t) {
      for (std::size_t i = 0; i < row.size() && i < numeric.size(); ++i)
        if (row[i].kind == Cell::Kind::Int || row[i].kind == Cell::Kind::Pct) numeric[i] = true;
    });
    for (std::size_t i = 0; i < t.columns.size(); ++i) out << (numeric[i] ? " ---: |" : " --- |");
    out << "\n";
    const std::size_t n = row_count(t);
    std::string line;
    for_each_row(t, [&](const std::vector<Cell>& row, std::size_t r) {
      const bool bold = t.last_row_is_total && r + 1 == n;
      line = "|";
      for (const auto& c : row) {
        std::string v = md_escape(c.display(lang));
        if (bold && !v.empty()) v = "**" + v + "**";
        line += " " + v + " |";
      }
      line += "\n";
      out << line;
    });
    out << "\n";
  }
}

std::string render_csv(const ReportModel& m, Lang lang) {
  std::ostringstream out;
  render_csv(m, lang, out);
  return std::move(out).str();
}

std::string render_markdown(const ReportModel& m, Lang lang) {
  std::ostringstream out;
  render_markdown(m, lang, out);
  return std::move(out).str();
}

}  // namespace nulmeting::reports
