// libFuzzer target: the TLS server-reply parser and the DHE key-exchange parser
// (scanner/tls_hello.hpp) on arbitrary bytes, and the ClientHello builder on specs derived from
// them.
// Invariants checked: no crash/UB (ASan+UBSan); need_more asks for more than it was given and
// never more than max_server_reply_bytes; a decided prefix stays decided the same way when more
// bytes follow (the parser reads one record and ignores the rest); a built hello's record and
// handshake lengths match its size.
#include <nulmeting/scanner/tls_hello.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

using namespace nulmeting::scanner;

namespace {
void check_reply(std::span<const std::uint8_t> in) {
  const auto r = parse_server_reply(in);
  if (r.kind == ServerReply::Kind::need_more) {
    if (r.need <= in.size() || r.need > max_server_reply_bytes) std::abort();
    return;
  }
  if (r.kind == ServerReply::Kind::garbage && r.why.empty()) std::abort();
  // Every shorter prefix is either undecided or decided the same way.
  for (std::size_t n = 0; n < in.size(); n += 1 + n / 8) {
    const auto p = parse_server_reply(in.first(n));
    if (p.kind != ServerReply::Kind::need_more && p.kind != r.kind) std::abort();
  }
}

// The DHE key-exchange parser: need_more asks for more than it was given and never more than
// max_server_flight_bytes; a decided prefix stays decided the same way when more bytes follow.
void check_key_exchange(std::span<const std::uint8_t> in) {
  const auto r = parse_dhe_key_exchange(in);
  using K = KeyExchangeReply::Kind;
  if (r.kind == K::need_more) {
    if (r.need <= in.size() || r.need > max_server_flight_bytes) std::abort();
    return;
  }
  if (r.kind == K::garbage && r.why.empty()) std::abort();
  if (r.kind == K::dhe && (r.dhe.p.empty() || r.dhe.g.empty())) std::abort();
  for (std::size_t n = 0; n < in.size(); n += 1 + n / 8) {
    const auto p = parse_dhe_key_exchange(in.first(n));
    if (p.kind != K::need_more && p.kind != r.kind) std::abort();
  }
  (void)signature_hash_name(in.size() >= 2 ? static_cast<std::uint16_t>((in[0] << 8) | in[1]) : 0);
}

void check_build(std::span<const std::uint8_t> in) {
  ClientHelloSpec s;
  for (std::size_t i = 0; i + 1 < in.size() && i < 600; i += 2)
    s.cipher_suites.push_back(static_cast<std::uint16_t>((in[i] << 8) | in[i + 1]));
  s.extensions = in.size() % 2 == 0;
  s.pad = in.size() % 3 != 0;
  s.renegotiation_info = in.size() % 5 != 0;
  if (in.size() > 3) s.server_name.assign(in[0] % 64, 'a');
  const auto b = build_client_hello(s);
  if (!b) {
    if (!s.cipher_suites.empty()) std::abort();
    return;
  }
  const auto& v = *b;
  if (v.size() < 9 || v[0] != 0x16) std::abort();
  if (static_cast<std::size_t>((v[3] << 8) | v[4]) != v.size() - 5) std::abort();
  const std::size_t hs = (std::size_t{v[6]} << 16) | (std::size_t{v[7]} << 8) | v[8];
  if (hs != v.size() - 9) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  check_reply(in);
  check_key_exchange(in);
  check_build(in);
  return 0;
}
