// mail_standards.cpp — see mail_standards.hpp.
#include <nulmeting/scanner/dns_wire.hpp>
#include <nulmeting/scanner/mail_standards.hpp>
#include <nulmeting/verdict/mail_standards.hpp>

#include <utility>

namespace nulmeting::scanner {
namespace {

struct MailState {
  DnsClient* dns = nullptr;
  std::weak_ptr<int> alive;
  std::string domain;
  MailStandardsEvidence ev;
  verdict::SpfEvaluation spf;
  bool spf_first = true;
  int left = 4;  // strands: spf, dmarc, dkim, tls-rpt
  MailStandardsCallback cb;
  explicit MailState(std::string d) : domain(d), spf(std::move(d)) {}
};

void strand_done(const std::shared_ptr<MailState>& st) {
  if (--st->left > 0) return;
  st->ev.measured = true;
  auto cb = std::move(st->cb);
  cb(std::move(st->ev));
}

void spf_step(const std::shared_ptr<MailState>& st) {
  const auto& q = st->spf.question();
  if (st->spf.done() || !q) {
    strand_done(st);
    return;
  }
  st->dns->resolve(q->name, q->qtype, [st](DnsAnswer a) {
    if (st->alive.expired()) return;
    if (st->spf_first)
      st->ev.spf_txt = a;
    else
      st->ev.spf_lookups.push_back(a);
    st->spf_first = false;
    st->spf.answer(a);
    spf_step(st);
  });
}

}  // namespace

void look_up_mail_standards(DnsClient& dns, const std::string& domain, std::weak_ptr<int> alive,
                            MailStandardsCallback cb) {
  auto st = std::make_shared<MailState>(domain);
  st->dns = &dns;
  st->alive = std::move(alive);
  st->cb = std::move(cb);

  spf_step(st);
  dns.resolve("_dmarc." + domain, rrtype::TXT, [st](DnsAnswer a) {
    if (st->alive.expired()) return;
    st->ev.dmarc_txt = std::move(a);
    const auto org = verdict::dmarc_org_question(st->domain, st->ev.dmarc_txt);
    if (!org) {
      strand_done(st);
      return;
    }
    st->dns->resolve(*org, rrtype::TXT, [st](DnsAnswer o) {
      if (st->alive.expired()) return;
      st->ev.dmarc_org_txt = std::move(o);
      strand_done(st);
    });
  });
  dns.resolve("_domainkey." + domain, rrtype::TXT, [st](DnsAnswer a) {
    if (st->alive.expired()) return;
    st->ev.dkim = std::move(a);
    strand_done(st);
  });
  dns.resolve("_smtp._tls." + domain, rrtype::TXT, [st](DnsAnswer a) {
    if (st->alive.expired()) return;
    st->ev.tls_rpt_txt = std::move(a);
    strand_done(st);
  });
}

}  // namespace nulmeting::scanner
