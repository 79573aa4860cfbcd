// tls_context.cpp — see tls_context.hpp.
#include <nulmeting/scanner/dane_verify.hpp>
#include <nulmeting/scanner/smtp_reply.hpp>
#include <nulmeting/scanner/tls_context.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace nulmeting::scanner {

std::string openssl_errors(std::string_view fallback) {
  std::string out;
  unsigned long e = 0;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string(fallback) : sanitize(out, 512);
}

namespace {
// The system trust store loaded into memory once (see the trap in the header): the CA bundle
// file if there is one, else the hashed certificate directory (stat per lookup, no readdir).
bool load_system_store(X509_STORE* store) {
  const char* env = std::getenv(X509_get_default_cert_file_env());
  const char* file = env != nullptr ? env : X509_get_default_cert_file();
  if (X509_STORE_load_file(store, file) == 1) return true;
  ERR_clear_error();
  X509_LOOKUP* dir = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
  const char* denv = std::getenv(X509_get_default_cert_dir_env());
  return dir != nullptr &&
         X509_LOOKUP_add_dir(dir, denv != nullptr ? denv : X509_get_default_cert_dir(),
                             X509_FILETYPE_PEM) == 1;
}
}  // namespace

std::expected<std::shared_ptr<TlsClientContext>, std::string> TlsClientContext::create(
    TlsOptions opts) {
  std::shared_ptr<TlsClientContext> c(new TlsClientContext());
  c->opts_ = std::move(opts);
  c->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!c->ctx_) return std::unexpected(openssl_errors("SSL_CTX_new failed"));
  SSL_CTX* ctx = c->ctx_.get();
  // Measurement, not delivery: every version and cipher the server might use.
  SSL_CTX_set_security_level(ctx, 0);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, 0) != 1 ||
      SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1)
    return std::unexpected(openssl_errors("cannot configure TLS versions/ciphers"));
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  if (!dane_context_setup(ctx)) return std::unexpected(openssl_errors("DANE setup failed"));

  c->pkix_.reset(X509_STORE_new());
  if (!c->pkix_) return std::unexpected(openssl_errors("X509_STORE_new failed"));
  if (c->opts_.load_system_cas && !load_system_store(c->pkix_.get()))
    return std::unexpected(openssl_errors("cannot load the system CA store"));
  if (!c->opts_.ca_file.empty() || !c->opts_.ca_dir.empty()) {
    const char* f = c->opts_.ca_file.empty() ? nullptr : c->opts_.ca_file.c_str();
    const char* d = c->opts_.ca_dir.empty() ? nullptr : c->opts_.ca_dir.c_str();
    if (X509_STORE_load_locations(c->pkix_.get(), f, d) != 1)
      return std::unexpected(openssl_errors("cannot load the CA file"));
  }
  ERR_clear_error();
  return c;
}

std::expected<TlsSession, std::string> TlsSession::create(const TlsClientContext& ctx,
                                                          const std::string& sni) {
  TlsSession s;
  s.ssl_.reset(SSL_new(ctx.ctx()));
  if (!s.ssl_) return std::unexpected(openssl_errors("SSL_new failed"));
  BIO* r = BIO_new(BIO_s_mem());
  BIO* w = BIO_new(BIO_s_mem());
  if (r == nullptr || w == nullptr) {
    BIO_free(r);
    BIO_free(w);
    return std::unexpected(openssl_errors("BIO_new failed"));
  }
  BIO_set_mem_eof_return(r, -1);  // empty = "try again", not EOF (see header)
  BIO_set_mem_eof_return(w, -1);
  SSL_set_bio(s.ssl_.get(), r, w);  // ssl owns both now
  s.rbio_ = r;
  s.wbio_ = w;
  SSL_set_connect_state(s.ssl_.get());
  if (!sni.empty() && SSL_set_tlsext_host_name(s.ssl_.get(), sni.c_str()) != 1)
    return std::unexpected(openssl_errors("cannot set SNI"));
  return s;
}

bool TlsSession::feed(std::string_view ciphertext, std::size_t max_pending) {
  if (ciphertext.empty()) return true;
  if (BIO_ctrl_pending(rbio_) + ciphertext.size() > max_pending) return false;
  return BIO_write(rbio_, ciphertext.data(), static_cast<int>(ciphertext.size())) ==
         static_cast<int>(ciphertext.size());
}

void TlsSession::feed_eof() noexcept {
  if (eof_fed_) return;
  eof_fed_ = true;
  BIO_set_mem_eof_return(rbio_, 0);
}

std::string TlsSession::take_output() {
  std::string out;
  const auto n = BIO_ctrl_pending(wbio_);
  if (n == 0) return out;
  out.resize(n);
  const int got = BIO_read(wbio_, out.data(), static_cast<int>(n));
  out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return out;
}

namespace {
// Maps SSL_get_error to an I/O state (PowerDNS tcpiohandler.cc does the same mapping for its
// sockets); with memory BIOs WANT_WRITE cannot happen (the outgoing BIO grows), WANT_READ means
// "wait for more ciphertext".
IoStatus map_ssl(SSL* ssl, int rc, std::string& error, bool& peer_eof, bool eof_fed) {
  const int e = SSL_get_error(ssl, rc);
  switch (e) {
    case SSL_ERROR_WANT_READ:
      if (eof_fed) {
        peer_eof = true;
        error = "connection closed during TLS";
        return IoStatus::Failed;
      }
      return IoStatus::NeedRead;
    case SSL_ERROR_WANT_WRITE:
      return IoStatus::NeedWrite;
    case SSL_ERROR_ZERO_RETURN:
      peer_eof = true;
      error = "TLS close_notify from peer";
      return IoStatus::Failed;
    case SSL_ERROR_SYSCALL:
      peer_eof = true;
      error = openssl_errors("connection closed during TLS");
      return IoStatus::Failed;
    default: {
      const unsigned long top = ERR_peek_error();
      if (ERR_GET_REASON(top) == SSL_R_UNEXPECTED_EOF_WHILE_READING) peer_eof = true;
      error = openssl_errors("TLS protocol error");
      return IoStatus::Failed;
    }
  }
}
}  // namespace

IoStatus TlsSession::handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) return IoStatus::Done;
  return map_ssl(ssl_.get(), rc, error_, peer_eof_, eof_fed_);
}

bool TlsSession::write(std::string_view plaintext) {
  ERR_clear_error();
  std::size_t written = 0;
  return SSL_write_ex(ssl_.get(), plaintext.data(), plaintext.size(), &written) == 1 &&
         written == plaintext.size();
}

IoStatus TlsSession::read(std::string& out, std::size_t max) {
  char buf[4096];
  while (max > 0) {
    ERR_clear_error();
    std::size_t got = 0;
    const int rc = SSL_read_ex(ssl_.get(), buf, std::min(max, sizeof buf), &got);
    if (rc != 1) {
      const IoStatus st = map_ssl(ssl_.get(), 0, error_, peer_eof_, eof_fed_);
      return st == IoStatus::NeedRead && SSL_pending(ssl_.get()) == 0 ? IoStatus::NeedRead : st;
    }
    out.append(buf, got);
    max -= got;
  }
  return IoStatus::NeedRead;
}

void TlsSession::shutdown() noexcept {
  ERR_clear_error();
  (void)SSL_shutdown(ssl_.get());
  ERR_clear_error();
}

// ---- evidence ----------------------------------------------------------------------------
namespace {
constexpr std::size_t kFieldCap = 512;
constexpr std::size_t kSanCap = 64;

std::string name_text(const X509_NAME* n) {
  BioPtr b(BIO_new(BIO_s_mem()));
  if (!b || n == nullptr) return {};
  X509_NAME_print_ex(b.get(), n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(b.get(), &data);
  return sanitize(std::string_view(data, static_cast<std::size_t>(std::max(0L, len))), kFieldCap);
}

std::string iso_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}
}  // namespace

CertSummary cert_summary(X509* cert) {
  CertSummary s;
  if (cert == nullptr) return s;
  s.subject = name_text(X509_get_subject_name(cert));
  s.issuer = name_text(X509_get_issuer_name(cert));
  if (auto* sans = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    const int n = sk_GENERAL_NAME_num(sans);
    for (int i = 0; i < n && s.sans.size() < kSanCap; ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type == GEN_DNS) {
        const ASN1_IA5STRING* d = g->d.dNSName;
        s.sans.push_back(
            sanitize(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(d)),
                                      static_cast<std::size_t>(ASN1_STRING_length(d))),
                     kFieldCap));
      } else if (g->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* ip = g->d.iPAddress;
        s.sans.push_back("IP:" + hex(ASN1_STRING_get0_data(ip),
                                     static_cast<std::size_t>(ASN1_STRING_length(ip))));
      }
    }
    GENERAL_NAMES_free(sans);
  }
  s.not_before = iso_time(X509_get0_notBefore(cert));
  s.not_after = iso_time(X509_get0_notAfter(cert));
  if (EVP_PKEY* k = X509_get0_pubkey(cert)) {
    switch (EVP_PKEY_get_base_id(k)) {
      case EVP_PKEY_RSA:
        s.key_type = "RSA";
        break;
      case EVP_PKEY_EC:
        s.key_type = "EC";
        break;
      case EVP_PKEY_ED25519:
        s.key_type = "ED25519";
        break;
      case EVP_PKEY_ED448:
        s.key_type = "ED448";
        break;
      case EVP_PKEY_DSA:
        s.key_type = "DSA";
        break;
      default:
        s.key_type = sanitize(EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "?", 32);
    }
    s.key_bits = EVP_PKEY_get_bits(k);
  }
  const int sig = X509_get_signature_nid(cert);
  s.signature_algorithm = sig == NID_undef ? "unknown" : OBJ_nid2ln(sig);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (X509_digest(cert, EVP_sha256(), md, &mdlen) == 1) s.sha256 = hex(md, mdlen);
  return s;
}

std::vector<std::uint8_t> peer_leaf_der(SSL* ssl) {
  std::vector<std::uint8_t> out;
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return out;
  const int n = i2d_X509(leaf, nullptr);
  if (n <= 0) return out;
  out.resize(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  i2d_X509(leaf, &p);
  return out;
}

void tls_evidence(SSL* ssl, std::size_t max_chain, ProbeResult& out) {
  out.tls_version = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) out.cipher = SSL_CIPHER_get_name(c);
  const int g = static_cast<int>(SSL_get_negotiated_group(ssl));
  if (g != 0 && g != NID_undef) {
    const char* name = SSL_group_to_name(ssl, g);
    out.group = name != nullptr ? name : "unknown";
  } else {
    // TLS ≤ 1.2 with finite-field DH (or static RSA): no named group. Record what was used.
    EVP_PKEY* tmp = nullptr;
    if (SSL_get_peer_tmp_key(ssl, &tmp) == 1 && tmp != nullptr) {
      out.group = std::string(EVP_PKEY_get0_type_name(tmp) ? EVP_PKEY_get0_type_name(tmp) : "DH") +
                  "-" + std::to_string(EVP_PKEY_get_bits(tmp));
      EVP_PKEY_free(tmp);
    } else {
      out.group = "none";
    }
  }
  out.chain.clear();
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    const int n = sk_X509_num(chain);
    for (int i = 0; i < n && out.chain.size() < max_chain; ++i)
      out.chain.push_back(cert_summary(sk_X509_value(chain, i)));
  }
  out.leaf_der = peer_leaf_der(ssl);
}

void pkix_check(SSL* ssl, X509_STORE* store, const std::string& host, ProbeResult& out) {
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr || store == nullptr) {
    out.pkix = Pkix::NotChecked;
    return;
  }
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, leaf, SSL_get_peer_cert_chain(ssl)) != 1) {
    out.pkix = Pkix::NotChecked;
    out.pkix_error = openssl_errors("cannot set up PKIX check");
    return;
  }
  X509_VERIFY_PARAM* p = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_purpose(p, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(p, host.c_str(), host.size());
  ERR_clear_error();
  if (X509_verify_cert(ctx.get()) == 1) {
    out.pkix = Pkix::Valid;
    out.pkix_error.clear();
  } else {
    out.pkix = Pkix::Invalid;
    out.pkix_error =
        X509_verify_cert_error_string(static_cast<long>(X509_STORE_CTX_get_error(ctx.get())));
  }
  ERR_clear_error();
}

}  // namespace nulmeting::scanner
