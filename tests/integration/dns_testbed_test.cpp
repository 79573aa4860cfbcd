// DNS against the real testbed ([testbed]): every scenario of expected.json gets the DNS part of
// its verdict (mail, dnssec, MX hosts, host status, address class, TLSA status/base/usable);
// plus the special-use-zone trap, trust anchors that must be refused, TCP under load and 5,000
// concurrent names with a clean shutdown. Run inside the namespace:
//   NULMETING_TESTBED=$PWD/tests/testbed/run ip netns exec nulmeting-tb build/.../test_integration
//   "[dns]"
#include "dns_testbed.hpp"

#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/scanner/dns_wire.hpp>
#include <nulmeting/scanner/resolve.hpp>
#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/domain.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

using namespace nulmeting;
using namespace nulmeting::scanner;
using nlohmann::json;
using nulmeting::testing::Testbed;
using nulmeting::testing::testbed;

namespace {

// The DNS evidence of a domain as a DomainResult, and the verdicts the verdict module draws from
// it (the resolver decides none itself).
DomainResult evidence(const ResolvedDomain& d) {
  DomainResult r;
  r.entry.domain = d.domain;
  d.apply_to(r);
  return r;
}
MailVerdict mail_of(const ResolvedDomain& d) { return verdict::decide_mail(evidence(d)); }
std::string dnssec_name(const ResolvedDomain& d) {
  const DomainResult r = evidence(d);
  return std::string(to_string(verdict::decide_dnssec(r, verdict::decide_mail(r))));
}

std::string str(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return "";
  return j.at(key).is_string() ? j.at(key).get<std::string>() : j.at(key).dump();
}

// Resolves `domains` with one client/resolver pair on a fresh loop; requires a clean close.
std::map<std::string, ResolvedDomain> resolve_all(const DnsConfig& cfg,
                                                  const std::vector<std::string>& domains) {
  UvLoop loop;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::map<std::string, ResolvedDomain> out;
  {
    HostResolver hosts(**client);
    DomainResolver resolver(**client, hosts);
    for (const auto& d : domains)
      resolver.resolve(d, [&out](ResolvedDomain r) { out.emplace(r.domain, std::move(r)); });
    loop.run();
    (*client)->close();
  }
  client->reset();
  CHECK(loop.close() == 0);
  return out;
}

// A signed domain that receives mail (DANE-valid if the catalogue has one): names below it that
// do not exist get a validated denial (secure-nx).
std::string signed_domain(const Testbed& tb) {
  const auto& doms = tb.expected.at("domains");
  if (doms.contains("dane-ee-311.test")) return "dane-ee-311.test";
  for (const auto& [name, e] : doms.items())
    if (e.value("dnssec", "") == "secure" && e.value("mail", "") == "receives") return name;
  FAIL("expected.json has no signed domain that receives mail");
  return "";
}

std::vector<std::string> scenario_domains(const Testbed& tb) {
  std::vector<std::string> v;
  for (const auto& [name, e] : tb.expected.at("domains").items())
    if (!e.value("synthetic", false)) v.push_back(name);
  return v;
}

}  // namespace

TEST_CASE("testbed: every DNS scenario of expected.json", "[testbed][dns]") {
  auto tb = testbed("DNS scenarios");
  if (!tb) return;
  const auto domains = scenario_domains(*tb);
  REQUIRE_FALSE(domains.empty());
  const auto got = resolve_all(tb->dns_config(), domains);
  REQUIRE(got.size() == domains.size());
  for (const auto& name : domains) {
    const json& e = tb->expected.at("domains").at(name);
    const auto& d = got.at(name);
    INFO("domain " << name << ": mx " << to_string(d.mx_lookup.cls) << "/"
                   << to_string(d.mx_lookup.reason) << " " << d.mx_lookup.why_bogus);
    CHECK(std::string(to_string(mail_of(d))) == str(e, "mail"));
    CHECK(dnssec_name(d) == str(e, "dnssec"));
    const json& emx = e.contains("mx") ? e.at("mx") : json::array();
    if (str(e, "mail") != "receives") continue;
    REQUIRE(d.hosts.size() == emx.size());
    for (std::size_t i = 0; i < emx.size(); ++i) {
      const auto& h = d.hosts[i].result;
      const json& eh = emx[i];
      INFO("host " << h.name << " A " << to_string(h.address_lookups.at(0).reason) << " AAAA "
                   << to_string(h.address_lookups.at(1).reason));
      CHECK(h.name == str(eh, "name"));
      CHECK(std::string(to_string(h.status)) == str(eh, "status"));
      if (eh.contains("address_dnssec"))
        CHECK(std::string(to_string(h.address_dnssec)) == str(eh, "address_dnssec"));
      if (!eh.contains("tlsa")) continue;
      if (eh.at("tlsa").is_null()) {
        CHECK_FALSE(h.tlsa.has_value());
        continue;
      }
      REQUIRE(h.tlsa.has_value());
      const json& et = eh.at("tlsa");
      CHECK(std::string(to_string(h.tlsa->status)) == str(et, "status"));
      CHECK(h.tlsa->base == str(et, "base"));
      if (et.contains("usable")) CHECK(h.tlsa->usable == et.at("usable").get<int>());
      if (et.contains("records")) {
        std::vector<std::string> want, have;
        for (const auto& r : et.at("records")) want.push_back(normalize_name(r.get<std::string>()));
        for (const auto& r : h.tlsa->records) have.push_back(r.text());
        std::sort(want.begin(), want.end());
        std::sort(have.begin(), have.end());
        CHECK(have == want);
      }
      if (h.tlsa->status == DnsClass::Secure && !h.tlsa->base.empty())
        CHECK(d.hosts[i].sni == h.tlsa->base);
    }
  }
}

TEST_CASE("testbed: CNAMEs, IP-like exchanges, null MX beside others", "[testbed][dns]") {
  auto tb = testbed("DNS special cases");
  if (!tb) return;
  const auto& doms = tb->expected.at("domains");
  std::vector<std::string> wanted;
  for (const char* d :
       {"cname-mx.test", "gemeente.aliases.test", "ip-like-mx.test", "null-mx-plus.test"})
    if (doms.contains(d)) wanted.push_back(d);
  if (wanted.size() < 4) std::fprintf(stderr, "WARN: testbed lacks some special-case domains\n");
  const auto got = resolve_all(tb->dns_config(), wanted);
  if (got.contains("cname-mx.test")) {
    // MX host is a signed CNAME: TLSA base and SNI are the expanded name, not an intermediate.
    const auto& h = got.at("cname-mx.test").hosts.at(0);
    CHECK(h.canonical_name == "smtp.mailhoster.test");
    CHECK(h.sni == "smtp.mailhoster.test");
    CHECK(h.result.address_lookups.at(0).cname_chain ==
          std::vector<std::string>{"smtp.mailhoster.test"});
  }
  if (got.contains("gemeente.aliases.test")) {
    // The domain itself is a signed CNAME to a DANE-valid domain: secure (getdns said bogus).
    const auto& d = got.at("gemeente.aliases.test");
    CHECK(d.mx_lookup.cls == DnsClass::Secure);
    CHECK(d.canonical_domain == "dane-ee-311.test");
    CHECK(verdict::domain_reference_names(evidence(d)) ==
          std::vector<std::string>{"gemeente.aliases.test", "dane-ee-311.test"});
  }
  if (got.contains("ip-like-mx.test")) {
    const auto& d = got.at("ip-like-mx.test");
    REQUIRE(d.hosts.size() == 1);
    CHECK(d.hosts[0].result.name_is_ip_literal);
    CHECK(d.hosts[0].ips.empty());  // resolved as a name (it has no A), never used as an address
    CHECK_FALSE(d.findings.empty());
  }
  if (got.contains("null-mx-plus.test")) {
    const auto& d = got.at("null-mx-plus.test");
    CHECK(mail_of(d) == MailVerdict::NullMx);
    CHECK(d.hosts.empty());
    REQUIRE(d.findings.size() == 1);
    CHECK(d.findings[0].find("null MX beside") != std::string::npos);
  }
}

TEST_CASE("testbed: special-use zone test. is resolved, not answered locally", "[testbed][dns]") {
  // With libunbound's built-in `test.` local zone, this MX query would come back NXDOMAIN at
  // once without any query leaving the process.
  auto tb = testbed("special-use trap");
  if (!tb) return;
  UvLoop loop;
  auto client = DnsClient::create(loop.get(), tb->dns_config());
  REQUIRE(client.has_value());
  std::vector<DnsAnswer> got;
  const std::string dom = signed_domain(*tb);
  for (const std::string& n : {std::string("test."), dom})
    (*client)->resolve(n, n == "test." ? rrtype::SOA : rrtype::MX,
                       [&](DnsAnswer a) { got.push_back(std::move(a)); });
  loop.run();
  REQUIRE(got.size() == 2);
  for (const auto& a : got) {
    INFO(a.qname << " " << to_string(a.cls) << "/" << to_string(a.reason));
    CHECK(a.cls == DnsClass::Secure);
    CHECK_FALSE(a.records.empty());
    // The local zone's SOA would be "localhost. nobody.invalid. ..."
    for (const auto& r : a.records) CHECK(r.find("nobody.invalid") == std::string::npos);
  }
  (*client)->close();
  client->reset();
  CHECK(loop.close() == 0);
}

TEST_CASE("testbed: trust anchors — the right one validates, a wrong one is refused",
          "[testbed][dns]") {
  auto tb = testbed("trust anchor");
  if (!tb) return;
  auto check = [&](const std::string& ta) -> std::expected<void, std::string> {
    UvLoop loop;
    auto cfg = tb->dns_config();
    cfg.trust_anchor_file = ta;
    auto client = DnsClient::create(loop.get(), cfg);
    if (!client) return std::unexpected(client.error());
    std::optional<std::expected<void, std::string>> res;
    (*client)->check_trust_anchor([&](auto r) { res = r; });
    loop.run();
    (*client)->close();
    client->reset();
    CHECK(loop.close() == 0);
    REQUIRE(res.has_value());
    return *res;
  };
  CHECK(check(tb->trust_anchor).has_value());
  // The real internet root key parses fine but does not anchor the testbed's root: bogus.
  auto wrong = check(kSystemTrustAnchor);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().find("bogus") != std::string::npos);
  // A DNSKEY for a zone that is not the root anchors nothing the testbed signs... still refused.
  char path[] = "/tmp/nulmeting-ta-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string bad = "garbage that is no zone file\n";
  REQUIRE(::write(fd, bad.data(), bad.size()) == static_cast<ssize_t>(bad.size()));
  ::close(fd);
  auto garbage = check(path);
  ::unlink(path);
  CHECK_FALSE(garbage.has_value());
}

TEST_CASE("testbed: TCP only, under load, answers stay correct", "[testbed][dns]") {
  auto tb = testbed("forced TCP");
  if (!tb) return;
  auto cfg = tb->dns_config();
  cfg.tcp_only = true;
  cfg.max_in_flight = 200;
  // Every scenario domain, plus 2,000 names that do not exist under signed zones (validated
  // denial: secure-nx), all at once over TCP.
  const auto domains = scenario_domains(*tb);
  UvLoop loop;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  std::size_t answers = 0, wrong = 0;
  const std::string signed_zone = signed_domain(*tb);
  for (int i = 0; i < 2000; ++i)
    (*client)->resolve("tcp" + std::to_string(i) + "." + signed_zone, rrtype::TLSA,
                       [&](DnsAnswer a) {
                         ++answers;
                         if (a.cls != DnsClass::SecureNx) ++wrong;
                       });
  std::map<std::string, ResolvedDomain> got;
  {
    HostResolver hosts(**client);
    DomainResolver resolver(**client, hosts);
    for (const auto& d : domains)
      resolver.resolve(d, [&](ResolvedDomain r) { got.emplace(r.domain, std::move(r)); });
    loop.run();
  }
  CHECK(answers == 2000);
  CHECK(wrong == 0);
  CHECK((*client)->stats().final_timeouts == 0);
  REQUIRE(got.size() == domains.size());
  for (const auto& name : domains) {
    INFO(name);
    CHECK(std::string(to_string(mail_of(got.at(name)))) ==
          tb->expected.at("domains").at(name).value("mail", ""));
  }
  // Large TLSA RRsets (over EDNS 1232) exist only in newer testbeds: check when present.
  if (tb->expected.at("domains").contains("large-tlsa.test")) {
    const auto& d = got.at("large-tlsa.test");
    REQUIRE_FALSE(d.hosts.empty());
    REQUIRE(d.hosts[0].result.tlsa.has_value());
    CHECK(d.hosts[0].result.tlsa->status == DnsClass::Secure);
    CHECK(d.hosts[0].result.tlsa->records.size() > 10);
  } else {
    std::fprintf(stderr,
                 "WARN: testbed has no large-tlsa.test: TCP tested without a large RRset\n");
  }
  (*client)->close();
  client->reset();
  CHECK(loop.close() == 0);
}

TEST_CASE("testbed: 5,000 names concurrently, every callback once, clean shutdown",
          "[testbed][dns]") {
  auto tb = testbed("5,000 names");
  if (!tb) return;
  const auto domains = scenario_domains(*tb);
  const std::string signed_zone = signed_domain(*tb);
  auto cfg = tb->dns_config();
  cfg.max_in_flight = 256;
  UvLoop loop;
  auto client = DnsClient::create(loop.get(), cfg);
  REQUIRE(client.has_value());
  constexpr int kNames = 5000;
  std::vector<int> calls(kNames, 0);
  std::size_t fails = 0;
  for (int i = 0; i < kNames; ++i) {
    // Mix: existing scenario names (MX) and non-existent names under signed zones (A).
    const bool existing = i % 5 == 0;
    const std::string name = existing ? domains[static_cast<std::size_t>(i / 5) % domains.size()]
                                      : "n" + std::to_string(i) + "." + signed_zone;
    (*client)->resolve(name, existing ? rrtype::MX : rrtype::A, [&, i, existing](DnsAnswer a) {
      ++calls[static_cast<std::size_t>(i)];
      if (!existing && a.cls != DnsClass::SecureNx) ++fails;
    });
  }
  loop.run();
  for (int i = 0; i < kNames; ++i) {
    if (calls[static_cast<std::size_t>(i)] != 1)
      FAIL("callback " << i << " ran " << calls[static_cast<std::size_t>(i)] << " times");
  }
  CHECK(fails == 0);
  CHECK((*client)->stats().answered == kNames);
  CHECK((*client)->stats().peak_in_flight <= 256);
  CHECK((*client)->stats().final_timeouts == 0);
  (*client)->close();
  client->reset();  // ub_ctx_delete done
  CHECK(loop.close() == 0);
}

TEST_CASE("testbed: MX hosts shared by many domains are looked up once", "[testbed][dns]") {
  auto tb = testbed("host coalescing");
  if (!tb) return;
  // Domains whose MX hosts also serve other domains (shared-*.test, providers, ...).
  std::map<std::string, std::vector<std::string>> by_host;
  for (const auto& [name, e] : tb->expected.at("domains").items()) {
    if (e.value("synthetic", false) || e.value("mail", "") != "receives") continue;
    for (const auto& h : e.at("mx")) by_host[h.at("name").get<std::string>()].push_back(name);
  }
  std::vector<std::string> domains;
  std::size_t refs = 0, distinct = 0;
  for (const auto& [host, doms] : by_host) {
    if (doms.size() < 2) continue;
    for (const auto& d : doms)
      if (std::find(domains.begin(), domains.end(), d) == domains.end()) domains.push_back(d);
  }
  if (domains.empty()) {
    std::fprintf(stderr, "WARN: host coalescing skipped: no shared MX host in the testbed\n");
    return;
  }
  UvLoop loop;
  auto client = DnsClient::create(loop.get(), tb->dns_config());
  REQUIRE(client.has_value());
  std::set<std::string> hosts_seen;
  bool any_failed = false;
  {
    HostResolver hosts(**client);
    DomainResolver resolver(**client, hosts);
    std::size_t done = 0;
    for (const auto& d : domains)
      resolver.resolve(d, [&](ResolvedDomain r) {
        ++done;
        for (const auto& h : r.hosts) {
          ++refs;
          hosts_seen.insert(h.result.name);
          if (h.result.status == HostStatus::Unusable || h.result.status == HostStatus::TlsaError)
            any_failed = true;
        }
      });
    loop.run();
    distinct = hosts_seen.size();
    CHECK(done == domains.size());
    CHECK(refs > distinct);
    // Every host resolved once; every other reference was coalesced or served from the cache
    // (failed hosts are not cached, so they may be looked up again).
    CHECK(hosts.lookups() + hosts.coalesced() + hosts.cache_hits() == refs);
    CHECK(hosts.lookups() < refs);
    if (!any_failed) CHECK(hosts.lookups() == distinct);
  }
  (*client)->close();
  client->reset();
  CHECK(loop.close() == 0);
}

TEST_CASE("testbed: full recursion from the private root; IPv6 forwarder", "[testbed][dns]") {
  auto tb = testbed("full recursion");
  if (!tb) return;
  const std::string dom = signed_domain(*tb);
  auto run = [&](DnsConfig cfg) {
    UvLoop loop;
    auto client = DnsClient::create(loop.get(), cfg);
    REQUIRE(client.has_value());
    std::optional<std::expected<void, std::string>> anchor;
    (*client)->check_trust_anchor([&](auto r) { anchor = r; });
    std::optional<DnsAnswer> mx;
    (*client)->resolve(dom, rrtype::MX, [&](DnsAnswer a) { mx = std::move(a); });
    loop.run();
    (*client)->close();
    client->reset();
    CHECK(loop.close() == 0);
    REQUIRE(anchor.has_value());
    CHECK(anchor->has_value());
    REQUIRE(mx.has_value());
    CHECK(mx->cls == DnsClass::Secure);
    CHECK_FALSE(mx->records.empty());
  };
  SECTION("no forwarder: iterate from the testbed's root hints") {
    const std::string hints = tb->run_dir + "/unbound/root.hints";
    if (::access(hints.c_str(), R_OK) != 0) {
      std::fprintf(stderr, "WARN: full recursion skipped: %s missing\n", hints.c_str());
      return;
    }
    auto cfg = tb->dns_config();
    cfg.resolvers.clear();
    cfg.full_recursion = true;
    cfg.root_hints = hints;
    run(cfg);
  }
  SECTION("IPv6 forwarder") {
    const std::string v6 = tb->env.value("TB_RESOLVER6", "");
    if (v6.empty()) {
      std::fprintf(stderr, "WARN: IPv6 forwarder skipped: no TB_RESOLVER6\n");
      return;
    }
    auto cfg = tb->dns_config();
    cfg.resolvers = {v6 + "@" + tb->env.value("TB_RESOLVER_PORT", "53")};
    run(cfg);
  }
}
