// tlsa.cpp — see tlsa.hpp.
#include <nulmeting/verdict/tlsa.hpp>

#include <openssl/x509.h>

#include <cctype>

namespace nulmeting::verdict {

bool tlsa_usable(const TlsaRecord& r) {
  if (r.usage != 2 && r.usage != 3) return false;
  if (r.selector > 1) return false;
  switch (r.matching_type) {
    case 1:
      return r.data.size() == 32;
    case 2:
      return r.data.size() == 64;
    case 0: {
      if (r.data.empty() || r.data.size() > kMaxTlsaData) return false;
      const unsigned char* p = r.data.data();
      const long len = static_cast<long>(r.data.size());
      if (r.selector == 0) {
        X509* x = d2i_X509(nullptr, &p, len);
        const bool ok = x != nullptr && p == r.data.data() + r.data.size();
        X509_free(x);
        return ok;
      }
      EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, len);
      const bool ok = k != nullptr && p == r.data.data() + r.data.size();
      EVP_PKEY_free(k);
      return ok;
    }
    default:
      return false;
  }
}

std::expected<TlsaRecord, std::string> parse_tlsa_rdata(std::span<const std::uint8_t> rdata) {
  if (rdata.size() < 3) return std::unexpected("TLSA RDATA shorter than 3 bytes");
  if (rdata.size() - 3 > kMaxTlsaData) return std::unexpected("TLSA RDATA too long");
  TlsaRecord r;
  r.usage = rdata[0];
  r.selector = rdata[1];
  r.matching_type = rdata[2];
  r.data.assign(rdata.begin() + 3, rdata.end());
  r.usable = tlsa_usable(r);
  return r;
}

namespace {
bool parse_u8(std::string_view& s, std::uint8_t& out) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  unsigned v = 0;
  std::size_t n = 0;
  while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) {
    v = v * 10 + static_cast<unsigned>(s[n] - '0');
    if (v > 255) return false;
    ++n;
  }
  if (n == 0 || (n < s.size() && !std::isspace(static_cast<unsigned char>(s[n])))) return false;
  out = static_cast<std::uint8_t>(v);
  s.remove_prefix(n);
  return true;
}
int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::expected<TlsaRecord, std::string> parse_tlsa_text(std::string_view text) {
  TlsaRecord r;
  if (!parse_u8(text, r.usage) || !parse_u8(text, r.selector) || !parse_u8(text, r.matching_type))
    return std::unexpected("TLSA: expected three numbers 0..255");
  int high = -1;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    const int v = hexval(c);
    if (v < 0) return std::unexpected("TLSA: data is not hexadecimal");
    if (high < 0) {
      high = v;
    } else {
      if (r.data.size() >= kMaxTlsaData) return std::unexpected("TLSA: data too long");
      r.data.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  if (high >= 0) return std::unexpected("TLSA: odd number of hex digits");
  r.usable = tlsa_usable(r);
  return r;
}

TlsaInfo tlsa_info_from(const DnsAnswer& answer, const std::string& base) {
  TlsaInfo t;
  t.status = answer.cls;
  t.base = base;
  for (const auto& text : answer.records) {
    if (auto rec = parse_tlsa_text(text)) {
      t.usable += rec->usable ? 1 : 0;
      t.records.push_back(std::move(*rec));
    } else {
      t.records.push_back(TlsaRecord{});  // usage 0: unusable by construction
    }
  }
  return t;
}

std::vector<TlsaRecord> usable_records(const TlsaInfo& info) {
  std::vector<TlsaRecord> out;
  if (info.status != DnsClass::Secure || info.base.empty()) return out;
  for (const auto& r : info.records)
    if (tlsa_usable(r)) out.push_back(r);
  return out;
}

}  // namespace nulmeting::verdict
