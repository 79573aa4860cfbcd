// numbers.hpp — how the human-readable reports write numbers, per report language.
//
// Dutch (--lang nl): decimal comma and a point between thousands ("78,2", "10.000"); English:
// "78.2", "10,000". HTML and Markdown write every count and share through format_number.
// CSV and JSON stay machine-readable ("78.2", "10000": Cell::plain and JSON numbers) whatever
// the language, and XLSX stores numbers as numbers with a number format, so the reader's own
// locale shows them (docs/decisions/reports.md, "Numbers").
#pragma once

#include <nulmeting/reports/model.hpp>

#include <cstdint>
#include <string>

namespace nulmeting::reports {

// value rounded to `decimals` places, with the language's decimal and thousands separators.
std::string format_number(double value, int decimals, Lang lang);
inline std::string format_count(std::int64_t n, Lang lang) {
  return format_number(static_cast<double>(n), 0, lang);
}

}  // namespace nulmeting::reports
