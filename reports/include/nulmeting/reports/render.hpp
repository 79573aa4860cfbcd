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
#include <ostream>
#include <string>

namespace nulmeting::reports {

// Each format streams to `out` (write_report: the per-organisation rows go from the model's
// spool to the file one at a time); the string forms collect the same output.
void render_html(const ReportModel&, Lang, std::ostream& out);
// HTML whose per-organisation table, when longer than kSplitRows (tables.hpp), is replaced by a
// link to `domains_href`: the CSV render_domains_csv() writes beside the HTML. Chromium needs
// minutes for a 100k-row table; the page stays one self-contained file that opens in seconds.
void render_html(const ReportModel&, Lang, std::ostream& out, std::string_view domains_href);
// The per-organisation table alone, as the "domains" section of render_csv() has it.
void render_domains_csv(const ReportModel&, Lang, std::ostream& out);
// The name of that CSV for an HTML report file: "out/report.html" -> "report.domains.csv".
std::string domains_csv_name(std::string_view html_path);
void render_csv(const ReportModel&, Lang, std::ostream& out);
void render_markdown(const ReportModel&, Lang, std::ostream& out);
void render_json(const ReportModel&, std::ostream& out);
std::string render_html(const ReportModel&, Lang);
std::string render_csv(const ReportModel&, Lang);
std::string render_markdown(const ReportModel&, Lang);
std::string render_json(const ReportModel&);  // keys and values are language-independent

// XLSX is written straight to a file (libxlsxwriter assembles the ZIP itself). The document
// creation time is the run's start, so the same model gives the same workbook content.
std::expected<void, std::string> write_xlsx(const ReportModel&, Lang, const std::string& path);

// Renders `format` and writes it to `path` (replacing it). Error text on failure.
// `final_path`: where `path` will be renamed to by the caller ("" = path itself); an HTML
// report of more than kSplitRows rows writes its per-organisation CSV beside it, under
// domains_csv_name(final_path), through a temporary file renamed into place.
std::expected<void, std::string> write_report(const ReportModel&, Format, Lang,
                                              const std::string& path,
                                              const std::string& final_path = {});

// Escapes text for HTML element content and quoted attribute values.
std::string html_escape(std::string_view);

}  // namespace nulmeting::reports
