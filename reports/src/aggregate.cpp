// aggregate.cpp — ReportModel from stored results (definitions in aggregate.hpp).
#include <nulmeting/reports/aggregate.hpp>
#include <nulmeting/storage/database.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace nulmeting::reports {
namespace {

std::size_t sector_index(Sector s) { return static_cast<std::size_t>(s); }

bool has_usable_tlsa(const MxHostResult& h) {
  return h.tlsa && h.tlsa->status == DnsClass::Secure && h.tlsa->usable > 0;
}

bool tlsa_failed(const MxHostResult& h) {
  return h.status == HostStatus::TlsaError || (h.tlsa && h.tlsa->status == DnsClass::Fail);
}

bool reached(ProbeOutcome o) { return o != ProbeOutcome::Refused && o != ProbeOutcome::Timeout; }

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

ReportModel build_model(const AggregateInput& in) {
  ReportModel m;
  m.run = in.run;
  m.tool_version = in.tool_version;
  if (in.compare) m.compare = in.compare->info;

  // Sector table and causes.
  std::array<Counts, std::size(kAllSectors)> counts{};
  Counts total;
  std::array<CauseRow, std::size(kAllSectors)> causes{};
  CauseRow cause_total;
  for (const auto& r : in.results) {
    const auto si = sector_index(r.entry.sector);
    count_verdict(counts[si], r.verdict);
    count_verdict(total, r.verdict);
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
      ++causes[si].not_protected;
      ++causes[si].counts[ci];
      ++cause_total.not_protected;
      ++cause_total.counts[ci];
    }
    m.domains.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < std::size(kAllSectors); ++i) {
    m.sectors.push_back({kAllSectors[i], counts[i]});
    causes[i].sector = kAllSectors[i];
    m.causes.push_back(causes[i]);
  }
  m.sectors.push_back({std::nullopt, total});
  m.causes.push_back(cause_total);
  std::sort(m.domains.begin(), m.domains.end(), [](const DomainRow& a, const DomainRow& b) {
    return std::tie(a.sector, a.organization, a.domain) <
           std::tie(b.sector, b.organization, b.domain);
  });

  // Providers. Host results are shared by every domain behind a host within a run, so the
  // first occurrence of a host name stands for all.
  struct Acc {
    std::map<std::string, const MxHostResult*> hosts;
    std::set<std::string> domains;
    std::int64_t protected_domains = 0;
    std::array<std::int64_t, std::size(kAllSectors)> per_sector{};
  };
  std::map<std::string, Acc> prov;
  for (const auto& r : in.results) {
    std::set<std::string> seen;
    for (const auto& h : r.mx) {
      const std::string p = storage::provider_domain(h.name);
      auto& acc = prov[p];
      acc.hosts.emplace(h.name, &h);
      if (seen.insert(p).second && acc.domains.insert(r.entry.domain).second) {
        ++acc.per_sector[sector_index(r.entry.sector)];
        if (r.verdict.protected_) ++acc.protected_domains;
      }
    }
  }
  for (const auto& [name, acc] : prov) {
    ProviderRow row;
    row.provider = name;
    bool failed = false, all_auth = true;
    for (const auto& [hname, h] : acc.hosts) {
      row.hosts.push_back(hname);
      if (has_usable_tlsa(*h))
        ++row.hosts_with_tlsa;
      else
        all_auth = false;
      if (tlsa_failed(*h)) failed = true;
      if (h->addresses.empty()) all_auth = false;
      for (const auto& a : h->addresses) {
        if (a.dane == DaneCheck::Failed) failed = true;
        if (a.dane != DaneCheck::Authenticated) all_auth = false;
      }
    }
    row.domains = static_cast<std::int64_t>(acc.domains.size());
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
  if (in.compare) {
    std::map<std::string, const DomainSummary*> before;
    for (const auto& d : in.compare->domains) before.emplace(d.entry.domain, &d);
    std::set<std::string> now;
    for (const auto& r : in.results) {
      now.insert(r.entry.domain);
      auto it = before.find(r.entry.domain);
      ChangeRow c{ChangeKind::Added, r.entry.domain, r.entry.display, r.entry.organization,
                  r.entry.sector,    std::nullopt,   r.verdict};
      if (it != before.end()) {
        const int a = level_of(it->second->verdict), b = level_of(r.verdict);
        if (a == b) continue;
        c.kind = b > a ? ChangeKind::Improved : ChangeKind::Regressed;
        c.before = it->second->verdict;
      }
      m.changes.push_back(std::move(c));
    }
    for (const auto& d : in.compare->domains)
      if (!now.contains(d.entry.domain))
        m.changes.push_back({ChangeKind::Removed, d.entry.domain, d.entry.display,
                             d.entry.organization, d.entry.sector, d.verdict, std::nullopt});
    std::sort(m.changes.begin(), m.changes.end(), [](const ChangeRow& a, const ChangeRow& b) {
      return std::tie(a.kind, a.sector, a.organization, a.domain) <
             std::tie(b.kind, b.sector, b.organization, b.domain);
    });
  }

  // Trends over every run, oldest first.
  for (const auto& run : in.history) {
    TrendPoint p;
    p.run = run.info;
    for (const auto& d : run.domains) {
      count_verdict(p.sectors[sector_index(d.entry.sector)], d.verdict);
      count_verdict(p.total, d.verdict);
    }
    m.trend.push_back(std::move(p));
  }
  std::sort(m.trend.begin(), m.trend.end(),
            [](const TrendPoint& a, const TrendPoint& b) { return a.run.id < b.run.id; });
  return m;
}

}  // namespace nulmeting::reports
