// list_reader.hpp — the CSV domain list of interface.md, read as a stream.
//
// Who calls: `nulmeting domains check` (check_list_file), `nulmeting scan` (ListReader), the
// ROO import tests and the fuzz targets.
//
// Format: `domain,organization,sector[,extra columns kept as tags]`, header required (names
// are matched case-insensitively; `domein`, `organisation` and `organisatie` are accepted
// as aliases). RFC 4180 quoting: quoted fields may contain commas, doubled quotes and line
// breaks. UTF-8 with or without BOM; a UTF-16 file or invalid UTF-8 is an error naming the
// place. CRLF, LF or CR line ends. Lines starting with '#' are comments; blank lines and
// rows of empty cells are skipped. A header written with ';' or TAB instead of ',' (Excel in
// a Dutch locale saves "CSV" with ';') switches the separator for the whole file. A cell that
// nulmeting's CSV writer protected against formula injection ("'-Gemeente", csv_writer.hpp)
// is read without that apostrophe, so a written list reads back as it was.
//
// Positions: `line` is the 1-based physical line where the field starts (a quoted field with
// line breaks moves later fields down); `column` is the 1-based spreadsheet column (field
// number), because that is what a person fixing the list in a spreadsheet looks for. Errors
// never stop the reader except in the header: every row is checked and every problem
// reported. Duplicate domains (same A-label) are a warning; the first occurrence is kept.
//
// Memory: one record at a time (a field is capped at 4096 bytes and a record at 256
// fields, so an unclosed quote cannot make the reader swallow a whole file), plus the
// domains seen so far for duplicate detection, kept compact (StringTable: about 40 bytes per
// row beyond the texts of its domain and, once per distinct name, its organisation; a
// std::unordered_map here was 20 MiB for 100,000 rows). Not thread-safe; one reader per stream.
#pragma once

#include <nulmeting/domains/domain_list.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting {

enum class Severity : std::uint8_t { Error, Warning };

struct ListProblem {
  Severity severity = Severity::Error;
  std::string file;
  std::size_t line = 0;    // 0: the file as a whole
  std::size_t column = 0;  // 0: the line as a whole
  std::string message;
};

// An organisation name as the list keeps it: runs of blanks, tabs and line breaks become one
// space, and blanks and U+00A0 are trimmed at both ends. The reader applies it to every name;
// a writer of lists (the ROO import) applies it to the names it writes, so that they read back
// unchanged (a name that is only U+00A0 is empty here, not a name).
std::string normalize_organization(std::string_view name);

// "file:line:column: error: message" (line and column left out when 0).
std::string format_problem(const ListProblem&);

struct ListRow {
  std::optional<DomainEntry> entry;   // absent when the row has an error or is a duplicate
  std::vector<ListProblem> problems;  // everything found in this row
};

class ListReader {
 public:
  ListReader(std::istream& in, std::string file_name);
  ~ListReader();
  ListReader(const ListReader&) = delete;
  ListReader& operator=(const ListReader&) = delete;

  // The next data row; std::nullopt at the end of the input, or after a fatal header
  // problem (which comes as the problems of one last row).
  std::optional<ListRow> next();

  // Column names as written in the header (empty until the header was read).
  const std::vector<std::string>& header() const;

  // Distinct organisation names among the rows returned so far with an entry, in sector `s`.
  std::size_t organizations(Sector s) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SectorCount {
  std::size_t domains = 0;
  std::size_t organizations = 0;  // distinct organisation names
};

struct ListSummary {
  std::vector<ListProblem> problems;  // in file order
  std::array<SectorCount, std::size(kAllSectors)> sectors{};
  std::size_t entries = 0;  // valid, unique domains
  std::size_t errors = 0;
  std::size_t warnings = 0;
  bool ok() const { return errors == 0; }
};

// Reads a whole list and returns every problem and the counts per sector, without keeping
// the entries. An unreadable file is one error.
ListSummary check_list(std::istream& in, const std::string& file_name);
ListSummary check_list_file(const std::string& path);

}  // namespace nulmeting
