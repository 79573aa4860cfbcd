// render.hpp — the five report formats, each a pure function of a ReportModel.
//
// Called by `nulmeting report` (cli/commands_report.cpp) after aggregate.hpp built the model.
// No renderer counts or divides: they print the tables of tables.hpp (and HTML its charts
// drawn from the same model), so the formats agree by construction.
//
// Escaping (every text from the database is untrusted: organisation names come from lists
// and registers): HTML escapes & < > " ' in text and attributes and carries a
// Content-Security-Policy that forbids scripts and every fetch; Markdown escapes HTML and
// table syntax; CSV quotes per RFC 4180 and prefixes text cells that a spreadsheet would
// run as a formula (= + - @) with an apostrophe; XLSX writes text cells as strings, never as
// formulas; JSON is escaped by nlohmann-json.
#pragma once

#include <nulmeting/reports/formats.hpp>
#include <nulmeting/reports/model.hpp>

#include <expected>
#include <string>

namespace nulmeting::reports {

std::string render_html(const ReportModel&, Lang);
std::string render_csv(const ReportModel&, Lang);
std::string render_markdown(const ReportModel&, Lang);
std::string render_json(const ReportModel&);  // keys and values are language-independent

// XLSX is written straight to a file (libxlsxwriter assembles the ZIP itself). The document
// creation time is the run's start, so the same model gives the same workbook content.
std::expected<void, std::string> write_xlsx(const ReportModel&, Lang, const std::string& path);

// Renders `format` and writes it to `path` (replacing it). Error text on failure.
std::expected<void, std::string> write_report(const ReportModel&, Format, Lang,
                                              const std::string& path);

// Escapes text for HTML element content and quoted attribute values.
std::string html_escape(std::string_view);

}  // namespace nulmeting::reports
