// render_json.cpp — the report model as JSON for machines: the same numbers as every other
// format, keys and values language-independent (verdict names of measurement.md, sector
// keys of interface.md). Shares are given beside their numerator and denominator.
#include <nulmeting/reports/render.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

namespace nulmeting::reports {
namespace {
using nlohmann::ordered_json;

ordered_json run_json(const RunInfo& r) {
  return {{"id", r.id},
          {"started", r.started},
          {"finished", r.finished.empty() ? ordered_json(nullptr) : ordered_json(r.finished)},
          {"status", r.status},
          {"label", r.label}};
}

ordered_json share(std::int64_t n, std::int64_t d) {
  return {{"count", n},
          {"of", d},
          {"percent", d > 0 ? ordered_json(percent(n, d)) : ordered_json(nullptr)}};
}

ordered_json counts_json(const Counts& c) {
  return {
      {"domains", c.domains},
      {"mail",
       {{"receives", c.receives},
        {"null_mx", c.null_mx},
        {"no_mail", c.no_mail},
        {"error", c.mail_error}}},
      {"starttls",
       {{"all", c.starttls_all},
        {"partial", c.starttls_partial},
        {"none", c.starttls_none},
        {"unreachable", c.unreachable}}},
      {"dane",
       {{"valid", c.dane_valid},
        {"invalid", c.dane_invalid},
        {"partial", c.dane_partial},
        {"untested", c.dane_untested},
        {"none", c.dane_none}}},
      {"dnssec",
       {{"secure", c.dnssec_secure},
        {"insecure", c.dnssec_insecure},
        {"bogus", c.dnssec_bogus},
        {"error", c.dnssec_error}}},
      {"tls_quality",
       {{"good", c.tls_good},
        {"sufficient", c.tls_sufficient},
        {"phase_out", c.tls_phase_out},
        {"insufficient", c.tls_insufficient},
        {"incomplete", c.tls_incomplete},
        {"n/a", c.tls_na}}},
      {"dane_rollover_yes", c.rollover_yes},
      {"protected", c.protected_},
      {"mta_sts_enforce", c.mta_sts_enforce},
      {"standards_measured", c.standards_base},
      {"spf_strict", c.spf_strict},
      {"dmarc_quarantine_or_reject", c.dmarc_enforced},
      {"dkim_present", c.dkim_present},
      {"tls_rpt_valid", c.tls_rpt_valid},
      {"meets_mail_agreements", c.agreements},
      {"shares",
       {{"receives", share(c.receives, c.domains)},
        {"starttls_all", share(c.starttls_all, c.receives)},
        {"tls_conform", share(c.tls_conform, c.receives)},
        {"dane_valid", share(c.dane_valid, c.receives)},
        {"protected", share(c.protected_, c.receives)},
        {"dnssec_secure", share(c.dnssec_secure, c.receives)},
        {"mta_sts_enforce", share(c.mta_sts_enforce, c.receives)},
        {"spf_strict", share(c.spf_strict, c.standards_base)},
        {"dmarc_quarantine_or_reject", share(c.dmarc_enforced, c.standards_base)},
        {"dkim_present", share(c.dkim_present, c.standards_base)},
        {"tls_rpt_valid", share(c.tls_rpt_valid, c.standards_base > 0 ? c.receives : 0)},
        {"meets_mail_agreements", share(c.agreements, c.standards_base > 0 ? c.receives : 0)}}}};
}

std::string sector_key(const std::optional<Sector>& s) {
  return s ? std::string(to_string(*s)) : std::string("total");
}

ordered_json verdict_json(const DomainVerdict& v) {
  return {{"mail", to_string(v.mail)},         {"dnssec", to_string(v.dnssec)},
          {"starttls", to_string(v.starttls)}, {"tls_quality", to_string(v.tls_quality)},
          {"dane", to_string(v.dane)},         {"dane_rollover", to_string(v.dane_rollover)},
          {"protected", v.protected_}};
}

ordered_json domain_json(const DomainRow& d) {
  ordered_json row = {{"domain", d.domain},
                      {"display", d.display},
                      {"organization", d.organization},
                      {"sector", to_string(d.sector)}};
  row.update(verdict_json(d.verdict));
  row["cause"] = d.cause ? ordered_json(to_string(*d.cause)) : ordered_json(nullptr);
  row["reason"] = d.reason;
  row["mx"] = d.mx;
  return row;
}

constexpr std::string_view kDomainsPlaceholder = "nulmeting:domains-streamed-here";

}  // namespace

void render_json(const ReportModel& m, std::ostream& out) {
  ordered_json j;
  j["report"] = "nulmeting-sector-report";
  j["version"] = 1;
  j["tool"] = m.tool_version;
  j["run"] = run_json(m.run);
  j["compare"] = m.compare ? run_json(*m.compare) : ordered_json(nullptr);
  const Counts& t = m.total();
  j["headline"] = {{"domains", t.domains},
                   {"receives", share(t.receives, t.domains)},
                   {"starttls_all", share(t.starttls_all, t.receives)},
                   {"tls_conform", share(t.tls_conform, t.receives)},
                   {"dane_valid", share(t.dane_valid, t.receives)},
                   {"protected", share(t.protected_, t.receives)},
                   {"dnssec_secure", share(t.dnssec_secure, t.receives)}};
  j["sectors"] = ordered_json::array();
  for (const auto& r : m.sectors)
    j["sectors"].push_back({{"sector", sector_key(r.sector)}, {"counts", counts_json(r.counts)}});
  j["causes"] = ordered_json::array();
  for (const auto& r : m.causes) {
    ordered_json c = ordered_json::object();
    for (auto cause : kAllCauses)
      c[std::string(to_string(cause))] = r.counts[static_cast<std::size_t>(cause)];
    j["causes"].push_back(
        {{"sector", sector_key(r.sector)}, {"not_protected", r.not_protected}, {"causes", c}});
  }
  j["tls_items"] = ordered_json::array();
  for (const auto& r : m.tls_items) {
    ordered_json f = ordered_json::object();
    for (std::size_t i = 0; i < r.failing.size(); ++i)
      f[std::string(to_string(static_cast<TlsItem>(i)))] = r.failing[i];
    j["tls_items"].push_back(
        {{"sector", sector_key(r.sector)}, {"assessed", r.assessed}, {"failing", f}});
  }
  j["providers"] = ordered_json::array();
  for (const auto& p : m.providers) {
    ordered_json per = ordered_json::object();
    for (std::size_t i = 0; i < std::size(kAllSectors); ++i)
      per[std::string(to_string(kAllSectors[i]))] = p.domains_per_sector[i];
    j["providers"].push_back({{"provider", p.provider},
                              {"hosts", p.hosts},
                              {"hosts_with_tlsa", p.hosts_with_tlsa},
                              {"dane", to_string(p.dane)},
                              {"domains", p.domains},
                              {"protected_domains", p.protected_domains},
                              {"domains_per_sector", per}});
  }
  // The domains array is streamed: a placeholder here, replaced below by the rows as they are
  // read from the model's spool.
  j["domains"] = std::string(kDomainsPlaceholder);
  j["changes"] = ordered_json::array();
  for (const auto& c : m.changes)
    j["changes"].push_back({{"change", to_string(c.kind)},
                            {"domain", c.domain},
                            {"organization", c.organization},
                            {"sector", to_string(c.sector)},
                            {"before", c.before ? verdict_json(*c.before) : ordered_json(nullptr)},
                            {"after", c.after ? verdict_json(*c.after) : ordered_json(nullptr)}});
  j["trend"] = ordered_json::array();
  for (const auto& p : m.trend) {
    ordered_json per = ordered_json::object();
    for (std::size_t i = 0; i < std::size(kAllSectors); ++i)
      per[std::string(to_string(kAllSectors[i]))] = counts_json(p.sectors[i]);
    per["total"] = counts_json(p.total);
    j["trend"].push_back({{"run", run_json(p.run)}, {"sectors", per}});
  }
  // The document as nlohmann-json writes it (indent 2), with the placeholder line
  // `\n  "domains": "<placeholder>"` replaced by the array written row by row in the same
  // layout. A raw newline never occurs inside a dumped string, so the line is unambiguous.
  const std::string doc = j.dump(2);
  const std::string marker = "\n  \"domains\": \"" + std::string(kDomainsPlaceholder) + "\"";
  const auto at = doc.find(marker);
  if (at == std::string::npos) {  // cannot happen: the key is written above
    out << doc << "\n";
    return;
  }
  out.write(doc.data(), static_cast<std::streamsize>(at + 14));  // up to `"domains": `
  if (m.domains.empty()) {
    out << "[]";
  } else {
    out << "[";
    bool first = true;
    std::string item;
    m.domains.for_each([&](const DomainRow& d) {
      item = domain_json(d).dump(2);
      out << (first ? "\n    " : ",\n    ");
      first = false;
      // indent the element's own lines by the array's depth (4 spaces)
      for (std::size_t from = 0;;) {
        const auto nl = item.find('\n', from);
        out.write(item.data() + from, static_cast<std::streamsize>(
                                          (nl == std::string::npos ? item.size() : nl) - from));
        if (nl == std::string::npos) break;
        out << "\n    ";
        from = nl + 1;
      }
      return true;
    });
    out << "\n  ]";
  }
  const auto rest = at + marker.size();
  out.write(doc.data() + rest, static_cast<std::streamsize>(doc.size() - rest));
  out << "\n";
}

std::string render_json(const ReportModel& m) {
  std::ostringstream out;
  render_json(m, out);
  return std::move(out).str();
}

}  // namespace nulmeting::reports
