// numbers.cpp — language-dependent number formatting of the reports (numbers.hpp).
#include <nulmeting/reports/numbers.hpp>

#include <fmt/format.h>

namespace nulmeting::reports {

std::string format_number(double value, int decimals, Lang lang) {
  const char decimal = lang == Lang::Nl ? ',' : '.';
  const char thousands = lang == Lang::Nl ? '.' : ',';
  std::string digits = fmt::format("{:.{}f}", value, decimals < 0 ? 0 : decimals);
  std::string sign;
  if (!digits.empty() && digits.front() == '-') {
    sign = "-";
    digits.erase(0, 1);
    if (digits.find_first_not_of("0.") == std::string::npos) sign.clear();  // no "-0,0"
  }
  const std::size_t point = digits.find('.');
  const std::string whole = digits.substr(0, point);
  std::string out;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += thousands;
    out += whole[i];
  }
  if (point != std::string::npos) out += decimal + digits.substr(point + 1);
  return sign + out;
}

}  // namespace nulmeting::reports
