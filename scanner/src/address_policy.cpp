// address_policy.cpp — see address_policy.hpp.
#include <nulmeting/scanner/address_policy.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstdlib>

namespace nulmeting::scanner {
namespace {

IpNetwork must(std::string_view cidr) {
  // The table below is ours: a typo in it is a broken invariant, not an input error.
  auto n = parse_cidr(cidr);
  if (!n) std::abort();
  return *n;
}

}  // namespace

bool IpAddress::is_v4() const noexcept {
  for (int i = 0; i < 10; ++i)
    if (bytes[static_cast<std::size_t>(i)] != 0) return false;
  return bytes[10] == 0xff && bytes[11] == 0xff;
}

bool IpNetwork::contains(const IpAddress& a) const noexcept {
  unsigned bits = prefix;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<std::uint8_t>(0xff00u >> take);
    if ((a.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::string IpNetwork::text() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (base.is_v4() && prefix >= 96) {
    inet_ntop(AF_INET, base.bytes.data() + 12, buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(prefix - 96);
  }
  inet_ntop(AF_INET6, base.bytes.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix);
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data() + 12) != 1) return std::nullopt;
    a.bytes[10] = a.bytes[11] = 0xff;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  return a;
}

std::expected<IpNetwork, std::string> parse_cidr(std::string_view text) {
  const auto slash = text.find('/');
  const auto addr = parse_ip(text.substr(0, slash));
  if (!addr) return std::unexpected("'" + std::string(text) + "' is not an address or CIDR range");
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  const unsigned max = v4 ? 32 : 128;
  unsigned len = max;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || len > max)
      return std::unexpected("'" + std::string(text) + "': bad prefix length");
  }
  IpNetwork n;
  n.base = *addr;
  n.prefix = v4 ? len + 96 : len;
  IpNetwork masked = n;
  for (unsigned bit = n.prefix; bit < 128; ++bit)
    masked.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  if (masked.base.bytes != n.base.bytes)
    return std::unexpected("'" + std::string(text) + "': host bits set (did you mean " +
                           masked.text() + "?)");
  return n;
}

const std::vector<IpNetwork>& not_public_ranges() {
  // measurement.md §2.3. ::ffff:0:0/96 is not listed: IPv4-mapped addresses are IPv4 here and
  // meet the IPv4 rows.
  static const std::vector<IpNetwork> ranges = [] {
    std::vector<IpNetwork> r;
    for (const char* c :
         {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
          "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
          "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128",
          "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:2::/48", "2001:10::/28",
          "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8"})
      r.push_back(must(c));
    return r;
  }();
  return ranges;
}

AddressClass classify_address(std::string_view ip, const std::vector<IpNetwork>& allowed) {
  const auto a = parse_ip(ip);
  if (!a) return AddressClass::Invalid;
  bool listed = false;
  for (const auto& n : not_public_ranges())
    if (n.contains(*a)) {
      listed = true;
      break;
    }
  if (!listed) return AddressClass::Public;
  for (const auto& n : allowed)
    if (n.contains(*a)) return AddressClass::Allowed;
  return AddressClass::NotPublic;
}

}  // namespace nulmeting::scanner
