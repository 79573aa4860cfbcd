// domain_name.cpp — domain name normalisation (see domain_name.hpp).
//
// Order of checks: the cheap, most likely spreadsheet mistakes first (URL, e-mail address,
// IP literal), so the message names the real mistake instead of "invalid character ':'".
#include <nulmeting/domains/domain_name.hpp>

#include <fmt/format.h>
#include <idn2.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdlib>
#include <memory>
#include <vector>

namespace nulmeting {
namespace {

constexpr std::size_t kMaxLabel = 63;    // RFC 1035 §2.3.4
constexpr std::size_t kMaxName = 253;    // 255 octets on the wire minus length bytes, no root
constexpr std::size_t kMaxInput = 1024;  // longer input is never a name; keeps idn2 bounded

// UTS #46 non-transitional (IDNA2008 semantics for ß, ς, ZWJ/ZWNJ), input normalised to NFC.
constexpr int kIdnFlags = IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT;

struct FreeDeleter {
  void operator()(char* p) const noexcept { idn2_free(p); }
};
using IdnString = std::unique_ptr<char, FreeDeleter>;

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  // ASCII white space and U+00A0 (spreadsheets paste non-breaking spaces).
  for (;;) {
    if (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
    } else if (s.starts_with("\xC2\xA0")) {
      s.remove_prefix(2);
    } else if (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
    } else if (s.ends_with("\xC2\xA0")) {
      s.remove_suffix(2);
    } else {
      return s;
    }
  }
}

std::vector<std::string_view> split_labels(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    auto dot = s.find('.');
    out.push_back(s.substr(0, dot));
    if (dot == std::string_view::npos) return out;
    s.remove_prefix(dot + 1);
  }
}

bool all_ascii(std::string_view s) {
  return std::ranges::all_of(s, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

std::string show_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7f) return fmt::format("U+{:04X}", u);
  return fmt::format("'{}'", c);
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::expected<std::string, std::string> idn_lookup(const std::string& u) {
  char* out = nullptr;
  int rc = idn2_lookup_u8(reinterpret_cast<const std::uint8_t*>(u.c_str()),
                          reinterpret_cast<std::uint8_t**>(&out), kIdnFlags);
  IdnString owned(out);
  if (rc != IDN2_OK) return std::unexpected(std::string(idn2_strerror(rc)));
  return std::string(owned.get());
}

std::expected<std::string, std::string> idn_to_unicode(const std::string& a) {
  char* out = nullptr;
  int rc = idn2_to_unicode_8z8z(a.c_str(), &out, 0);
  IdnString owned(out);
  if (rc != IDN2_OK) return std::unexpected(std::string(idn2_strerror(rc)));
  return std::string(owned.get());
}

// The name (without trailing dot) is all IP-address-like: IPv4 dotted quad or any all-numeric
// dotted form ("10.1", which resolvers also read as an address).
bool looks_like_ipv4(std::string_view s) {
  auto labels = split_labels(s);
  return std::ranges::all_of(labels, [](std::string_view l) { return all_digits(l); });
}

std::expected<void, std::string> check_ascii_label(std::string_view label) {
  if (label.empty()) return std::unexpected(std::string("empty label"));
  if (label.size() > kMaxLabel)
    return std::unexpected(fmt::format("label '{}...' is {} octets long (at most {})",
                                       label.substr(0, 20), label.size(), kMaxLabel));
  for (std::size_t i = 0; i < label.size(); ++i) {
    char c = label[i];
    bool ldh = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ldh)
      return std::unexpected(
          fmt::format("invalid character {} in label '{}' (only letters, "
                      "digits and '-' are allowed)",
                      show_char(c), label));
  }
  if (label.front() == '-')
    return std::unexpected(fmt::format("label '{}' starts with a hyphen", label));
  if (label.back() == '-')
    return std::unexpected(fmt::format("label '{}' ends with a hyphen", label));
  if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
    if (!label.starts_with("xn--"))
      return std::unexpected(
          fmt::format("label '{}' has '--' in the third and fourth position, which is reserved for "
                      "encoded labels (RFC 5891 §4.2.3.1)",
                      label));
    // An A-label must decode and re-encode to itself (IDNA2008 lookup round trip).
    auto u = idn_to_unicode(std::string(label));
    if (!u)
      return std::unexpected(
          fmt::format("label '{}' is not a valid A-label ({})", label, u.error()));
    auto back = idn_lookup(*u);
    if (!back || *back != label)
      return std::unexpected(
          fmt::format("label '{}' is not a valid A-label (it does not "
                      "round-trip through UTS #46)",
                      label));
  }
  return {};
}

}  // namespace

std::expected<DomainName, std::string> normalize_domain(std::string_view input) {
  const std::string_view s = trim(input);
  if (s.empty()) return std::unexpected(std::string("domain is empty"));
  if (s.size() > kMaxInput)
    return std::unexpected(
        fmt::format("domain is {} octets long (at most {})", s.size(), kMaxName));

  if (s.front() == '[')
    return std::unexpected(fmt::format("'{}' is an IP address literal, not a domain name", s));
  if (s.find("://") != std::string_view::npos || (s.starts_with("www.") && s.find('/') != s.npos))
    return std::unexpected(fmt::format(
        "'{}' is a URL, not a domain name (write the domain only, e.g. 'example.nl')", s));
  if (auto at = s.rfind('@'); at != std::string_view::npos)
    return std::unexpected(
        fmt::format("'{}' is an e-mail address, not a domain name (write the part after '@': '{}')",
                    s, s.substr(at + 1)));
  if (s.find(':') != std::string_view::npos) {
    in6_addr a6{};
    const std::string z(s);
    if (inet_pton(AF_INET6, z.c_str(), &a6) == 1)
      return std::unexpected(fmt::format("'{}' is an IPv6 address, not a domain name", s));
    return std::unexpected(
        fmt::format("invalid character ':' in '{}' (a port number does not "
                    "belong in a domain list)",
                    s));
  }

  std::string_view name = s;
  if (name.ends_with('.')) name.remove_suffix(1);  // absolute form: same name
  if (name.empty()) return std::unexpected(std::string("domain is only a dot (the root)"));
  for (auto label : split_labels(name))
    if (label.empty())
      return std::unexpected(
          fmt::format("empty label in '{}' (two dots in a row, or a dot at "
                      "the start)",
                      s));
  if (looks_like_ipv4(name))
    return std::unexpected(fmt::format("'{}' is an IPv4 address, not a domain name", s));

  std::string ascii;
  if (all_ascii(name)) {
    ascii = lower_ascii(name);
  } else {
    auto r = idn_lookup(std::string(name));
    if (!r) {
      // Find the label that fails so the message points at it.
      for (auto label : split_labels(name)) {
        if (all_ascii(label)) continue;
        if (auto lr = idn_lookup(std::string(label)); !lr)
          return std::unexpected(
              fmt::format("label '{}' is not a valid internationalised "
                          "domain label: {}",
                          label, lr.error()));
      }
      return std::unexpected(
          fmt::format("'{}' is not a valid internationalised domain name: {}", s, r.error()));
    }
    ascii = std::move(*r);
    if (ascii.ends_with('.')) ascii.pop_back();  // full-width or ideographic final dot
  }

  const auto labels = split_labels(ascii);
  for (auto label : labels)
    if (auto ok = check_ascii_label(label); !ok) return std::unexpected(ok.error());
  if (ascii.size() > kMaxName)
    return std::unexpected(
        fmt::format("domain is {} octets long in DNS form (at most {})", ascii.size(), kMaxName));
  if (labels.size() < 2)
    return std::unexpected(
        fmt::format("'{}' is a single-label name (a mail domain has at least "
                    "two labels, e.g. '{}.nl')",
                    s, ascii));
  if (all_digits(labels.back()))
    return std::unexpected(fmt::format("top-level label '{}' is all digits", labels.back()));

  DomainName out{ascii, ascii};
  if (ascii.find("xn--") != std::string::npos) {
    auto u = idn_to_unicode(ascii);
    if (!u)
      return std::unexpected(fmt::format("'{}' cannot be shown in Unicode: {}", s, u.error()));
    out.display = std::move(*u);
  }
  return out;
}

}  // namespace nulmeting
