// compare.hpp — field-by-field comparison of measurement values for storage round-trip tests.
// Each field is its own CHECK, so a failure names the field that did not survive storage.
#pragma once

#include <nulmeting/domains/measurement.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <unistd.h>

namespace nulmeting::test {

inline void compare(const DnsAnswer& a, const DnsAnswer& b) {
  INFO("dns answer " << a.qname << " type " << a.qtype);
  CHECK(a.qname == b.qname);
  CHECK(a.qtype == b.qtype);
  CHECK(a.cls == b.cls);
  CHECK(a.reason == b.reason);
  CHECK(a.rcode == b.rcode);
  CHECK(a.why_bogus == b.why_bogus);
  CHECK(a.records == b.records);
  CHECK(a.cname_chain == b.cname_chain);
  CHECK(a.canonical_name == b.canonical_name);
  CHECK(a.attempts == b.attempts);
}

inline void compare(const CertSummary& a, const CertSummary& b) {
  CHECK(a.subject == b.subject);
  CHECK(a.issuer == b.issuer);
  CHECK(a.sans == b.sans);
  CHECK(a.not_before == b.not_before);
  CHECK(a.not_after == b.not_after);
  CHECK(a.key_type == b.key_type);
  CHECK(a.key_bits == b.key_bits);
  CHECK(a.signature_algorithm == b.signature_algorithm);
  CHECK(a.sha256 == b.sha256);
}

inline void compare(const ProbeResult& a, const ProbeResult& b) {
  INFO("probe " << a.ip);
  CHECK(a.ip == b.ip);
  CHECK(a.outcome == b.outcome);
  CHECK(a.tls_version == b.tls_version);
  CHECK(a.cipher == b.cipher);
  CHECK(a.group == b.group);
  CHECK(a.dane == b.dane);
  CHECK(a.dane_reason == b.dane_reason);
  CHECK(a.dane_depth == b.dane_depth);
  CHECK(a.dane_matched == b.dane_matched);
  CHECK(a.pkix == b.pkix);
  CHECK(a.pkix_error == b.pkix_error);
  CHECK(a.error == b.error);
  CHECK(a.transcript == b.transcript);
  REQUIRE(a.chain.size() == b.chain.size());
  for (std::size_t i = 0; i < a.chain.size(); ++i) compare(a.chain[i], b.chain[i]);
  CHECK(a.leaf_der == b.leaf_der);
  CHECK(a.sni == b.sni);
  CHECK(a.attempts == b.attempts);
  CHECK(a.duration_ms == b.duration_ms);
  const TlsAssessment &ta = a.tls, &tb = b.tls;
  CHECK(ta.assessed == tb.assessed);
  REQUIRE(ta.items.size() == tb.items.size());
  for (std::size_t i = 0; i < ta.items.size(); ++i) {
    INFO("tls item " << to_string(ta.items[i].item));
    CHECK(ta.items[i].item == tb.items[i].item);
    CHECK(ta.items[i].state == tb.items[i].state);
    CHECK(ta.items[i].found == tb.items[i].found);
    CHECK(ta.items[i].value == tb.items[i].value);
  }
  CHECK(ta.versions_accepted == tb.versions_accepted);
  CHECK(ta.preferred_suite == tb.preferred_suite);
  CHECK(ta.dh_group == tb.dh_group);
  CHECK(ta.client_renegotiation == tb.client_renegotiation);
  CHECK(ta.connections == tb.connections);
  CHECK(ta.unknown_reasons == tb.unknown_reasons);
  CHECK(ta.quality == tb.quality);
}

inline void compare(const MxHostResult& a, const MxHostResult& b) {
  INFO("mx host " << a.name);
  CHECK(a.name == b.name);
  CHECK(a.preference == b.preference);
  CHECK(a.name_is_ip_literal == b.name_is_ip_literal);
  CHECK(a.status == b.status);
  CHECK(a.address_dnssec == b.address_dnssec);
  REQUIRE(a.address_lookups.size() == b.address_lookups.size());
  for (std::size_t i = 0; i < a.address_lookups.size(); ++i)
    compare(a.address_lookups[i], b.address_lookups[i]);
  REQUIRE(a.tlsa.has_value() == b.tlsa.has_value());
  if (a.tlsa) {
    CHECK(a.tlsa->status == b.tlsa->status);
    CHECK(a.tlsa->base == b.tlsa->base);
    CHECK(a.tlsa->usable == b.tlsa->usable);
    REQUIRE(a.tlsa->records.size() == b.tlsa->records.size());
    for (std::size_t i = 0; i < a.tlsa->records.size(); ++i) {
      const auto& x = a.tlsa->records[i];
      const auto& y = b.tlsa->records[i];
      CHECK(x.usage == y.usage);
      CHECK(x.selector == y.selector);
      CHECK(x.matching_type == y.matching_type);
      CHECK(x.data == y.data);
      CHECK(x.usable == y.usable);
    }
    REQUIRE(a.tlsa->lookups.size() == b.tlsa->lookups.size());
    for (std::size_t i = 0; i < a.tlsa->lookups.size(); ++i)
      compare(a.tlsa->lookups[i], b.tlsa->lookups[i]);
  }
  REQUIRE(a.addresses.size() == b.addresses.size());
  for (std::size_t i = 0; i < a.addresses.size(); ++i) compare(a.addresses[i], b.addresses[i]);
}

inline void compare(const DomainResult& a, const DomainResult& b) {
  INFO("domain " << a.entry.domain);
  CHECK(a.entry.domain == b.entry.domain);
  CHECK(a.entry.display == b.entry.display);
  CHECK(a.entry.organization == b.entry.organization);
  CHECK(a.entry.sector == b.entry.sector);
  CHECK(a.entry.tags == b.entry.tags);
  CHECK(a.entry.line == b.entry.line);
  CHECK(a.verdict.mail == b.verdict.mail);
  CHECK(a.verdict.dnssec == b.verdict.dnssec);
  CHECK(a.verdict.starttls == b.verdict.starttls);
  CHECK(a.verdict.dane == b.verdict.dane);
  CHECK(a.verdict.dane_rollover == b.verdict.dane_rollover);
  CHECK(a.verdict.protected_ == b.verdict.protected_);
  CHECK(a.verdict.tls_quality == b.verdict.tls_quality);
  CHECK(a.implicit_mx == b.implicit_mx);
  compare(a.mx_lookup, b.mx_lookup);
  REQUIRE(a.mx.size() == b.mx.size());
  for (std::size_t i = 0; i < a.mx.size(); ++i) compare(a.mx[i], b.mx[i]);
  CHECK(a.findings == b.findings);
  CHECK(a.incomplete == b.incomplete);
  CHECK(a.unmeasured == b.unmeasured);
  CHECK(a.verdict.mta_sts == b.verdict.mta_sts);
  const MtaStsEvidence &m = a.mta_sts, &n = b.mta_sts;
  CHECK(m.looked_up == n.looked_up);
  if (m.looked_up && n.looked_up) {
    compare(m.txt, n.txt);
    REQUIRE(m.host_lookups.size() == n.host_lookups.size());
    for (std::size_t i = 0; i < m.host_lookups.size(); ++i)
      compare(m.host_lookups[i], n.host_lookups[i]);
    CHECK(m.fetch == n.fetch);
    CHECK(m.ip == n.ip);
    CHECK(m.http_status == n.http_status);
    CHECK(m.content_type == n.content_type);
    CHECK(m.fetch_error == n.fetch_error);
    CHECK(m.policy_text == n.policy_text);
    CHECK(m.id == n.id);
    CHECK(m.mode == n.mode);
    CHECK(m.max_age == n.max_age);
    CHECK(m.mx_patterns == n.mx_patterns);
    CHECK(m.mx_not_matching == n.mx_not_matching);
    CHECK(m.reason == n.reason);
  }
}

// A fresh temporary directory, removed at scope end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nulmeting-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace nulmeting::test
