// tls_hello.hpp — hand-built TLS/SSL ClientHello records and a bounded parser of the server's
// first answer, for what Debian's OpenSSL 3 cannot offer (measurement.md §4, issue 15): SSL 2,
// SSL 3, TLS compression and suites OpenSSL no longer has (3DES and other legacy suites); and
// the DH group of a DHE server read from its ServerKeyExchange, which spares both sides the
// DH computation a completed handshake costs.
//
// Who calls it: the TLS-quality assessment sends build_client_hello()/build_sslv2_client_hello()
// right after the server's 220 to STARTTLS and feeds what it reads to parse_server_reply(); the
// fuzz target tests/fuzz/tls_hello_fuzzer.cpp feeds arbitrary bytes. The evidence is a
// ServerHello that picks the offered version, suite or compression method; no handshake is ever
// completed (the caller closes the connection after the answer).
//
// Invariants: building and parsing never throw for any input: problems are values
// (HelloBuildError, ServerReply::Kind::garbage with a `why`). The parser looks at the first
// record only and never asks for more than max_server_reply_bytes in total, so a hostile length
// cannot make the caller buffer more than that (the key-exchange parser: max_server_flight_bytes
// over several records). Pure functions; no threading concerns.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner {

// Protocol versions as they appear on the wire.
namespace tls_version {
inline constexpr std::uint16_t ssl2 = 0x0002;
inline constexpr std::uint16_t ssl3 = 0x0300;
inline constexpr std::uint16_t tls10 = 0x0301;
inline constexpr std::uint16_t tls11 = 0x0302;
inline constexpr std::uint16_t tls12 = 0x0303;
inline constexpr std::uint16_t tls13 = 0x0304;
}  // namespace tls_version

// Compression methods (RFC 3749).
namespace tls_compression {
inline constexpr std::uint8_t null = 0;
inline constexpr std::uint8_t deflate = 1;
}  // namespace tls_compression

// Extension type numbers the builder sends or the parser reports.
namespace tls_ext {
inline constexpr std::uint16_t server_name = 0;
inline constexpr std::uint16_t supported_groups = 10;
inline constexpr std::uint16_t ec_point_formats = 11;
inline constexpr std::uint16_t signature_algorithms = 13;
inline constexpr std::uint16_t padding = 21;
inline constexpr std::uint16_t extended_master_secret = 23;
inline constexpr std::uint16_t supported_versions = 43;
inline constexpr std::uint16_t renegotiation_info = 0xff01;
}  // namespace tls_ext

// The 3DES suites (none of them exists in Debian's OpenSSL 3 at any security level).
inline constexpr std::array<std::uint16_t, 6> kTripleDesSuites = {
    0xc012,  // TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
    0xc008,  // TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA
    0x0016,  // TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA
    0x0013,  // TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA
    0x000a,  // TLS_RSA_WITH_3DES_EDE_CBC_SHA
    0x001b,  // TLS_DH_anon_WITH_3DES_EDE_CBC_SHA
};
// SCSV that signals secure renegotiation without the extension (RFC 5746 §3.3); SSL 3 hellos
// carry it instead of renegotiation_info because SSL 3 has no extensions.
inline constexpr std::uint16_t kEmptyRenegotiationInfoScsv = 0x00ff;

// Every SSL 2 cipher kind (3 bytes each, as in the SSL 2 draft).
inline constexpr std::array<std::uint32_t, 7> kSsl2CipherKinds = {
    0x010080,  // SSL_CK_RC4_128_WITH_MD5
    0x020080,  // SSL_CK_RC4_128_EXPORT40_WITH_MD5
    0x030080,  // SSL_CK_RC2_128_CBC_WITH_MD5
    0x040080,  // SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5
    0x050080,  // SSL_CK_IDEA_128_CBC_WITH_MD5
    0x060040,  // SSL_CK_DES_64_CBC_WITH_MD5
    0x0700c0,  // SSL_CK_DES_192_EDE3_CBC_WITH_MD5
};

// What one hand-built ClientHello offers. The defaults make a hello that real servers answer:
// the common groups and signature algorithms, uncompressed points, secure renegotiation and EMS
// signalled, padded out of the 256..511-byte range some middleboxes choke on (RFC 7685).
struct ClientHelloSpec {
  std::uint16_t record_version = tls_version::tls10;  // what most clients put on the record
  std::uint16_t client_version = tls_version::tls12;
  std::vector<std::uint16_t> cipher_suites;  // must not be empty
  std::vector<std::uint8_t> compression_methods = {tls_compression::null};
  std::string server_name;  // SNI host name; empty: no server_name extension
  std::vector<std::uint16_t> groups = {0x001d, 0x0017, 0x0018, 0x0019, 0x001e,
                                       0x001a, 0x001b, 0x001c, 0x0100, 0x0101};
  std::vector<std::uint16_t> signature_algorithms = {
      0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0808, 0x0401, 0x0501,
      0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602, 0x0203, 0x0201, 0x0202};
  bool ec_point_formats = true;        // uncompressed only
  bool renegotiation_info = true;      // empty renegotiation_info extension
  bool extended_master_secret = true;  // empty EMS extension
  // false: no extensions block at all (an SSL 3 hello; renegotiation then travels as the SCSV
  // when renegotiation_info is set).
  bool extensions = true;
  bool pad = true;  // RFC 7685 padding for hellos that would be 256..511 bytes long
  // Caller fills it with fresh random bytes; the builder is deterministic.
  std::array<std::uint8_t, 32> random{};
};

enum class HelloBuildError : std::uint8_t {
  no_cipher_suites,
  too_many_cipher_suites,  // the list does not fit a TLS record
  no_compression_methods,
  too_many_compression_methods,
  server_name_too_long,  // longer than 255 (a DNS name is never longer)
  too_many_groups,
  too_many_signature_algorithms,
};
std::string_view to_string(HelloBuildError) noexcept;

// One TLS record of type handshake holding one ClientHello.
std::expected<std::vector<std::uint8_t>, HelloBuildError> build_client_hello(
    const ClientHelloSpec& spec);

// An SSL 2 CLIENT-HELLO (2-byte record header) offering `cipher_kinds` (3-byte values, at most
// 1000) with the 16-byte `challenge`. Only for detecting SSL 2 support.
std::expected<std::vector<std::uint8_t>, HelloBuildError> build_sslv2_client_hello(
    std::span<const std::uint32_t> cipher_kinds, const std::array<std::uint8_t, 16>& challenge);

// The parser never needs more than this many bytes: a full record (2^14 plaintext plus the
// 2048 bytes RFC 5246 allows for expansion) and its header.
inline constexpr std::size_t max_server_reply_bytes = 5 + (1u << 14) + 2048;

struct ServerHello {
  std::uint16_t record_version = 0;
  std::uint16_t legacy_version = 0;  // server_version field
  std::uint16_t version = 0;  // negotiated: supported_versions when present, else legacy_version
  std::uint16_t cipher_suite = 0;
  std::uint8_t compression_method = 0;
  bool hello_retry_request = false;  // TLS 1.3 HelloRetryRequest (its special random)
  bool renegotiation_info = false;   // the server sent renegotiation_info (RFC 5746)
  bool extended_master_secret = false;
  std::vector<std::uint16_t> extensions;  // every extension type in order
};

struct Sslv2ServerHello {
  std::uint16_t version = 0;
  bool session_id_hit = false;
  std::uint8_t certificate_type = 0;
  std::uint16_t certificate_length = 0;
  std::vector<std::uint32_t> cipher_kinds;  // those the server supports
};

struct TlsAlert {
  std::uint8_t level = 0;  // 1 warning, 2 fatal
  std::uint8_t description = 0;
};

struct ServerReply {
  enum class Kind : std::uint8_t {
    need_more,     // a valid prefix; read at least `need` bytes in total, then parse again
    server_hello,  // hello is set
    sslv2_server_hello,
    sslv2_error,  // an SSL 2 ERROR message; sslv2_error_code is set
    alert,        // alert is set
    garbage,      // anything else; why says what
  };
  Kind kind = Kind::garbage;
  std::size_t need = 0;  // for need_more: total bytes needed, never above max_server_reply_bytes
  ServerHello hello;
  Sslv2ServerHello sslv2;
  std::uint16_t sslv2_error_code = 0;
  TlsAlert alert;
  std::string why;  // for garbage: what was wrong
};
std::string_view to_string(ServerReply::Kind) noexcept;

// Classifies the first bytes the server sent after our hello. Looks at one record only (a TLS
// record of type handshake or alert, or an SSL 2 record); bytes after what it needs are ignored.
// Returns need_more while `bytes` is a valid but short prefix, with `need` the total to read.
ServerReply parse_server_reply(std::span<const std::uint8_t> bytes);

// The finite-field DH parameters of a TLS 1.0-1.2 server, from the ServerKeyExchange that
// follows a ServerHello picking a DHE (or DH_anon) suite (RFC 5246 §7.4.3): the group of the
// "DHE group" item without completing the handshake, so neither side derives a secret and the
// client does not validate the server's public value (a full modular exponentiation: ~14 ms
// for a 3072-bit group, the largest CPU cost of an assessment when OpenSSL did it).
struct DheKeyExchange {
  std::vector<std::uint8_t> p, g;  // big-endian, leading zeros as sent
  // TLS 1.2's SignatureAndHashAlgorithm of the signed parameters; 0 when unsigned (DH_anon) or
  // the version has no such field (TLS 1.0/1.1).
  std::uint16_t signature_algorithm = 0;
  bool signed_params = false;
};
struct KeyExchangeReply {
  enum class Kind : std::uint8_t {
    need_more,  // read at least `need` bytes in total, then parse again
    dhe,        // dhe is set
    garbage,    // anything else (an alert or ServerHelloDone before the ServerKeyExchange...)
  };
  Kind kind = Kind::garbage;
  std::size_t need = 0;  // for need_more: never above max_server_flight_bytes
  DheKeyExchange dhe;
  std::string why;  // for garbage
};
// A server's first flight up to its ServerKeyExchange: ServerHello, Certificate (a chain of a
// few certificates) and CertificateStatus fit easily; more is refused as garbage.
inline constexpr std::size_t max_server_flight_bytes = 64 * 1024;

// Reads the handshake messages from the first byte of the server's reply (after our hello),
// reassembled across handshake records, up to the ServerKeyExchange, and parses it as DHE
// parameters (p, g, Ys, then the signature when one is present). Call it after
// parse_server_reply() said server_hello for a hello that offered only DHE suites. Bytes after
// the ServerKeyExchange are ignored; never asks for more than max_server_flight_bytes.
KeyExchangeReply parse_dhe_key_exchange(std::span<const std::uint8_t> bytes);

// The hash of a TLS 1.2 SignatureAndHashAlgorithm as the TLS-quality items name it ("sha256",
// "sha1", "md5"...; "" for EdDSA, which hashes inside the signature, and for unknown values).
std::string signature_hash_name(std::uint16_t signature_algorithm);

// Readable name of an alert description (RFC 8446 §6), e.g. "handshake_failure".
std::string_view tls_alert_name(std::uint8_t description) noexcept;

}  // namespace nulmeting::scanner
