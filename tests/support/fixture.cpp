// fixture.cpp — the deterministic fixture database (see fixture.hpp).
//
// Each scenario builds evidence only (DNS answers, hosts, probes); its verdicts are decided by
// the verdict rules the scanner uses (decide_domain), never typed in, so the fixture cannot
// drift from measurement.md §3. The scenario names say what the evidence is meant to show;
// the coverage test (tests/storage/roundtrip_test.cpp) checks that every verdict value still
// occurs.
#include "support/fixture.hpp"

#include <nulmeting/storage/run_writer.hpp>
#include <nulmeting/verdict/domain.hpp>

#include <array>
#include <filesystem>
#include <memory>

namespace nulmeting::storage::testing {
namespace {

DnsAnswer answer(std::string qname, std::uint16_t qtype, DnsClass cls, DnsReason reason,
                 std::vector<std::string> records = {}) {
  DnsAnswer a;
  a.qname = std::move(qname);
  a.qtype = qtype;
  a.cls = cls;
  a.reason = reason;
  a.rcode = reason == DnsReason::NxDomain                                 ? 3
            : reason == DnsReason::ServFail || reason == DnsReason::Bogus ? 2
            : reason == DnsReason::Timeout                                ? -1
                                                                          : 0;
  if (reason == DnsReason::Bogus) a.why_bogus = "signature expired";
  a.records = std::move(records);
  a.canonical_name = a.qname;
  return a;
}

std::vector<std::uint8_t> bytes(std::uint8_t seed, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed * 31u + i * 7u);
  return out;
}

TlsaRecord tlsa(std::uint8_t usage, std::uint8_t selector, std::uint8_t mtype, std::uint8_t seed) {
  TlsaRecord r;
  r.usage = usage;
  r.selector = selector;
  r.matching_type = mtype;
  r.data = bytes(seed, mtype == 2 ? 64 : 32);
  r.usable = (usage == 2 || usage == 3) && selector <= 1 && mtype <= 2;
  return r;
}

CertSummary cert(const std::string& cn, bool ca) {
  CertSummary c;
  c.subject = "CN=" + cn;
  c.issuer = ca ? "CN=Fixture Root CA" : "CN=Fixture Intermediate CA";
  if (!ca) c.sans = {cn};
  c.not_before = "2026-01-01T00:00:00Z";
  c.not_after = "2027-01-01T00:00:00Z";
  c.key_type = ca ? "RSA" : "EC";
  c.key_bits = ca ? 4096 : 256;
  c.signature_algorithm = "sha256WithRSAEncryption";
  c.sha256 = std::string(64, ca ? 'b' : 'a');
  return c;
}

TlsItemResult tls_item(TlsItem which, TlsItemState state, std::vector<std::string> found = {}) {
  return TlsItemResult{which, state, std::move(found), TlsQuality::Incomplete};
}

// The §4 evidence of a starttls_ok address, one of six variants chosen by the address, so that
// every tls_quality value occurs (the values themselves are graded by verdict::finalize):
// 0 TLS 1.3 only (good), 1 TLS 1.2 and 1.3 (sufficient), 2 a 2048-bit RSA key and DHE
// (phase_out), 3 TLS 1.0, static RSA, no extended master secret (insufficient), 4 one item
// unknown (incomplete), 5 not assessed.
TlsAssessment assessment(const std::string& ip) {
  using M = TlsItemState;
  std::size_t variant = 0;
  for (char c : ip) variant += static_cast<unsigned char>(c);
  variant %= 6;
  TlsAssessment t;
  if (variant == 5) return t;
  t.assessed = true;
  const bool tls12 = variant != 0;
  t.versions_accepted = variant == 3 ? std::vector<std::string>{"TLSv1", "TLSv1.2", "TLSv1.3"}
                        : tls12      ? std::vector<std::string>{"TLSv1.2", "TLSv1.3"}
                                     : std::vector<std::string>{"TLSv1.3"};
  std::vector<std::string> suites12 = {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"};
  if (variant == 2) suites12.emplace_back("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
  if (variant == 3) suites12.emplace_back("TLS_RSA_WITH_AES_128_CBC_SHA");
  t.items = {tls_item(TlsItem::ProtocolVersions, M::Measured, t.versions_accepted),
             tls_item(TlsItem::Tls13Suites, M::Measured, {"TLS_AES_256_GCM_SHA384"}),
             tls12 ? tls_item(TlsItem::Tls12Suites, M::Measured, suites12)
                   : tls_item(TlsItem::Tls12Suites, M::NotApplicable),
             tls_item(TlsItem::EcdheGroups, M::Measured, {"x25519", "secp256r1"}),
             variant == 2 ? tls_item(TlsItem::FfdheGroups, M::Measured, {"ffdhe3072"})
                          : tls_item(TlsItem::FfdheGroups, M::NotApplicable),
             tls12 ? tls_item(TlsItem::KexHashes, M::Measured, {"sha256"})
                   : tls_item(TlsItem::KexHashes, M::NotApplicable),
             variant == 4 ? tls_item(TlsItem::CertKeys, M::Unknown)
                          : tls_item(TlsItem::CertKeys, M::Measured,
                                     {variant == 2 ? "rsa-2048" : "ec-secp256r1", "rsa-4096"}),
             tls_item(TlsItem::CertSignatures, M::Measured, {"sha256-rsa"}),
             tls12 ? tls_item(TlsItem::CipherOrder, M::Measured)
                   : tls_item(TlsItem::CipherOrder, M::NotApplicable),
             tls_item(TlsItem::Compression, M::Measured),
             tls_item(TlsItem::SecureRenegotiation, M::Measured),
             !tls12 ? tls_item(TlsItem::ExtendedMasterSecret, M::NotApplicable)
             : variant == 3
                 ? tls_item(TlsItem::ExtendedMasterSecret, M::Measured, {"not supported"})
                 : tls_item(TlsItem::ExtendedMasterSecret, M::Measured)};
  t.preferred_suite = "TLS_AES_256_GCM_SHA384";
  t.dh_group = variant == 2 ? "ffdhe3072" : "";
  if (variant != 0) t.client_renegotiation = variant == 3;
  t.connections = 20 + static_cast<int>(variant);
  if (variant == 4) t.unknown_reasons = {"refused at step 7 (certificate keys)"};
  return t;
}

ProbeResult probe(const std::string& host, std::string ip, ProbeOutcome outcome,
                  DaneCheck dane = DaneCheck::NotApplicable,
                  DaneFailReason reason = DaneFailReason::None, int depth = -1) {
  ProbeResult p;
  p.ip = std::move(ip);
  p.outcome = outcome;
  p.sni = host;
  p.duration_ms = 42.5;
  p.transcript = "S: 220 " + host + " ESMTP\nC: EHLO scanner.nulmeting.test\nS: 250-" + host +
                 "\nS: 250 STARTTLS\n";
  bool handshake = outcome == ProbeOutcome::StarttlsOk;
  if (handshake) {
    p.transcript += "C: STARTTLS\nS: 220 2.0.0 Ready to start TLS\n";
    p.tls_version = "TLSv1.3";
    p.cipher = "TLS_AES_256_GCM_SHA384";
    p.group = "x25519";
    p.pkix = Pkix::Valid;
    p.chain = {cert(host, false), cert("Fixture Intermediate CA", true)};
    p.leaf_der = bytes(7, 16);
    p.tls = assessment(p.ip);
  }
  switch (outcome) {
    case ProbeOutcome::NoStarttls:
      p.transcript =
          "S: 220 " + host + " ESMTP\nC: EHLO scanner.nulmeting.test\nS: 250 " + host + "\n";
      p.error = "STARTTLS not advertised";
      break;
    case ProbeOutcome::StarttlsRefused:
      p.transcript += "C: STARTTLS\nS: 454 4.7.0 TLS not available\n";
      p.error = "454 4.7.0 TLS not available";
      break;
    case ProbeOutcome::TlsFailed:
      p.transcript += "C: STARTTLS\nS: 220 2.0.0 Ready to start TLS\n";
      p.error = "handshake failure: no shared cipher";
      break;
    case ProbeOutcome::Refused:
      p.transcript.clear();
      p.error = "connection refused";
      break;
    case ProbeOutcome::Timeout:
      p.transcript.clear();
      p.error = "timeout after 30000 ms (banner)";
      break;
    case ProbeOutcome::SmtpTempError:
      p.transcript = "S: 421 4.3.2 try again later\n";
      p.error = "421 4.3.2 try again later";
      p.attempts = 3;
      break;
    case ProbeOutcome::SmtpPermError:
      p.transcript = "S: 554 5.7.1 no service\n";
      p.error = "554 5.7.1 no service";
      break;
    case ProbeOutcome::Reset:
      p.transcript = "S: 220 " + host + " ESMTP\n";
      p.error = "connection reset by peer";
      break;
    case ProbeOutcome::ProtocolError:
      p.transcript = "S: 220 " + host + " ESMTP\nC: EHLO scanner.nulmeting.test\n";
      p.error = "connection reset by peer after EHLO";
      break;
    case ProbeOutcome::NotPublic:
      p.transcript.clear();
      p.error = "address is not publicly routable";
      break;
    case ProbeOutcome::NoRoute:
      p.transcript.clear();
      p.error = "network unreachable";
      break;
    case ProbeOutcome::InternalError:
      p.transcript.clear();
      p.error = "scanner fault";
      break;
    case ProbeOutcome::StarttlsOk:
      break;
  }
  p.dane = dane;
  p.dane_reason = reason;
  p.dane_depth = depth;
  if (dane == DaneCheck::Authenticated) p.dane_matched = tlsa(3, 1, 1, 1).text();
  if (dane == DaneCheck::Failed && reason == DaneFailReason::NameMismatch) {
    p.pkix = Pkix::Invalid;
    p.pkix_error = "hostname mismatch";
  }
  if (dane == DaneCheck::Failed && reason == DaneFailReason::Expired) {
    p.pkix = Pkix::Invalid;
    p.pkix_error = "certificate has expired";
  }
  return p;
}

// An MX host whose addresses are secure (so TLSA was looked up) or insecure (no TLSA lookup).
MxHostResult host(std::string name, std::uint16_t pref, bool secure_addresses,
                  std::vector<std::string> ips) {
  MxHostResult h;
  h.name = std::move(name);
  h.preference = pref;
  h.status = HostStatus::Ok;
  DnsClass cls = secure_addresses ? DnsClass::Secure : DnsClass::Insecure;
  h.address_dnssec = cls;
  std::vector<std::string> a, aaaa;
  for (const auto& ip : ips) (ip.find(':') == std::string::npos ? a : aaaa).push_back(ip);
  h.address_lookups.push_back(answer(
      h.name, 1, a.empty() ? (secure_addresses ? DnsClass::SecureNx : DnsClass::InsecureNx) : cls,
      a.empty() ? DnsReason::NoData : DnsReason::Ok, a));
  h.address_lookups.push_back(
      answer(h.name, 28,
             aaaa.empty() ? (secure_addresses ? DnsClass::SecureNx : DnsClass::InsecureNx) : cls,
             aaaa.empty() ? DnsReason::NoData : DnsReason::Ok, aaaa));
  return h;
}

void set_tlsa(MxHostResult& h, DnsClass status, std::vector<TlsaRecord> records,
              DnsReason reason = DnsReason::Ok) {
  TlsaInfo t;
  t.status = status;
  std::vector<std::string> texts;
  for (const auto& r : records) {
    texts.push_back(r.text());
    if (r.usable) ++t.usable;
  }
  if (status == DnsClass::Secure) t.base = h.name;
  t.records = std::move(records);
  t.lookups.push_back(answer("_25._tcp." + h.name, 52, status, reason, texts));
  h.tlsa = std::move(t);
}

MxHostResult provider_a() {
  auto h = host("mail.provider-a.nl", 10, true, {"192.0.2.10", "2001:db8::10"});
  set_tlsa(h, DnsClass::Secure, {tlsa(3, 1, 1, 1), tlsa(3, 1, 1, 2)});
  for (const auto& ip : {"192.0.2.10", "2001:db8::10"})
    h.addresses.push_back(probe(h.name, ip, ProbeOutcome::StarttlsOk, DaneCheck::Authenticated,
                                DaneFailReason::None, 0));
  return h;
}

MxHostResult provider_b(int n) {
  std::string name = "mx" + std::to_string(n) + ".provider-b.co.uk";
  std::string ip = "198.51.100." + std::to_string(20 + n);
  auto h = host(name, static_cast<std::uint16_t>(10 * n), false, {ip});
  auto p = probe(name, ip, ProbeOutcome::StarttlsOk);
  p.tls_version = "TLSv1.2";
  p.cipher = "ECDHE-RSA-AES256-GCM-SHA384";
  p.group = "secp256r1";
  h.addresses.push_back(p);
  return h;
}

// An own MX host mx.<domain> with secure addresses, a secure TLSA RRset and given probes.
MxHostResult own_host(const std::string& domain, std::vector<TlsaRecord> records,
                      std::vector<ProbeResult> probes, std::string name = {}) {
  if (name.empty()) name = "mx." + domain;
  std::vector<std::string> ips;
  for (const auto& p : probes) ips.push_back(p.ip);
  auto h = host(name, 10, true, ips);
  set_tlsa(h, DnsClass::Secure, std::move(records));
  for (auto& p : probes) p.sni = name;
  h.addresses = std::move(probes);
  return h;
}

struct Scenario {
  const char* slug;  // domain is slug + ".nl"
  bool secure_mx;    // the MX answer is DNSSEC-signed (secure) rather than insecure
};

// The catalogue of scenarios; index = scenario id. The comment is the verdict the evidence is
// built to give (mail, dnssec, starttls, dane, rollover), for the reader; decide_domain decides.
const std::array<Scenario, 25> kScenarios{{
    {"dane-valid", true},               // receives secure all valid yes (protected)
    {"dane-valid-single", true},        // receives secure all valid no (protected)
    {"dane-valid-insecure-mx", false},  // receives insecure all valid yes
    {"tlsa-mismatch", true},            // receives secure all invalid no
    {"tlsa-lookup-failed", true},       // receives secure all invalid n/a (host probed)
    {"dane-no-starttls", true},         // receives secure none invalid no
    {"dane-partial", true},             // receives secure all partial yes
    {"dane-untested", true},            // receives secure unreachable untested no
    {"provider-b", false},              // receives insecure all none n/a
    {"tlsa-unusable", true},            // receives secure all none n/a
    {"starttls-partial", false},        // receives insecure partial none n/a; unmeasured
    {"starttls-refused", false},        // receives insecure none none n/a
    {"unreachable", false},             // receives insecure unreachable none n/a; incomplete
    {"smtp-errors", false},             // receives insecure none none n/a
    {"null-mx", true},                  // null_mx secure
    {"nxdomain", false},                // no_mail insecure
    {"servfail", false},                // error error; unmeasured (confirmed DNS failure)
    {"bogus", true},                    // error bogus
    {"dns-timeout", false},             // error n/a
    {"implicit-mx", false},             // receives insecure all none n/a
    {"no-address", false},              // receives insecure unreachable none n/a
    {"unusable-host", false},           // receives insecure unreachable none n/a
    {"ip-literal-mx", false},           // receives insecure unreachable none n/a
    {"dane-ta-mismatch", true},         // receives secure all invalid yes
    {"dane-expired", true},             // receives secure partial invalid no
}};

DomainResult build(std::size_t scenario, const DomainEntry& entry) {
  DomainResult r;
  r.entry = entry;
  const std::string& d = entry.domain;
  const bool secure = kScenarios[scenario].secure_mx;
  const DnsClass mx_cls = secure ? DnsClass::Secure : DnsClass::Insecure;
  auto mx_answer = [&](std::vector<MxHostResult> hosts) {
    std::vector<std::string> recs;
    for (const auto& h : hosts) recs.push_back(std::to_string(h.preference) + " " + h.name + ".");
    r.mx_lookup = answer(d, 15, mx_cls, DnsReason::Ok, recs);
    r.mx = std::move(hosts);
  };
  auto ok = [&](const std::string& ip, DaneCheck c = DaneCheck::Authenticated,
                DaneFailReason why = DaneFailReason::None,
                int depth = 0) { return probe("", ip, ProbeOutcome::StarttlsOk, c, why, depth); };
  switch (scenario) {
    case 0:
    case 2:
      mx_answer({provider_a()});
      break;
    case 1:
      mx_answer({own_host(d, {tlsa(3, 1, 1, 3)}, {ok("192.0.2.31")})});
      break;
    case 3:
      mx_answer({own_host(d, {tlsa(3, 1, 1, 4)},
                          {ok("192.0.2.41", DaneCheck::Failed, DaneFailReason::NoMatch, -1)})});
      break;
    case 4: {
      auto h = host("mx." + d, 10, true, {"192.0.2.51"});
      set_tlsa(h, DnsClass::Fail, {}, DnsReason::ServFail);
      h.tlsa->lookups[0].attempts = 3;  // confirmed: asked again before it counted
      h.status = HostStatus::TlsaError;
      // Probed all the same (§2.2): STARTTLS works, DANE fails for want of TLSA.
      h.addresses.push_back(probe(h.name, "192.0.2.51", ProbeOutcome::StarttlsOk, DaneCheck::Failed,
                                  DaneFailReason::TlsaLookupFailed));
      mx_answer({h});
      break;
    }
    case 5: {
      auto p = probe("", "192.0.2.61", ProbeOutcome::NoStarttls, DaneCheck::Failed,
                     DaneFailReason::NoStarttls);
      mx_answer({own_host(d, {tlsa(3, 1, 1, 5)}, {p})});
      break;
    }
    case 6: {
      auto b = provider_b(2);
      b.preference = 20;
      mx_answer({provider_a(), b});
      break;
    }
    case 7: {
      auto p = probe("", "192.0.2.71", ProbeOutcome::Timeout);
      auto q = probe("", "10.0.0.71", ProbeOutcome::NotPublic);  // never contacted
      mx_answer({own_host(d, {tlsa(3, 1, 1, 6)}, {p, q})});
      break;
    }
    case 8:
      mx_answer({provider_b(1), provider_b(2)});
      break;
    case 9: {
      auto h = own_host(d, {tlsa(1, 1, 1, 7)}, {probe("", "192.0.2.91", ProbeOutcome::StarttlsOk)});
      h.addresses[0].pkix = Pkix::Valid;
      mx_answer({h});
      r.findings.push_back("TLSA RRset without a usable record (usage 1 is not used for SMTP)");
      break;
    }
    case 10: {
      auto h = host("mx." + d, 10, false, {"203.0.113.11", "203.0.113.12", "203.0.113.13"});
      h.addresses.push_back(probe(h.name, "203.0.113.11", ProbeOutcome::StarttlsOk));
      h.addresses.push_back(probe(h.name, "203.0.113.12", ProbeOutcome::TlsFailed));
      h.addresses.push_back(probe(h.name, "203.0.113.13", ProbeOutcome::InternalError));
      mx_answer({h});
      // Set by hand until the verdict module derives it from the probe (it owns that rule).
      r.unmeasured.push_back("internal_error: probe of 203.0.113.13 (mx." + d + ")");
      break;
    }
    case 11: {
      auto h = host("mx." + d, 10, false, {"203.0.113.21"});
      h.addresses.push_back(probe(h.name, "203.0.113.21", ProbeOutcome::StarttlsRefused));
      mx_answer({h});
      break;
    }
    case 12: {
      auto h = host("mx." + d, 10, false, {"203.0.113.31", "203.0.113.32", "2001:db8::31"});
      h.addresses.push_back(probe(h.name, "203.0.113.31", ProbeOutcome::Refused));
      h.addresses.push_back(probe(h.name, "203.0.113.32", ProbeOutcome::Reset));
      h.addresses.push_back(probe(h.name, "2001:db8::31", ProbeOutcome::NoRoute));
      mx_answer({h});  // the no_route address makes the domain incomplete ["ipv6"]
      break;
    }
    case 13: {
      auto h = host("mx." + d, 10, false, {"203.0.113.41", "203.0.113.42", "203.0.113.43"});
      h.addresses.push_back(probe(h.name, "203.0.113.41", ProbeOutcome::SmtpTempError));
      h.addresses.push_back(probe(h.name, "203.0.113.42", ProbeOutcome::SmtpPermError));
      h.addresses.push_back(probe(h.name, "203.0.113.43", ProbeOutcome::ProtocolError));
      mx_answer({h});
      break;
    }
    case 14:
      r.mx_lookup = answer(d, 15, DnsClass::Secure, DnsReason::Ok, {"0 ."});
      break;
    case 15:
      r.mx_lookup = answer(d, 15, DnsClass::InsecureNx, DnsReason::NxDomain);
      break;
    case 16:
      r.mx_lookup = answer(d, 15, DnsClass::Fail, DnsReason::ServFail);
      r.mx_lookup.attempts = 3;
      // Set by hand until the verdict module lists verdicts resting on a confirmed failure.
      r.unmeasured.push_back("dns_failure: MX " + d + " servfail (asked 3 times)");
      break;
    case 17:
      r.mx_lookup = answer(d, 15, DnsClass::Fail, DnsReason::Bogus);
      break;
    case 18:
      r.mx_lookup = answer(d, 15, DnsClass::Fail, DnsReason::Timeout);
      r.mx_lookup.attempts = 3;
      break;
    case 19: {
      r.implicit_mx = true;
      r.mx_lookup = answer(d, 15, DnsClass::InsecureNx, DnsReason::NoData);
      auto h = host(d, 0, false, {"203.0.113.51"});
      h.addresses.push_back(probe(d, "203.0.113.51", ProbeOutcome::StarttlsOk));
      r.mx = {h};
      break;
    }
    case 20: {
      auto h = host("mx." + d, 10, false, {});
      h.status = HostStatus::NoAddress;
      h.address_dnssec = DnsClass::InsecureNx;
      mx_answer({h});
      break;
    }
    case 21: {
      MxHostResult h;
      h.name = "mx." + d;
      h.preference = 10;
      h.status = HostStatus::Unusable;
      h.address_dnssec = DnsClass::Fail;
      h.address_lookups = {answer(h.name, 1, DnsClass::Fail, DnsReason::Timeout),
                           answer(h.name, 28, DnsClass::Fail, DnsReason::Refused)};
      mx_answer({h});
      break;
    }
    case 22: {
      auto h = host("192.0.2.99", 10, false, {});
      h.name_is_ip_literal = true;
      h.status = HostStatus::NoAddress;
      h.address_dnssec = DnsClass::InsecureNx;
      h.address_lookups[0].reason = DnsReason::NxDomain;
      h.address_lookups[0].rcode = 3;
      mx_answer({h});
      r.findings.push_back("MX exchange 192.0.2.99 looks like an IP address (RFC 5321 §5.1)");
      break;
    }
    case 23: {
      auto a = ok("192.0.2.231", DaneCheck::Authenticated, DaneFailReason::None, 1);
      a.dane_matched = tlsa(2, 0, 1, 8).text();
      a.pkix = Pkix::Invalid;
      a.pkix_error = "unable to get local issuer certificate";
      auto b = ok("2001:db8::231", DaneCheck::Failed, DaneFailReason::NameMismatch, -1);
      mx_answer({own_host(d, {tlsa(2, 0, 1, 8), tlsa(3, 1, 1, 9)}, {a, b})});
      break;
    }
    case 24: {
      auto a = ok("192.0.2.241", DaneCheck::Failed, DaneFailReason::Expired, -1);
      auto b = probe("", "192.0.2.242", ProbeOutcome::TlsFailed, DaneCheck::Failed,
                     DaneFailReason::TlsFailed);
      mx_answer({own_host(d, {tlsa(2, 1, 2, 10)}, {a, b})});
      break;
    }
    default:
      break;
  }
  for (auto& h : r.mx)
    for (auto& p : h.addresses)
      if (p.sni.empty()) p.sni = h.name;
  // §5 MTA-STS, looked up where mail is received: an enforce policy naming every MX host on
  // even scenarios, no TXT record on odd ones (the verdict module decides both).
  if (verdict::decide_mail(r) == MailVerdict::Receives) {
    MtaStsEvidence& m = r.mta_sts;
    m.looked_up = true;
    if (scenario % 2 == 0) {
      m.txt = answer("_mta-sts." + d, 16, mx_cls, DnsReason::Ok, {"\"v=STSv1; id=2025\""});
      m.host_lookups = {answer("mta-sts." + d, 1, mx_cls, DnsReason::Ok, {"192.0.2.80"}),
                        answer("mta-sts." + d, 28, mx_cls, DnsReason::NoData, {})};
      m.fetch = MtaStsFetch::Ok;
      m.ip = "192.0.2.80";
      m.http_status = 200;
      m.content_type = "text/plain";
      m.policy_text = "version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n";
      for (const auto& h : r.mx) m.policy_text += "mx: " + h.name + "\r\n";
    } else {
      m.txt = answer("_mta-sts." + d, 16,
                     mx_cls == DnsClass::Secure ? DnsClass::SecureNx : DnsClass::InsecureNx,
                     DnsReason::NxDomain, {});
    }
  }
  // §5 SPF, DMARC, DKIM, TLS-RPT, asked for every domain: strict / soft / no SPF, DMARC reject
  // / none-policy / no record, DKIM present on even scenarios, TLS-RPT on every third, so that
  // the report's shares and the "voldoet" figure see every case (the verdict module decides).
  {
    MailStandardsEvidence& ms = r.mail_standards;
    ms.measured = true;
    const DnsClass nx = mx_cls == DnsClass::Secure ? DnsClass::SecureNx : DnsClass::InsecureNx;
    const std::size_t k = scenario % 3;
    ms.spf_txt =
        k == 2 ? answer(d, 16, nx, DnsReason::NoData)
               : answer(d, 16, mx_cls, DnsReason::Ok,
                        {k == 0 ? "v=spf1 ip4:192.0.2.0/24 -all" : "v=spf1 ip4:192.0.2.0/24 ~all"});
    ms.dmarc_txt = scenario % 4 == 3
                       ? answer("_dmarc." + d, 16, nx, DnsReason::NxDomain)
                       : answer("_dmarc." + d, 16, mx_cls, DnsReason::Ok,
                                {scenario % 4 == 2 ? "v=DMARC1; p=none" : "v=DMARC1; p=reject"});
    ms.dkim = scenario % 2 == 0 ? answer("_domainkey." + d, 16, mx_cls, DnsReason::NoData)
                                : answer("_domainkey." + d, 16, nx, DnsReason::NxDomain);
    ms.tls_rpt_txt = scenario % 3 == 0 ? answer("_smtp._tls." + d, 16, mx_cls, DnsReason::Ok,
                                                {"v=TLSRPTv1; rua=mailto:tls@" + d})
                                       : answer("_smtp._tls." + d, 16, nx, DnsReason::NxDomain);
  }
  verdict::finalize(r);  // DANE per address, incomplete and the verdicts: the one module
  return r;
}

struct Org {
  const char* name;
  Sector sector;
};
const std::array<Org, 7> kOrgs{{
    {"Ministerie van Proefneming", Sector::Rijk},
    {"Provincie Zuidvoorbeeld", Sector::Provincie},
    {"Gemeente Voorbeeld", Sector::Gemeente},
    {"Waterschap De Dijk", Sector::Waterschap},
    {"<script>alert(1)</script>", Sector::Overig},
    {"Stichting \"Quote\", Comma & Zoë", Sector::Overig},
    {"Gemeente Oosterdorp", Sector::Gemeente},
}};

DomainEntry entry_for(std::size_t i) {
  DomainEntry e;
  e.domain = std::string(kScenarios[i].slug) + ".nl";
  e.display = e.domain;
  const Org& org = kOrgs[i % kOrgs.size()];
  e.organization = org.name;
  e.sector = org.sector;
  e.line = i + 2;  // header on line 1
  e.tags = {{"kvk", std::to_string(10000000 + i)}};
  return e;
}

// The scenario of domain i in run `run_index`: runs 0 and 1 differ from run 2 so that trends
// and "changes since" have material: improvements (0→2), a regression (1→2), a new domain.
std::optional<std::size_t> scenario_in_run(std::size_t i, int run_index) {
  if (run_index == 0) {
    if (i == 24) return std::nullopt;   // not yet on the list
    if (i <= 2) return 8;               // DANE none before the provider moved
    if (i == 10 || i == 11) return 12;  // unreachable before
  }
  if (run_index == 1) {
    if (i == 1 || i == 2) return 8;
    if (i == 3) return 1;  // valid in run 1, mismatch in run 2
    if (i == 11) return 12;
  }
  return i;
}

}  // namespace

std::vector<DomainResult> fixture_results(int run_index) {
  std::vector<DomainResult> out;
  std::size_t n = kScenarios.size();
  if (run_index == 3) n = n / 2;  // aborted half way
  for (std::size_t i = 0; i < n; ++i) {
    auto sc = scenario_in_run(i, run_index == 3 ? 2 : run_index);
    if (!sc) continue;
    DomainResult r = build(*sc, entry_for(i));
    out.push_back(std::move(r));
  }
  return out;
}

std::expected<FixtureInfo, StorageError> make_fixture_db(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec))
    return std::unexpected(
        StorageError{StorageError::Kind::Internal, "fixture target exists: " + path});
  static constexpr std::array<const char*, 4> kStart{"2026-09-01T02:00:00Z", "2026-10-01T02:00:00Z",
                                                     "2026-11-01T02:00:00Z",
                                                     "2026-11-02T02:00:00Z"};
  static constexpr std::array<const char*, 4> kEnd{"2026-09-01T02:07:13Z", "2026-10-01T02:06:58Z",
                                                   "2026-11-01T02:07:31Z", "2026-11-02T02:03:10Z"};
  FixtureInfo info;
  for (int run = 0; run < 4; ++run) {
    auto results = fixture_results(run);
    auto calls = std::make_shared<int>(0);
    WriterOptions opts;
    auto idx = static_cast<std::size_t>(run);
    opts.clock = [calls, idx] { return (*calls)++ == 0 ? kStart[idx] : kEnd[idx]; };
    RunStart start;
    start.label = "nightly";
    start.list_path = "/etc/nulmeting/overheid.csv";
    start.list_checksum = run == 0 ? "sha256:1111" : "sha256:2222";
    start.options_json = R"({"concurrency":500,"per_ip":2,"smtp_port":25})";
    start.versions_json =
        R"({"nulmeting":"0.1.0","libunbound":"1.17.1","libuv":"1.44.2","OpenSSL":"3.0.17","SQLite":"3.40.1"})";
    start.domain_total = static_cast<std::int64_t>(fixture_results(run == 3 ? 2 : run).size());
    if (run >= 2) start.routes = RouteCheck{true, false};  // older runs predate the route check
    auto w = RunWriter::begin(path, start, std::move(opts));
    if (!w) return std::unexpected(w.error());
    for (auto& r : results) (*w)->submit(std::move(r));
    bool aborted = run == 3;
    std::string summary = aborted ? R"({"reason":"interrupted"})"
                                  : R"({"domains":)" + std::to_string(start.domain_total) + "}";
    auto f = (*w)->finish(aborted ? RunStatus::Aborted : RunStatus::Finished, summary);
    if (!f) return std::unexpected(f.error());
    if (aborted)
      info.aborted_run = (*w)->run_id();
    else
      info.finished_runs.push_back((*w)->run_id());
  }
  return info;
}

}  // namespace nulmeting::storage::testing
