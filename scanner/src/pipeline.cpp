// pipeline.cpp — see pipeline.hpp. Re-entrancy: a resolver or prober may answer synchronously
// (cache hits), so every completion path may run inside pump(); pump() guards itself and the
// done-callback is only ever called from the outermost frame.
#include <nulmeting/scanner/address_policy.hpp>
#include <nulmeting/scanner/pipeline.hpp>
#include <nulmeting/verdict/domain.hpp>

#include <algorithm>
#include <utility>

namespace nulmeting::scanner {
namespace {

std::string qtype_name(std::uint16_t t) {
  switch (t) {
    case 1:
      return "A";
    case 5:
      return "CNAME";
    case 15:
      return "MX";
    case 16:
      return "TXT";
    case 28:
      return "AAAA";
    case 48:
      return "DNSKEY";
    case 52:
      return "TLSA";
    default:
      return "TYPE" + std::to_string(t);
  }
}

}  // namespace

std::vector<std::string> dns_failures(const DomainResult& result) {
  std::vector<std::string> out;
  auto note = [&out](const DnsAnswer& a) {
    if (a.cls != DnsClass::Fail) return;
    const std::string how = a.attempts > 1
                                ? "confirmed, " + std::to_string(a.attempts) + " attempts"
                                : "not confirmed, 1 attempt";
    std::string line = a.qname + " " + qtype_name(a.qtype) + " " +
                       std::string(to_string(a.reason)) + " (" + how + ")";
    if (std::find(out.begin(), out.end(), line) == out.end()) out.push_back(std::move(line));
  };
  note(result.mx_lookup);
  if (result.mta_sts.looked_up) {  // §5: a DNS failure there makes mta_sts `error`
    note(result.mta_sts.txt);
    for (const auto& a : result.mta_sts.host_lookups) note(a);
  }
  for (const auto& host : result.mx) {
    for (const auto& a : host.address_lookups) note(a);
    if (host.tlsa)
      for (const auto& a : host.tlsa->lookups) note(a);
  }
  // §5: only the answers of a verdict that is `error` (a failed `_smtp._tls` question of a
  // domain without mail decides nothing: tls_rpt is n/a there). Needs the decided verdicts.
  const MailStandardsEvidence& ms = result.mail_standards;
  const DomainVerdict& v = result.verdict;
  if (ms.measured) {
    if (v.spf == SpfVerdict::Error) {
      note(ms.spf_txt);
      for (const auto& a : ms.spf_lookups) note(a);
    }
    if (v.dmarc == DmarcVerdict::Error) {
      note(ms.dmarc_txt);
      if (ms.dmarc_org_txt) note(*ms.dmarc_org_txt);
    }
    if (v.dkim == DkimVerdict::Error) note(ms.dkim);
    if (v.tls_rpt == TlsRptVerdict::Error) note(ms.tls_rpt_txt);
  }
  return out;
}

void note_probe_findings(DomainResult& result) {
  for (const auto& host : result.mx) {
    for (const auto& p : host.addresses) {
      if (p.outcome == ProbeOutcome::NotPublic)
        result.findings.push_back("MX host " + host.name + " has the address " + p.ip +
                                  ", which is not publicly routable: not contacted");
      else if (p.outcome == ProbeOutcome::InternalError)
        result.unmeasured.push_back("internal error probing " + host.name + " [" + p.ip +
                                    "]: " + p.error.value_or("?"));
    }
  }
}

bool domain_unmeasured(const DomainResult& r) {
  return r.verdict.mail == MailVerdict::Error || !r.unmeasured.empty();
}

struct Pipeline::DomainJob {
  DomainPlan resolved;
  std::size_t pending = 0;  // probes outstanding (+1 guard while submitting)
};

Pipeline::Pipeline(uv_loop_t* loop, DomainSource& source, DomainResolution& resolver,
                   ProbeService& prober, ResultSink& sink, PipelineOptions options)
    : loop_(loop),
      source_(source),
      resolver_(resolver),
      prober_(prober),
      sink_(sink),
      options_(std::move(options)) {}

Pipeline::~Pipeline() = default;

void Pipeline::start(std::function<void()> on_done) {
  on_done_ = std::move(on_done);
  pump();
}

void Pipeline::stop() {
  stopping_ = true;
  pump();
}

void Pipeline::pump() {
  if (pumping_) return;  // an outer frame is already pulling; it re-checks the condition
  pumping_ = true;
  while (!stopping_ && !source_done_ && stats_.domains_in_flight < options_.max_domains_in_flight &&
         stats_.domains_resolving < options_.max_domains_resolving) {
    if (!sink_.ready()) {
      ++stats_.admit_waits;
      arm_admit_timer();
      break;
    }
    std::optional<DomainEntry> entry = source_.next();
    if (!entry) {
      source_done_ = true;
      break;
    }
    ++stats_.domains_started;
    ++stats_.domains_in_flight;
    ++stats_.domains_resolving;
    auto job = std::make_shared<DomainJob>();
    job->resolved.result.entry = *entry;
    resolver_.resolve(job->resolved.result.entry,
                      [this, job](DomainPlan rd) { on_resolved(job, std::move(rd)); });
  }
  pumping_ = false;
  if ((source_done_ || stopping_) && stats_.domains_in_flight == 0 && !done_called_) {
    done_called_ = true;
    admit_timer_.reset();
    if (on_done_) on_done_();
  }
}

void Pipeline::arm_admit_timer() {
  if (!admit_timer_) {
    admit_timer_.init([this](uv_timer_t* h) { return uv_timer_init(loop_, h); });
    admit_timer_->data = this;
  }
  if (uv_is_active(admit_timer_.as_handle())) return;
  uv_timer_start(
      admit_timer_.get(), [](uv_timer_t* h) { static_cast<Pipeline*>(h->data)->pump(); },
      options_.admit_retry_ms, 0);
}

void Pipeline::on_resolved(std::shared_ptr<DomainJob> job, DomainPlan resolved) {
  DomainEntry entry = std::move(job->resolved.result.entry);
  job->resolved = std::move(resolved);
  job->resolved.result.entry = std::move(entry);  // the list row is ours, not the resolver's
  auto& result = job->resolved.result;
  auto& targets = job->resolved.targets;
  targets.resize(result.mx.size());
  // Out of the DNS window, into the waiting one (finish_domain leaves it).
  --stats_.domains_resolving;
  ++stats_.domains_waiting;
  job->pending = 1;  // guard: synchronous answers must not finish the domain mid-submission
  for (std::size_t i = 0; i < result.mx.size(); ++i) {
    result.mx[i].addresses.assign(targets[i].size(), ProbeResult{});
    for (std::size_t j = 0; j < targets[i].size(); ++j) {
      ++job->pending;
      ++stats_.probes_requested;
      prober_.probe(targets[i][j], [this, job, i, j](const ProbeResult& p) {
        job->resolved.result.mx[i].addresses[j] = p;
        if (--job->pending == 0) finish_domain(job);
      });
    }
  }
  // §5: MTA-STS only where mail is received (n/a elsewhere); measured beside the probes.
  if (mta_sts_ != nullptr && verdict::decide_mail(result) == MailVerdict::Receives) {
    ++job->pending;
    mta_sts_->measure(result.entry.domain, [this, job](MtaStsEvidence ev) {
      job->resolved.result.mta_sts = std::move(ev);
      if (--job->pending == 0) finish_domain(job);
    });
  }
  if (--job->pending == 0)
    finish_domain(job);
  else
    pump();  // its DNS slot is free: the next domain's questions may start
}

void Pipeline::finish_domain(const std::shared_ptr<DomainJob>& job) {
  DomainResult& result = job->resolved.result;
  note_probe_findings(result);
  // The probes recorded what their handshakes measured; the verdict module writes each
  // address's final DANE value for this domain and decides the verdicts, once.
  verdict::finalize(result);
  if (auto failures = dns_failures(result); !failures.empty()) {
    ++stats_.domains_dns_failure;
    result.unmeasured.insert(result.unmeasured.end(), failures.begin(), failures.end());
  }
  if (domain_unmeasured(result)) ++stats_.domains_unmeasured;
  ++stats_.domains_done;
  --stats_.domains_in_flight;
  --stats_.domains_waiting;
  sink_.accept(std::move(result));
  job->resolved = DomainPlan{};  // release evidence now; the job may outlive this frame
  pump();
}

}  // namespace nulmeting::scanner
