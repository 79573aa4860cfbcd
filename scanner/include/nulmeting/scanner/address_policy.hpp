// address_policy.hpp — which addresses the scanner may contact (measurement.md §2.3).
//
// An MX address comes from a stranger's DNS, so a name can point the scanner at its own
// network (loopback, RFC 1918, link-local, ...). Such addresses are never contacted (outcome
// `not_public`) unless `--allow-address CIDR` names their range (test networks: the testbed
// passes 127.0.0.0/8 and fd00::/8). classify_address is the one function that decides; the
// SMTP probe asks it before its only connect().
//
// Representation: every address is kept as 16 bytes, IPv4 as its IPv4-mapped IPv6 form
// (::ffff:a.b.c.d) with the prefix length +96, so an IPv4-mapped IPv6 address is judged by its
// IPv4 part without a second table. Pure functions, no I/O; any thread.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner {

struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 as ::ffff:a.b.c.d
  bool is_v4() const noexcept;           // IPv4, or IPv4-mapped IPv6
};

struct IpNetwork {
  IpAddress base;       // host bits cleared
  unsigned prefix = 0;  // over the 128-bit form (an IPv4 /8 is /104 here)
  bool contains(const IpAddress& a) const noexcept;
  std::string text() const;  // "127.0.0.0/8", "fd00::/8"
};

// "192.0.2.1", "2001:db8::1", "::ffff:10.0.0.1". std::nullopt when not an address.
std::optional<IpAddress> parse_ip(std::string_view text);
// "10.0.0.0/8", "fd00::/8", or a single address (a /32 or /128). Host bits must be zero.
std::expected<IpNetwork, std::string> parse_cidr(std::string_view text);

enum class AddressClass : std::uint8_t {
  Public,     // publicly routable: may be contacted
  Allowed,    // not public, but inside an --allow-address range: may be contacted
  NotPublic,  // not public and not allowed: never contacted
  Invalid,    // not an address at all
};

AddressClass classify_address(std::string_view ip, const std::vector<IpNetwork>& allowed);

// The non-public ranges of measurement.md §2.3, for tests and messages.
const std::vector<IpNetwork>& not_public_ranges();

}  // namespace nulmeting::scanner
