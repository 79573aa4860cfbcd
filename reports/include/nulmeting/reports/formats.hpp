// formats.hpp — the report formats of `nulmeting report` (interface.md).
#pragma once
#include <optional>
#include <string_view>

namespace nulmeting::reports {
enum class Format { Html, Xlsx, Csv, Markdown, Json };
std::optional<Format> parse_format(std::string_view);  // "html", "xlsx", "csv", "md", "json"
std::string_view to_string(Format);
}  // namespace nulmeting::reports
