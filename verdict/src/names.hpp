// names.hpp — internal to the verdict module: how names from DNS answers are compared (lower
// case, no trailing dot). DNS names are case-insensitive ASCII here (A-labels only).
#pragma once

#include <string>
#include <string_view>

namespace nulmeting::verdict::detail {

inline std::string lower_no_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string s(name);
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace nulmeting::verdict::detail
