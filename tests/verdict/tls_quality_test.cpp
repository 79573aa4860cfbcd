// The §4 classification tables (nulmeting/verdict/tls_quality.hpp): every cell of every graded
// table, the suite catalogue's consistency, and the order of "worst of".
#include <nulmeting/verdict/tls_quality.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace nulmeting;
using namespace nulmeting::verdict;

namespace {
constexpr TlsQuality G = TlsQuality::Good, S = TlsQuality::Sufficient, P = TlsQuality::PhaseOut,
                     I = TlsQuality::Insufficient;
struct Row {
  const char* value;
  TlsQuality grade;
};
}  // namespace

TEST_CASE("grade_version: 1.3 good, 1.2 sufficient, anything older insufficient",
          "[verdict][tls_quality]") {
  const Row rows[] = {{"TLSv1.3", G}, {"TLSv1.2", S}, {"TLSv1.1", I}, {"TLSv1", I},
                      {"SSLv3", I},   {"SSLv2", I},   {"TLSv1.4", I}, {"", I}};
  for (const Row& r : rows) {
    INFO(r.value);
    CHECK(grade_version(r.value) == r.grade);
  }
}

TEST_CASE("grade_suite: the TLS 1.3 table", "[verdict][tls_quality]") {
  const Row rows[] = {{"TLS_AES_256_GCM_SHA384", G},
                      {"TLS_CHACHA20_POLY1305_SHA256", G},
                      {"TLS_AES_128_GCM_SHA256", S},
                      {"TLS_AES_128_CCM_SHA256", S},
                      {"TLS_AES_128_CCM_8_SHA256", I}};
  for (const Row& r : rows) {
    INFO(r.value);
    CHECK(grade_suite(r.value) == r.grade);
    REQUIRE(find_suite(r.value) != nullptr);
    CHECK(find_suite(r.value)->tls13);
  }
}

TEST_CASE("grade_suite: the TLS <= 1.2 table, every listed suite, the rest insufficient",
          "[verdict][tls_quality]") {
  const std::set<std::string> sufficient = {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                                            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                                            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                                            "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
                                            "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"};
  const std::set<std::string> phase_out = {
      // ECDHE with AES-CBC-SHA256/384
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
      // ECDHE with CAMELLIA
      "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384", "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
      // ECDHE with ARIA
      "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
      "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
      "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
      // DHE_RSA with AES-GCM, AES-CCM, AES-CBC-SHA256
      "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_DHE_RSA_WITH_AES_128_CCM", "TLS_DHE_RSA_WITH_AES_256_CCM",
      "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
      // DHE_RSA with CHACHA20, CAMELLIA, ARIA (not with a SHA-1 MAC)
      "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
      "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256", "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
      "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384", "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256",
      "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384", "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
      "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384"};
  std::size_t n_sufficient = 0, n_phase_out = 0;
  for (const SuiteInfo& s : known_suites()) {
    if (s.tls13) continue;
    const std::string name(s.iana);
    INFO(name);
    const TlsQuality expected = sufficient.contains(name) ? S : phase_out.contains(name) ? P : I;
    CHECK(s.grade == expected);
    CHECK(grade_suite(s.iana) == expected);
    n_sufficient += expected == S;
    n_phase_out += expected == P;
  }
  // Every suite the table names is in the catalogue (nothing listed was forgotten).
  CHECK(n_sufficient == sufficient.size());
  CHECK(n_phase_out == phase_out.size());
  // The insufficient kinds the contract names, by example.
  for (const char* weak :
       {"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        "TLS_RSA_WITH_NULL_SHA256", "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
        "TLS_DH_anon_WITH_AES_128_GCM_SHA256", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA",
        "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "TLS_DHE_RSA_WITH_AES_128_CCM_8", "TLS_NOT_A_SUITE",
        ""}) {
    INFO(weak);
    CHECK(grade_suite(weak) == I);
  }
}

TEST_CASE("known_suites: ordered, unique, findable by id and by either name",
          "[verdict][tls_quality]") {
  const auto suites = known_suites();
  REQUIRE(suites.size() > 100);
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < suites.size(); ++i) {
    const SuiteInfo& s = suites[i];
    INFO(s.iana);
    if (i > 0) CHECK(suites[i - 1].id < s.id);
    CHECK(names.insert(s.iana).second);
    CHECK(s.iana.starts_with("TLS_"));
    CHECK(s.tls13 == (s.id >> 8 == 0x13));
    CHECK(find_suite(s.id) == &s);
    CHECK(find_suite(s.iana) == &s);
    if (!s.openssl.empty()) {
      CHECK(find_suite(s.openssl) == &s);
      CHECK(names.insert(s.openssl).second == (s.openssl != s.iana));
    }
  }
  // Legacy suites the hand-built hello offers are in it.
  for (int id :
       {0x000A, 0x0004, 0x0005, 0x0003, 0x0008, 0x0001, 0x0018, 0xC017, 0x0041, 0xC03C, 0xC09C})
    CHECK(find_suite(static_cast<std::uint16_t>(id)) != nullptr);
  CHECK(find_suite(std::uint16_t{0x00FF}) == nullptr);  // SCSV is no suite
  CHECK(find_suite(std::uint16_t{0x5600}) == nullptr);
  CHECK(find_suite("ECDHE-RSA-AES128-GCM-SHA256")->id == 0xC02F);
  CHECK(find_suite("") == nullptr);
  // By OpenSSL name only the catalogue lookup works; grading wants the IANA spelling.
  CHECK(grade_suite("ECDHE-RSA-AES128-GCM-SHA256") == I);
}

TEST_CASE("grade_ecdhe_group", "[verdict][tls_quality]") {
  const Row rows[] = {{"secp256r1", G},
                      {"secp384r1", G},
                      {"secp521r1", G},
                      {"x25519", G},
                      {"x448", G},
                      {"brainpoolP256r1", G},
                      {"brainpoolP384r1", G},
                      {"brainpoolP512r1", G},
                      {"secp224r1", P},
                      {"secp192r1", I},
                      {"sect571r1", I},
                      {"secp256k1", I},
                      {"ffdhe2048", I},
                      {"", I}};
  for (const Row& r : rows) {
    INFO(r.value);
    CHECK(grade_ecdhe_group(r.value) == r.grade);
  }
}

TEST_CASE("grade_ffdhe_group: RFC 7919 >= 3072 phase_out, the rest insufficient",
          "[verdict][tls_quality]") {
  const Row rows[] = {{"ffdhe3072", P}, {"ffdhe4096", P}, {"ffdhe6144", P}, {"ffdhe8192", P},
                      {"ffdhe2048", I}, {"dh-4096", I},   {"dh-2048", I},   {"dh-1024", I},
                      {"dh-512", I},    {"x25519", I},    {"", I}};
  for (const Row& r : rows) {
    INFO(r.value);
    CHECK(grade_ffdhe_group(r.value) == r.grade);
  }
}

TEST_CASE("grade_kex_hash", "[verdict][tls_quality]") {
  const Row rows[] = {{"sha256", G}, {"sha384", G}, {"sha512", G},   {"sha224", P},
                      {"sha1", I},   {"md5", I},    {"md5-sha1", I}, {"", I}};
  for (const Row& r : rows) {
    INFO(r.value);
    CHECK(grade_kex_hash(r.value) == r.grade);
  }
}

TEST_CASE("grade_cert_key", "[verdict][tls_quality]") {
  const Row rows[] = {{"rsa-4096", G},
                      {"rsa-3072", G},
                      {"rsa-3071", P},
                      {"rsa-2048", P},
                      {"rsa-2047", I},
                      {"rsa-1024", I},
                      {"rsa-", I},
                      {"rsa-x", I},
                      {"ec-secp256r1", G},
                      {"ec-prime256v1", G},
                      {"ec-secp384r1", G},
                      {"ec-secp521r1", G},
                      {"ec-brainpoolP256r1", G},
                      {"ec-brainpoolP384r1", G},
                      {"ec-brainpoolP512r1", G},
                      {"ec-secp224r1", P},
                      {"ec-secp192r1", I},
                      {"ec-", I},
                      {"ed25519", G},
                      {"ed448", G},
                      {"dsa-2048", I},
                      {"dsa-1024", I},
                      {"", I}};
  for (const Row& r : rows) {
    INFO(r.value);
    CHECK(grade_cert_key(r.value) == r.grade);
  }
}

TEST_CASE("grade_cert_signature", "[verdict][tls_quality]") {
  const Row rows[] = {{"sha256-rsa", G},
                      {"sha384-rsa", G},
                      {"sha512-rsa", G},
                      {"sha256-ecdsa", G},
                      {"sha384-ecdsa", G},
                      {"sha512-ecdsa", G},
                      {"sha256-rsa-pss", G},
                      {"sha512-rsa-pss", G},
                      {"ed25519", G},
                      {"ed448", G},
                      {"sha224-rsa", P},
                      {"sha224-ecdsa", P},
                      {"sha1-rsa", I},
                      {"sha1-ecdsa", I},
                      {"md5-rsa", I},
                      {"sha256-dsa", I},
                      {"sha1-dsa", I},
                      {"sha256", I},
                      {"", I}};
  for (const Row& r : rows) {
    INFO(r.value);
    CHECK(grade_cert_signature(r.value) == r.grade);
  }
}

TEST_CASE("worse: good < sufficient < phase_out < incomplete < insufficient; n/a is no value",
          "[verdict][tls_quality]") {
  const TlsQuality C = TlsQuality::Incomplete, N = TlsQuality::NotApplicable;
  const TlsQuality order[] = {G, S, P, C, I};
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(worse(order[i], N) == order[i]);
    CHECK(worse(N, order[i]) == order[i]);
    for (std::size_t j = 0; j < 5; ++j) CHECK(worse(order[i], order[j]) == order[std::max(i, j)]);
  }
  CHECK(worse(N, N) == N);
}
