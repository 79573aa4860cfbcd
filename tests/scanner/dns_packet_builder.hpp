// dns_packet_builder.hpp — builds DNS wire-format messages for the DNS unit tests
// (well-formed ones and deliberately broken ones).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner::testing {

struct PacketBuilder {
  std::vector<std::uint8_t> b;

  explicit PacketBuilder(int rcode = 0, std::uint16_t qd = 1, std::uint16_t an = 0) {
    b = {0x12, 0x34, 0x81, static_cast<std::uint8_t>(0x80 | rcode), 0, 0, 0, 0, 0, 0, 0, 0};
    set16(4, qd);
    set16(6, an);
  }
  void set16(std::size_t off, std::uint16_t v) {
    b[off] = static_cast<std::uint8_t>(v >> 8);
    b[off + 1] = static_cast<std::uint8_t>(v & 0xff);
  }
  void u8(std::uint8_t v) { b.push_back(v); }
  void u16(std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v & 0xff));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v & 0xffff));
  }
  // Uncompressed name; returns its offset.
  std::size_t name(std::string_view n) {
    const std::size_t off = b.size();
    while (!n.empty() && n != ".") {
      const auto dot = n.find('.');
      const auto label = n.substr(0, dot);
      u8(static_cast<std::uint8_t>(label.size()));
      b.insert(b.end(), label.begin(), label.end());
      if (dot == std::string_view::npos) break;
      n.remove_prefix(dot + 1);
    }
    u8(0);
    return off;
  }
  void pointer(std::size_t off) { u16(static_cast<std::uint16_t>(0xC000 | off)); }
  std::size_t question(std::string_view n, std::uint16_t type) {
    const auto off = name(n);
    u16(type);
    u16(1);
    return off;
  }
  // RR header with a literal owner; returns the offset of RDLENGTH to patch with end_rdata().
  std::size_t rr(std::string_view owner, std::uint16_t type, std::uint32_t ttl = 300) {
    name(owner);
    return rr_tail(type, ttl);
  }
  std::size_t rr_ptr_owner(std::size_t owner_off, std::uint16_t type, std::uint32_t ttl = 300) {
    pointer(owner_off);
    return rr_tail(type, ttl);
  }
  std::size_t rr_tail(std::uint16_t type, std::uint32_t ttl) {
    u16(type);
    u16(1);
    u32(ttl);
    const auto len_off = b.size();
    u16(0);
    return len_off;
  }
  void end_rdata(std::size_t len_off) {
    set16(len_off, static_cast<std::uint16_t>(b.size() - len_off - 2));
  }
  void bytes(std::initializer_list<std::uint8_t> v) { b.insert(b.end(), v.begin(), v.end()); }
};

}  // namespace nulmeting::scanner::testing
