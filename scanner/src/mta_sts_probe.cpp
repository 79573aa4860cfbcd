// mta_sts_probe.cpp — see mta_sts_probe.hpp.
#include <nulmeting/scanner/dns_wire.hpp>
#include <nulmeting/scanner/mta_sts_probe.hpp>
#include <nulmeting/verdict/dns.hpp>
#include <nulmeting/verdict/mta_sts.hpp>

#include <utility>

namespace nulmeting::scanner {

struct MtaStsProber::Job {
  std::string host;  // mta-sts.D
  MtaStsEvidence ev;
  Callback done;
  int pending = 0;  // address lookups outstanding
};

void MtaStsProber::measure(const std::string& domain, Callback done) {
  auto job = std::make_shared<Job>();
  job->host = "mta-sts." + domain;
  job->done = std::move(done);
  job->ev.looked_up = true;
  std::weak_ptr<int> alive = alive_;
  resolve_("_mta-sts." + domain, rrtype::TXT, [this, alive, job](DnsAnswer a) {
    if (alive.expired()) return;
    on_txt(job, std::move(a));
  });
}

void MtaStsProber::on_txt(std::shared_ptr<Job> job, DnsAnswer txt) {
  job->ev.txt = std::move(txt);
  if (job->ev.txt.cls == DnsClass::Fail ||
      verdict::sts_txt(job->ev.txt.records).kind != verdict::StsTxt::Kind::Valid) {
    job->done(std::move(job->ev));  // nothing to fetch: the verdict reads the TXT answer
    return;
  }
  // A and AAAA in parallel, kept in that order as evidence.
  job->ev.host_lookups.resize(2);
  job->pending = 2;
  std::weak_ptr<int> alive = alive_;
  for (std::size_t i = 0; i < 2; ++i) {
    resolve_(job->host, i == 0 ? rrtype::A : rrtype::AAAA, [this, alive, job, i](DnsAnswer a) {
      if (alive.expired()) return;
      job->ev.host_lookups[i] = std::move(a);
      if (--job->pending == 0) on_addresses(job);
    });
  }
}

void MtaStsProber::on_addresses(std::shared_ptr<Job> job) {
  MtaStsEvidence& ev = job->ev;
  std::vector<std::string> ips;
  bool failed = false;
  for (const auto& a : ev.host_lookups) {
    if (a.cls == DnsClass::Fail) failed = true;
    if (!verdict::has_data(a)) continue;
    for (const auto& r : a.records)
      if (parse_ip(r)) ips.push_back(r);  // CNAME steps are evidence, not addresses
  }
  if (ips.empty()) {
    ev.fetch = failed ? MtaStsFetch::DnsError : MtaStsFetch::NoAddress;
    job->done(std::move(ev));
    return;
  }
  std::string chosen;
  for (const auto& ip : ips) {
    const AddressClass c = classify_address(ip, options_.allowed_ranges);
    if (c == AddressClass::Public || c == AddressClass::Allowed) {
      chosen = ip;
      break;
    }
  }
  if (chosen.empty()) {
    ev.fetch = MtaStsFetch::NotPublic;
    ev.fetch_error = "no address of " + job->host + " may be contacted (" + ips.front() + ")";
    job->done(std::move(ev));
    return;
  }
  ev.ip = chosen;
  HttpsRequest rq;
  rq.host = job->host;
  rq.ip = chosen;
  rq.port = options_.https_port;
  std::weak_ptr<int> alive = alive_;
  https_.fetch(rq, [alive, job](HttpsResult r) {
    if (alive.expired()) return;
    MtaStsEvidence& e = job->ev;
    e.fetch = r.outcome;
    e.http_status = r.http_status;
    e.content_type = std::move(r.content_type);
    e.fetch_error = std::move(r.error);
    e.policy_text = std::move(r.body);
    job->done(std::move(e));
  });
}

}  // namespace nulmeting::scanner
