// tls_quality.cpp — measurement.md §4 tables (see tls_quality.hpp).
#include <nulmeting/verdict/tls_quality.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace nulmeting::verdict {
namespace {

constexpr TlsQuality G = TlsQuality::Good, S = TlsQuality::Sufficient, P = TlsQuality::PhaseOut,
                     I = TlsQuality::Insufficient;

// The grades follow the §4 rows: TLS 1.3 by its own table; ≤ 1.2: ECDHE_{ECDSA,RSA} with
// AES-GCM or CHACHA20-POLY1305 and ECDHE_ECDSA with AES-CCM are sufficient; ECDHE with
// AES-CBC-SHA256/384, CAMELLIA or ARIA and DHE_RSA with AES-GCM/CCM/CBC-SHA256, CHACHA20,
// CAMELLIA or ARIA are phase_out, unless a SHA-1 MAC makes them insufficient; CCM_8 (64-bit
// tag) is insufficient everywhere, as in the TLS 1.3 table. Everything else is insufficient.
constexpr std::array kSuites = std::to_array<SuiteInfo>({
    {0x0001, "TLS_RSA_WITH_NULL_MD5", "NULL-MD5", false, I},
    {0x0002, "TLS_RSA_WITH_NULL_SHA", "NULL-SHA", false, I},
    {0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "", false, I},
    {0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RC4-MD5", false, I},
    {0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA", false, I},
    {0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", "", false, I},
    {0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", "IDEA-CBC-SHA", false, I},
    {0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "", false, I},
    {0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "", false, I},
    {0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", false, I},
    {0x000B, "TLS_DH_DSS_EXPORT_WITH_DES40_CBC_SHA", "", false, I},
    {0x000C, "TLS_DH_DSS_WITH_DES_CBC_SHA", "", false, I},
    {0x000D, "TLS_DH_DSS_WITH_3DES_EDE_CBC_SHA", "", false, I},
    {0x000E, "TLS_DH_RSA_EXPORT_WITH_DES40_CBC_SHA", "", false, I},
    {0x000F, "TLS_DH_RSA_WITH_DES_CBC_SHA", "", false, I},
    {0x0010, "TLS_DH_RSA_WITH_3DES_EDE_CBC_SHA", "", false, I},
    {0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", "", false, I},
    {0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA", "", false, I},
    {0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", "DHE-DSS-DES-CBC3-SHA", false, I},
    {0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "", false, I},
    {0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", "", false, I},
    {0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", "DHE-RSA-DES-CBC3-SHA", false, I},
    {0x0017, "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5", "", false, I},
    {0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", "ADH-RC4-MD5", false, I},
    {0x0019, "TLS_DH_anon_EXPORT_WITH_DES40_CBC_SHA", "", false, I},
    {0x001A, "TLS_DH_anon_WITH_DES_CBC_SHA", "", false, I},
    {0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", "ADH-DES-CBC3-SHA", false, I},
    {0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", false, I},
    {0x0030, "TLS_DH_DSS_WITH_AES_128_CBC_SHA", "", false, I},
    {0x0031, "TLS_DH_RSA_WITH_AES_128_CBC_SHA", "", false, I},
    {0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "DHE-DSS-AES128-SHA", false, I},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", false, I},
    {0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", "ADH-AES128-SHA", false, I},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", false, I},
    {0x0036, "TLS_DH_DSS_WITH_AES_256_CBC_SHA", "", false, I},
    {0x0037, "TLS_DH_RSA_WITH_AES_256_CBC_SHA", "", false, I},
    {0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "DHE-DSS-AES256-SHA", false, I},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", false, I},
    {0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA", "ADH-AES256-SHA", false, I},
    {0x003B, "TLS_RSA_WITH_NULL_SHA256", "NULL-SHA256", false, I},
    {0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", false, I},
    {0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", false, I},
    {0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256", "DHE-DSS-AES128-SHA256", false, I},
    {0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", "CAMELLIA128-SHA", false, I},
    {0x0044, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", "DHE-DSS-CAMELLIA128-SHA", false, I},
    {0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", "DHE-RSA-CAMELLIA128-SHA", false, I},
    {0x0046, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA", "ADH-CAMELLIA128-SHA", false, I},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256", false, P},
    {0x006A, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256", "DHE-DSS-AES256-SHA256", false, I},
    {0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256", false, P},
    {0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256", "ADH-AES128-SHA256", false, I},
    {0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256", "ADH-AES256-SHA256", false, I},
    {0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", "CAMELLIA256-SHA", false, I},
    {0x0087, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", "DHE-DSS-CAMELLIA256-SHA", false, I},
    {0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", "DHE-RSA-CAMELLIA256-SHA", false, I},
    {0x0089, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA", "ADH-CAMELLIA256-SHA", false, I},
    {0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", "SEED-SHA", false, I},
    {0x0099, "TLS_DHE_DSS_WITH_SEED_CBC_SHA", "DHE-DSS-SEED-SHA", false, I},
    {0x009A, "TLS_DHE_RSA_WITH_SEED_CBC_SHA", "DHE-RSA-SEED-SHA", false, I},
    {0x009B, "TLS_DH_anon_WITH_SEED_CBC_SHA", "ADH-SEED-SHA", false, I},
    {0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", false, I},
    {0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", false, I},
    {0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", false, P},
    {0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", false, P},
    {0x00A2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "DHE-DSS-AES128-GCM-SHA256", false, I},
    {0x00A3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384", "DHE-DSS-AES256-GCM-SHA384", false, I},
    {0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", "ADH-AES128-GCM-SHA256", false, I},
    {0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", "ADH-AES256-GCM-SHA384", false, I},
    {0x00BA, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256", "CAMELLIA128-SHA256", false, I},
    {0x00BD, "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256", "DHE-DSS-CAMELLIA128-SHA256", false, I},
    {0x00BE, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "DHE-RSA-CAMELLIA128-SHA256", false, P},
    {0x00BF, "TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA256", "ADH-CAMELLIA128-SHA256", false, I},
    {0x00C0, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256", "CAMELLIA256-SHA256", false, I},
    {0x00C3, "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256", "DHE-DSS-CAMELLIA256-SHA256", false, I},
    {0x00C4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256", "DHE-RSA-CAMELLIA256-SHA256", false, P},
    {0x00C5, "TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA256", "ADH-CAMELLIA256-SHA256", false, I},
    {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true, S},
    {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true, G},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", true, G},
    {0x1304, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256", true, S},
    {0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256", true, I},
    {0xC001, "TLS_ECDH_ECDSA_WITH_NULL_SHA", "", false, I},
    {0xC002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA", "", false, I},
    {0xC003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA", "", false, I},
    {0xC004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA", "", false, I},
    {0xC005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA", "", false, I},
    {0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", "ECDHE-ECDSA-NULL-SHA", false, I},
    {0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA", false, I},
    {0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-ECDSA-DES-CBC3-SHA", false, I},
    {0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false, I},
    {0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false, I},
    {0xC00B, "TLS_ECDH_RSA_WITH_NULL_SHA", "", false, I},
    {0xC00C, "TLS_ECDH_RSA_WITH_RC4_128_SHA", "", false, I},
    {0xC00D, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA", "", false, I},
    {0xC00E, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA", "", false, I},
    {0xC00F, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA", "", false, I},
    {0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA", "ECDHE-RSA-NULL-SHA", false, I},
    {0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA", false, I},
    {0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA", false, I},
    {0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false, I},
    {0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false, I},
    {0xC015, "TLS_ECDH_anon_WITH_NULL_SHA", "AECDH-NULL-SHA", false, I},
    {0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA", "AECDH-RC4-SHA", false, I},
    {0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", "AECDH-DES-CBC3-SHA", false, I},
    {0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", "AECDH-AES128-SHA", false, I},
    {0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", "AECDH-AES256-SHA", false, I},
    {0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", false, P},
    {0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384", false, P},
    {0xC025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256", "", false, I},
    {0xC026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384", "", false, I},
    {0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", false, P},
    {0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", false, P},
    {0xC029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256", "", false, I},
    {0xC02A, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384", "", false, I},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false, S},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false, S},
    {0xC02D, "TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256", "", false, I},
    {0xC02E, "TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384", "", false, I},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false, S},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false, S},
    {0xC031, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", "", false, I},
    {0xC032, "TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384", "", false, I},
    {0xC03C, "TLS_RSA_WITH_ARIA_128_CBC_SHA256", "", false, I},
    {0xC03D, "TLS_RSA_WITH_ARIA_256_CBC_SHA384", "", false, I},
    {0xC044, "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256", "", false, P},
    {0xC045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384", "", false, P},
    {0xC048, "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256", "", false, P},
    {0xC049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384", "", false, P},
    {0xC04C, "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256", "", false, P},
    {0xC04D, "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384", "", false, P},
    {0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256", "ARIA128-GCM-SHA256", false, I},
    {0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384", "ARIA256-GCM-SHA384", false, I},
    {0xC052, "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256", "DHE-RSA-ARIA128-GCM-SHA256", false, P},
    {0xC053, "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384", "DHE-RSA-ARIA256-GCM-SHA384", false, P},
    {0xC056, "TLS_DHE_DSS_WITH_ARIA_128_GCM_SHA256", "DHE-DSS-ARIA128-GCM-SHA256", false, I},
    {0xC057, "TLS_DHE_DSS_WITH_ARIA_256_GCM_SHA384", "DHE-DSS-ARIA256-GCM-SHA384", false, I},
    {0xC05C, "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ECDSA-ARIA128-GCM-SHA256", false,
     P},
    {0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ECDSA-ARIA256-GCM-SHA384", false,
     P},
    {0xC060, "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", "ECDHE-ARIA128-GCM-SHA256", false, P},
    {0xC061, "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384", "ECDHE-ARIA256-GCM-SHA384", false, P},
    {0xC072, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-ECDSA-CAMELLIA128-SHA256",
     false, P},
    {0xC073, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-ECDSA-CAMELLIA256-SHA384",
     false, P},
    {0xC076, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256", "ECDHE-RSA-CAMELLIA128-SHA256", false,
     P},
    {0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", "ECDHE-RSA-CAMELLIA256-SHA384", false,
     P},
    {0xC07A, "TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256", "", false, I},
    {0xC07B, "TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384", "", false, I},
    {0xC07C, "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", "", false, P},
    {0xC07D, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", "", false, P},
    {0xC086, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256", "", false, P},
    {0xC087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", "", false, P},
    {0xC08A, "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256", "", false, P},
    {0xC08B, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", "", false, P},
    {0xC09C, "TLS_RSA_WITH_AES_128_CCM", "AES128-CCM", false, I},
    {0xC09D, "TLS_RSA_WITH_AES_256_CCM", "AES256-CCM", false, I},
    {0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM", "DHE-RSA-AES128-CCM", false, P},
    {0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM", "DHE-RSA-AES256-CCM", false, P},
    {0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8", "AES128-CCM8", false, I},
    {0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8", "AES256-CCM8", false, I},
    {0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8", "DHE-RSA-AES128-CCM8", false, I},
    {0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8", "DHE-RSA-AES256-CCM8", false, I},
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM", false, S},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM", false, S},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8", false, I},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", "ECDHE-ECDSA-AES256-CCM8", false, I},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false,
     S},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
     false, S},
    {0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305", false, P},
});

std::string_view strip_prefix(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix) ? s.substr(prefix.size()) : std::string_view{};
}

// "<prefix><decimal>" → the number, or -1.
long number_after(std::string_view s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return -1;
  s.remove_prefix(prefix.size());
  long n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return -1;
  return n;
}

TlsQuality grade_hash(std::string_view h) {
  if (h == "sha256" || h == "sha384" || h == "sha512") return G;
  if (h == "sha224") return P;
  return I;
}

// The §4 curves for EC keys: the ECDHE table's good curves that are signature curves.
// OpenSSL's prime256v1 is secp256r1.
TlsQuality grade_ec_curve(std::string_view c) {
  if (c == "secp256r1" || c == "prime256v1" || c == "secp384r1" || c == "secp521r1" ||
      c == "brainpoolP256r1" || c == "brainpoolP384r1" || c == "brainpoolP512r1")
    return G;
  if (c == "secp224r1") return P;
  return I;
}

}  // namespace

std::span<const SuiteInfo> known_suites() { return kSuites; }

const SuiteInfo* find_suite(std::uint16_t id) {
  auto it = std::lower_bound(kSuites.begin(), kSuites.end(), id,
                             [](const SuiteInfo& s, std::uint16_t v) { return s.id < v; });
  return it != kSuites.end() && it->id == id ? &*it : nullptr;
}

const SuiteInfo* find_suite(std::string_view name) {
  if (name.empty()) return nullptr;
  for (const SuiteInfo& s : kSuites)
    if (s.iana == name || s.openssl == name) return &s;
  return nullptr;
}

TlsQuality grade_suite(std::string_view iana) {
  const SuiteInfo* s = find_suite(iana);
  return s != nullptr && s->iana == iana ? s->grade : I;
}

TlsQuality grade_version(std::string_view v) {
  if (v == "TLSv1.3") return G;
  if (v == "TLSv1.2") return S;
  return I;
}

TlsQuality grade_ecdhe_group(std::string_view g) {
  if (g == "x25519" || g == "x448" || grade_ec_curve(g) == G) return G;
  if (g == "secp224r1") return P;
  return I;
}

TlsQuality grade_ffdhe_group(std::string_view g) {
  if (g == "ffdhe3072" || g == "ffdhe4096" || g == "ffdhe6144" || g == "ffdhe8192") return P;
  return I;
}

TlsQuality grade_kex_hash(std::string_view h) { return grade_hash(h); }

TlsQuality grade_cert_key(std::string_view k) {
  if (k == "ed25519" || k == "ed448") return G;
  if (long bits = number_after(k, "rsa-"); bits >= 0)
    return bits >= 3072 ? G : bits >= 2048 ? P : I;
  if (std::string_view curve = strip_prefix(k, "ec-"); !curve.empty()) return grade_ec_curve(curve);
  return I;
}

TlsQuality grade_cert_signature(std::string_view sig) {
  if (sig == "ed25519" || sig == "ed448") return G;
  const auto dash = sig.find('-');
  if (dash == std::string_view::npos) return I;
  const std::string_view algo = sig.substr(dash + 1);
  if (algo != "rsa" && algo != "ecdsa" && algo != "rsa-pss") return I;
  return grade_hash(sig.substr(0, dash));
}

TlsQuality worse(TlsQuality a, TlsQuality b) {
  auto rank = [](TlsQuality q) {
    switch (q) {
      case TlsQuality::Good:
        return 0;
      case TlsQuality::Sufficient:
        return 1;
      case TlsQuality::PhaseOut:
        return 2;
      case TlsQuality::Incomplete:
        return 3;
      case TlsQuality::Insufficient:
        return 4;
      case TlsQuality::NotApplicable:
        return -1;
    }
    return 4;
  };
  return rank(b) > rank(a) ? b : a;
}

bool is_pass_fail(TlsItem item) {
  switch (item) {
    case TlsItem::CipherOrder:
    case TlsItem::Compression:
    case TlsItem::SecureRenegotiation:
    case TlsItem::ExtendedMasterSecret:
      return true;
    default:
      return false;
  }
}

TlsQuality grade_item(const TlsItemResult& item) {
  switch (item.state) {
    case TlsItemState::Unknown:
      return TlsQuality::Incomplete;
    case TlsItemState::NotApplicable:
      return TlsQuality::NotApplicable;
    case TlsItemState::Measured:
      break;
  }
  if (is_pass_fail(item.item)) return item.found.empty() ? G : I;
  TlsQuality (*table)(std::string_view) = nullptr;
  switch (item.item) {
    case TlsItem::ProtocolVersions:
      table = grade_version;
      break;
    case TlsItem::Tls13Suites:
    case TlsItem::Tls12Suites:
      table = grade_suite;
      break;
    case TlsItem::EcdheGroups:
      table = grade_ecdhe_group;
      break;
    case TlsItem::FfdheGroups:
      table = grade_ffdhe_group;
      break;
    case TlsItem::KexHashes:
      table = grade_kex_hash;
      break;
    case TlsItem::CertKeys:
      table = grade_cert_key;
      break;
    case TlsItem::CertSignatures:
      table = grade_cert_signature;
      break;
    default:
      return I;  // unreachable: the pass/fail items returned above
  }
  TlsQuality q = TlsQuality::NotApplicable;
  for (const std::string& value : item.found) q = worse(q, table(value));
  return q;
}

TlsQuality address_tls_quality(const TlsAssessment& tls) {
  if (!tls.assessed) return TlsQuality::NotApplicable;
  TlsQuality q = TlsQuality::NotApplicable;
  for (const TlsItemResult& item : tls.items) q = worse(q, grade_item(item));
  return q == TlsQuality::NotApplicable ? TlsQuality::Incomplete : q;
}

void grade_assessment(TlsAssessment& tls) {
  for (TlsItemResult& item : tls.items) item.value = grade_item(item);
  tls.quality = address_tls_quality(tls);
}

}  // namespace nulmeting::verdict
