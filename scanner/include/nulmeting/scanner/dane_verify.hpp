// dane_verify.hpp — DANE (RFC 7672) with OpenSSL's own DANE API, for one TLS session.
//
// Who calls it: SmtpProbe before the handshake (dane_setup) and after it (dane_evaluate); the
// offline tests call both on in-memory handshakes. This records what the handshake measured;
// the final per-address DANE value (no STARTTLS, TLS failure, TLSA lookup failure, the
// domain's own reference identifiers) is the verdict module's (nulmeting/verdict/address.hpp).
//
// How: SSL_CTX_dane_enable + DANE_FLAG_NO_DANE_EE_NAMECHECKS on the context; per session
// SSL_dane_enable(base), SSL_add1_host for the other reference identifiers, no partial
// wildcards, and SSL_dane_tlsa_add for USABLE records only (verdict::tlsa_usable; usage 0/1 and
// malformed data are filtered here, OpenSSL would take them). Digest agility (RFC 7671 §9) is
// OpenSSL's: SSL_CTX_dane_enable gives SHA2-512 a higher ordinal than SHA2-256, and for each
// usage+selector only records of the highest matching type present count (full data excepted).
// Verification runs with SSL_VERIFY_NONE so that the handshake completes and evidence is kept;
// a verify callback records every error. A host-name mismatch is recorded and then cleared so
// that verification continues: that way "failed: name_mismatch" with a depth means the chain
// otherwise authenticated (record, depth and expiry all fine), which is what makes the verdict
// module's re-check with the domain's own names (verdict::address_dane) sound. DANE-EE ignores
// names and expiry (OpenSSL, with the flag above); DANE-TA checks both. When both the name and
// something else fail, the other reason is reported.
//
// Threading: per session; the ex_data index is created once (thread-safe static).
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <openssl/ssl.h>

#include <span>
#include <string>
#include <vector>

namespace nulmeting::scanner {

// Context-wide DANE setup (called by TlsClientContext::create). False on error.
bool dane_context_setup(SSL_CTX* ctx);

struct DaneParams {
  std::string base;                 // TLSA base domain: first reference identifier
  std::vector<std::string> names;   // further reference identifiers (verdict::
                                    // probe_reference_names: the base domain only)
  std::vector<TlsaRecord> records;  // as received; only usable ones are used
};

// Configures DANE on `ssl` and returns the number of usable records added (0 = DANE not
// applicable: nothing is enabled). Returns -1 on an OpenSSL error.
int dane_setup(SSL* ssl, const DaneParams& params);

// Reads the DANE outcome of a finished handshake into out.dane / dane_reason / dane_depth /
// dane_matched. Only meaningful when dane_setup returned > 0.
void dane_evaluate(SSL* ssl, ProbeResult& out);

}  // namespace nulmeting::scanner
