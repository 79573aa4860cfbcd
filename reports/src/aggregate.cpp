// aggregate.cpp — ReportModel from stored results (definitions in aggregate.hpp).
#include "spool.hpp"

#include <nulmeting/reports/aggregate.hpp>
#include <nulmeting/storage/database.hpp>
#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/host.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace nulmeting::reports {
namespace {

std::size_t sector_index(Sector s) { return static_cast<std::size_t>(s); }

// Which hosts have DANE and which addresses were reached are the verdict module's rules.
bool has_usable_tlsa(const MxHostResult& h) { return verdict::host_has_usable_tlsa(h); }

bool tlsa_failed(const MxHostResult& h) {
  return h.status == HostStatus::TlsaError || (h.tlsa && h.tlsa->status == DnsClass::Fail);
}

bool reached(ProbeOutcome o) { return verdict::reach(o) == verdict::Reach::Reached; }

std::string addr_text(const MxHostResult& h, const ProbeResult& p) {
  std::string s = fmt::format("{} [{}]: {}", h.name, p.ip, to_string(p.outcome));
  if (p.error && !p.error->empty()) s += " (" + *p.error + ")";
  return s;
}

}  // namespace

std::optional<Cause> cause_of(const DomainResult& r) {
  const DomainVerdict& v = r.verdict;
  if (v.mail != MailVerdict::Receives || v.protected_) return std::nullopt;
  for (const auto& h : r.mx)
    if (tlsa_failed(h)) return Cause::TlsaLookupFailure;
  if (v.starttls == StarttlsVerdict::Unreachable) return Cause::Unreachable;
  if (v.starttls == StarttlsVerdict::None || v.starttls == StarttlsVerdict::Partial) {
    bool other = false, tls = false;
    for (const auto& h : r.mx)
      for (const auto& a : h.addresses) {
        if (!reached(a.outcome) || a.outcome == ProbeOutcome::StarttlsOk) continue;
        (a.outcome == ProbeOutcome::TlsFailed ? tls : other) = true;
      }
    if (tls && !other) return Cause::TlsFailure;
    return Cause::NoStarttls;
  }
  if (v.dane == DaneVerdict::Invalid) return Cause::TlsaMismatch;
  if (v.dnssec != DnssecVerdict::Secure) return Cause::InsecureZone;
  if (v.dane == DaneVerdict::None || v.dane == DaneVerdict::Partial) return Cause::NoTlsa;
  return Cause::Other;
}

std::string reason_of(const DomainResult& r, const std::optional<Cause>& cause) {
  const DomainVerdict& v = r.verdict;
  const DnsAnswer& mx = r.mx_lookup;
  switch (v.mail) {
    case MailVerdict::Error:
      return fmt::format("MX {}: {}", to_string(mx.cls), to_string(mx.reason)) +
             (mx.why_bogus.empty() ? "" : " (" + mx.why_bogus + ")");
    case MailVerdict::NullMx:
      return "null MX (RFC 7505)";
    case MailVerdict::NoMail:
      return fmt::format("MX: {}, no address", to_string(mx.reason));
    case MailVerdict::Receives:
      break;
  }
  if (!cause) {
    for (const auto& h : r.mx)
      for (const auto& a : h.addresses)
        if (a.dane == DaneCheck::Authenticated)
          return fmt::format("{} [{}]: DANE authenticated{}", h.name, a.ip,
                             a.dane_matched.empty() ? "" : " (" + a.dane_matched + ")");
    return {};
  }
  std::vector<std::string> parts;
  auto add_addrs = [&](auto pred) {
    for (const auto& h : r.mx)
      for (const auto& a : h.addresses)
        if (pred(a) && parts.size() < 3) parts.push_back(addr_text(h, a));
  };
  switch (*cause) {
    case Cause::Unreachable:
      add_addrs([](const ProbeResult&) { return true; });
      for (const auto& h : r.mx)
        if (h.addresses.empty() && parts.size() < 3)
          parts.push_back(fmt::format("{}: {}", h.name, to_string(h.status)));
      break;
    case Cause::NoStarttls:
    case Cause::TlsFailure:
      add_addrs([](const ProbeResult& a) {
        return reached(a.outcome) && a.outcome != ProbeOutcome::StarttlsOk;
      });
      break;
    case Cause::TlsaLookupFailure:
      for (const auto& h : r.mx)
        if (tlsa_failed(h)) {
          std::string why = "fail";
          if (h.tlsa && !h.tlsa->lookups.empty())
            why = std::string(to_string(h.tlsa->lookups.back().reason));
          parts.push_back(fmt::format("{}: TLSA lookup {}", h.name, why));
        }
      break;
    case Cause::TlsaMismatch:
      for (const auto& h : r.mx)
        for (const auto& a : h.addresses)
          if (a.dane == DaneCheck::Failed && parts.size() < 3)
            parts.push_back(
                fmt::format("{} [{}]: DANE {}", h.name, a.ip, to_string(a.dane_reason)));
      break;
    case Cause::InsecureZone:
      parts.push_back(fmt::format("MX {} dnssec={}", mx.qname.empty() ? r.entry.domain : mx.qname,
                                  to_string(v.dnssec)));
      break;
    case Cause::NoTlsa:
      for (const auto& h : r.mx)
        if (!has_usable_tlsa(h) && parts.size() < 3) {
          if (!h.tlsa)
            parts.push_back(
                fmt::format("{}: address {}, no TLSA lookup", h.name, to_string(h.address_dnssec)));
          else if (h.tlsa->status == DnsClass::Secure)
            parts.push_back(fmt::format("{}: TLSA without usable record", h.name));
          else
            parts.push_back(fmt::format("{}: no TLSA ({})", h.name, to_string(h.tlsa->status)));
        }
      break;
    case Cause::Other:
      parts.push_back(fmt::format("dane={}", to_string(v.dane)));
      add_addrs([](const ProbeResult& a) { return a.outcome != ProbeOutcome::StarttlsOk; });
      break;
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

// Provider accumulation: per provider, its hosts (summarised once: results of one host are
// shared by every domain behind it within a run) and the domains that use it.
struct HostSummary {
  bool has_tlsa = false, failed = false, all_authenticated = true;
};
struct ProviderAcc {
  std::map<std::string, HostSummary> hosts;
  std::int64_t domains = 0, protected_domains = 0;
  std::array<std::int64_t, std::size(kAllSectors)> per_sector{};
};

struct Aggregator::State {
  ReportModel m;
  std::array<Counts, std::size(kAllSectors)> counts{};
  Counts total;
  std::array<CauseRow, std::size(kAllSectors)> causes{};
  CauseRow cause_total;
  std::array<TlsItemRow, std::size(kAllSectors)> tls_items;
  TlsItemRow tls_total;
  std::map<std::string, ProviderAcc> providers;
  std::optional<RunSummary> compare;
  // The per-organisation rows go to disk as they arrive (a 100k-domain run never holds them).
  std::shared_ptr<DomainList::Spool> rows = std::make_shared<DomainList::Spool>();
};

Aggregator::Aggregator(RunInfo run, std::string tool_version) : st_(std::make_unique<State>()) {
  st_->m.run = std::move(run);
  st_->m.tool_version = std::move(tool_version);
}
Aggregator::~Aggregator() = default;
Aggregator::Aggregator(Aggregator&&) noexcept = default;

void Aggregator::add(const DomainResult& r) {
  State& s = *st_;
  const auto si = sector_index(r.entry.sector);
  count_verdict(s.counts[si], r.verdict, r.mail_standards.measured);
  count_verdict(s.total, r.verdict, r.mail_standards.measured);
  DomainRow row{r.entry.domain,
                r.entry.display,
                r.entry.organization,
                r.entry.sector,
                r.verdict,
                cause_of(r),
                {},
                {}};
  row.reason = reason_of(r, row.cause);
  for (const auto& h : r.mx) row.mx.push_back(h.name);
  if (row.cause) {
    const auto ci = static_cast<std::size_t>(*row.cause);
    ++s.causes[si].not_protected;
    ++s.causes[si].counts[ci];
    ++s.cause_total.not_protected;
    ++s.cause_total.counts[ci];
  }
  s.rows->add(row);

  // Failing §4 items of the domain's starttls_ok addresses (values as graded by finalize).
  if (r.verdict.mail == MailVerdict::Receives) {
    bool assessed = false;
    std::array<bool, 12> failing{};
    for (const auto& h : r.mx)
      for (const auto& p : h.addresses) {
        if (p.outcome != ProbeOutcome::StarttlsOk || !p.tls.assessed) continue;
        assessed = true;
        for (const auto& i : p.tls.items)
          if (i.value == TlsQuality::PhaseOut || i.value == TlsQuality::Insufficient)
            failing[static_cast<std::size_t>(i.item)] = true;
      }
    for (TlsItemRow* t : {&s.tls_items[si], &s.tls_total}) {
      if (assessed) ++t->assessed;
      for (std::size_t k = 0; k < failing.size(); ++k) t->failing[k] += failing[k] ? 1 : 0;
    }
  }

  std::set<std::string> seen;  // a domain counts once per provider
  for (const auto& h : r.mx) {
    const std::string p = storage::provider_domain(h.name);
    auto& acc = s.providers[p];
    if (!acc.hosts.contains(h.name)) {
      HostSummary hs;
      hs.has_tlsa = has_usable_tlsa(h);
      hs.failed = tlsa_failed(h);
      hs.all_authenticated = hs.has_tlsa && !h.addresses.empty();
      for (const auto& a : h.addresses) {
        if (a.dane == DaneCheck::Failed) hs.failed = true;
        if (a.dane != DaneCheck::Authenticated) hs.all_authenticated = false;
      }
      acc.hosts.emplace(h.name, hs);
    }
    if (seen.insert(p).second) {
      ++acc.domains;
      ++acc.per_sector[si];
      if (r.verdict.protected_) ++acc.protected_domains;
    }
  }
}

void Aggregator::set_compare(RunSummary compare) { st_->compare = std::move(compare); }

void Aggregator::add_trend_point(TrendPoint p) { st_->m.trend.push_back(std::move(p)); }

void count_into(TrendPoint& p, Sector s, const DomainVerdict& v) {
  // trends show §3 figures only: the §5 counts stay empty there
  count_verdict(p.sectors[sector_index(s)], v, false);
  count_verdict(p.total, v, false);
}

ReportModel Aggregator::finish() && {
  State& s = *st_;
  ReportModel& m = s.m;
  for (std::size_t i = 0; i < std::size(kAllSectors); ++i) {
    m.sectors.push_back({kAllSectors[i], s.counts[i]});
    s.causes[i].sector = kAllSectors[i];
    m.causes.push_back(s.causes[i]);
  }
  m.sectors.push_back({std::nullopt, s.total});
  m.causes.push_back(s.cause_total);
  for (std::size_t i = 0; i < std::size(kAllSectors); ++i) {
    s.tls_items[i].sector = kAllSectors[i];
    m.tls_items.push_back(s.tls_items[i]);
  }
  m.tls_items.push_back(s.tls_total);
  s.rows->finish();  // the spool's index gives the order: sector, organisation, domain
  m.domains = DomainList(std::shared_ptr<const DomainList::Spool>(std::move(s.rows)));

  for (const auto& [name, acc] : s.providers) {
    ProviderRow row;
    row.provider = name;
    bool failed = false, all_auth = true;
    for (const auto& [hname, h] : acc.hosts) {
      row.hosts.push_back(hname);
      if (h.has_tlsa) ++row.hosts_with_tlsa;
      failed |= h.failed;
      all_auth &= h.all_authenticated;
    }
    row.domains = acc.domains;
    row.protected_domains = acc.protected_domains;
    row.domains_per_sector = acc.per_sector;
    row.dane = failed                    ? ProviderDane::Invalid
               : all_auth                ? ProviderDane::Valid
               : row.hosts_with_tlsa > 0 ? ProviderDane::Partial
                                         : ProviderDane::None;
    m.providers.push_back(std::move(row));
  }
  std::stable_sort(
      m.providers.begin(), m.providers.end(),
      [](const ProviderRow& a, const ProviderRow& b) { return a.domains > b.domains; });

  // Changes against the compared run.
  if (s.compare) {
    m.compare = s.compare->info;
    std::map<std::string, const DomainSummary*> before;
    for (const auto& d : s.compare->domains) before.emplace(d.entry.domain, &d);
    std::set<std::string> now;
    for (const auto& r : m.domains) {
      now.insert(r.domain);
      auto it = before.find(r.domain);
      ChangeRow c{ChangeKind::Added, r.domain,     r.display, r.organization,
                  r.sector,          std::nullopt, r.verdict};
      if (it != before.end()) {
        const int a = level_of(it->second->verdict), b = level_of(r.verdict);
        if (a == b) continue;
        c.kind = b > a ? ChangeKind::Improved : ChangeKind::Regressed;
        c.before = it->second->verdict;
      }
      m.changes.push_back(std::move(c));
    }
    for (const auto& d : s.compare->domains)
      if (!now.contains(d.entry.domain))
        m.changes.push_back({ChangeKind::Removed, d.entry.domain, d.entry.display,
                             d.entry.organization, d.entry.sector, d.verdict, std::nullopt});
    std::sort(m.changes.begin(), m.changes.end(), [](const ChangeRow& a, const ChangeRow& b) {
      return std::tie(a.kind, a.sector, a.organization, a.domain) <
             std::tie(b.kind, b.sector, b.organization, b.domain);
    });
  }

  std::sort(m.trend.begin(), m.trend.end(),
            [](const TrendPoint& a, const TrendPoint& b) { return a.run.id < b.run.id; });
  return std::move(m);
}

ReportModel build_model(const AggregateInput& in) {
  Aggregator agg(in.run, in.tool_version);
  for (const auto& r : in.results) agg.add(r);
  if (in.compare) agg.set_compare(*in.compare);
  for (const auto& run : in.history) {
    TrendPoint p;
    p.run = run.info;
    for (const auto& d : run.domains) count_into(p, d.entry.sector, d.verdict);
    agg.add_trend_point(std::move(p));
  }
  return std::move(agg).finish();
}

}  // namespace nulmeting::reports
