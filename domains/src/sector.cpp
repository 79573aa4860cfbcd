// sector.cpp — the closed set of sectors with their list names and Dutch/English labels.
#include <nulmeting/domains/domain_list.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace nulmeting {
namespace {
struct SectorNames {
  Sector sector;
  std::string_view key, nl, en;
};
constexpr std::array<SectorNames, 5> kSectors{{
    {Sector::Rijk, "rijk", "Rijk", "Central government"},
    {Sector::Provincie, "provincie", "Provincies", "Provinces"},
    {Sector::Gemeente, "gemeente", "Gemeenten", "Municipalities"},
    {Sector::Waterschap, "waterschap", "Waterschappen", "Water authorities"},
    {Sector::Overig, "overig", "Overig", "Other public bodies"},
}};
const SectorNames& names(Sector s) { return kSectors[static_cast<std::size_t>(s)]; }
std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}
}  // namespace

std::string_view to_string(Sector s) { return names(s).key; }
std::string_view sector_label_nl(Sector s) { return names(s).nl; }
std::string_view sector_label_en(Sector s) { return names(s).en; }

std::optional<Sector> parse_sector(std::string_view text) {
  const std::string t = lower(text);
  for (const auto& n : kSectors)
    if (t == n.key || t == lower(n.nl) || t == lower(n.en)) return n.sector;
  return std::nullopt;
}

}  // namespace nulmeting
