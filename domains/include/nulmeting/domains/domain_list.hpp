// domain_list.hpp — one row of a domain list: the domain, its organisation and its sector.
//
// Filled by the list readers (CSV, ROO import) and carried unchanged through scanner, storage
// and reports. `domain` is always the validated A-label form (lower case, no trailing dot);
// `display` the U-label form for people (equal to `domain` for ASCII names).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nulmeting {

// The closed set of sectors of interface.md, in report order.
enum class Sector : std::uint8_t { Rijk, Provincie, Gemeente, Waterschap, Overig };
inline constexpr Sector kAllSectors[] = {Sector::Rijk, Sector::Provincie, Sector::Gemeente,
                                         Sector::Waterschap, Sector::Overig};

std::string_view to_string(Sector);                    // "rijk", "provincie", ... (list/DB form)
std::string_view sector_label_nl(Sector);              // "Rijk", "Provincies", "Gemeenten", ...
std::string_view sector_label_en(Sector);              // "Central government", "Provinces", ...
std::optional<Sector> parse_sector(std::string_view);  // accepts list form and labels, any case

struct DomainEntry {
  std::string domain;   // A-label, lower case, no trailing dot
  std::string display;  // U-label for display
  std::string organization;
  Sector sector = Sector::Overig;
  std::vector<std::pair<std::string, std::string>> tags;  // extra columns: header -> value
  std::size_t line = 0;  // 1-based line in the source list (0: not from a file)
};

}  // namespace nulmeting
