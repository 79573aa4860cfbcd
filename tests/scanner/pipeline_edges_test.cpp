// The pipeline's edges of measurement.md v2: tlsa_error hosts are probed (plan_domain) and get
// DANE failed(tlsa_lookup_failed); not_public addresses become findings; no_route addresses mark
// the domain incomplete; internal_error probes mark it unmeasured and are counted for exit 1.
#include <nulmeting/scanner/pipeline.hpp>
#include <nulmeting/scanner/resolve.hpp>
#include <nulmeting/scanner/scan_engine.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {

ResolvedHost host(std::string name, HostStatus status, std::vector<std::string> ips) {
  ResolvedHost h;
  h.result.name = std::move(name);
  h.result.status = status;
  h.ips = std::move(ips);
  return h;
}

ResolvedDomain domain_with(std::vector<ResolvedHost> hosts) {
  ResolvedDomain d;
  d.domain = "example.nl";
  d.mx_lookup.qname = "example.nl";
  d.mx_lookup.qtype = 15;
  d.mx_lookup.cls = DnsClass::Secure;
  d.mx_lookup.reason = DnsReason::Ok;
  for (const auto& h : hosts) d.mx_lookup.records.push_back("10 " + h.result.name + ".");
  d.hosts = std::move(hosts);
  return d;
}

class OneDomain final : public DomainSource {
 public:
  std::optional<DomainEntry> next() override {
    if (given_) return std::nullopt;
    given_ = true;
    DomainEntry e;
    e.domain = "example.nl";
    return e;
  }

 private:
  bool given_ = false;
};

class PlanResolver final : public DomainResolution {
 public:
  explicit PlanResolver(ResolvedDomain d) : d_(std::move(d)) {}
  void resolve(const DomainEntry&, std::function<void(DomainPlan)> done) override {
    done(plan_domain(d_, 25));
  }

 private:
  ResolvedDomain d_;
};

// Answers every target with the outcome scripted for its address (default starttls_ok).
class OutcomeProber final : public ProbeService {
 public:
  std::map<std::string, ProbeOutcome> outcomes;
  std::vector<ProbeTarget> seen;
  void probe(const ProbeTarget& t, std::function<void(const ProbeResult&)> done) override {
    seen.push_back(t);
    ProbeResult p;
    p.ip = t.ip;
    p.sni = t.tlsa_base.empty() ? t.host : t.tlsa_base;
    const auto it = outcomes.find(t.ip);
    p.outcome = it == outcomes.end() ? ProbeOutcome::StarttlsOk : it->second;
    if (p.outcome == ProbeOutcome::InternalError) p.error = "internal error: out of memory";
    done(p);
  }
  std::size_t in_flight() const override { return 0; }
};

class Collect final : public ResultSink {
 public:
  void accept(DomainResult&& r) override { results.push_back(std::move(r)); }
  std::vector<DomainResult> results;
};

struct Run {
  DomainResult result;
  PipelineStats stats;
  std::vector<ProbeTarget> probed;
};

Run run_one(ResolvedDomain d, std::map<std::string, ProbeOutcome> outcomes = {}) {
  UvLoop loop;
  OneDomain source;
  PlanResolver resolver(std::move(d));
  OutcomeProber prober;
  prober.outcomes = std::move(outcomes);
  Collect sink;
  Pipeline pipeline(loop.get(), source, resolver, prober, sink, {});
  pipeline.start([] {});
  loop.run();
  REQUIRE(sink.results.size() == 1);
  CHECK(loop.close() == 0);
  return {std::move(sink.results.front()), pipeline.stats(), prober.seen};
}

}  // namespace

TEST_CASE("pipeline: a tlsa_error host is probed, SNI = host name, DANE tlsa_lookup_failed",
          "[pipeline][edges]") {
  auto bad = host("mx2.example.nl", HostStatus::TlsaError, {"198.51.7.2"});
  bad.result.tlsa = TlsaInfo{};
  bad.result.tlsa->status = DnsClass::Fail;
  auto good = host("mx1.example.nl", HostStatus::Ok, {"198.51.7.1"});
  auto none = host("mx3.example.nl", HostStatus::NoAddress, {});
  const auto plan = plan_domain(domain_with({good, bad, none}), 25);
  REQUIRE(plan.targets.size() == 3);
  CHECK(plan.targets[0].size() == 1);
  REQUIRE(plan.targets[1].size() == 1);  // the tlsa_error host is probed
  CHECK(plan.targets[1][0].host == "mx2.example.nl");
  CHECK(plan.targets[1][0].tlsa_base.empty());  // so SNI = the host name
  CHECK(plan.targets[1][0].tlsa.empty());
  CHECK(plan.targets[2].empty());

  const auto r = run_one(domain_with({good, bad}), {{"198.51.7.2", ProbeOutcome::NoStarttls}});
  REQUIRE(r.probed.size() == 2);
  const auto& p = r.result.mx[1].addresses.at(0);
  CHECK(p.outcome == ProbeOutcome::NoStarttls);  // a missing STARTTLS is no longer hidden
  CHECK(p.sni == "mx2.example.nl");
  CHECK(p.dane == DaneCheck::Failed);
  CHECK(p.dane_reason == DaneFailReason::TlsaLookupFailed);
  CHECK(r.result.mx[0].addresses.at(0).dane == DaneCheck::NotApplicable);
  CHECK(r.result.verdict.starttls == StarttlsVerdict::Partial);  // was `all`: mx2 not probed
  CHECK(r.result.verdict.dane == DaneVerdict::Invalid);
}

TEST_CASE("pipeline: not_public is a finding, no_route marks the family incomplete",
          "[pipeline][edges]") {
  auto mx = host("mx.example.nl", HostStatus::Ok, {"198.51.7.1", "10.1.2.3", "2a00:1::25"});
  const auto r = run_one(domain_with({mx}), {{"10.1.2.3", ProbeOutcome::NotPublic},
                                             {"2a00:1::25", ProbeOutcome::NoRoute}});
  CHECK(r.result.incomplete == std::vector<std::string>{"ipv6"});
  REQUIRE(r.result.findings.size() == 1);
  CHECK(r.result.findings[0].find("10.1.2.3") != std::string::npos);
  CHECK(r.result.findings[0].find("not publicly routable") != std::string::npos);
  CHECK(r.result.unmeasured.empty());
  CHECK(r.stats.domains_unmeasured == 0);

  const auto v4 = run_one(domain_with({host("mx.example.nl", HostStatus::Ok,
                                            {"198.51.7.1", "::ffff:198.51.7.9"})}),
                          {{"198.51.7.1", ProbeOutcome::NoRoute}});
  CHECK(v4.result.incomplete == std::vector<std::string>{"ipv4"});
}

TEST_CASE("pipeline: an internal_error probe marks the domain unmeasured (exit 1)",
          "[pipeline][edges]") {
  auto mx = host("mx.example.nl", HostStatus::Ok, {"198.51.7.1", "198.51.7.2"});
  const auto r = run_one(domain_with({mx}), {{"198.51.7.2", ProbeOutcome::InternalError}});
  REQUIRE(r.result.unmeasured.size() == 1);
  CHECK(r.result.unmeasured[0].find("198.51.7.2") != std::string::npos);
  CHECK(r.result.unmeasured[0].find("out of memory") != std::string::npos);
  CHECK(r.stats.domains_unmeasured == 1);
  CHECK(domain_unmeasured(r.result));

  const auto ok = run_one(domain_with({mx}));
  CHECK(ok.result.unmeasured.empty());
  CHECK(ok.stats.domains_unmeasured == 0);
}
