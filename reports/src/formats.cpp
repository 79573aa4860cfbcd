#include <nulmeting/reports/formats.hpp>

#include <array>
#include <utility>

namespace nulmeting::reports {
namespace {
constexpr std::array<std::pair<Format, std::string_view>, 5> kNames{{{Format::Html, "html"},
                                                                     {Format::Xlsx, "xlsx"},
                                                                     {Format::Csv, "csv"},
                                                                     {Format::Markdown, "md"},
                                                                     {Format::Json, "json"}}};
}
std::optional<Format> parse_format(std::string_view s) {
  for (auto [f, n] : kNames)
    if (n == s) return f;
  return std::nullopt;
}
std::string_view to_string(Format f) {
  for (auto [g, n] : kNames)
    if (g == f) return n;
  return "?";
}
}  // namespace nulmeting::reports
