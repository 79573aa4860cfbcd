// Table tests for the hand-built ClientHello, the ServerHello parser and the DHE key-exchange
// parser (tls_hello.hpp): hand-written byte vectors, every truncation of valid answers, hostile
// lengths, and round trips through a real OpenSSL server on memory BIOs.
#include "scanner/tls_testing.hpp"

#include <nulmeting/scanner/tls_hello.hpp>
#include <nulmeting/scanner/tls_offer.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting::scanner;
using Kind = ServerReply::Kind;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes fill(std::size_t n, std::uint8_t v) { return Bytes(n, v); }

ServerReply parse(const Bytes& b) { return parse_server_reply(b); }

// A TLS 1.2 ServerHello choosing ECDHE-RSA-AES128-GCM-SHA256 with EMS and renegotiation_info.
Bytes tls12_hello() {
  return cat(
      {{0x16, 0x03, 0x03, 0x00, 0x35, 0x02, 0x00, 0x00, 0x31, 0x03, 0x03},
       fill(32, 0x42),
       {0x00, 0xc0, 0x2f, 0x00, 0x00, 0x09, 0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00}});
}
// An SSL 3 ServerHello without extensions choosing TLS_RSA_WITH_3DES_EDE_CBC_SHA and deflate.
Bytes ssl3_hello() {
  return cat({{0x16, 0x03, 0x00, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, 0x03, 0x00},
              fill(32, 0x42),
              {0x00, 0x00, 0x0a, 0x01}});
}
// An SSL 2 SERVER-HELLO: 3-byte certificate, two cipher kinds, 16-byte connection id.
Bytes sslv2_hello() {
  return cat({{0x80, 0x24, 0x04, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x06, 0x00, 0x10},
              {0xaa, 0xbb, 0xcc},
              {0x07, 0x00, 0xc0, 0x01, 0x00, 0x80},
              fill(16, 0x55)});
}

}  // namespace

TEST_CASE("ClientHello: hand-written vectors", "[tls_hello]") {
  SECTION("TLS 1.2, one suite, no extensions") {
    ClientHelloSpec s;
    s.cipher_suites = {0x000a};
    s.extensions = false;
    s.renegotiation_info = false;
    s.random.fill(0x11);
    const auto b = build_client_hello(s);
    REQUIRE(b.has_value());
    CHECK(*b == cat({{0x16, 0x03, 0x01, 0x00, 0x2d, 0x01, 0x00, 0x00, 0x29, 0x03, 0x03},
                     fill(32, 0x11),
                     {0x00, 0x00, 0x02, 0x00, 0x0a, 0x01, 0x00}}));
  }
  SECTION("SSL 3 with deflate: renegotiation travels as the SCSV") {
    ClientHelloSpec s;
    s.record_version = tls_version::ssl3;
    s.client_version = tls_version::ssl3;
    s.cipher_suites = {0x000a};
    s.compression_methods = {tls_compression::deflate, tls_compression::null};
    s.extensions = false;
    s.random.fill(0x11);
    const auto b = build_client_hello(s);
    REQUIRE(b.has_value());
    CHECK(*b == cat({{0x16, 0x03, 0x00, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x00},
                     fill(32, 0x11),
                     {0x00, 0x00, 0x04, 0x00, 0x0a, 0x00, 0xff, 0x02, 0x01, 0x00}}));
  }
  SECTION("SNI, EMS and renegotiation_info extensions") {
    ClientHelloSpec s;
    s.cipher_suites = {0xc02f};
    s.server_name = "mx.nl";
    s.groups = {};
    s.signature_algorithms = {};
    s.ec_point_formats = false;
    s.pad = false;
    s.random.fill(0x11);
    const auto b = build_client_hello(s);
    REQUIRE(b.has_value());
    CHECK(*b ==
          cat({{0x16, 0x03, 0x01, 0x00, 0x46, 0x01, 0x00, 0x00, 0x42, 0x03, 0x03},
               fill(32, 0x11),
               {0x00, 0x00, 0x02, 0xc0, 0x2f, 0x01, 0x00, 0x00, 0x17},
               {0x00, 0x00, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x00, 0x05, 'm', 'x', '.', 'n', 'l'},
               {0x00, 0x17, 0x00, 0x00},
               {0xff, 0x01, 0x00, 0x01, 0x00}}));
  }
  SECTION("a hello of 256..511 bytes is padded to 512, a short one is not") {
    ClientHelloSpec s;
    s.cipher_suites.assign(100, 0x002f);
    auto b = build_client_hello(s);
    REQUIRE(b.has_value());
    CHECK(b->size() == 5 + 512);
    CHECK((*b)[3] == 0x02);
    CHECK((*b)[4] == 0x00);
    s.cipher_suites.assign(10, 0x002f);
    b = build_client_hello(s);
    REQUIRE(b.has_value());
    CHECK(b->size() == 5 + 152);
  }
  SECTION("SSL 2 CLIENT-HELLO") {
    std::array<std::uint8_t, 16> challenge{};
    challenge.fill(0xaa);
    const std::array<std::uint32_t, 1> kinds = {0x0700c0};
    const auto b = build_sslv2_client_hello(kinds, challenge);
    REQUIRE(b.has_value());
    CHECK(*b ==
          cat({{0x80, 0x1c, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x10, 0x07, 0x00, 0xc0},
               fill(16, 0xaa)}));
  }
  SECTION("errors are values") {
    ClientHelloSpec s;
    CHECK(build_client_hello(s).error() == HelloBuildError::no_cipher_suites);
    s.cipher_suites = {0x002f};
    s.compression_methods = {};
    CHECK(build_client_hello(s).error() == HelloBuildError::no_compression_methods);
    s.compression_methods = {0};
    s.server_name.assign(256, 'a');
    CHECK(build_client_hello(s).error() == HelloBuildError::server_name_too_long);
    s.server_name.clear();
    s.cipher_suites.assign(4001, 0x002f);
    CHECK(build_client_hello(s).error() == HelloBuildError::too_many_cipher_suites);
    const std::array<std::uint8_t, 16> challenge{};
    CHECK(build_sslv2_client_hello({}, challenge).error() == HelloBuildError::no_cipher_suites);
    CHECK(to_string(HelloBuildError::no_cipher_suites) == "no cipher suites");
  }
}

TEST_CASE("Server reply parser: valid answers", "[tls_hello]") {
  SECTION("TLS 1.2 ServerHello with EMS and renegotiation_info") {
    const auto r = parse(tls12_hello());
    REQUIRE(r.kind == Kind::server_hello);
    CHECK(r.hello.record_version == 0x0303);
    CHECK(r.hello.version == tls_version::tls12);
    CHECK(r.hello.cipher_suite == 0xc02f);
    CHECK(r.hello.compression_method == 0);
    CHECK(r.hello.extended_master_secret);
    CHECK(r.hello.renegotiation_info);
    CHECK_FALSE(r.hello.hello_retry_request);
    CHECK(r.hello.extensions == std::vector<std::uint16_t>{0x0017, 0xff01});
  }
  SECTION("SSL 3 ServerHello picking 3DES and deflate, no extensions") {
    const auto r = parse(ssl3_hello());
    REQUIRE(r.kind == Kind::server_hello);
    CHECK(r.hello.version == tls_version::ssl3);
    CHECK(r.hello.cipher_suite == 0x000a);
    CHECK(r.hello.compression_method == tls_compression::deflate);
    CHECK_FALSE(r.hello.extended_master_secret);
    CHECK_FALSE(r.hello.renegotiation_info);
    CHECK(r.hello.extensions.empty());
  }
  SECTION("TLS 1.3: supported_versions gives the version; HelloRetryRequest is recognised") {
    auto b = cat({{0x16, 0x03, 0x03, 0x00, 0x32, 0x02, 0x00, 0x00, 0x2e, 0x03, 0x03},
                  fill(32, 0x42),
                  {0x00, 0x13, 0x02, 0x00, 0x00, 0x06, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04}});
    auto r = parse(b);
    REQUIRE(r.kind == Kind::server_hello);
    CHECK(r.hello.legacy_version == tls_version::tls12);
    CHECK(r.hello.version == tls_version::tls13);
    CHECK(r.hello.cipher_suite == 0x1302);
    CHECK_FALSE(r.hello.hello_retry_request);
    const Bytes hrr = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                       0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                       0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};
    std::copy(hrr.begin(), hrr.end(), b.begin() + 11);
    r = parse(b);
    REQUIRE(r.kind == Kind::server_hello);
    CHECK(r.hello.hello_retry_request);
  }
  SECTION("bytes after the ServerHello in the same record are not needed") {
    auto b = ssl3_hello();
    b[4] = 0xff;  // the record also holds (unread) Certificate bytes
    const auto r = parse(b);
    REQUIRE(r.kind == Kind::server_hello);
    CHECK(r.hello.cipher_suite == 0x000a);
  }
  SECTION("alert") {
    const auto r = parse({0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28});
    REQUIRE(r.kind == Kind::alert);
    CHECK(r.alert.level == 2);
    CHECK(r.alert.description == 40);
    CHECK(tls_alert_name(r.alert.description) == "handshake_failure");
    CHECK(tls_alert_name(70) == "protocol_version");
  }
  SECTION("SSL 2 SERVER-HELLO and ERROR") {
    auto r = parse(sslv2_hello());
    REQUIRE(r.kind == Kind::sslv2_server_hello);
    CHECK(r.sslv2.version == tls_version::ssl2);
    CHECK(r.sslv2.certificate_type == 1);
    CHECK(r.sslv2.certificate_length == 3);
    CHECK(r.sslv2.cipher_kinds == std::vector<std::uint32_t>{0x0700c0, 0x010080});
    r = parse({0x80, 0x03, 0x00, 0x00, 0x01});
    REQUIRE(r.kind == Kind::sslv2_error);
    CHECK(r.sslv2_error_code == 1);
  }
}

TEST_CASE("Server reply parser: every truncation asks for more, within bounds", "[tls_hello]") {
  for (const auto& full : {tls12_hello(), ssl3_hello(), sslv2_hello(),
                           Bytes{0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46}}) {
    const auto whole = parse(full);
    REQUIRE(whole.kind != Kind::need_more);
    REQUIRE(whole.kind != Kind::garbage);
    for (std::size_t n = 0; n < full.size(); ++n) {
      const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      const auto r = parse(prefix);
      INFO("prefix " << n << " of " << full.size());
      REQUIRE(r.kind == Kind::need_more);
      CHECK(r.need > n);
      CHECK(r.need <= full.size());
    }
  }
}

TEST_CASE("Server reply parser: hostile and wrong input is garbage", "[tls_hello]") {
  struct Row {
    const char* name;
    Bytes in;
  };
  auto with = [](Bytes b, std::size_t at, std::uint8_t v) {
    b.at(at) = v;
    return b;
  };
  const std::vector<Row> rows = {
      {"plaintext SMTP", {'4', '5', '4', ' ', 'T', 'L', 'S', '\r', '\n'}},
      {"record version 2.x", {0x16, 0x02, 0x00}},
      {"record length 0", {0x16, 0x03, 0x01, 0x00, 0x00}},
      {"record length 0xffff", {0x16, 0x03, 0x01, 0xff, 0xff, 0x02}},
      {"change_cipher_spec first", {0x14, 0x03, 0x03, 0x00, 0x01, 0x01}},
      {"handshake record of 3 bytes", {0x16, 0x03, 0x03, 0x00, 0x03, 0x02, 0x00, 0x00}},
      {"Certificate before ServerHello", {0x16, 0x03, 0x03, 0x00, 0x10, 0x0b}},
      {"handshake length 0xffffff", {0x16, 0x03, 0x03, 0x00, 0x10, 0x02, 0xff, 0xff, 0xff}},
      {"handshake longer than its record", with(tls12_hello(), 8, 0x32)},
      {"ServerHello too short", {0x16, 0x03, 0x03, 0x00, 0x06, 0x02, 0x00, 0x00, 0x02, 0x03, 0x03}},
      {"ServerHello version 2.0", with(ssl3_hello(), 9, 0x02)},
      {"session id of 33", with(ssl3_hello(), 11 + 32, 33)},
      {"extensions length too long", with(tls12_hello(), 48, 0x0a)},
      {"extension longer than the message", with(tls12_hello(), 52, 0x06)},
      {"EMS with a body", with(tls12_hello(), 52, 0x01)},
      {"renegotiation_info not empty", with(tls12_hello(), 57, 0x01)},
      {"alert record of 1 byte", {0x15, 0x03, 0x03, 0x00, 0x01, 0x02}},
      {"SSL 2 record of 0", {0x80, 0x00}},
      {"SSL 2 record longer than the cap", {0xff, 0xd0, 0x04}},
      {"SSL 2 CLIENT-HELLO from a server", {0x80, 0x0b, 0x01}},
      {"SSL 2 ERROR of 4 bytes", {0x80, 0x04, 0x00, 0x00, 0x01, 0x00}},
      {"SSL 2 SERVER-HELLO lengths do not add up", with(sslv2_hello(), 8, 0x04)},
      {"SSL 2 cipher specs not a multiple of 3", with(sslv2_hello(), 10, 0x05)},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto r = parse(row.in);
    CHECK(r.kind == Kind::garbage);
    CHECK_FALSE(r.why.empty());
  }
  CHECK(parse({'2', '2', '0', ' ', 'x', '\r', '\n'}).why == "not TLS: '220 x'");
  CHECK(parse({}).kind == Kind::need_more);
  CHECK(to_string(Kind::server_hello) == "server_hello");
}

TEST_CASE("ClientHello round trip through OpenSSL's server", "[tls_hello]") {
  using namespace nulmeting::scanner::testing;
  const auto key = make_key();  // ECDSA P-256
  const auto cert = make_cert({"mx.example.nl", {"mx.example.nl"}}, key.get(), nullptr, nullptr);
  const TestServer server(key.get(), {cert.get()}, 0, TLS1_2_VERSION);
  auto answer = [&](const ClientHelloSpec& s) {
    ServerSession session(server);
    const auto hello = build_client_hello(s);
    REQUIRE(hello.has_value());
    session.feed(std::string_view(reinterpret_cast<const char*>(hello->data()), hello->size()));
    session.step();
    const auto out = session.take();
    return parse_server_reply(
        std::span(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
  };
  ClientHelloSpec s;
  s.server_name = "mx.example.nl";
  s.cipher_suites = {0xc02b};  // ECDHE-ECDSA-AES128-GCM-SHA256
  s.compression_methods = {tls_compression::deflate, tls_compression::null};

  SECTION("TLS 1.2 ServerHello with the offered suite, no compression, EMS and RI") {
    const auto r = answer(s);
    REQUIRE(r.kind == Kind::server_hello);
    CHECK(r.hello.version == tls_version::tls12);
    CHECK(r.hello.cipher_suite == 0xc02b);
    CHECK(r.hello.compression_method == tls_compression::null);
    CHECK(r.hello.extended_master_secret);
    CHECK(r.hello.renegotiation_info);
  }
  SECTION("no EMS offered: none echoed") {
    s.extended_master_secret = false;
    const auto r = answer(s);
    REQUIRE(r.kind == Kind::server_hello);
    CHECK_FALSE(r.hello.extended_master_secret);
  }
  SECTION("TLS 1.0 offered to a server that speaks it") {
    s.client_version = tls_version::tls10;
    s.cipher_suites = {0xc009};  // ECDHE-ECDSA-AES128-SHA
    const auto r = answer(s);
    REQUIRE(r.kind == Kind::server_hello);
    CHECK(r.hello.version == tls_version::tls10);
    CHECK(r.hello.cipher_suite == 0xc009);
  }
  SECTION("only 3DES offered: handshake_failure alert") {
    s.cipher_suites.assign(kTripleDesSuites.begin(), kTripleDesSuites.end());
    const auto r = answer(s);
    REQUIRE(r.kind == Kind::alert);
    CHECK(r.alert.description == 40);
  }
  SECTION("SSL 3 offered to OpenSSL 3 (which has none): an alert") {
    s.client_version = tls_version::ssl3;
    s.record_version = tls_version::ssl3;
    s.extensions = false;
    s.cipher_suites = {0xc009, 0x002f};
    const auto r = answer(s);
    REQUIRE(r.kind == Kind::alert);
    CHECK(r.alert.level == 2);
  }
}

namespace {

// A TLS record of type handshake around `frag` (record version TLS 1.2).
Bytes record(const Bytes& frag) {
  return cat({{0x16, 0x03, 0x03, static_cast<std::uint8_t>(frag.size() >> 8),
               static_cast<std::uint8_t>(frag.size() & 0xff)},
              frag});
}
// A handshake message of `type` around `body`.
Bytes message(std::uint8_t type, const Bytes& body) {
  return cat({{type, static_cast<std::uint8_t>(body.size() >> 16),
               static_cast<std::uint8_t>((body.size() >> 8) & 0xff),
               static_cast<std::uint8_t>(body.size() & 0xff)},
              body});
}
Bytes u16_prefixed(const Bytes& v) {
  return cat(
      {{static_cast<std::uint8_t>(v.size() >> 8), static_cast<std::uint8_t>(v.size() & 0xff)}, v});
}
// ServerHello (no extensions) at `version` picking `suite`.
Bytes server_hello(std::uint16_t version, std::uint16_t suite) {
  return message(
      2, cat({{static_cast<std::uint8_t>(version >> 8), static_cast<std::uint8_t>(version & 0xff)},
              fill(32, 0x42),
              {0x00, static_cast<std::uint8_t>(suite >> 8), static_cast<std::uint8_t>(suite & 0xff),
               0x00}}));
}
// ServerKeyExchange with a `pbytes`-byte prime, g = 2, then `sig` as sent.
Bytes key_exchange(std::size_t pbytes, const Bytes& sig) {
  return message(12, cat({u16_prefixed(fill(pbytes, 0xff)), u16_prefixed({2}),
                          u16_prefixed(fill(pbytes, 0x33)), sig}));
}
const Bytes kSig12 = cat({{0x04, 0x01}, u16_prefixed(fill(256, 0x5a))});  // rsa_pkcs1_sha256
const Bytes kCertificate = message(11, cat({{0x00, 0x03, 0x03}, fill(0x303, 0x30)}));

KeyExchangeReply kx(const Bytes& b) { return parse_dhe_key_exchange(b); }

}  // namespace

TEST_CASE("DHE key exchange parser: the group behind a ServerHello", "[tls_hello]") {
  using K = KeyExchangeReply::Kind;
  SECTION("TLS 1.2, every message in one record, signed with rsa_pkcs1_sha256") {
    const auto r = kx(record(cat(
        {server_hello(0x0303, 0x009f), kCertificate, key_exchange(384, kSig12), message(14, {})})));
    REQUIRE(r.kind == K::dhe);
    CHECK(r.dhe.p == fill(384, 0xff));
    CHECK(r.dhe.g == Bytes{2});
    CHECK(r.dhe.signed_params);
    CHECK(r.dhe.signature_algorithm == 0x0401);
    CHECK(signature_hash_name(r.dhe.signature_algorithm) == "sha256");
  }
  SECTION("messages spread over records, the key exchange split between two") {
    const Bytes flight =
        cat({server_hello(0x0303, 0x009f), kCertificate, key_exchange(256, kSig12)});
    const std::ptrdiff_t cut1 = 60, cut2 = static_cast<std::ptrdiff_t>(flight.size()) - 100;
    const auto r = kx(cat({record(Bytes(flight.begin(), flight.begin() + cut1)),
                           record(Bytes(flight.begin() + cut1, flight.begin() + cut2)),
                           record(Bytes(flight.begin() + cut2, flight.end()))}));
    REQUIRE(r.kind == K::dhe);
    CHECK(r.dhe.p.size() == 256);
    CHECK(r.dhe.signature_algorithm == 0x0401);
  }
  SECTION("DH_anon: no signature") {
    const auto r = kx(record(cat({server_hello(0x0303, 0x00a7), key_exchange(128, {})})));
    REQUIRE(r.kind == K::dhe);
    CHECK_FALSE(r.dhe.signed_params);
    CHECK(r.dhe.signature_algorithm == 0);
  }
  SECTION("TLS 1.0: signed, no SignatureAndHashAlgorithm field") {
    const auto r = kx(record(cat({server_hello(0x0301, 0x0039), kCertificate,
                                  key_exchange(128, u16_prefixed(fill(128, 0x5a)))})));
    REQUIRE(r.kind == K::dhe);
    CHECK(r.dhe.signed_params);
    CHECK(r.dhe.signature_algorithm == 0);
  }
  SECTION("every truncation asks for more, within bounds") {
    const Bytes flight =
        cat({server_hello(0x0303, 0x009f), kCertificate, key_exchange(256, kSig12)});
    const Bytes full = cat({record(Bytes(flight.begin(), flight.begin() + 70)),
                            record(Bytes(flight.begin() + 70, flight.end()))});
    REQUIRE(kx(full).kind == K::dhe);
    for (std::size_t n = 0; n < full.size(); ++n) {
      const auto r = kx(Bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
      INFO("prefix " << n << " of " << full.size());
      REQUIRE(r.kind == K::need_more);
      CHECK(r.need > n);
      CHECK(r.need <= full.size());
    }
  }
  SECTION("signature hash names") {
    CHECK(signature_hash_name(0x0201) == "sha1");
    CHECK(signature_hash_name(0x0101) == "md5");
    CHECK(signature_hash_name(0x0503) == "sha384");
    CHECK(signature_hash_name(0x0806) == "sha512");
    CHECK(signature_hash_name(0x0807).empty());  // ed25519
    CHECK(signature_hash_name(0x0000).empty());
  }
}

TEST_CASE("DHE key exchange parser: hostile and wrong input is garbage", "[tls_hello]") {
  const Bytes sh = server_hello(0x0303, 0x009f);
  struct Row {
    const char* name;
    Bytes in;
    const char* why;
  };
  const Bytes big_cert = message(11, fill(70000, 0x30));
  const std::vector<Row> rows = {
      {"ServerHelloDone first (not a DHE suite)", record(cat({sh, kCertificate, message(14, {})})),
       "ServerHelloDone before any ServerKeyExchange (not a DHE suite)"},
      {"an alert after the ServerHello",
       cat({record(sh), Bytes{0x15, 0x03, 0x03, 0x00, 0x02, 2, 40}}),
       "alert before ServerKeyExchange"},
      {"first message is not a ServerHello", record(kCertificate),
       "first handshake message is not a ServerHello"},
      {"TLS 1.3 ServerHello", record(server_hello(0x0304, 0x1301)),
       "ServerHello picked a version without ServerKeyExchange"},
      {"empty prime",
       record(cat({sh, message(12, cat({{0, 0}, u16_prefixed({2}), u16_prefixed({9})}))})),
       "ServerKeyExchange: DH p missing or cut off"},
      {"prime longer than the message", record(cat({sh, message(12, Bytes{0x01, 0x00, 0xff})})),
       "ServerKeyExchange: DH p missing or cut off"},
      {"signature length wrong",
       record(cat({sh, key_exchange(64, cat({{0x04, 0x01}, u16_prefixed(fill(10, 1)), {7}}))})),
       "ServerKeyExchange: signature length does not match"},
      {"signature cut off", record(cat({sh, key_exchange(64, {0x04, 0x01, 0x00})})),
       "ServerKeyExchange: signature cut off"},
      {"a certificate message over the flight limit",
       record(cat({sh, Bytes(big_cert.begin(), big_cert.begin() + 100)})),
       "handshake message longer than the flight limit"},
      {"application data record", cat({record(sh), Bytes{0x17, 0x03, 0x03, 0x00, 0x01, 0}}),
       "record before ServerKeyExchange is not handshake"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto r = kx(row.in);
    CHECK(r.kind == KeyExchangeReply::Kind::garbage);
    CHECK(r.why == row.why);
  }
  // Records of certificates that never end: refused at the flight limit, not buffered.
  Bytes endless = record(sh);
  while (endless.size() < max_server_flight_bytes + 20000)
    endless = cat({endless, record(fill(16000, 0x30))});
  // (0x30 0x30 0x30 0x30: a message of type 0x30: unexpected before ServerKeyExchange)
  CHECK(kx(endless).kind == KeyExchangeReply::Kind::garbage);
  Bytes certs = record(cat({sh, message(11, fill(15000, 0x30)), message(11, fill(0, 0))}));
  for (int i = 0; i < 6; ++i) certs = cat({certs, record(message(11, fill(15000, 0x30)))});
  const auto r = kx(Bytes(certs.begin(), certs.begin() + 60000));
  CHECK(r.kind == KeyExchangeReply::Kind::need_more);
  CHECK(kx(certs).kind == KeyExchangeReply::Kind::garbage);  // past 64 KiB without the key exchange
  CHECK(kx(certs).why.find("longer than 65536 bytes") != std::string::npos);
}

TEST_CASE("DHE key exchange round trip through OpenSSL's server", "[tls_hello]") {
  using namespace nulmeting::scanner::testing;
  const auto key = make_key(2048);
  const auto cert = make_cert({"mx.example.nl", {"mx.example.nl"}}, key.get(), nullptr, nullptr);
  const TestServer server(key.get(), {cert.get()}, 0, TLS1_2_VERSION);
  set_dh_group(server.ctx.get(), "ffdhe2048");
  auto flight = [&](std::uint16_t suite) {
    ServerSession session(server);
    ClientHelloSpec s;
    s.server_name = "mx.example.nl";
    s.cipher_suites = {suite};
    const auto hello = build_client_hello(s);
    REQUIRE(hello.has_value());
    session.feed(std::string_view(reinterpret_cast<const char*>(hello->data()), hello->size()));
    session.step();
    const auto out = session.take();
    return Bytes(out.begin(), out.end());
  };
  SECTION("DHE-RSA: ffdhe2048, signed") {
    const auto b = flight(0x009e);  // TLS_DHE_RSA_WITH_AES_128_GCM_SHA256
    REQUIRE(parse_server_reply(b).kind == Kind::server_hello);
    const auto r = parse_dhe_key_exchange(b);
    REQUIRE(r.kind == KeyExchangeReply::Kind::dhe);
    CHECK(r.dhe.p.size() == 256);
    CHECK(dh_group_name(r.dhe.p) == "ffdhe2048");
    CHECK(r.dhe.signed_params);
    CHECK_FALSE(signature_hash_name(r.dhe.signature_algorithm).empty());
  }
  SECTION("DH_anon: the same group, unsigned") {
    const auto r = parse_dhe_key_exchange(flight(0x00a6));  // TLS_DH_anon_WITH_AES_128_GCM_SHA256
    REQUIRE(r.kind == KeyExchangeReply::Kind::dhe);
    CHECK(dh_group_name(r.dhe.p) == "ffdhe2048");
    CHECK_FALSE(r.dhe.signed_params);
  }
  SECTION("ECDHE suite: no DH parameters") {
    const auto r = parse_dhe_key_exchange(flight(0xc02f));  // ECDHE-RSA-AES128-GCM-SHA256
    CHECK(r.kind == KeyExchangeReply::Kind::garbage);
  }
  CHECK(dh_group_name(Bytes{0x00, 0xc5}) == "dh-8");  // not an RFC 7919 prime: its size
}
