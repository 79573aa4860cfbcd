// dns_wire.cpp — bounds-checked DNS message reader (see dns_wire.hpp for why it exists).
#include <nulmeting/scanner/dns_wire.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstdio>

namespace nulmeting::scanner {
namespace {

constexpr std::size_t kHeaderLen = 12;
constexpr std::size_t kMaxNameWire = 255;
constexpr int kMaxPointers = 64;  // more jumps than labels cannot be a sane name

std::uint16_t get16(std::span<const std::uint8_t> p, std::size_t off) {
  return static_cast<std::uint16_t>((p[off] << 8) | p[off + 1]);
}
std::uint32_t get32(std::span<const std::uint8_t> p, std::size_t off) {
  return (static_cast<std::uint32_t>(p[off]) << 24) |
         (static_cast<std::uint32_t>(p[off + 1]) << 16) |
         (static_cast<std::uint32_t>(p[off + 2]) << 8) | static_cast<std::uint32_t>(p[off + 3]);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

void append_label_char(std::string& out, std::uint8_t b) {
  const char c = lower(static_cast<char>(b));
  switch (c) {
    case '.':
    case '\\':
    case '"':
    case '(':
    case ')':
    case ';':
    case '@':
    case '$':
      out.push_back('\\');
      out.push_back(c);
      return;
    default:
      break;
  }
  if (b < 0x21 || b > 0x7e) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(b));
    out += buf;
  } else {
    out.push_back(c);
  }
}

void append_hex(std::string& out, std::span<const std::uint8_t> data) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const auto b : data) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
}

std::string with_dot(const std::string& name) { return name.empty() ? "." : name + "."; }

// Reads a name that must end exactly at `end` (names inside RDATA).
std::expected<std::string, std::string> name_in_rdata(std::span<const std::uint8_t> p,
                                                      std::size_t off, std::size_t end,
                                                      std::size_t& next) {
  auto name = read_name(p, off, next);
  if (!name) return name;
  if (next > end) return std::unexpected("name runs past its RDATA");
  return name;
}

}  // namespace

std::string normalize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (const char c : name) out.push_back(lower(c));
  if (!out.empty() && out.back() == '.' && (out.size() < 2 || out[out.size() - 2] != '\\'))
    out.pop_back();
  return out;
}

std::expected<std::string, std::string> read_name(std::span<const std::uint8_t> p,
                                                  std::size_t offset, std::size_t& next) {
  std::string out;
  std::size_t pos = offset;
  std::size_t wire_len = 0;
  int jumps = 0;
  bool jumped = false;
  while (true) {
    if (pos >= p.size()) return std::unexpected("name runs past the packet");
    const std::uint8_t len = p[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= p.size()) return std::unexpected("truncated compression pointer");
      const std::size_t target = (static_cast<std::size_t>(len & 0x3F) << 8) | p[pos + 1];
      // Pointers must go strictly backwards: no loops, no forward references.
      if (target >= pos) return std::unexpected("compression pointer does not point backwards");
      if (++jumps > kMaxPointers) return std::unexpected("too many compression pointers");
      if (!jumped) next = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return std::unexpected("unknown label type");
    if (len == 0) {
      if (!jumped) next = pos + 1;
      if (++wire_len > kMaxNameWire) return std::unexpected("name longer than 255 octets");
      return out;
    }
    if (pos + 1 + len > p.size()) return std::unexpected("label runs past the packet");
    wire_len += 1u + len;
    if (wire_len > kMaxNameWire) return std::unexpected("name longer than 255 octets");
    if (!out.empty()) out.push_back('.');
    for (std::size_t i = 0; i < len; ++i) append_label_char(out, p[pos + 1 + i]);
    pos += 1u + len;
  }
}

std::expected<std::string, std::string> rdata_to_text(std::span<const std::uint8_t> p,
                                                      std::size_t off, std::size_t len,
                                                      std::uint16_t type) {
  if (off > p.size() || len > p.size() - off) return std::unexpected("RDATA runs past the packet");
  const std::size_t end = off + len;
  const auto rd = p.subspan(off, len);
  std::size_t next = 0;
  switch (type) {
    case rrtype::A: {
      if (len != 4) return std::unexpected("A RDATA is not 4 octets");
      char buf[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, rd.data(), buf, sizeof buf) == nullptr)
        return std::unexpected("inet_ntop failed");
      return std::string(buf);
    }
    case rrtype::AAAA: {
      if (len != 16) return std::unexpected("AAAA RDATA is not 16 octets");
      char buf[INET6_ADDRSTRLEN];
      if (inet_ntop(AF_INET6, rd.data(), buf, sizeof buf) == nullptr)
        return std::unexpected("inet_ntop failed");
      return std::string(buf);
    }
    case rrtype::CNAME:
    case rrtype::NS:
    case rrtype::DNAME: {
      auto name = name_in_rdata(p, off, end, next);
      if (!name) return name;
      if (next != end) return std::unexpected("trailing octets after name in RDATA");
      return with_dot(*name);
    }
    case rrtype::MX: {
      if (len < 3) return std::unexpected("MX RDATA too short");
      const auto pref = get16(p, off);
      auto name = name_in_rdata(p, off + 2, end, next);
      if (!name) return name;
      if (next != end) return std::unexpected("trailing octets after MX exchange");
      return std::to_string(pref) + " " + with_dot(*name);
    }
    case rrtype::TLSA: {
      if (len < 3) return std::unexpected("TLSA RDATA too short");
      std::string out =
          std::to_string(rd[0]) + " " + std::to_string(rd[1]) + " " + std::to_string(rd[2]);
      if (len > 3) {
        out.push_back(' ');
        append_hex(out, rd.subspan(3));
      }
      return out;
    }
    case rrtype::SOA: {
      auto mname = name_in_rdata(p, off, end, next);
      if (!mname) return mname;
      auto rname = name_in_rdata(p, next, end, next);
      if (!rname) return rname;
      if (end - next != 20) return std::unexpected("SOA RDATA has the wrong length");
      std::string out = with_dot(*mname) + " " + with_dot(*rname);
      for (int i = 0; i < 5; ++i)
        out += " " + std::to_string(get32(p, next + 4u * static_cast<std::size_t>(i)));
      return out;
    }
    case rrtype::TXT: {
      // The character-strings joined with nothing between them (RFC 7208 §3.3, RFC 7489
      // §6.6.3 do the same), so that a record split at 255 octets reads as one; bytes outside
      // printable ASCII and the backslash escaped, the text capped.
      std::string out;
      std::size_t i = 0;
      while (i < rd.size()) {
        const std::size_t n = rd[i];
        if (n > rd.size() - i - 1) return std::unexpected("TXT character-string runs past RDATA");
        for (std::size_t k = 0; k < n && out.size() < kMaxTxtText; ++k) {
          const std::uint8_t b = rd[i + 1 + k];
          if (b == '\\') {
            out += "\\\\";
          } else if (b < 0x20 || b > 0x7e) {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(b));
            out += buf;
          } else {
            out.push_back(static_cast<char>(b));
          }
        }
        i += n + 1;
      }
      return out;
    }
    default: {
      std::string out = "\\# " + std::to_string(len);
      if (len > 0) {
        out.push_back(' ');
        append_hex(out, rd);
      }
      return out;
    }
  }
}

std::expected<ParsedAnswer, std::string> parse_answer(std::span<const std::uint8_t> p,
                                                      std::string_view qname, std::uint16_t qtype) {
  if (p.size() < kHeaderLen) return std::unexpected("packet shorter than a DNS header");
  ParsedAnswer out;
  out.rcode = p[3] & 0x0F;
  const std::uint16_t qdcount = get16(p, 4);
  const std::uint16_t ancount = get16(p, 6);
  std::size_t pos = kHeaderLen;
  for (std::uint16_t i = 0; i < qdcount; ++i) {
    std::size_t next = 0;
    auto name = read_name(p, pos, next);
    if (!name) return std::unexpected("question: " + name.error());
    if (next + 4 > p.size()) return std::unexpected("question truncated");
    pos = next + 4;
  }
  for (std::uint16_t i = 0; i < ancount; ++i) {
    std::size_t next = 0;
    auto owner = read_name(p, pos, next);
    if (!owner) return std::unexpected("answer owner: " + owner.error());
    if (next + 10 > p.size()) return std::unexpected("answer RR header truncated");
    WireRecord rr;
    rr.owner = std::move(*owner);
    rr.type = get16(p, next);
    rr.klass = get16(p, next + 2);
    rr.ttl = get32(p, next + 4);
    const std::size_t rdlen = get16(p, next + 8);
    const std::size_t rdoff = next + 10;
    if (rdoff + rdlen > p.size()) return std::unexpected("answer RDATA truncated");
    auto text = rdata_to_text(p, rdoff, rdlen, rr.type);
    if (!text) return std::unexpected("answer RDATA: " + text.error());
    rr.text = std::move(*text);
    rr.rdata.assign(p.begin() + static_cast<std::ptrdiff_t>(rdoff),
                    p.begin() + static_cast<std::ptrdiff_t>(rdoff + rdlen));
    out.answers.push_back(std::move(rr));
    pos = rdoff + rdlen;
  }

  std::string cur = normalize_name(qname);
  if (qtype != rrtype::CNAME) {
    std::vector<std::string> seen{cur};
    while (true) {
      const auto it = std::find_if(
          out.answers.begin(), out.answers.end(),
          [&](const WireRecord& r) { return r.type == rrtype::CNAME && r.owner == cur; });
      if (it == out.answers.end()) break;
      std::string target = normalize_name(it->text);
      if (out.cname_chain.size() >= kMaxCnameLinks ||
          std::find(seen.begin(), seen.end(), target) != seen.end()) {
        out.chain_too_long = true;
        break;
      }
      seen.push_back(target);
      out.cname_chain.push_back(target);
      cur = std::move(target);
    }
  }
  out.canonical_name = cur;
  for (const auto& r : out.answers)
    if (r.type == qtype && r.klass == 1 && r.owner == cur) out.records.push_back(r.text);
  return out;
}

}  // namespace nulmeting::scanner
