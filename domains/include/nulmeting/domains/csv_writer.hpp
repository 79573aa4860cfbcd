// csv_writer.hpp — the one writer of every CSV file nulmeting produces: domain lists
// (`domains import-roo`), `export --format csv` and `report --format csv`.
//
// Quoting is RFC 4180: a field is put in double quotes (inner quotes doubled) when it holds a
// comma, quote, CR or LF, and also when it holds ';' or TAB, starts with '#' or starts or ends
// with a blank — so that the list reader, which sniffs ';'/TAB separators, skips '#' comment
// lines and trims blanks, reads back exactly what was written.
// Spreadsheet formulas are neutralised (OWASP "CSV injection"): organisation names come from a
// public register and these files are opened in Excel, where a cell starting with = + - @ TAB
// or CR is run as a formula. Such a text cell is written with a leading apostrophe, which
// spreadsheets take as "this is text". To keep that reversible, a text that already starts with
// apostrophes before such a character gets one more; restore() (used by the list reader)
// removes exactly one, so read(write(x)) == x for every x. Number cells are written as they
// are: "-3" in a report's change column is a number, not a formula.
// Pure functions, any thread.
#pragma once

#include <initializer_list>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace nulmeting::csv {

enum class Kind { Text, Number };

// The text of a cell as a spreadsheet must see it: `'` prepended when the text (after any
// leading apostrophes) starts with = + - @ TAB or CR.
std::string neutralise(std::string_view text);
// Inverse of neutralise(): removes the one apostrophe it added; any other text is returned
// unchanged.
std::string_view restore(std::string_view cell);

// One field, neutralised (Text) and quoted when needed.
std::string field(std::string_view value, Kind kind = Kind::Text);

// One record of text fields, separated by ',' and ended by `eol`.
std::string record(std::span<const std::string> fields, std::string_view eol = "\n");
std::string record(std::initializer_list<std::string_view> fields, std::string_view eol = "\n");

// A comment line ("# " + text): line breaks become blanks, and every piece a spreadsheet would
// split off at ',' ';' or TAB is neutralised as a cell would be (a file name in an import
// comment must not become a formula either).
std::string comment(std::string_view text, std::string_view eol = "\n");

}  // namespace nulmeting::csv
