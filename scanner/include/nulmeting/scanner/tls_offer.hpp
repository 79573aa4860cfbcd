// tls_offer.hpp — OpenSSL's side of the TLS-quality assessment: what this OpenSSL can offer
// (the planner's catalogue), an SSL_CTX for one planned offer, and the facts of one completed
// handshake (tls_plan.hpp's HandshakeFacts).
//
// Who calls it: ProbeScheduler (catalogue once per run, a context per step, facts per
// handshake through SmtpProbe) and the offline tests (a TlsSession against an in-memory server).
//
// A step's context is the probe's context narrowed to the offer: security level 0 (so weak
// values can be offered at all), exactly the step's versions, suites, groups and signature
// algorithms, no session state. Debian's OpenSSL 3 cannot offer SSL 2/3, compression, 3DES or
// RC4: those are not in the catalogue (tls_hello.hpp's raw ClientHello is their way).
// Threading: contexts are shared like TlsClientContext; functions are reentrant.
#pragma once

#include <nulmeting/scanner/tls_context.hpp>
#include <nulmeting/scanner/tls_plan.hpp>

#include <openssl/ssl.h>

#include <cstdint>
#include <span>
#include <string>

namespace nulmeting::scanner {

// Every suite, ECDHE group and signature hash this OpenSSL can offer, with its §4 class.
TlsCatalogue openssl_catalogue();

// What a completed handshake on `ssl` showed (versions, suite, group, DH group, key-exchange
// hash, EMS, secure renegotiation, the keys and signatures of every non-root certificate).
HandshakeFacts handshake_facts(SSL* ssl);

// A server's finite-field DH group by its prime (big-endian, as a ServerKeyExchange sends it):
// the RFC 7919 name when it is one of those primes ("ffdhe2048"), else "dh-<bits>". The one
// naming rule for both a completed handshake and a raw hello's ServerKeyExchange.
std::string dh_group_name(std::span<const std::uint8_t> prime);

}  // namespace nulmeting::scanner
