// Offline DANE tests: in-memory handshakes against chains made at test time (tls_testing.hpp).
#include "scanner/tls_testing.hpp"

#include <nulmeting/scanner/dane_verify.hpp>
#include <nulmeting/scanner/tls_context.hpp>
#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <catch2/catch.hpp>
#include <openssl/pem.h>

#include <cstdlib>
#include <unistd.h>

using namespace nulmeting;
using namespace nulmeting::scanner;
using namespace nulmeting::scanner::testing;

namespace {
// The final DANE value the verdict module gives this handshake for a domain whose own
// reference identifiers are `names` (the re-check of a DANE-TA name mismatch).
DaneCheck for_domain(ProbeResult r, const std::vector<std::string>& names) {
  MxHostResult h;
  h.status = HostStatus::Ok;
  h.tlsa = verdict::tlsa_info_from(
      [] {
        DnsAnswer a;
        a.cls = DnsClass::Secure;
        a.records = {"2 0 1 " + std::string(64, 'a')};
        return a;
      }(),
      "base.example");
  r.outcome = ProbeOutcome::StarttlsOk;
  return verdict::address_dane(h, r, names).dane;
}

std::shared_ptr<TlsClientContext> client_ctx(const std::string& ca_file = {}) {
  TlsOptions o;
  o.load_system_cas = false;
  o.ca_file = ca_file;
  auto c = TlsClientContext::create(o);
  REQUIRE(c.has_value());
  return *c;
}

struct Run {
  ProbeResult r;
  int usable = 0;
  bool handshake = false;
};

Run run(EVP_PKEY* key, const std::vector<X509*>& chain, const std::vector<TlsaRecord>& tlsa,
        const std::string& base = "mx.example.nl", std::vector<std::string> names = {}) {
  auto ctx = client_ctx();
  TestServer server(key, chain);
  ServerSession ss(server);
  auto cs = TlsSession::create(*ctx, base);
  REQUIRE(cs.has_value());
  Run out;
  out.usable = dane_setup(cs->ssl(), DaneParams{base, std::move(names), tlsa});
  out.handshake = handshake_in_memory(*cs, ss);
  if (out.handshake) {
    tls_evidence(cs->ssl(), 10, out.r);
    if (out.usable > 0) dane_evaluate(cs->ssl(), out.r);
  }
  return out;
}

}  // namespace

TEST_CASE("DANE-EE: every selector and matching type authenticates at depth 0", "[dane]") {
  Pki pki;
  for (const std::uint8_t s : std::initializer_list<std::uint8_t>{0, 1})
    for (const std::uint8_t m : std::initializer_list<std::uint8_t>{0, 1, 2}) {
      CAPTURE(s, m);
      auto res = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                     {tlsa_for(pki.leaf.get(), 3, s, m)});
      REQUIRE(res.handshake);
      CHECK(res.usable == 1);
      CHECK(res.r.dane == DaneCheck::Authenticated);
      CHECK(res.r.dane_depth == 0);
      CHECK(res.r.dane_matched == tlsa_for(pki.leaf.get(), 3, s, m).text());
    }
}

TEST_CASE("DANE-EE ignores names and expiry", "[dane]") {
  Pki pki({"other.example.org", {"other.example.org"}, false, -86400 * 30, -86400});
  auto res = run(pki.leaf_key.get(), {pki.leaf.get()}, {tlsa_for(pki.leaf.get(), 3, 1, 1)});
  REQUIRE(res.handshake);
  CHECK(res.r.dane == DaneCheck::Authenticated);
  CHECK(res.r.dane_depth == 0);
}

TEST_CASE("DANE-EE mismatch is no_match", "[dane]") {
  Pki pki, other;
  auto res = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(other.leaf.get(), 3, 1, 1)});
  REQUIRE(res.handshake);  // the handshake completes although DANE fails: evidence is kept
  CHECK(res.r.dane == DaneCheck::Failed);
  CHECK(res.r.dane_reason == DaneFailReason::NoMatch);
  CHECK(res.r.dane_depth == -1);
  CHECK_FALSE(res.r.chain.empty());
}

TEST_CASE("DANE-TA: intermediate and root, every selector and matching type", "[dane]") {
  Pki pki;
  for (const std::uint8_t s : std::initializer_list<std::uint8_t>{0, 1})
    for (const std::uint8_t m : std::initializer_list<std::uint8_t>{0, 1, 2}) {
      CAPTURE(s, m);
      // Intermediate in the chain: depth 1.
      auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                   {tlsa_for(pki.inter.get(), 2, s, m)});
      REQUIRE(a.handshake);
      CHECK(a.r.dane == DaneCheck::Authenticated);
      CHECK(a.r.dane_depth == 1);
      // Root in the chain: depth 2.
      auto b = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get(), pki.root.get()},
                   {tlsa_for(pki.root.get(), 2, s, m)});
      CHECK(b.r.dane == DaneCheck::Authenticated);
      CHECK(b.r.dane_depth == 2);
    }
}

TEST_CASE("DANE-TA: a full trust anchor absent from the chain still authenticates", "[dane]") {
  Pki pki;
  SECTION("2 0 0 root, server sends leaf + intermediate") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.root.get(), 2, 0, 0)});
    CHECK(a.r.dane == DaneCheck::Authenticated);
    CHECK(a.r.dane_depth == 2);
  }
  SECTION("2 0 0 intermediate, server sends the leaf only") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get()}, {tlsa_for(pki.inter.get(), 2, 0, 0)});
    CHECK(a.r.dane == DaneCheck::Authenticated);
    CHECK(a.r.dane_depth == 1);
  }
  SECTION("2 1 0 intermediate key, server sends the leaf only") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get()}, {tlsa_for(pki.inter.get(), 2, 1, 0)});
    CHECK(a.r.dane == DaneCheck::Authenticated);
  }
  SECTION("2 0 1 digest of an absent root cannot match") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.root.get(), 2, 0, 1)});
    CHECK(a.r.dane == DaneCheck::Failed);
    CHECK(a.r.dane_reason == DaneFailReason::NoMatch);
  }
}

TEST_CASE("DANE-TA checks names: SAN, CN fallback, wildcards, extra identifiers", "[dane]") {
  SECTION("wrong name → name_mismatch with the record and depth kept") {
    Pki pki({"mail.other.nl", {"mail.other.nl"}});
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.inter.get(), 2, 1, 1)});
    CHECK(a.r.dane == DaneCheck::Failed);
    CHECK(a.r.dane_reason == DaneFailReason::NameMismatch);
    CHECK(a.r.dane_depth == 1);
    // The verdict module re-checks for a domain with its own reference identifiers.
    const std::vector<std::string> good{"example.org", "mail.other.nl"};
    CHECK(for_domain(a.r, good) == DaneCheck::Authenticated);
    const std::vector<std::string> bad{"example.org"};
    CHECK(for_domain(a.r, bad) == DaneCheck::Failed);
  }
  SECTION("host name as second reference identifier") {
    Pki pki({"mx.example.nl", {"mx.example.nl"}});
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.inter.get(), 2, 0, 1)}, "mx.cdn.example.net", {"mx.example.nl"});
    CHECK(a.r.dane == DaneCheck::Authenticated);
  }
  SECTION("wildcard as the whole left label matches") {
    Pki pki({"wild", {"*.example.nl"}});
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.inter.get(), 2, 0, 1)});
    CHECK(a.r.dane == DaneCheck::Authenticated);
  }
  SECTION("partial wildcard does not match") {
    Pki pki({"wild", {"m*.example.nl"}});
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.inter.get(), 2, 0, 1)});
    CHECK(a.r.dane_reason == DaneFailReason::NameMismatch);
    const std::vector<std::string> extra{"mx.example.nl"};
    CHECK(for_domain(a.r, extra) == DaneCheck::Failed);
  }
  SECTION("CN is used only without DNS SANs") {
    Pki cn_only({"mx.example.nl", {}});
    auto a = run(cn_only.leaf_key.get(), {cn_only.leaf.get(), cn_only.inter.get()},
                 {tlsa_for(cn_only.inter.get(), 2, 0, 1)});
    CHECK(a.r.dane == DaneCheck::Authenticated);
    Pki cn_and_san({"mx.example.nl", {"other.example.nl"}});
    auto b = run(cn_and_san.leaf_key.get(), {cn_and_san.leaf.get(), cn_and_san.inter.get()},
                 {tlsa_for(cn_and_san.inter.get(), 2, 0, 1)});
    CHECK(b.r.dane_reason == DaneFailReason::NameMismatch);
  }
}

TEST_CASE("DANE-TA checks expiry", "[dane]") {
  Pki expired({"mx.example.nl", {"mx.example.nl"}, false, -86400 * 30, -86400});
  auto a = run(expired.leaf_key.get(), {expired.leaf.get(), expired.inter.get()},
               {tlsa_for(expired.inter.get(), 2, 0, 1)});
  CHECK(a.r.dane == DaneCheck::Failed);
  CHECK(a.r.dane_reason == DaneFailReason::Expired);
  // Expired and wrong name: the other reason wins, and the re-check must not rescue it.
  Pki both({"x.other.nl", {"x.other.nl"}, false, -86400 * 30, -86400});
  auto b = run(both.leaf_key.get(), {both.leaf.get(), both.inter.get()},
               {tlsa_for(both.inter.get(), 2, 0, 1)});
  CHECK(b.r.dane_reason == DaneFailReason::Expired);
  const std::vector<std::string> extra{"x.other.nl"};
  CHECK(for_domain(b.r, extra) == DaneCheck::Failed);
}

TEST_CASE("Digest agility (RFC 7671 §9): only the strongest digest per usage+selector counts",
          "[dane]") {
  Pki pki, other;
  auto good256 = tlsa_for(pki.leaf.get(), 3, 1, 1);
  auto bad512 = tlsa_for(other.leaf.get(), 3, 1, 2);
  auto good512 = tlsa_for(pki.leaf.get(), 3, 1, 2);
  auto bad256 = tlsa_for(other.leaf.get(), 3, 1, 1);
  SECTION("3 1 1 matches but 3 1 2 does not: FAIL") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get()}, {good256, bad512});
    CHECK(a.usable == 2);
    CHECK(a.r.dane == DaneCheck::Failed);
    CHECK(a.r.dane_reason == DaneFailReason::NoMatch);
  }
  SECTION("3 1 2 matches, 3 1 1 does not: authenticated") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get()}, {bad256, good512});
    CHECK(a.r.dane == DaneCheck::Authenticated);
  }
  SECTION("another selector is judged on its own") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get()}, {bad512, tlsa_for(pki.leaf.get(), 3, 0, 1)});
    CHECK(a.r.dane == DaneCheck::Authenticated);
  }
}

TEST_CASE("Usages 0 and 1 and malformed records are filtered, and counted as unusable", "[dane]") {
  Pki pki;
  SECTION("only PKIX usages: DANE not applicable") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.leaf.get(), 1, 1, 1), tlsa_for(pki.inter.get(), 0, 0, 1)});
    CHECK(a.usable == 0);
    CHECK(a.r.dane == DaneCheck::NotApplicable);
  }
  SECTION("a matching usage-1 record does not rescue a failing usage-3 record") {
    auto a = run(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()},
                 {tlsa_for(pki.leaf.get(), 1, 1, 1), tlsa_for(pki.inter.get(), 3, 1, 1)});
    CHECK(a.usable == 1);
    CHECK(a.r.dane == DaneCheck::Failed);
  }
  SECTION("a short digest is malformed") {
    auto bad = tlsa_for(pki.leaf.get(), 3, 1, 1);
    bad.data.pop_back();
    CHECK_FALSE(verdict::tlsa_usable(bad));
    auto a = run(pki.leaf_key.get(), {pki.leaf.get()}, {bad});
    CHECK(a.usable == 0);
  }
}

TEST_CASE("Legacy server: TLS 1.0, 1024-bit RSA, SHA-1 signature still handshakes", "[tls]") {
  auto key = make_key(1024);
  CertSpec spec{"old.example.nl", {"old.example.nl"}};
  spec.md = EVP_sha1();
  auto cert = make_cert(spec, key.get(), nullptr, nullptr);
  auto ctx = client_ctx();
  TestServer server(key.get(), {cert.get()}, TLS1_VERSION, TLS1_VERSION);
  ServerSession ss(server);
  auto cs = TlsSession::create(*ctx, "old.example.nl");
  REQUIRE(cs.has_value());
  REQUIRE(handshake_in_memory(*cs, ss));
  ProbeResult r;
  tls_evidence(cs->ssl(), 10, r);
  CHECK(r.tls_version == "TLSv1");
  REQUIRE(r.chain.size() == 1);
  CHECK(r.chain[0].key_type == "RSA");
  CHECK(r.chain[0].key_bits == 1024);
  CHECK(r.chain[0].signature_algorithm == "sha1WithRSAEncryption");
}

TEST_CASE("Evidence: version, cipher, group, chain summary, leaf, PKIX", "[tls]") {
  Pki pki;
  // Trust the test root for PKIX through a CA file.
  char path[] = "/tmp/nulmeting-ca-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    BioPtr b(BIO_new_file(path, "w"));
    PEM_write_bio_X509(b.get(), pki.root.get());
  }
  for (const bool trusted : {true, false}) {
    auto ctx = client_ctx(trusted ? path : "");
    TestServer server(pki.leaf_key.get(), {pki.leaf.get(), pki.inter.get()});
    ServerSession ss(server);
    auto cs = TlsSession::create(*ctx, "mx.example.nl");
    REQUIRE(handshake_in_memory(*cs, ss));
    ProbeResult r;
    tls_evidence(cs->ssl(), 10, r);
    pkix_check(cs->ssl(), ctx->pkix_store(), "mx.example.nl", r);
    CHECK(r.tls_version == "TLSv1.3");
    CHECK_FALSE(r.cipher.empty());
    CHECK(r.group == "x25519");
    REQUIRE(r.chain.size() == 2);
    CHECK(r.chain[0].subject == "CN=mx.example.nl");
    CHECK(r.chain[0].issuer == "CN=Test Intermediate");
    CHECK(r.chain[0].sans == std::vector<std::string>{"mx.example.nl"});
    CHECK(r.chain[0].key_type == "EC");
    CHECK(r.chain[0].key_bits == 256);
    CHECK(r.chain[0].not_after.size() == 20);
    CHECK(r.chain[0].sha256.size() == 64);
    CHECK(r.leaf_der == der_cert(pki.leaf.get()));
    CHECK(r.pkix == (trusted ? Pkix::Valid : Pkix::Invalid));
    if (!trusted) CHECK_FALSE(r.pkix_error.empty());
    // A wrong host name is a PKIX failure too.
    pkix_check(cs->ssl(), ctx->pkix_store(), "other.example.nl", r);
    CHECK(r.pkix == Pkix::Invalid);
  }
  unlink(path);
}

TEST_CASE("Session cache and tickets are off", "[tls]") {
  auto ctx = client_ctx();
  CHECK(SSL_CTX_get_session_cache_mode(ctx->ctx()) == SSL_SESS_CACHE_OFF);
  CHECK((SSL_CTX_get_options(ctx->ctx()) & SSL_OP_NO_TICKET) != 0);
  CHECK(SSL_CTX_get_security_level(ctx->ctx()) == 0);
  CHECK(SSL_CTX_get_min_proto_version(ctx->ctx()) == TLS1_VERSION);
}
