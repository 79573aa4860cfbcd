// Table tests of classify_address (measurement.md §2.3): the first and last address of every
// non-public range, and the addresses just outside it, plus --allow-address ranges.
#include <nulmeting/scanner/address_policy.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting::scanner;

namespace {
AddressClass cls(std::string_view ip, const std::vector<IpNetwork>& allow = {}) {
  return classify_address(ip, allow);
}
std::vector<IpNetwork> nets(std::initializer_list<const char*> cidrs) {
  std::vector<IpNetwork> v;
  for (const char* c : cidrs) v.push_back(parse_cidr(c).value());
  return v;
}
}  // namespace

TEST_CASE("address policy: every range of §2.3 at its edges", "[address]") {
  struct Row {
    const char* before;  // public (or "" when the range starts the space / touches another)
    const char* first;
    const char* last;
    const char* after;  // public (or "")
  };
  const Row rows[] = {
      {"", "0.0.0.0", "0.255.255.255", "1.0.0.0"},
      {"9.255.255.255", "10.0.0.0", "10.255.255.255", "11.0.0.0"},
      {"100.63.255.255", "100.64.0.0", "100.127.255.255", "100.128.0.0"},
      {"126.255.255.255", "127.0.0.0", "127.255.255.255", "128.0.0.0"},
      {"169.253.255.255", "169.254.0.0", "169.254.255.255", "169.255.0.0"},
      {"172.15.255.255", "172.16.0.0", "172.31.255.255", "172.32.0.0"},
      {"191.255.255.255", "192.0.0.0", "192.0.0.255", "192.0.1.0"},
      {"192.0.1.255", "192.0.2.0", "192.0.2.255", "192.0.3.0"},
      {"192.167.255.255", "192.168.0.0", "192.168.255.255", "192.169.0.0"},
      {"198.17.255.255", "198.18.0.0", "198.19.255.255", "198.20.0.0"},
      {"198.51.99.255", "198.51.100.0", "198.51.100.255", "198.51.101.0"},
      {"203.0.112.255", "203.0.113.0", "203.0.113.255", "203.0.114.0"},
      {"223.255.255.255", "224.0.0.0", "239.255.255.255", ""},  // 240/4 follows
      {"", "240.0.0.0", "255.255.255.255", ""},
      {"", "::", "::", "::2"},  // ::1 follows
      {"", "::1", "::1", "::2"},
      {"64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
       "64:ff9b:2::"},
      {"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "100::", "100::ffff:ffff:ffff:ffff", "100:0:0:1::"},
      {"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
       "2001:1::"},
      {"2001:1:ffff:ffff:ffff:ffff:ffff:ffff", "2001:2::", "2001:2:0:ffff:ffff:ffff:ffff:ffff",
       "2001:2:1::"},
      {"2001:f:ffff:ffff:ffff:ffff:ffff:ffff", "2001:10::", "2001:1f:ffff:ffff:ffff:ffff:ffff:ffff",
       "2001:20::"},
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::",
       "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
       "fe00::"},
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
       "fec0::"},
      {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
       ""},
  };
  for (const auto& r : rows) {
    INFO(r.first << " .. " << r.last);
    CHECK(cls(r.first) == AddressClass::NotPublic);
    CHECK(cls(r.last) == AddressClass::NotPublic);
    if (*r.before) CHECK(cls(r.before) == AddressClass::Public);
    if (*r.after) CHECK(cls(r.after) == AddressClass::Public);
  }
  CHECK(not_public_ranges().size() == std::size(rows));  // one row per range
}

TEST_CASE("address policy: IPv4-mapped addresses are judged by their IPv4 part", "[address]") {
  CHECK(cls("::ffff:10.1.2.3") == AddressClass::NotPublic);
  CHECK(cls("::ffff:127.0.0.1") == AddressClass::NotPublic);
  CHECK(cls("::ffff:0a01:0203") == AddressClass::NotPublic);
  CHECK(cls("::ffff:8.8.8.8") == AddressClass::Public);
  CHECK(cls("::ffff:145.21.1.1") == AddressClass::Public);
  CHECK(cls("::ffff:127.0.0.1", nets({"127.0.0.0/8"})) == AddressClass::Allowed);
}

TEST_CASE("address policy: public addresses and the allow list", "[address]") {
  CHECK(cls("145.21.1.1") == AddressClass::Public);
  CHECK(cls("2a00:1450::1") == AddressClass::Public);
  CHECK(cls("2001:db8::25") == AddressClass::NotPublic);
  const auto allow = nets({"127.0.0.0/8", "fd00::/8"});
  CHECK(cls("127.53.0.1", allow) == AddressClass::Allowed);
  CHECK(cls("fd00:53::1", allow) == AddressClass::Allowed);
  CHECK(cls("fc00::1", allow) == AddressClass::NotPublic);  // fc00::/7 only partly allowed
  CHECK(cls("10.0.0.1", allow) == AddressClass::NotPublic);
  CHECK(cls("192.168.1.25", nets({"192.168.1.25"})) == AddressClass::Allowed);  // one address
  CHECK(cls("192.168.1.26", nets({"192.168.1.25"})) == AddressClass::NotPublic);
  CHECK(cls("145.21.1.1", allow) == AddressClass::Public);  // allowing never makes public private
  CHECK(cls("not-an-ip") == AddressClass::Invalid);
  CHECK(cls("") == AddressClass::Invalid);
  CHECK(cls("1.2.3.4.5") == AddressClass::Invalid);
}

TEST_CASE("address policy: CIDR parsing", "[address]") {
  CHECK(parse_cidr("127.0.0.0/8").value().text() == "127.0.0.0/8");
  CHECK(parse_cidr("fd00::/8").value().text() == "fd00::/8");
  CHECK(parse_cidr("192.0.2.1").value().text() == "192.0.2.1/32");
  CHECK(parse_cidr("::1").value().text() == "::1/128");
  CHECK(parse_cidr("0.0.0.0/0").has_value());
  CHECK_FALSE(parse_cidr("127.0.0.1/8").has_value());  // host bits set
  CHECK(parse_cidr("127.0.0.1/8").error().find("127.0.0.0/8") != std::string::npos);
  CHECK_FALSE(parse_cidr("10.0.0.0/33").has_value());
  CHECK_FALSE(parse_cidr("fd00::/129").has_value());
  CHECK_FALSE(parse_cidr("10.0.0.0/").has_value());
  CHECK_FALSE(parse_cidr("10.0.0.0/8x").has_value());
  CHECK_FALSE(parse_cidr("example.nl/8").has_value());
}
