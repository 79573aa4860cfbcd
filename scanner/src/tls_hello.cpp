// tls_hello.cpp — see tls_hello.hpp.
#include <nulmeting/scanner/tls_hello.hpp>

#include <algorithm>

namespace nulmeting::scanner {

namespace {

constexpr std::uint8_t kHandshake = 0x16;
constexpr std::uint8_t kAlert = 0x15;
constexpr std::uint8_t kClientHello = 1;
constexpr std::uint8_t kServerHello = 2;
constexpr std::size_t kMaxFragment = (1u << 14) + 2048;

// SHA-256("HelloRetryRequest"): the random of a TLS 1.3 HelloRetryRequest (RFC 8446 §4.1.3).
constexpr std::array<std::uint8_t, 32> kHrrRandom = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

// Appends big-endian integers and back-patches length prefixes.
class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v & 0xff));
  }
  void u24(std::uint32_t v) {
    u8(static_cast<std::uint8_t>((v >> 16) & 0xff));
    u16(static_cast<std::uint16_t>(v & 0xffff));
  }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // Reserves a length field of `width` bytes; fill it with close().
  std::size_t open(std::size_t width) {
    const std::size_t at = out_.size();
    out_.insert(out_.end(), width, 0);
    return at;
  }
  // Writes the number of bytes after the field opened at `at` into that field.
  void close(std::size_t at, std::size_t width) {
    std::size_t len = out_.size() - at - width;
    for (std::size_t i = width; i-- > 0;) {
      out_[at + i] = static_cast<std::uint8_t>(len & 0xff);
      len >>= 8;
    }
  }
  std::size_t size() const { return out_.size(); }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

// Reads big-endian integers from a span; every read is bounds-checked by the caller via left().
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  std::size_t left() const { return b_.size() - pos_; }
  std::uint8_t u8() { return b_[pos_++]; }
  std::uint16_t u16() {
    const auto hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  std::uint32_t u24() {
    const std::uint32_t hi = u8();
    return (hi << 16) | u16();
  }
  std::span<const std::uint8_t> take(std::size_t n) {
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

// What is wrong with a TLS record's announced length, or nullptr.
const char* record_length_error(std::size_t len) {
  if (len == 0) return "empty record";
  if (len > kMaxFragment) return "record longer than 2^14 + 2048";
  return nullptr;
}

ServerReply garbage(std::string why) {
  ServerReply r;
  r.kind = ServerReply::Kind::garbage;
  r.why = std::move(why);
  return r;
}

ServerReply need(std::size_t n) {
  ServerReply r;
  r.kind = ServerReply::Kind::need_more;
  r.need = n;
  return r;
}

// The first bytes as printable text, for a `why` (servers often answer plaintext SMTP).
std::string printable_prefix(std::span<const std::uint8_t> b) {
  std::string s;
  for (std::size_t i = 0; i < b.size() && i < 40; ++i) {
    const auto c = b[i];
    if (c == '\r' || c == '\n') break;
    s.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  return s;
}

ServerReply parse_server_hello_body(std::span<const std::uint8_t> body,
                                    std::uint16_t record_version) {
  Reader r(body);
  ServerReply out;
  out.kind = ServerReply::Kind::server_hello;
  auto& h = out.hello;
  h.record_version = record_version;
  if (r.left() < 2 + 32 + 1) return garbage("ServerHello too short");
  h.legacy_version = r.u16();
  if ((h.legacy_version >> 8) != 3) return garbage("ServerHello version is not 3.x");
  const auto random = r.take(32);
  h.hello_retry_request = std::equal(random.begin(), random.end(), kHrrRandom.begin());
  const std::size_t sid_len = r.u8();
  if (sid_len > 32) return garbage("ServerHello session id longer than 32");
  if (r.left() < sid_len + 3) return garbage("ServerHello too short");
  r.take(sid_len);
  h.cipher_suite = r.u16();
  h.compression_method = r.u8();
  h.version = h.legacy_version;
  if (r.left() == 0) return out;  // no extensions (SSL 3, or a server that sends none)
  if (r.left() < 2) return garbage("ServerHello extensions length cut off");
  const std::size_t ext_total = r.u16();
  if (ext_total != r.left()) return garbage("ServerHello extensions length does not match");
  while (r.left() > 0) {
    if (r.left() < 4) return garbage("ServerHello extension header cut off");
    const auto type = r.u16();
    const std::size_t len = r.u16();
    if (len > r.left()) return garbage("ServerHello extension longer than the message");
    const auto ext = r.take(len);
    h.extensions.push_back(type);
    switch (type) {
      case tls_ext::supported_versions:
        if (len != 2) return garbage("supported_versions in ServerHello is not 2 bytes");
        h.version = static_cast<std::uint16_t>((ext[0] << 8) | ext[1]);
        break;
      case tls_ext::renegotiation_info:
        // On an initial handshake the server's renegotiated_connection must be empty.
        if (len != 1 || ext[0] != 0) return garbage("renegotiation_info is not empty");
        h.renegotiation_info = true;
        break;
      case tls_ext::extended_master_secret:
        if (len != 0) return garbage("extended_master_secret is not empty");
        h.extended_master_secret = true;
        break;
      default:
        break;
    }
  }
  return out;
}

ServerReply parse_tls_record(std::span<const std::uint8_t> b) {
  if (b.size() >= 2 && b[1] != 3) return garbage("record version is not 3.x");
  if (b.size() < 5) return need(5);
  const auto record_version = static_cast<std::uint16_t>((b[1] << 8) | b[2]);
  const std::size_t len = static_cast<std::size_t>((b[3] << 8) | b[4]);
  if (const char* e = record_length_error(len)) return garbage(e);
  const auto frag = b.subspan(5, std::min(len, b.size() - 5));

  if (b[0] == kAlert) {
    if (len < 2) return garbage("alert record shorter than 2 bytes");
    if (frag.size() < 2) return need(5 + 2);
    ServerReply out;
    out.kind = ServerReply::Kind::alert;
    out.alert = {frag[0], frag[1]};
    return out;
  }
  // Handshake: the ServerHello must be the first message and lie inside this record (servers
  // put it there; reassembling handshake fragments over records is not worth the code).
  if (len < 4) return garbage("handshake record shorter than a message header");
  if (frag.empty()) return need(5 + 4);
  if (frag[0] != kServerHello) return garbage("first handshake message is not a ServerHello");
  if (frag.size() < 4) return need(5 + 4);
  const std::size_t hs_len = (std::size_t{frag[1]} << 16) | (std::size_t{frag[2]} << 8) | frag[3];
  if (4 + hs_len > len) return garbage("ServerHello does not fit its record");
  if (frag.size() < 4 + hs_len) return need(5 + 4 + hs_len);
  return parse_server_hello_body(frag.subspan(4, hs_len), record_version);
}

ServerReply parse_sslv2_record(std::span<const std::uint8_t> b) {
  if (b.size() < 2) return need(2);
  const std::size_t len = (std::size_t{b[0] & 0x7fu} << 8) | b[1];
  if (len == 0) return garbage("empty SSL 2 record");
  if (len > kMaxFragment) return garbage("SSL 2 record longer than 2^14 + 2048");
  if (b.size() < 3) return need(3);
  const auto type = b[2];
  if (type == 0) {  // ERROR: message type, 2-byte error code
    if (len != 3) return garbage("SSL 2 ERROR is not 3 bytes");
    if (b.size() < 5) return need(5);
    ServerReply out;
    out.kind = ServerReply::Kind::sslv2_error;
    out.sslv2_error_code = static_cast<std::uint16_t>((b[3] << 8) | b[4]);
    return out;
  }
  if (type != 4) return garbage("SSL 2 record is not a SERVER-HELLO");
  if (len < 11) return garbage("SSL 2 SERVER-HELLO too short");
  if (b.size() < 2 + len) return need(2 + len);
  Reader r(b.subspan(2, len));
  r.u8();
  ServerReply out;
  out.kind = ServerReply::Kind::sslv2_server_hello;
  auto& h = out.sslv2;
  h.session_id_hit = r.u8() != 0;
  h.certificate_type = r.u8();
  h.version = r.u16();
  h.certificate_length = r.u16();
  const std::size_t cs_len = r.u16();
  const std::size_t conn_len = r.u16();
  if (cs_len % 3 != 0) return garbage("SSL 2 cipher specs length not a multiple of 3");
  if (std::size_t{h.certificate_length} + cs_len + conn_len != r.left())
    return garbage("SSL 2 SERVER-HELLO lengths do not add up");
  r.take(h.certificate_length);
  for (std::size_t i = 0; i < cs_len / 3; ++i) h.cipher_kinds.push_back(r.u24());
  return out;
}

KeyExchangeReply kx_garbage(std::string why) {
  KeyExchangeReply r;
  r.kind = KeyExchangeReply::Kind::garbage;
  r.why = std::move(why);
  return r;
}

KeyExchangeReply kx_need(std::size_t n) {
  if (n > max_server_flight_bytes)
    return kx_garbage("the server's first flight is longer than " +
                      std::to_string(max_server_flight_bytes) + " bytes before ServerKeyExchange");
  KeyExchangeReply r;
  r.kind = KeyExchangeReply::Kind::need_more;
  r.need = n;
  return r;
}

// One length-prefixed (2-byte) DH value of a ServerKeyExchange; false when cut off or empty.
bool dh_value(Reader& r, std::vector<std::uint8_t>* out) {
  if (r.left() < 2) return false;
  const std::size_t n = r.u16();
  if (n == 0 || n > r.left()) return false;
  const auto v = r.take(n);
  if (out != nullptr) out->assign(v.begin(), v.end());
  return true;
}

KeyExchangeReply parse_server_key_exchange(std::span<const std::uint8_t> body,
                                           std::uint16_t version) {
  Reader r(body);
  KeyExchangeReply out;
  out.kind = KeyExchangeReply::Kind::dhe;
  auto& d = out.dhe;
  if (!dh_value(r, &d.p)) return kx_garbage("ServerKeyExchange: DH p missing or cut off");
  if (!dh_value(r, &d.g)) return kx_garbage("ServerKeyExchange: DH g missing or cut off");
  if (!dh_value(r, nullptr)) return kx_garbage("ServerKeyExchange: DH Ys missing or cut off");
  if (r.left() == 0) return out;  // DH_anon: unsigned
  if (version == tls_version::tls12) {
    if (r.left() < 4) return kx_garbage("ServerKeyExchange: signature cut off");
    d.signature_algorithm = r.u16();
  } else if (r.left() < 2) {
    return kx_garbage("ServerKeyExchange: signature cut off");
  }
  const std::size_t sig_len = r.u16();
  if (sig_len == 0 || sig_len != r.left())
    return kx_garbage("ServerKeyExchange: signature length does not match");
  d.signed_params = true;
  return out;
}

}  // namespace

KeyExchangeReply parse_dhe_key_exchange(std::span<const std::uint8_t> bytes) {
  // Handshake bytes of the complete records so far, and where the next record starts.
  std::vector<std::uint8_t> hs;
  std::size_t at = 0;
  std::uint16_t version = 0;
  std::size_t msg = 0;  // start of the next handshake message in hs
  for (;;) {
    // Walk the complete messages reassembled so far.
    while (hs.size() - msg >= 4) {
      const std::uint8_t type = hs[msg];
      const std::size_t len =
          (std::size_t{hs[msg + 1]} << 16) | (std::size_t{hs[msg + 2]} << 8) | hs[msg + 3];
      if (len > max_server_flight_bytes)
        return kx_garbage("handshake message longer than the flight limit");
      if (hs.size() - msg - 4 < len) break;  // needs the next record
      const std::span<const std::uint8_t> body(hs.data() + msg + 4, len);
      if (msg == 0) {
        if (type != kServerHello) return kx_garbage("first handshake message is not a ServerHello");
        const auto sh = parse_server_hello_body(body, 0);
        if (sh.kind != ServerReply::Kind::server_hello) return kx_garbage(sh.why);
        version = sh.hello.version;
        if (version < tls_version::ssl3 || version > tls_version::tls12)
          return kx_garbage("ServerHello picked a version without ServerKeyExchange");
      } else if (type == 12) {
        return parse_server_key_exchange(body, version);
      } else if (type == 14) {
        return kx_garbage("ServerHelloDone before any ServerKeyExchange (not a DHE suite)");
      } else if (type != 11 && type != 22) {  // Certificate, CertificateStatus
        return kx_garbage("unexpected handshake message " + std::to_string(type) +
                          " before ServerKeyExchange");
      }
      msg += 4 + len;
    }
    // The next record.
    if (bytes.size() - at < 5) return kx_need(at + 5);
    const auto rec = bytes.subspan(at);
    if (rec[0] == kAlert) return kx_garbage("alert before ServerKeyExchange");
    if (rec[0] != kHandshake) return kx_garbage("record before ServerKeyExchange is not handshake");
    if (rec[1] != 3) return kx_garbage("record version is not 3.x");
    const std::size_t len = (std::size_t{rec[3]} << 8) | rec[4];
    if (const char* e = record_length_error(len)) return kx_garbage(e);
    if (rec.size() < 5 + len) return kx_need(at + 5 + len);
    hs.insert(hs.end(), rec.begin() + 5, rec.begin() + 5 + static_cast<std::ptrdiff_t>(len));
    at += 5 + len;
  }
}

std::string signature_hash_name(std::uint16_t sa) {
  switch (sa) {
    case 0x0804:  // rsa_pss_rsae_sha256
    case 0x0809:  // rsa_pss_pss_sha256
      return "sha256";
    case 0x0805:
    case 0x080a:
      return "sha384";
    case 0x0806:
    case 0x080b:
      return "sha512";
    default:
      break;
  }
  if ((sa & 0xff) > 3) return "";  // signature byte: anonymous 0, rsa 1, dsa 2, ecdsa 3
  switch (sa >> 8) {
    case 1:
      return "md5";
    case 2:
      return "sha1";
    case 3:
      return "sha224";
    case 4:
      return "sha256";
    case 5:
      return "sha384";
    case 6:
      return "sha512";
    default:
      return "";
  }
}

std::string_view to_string(HelloBuildError e) noexcept {
  switch (e) {
    case HelloBuildError::no_cipher_suites:
      return "no cipher suites";
    case HelloBuildError::too_many_cipher_suites:
      return "too many cipher suites";
    case HelloBuildError::no_compression_methods:
      return "no compression methods";
    case HelloBuildError::too_many_compression_methods:
      return "too many compression methods";
    case HelloBuildError::server_name_too_long:
      return "server name longer than 255";
    case HelloBuildError::too_many_groups:
      return "too many groups";
    case HelloBuildError::too_many_signature_algorithms:
      return "too many signature algorithms";
  }
  return "unknown";
}

std::string_view to_string(ServerReply::Kind k) noexcept {
  switch (k) {
    case ServerReply::Kind::need_more:
      return "need_more";
    case ServerReply::Kind::server_hello:
      return "server_hello";
    case ServerReply::Kind::sslv2_server_hello:
      return "sslv2_server_hello";
    case ServerReply::Kind::sslv2_error:
      return "sslv2_error";
    case ServerReply::Kind::alert:
      return "alert";
    case ServerReply::Kind::garbage:
      return "garbage";
  }
  return "unknown";
}

std::expected<std::vector<std::uint8_t>, HelloBuildError> build_client_hello(
    const ClientHelloSpec& spec) {
  // Limits keep the whole hello inside one 2^14-byte record.
  if (spec.cipher_suites.empty()) return std::unexpected(HelloBuildError::no_cipher_suites);
  if (spec.cipher_suites.size() > 4000)
    return std::unexpected(HelloBuildError::too_many_cipher_suites);
  if (spec.compression_methods.empty())
    return std::unexpected(HelloBuildError::no_compression_methods);
  if (spec.compression_methods.size() > 255)
    return std::unexpected(HelloBuildError::too_many_compression_methods);
  if (spec.server_name.size() > 255) return std::unexpected(HelloBuildError::server_name_too_long);
  if (spec.groups.size() > 1000) return std::unexpected(HelloBuildError::too_many_groups);
  if (spec.signature_algorithms.size() > 1000)
    return std::unexpected(HelloBuildError::too_many_signature_algorithms);

  Writer w;
  w.u8(kHandshake);
  w.u16(spec.record_version);
  const auto record_len = w.open(2);
  w.u8(kClientHello);
  const auto hs_len = w.open(3);
  w.u16(spec.client_version);
  w.bytes(spec.random);
  w.u8(0);  // no session id
  const auto suites = w.open(2);
  for (const auto s : spec.cipher_suites) w.u16(s);
  if (!spec.extensions && spec.renegotiation_info &&
      std::find(spec.cipher_suites.begin(), spec.cipher_suites.end(),
                kEmptyRenegotiationInfoScsv) == spec.cipher_suites.end())
    w.u16(kEmptyRenegotiationInfoScsv);
  w.close(suites, 2);
  w.u8(static_cast<std::uint8_t>(spec.compression_methods.size()));
  for (const auto c : spec.compression_methods) w.u8(c);

  if (spec.extensions) {
    const auto exts = w.open(2);
    if (!spec.server_name.empty()) {
      w.u16(tls_ext::server_name);
      const auto ext = w.open(2);
      const auto list = w.open(2);
      w.u8(0);  // host_name
      w.u16(static_cast<std::uint16_t>(spec.server_name.size()));
      for (const char c : spec.server_name) w.u8(static_cast<std::uint8_t>(c));
      w.close(list, 2);
      w.close(ext, 2);
    }
    // An extension whose body is one 2-byte-length list of 16-bit values.
    const auto u16_list_ext = [&w](std::uint16_t type, const auto& values) {
      if (values.empty()) return;
      w.u16(type);
      const auto ext = w.open(2);
      const auto list = w.open(2);
      for (const auto v : values) w.u16(v);
      w.close(list, 2);
      w.close(ext, 2);
    };
    u16_list_ext(tls_ext::supported_groups, spec.groups);
    if (spec.ec_point_formats) {
      w.u16(tls_ext::ec_point_formats);
      w.u16(2);
      w.u8(1);
      w.u8(0);  // uncompressed
    }
    u16_list_ext(tls_ext::signature_algorithms, spec.signature_algorithms);
    if (spec.extended_master_secret) {
      w.u16(tls_ext::extended_master_secret);
      w.u16(0);
    }
    if (spec.renegotiation_info) {
      w.u16(tls_ext::renegotiation_info);
      w.u16(1);
      w.u8(0);
    }
    // Some TLS terminators hang on a ClientHello message of 256..511 bytes: pad it to 512.
    const std::size_t msg_len = w.size() - 5;
    if (spec.pad && msg_len > 0xff && msg_len < 0x200) {
      std::size_t pad = 0x200 - msg_len;
      pad = pad >= 4 + 1 ? pad - 4 : 1;
      w.u16(tls_ext::padding);
      w.u16(static_cast<std::uint16_t>(pad));
      for (std::size_t i = 0; i < pad; ++i) w.u8(0);
    }
    w.close(exts, 2);
  }
  w.close(hs_len, 3);
  w.close(record_len, 2);
  return w.take();
}

std::expected<std::vector<std::uint8_t>, HelloBuildError> build_sslv2_client_hello(
    std::span<const std::uint32_t> cipher_kinds, const std::array<std::uint8_t, 16>& challenge) {
  if (cipher_kinds.empty()) return std::unexpected(HelloBuildError::no_cipher_suites);
  if (cipher_kinds.size() > 1000) return std::unexpected(HelloBuildError::too_many_cipher_suites);
  Writer w;
  const std::size_t body = 9 + 3 * cipher_kinds.size() + challenge.size();
  w.u16(static_cast<std::uint16_t>(0x8000 | body));  // 2-byte header, no padding
  w.u8(kClientHello);
  w.u16(tls_version::ssl2);
  w.u16(static_cast<std::uint16_t>(3 * cipher_kinds.size()));
  w.u16(0);  // no session id
  w.u16(static_cast<std::uint16_t>(challenge.size()));
  for (const auto k : cipher_kinds) w.u24(k & 0xffffff);
  w.bytes(challenge);
  return w.take();
}

ServerReply parse_server_reply(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return need(1);
  const auto b0 = bytes[0];
  if (b0 == kHandshake || b0 == kAlert) return parse_tls_record(bytes);
  if ((b0 & 0x80) != 0) return parse_sslv2_record(bytes);
  if (b0 >= 0x14 && b0 <= 0x18) return garbage("unexpected TLS record type");
  return garbage("not TLS: '" + printable_prefix(bytes) + "'");
}

std::string_view tls_alert_name(std::uint8_t d) noexcept {
  switch (d) {
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 22:
      return "record_overflow";
    case 30:
      return "decompression_failure";
    case 40:
      return "handshake_failure";
    case 42:
      return "bad_certificate";
    case 47:
      return "illegal_parameter";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 86:
      return "inappropriate_fallback";
    case 90:
      return "user_canceled";
    case 109:
      return "missing_extension";
    case 110:
      return "unsupported_extension";
    case 112:
      return "unrecognized_name";
    case 120:
      return "no_application_protocol";
    default:
      return "other";
  }
}

}  // namespace nulmeting::scanner
