// resolve.cpp — measurement.md §2.1–2.2 on top of DnsClient (see resolve.hpp).
#include <nulmeting/scanner/dns_wire.hpp>
#include <nulmeting/scanner/resolve.hpp>

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

AddressVerdict judge_addresses(const std::string& host, const DnsAnswer& a, const DnsAnswer& aaaa) {
  AddressVerdict v;
  const bool a_fail = a.cls == DnsClass::Fail;
  const bool aaaa_fail = aaaa.cls == DnsClass::Fail;
  const bool a_data = has_data(a);
  const bool aaaa_data = has_data(aaaa);
  if (!a_data && !aaaa_data) {
    v.status = (a_fail || aaaa_fail) ? HostStatus::Unusable : HostStatus::NoAddress;
    v.address_dnssec = weakest(a.cls, aaaa.cls);
    return v;
  }
  v.status = HostStatus::Ok;
  v.address_dnssec = a_data && aaaa_data ? weakest(a.cls, aaaa.cls) : (a_data ? a.cls : aaaa.cls);
  if (a_data) v.ips.insert(v.ips.end(), a.records.begin(), a.records.end());
  if (aaaa_data) v.ips.insert(v.ips.end(), aaaa.records.begin(), aaaa.records.end());
  const DnsAnswer* failed = a_fail ? &a : (aaaa_fail ? &aaaa : nullptr);
  if (failed != nullptr)
    v.findings.push_back("MX host " + host + ": " + (failed == &a ? "A" : "AAAA") +
                         " lookup failed (" + std::string(to_string(failed->reason)) +
                         "); probing only the addresses that resolved");
  return v;
}

std::vector<std::string> tlsa_candidates(const std::string& host, const AddressVerdict& v,
                                         const DnsAnswer& a, const DnsAnswer& aaaa) {
  if (v.status != HostStatus::Ok || v.address_dnssec != DnsClass::Secure) return {};
  const DnsAnswer& with_data = has_data(a) ? a : aaaa;
  const std::string h = normalize_name(host);
  // libunbound's `secure` covers the whole chain, so a secure address answer with a chain is a
  // secure CNAME chain. Intermediate names are never candidates (RFC 7672 §2.2.2).
  if (with_data.cname_chain.empty() || with_data.canonical_name == h) return {h};
  return {with_data.canonical_name, h};
}

TlsaInfo tlsa_info_from(const DnsAnswer& answer, const std::string& base) {
  TlsaInfo t;
  t.status = answer.cls;
  t.base = base;
  for (const auto& text : answer.records) {
    if (auto rec = parse_tlsa_text(text)) {
      t.usable += rec->usable ? 1 : 0;
      t.records.push_back(std::move(*rec));
    } else {
      TlsaRecord bad;  // keeps the count of records honest; unusable by construction
      t.records.push_back(bad);
    }
  }
  return t;
}

std::vector<TlsaRecord> ResolvedHost::usable_tlsa() const {
  std::vector<TlsaRecord> out;
  if (!result.tlsa || result.tlsa->status != DnsClass::Secure || result.tlsa->base.empty())
    return out;
  for (const auto& r : result.tlsa->records)
    if (r.usable) out.push_back(r);
  return out;
}

std::vector<std::string> ResolvedDomain::dane_ta_extra_names() const {
  std::vector<std::string> out;
  if (!mx_secure) return out;
  out.push_back(domain);
  if (!canonical_domain.empty() && canonical_domain != domain) out.push_back(canonical_domain);
  return out;
}

void ResolvedDomain::apply_to(DomainResult& r) const {
  r.implicit_mx = implicit_mx;
  r.mx_lookup = mx_lookup;
  r.mx.clear();
  for (const auto& h : hosts) r.mx.push_back(h.result);
  r.findings.insert(r.findings.end(), findings.begin(), findings.end());
}

// ---- HostResolver ---------------------------------------------------------------------------

namespace {
struct HostState {
  ResolvedHost out;
  DnsAnswer a, aaaa;
  int left = 2;
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
          if (t.cls == DnsClass::Fail) {
            TlsaInfo info;
            info.status = DnsClass::Fail;
            info.lookups = std::move(lookups);
            res.tlsa = std::move(info);
            res.status = HostStatus::TlsaError;  // stop: never try the next candidate
            finish(host, std::move(st->out));
            return;
          }
          if (t.cls == DnsClass::Secure) {
            TlsaInfo info = tlsa_info_from(t, cand);
            info.lookups = std::move(lookups);
            res.tlsa = std::move(info);
            st->out.sni = cand;
            finish(host, std::move(st->out));
            return;
          }
          TlsaInfo info;  // insecure or NX: no base here, maybe the next candidate
          info.status = t.cls;
          info.lookups = std::move(lookups);
          res.tlsa = std::move(info);
          if (i + 1 < st->candidates.size() && step) {
            (*step)(i + 1);
          } else {
            finish(host, std::move(st->out));
          }
        },
        DnsPriority::High);
  };

  auto after_addresses = [this, alive, st, host, tlsa_step]() {
    if (alive.expired()) return;
    auto v = judge_addresses(host, st->a, st->aaaa);
    auto& res = st->out.result;
    res.status = v.status;
    res.address_dnssec = v.address_dnssec;
    res.address_lookups = {st->a, st->aaaa};
    st->out.ips = v.ips;
    st->out.findings = v.findings;
    const DnsAnswer& with_data = has_data(st->a) ? st->a : st->aaaa;
    if (has_data(with_data)) st->out.canonical_name = with_data.canonical_name;
    st->candidates = tlsa_candidates(host, v, st->a, st->aaaa);
    if (st->candidates.empty()) {
      finish(host, std::move(st->out));
      return;
    }
    (*tlsa_step)(0);
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
  std::vector<std::pair<std::uint16_t, std::string>> mx;  // (preference, exchange)
  std::size_t left = 0;
};

void finish_domain(const std::shared_ptr<DomainState>& st) {
  for (const auto& h : st->out.hosts)
    st->out.findings.insert(st->out.findings.end(), h.findings.begin(), h.findings.end());
  if (st->out.implicit_mx && !st->out.hosts.empty()) {
    const auto& h = st->out.hosts.front().result;
    if (h.status == HostStatus::NoAddress) st->out.mail = MailVerdict::NoMail;
    // dnssec of an implicit-MX domain: the class of its A/AAAA answers (§2.1).
    st->out.dnssec = h.status == HostStatus::Ok
                         ? h.address_dnssec
                         : weakest(h.address_lookups.at(0).cls, h.address_lookups.at(1).cls);
  }
  auto cb = std::move(st->cb);
  cb(std::move(st->out));
}
}  // namespace

void DomainResolver::resolve(const std::string& domain, Callback cb) {
  auto st = std::make_shared<DomainState>();
  st->out.domain = normalize_name(domain);
  st->cb = std::move(cb);
  dns_.resolve(
      st->out.domain, rrtype::MX, [this, alive = std::weak_ptr<int>(alive_), st](DnsAnswer mx) {
        if (alive.expired()) return;  // resolver destroyed before the DNS client was closed
        auto& out = st->out;
        out.mx_lookup = mx;
        out.dnssec = mx.cls;
        out.canonical_domain = mx.canonical_name.empty() ? out.domain : mx.canonical_name;
        out.mx_secure = mx.cls == DnsClass::Secure;
        if (mx.cls == DnsClass::Fail) {
          out.mail = MailVerdict::Error;  // nothing else is evaluated
          finish_domain(st);
          return;
        }
        if (mx.reason == DnsReason::NxDomain) {
          out.mail = MailVerdict::NoMail;
          finish_domain(st);
          return;
        }
        if (has_data(mx)) {
          bool null_mx = false;
          for (const auto& text : mx.records) {
            auto m = parse_mx_text(text);
            if (!m) {
              out.findings.push_back("unreadable MX record: " + text);
              continue;
            }
            if (m->is_null)
              null_mx = true;
            else
              st->mx.emplace_back(m->preference, m->exchange);
          }
          if (null_mx) {
            out.mail = MailVerdict::NullMx;
            if (!st->mx.empty())
              out.findings.push_back(
                  "null MX beside " + std::to_string(st->mx.size()) +
                  " other MX record(s) (RFC 7505: the null MX must be the only one)");
            finish_domain(st);
            return;
          }
          if (st->mx.empty()) {
            out.mail = MailVerdict::Error;
            finish_domain(st);
            return;
          }
          std::sort(st->mx.begin(), st->mx.end());
          // The same exchange twice: keep the lowest preference (sorted first).
          std::vector<std::pair<std::uint16_t, std::string>> uniq;
          for (auto& m : st->mx)
            if (std::none_of(uniq.begin(), uniq.end(),
                             [&](const auto& u) { return u.second == m.second; }))
              uniq.push_back(m);
          st->mx = std::move(uniq);
          if (opts_.max_mx > 0 && st->mx.size() > opts_.max_mx) {
            out.findings.push_back("only the first " + std::to_string(opts_.max_mx) + " of " +
                                   std::to_string(st->mx.size()) + " MX hosts measured (--max-mx)");
            st->mx.resize(opts_.max_mx);
          }
        } else {
          out.implicit_mx = true;  // NODATA: RFC 5321 §5.1
          st->mx.emplace_back(0, out.domain);
        }
        out.mail = MailVerdict::Receives;
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
