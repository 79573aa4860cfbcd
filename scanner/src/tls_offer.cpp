// tls_offer.cpp — see tls_offer.hpp.
#include <nulmeting/scanner/tls_offer.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace nulmeting::scanner {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& v, char sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// OpenSSL's curve names → the IANA names `found` uses.
std::string iana_curve(std::string n) {
  if (n == "prime256v1" || n == "P-256") return "secp256r1";
  if (n == "prime192v1" || n == "P-192") return "secp192r1";
  if (n == "P-384") return "secp384r1";
  if (n == "P-521") return "secp521r1";
  if (n == "X25519") return "x25519";
  if (n == "X448") return "x448";
  return n;
}

std::string hash_name(int mdnid) {
  if (mdnid == NID_undef) return "";
  if (mdnid == NID_md5_sha1) return "md5";  // TLS 1.0/1.1: the weaker of the two counts
  const char* sn = OBJ_nid2sn(mdnid);
  std::string h = sn != nullptr ? lower(sn) : "unknown";
  if (h == "sha-256") h = "sha256";
  return h;
}

std::string pkey_group(const EVP_PKEY* k) {
  char buf[80] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, buf, sizeof buf, &len) == 1)
    return std::string(buf, len);
  return "";
}

std::string key_name(EVP_PKEY* k) {
  if (k == nullptr) return "unknown";
  const int bits = EVP_PKEY_get_bits(k);
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return "rsa-" + std::to_string(bits);
    case EVP_PKEY_EC: {
      const std::string g = pkey_group(k);
      return "ec-" + (g.empty() ? std::to_string(bits) : iana_curve(g));
    }
    case EVP_PKEY_ED25519:
      return "ed25519";
    case EVP_PKEY_ED448:
      return "ed448";
    case EVP_PKEY_DSA:
      return "dsa-" + std::to_string(bits);
    default:
      return lower(EVP_PKEY_get0_type_name(k) ? EVP_PKEY_get0_type_name(k) : "unknown") + "-" +
             std::to_string(bits);
  }
}

std::string signature_name(X509* cert) {
  int mdnid = NID_undef, pknid = NID_undef;
  if (X509_get_signature_info(cert, &mdnid, &pknid, nullptr, nullptr) != 1) {
    const int sig = X509_get_signature_nid(cert);
    return sig == NID_undef ? "unknown" : lower(OBJ_nid2sn(sig));
  }
  if (pknid == NID_ED25519) return "ed25519";
  if (pknid == NID_ED448) return "ed448";
  const std::string h = hash_name(mdnid);
  switch (pknid) {
    case NID_rsaEncryption:
      return h + "-rsa";
    case NID_rsassaPss:
      return h + "-rsa-pss";
    case NID_X9_62_id_ecPublicKey:
      return h + "-ecdsa";
    case NID_dsa:
      return h + "-dsa";
    default:
      return h + "-" + lower(OBJ_nid2sn(pknid) ? OBJ_nid2sn(pknid) : "unknown");
  }
}

struct BnFree {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

BnPtr dh_prime(const EVP_PKEY* k) {
  BIGNUM* p = nullptr;
  if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, &p) != 1) return nullptr;
  return BnPtr(p);
}

// The prime as an RFC 7919 group name when it is one of them (a peer's key carries no name),
// else "dh-<bits>". The named primes are built once.
std::string dh_prime_name(const BIGNUM* p) {
  static const std::vector<std::pair<std::string, BnPtr>> named = [] {
    std::vector<std::pair<std::string, BnPtr>> v;
    for (const char* name : {"ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192"}) {
      EVP_PKEY* k = nullptr;
      EVP_PKEY_CTX* pc = EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr);
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0),
          OSSL_PARAM_construct_end()};
      if (pc != nullptr && EVP_PKEY_paramgen_init(pc) == 1 &&
          EVP_PKEY_CTX_set_params(pc, params) == 1 && EVP_PKEY_paramgen(pc, &k) == 1) {
        EvpPkeyPtr owned(k);
        if (auto prime = dh_prime(k)) v.emplace_back(name, std::move(prime));
      }
      EVP_PKEY_CTX_free(pc);
    }
    ERR_clear_error();
    return v;
  }();
  for (const auto& [name, prime] : named)
    if (BN_cmp(p, prime.get()) == 0) return name;
  return "dh-" + std::to_string(BN_num_bits(p));
}

std::string dh_group_name(const EVP_PKEY* peer) {
  if (auto p = dh_prime(peer)) return dh_prime_name(p.get());
  return "dh-" + std::to_string(EVP_PKEY_get_bits(peer));
}

bool offerable(const SSL_CIPHER* c) {
  // PSK and SRP suites are never sent without their credentials: not offerable here.
  switch (SSL_CIPHER_get_kx_nid(c)) {
    case NID_kx_psk:
    case NID_kx_rsa_psk:
    case NID_kx_ecdhe_psk:
    case NID_kx_dhe_psk:
    case NID_kx_srp:
      return false;
    default:
      break;
  }
  const int auth = SSL_CIPHER_get_auth_nid(c);
  return auth != NID_auth_psk && auth != NID_auth_srp;
}

}  // namespace

TlsCatalogue openssl_catalogue() {
  TlsCatalogue cat;
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return cat;
  SSL_CTX_set_security_level(ctx.get(), 0);
  // Every TLS 1.3 suite this OpenSSL implements, not only its default three.
  SSL_CTX_set_ciphersuites(ctx.get(),
                           "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                           "TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:"
                           "TLS_AES_128_CCM_8_SHA256");
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
  STACK_OF(SSL_CIPHER)* sk = SSL_CTX_get_ciphers(ctx.get());
  for (int i = 0; i < sk_SSL_CIPHER_num(sk); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(sk, i);
    if (!offerable(c)) continue;
    OfferableSuite s;
    s.iana = SSL_CIPHER_standard_name(c);
    s.openssl = SSL_CIPHER_get_name(c);
    s.tls13 = SSL_CIPHER_get_kx_nid(c) == NID_kx_any;  // TLS 1.3 suites name no key exchange
    s.ecdhe = SSL_CIPHER_get_kx_nid(c) == NID_kx_ecdhe;
    s.dhe = SSL_CIPHER_get_kx_nid(c) == NID_kx_dhe;
    s.cls = suite_class(s.iana);
    cat.suites.push_back(std::move(s));
  }
  static constexpr std::array<const char*, 31> groups = {
      "secp256r1",       "secp384r1",       "secp521r1",       "x25519",    "x448",
      "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1", "secp224r1", "secp160k1",
      "secp160r1",       "secp160r2",       "secp192k1",       "secp192r1", "secp224k1",
      "secp256k1",       "sect163k1",       "sect163r1",       "sect163r2", "sect193r1",
      "sect193r2",       "sect233k1",       "sect233r1",       "sect239k1", "sect283k1",
      "sect283r1",       "sect409k1",       "sect409r1",       "sect571k1", "sect571r1",
      "ffdhe2048"};
  for (const char* g : groups) {
    if (std::string_view(g).rfind("ffdhe", 0) == 0) continue;  // finite-field: its own item
    if (SSL_CTX_set1_groups_list(ctx.get(), g) != 1) {
      ERR_clear_error();
      continue;
    }
    cat.groups.push_back({g, g, group_class(g)});
  }
  struct H {
    const char* name;
    const char* list;
  };
  static constexpr std::array<H, 6> hashes = {
      {{"sha1", "RSA+SHA1:ECDSA+SHA1:DSA+SHA1"},
       {"sha224", "RSA+SHA224:ECDSA+SHA224:DSA+SHA224"},
       {"sha256", "RSA+SHA256:ECDSA+SHA256:rsa_pss_rsae_sha256"},
       {"sha384", "RSA+SHA384:ECDSA+SHA384:rsa_pss_rsae_sha384"},
       {"sha512", "RSA+SHA512:ECDSA+SHA512:rsa_pss_rsae_sha512"},
       {"md5", "RSA+MD5"}}};
  for (const auto& h : hashes) {
    if (SSL_CTX_set1_sigalgs_list(ctx.get(), h.list) != 1) {
      ERR_clear_error();  // this OpenSSL cannot offer it (MD5)
      continue;
    }
    cat.sigalgs.push_back({h.name, h.list, hash_class(h.name)});
  }
  ERR_clear_error();
  return cat;
}

std::expected<std::shared_ptr<TlsClientContext>, std::string> TlsClientContext::create_offer(
    const TlsOffer& offer) {
  std::shared_ptr<TlsClientContext> c(new TlsClientContext());
  c->ctx_.reset(SSL_CTX_new(TLS_client_method()));
  if (!c->ctx_) return std::unexpected(openssl_errors("SSL_CTX_new failed"));
  SSL_CTX* ctx = c->ctx_.get();
  SSL_CTX_set_security_level(ctx, 0);
  // An empty list is refused by OpenSSL; a version range without ≤1.2 (or 1.3) ignores it.
  const std::string tls12 =
      offer.tls12_suites.empty() ? std::string("ALL:@SECLEVEL=0") : join(offer.tls12_suites, ':');
  const std::string tls13 = offer.tls13_suites.empty()
                                ? std::string(
                                      "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                                      "TLS_AES_128_GCM_SHA256")
                                : join(offer.tls13_suites, ':');
  if (SSL_CTX_set_min_proto_version(ctx, offer.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, offer.max_version) != 1 ||
      SSL_CTX_set_cipher_list(ctx, (tls12 + ":@SECLEVEL=0").c_str()) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) != 1)
    return std::unexpected(openssl_errors("cannot configure the offer's versions/suites"));
  if (!offer.groups.empty() && SSL_CTX_set1_groups_list(ctx, join(offer.groups, ':').c_str()) != 1)
    return std::unexpected(openssl_errors("cannot configure the offer's groups"));
  if (!offer.sigalgs.empty() &&
      SSL_CTX_set1_sigalgs_list(ctx, join(offer.sigalgs, ':').c_str()) != 1)
    return std::unexpected(openssl_errors("cannot configure the offer's signature algorithms"));
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_NO_COMPRESSION |
                               SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  c->opts_.max_chain = 10;
  ERR_clear_error();
  return c;
}

std::string dh_group_name(std::span<const std::uint8_t> prime) {
  BnPtr p(BN_bin2bn(prime.data(), static_cast<int>(prime.size()), nullptr));
  if (!p) return "dh-" + std::to_string(prime.size() * 8);  // out of memory: the sent size
  return dh_prime_name(p.get());
}

HandshakeFacts handshake_facts(SSL* ssl) {
  HandshakeFacts f;
  f.version = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) f.suite = SSL_CIPHER_standard_name(c);
  const int g = static_cast<int>(SSL_get_negotiated_group(ssl));
  if (g != 0) {
    const char* name = SSL_group_to_name(ssl, g);
    f.group = iana_curve(name != nullptr ? name : OBJ_nid2sn(g));
  } else {
    EVP_PKEY* tmp = nullptr;
    if (SSL_get_peer_tmp_key(ssl, &tmp) == 1 && tmp != nullptr) {
      EvpPkeyPtr owned(tmp);
      if (EVP_PKEY_get_base_id(tmp) == EVP_PKEY_DH || EVP_PKEY_get_base_id(tmp) == EVP_PKEY_DHX) {
        f.dh_group = dh_group_name(tmp);
      }
    }
  }
  const bool tls13 = SSL_version(ssl) >= TLS1_3_VERSION;
  if (!tls13) {
    f.ems = SSL_get_extms_support(ssl) == 1;
    f.secure_renegotiation = SSL_get_secure_renegotiation_support(ssl) == 1;
    int nid = NID_undef;
    if (SSL_version(ssl) == TLS1_2_VERSION && SSL_get_peer_signature_nid(ssl, &nid) == 1)
      f.kex_hash = hash_name(nid);
  }
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      X509* cert = sk_X509_value(chain, i);
      // A self-signed certificate the server sends is a root: not graded (§4 "non-root").
      if (i > 0 && (X509_get_extension_flags(cert) & EXFLAG_SS) != 0) continue;
      for (auto [list, value] : {std::pair{&f.cert_keys, key_name(X509_get0_pubkey(cert))},
                                 std::pair{&f.cert_signatures, signature_name(cert)}})
        if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(value);
    }
  }
  ERR_clear_error();
  return f;
}

}  // namespace nulmeting::scanner
