// tls_context.hpp — OpenSSL for measurement: the probe's client SSL_CTX and one TLS session
// driven through memory BIOs.
//
// Who calls it: SmtpProbe (one TlsSession per STARTTLS handshake), the DANE code
// (dane_verify.hpp) and the offline tests, which run a TlsSession against an in-memory server.
//
// Measure, do not deliver (measurement.md §2.3): the context offers TLS 1.0–1.3 and every
// cipher at OpenSSL security level 0 (so a 1024-bit RSA key or SHA-1 signature still
// handshakes and is recorded as a finding), allows legacy servers without secure renegotiation,
// and keeps no session state (cache off, no tickets) so that every probe is a full handshake.
// Verification mode is SSL_VERIFY_NONE: the handshake completes even when DANE fails, and the
// verify result is read back afterwards as evidence. PKIX against the system CA store is a second,
// information-only verification of the captured chain (pkix_check), without a second connection.
//
// Why memory BIOs (not a socket BIO with uv_poll): the probe already owns a byte-stream
// Transport for the SMTP chat; with memory BIOs the TLS layer is just bytes in/bytes out, so the
// same state machine runs over libuv TCP and over the scripted fake transport of the tests, and
// partial reads, resets and injected garbage are reproducible without sockets. The cost is one
// copy per TLS record, which is small next to the handshake itself.
//
// Trap: the incoming memory BIO must return "retry" (not EOF) when empty, or OpenSSL reports a
// premature EOF between two TCP segments: BIO_set_mem_eof_return(rbio, -1) until the peer closes.
//
// Trap: X509_STORE_set_default_paths() in OpenSSL 3 also adds the OSSL_STORE "file:" lookup of
// the certificate directory, which on every miss (every private-CA or self-signed chain) opens
// and reads the whole directory: measured as most of the probe's CPU (bench-smtp ratio 2.36).
// The PKIX store is therefore the CA bundle loaded into memory once (or the hashed directory
// lookup, which only stats).
//
// Threading: an SSL_CTX may be shared by probes on one loop thread; a TlsSession is single-thread.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner {

struct TlsOffer;  // tls_plan.hpp

// ---- owning aliases for OpenSSL objects ------------------------------------------------
struct SslCtxFree {
  void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
};
struct SslFree {
  void operator()(SSL* p) const noexcept { SSL_free(p); }
};
struct X509Free {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct X509StoreFree {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const noexcept { BIO_free_all(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, X509StoreCtxFree>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// Text of the OpenSSL error queue (and clears it); `fallback` when the queue is empty.
std::string openssl_errors(std::string_view fallback = "unknown TLS error");

struct TlsOptions {
  std::string ca_file;          // PKIX trust store file; empty = system default paths
  std::string ca_dir;           // PKIX trust store directory; empty = system default
  bool load_system_cas = true;  // false: PKIX store holds only ca_file/ca_dir (tests)
  std::size_t max_chain = 10;   // certificates summarised per chain (evidence cap, not a verdict)
};

// The probe's client context. Create once per scan, share by pointer.
class TlsClientContext {
 public:
  static std::expected<std::shared_ptr<TlsClientContext>, std::string> create(TlsOptions = {});
  // A context that offers exactly `offer` (one step of the TLS-quality assessment; no PKIX
  // store, no DANE). Defined in tls_offer.cpp.
  static std::expected<std::shared_ptr<TlsClientContext>, std::string> create_offer(
      const TlsOffer& offer);

  SSL_CTX* ctx() const noexcept { return ctx_.get(); }
  X509_STORE* pkix_store() const noexcept { return pkix_.get(); }
  const TlsOptions& options() const noexcept { return opts_; }

 private:
  TlsClientContext() = default;
  SslCtxPtr ctx_;
  X509StorePtr pkix_;
  TlsOptions opts_;
};

enum class IoStatus : std::uint8_t { NeedRead, NeedWrite, Done, Failed };

// One client TLS session over memory BIOs.
class TlsSession {
 public:
  // `sni` is sent as server name; DANE is configured separately (dane_verify.hpp).
  static std::expected<TlsSession, std::string> create(const TlsClientContext& ctx,
                                                       const std::string& sni);
  TlsSession(TlsSession&&) noexcept = default;
  TlsSession& operator=(TlsSession&&) noexcept = default;

  SSL* ssl() const noexcept { return ssl_.get(); }

  // Ciphertext from the peer. Returns false when the pending input passes `max_pending`.
  bool feed(std::string_view ciphertext, std::size_t max_pending = 1u << 18);
  void feed_eof() noexcept;  // the peer closed the TCP stream
  // Ciphertext to send to the peer (drains the outgoing BIO).
  std::string take_output();

  // One handshake step. On Failed, `error` says why and `peer_eof` whether the stream ended
  // without a TLS alert (a lost connection rather than a handshake refusal).
  IoStatus handshake();
  // Encrypts plaintext into the outgoing BIO.
  bool write(std::string_view plaintext);
  // Decrypted bytes available now appended to `out` (at most `max`); Failed on error/close.
  IoStatus read(std::string& out, std::size_t max);
  void shutdown() noexcept;  // queues close_notify

  const std::string& error() const noexcept { return error_; }
  bool peer_eof() const noexcept { return peer_eof_; }

 private:
  TlsSession() = default;
  SslPtr ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  std::string error_;
  bool peer_eof_ = false;
  bool eof_fed_ = false;
};

// ---- evidence ----------------------------------------------------------------------------
// Fills tls_version, cipher, group and chain (capped) of `out` from a finished handshake.
void tls_evidence(SSL* ssl, std::size_t max_chain, ProbeResult& out);
CertSummary cert_summary(X509* cert);
// The leaf certificate of the peer as DER (empty when none).
std::vector<std::uint8_t> peer_leaf_der(SSL* ssl);
// PKIX validity of the peer chain against `store`, with `host` as reference identifier
// (no partial wildcards). Information only.
void pkix_check(SSL* ssl, X509_STORE* store, const std::string& host, ProbeResult& out);

}  // namespace nulmeting::scanner
