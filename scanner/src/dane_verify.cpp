// dane_verify.cpp — see dane_verify.hpp.
#include <nulmeting/scanner/dane_verify.hpp>
#include <nulmeting/scanner/tls_context.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace nulmeting::scanner {

namespace {

// What the verify callback saw during one handshake.
struct VerifyLog {
  bool name_mismatch = false;
  int first_error = X509_V_OK;  // first error other than the host name
  int first_depth = -1;
};

// Frees the per-SSL log together with the SSL.
void log_free_cb(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) noexcept {
  delete static_cast<VerifyLog*>(ptr);
}

int log_index() {
  static const int idx = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, log_free_cb);
  return idx;
}

int verify_cb(int ok, X509_STORE_CTX* sctx) noexcept {
  if (ok == 1) return 1;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl == nullptr) return 0;
  auto* log = static_cast<VerifyLog*>(SSL_get_ex_data(ssl, log_index()));
  if (log == nullptr) return 0;  // DANE not set up on this session: nothing to record
  const int err = X509_STORE_CTX_get_error(sctx);
  if (err == X509_V_ERR_HOSTNAME_MISMATCH) {
    // Record and go on: the rest of the chain checks still decide (see header).
    log->name_mismatch = true;
    X509_STORE_CTX_set_error(sctx, X509_V_OK);
    return 1;
  }
  if (log->first_error == X509_V_OK) {
    log->first_error = err;
    log->first_depth = X509_STORE_CTX_get_error_depth(sctx);
  }
  return 0;
}

std::string tlsa_text(std::uint8_t u, std::uint8_t s, std::uint8_t m, const unsigned char* d,
                      std::size_t n) {
  TlsaRecord r;
  r.usage = u;
  r.selector = s;
  r.matching_type = m;
  r.data.assign(d, d + n);
  return r.text();
}

}  // namespace

bool dane_context_setup(SSL_CTX* ctx) {
  if (SSL_CTX_dane_enable(ctx) <= 0) return false;
  SSL_CTX_dane_set_flags(ctx, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, verify_cb);
  return log_index() >= 0;
}

int dane_setup(SSL* ssl, const DaneParams& params) {
  int usable = 0;
  for (const auto& r : params.records)
    if (verdict::tlsa_usable(r)) ++usable;
  if (usable == 0 || params.base.empty()) return 0;
  ERR_clear_error();
  if (SSL_dane_enable(ssl, params.base.c_str()) <= 0) return -1;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  for (const auto& n : params.names)
    if (!n.empty() && n != params.base && SSL_add1_host(ssl, n.c_str()) != 1) return -1;
  int added = 0;
  for (const auto& r : params.records) {
    if (!verdict::tlsa_usable(r)) continue;
    // OpenSSL re-checks the data (lengths, DER); a record it refuses is not usable either.
    if (SSL_dane_tlsa_add(ssl, r.usage, r.selector, r.matching_type, r.data.data(), r.data.size()) >
        0)
      ++added;
  }
  ERR_clear_error();
  if (added == 0) return -1;
  if (SSL_set_ex_data(ssl, log_index(), new VerifyLog{}) != 1) return -1;
  return added;
}

void dane_evaluate(SSL* ssl, ProbeResult& out) {
  const auto* log = static_cast<const VerifyLog*>(SSL_get_ex_data(ssl, log_index()));
  out.dane_depth = -1;
  out.dane_matched.clear();
  const long vr = SSL_get_verify_result(ssl);
  if (log != nullptr && log->first_error == X509_V_OK && vr == X509_V_OK) {
    const int depth = SSL_get0_dane_authority(ssl, nullptr, nullptr);
    std::uint8_t u = 0, s = 0, m = 0;
    const unsigned char* data = nullptr;
    std::size_t dlen = 0;
    if (depth >= 0 && SSL_get0_dane_tlsa(ssl, &u, &s, &m, &data, &dlen) >= 0) {
      out.dane_depth = depth;
      out.dane_matched = tlsa_text(u, s, m, data, dlen);
      if (log->name_mismatch) {
        out.dane = DaneCheck::Failed;
        out.dane_reason = DaneFailReason::NameMismatch;
        if (!out.error) out.error = "DANE: hostname mismatch";
      } else {
        out.dane = DaneCheck::Authenticated;
        out.dane_reason = DaneFailReason::None;
      }
      return;
    }
  }
  out.dane = DaneCheck::Failed;
  const int err =
      (log != nullptr && log->first_error != X509_V_OK) ? log->first_error : static_cast<int>(vr);
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      out.dane_reason = DaneFailReason::Expired;
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
      out.dane_reason = DaneFailReason::NameMismatch;
      break;
    default:
      // DANE_NO_MATCH, but also an incomplete chain under a DANE-TA record: no record matched.
      out.dane_reason = DaneFailReason::NoMatch;
  }
  if (err != X509_V_OK && !out.error)
    out.error = std::string("DANE: ") + X509_verify_cert_error_string(err);
}

}  // namespace nulmeting::scanner
