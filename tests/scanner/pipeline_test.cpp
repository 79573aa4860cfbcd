// The pipeline with a scripted resolver and prober: every domain reaches the sink exactly once
// with its verdicts, the in-flight bound holds (memory flat in list size), domains waiting for
// probes give their DNS slot to the next ones, synchronous and
// asynchronous answers both work, stop() stops pulling, --max-mx truncates, and the DANE-TA
// name re-check applies only when the MX RRset is secure.
#include "scanner/tls_testing.hpp"

#include <nulmeting/scanner/pipeline.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <catch2/catch.hpp>

#include <deque>
#include <functional>
#include <map>
#include <set>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {

class CountingSource final : public DomainSource {
 public:
  explicit CountingSource(int n) : n_(n) {}
  std::optional<DomainEntry> next() override {
    if (i_ >= n_) return std::nullopt;
    DomainEntry e;
    e.domain = "d" + std::to_string(i_++) + ".test";
    e.sector = Sector::Gemeente;
    return e;
  }
  int pulled() const { return i_; }

 private:
  int n_, i_ = 0;
};

// Every domain has MX hosts mx0..mx{hosts-1}.shared.test with one address each; all secure,
// TLSA 3 1 1 on every host. Answers asynchronously through a zero timer, or synchronously.
class ScriptedResolver final : public DomainResolution {
 public:
  ScriptedResolver(uv_loop_t* loop, int hosts, bool sync)
      : loop_(loop), hosts_(hosts), sync_(sync) {}
  void resolve(const DomainEntry& e, std::function<void(DomainPlan)> done) override {
    DomainPlan rd;
    rd.result.mx_lookup.qname = e.domain;
    rd.result.mx_lookup.cls = DnsClass::Secure;
    rd.result.mx_lookup.reason = DnsReason::Ok;
    rd.result.mx_lookup.cls = mx_class_;
    for (int h = 0; h < hosts_; ++h)
      rd.result.mx_lookup.records.push_back(std::to_string(10 * h) + " mx" + std::to_string(h) +
                                            ".shared.test.");
    for (int h = 0; h < hosts_; ++h) {
      MxHostResult host;
      host.name = "mx" + std::to_string(h) + ".shared.test";
      host.preference = static_cast<std::uint16_t>(10 * h);
      host.status = HostStatus::Ok;
      host.address_dnssec = DnsClass::Secure;
      TlsaInfo t;
      t.status = DnsClass::Secure;
      t.base = host.name;
      t.records.push_back(TlsaRecord{3, 1, 1, std::vector<std::uint8_t>(32, 1), true});
      t.usable = 1;
      host.tlsa = t;
      rd.result.mx.push_back(host);
      ProbeTarget target;
      target.host = host.name;
      target.ip = "127.0.0." + std::to_string(h + 1);
      target.tlsa_base = host.name;
      target.tlsa = t.records;
      rd.targets.push_back({target});
    }
    if (edit) edit(rd);
    if (sync_) return done(std::move(rd));
    pending_.emplace_back(std::move(rd), std::move(done));
    if (!timer_) {
      timer_.init([&](uv_timer_t* h) { return uv_timer_init(loop_, h); });
      timer_->data = this;
    }
    uv_timer_start(
        timer_.get(),
        [](uv_timer_t* h) {
          auto* self = static_cast<ScriptedResolver*>(h->data);
          auto batch = std::move(self->pending_);
          self->pending_.clear();
          for (auto& [answer, cb] : batch) cb(std::move(answer));
        },
        0, 0);
  }
  UvTimer timer_;
  DnsClass mx_class_ = DnsClass::Secure;
  std::function<void(DomainPlan&)> edit;  // a test's changes to the scripted answer

 private:
  uv_loop_t* loop_;
  int hosts_;
  bool sync_;
  std::deque<std::pair<DomainPlan, std::function<void(DomainPlan)>>> pending_;
};

// Shares one result per (host, ip) like the real prober; host mx1 fails DANE-TA on names (a
// record matched at depth 1), its leaf is `mx1_leaf` (empty: unknown).
class ScriptedProber final : public ProbeService {
 public:
  std::vector<std::uint8_t> mx1_leaf;
  void probe(const ProbeTarget& t, std::function<void(const ProbeResult&)> done) override {
    ++requests;
    auto key = t.host + "|" + t.ip;
    if (!cache_.count(key)) {
      ++probes;
      ProbeResult p;
      p.ip = t.ip;
      p.outcome = ProbeOutcome::StarttlsOk;
      p.dane = DaneCheck::Authenticated;
      if (t.host.starts_with("mx1.")) {
        p.dane = DaneCheck::Failed;
        p.dane_reason = DaneFailReason::NameMismatch;
        p.dane_depth = 1;
        p.leaf_der = mx1_leaf;
      }
      cache_[key] = p;
    }
    done(cache_[key]);
  }
  std::size_t in_flight() const override { return 0; }
  int requests = 0, probes = 0;

 private:
  std::map<std::string, ProbeResult> cache_;
};

class CollectingSink final : public ResultSink {
 public:
  explicit CollectingSink(const Pipeline* const* p, std::size_t bound) : p_(p), bound_(bound) {}
  void accept(DomainResult&& r) override {
    CHECK(seen.insert(r.entry.domain).second);  // exactly once
    if (*p_) max_in_flight = std::max(max_in_flight, (*p_)->stats().domains_in_flight);
    CHECK(max_in_flight <= bound_);
    results.push_back(std::move(r));
  }
  std::set<std::string> seen;
  std::vector<DomainResult> results;
  std::size_t max_in_flight = 0;

 private:
  const Pipeline* const* p_;
  std::size_t bound_;
};

}  // namespace

TEST_CASE("pipeline: every domain once, bounded in flight, probes shared", "[pipeline]") {
  for (bool sync : {false, true}) {
    CAPTURE(sync);
    UvLoop loop;
    CountingSource source(1000);
    ScriptedResolver resolver(loop.get(), 2, sync);
    ScriptedProber prober;
    const Pipeline* pp = nullptr;
    CollectingSink sink(&pp, 50);
    PipelineOptions opt;
    opt.max_domains_in_flight = 50;
    Pipeline pipeline(loop.get(), source, resolver, prober, sink, opt);
    pp = &pipeline;
    int done_calls = 0;
    pipeline.start([&] { ++done_calls; });
    loop.run();
    CHECK(done_calls == 1);
    CHECK(sink.results.size() == 1000);
    CHECK(pipeline.stats().domains_done == 1000);
    CHECK(pipeline.stats().domains_in_flight == 0);
    CHECK(prober.requests == 2000);
    CHECK(prober.probes == 2);  // one per (host, address), shared by all domains
    // mx1 failed DANE on names and its leaf is unknown: nothing to re-check, DANE is invalid.
    CHECK(sink.results.front().verdict.dane == DaneVerdict::Invalid);
    resolver.timer_.reset();
    CHECK(loop.close() == 0);
  }
}

TEST_CASE("pipeline: domains waiting for shared probes leave the DNS window to the next ones",
          "[pipeline]") {
  // A domain whose DNS is done may wait seconds for a TLS assessment it shares with other
  // domains. It stays open (memory: max_domains_in_flight) but gives its DNS slot
  // (max_domains_resolving) to the next domain, whose questions find the next hosts to probe.
  class CountingResolution final : public DomainResolution {
   public:
    explicit CountingResolution(DomainResolution& inner) : inner_(inner) {}
    void resolve(const DomainEntry& e, std::function<void(DomainPlan)> done) override {
      most = std::max(most, ++open);
      inner_.resolve(e, [this, done = std::move(done)](DomainPlan p) {
        --open;
        done(std::move(p));
      });
    }
    std::size_t open = 0, most = 0;

   private:
    DomainResolution& inner_;
  };
  // Answers only when the test releases it: the shared assessment that takes its time.
  class HeldProber final : public ProbeService {
   public:
    void probe(const ProbeTarget& t, std::function<void(const ProbeResult&)> done) override {
      ProbeResult p;
      p.ip = t.ip;
      p.outcome = ProbeOutcome::StarttlsOk;
      p.dane = DaneCheck::Authenticated;
      held.emplace_back(std::move(p), std::move(done));
    }
    std::size_t in_flight() const override { return held.size(); }
    std::vector<std::pair<ProbeResult, std::function<void(const ProbeResult&)>>> held;
  };
  UvLoop loop;
  CountingSource source(100);
  ScriptedResolver scripted(loop.get(), 1, false);
  CountingResolution resolver(scripted);
  HeldProber prober;
  const Pipeline* pp = nullptr;
  CollectingSink sink(&pp, 30);  // never more than max_domains_in_flight open
  PipelineOptions opt;
  opt.max_domains_in_flight = 30;
  opt.max_domains_resolving = 10;
  Pipeline pipeline(loop.get(), source, resolver, prober, sink, opt);
  pp = &pipeline;
  bool done = false;
  pipeline.start([&] { done = true; });
  loop.run();                    // every admitted domain resolved; their probes are held
  CHECK(source.pulled() == 30);  // not 10: the resolved ones freed their DNS slots
  CHECK(resolver.most == 10);
  CHECK(pipeline.stats().domains_resolving == 0);
  CHECK(pipeline.stats().domains_waiting == 30);
  CHECK(pipeline.stats().domains_in_flight == 30);
  CHECK(sink.results.empty());
  for (int round = 0; round < 10 && !done; ++round) {  // release, resolve the next, repeat
    auto held = std::move(prober.held);
    prober.held.clear();
    for (auto& [result, cb] : held) cb(result);
    loop.run();
  }
  CHECK(done);
  CHECK(sink.results.size() == 100);
  CHECK(resolver.most == 10);
  CHECK(sink.max_in_flight <= 30);
  CHECK(pipeline.stats().domains_in_flight == 0);
  CHECK(pipeline.stats().domains_waiting == 0);
  scripted.timer_.reset();
  CHECK(loop.close() == 0);
}

TEST_CASE("pipeline: DANE-TA names re-checked with the domain's names only when MX is secure",
          "[pipeline]") {
  // The leaf names every d<i>.test domain (not the MX host): it authenticates only for a domain
  // whose MX RRset is secure (measurement.md §2.3), decided by verdict::finalize per domain.
  using namespace nulmeting::scanner::testing;
  auto key = make_key();
  auto leaf = make_cert({"leaf", {"d0.test", "d1.test", "d2.test"}}, key.get(), nullptr, nullptr);
  for (const DnsClass mx_class : {DnsClass::Secure, DnsClass::Insecure}) {
    CAPTURE(to_string(mx_class));
    UvLoop loop;
    CountingSource source(3);
    ScriptedResolver resolver(loop.get(), 2, true);
    resolver.mx_class_ = mx_class;
    ScriptedProber prober;
    prober.mx1_leaf = der_cert(leaf.get());
    const Pipeline* pp = nullptr;
    CollectingSink sink(&pp, 10);
    Pipeline pipeline(loop.get(), source, resolver, prober, sink, PipelineOptions{});
    pipeline.start([] {});
    loop.run();
    REQUIRE(sink.results.size() == 3);
    for (const auto& r : sink.results) {
      const auto& mx1 = r.mx.at(1).addresses.at(0);
      if (mx_class == DnsClass::Secure) {
        CHECK(r.verdict.dane == DaneVerdict::Valid);
        CHECK(r.verdict.protected_);
        CHECK(mx1.dane == DaneCheck::Authenticated);
      } else {
        CHECK(r.verdict.dane == DaneVerdict::Invalid);
        CHECK(mx1.dane_reason == DaneFailReason::NameMismatch);
      }
    }
    CHECK(loop.close() == 0);
  }
}

TEST_CASE("pipeline: stop() stops pulling; every planned host is probed", "[pipeline]") {
  UvLoop loop;
  CountingSource source(100000);
  ScriptedResolver resolver(loop.get(), 3, false);
  ScriptedProber prober;
  const Pipeline* pp = nullptr;
  CollectingSink sink(&pp, 10);
  PipelineOptions opt;
  opt.max_domains_in_flight = 10;
  Pipeline pipeline(loop.get(), source, resolver, prober, sink, opt);
  pipeline.start([] {});
  pipeline.stop();
  loop.run();
  CHECK(source.pulled() == 10);      // only the first window was pulled
  CHECK(sink.results.size() == 10);  // and it finished
  // The --max-mx cap is applied by the resolver before any host lookup (verdict::mx_plan); the
  // pipeline probes whatever the plan holds.
  CHECK(sink.results.front().mx.size() == 3);
  CHECK(sink.results.front().findings.empty());
  resolver.timer_.reset();
  CHECK(loop.close() == 0);
}

TEST_CASE("pipeline: a sink that is not ready holds new domains back, nothing is lost",
          "[pipeline]") {
  class SlowSink final : public ResultSink {
   public:
    void accept(DomainResult&& r) override {
      ++queued;
      results.push_back(std::move(r));
    }
    bool ready() const override {
      // "Writes" one domain every third poll, slower than domains arrive: ready only while
      // fewer than 5 are queued.
      if (++polls % 3 == 0 && queued > 0) --queued;
      return queued < 5;
    }
    mutable int queued = 0, polls = 0;
    std::vector<DomainResult> results;
  };
  UvLoop loop;
  CountingSource source(200);
  ScriptedResolver resolver(loop.get(), 1, true);
  ScriptedProber prober;
  SlowSink sink;
  PipelineOptions opt;
  opt.admit_retry_ms = 1;
  Pipeline pipeline(loop.get(), source, resolver, prober, sink, opt);
  int done = 0;
  pipeline.start([&] { ++done; });
  loop.run();
  CHECK(done == 1);
  CHECK(sink.results.size() == 200);
  CHECK(pipeline.stats().admit_waits > 0);
  CHECK(loop.close() == 0);
}

namespace {
DnsAnswer failed(std::string qname, std::uint16_t qtype, DnsReason reason, int attempts) {
  DnsAnswer a;
  a.qname = std::move(qname);
  a.qtype = qtype;
  a.cls = DnsClass::Fail;
  a.reason = reason;
  a.attempts = attempts;
  return a;
}
}  // namespace

TEST_CASE("dns_failures: one line per fail answer the verdicts rest on", "[pipeline][confirm]") {
  DomainResult r;
  r.mx_lookup.cls = DnsClass::Secure;
  CHECK(dns_failures(r).empty());
  r.mx_lookup = failed("example.nl", 15, DnsReason::Timeout, 3);
  CHECK(dns_failures(r) ==
        std::vector<std::string>{"example.nl MX timeout (confirmed, 3 attempts)"});
  r.mx_lookup.cls = DnsClass::Insecure;
  MxHostResult h;
  h.name = "mx1.example.nl";
  DnsAnswer ok;
  ok.cls = DnsClass::Insecure;
  h.address_lookups = {ok, failed("mx1.example.nl", 28, DnsReason::ServFail, 1)};
  TlsaInfo t;
  t.status = DnsClass::Fail;
  t.lookups = {failed("_25._tcp.mx1.example.nl", 52, DnsReason::Bogus, 3)};
  h.tlsa = t;
  r.mx = {h, h};  // the same host twice: listed once
  CHECK(dns_failures(r) ==
        std::vector<std::string>{"mx1.example.nl AAAA servfail (not confirmed, 1 attempt)",
                                 "_25._tcp.mx1.example.nl TLSA bogus (confirmed, 3 attempts)"});

  // §5: a failed TXT answer counts when its verdict is error, not when the verdict is n/a.
  DomainResult m;
  m.mx_lookup.cls = DnsClass::Secure;
  m.mail_standards.measured = true;
  m.mail_standards.spf_txt.cls = DnsClass::Secure;
  m.mail_standards.spf_lookups = {failed("inc.example.nl", 16, DnsReason::ServFail, 3)};
  m.mail_standards.tls_rpt_txt = failed("_smtp._tls.example.nl", 16, DnsReason::Timeout, 3);
  m.verdict.spf = SpfVerdict::Error;
  m.verdict.tls_rpt = TlsRptVerdict::NotApplicable;
  m.verdict.dmarc = DmarcVerdict::None;
  m.verdict.dkim = DkimVerdict::Present;
  CHECK(dns_failures(m) ==
        std::vector<std::string>{"inc.example.nl TXT servfail (confirmed, 3 attempts)"});
  m.verdict.tls_rpt = TlsRptVerdict::Error;
  CHECK(dns_failures(m).size() == 2);
}

TEST_CASE("pipeline: a domain whose verdicts rest on a DNS failure is unmeasured and counted",
          "[pipeline][confirm]") {
  UvLoop loop;
  CountingSource source(3);
  ScriptedResolver resolver(loop.get(), 2, false);
  resolver.edit = [](DomainPlan& rd) {
    if (rd.result.mx_lookup.qname != "d1.test") return;
    auto& host = rd.result.mx[1];
    host.status = HostStatus::TlsaError;
    host.tlsa->status = DnsClass::Fail;
    host.tlsa->lookups = {failed("_25._tcp." + host.name, 52, DnsReason::ServFail, 3)};
  };
  ScriptedProber prober;
  const Pipeline* pp = nullptr;
  CollectingSink sink(&pp, 10);
  Pipeline pipeline(loop.get(), source, resolver, prober, sink, PipelineOptions{});
  pp = &pipeline;
  pipeline.start([] {});
  loop.run();
  REQUIRE(sink.results.size() == 3);
  for (const auto& r : sink.results) {
    INFO(r.entry.domain);
    if (r.entry.domain == "d1.test")
      CHECK(r.unmeasured == std::vector<std::string>{
                                "_25._tcp.mx1.shared.test TLSA servfail (confirmed, 3 attempts)"});
    else
      CHECK(r.unmeasured.empty());
  }
  CHECK(pipeline.stats().domains_dns_failure == 1);
  CHECK(pipeline.stats().domains_unmeasured == 1);
  resolver.timer_.reset();
  CHECK(loop.close() == 0);
}

TEST_CASE("pipeline: MTA-STS evidence for domains that receive mail, decided at finalize",
          "[pipeline][mta_sts]") {
  // A scripted MTA-STS service: an enforce policy for every MX host of the scripted resolver.
  class ScriptedSts final : public MtaStsService {
   public:
    void measure(const std::string& domain, std::function<void(MtaStsEvidence)> done) override {
      asked.push_back(domain);
      MtaStsEvidence ev;
      ev.looked_up = true;
      ev.txt.cls = DnsClass::Secure;
      ev.txt.reason = DnsReason::Ok;
      ev.txt.records = {"\"v=STSv1; id=1\""};
      ev.fetch = MtaStsFetch::Ok;
      ev.http_status = 200;
      ev.content_type = "text/plain";
      ev.policy_text = "version: STSv1\nmode: enforce\nmx: *.shared.test\nmax_age: 86400\n";
      done(std::move(ev));
    }
    std::vector<std::string> asked;
  };
  UvLoop loop;
  CountingSource source(3);
  ScriptedResolver resolver(loop.get(), 2, false);
  resolver.edit = [](DomainPlan& p) {  // d1.test: null MX (no MTA-STS question)
    if (p.result.mx_lookup.qname != "d1.test") return;
    p.result.mx_lookup.records = {"0 ."};
    p.result.mx.clear();
    p.targets.clear();
  };
  ScriptedProber prober;
  ScriptedSts sts;
  const Pipeline* pp = nullptr;
  CollectingSink sink(&pp, 10);
  Pipeline pipeline(loop.get(), source, resolver, prober, sink, PipelineOptions{});
  pipeline.set_mta_sts(&sts);
  pipeline.start([] {});
  loop.run();
  REQUIRE(sink.results.size() == 3);
  CHECK(sts.asked == std::vector<std::string>{"d0.test", "d2.test"});
  for (const auto& r : sink.results) {
    CAPTURE(r.entry.domain);
    if (r.entry.domain == "d1.test") {
      CHECK(r.verdict.mail == MailVerdict::NullMx);
      CHECK(r.verdict.mta_sts == MtaStsVerdict::NotApplicable);
      CHECK_FALSE(r.mta_sts.looked_up);
    } else {
      CHECK(r.verdict.mta_sts == MtaStsVerdict::Enforce);
      CHECK(r.mta_sts.mode == "enforce");
    }
  }
  resolver.timer_.reset();
  CHECK(loop.close() == 0);
}
