// cert.hpp — test-only: a self-signed P-256 certificate with chosen DNS names, made with
// OpenSSL at test time, and its DER forms (certificate, SubjectPublicKeyInfo). The verdict
// tests need real DER to test TLSA usability and leaf name matching without the scanner.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace nulmeting::verdict::testing {

struct TestCert {
  std::vector<std::uint8_t> der;   // the certificate
  std::vector<std::uint8_t> spki;  // its SubjectPublicKeyInfo
};

inline TestCert make_test_cert(const std::string& cn, const std::vector<std::string>& sans) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> c(X509_new(), X509_free);
  if (!key || !c) throw std::runtime_error("openssl");
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 86400);
  X509_set_pubkey(c.get(), key.get());
  X509_NAME* n = X509_get_subject_name(c.get());
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c.get(), n);
  if (!sans.empty()) {
    std::string v;
    for (const auto& d : sans) v += (v.empty() ? "DNS:" : ",DNS:") + d;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, c.get(), c.get(), nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, v.c_str());
    if (e == nullptr) throw std::runtime_error("san");
    X509_add_ext(c.get(), e, -1);
    X509_EXTENSION_free(e);
  }
  if (X509_sign(c.get(), key.get(), EVP_sha256()) <= 0) throw std::runtime_error("sign");
  TestCert out;
  out.der.resize(static_cast<std::size_t>(i2d_X509(c.get(), nullptr)));
  unsigned char* p = out.der.data();
  i2d_X509(c.get(), &p);
  out.spki.resize(static_cast<std::size_t>(i2d_PUBKEY(key.get(), nullptr)));
  p = out.spki.data();
  i2d_PUBKEY(key.get(), &p);
  return out;
}

}  // namespace nulmeting::verdict::testing
