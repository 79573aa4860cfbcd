// `check` explanations of TLS quality (cli/explain.cpp): per address, which §4 items keep it
// from `good` and what to change; unknown items and unassessed addresses said as such.
#include "explain.hpp"

#include <nulmeting/verdict/domain.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace nulmeting;

namespace {

TlsItemResult item(TlsItem which, TlsItemState state, std::vector<std::string> found = {}) {
  return TlsItemResult{which, state, std::move(found), TlsQuality::Incomplete};
}

TlsAssessment assessment(bool weak) {
  using M = TlsItemState;
  TlsAssessment t;
  t.assessed = true;
  t.connections = 12;
  const std::vector<std::string> versions =
      weak ? std::vector<std::string>{"TLSv1", "TLSv1.2", "TLSv1.3"}
           : std::vector<std::string>{"TLSv1.3"};
  t.versions_accepted = versions;
  t.items = {
      item(TlsItem::ProtocolVersions, M::Measured, versions),
      item(TlsItem::Tls13Suites, M::Measured, {"TLS_AES_256_GCM_SHA384"}),
      weak ? item(TlsItem::Tls12Suites, M::Measured,
                  {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_RSA_WITH_AES_128_CBC_SHA"})
           : item(TlsItem::Tls12Suites, M::NotApplicable),
      item(TlsItem::EcdheGroups, M::Measured, {"x25519"}),
      item(TlsItem::FfdheGroups, M::NotApplicable),
      weak ? item(TlsItem::KexHashes, M::Unknown) : item(TlsItem::KexHashes, M::NotApplicable),
      item(TlsItem::CertKeys, M::Measured, {weak ? "rsa-2048" : "ec-secp256r1"}),
      item(TlsItem::CertSignatures, M::Measured, {"sha256-rsa"}),
      item(TlsItem::CipherOrder, weak ? M::Measured : M::NotApplicable),
      item(TlsItem::Compression, M::Measured),
      item(TlsItem::SecureRenegotiation, M::Measured),
      weak ? item(TlsItem::ExtendedMasterSecret, M::Measured, {"not supported"})
           : item(TlsItem::ExtendedMasterSecret, M::NotApplicable)};
  if (weak) t.unknown_reasons = {"refused at step 5"};
  return t;
}

DomainResult domain(std::vector<ProbeResult> probes) {
  DomainResult r;
  r.entry.domain = "example.test";
  r.mx_lookup.qname = "example.test";
  r.mx_lookup.qtype = 15;
  r.mx_lookup.cls = DnsClass::Insecure;
  r.mx_lookup.records = {"10 mx.example.test."};
  r.mx_lookup.canonical_name = "example.test";
  MxHostResult h;
  h.name = "mx.example.test";
  h.address_dnssec = DnsClass::Insecure;
  h.addresses = std::move(probes);
  r.mx.push_back(std::move(h));
  verdict::finalize(r);
  return r;
}

ProbeResult probe(std::string ip, std::optional<TlsAssessment> tls) {
  ProbeResult p;
  p.ip = std::move(ip);
  p.outcome = ProbeOutcome::StarttlsOk;
  if (tls) p.tls = *tls;
  return p;
}

bool has(const std::vector<std::string>& why, std::string_view needle) {
  return std::ranges::any_of(
      why, [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

}  // namespace

TEST_CASE("check says which TLS items fail and what to change", "[cli][explain][tls_quality]") {
  const DomainResult r = domain({probe("192.0.2.1", assessment(true))});
  const auto why = cli::explain_reasons(r);
  CAPTURE(why);
  CHECK(r.verdict.tls_quality == TlsQuality::Insufficient);
  CHECK(has(why,
            "MX mx.example.test [192.0.2.1]: TLS protocol_versions insufficient: disable TLS 1.0"));
  CHECK_FALSE(has(why, "disable TLS 1.2"));
  CHECK(has(why, "remove TLS_RSA_WITH_AES_128_CBC_SHA"));
  CHECK_FALSE(has(why, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
  CHECK(has(why, "TLS cert_keys phase_out: plan to replace the certificate key rsa-2048"));
  CHECK(has(why,
            "TLS extended_master_secret insufficient: enable extended master secret (RFC 7627)"));
  CHECK(has(why, "TLS kex_hashes could not be assessed"));
  CHECK(has(why, "refused at step 5"));
  CHECK_FALSE(has(why, "TLS compression"));  // passed
  const std::string text = cli::explain_text(r);
  CHECK(text.find("tls_quality: insufficient") != std::string::npos);
  CHECK(text.find("TLS quality: insufficient (12 extra connections)") != std::string::npos);
}

TEST_CASE("check is silent on TLS for a good address and says when none was assessed",
          "[cli][explain][tls_quality]") {
  const DomainResult good = domain({probe("192.0.2.1", assessment(false))});
  CHECK(good.verdict.tls_quality == TlsQuality::Good);
  const auto why = cli::explain_reasons(good);
  CAPTURE(why);
  CHECK_FALSE(has(why, "TLS "));

  const DomainResult unassessed = domain({probe("192.0.2.2", std::nullopt)});
  CHECK(unassessed.verdict.tls_quality == TlsQuality::Incomplete);
  CHECK(has(cli::explain_reasons(unassessed), "[192.0.2.2]: TLS quality not assessed"));
}
