// resolve.cpp — measurement.md §2.1–2.2 on top of DnsClient (see resolve.hpp).
#include <nulmeting/scanner/dns_wire.hpp>
#include <nulmeting/scanner/mail_standards.hpp>
#include <nulmeting/scanner/resolve.hpp>
#include <nulmeting/verdict/dns.hpp>
#include <nulmeting/verdict/host.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <memory>

namespace nulmeting::scanner {

// ---- pure pieces ----------------------------------------------------------------------------

bool looks_like_ip_literal(std::string_view name) {
  std::string s = normalize_name(name);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void ResolvedDomain::apply_to(DomainResult& r) const {
  r.implicit_mx = implicit_mx;
  r.mx_lookup = mx_lookup;
  r.mx.clear();
  for (const auto& h : hosts) r.mx.push_back(h.result);
  r.findings.insert(r.findings.end(), findings.begin(), findings.end());
  r.mail_standards = mail_standards;
}

// ---- HostResolver ---------------------------------------------------------------------------

namespace {
struct HostState {
  ResolvedHost out;
  DnsAnswer a, aaaa;
  int left = 2;
  verdict::AddressJudgement judged;
  std::vector<std::string> candidates;
};
}  // namespace

HostResolver::HostResolver(DnsClient& dns, std::size_t cache_capacity)
    : dns_(dns), capacity_(std::max<std::size_t>(cache_capacity, 1)) {}

void HostResolver::resolve(const std::string& host, Callback cb) {
  const std::string key = normalize_name(host);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    if (it->second.value) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
      const ResolvedHost copy = *it->second.value;  // the callback may evict the entry
      cb(copy);
    } else {
      ++coalesced_;
      it->second.waiters.push_back(std::move(cb));
    }
    return;
  }
  auto& e = entries_[key];
  e.waiters.push_back(std::move(cb));
  e.lru_pos = lru_.end();
  start(key);
}

void HostResolver::start(const std::string& host) {
  ++lookups_;
  auto st = std::make_shared<HostState>();
  st->out.result.name = host;
  st->out.canonical_name = host;
  st->out.sni = host;

  auto tlsa_step = std::make_shared<std::function<void(std::size_t)>>();
  std::weak_ptr<std::function<void(std::size_t)>> weak_step = tlsa_step;
  std::weak_ptr<int> alive = alive_;
  *tlsa_step = [this, alive, st, weak_step, host](std::size_t i) {
    const std::string& cand = st->candidates[i];
    dns_.resolve(
        "_25._tcp." + cand, rrtype::TLSA,
        [this, alive, st, host, i, cand, step = weak_step.lock()](DnsAnswer t) {
          if (alive.expired()) return;  // resolver destroyed: drop, touch nothing
          auto& res = st->out.result;
          std::vector<DnsAnswer> lookups =
              res.tlsa ? std::move(res.tlsa->lookups) : std::vector<DnsAnswer>{};
          lookups.push_back(t);
          const verdict::TlsaStep next = verdict::tlsa_step(t);
          TlsaInfo info =
              next == verdict::TlsaStep::Base ? verdict::tlsa_info_from(t, cand) : TlsaInfo{};
          info.status = t.cls;
          info.lookups = std::move(lookups);
          res.tlsa = std::move(info);
          switch (next) {
            case verdict::TlsaStep::Error:
              res.status = HostStatus::TlsaError;  // stop: never try the next candidate
              break;
            case verdict::TlsaStep::Base:
              break;
            case verdict::TlsaStep::Next:
              if (i + 1 < st->candidates.size() && step) {
                (*step)(i + 1);
                return;
              }
              break;
          }
          st->out.sni = verdict::probe_name(res);
          finish(host, std::move(st->out));
        },
        DnsPriority::High);
  };

  auto look_up_tlsa = [this, st, host, tlsa_step](const DnsAnswer* own_cname) {
    st->candidates = verdict::tlsa_candidates(host, st->judged, st->a, st->aaaa, own_cname);
    if (st->candidates.empty()) {
      finish(host, std::move(st->out));
      return;
    }
    (*tlsa_step)(0);
  };

  auto after_addresses = [this, alive, st, host, look_up_tlsa]() {
    if (alive.expired()) return;
    st->judged = verdict::judge_addresses(host, st->a, st->aaaa);
    const auto& v = st->judged;
    auto& res = st->out.result;
    res.status = v.status;
    res.address_dnssec = v.address_dnssec;
    res.address_lookups = {st->a, st->aaaa};
    st->out.ips = v.ips;
    st->out.findings = v.findings;
    const DnsAnswer& with_data = has_data(st->a) ? st->a : st->aaaa;
    if (has_data(with_data)) st->out.canonical_name = with_data.canonical_name;
    if (!verdict::needs_own_cname(host, v, st->a, st->aaaa)) {
      look_up_tlsa(nullptr);
      return;
    }
    // H is a CNAME and its addresses are insecure: is H's own CNAME record secure (§2.2)?
    dns_.resolve(
        host, rrtype::CNAME,
        [alive, st, look_up_tlsa](DnsAnswer cname) {
          if (alive.expired()) return;
          st->out.result.address_lookups.push_back(std::move(cname));
          look_up_tlsa(&st->out.result.address_lookups.back());
        },
        DnsPriority::High);
  };

  // High: a probe waits on these (DnsPriority); a domain's MX question does not.
  for (auto [qtype, slot] : {std::pair{rrtype::A, &HostState::a}, {rrtype::AAAA, &HostState::aaaa}})
    dns_.resolve(
        host, qtype,
        [st, slot, after_addresses](DnsAnswer answer) {
          (*st).*slot = std::move(answer);
          if (--st->left == 0) after_addresses();
        },
        DnsPriority::High);
}

void HostResolver::finish(const std::string& host, ResolvedHost r) {
  auto it = entries_.find(host);
  if (it == entries_.end()) return;  // cannot happen: pending entries are never evicted
  auto waiters = std::move(it->second.waiters);
  it->second.waiters.clear();
  const bool cacheable =
      r.result.status == HostStatus::Ok || r.result.status == HostStatus::NoAddress;
  if (cacheable) {
    it->second.value = r;
    lru_.push_front(host);
    it->second.lru_pos = lru_.begin();
    while (lru_.size() > capacity_) {
      entries_.erase(lru_.back());
      lru_.pop_back();
    }
  } else {
    entries_.erase(it);
  }
  for (auto& w : waiters)
    if (w) w(r);
}

// ---- DomainResolver -------------------------------------------------------------------------

namespace {
struct DomainState {
  ResolvedDomain out;
  DomainResolver::Callback cb;
  std::vector<std::pair<std::uint16_t, std::string>> mx;  // (preference, exchange): mx_plan
  std::size_t left = 0;
  int strands = 1;  // the MX strand, + the mail standards strand when asked
};

void finish_domain(const std::shared_ptr<DomainState>& st) {
  if (--st->strands > 0) return;
  for (const auto& h : st->out.hosts)
    st->out.findings.insert(st->out.findings.end(), h.findings.begin(), h.findings.end());
  auto cb = std::move(st->cb);
  cb(std::move(st->out));
}
}  // namespace

void DomainResolver::resolve(const std::string& domain, Callback cb) {
  auto st = std::make_shared<DomainState>();
  st->out.domain = normalize_name(domain);
  st->cb = std::move(cb);
  if (opts_.mail_standards) {
    ++st->strands;
    look_up_mail_standards(dns_, st->out.domain, alive_, [st](MailStandardsEvidence ev) {
      st->out.mail_standards = std::move(ev);
      finish_domain(st);
    });
  }
  dns_.resolve(
      st->out.domain, rrtype::MX, [this, alive = std::weak_ptr<int>(alive_), st](DnsAnswer mx) {
        if (alive.expired()) return;  // resolver destroyed before the DNS client was closed
        auto& out = st->out;
        out.mx_lookup = mx;
        out.canonical_domain = mx.canonical_name.empty() ? out.domain : mx.canonical_name;
        // Which hosts (if any) to look up: the verdict module's reading of the MX answer, with
        // the --max-mx cap applied here, before any host lookup.
        verdict::MxPlan plan = verdict::mx_plan(mx, out.domain, opts_.max_mx);
        out.findings.insert(out.findings.end(), plan.findings.begin(), plan.findings.end());
        out.implicit_mx = plan.kind == verdict::MxKind::Implicit;
        st->mx = std::move(plan.hosts);
        if (st->mx.empty()) {
          finish_domain(st);
          return;
        }
        out.hosts.resize(st->mx.size());
        st->left = st->mx.size();
        for (std::size_t i = 0; i < st->mx.size(); ++i) {
          const auto [pref, name] = st->mx[i];
          hosts_.resolve(name, [st, i, pref](const ResolvedHost& h) {
            auto& slot = st->out.hosts[i];
            slot = h;
            slot.result.preference = pref;
            if (looks_like_ip_literal(h.result.name)) {
              slot.result.name_is_ip_literal = true;
              slot.findings.insert(slot.findings.begin(),
                                   "MX exchange " + h.result.name +
                                       " looks like an IP address; resolved as a host name");
            }
            if (--st->left == 0) finish_domain(st);
          });
        }
      });
}

}  // namespace nulmeting::scanner
