// Grading the TLS quality evidence (measurement.md §3, §4; nulmeting/verdict/tls_quality.hpp,
// domain.hpp): one item from its state and `found`, an address from its items, the domain from
// its starttls_ok addresses, and finalize() writing the values. A row per rule.
#include <nulmeting/verdict/domain.hpp>
#include <nulmeting/verdict/tls_quality.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::verdict;

namespace {
constexpr TlsQuality G = TlsQuality::Good, S = TlsQuality::Sufficient, P = TlsQuality::PhaseOut,
                     I = TlsQuality::Insufficient, C = TlsQuality::Incomplete,
                     N = TlsQuality::NotApplicable;
constexpr TlsItemState M = TlsItemState::Measured, U = TlsItemState::Unknown,
                       NA = TlsItemState::NotApplicable;

TlsItemResult item(TlsItem which, TlsItemState state, std::vector<std::string> found = {}) {
  return TlsItemResult{which, state, std::move(found), TlsQuality::Incomplete};
}

// A TLS 1.3-only server with good parameters: every ≤1.2 item n/a, every pass/fail passing.
TlsAssessment good_13() {
  TlsAssessment t;
  t.assessed = true;
  t.items = {
      item(TlsItem::ProtocolVersions, M, {"TLSv1.3"}),
      item(TlsItem::Tls13Suites, M, {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}),
      item(TlsItem::Tls12Suites, NA),
      item(TlsItem::EcdheGroups, M, {"x25519", "secp384r1"}),
      item(TlsItem::FfdheGroups, NA),
      item(TlsItem::KexHashes, NA),
      item(TlsItem::CertKeys, M, {"ec-secp384r1"}),
      item(TlsItem::CertSignatures, M, {"sha384-ecdsa"}),
      item(TlsItem::CipherOrder, NA),
      item(TlsItem::Compression, M),
      item(TlsItem::SecureRenegotiation, M),
      item(TlsItem::ExtendedMasterSecret, NA)};
  t.versions_accepted = {"TLSv1.3"};
  return t;
}

TlsItemResult& at(TlsAssessment& t, TlsItem which) {
  return t.items[static_cast<std::size_t>(which)];
}

ProbeResult probe(ProbeOutcome o, std::optional<TlsAssessment> tls = std::nullopt,
                  std::string ip = "192.0.2.1") {
  ProbeResult p;
  p.ip = std::move(ip);
  p.outcome = o;
  if (tls) p.tls = *tls;
  return p;
}

DomainResult domain(std::vector<ProbeResult> probes) {
  DomainResult r;
  r.entry.domain = "example.test";
  r.mx_lookup.qname = "example.test";
  r.mx_lookup.qtype = 15;
  r.mx_lookup.cls = DnsClass::Secure;
  r.mx_lookup.records = {"10 mx.example.test."};
  r.mx_lookup.canonical_name = "example.test";
  MxHostResult h;
  h.name = "mx.example.test";
  h.address_dnssec = DnsClass::Secure;
  h.addresses = std::move(probes);
  r.mx.push_back(std::move(h));
  return r;
}
}  // namespace

TEST_CASE("grade_item: state and the tables", "[verdict][tls_quality]") {
  struct Row {
    const char* what;
    TlsItemResult in;
    TlsQuality expected;
  };
  const std::vector<Row> rows = {
      {"unknown → incomplete", item(TlsItem::ProtocolVersions, U, {"TLSv1.2"}), C},
      {"not applicable → n/a", item(TlsItem::Tls12Suites, NA), N},
      {"versions: 1.3 only good", item(TlsItem::ProtocolVersions, M, {"TLSv1.3"}), G},
      {"versions: 1.2 and 1.3 sufficient",
       item(TlsItem::ProtocolVersions, M, {"TLSv1.2", "TLSv1.3"}), S},
      {"versions: 1.2 only sufficient", item(TlsItem::ProtocolVersions, M, {"TLSv1.2"}), S},
      {"versions: 1.0 accepted at all insufficient",
       item(TlsItem::ProtocolVersions, M, {"TLSv1", "TLSv1.2", "TLSv1.3"}), I},
      {"versions: 1.1 insufficient", item(TlsItem::ProtocolVersions, M, {"TLSv1.1", "TLSv1.3"}), I},
      {"versions: SSLv3 insufficient", item(TlsItem::ProtocolVersions, M, {"SSLv3"}), I},
      {"versions: SSLv2 insufficient", item(TlsItem::ProtocolVersions, M, {"SSLv2", "TLSv1.2"}), I},
      {"1.3 suites: worst of found",
       item(TlsItem::Tls13Suites, M, {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"}), S},
      {"1.3 suites: CCM_8 insufficient",
       item(TlsItem::Tls13Suites, M, {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_CCM_8_SHA256"}), I},
      {"1.2 suites: sufficient",
       item(TlsItem::Tls12Suites, M, {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}), S},
      {"1.2 suites: phase_out",
       item(TlsItem::Tls12Suites, M,
            {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"}),
       P},
      {"1.2 suites: static RSA insufficient",
       item(TlsItem::Tls12Suites, M,
            {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_CBC_SHA"}),
       I},
      {"ecdhe groups: good", item(TlsItem::EcdheGroups, M, {"x25519", "secp256r1"}), G},
      {"ecdhe groups: secp224r1 phase_out", item(TlsItem::EcdheGroups, M, {"x25519", "secp224r1"}),
       P},
      {"ecdhe groups: other insufficient", item(TlsItem::EcdheGroups, M, {"secp192r1"}), I},
      {"ffdhe: 3072 phase_out", item(TlsItem::FfdheGroups, M, {"ffdhe3072"}), P},
      {"ffdhe: custom insufficient", item(TlsItem::FfdheGroups, M, {"ffdhe4096", "dh-2048"}), I},
      {"kex hashes: sha224 phase_out", item(TlsItem::KexHashes, M, {"sha256", "sha224"}), P},
      {"kex hashes: sha1 insufficient", item(TlsItem::KexHashes, M, {"sha256", "sha1"}), I},
      {"cert keys: rsa-2048 phase_out", item(TlsItem::CertKeys, M, {"rsa-2048", "rsa-4096"}), P},
      {"cert keys: rsa-4096 good", item(TlsItem::CertKeys, M, {"rsa-4096"}), G},
      {"cert keys: rsa-1024 insufficient", item(TlsItem::CertKeys, M, {"rsa-1024"}), I},
      {"cert signatures: sha256-rsa good", item(TlsItem::CertSignatures, M, {"sha256-rsa"}), G},
      {"cert signatures: sha1 insufficient",
       item(TlsItem::CertSignatures, M, {"sha256-rsa", "sha1-rsa"}), I},
      {"graded, nothing of the kind accepted → n/a", item(TlsItem::FfdheGroups, M), N},
      {"cipher order passes", item(TlsItem::CipherOrder, M), G},
      {"cipher order fails", item(TlsItem::CipherOrder, M, {"client order followed"}), I},
      {"compression passes", item(TlsItem::Compression, M), G},
      {"compression fails", item(TlsItem::Compression, M, {"deflate"}), I},
      {"secure renegotiation passes", item(TlsItem::SecureRenegotiation, M), G},
      {"secure renegotiation fails", item(TlsItem::SecureRenegotiation, M, {"not supported"}), I},
      {"extended master secret passes", item(TlsItem::ExtendedMasterSecret, M), G},
      {"extended master secret fails", item(TlsItem::ExtendedMasterSecret, M, {"not supported"}),
       I},
      {"pass/fail unknown → incomplete", item(TlsItem::Compression, U), C},
      {"pass/fail n/a", item(TlsItem::CipherOrder, NA), N},
  };
  for (const Row& r : rows) {
    INFO(r.what);
    CHECK(grade_item(r.in) == r.expected);
  }
  for (TlsItem pf : {TlsItem::CipherOrder, TlsItem::Compression, TlsItem::SecureRenegotiation,
                     TlsItem::ExtendedMasterSecret})
    CHECK(is_pass_fail(pf));
  for (TlsItem g :
       {TlsItem::ProtocolVersions, TlsItem::Tls13Suites, TlsItem::Tls12Suites, TlsItem::EcdheGroups,
        TlsItem::FfdheGroups, TlsItem::KexHashes, TlsItem::CertKeys, TlsItem::CertSignatures})
    CHECK_FALSE(is_pass_fail(g));
}

TEST_CASE("address tls_quality: the worst item; insufficient beats unknown",
          "[verdict][tls_quality]") {
  CHECK(address_tls_quality(good_13()) == G);

  TlsAssessment not_assessed;
  CHECK(address_tls_quality(not_assessed) == N);

  TlsAssessment empty;
  empty.assessed = true;  // assessed, but nothing graded: nothing is known
  CHECK(address_tls_quality(empty) == C);

  TlsAssessment t12 = good_13();
  at(t12, TlsItem::ProtocolVersions).found = {"TLSv1.2", "TLSv1.3"};
  at(t12, TlsItem::Tls12Suites) =
      item(TlsItem::Tls12Suites, M, {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
  at(t12, TlsItem::ExtendedMasterSecret) = item(TlsItem::ExtendedMasterSecret, M);
  CHECK(address_tls_quality(t12) == S);

  TlsAssessment phase = t12;
  at(phase, TlsItem::CertKeys).found = {"rsa-2048"};
  CHECK(address_tls_quality(phase) == P);

  TlsAssessment pass_fail = good_13();
  at(pass_fail, TlsItem::Compression).found = {"deflate"};
  CHECK(address_tls_quality(pass_fail) == I);

  TlsAssessment unknown = phase;  // known worst phase_out + an unknown item → incomplete
  at(unknown, TlsItem::KexHashes) = item(TlsItem::KexHashes, U);
  CHECK(address_tls_quality(unknown) == C);

  TlsAssessment known_bad = unknown;  // + a known insufficient item → insufficient
  at(known_bad, TlsItem::ProtocolVersions).found = {"TLSv1", "TLSv1.2"};
  CHECK(address_tls_quality(known_bad) == I);

  // The address value is recomputed from the evidence, never read from a stale `value`.
  TlsAssessment stale = good_13();
  at(stale, TlsItem::ProtocolVersions).value = I;
  CHECK(address_tls_quality(stale) == G);
}

TEST_CASE("grade_assessment writes every item value and the quality", "[verdict][tls_quality]") {
  TlsAssessment t = good_13();
  at(t, TlsItem::EcdheGroups).found.push_back("secp224r1");
  grade_assessment(t);
  CHECK(at(t, TlsItem::ProtocolVersions).value == G);
  CHECK(at(t, TlsItem::EcdheGroups).value == P);
  CHECK(at(t, TlsItem::Tls12Suites).value == N);
  CHECK(at(t, TlsItem::Compression).value == G);
  CHECK(t.quality == P);
  const TlsAssessment once = t;
  grade_assessment(t);
  CHECK(t.quality == once.quality);
}

TEST_CASE("domain tls_quality: worst over starttls_ok addresses, incomplete, n/a",
          "[verdict][tls_quality]") {
  TlsAssessment good = good_13();
  TlsAssessment phase = good_13();
  at(phase, TlsItem::CertSignatures).found = {"sha224-rsa"};
  TlsAssessment bad = good_13();
  at(bad, TlsItem::ProtocolVersions).found = {"TLSv1", "TLSv1.3"};
  TlsAssessment unknown = good_13();
  at(unknown, TlsItem::CertKeys) = item(TlsItem::CertKeys, U);
  using O = ProbeOutcome;
  struct Row {
    const char* what;
    std::vector<ProbeResult> probes;
    TlsQuality expected;
  };
  const std::vector<Row> rows = {
      {"one good address", {probe(O::StarttlsOk, good)}, G},
      {"worst address wins", {probe(O::StarttlsOk, good), probe(O::StarttlsOk, phase)}, P},
      {"insufficient", {probe(O::StarttlsOk, phase), probe(O::StarttlsOk, bad)}, I},
      {"an address not fully assessed → incomplete",
       {probe(O::StarttlsOk, good), probe(O::StarttlsOk, unknown)},
       C},
      {"starttls_ok but not assessed → incomplete",
       {probe(O::StarttlsOk, good), probe(O::StarttlsOk)},
       C},
      {"a known insufficient address wins over an incomplete one",
       {probe(O::StarttlsOk, unknown), probe(O::StarttlsOk, bad)},
       I},
      {"other outcomes are left out",
       {probe(O::StarttlsOk, phase), probe(O::NoStarttls), probe(O::TlsFailed), probe(O::Timeout),
        probe(O::NoRoute)},
       P},
      {"an assessment on a non-starttls_ok address is ignored",
       {probe(O::StarttlsOk, good), probe(O::TlsFailed, bad)},
       G},
      {"no address completed STARTTLS → n/a", {probe(O::NoStarttls), probe(O::Refused)}, N},
      {"no address at all → n/a", {}, N},
  };
  for (const Row& r : rows) {
    INFO(r.what);
    CHECK(decide_domain(domain(r.probes)).tls_quality == r.expected);
  }
  DomainResult no_mail = domain({probe(O::StarttlsOk, good)});
  no_mail.mx_lookup.records = {"0 ."};  // null MX
  CHECK(decide_domain(no_mail).tls_quality == N);
}

TEST_CASE("finalize grades every address's assessment", "[verdict][tls_quality]") {
  TlsAssessment phase = good_13();
  at(phase, TlsItem::CertKeys).found = {"rsa-2048"};
  DomainResult r =
      domain({probe(ProbeOutcome::StarttlsOk, phase), probe(ProbeOutcome::NoStarttls)});
  finalize(r);
  const ProbeResult& p = r.mx.front().addresses.front();
  CHECK(p.tls.quality == P);
  CHECK(at(const_cast<TlsAssessment&>(p.tls), TlsItem::CertKeys).value == P);
  CHECK(at(const_cast<TlsAssessment&>(p.tls), TlsItem::Tls13Suites).value == G);
  CHECK(r.mx.front().addresses.back().tls.quality == N);
  CHECK(r.verdict.tls_quality == P);
}
