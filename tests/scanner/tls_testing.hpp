// tls_testing.hpp — test-only helpers: a small PKI made with OpenSSL's API at test time, TLSA
// data for its certificates, and an in-memory TLS server (memory BIOs) to handshake against.
// Used by the DANE, TLS and SMTP-probe tests; never linked into the scanner.
#pragma once

#include <nulmeting/scanner/tls_context.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace nulmeting::scanner::testing {

inline EvpPkeyPtr make_key(int rsa_bits = 0) {
  EVP_PKEY* k = rsa_bits > 0 ? EVP_RSA_gen(static_cast<unsigned>(rsa_bits)) : EVP_EC_gen("P-256");
  if (k == nullptr) throw std::runtime_error("keygen");
  return EvpPkeyPtr(k);
}

struct CertSpec {
  std::string cn;
  std::vector<std::string> sans;  // DNS names
  bool ca = false;
  long not_before = -3600;  // seconds from now
  long not_after = 86400 * 30;
  const EVP_MD* md = nullptr;  // default SHA-256
};

inline X509Ptr make_cert(const CertSpec& s, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr c(X509_new());
  X509_set_version(c.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), s.not_before);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), s.not_after);
  X509_set_pubkey(c.get(), key);
  X509_NAME* n = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c.get(), issuer ? X509_get_subject_name(issuer) : n);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : c.get(), c.get(), nullptr, nullptr, 0);
  auto add = [&](int nid, const std::string& v) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, v.c_str());
    if (e == nullptr) throw std::runtime_error("ext " + v);
    X509_add_ext(c.get(), e, -1);
    X509_EXTENSION_free(e);
  };
  add(NID_basic_constraints, s.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (s.ca) add(NID_key_usage, "critical,keyCertSign,cRLSign");
  add(NID_subject_key_identifier, "hash");
  if (!s.sans.empty()) {
    std::string v;
    for (const auto& d : s.sans) v += (v.empty() ? "DNS:" : ",DNS:") + d;
    add(NID_subject_alt_name, v);
  }
  if (X509_sign(c.get(), issuer_key ? issuer_key : key, s.md ? s.md : EVP_sha256()) <= 0)
    throw std::runtime_error("sign");
  return c;
}

inline std::vector<std::uint8_t> der_cert(X509* c) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(i2d_X509(c, nullptr)));
  unsigned char* p = out.data();
  i2d_X509(c, &p);
  return out;
}
inline std::vector<std::uint8_t> der_spki(X509* c) {
  EVP_PKEY* k = X509_get0_pubkey(c);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(i2d_PUBKEY(k, nullptr)));
  unsigned char* p = out.data();
  i2d_PUBKEY(k, &p);
  return out;
}
inline std::vector<std::uint8_t> digest(const std::vector<std::uint8_t>& in, const EVP_MD* md) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), out.data(), &n, md, nullptr);
  return out;
}
// The TLSA record "usage selector mtype" for certificate `c`.
inline TlsaRecord tlsa_for(X509* c, std::uint8_t u, std::uint8_t s, std::uint8_t m) {
  TlsaRecord r;
  r.usage = u;
  r.selector = s;
  r.matching_type = m;
  auto data = s == 0 ? der_cert(c) : der_spki(c);
  r.data = m == 0 ? data : digest(data, m == 1 ? EVP_sha256() : EVP_sha512());
  r.usable = (u == 2 || u == 3);
  return r;
}

// A server identity: key + chain (leaf first) in an SSL_CTX.
struct TestServer {
  SslCtxPtr ctx;
  explicit TestServer(EVP_PKEY* key, const std::vector<X509*>& chain, int min_version = 0,
                      int max_version = 0) {
    ctx.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
    if (min_version) SSL_CTX_set_min_proto_version(ctx.get(), min_version);
    if (max_version) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    SSL_CTX_use_certificate(ctx.get(), chain.at(0));
    for (std::size_t i = 1; i < chain.size(); ++i) {
      X509_up_ref(chain[i]);
      SSL_CTX_add_extra_chain_cert(ctx.get(), chain[i]);
    }
    if (SSL_CTX_use_PrivateKey(ctx.get(), key) != 1) throw std::runtime_error("server key");
  }
};

// Makes `ctx` use the RFC 7919 group `name` ("ffdhe3072") for DHE (OpenSSL's automatic DH
// would use RFC 3526 primes, which have no RFC 7919 name).
inline void set_dh_group(SSL_CTX* ctx, const char* name) {
  EVP_PKEY* dh = nullptr;
  EVP_PKEY_CTX* pc = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
      OSSL_PARAM_construct_end()};
  const bool ok = pc != nullptr && EVP_PKEY_paramgen_init(pc) == 1 &&
                  EVP_PKEY_CTX_set_params(pc, params) == 1 && EVP_PKEY_paramgen(pc, &dh) == 1;
  EVP_PKEY_CTX_free(pc);
  if (!ok || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
    EVP_PKEY_free(dh);
    throw std::runtime_error(std::string("DH group ") + name);
  }
}

// One server-side session over memory BIOs.
struct ServerSession {
  SslPtr ssl;
  BIO* rbio = nullptr;
  BIO* wbio = nullptr;
  explicit ServerSession(const TestServer& s) {
    ssl.reset(SSL_new(s.ctx.get()));
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    BIO_set_mem_eof_return(wbio, -1);
    SSL_set_bio(ssl.get(), rbio, wbio);
    SSL_set_accept_state(ssl.get());
  }
  void feed(std::string_view in) { BIO_write(rbio, in.data(), static_cast<int>(in.size())); }
  std::string take() {
    std::string out(BIO_ctrl_pending(wbio), '\0');
    if (!out.empty()) BIO_read(wbio, out.data(), static_cast<int>(out.size()));
    return out;
  }
  int step() { return SSL_do_handshake(ssl.get()); }
  std::string read_plain() {
    std::string out;
    char buf[1024];
    std::size_t n = 0;
    while (SSL_read_ex(ssl.get(), buf, sizeof buf, &n) == 1) out.append(buf, n);
    return out;
  }
  void write_plain(std::string_view s) {
    std::size_t n = 0;
    SSL_write_ex(ssl.get(), s.data(), s.size(), &n);
  }
};

// Runs a full handshake client<->server in memory. Returns true when the client finished.
inline bool handshake_in_memory(TlsSession& client, ServerSession& server) {
  for (int i = 0; i < 50; ++i) {
    const IoStatus st = client.handshake();
    server.feed(client.take_output());
    server.step();
    const std::string back = server.take();
    if (st == IoStatus::Done && back.empty()) return true;
    if (st == IoStatus::Failed) return false;
    client.feed(back);
  }
  return false;
}

// A small PKI: root CA -> intermediate CA -> leaf for mx.example.nl.
struct Pki {
  EvpPkeyPtr root_key = make_key(), inter_key = make_key(), leaf_key = make_key();
  X509Ptr root, inter, leaf;
  explicit Pki(CertSpec leaf_spec = {"mx.example.nl", {"mx.example.nl"}}) {
    root = make_cert({"Test Root", {}, true}, root_key.get(), nullptr, nullptr);
    inter = make_cert({"Test Intermediate", {}, true}, inter_key.get(), root.get(), root_key.get());
    leaf = make_cert(leaf_spec, leaf_key.get(), inter.get(), inter_key.get());
  }
};

}  // namespace nulmeting::scanner::testing
