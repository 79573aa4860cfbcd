// tables.cpp — lays the ReportModel out as the tables every format prints (tables.hpp).
#include "texts.hpp"

#include <nulmeting/reports/numbers.hpp>
#include <nulmeting/reports/tables.hpp>

#include <fmt/format.h>

namespace nulmeting::reports {

Cell Cell::str(std::string t, Tone tone) {
  Cell c;
  c.kind = Kind::Text;
  c.text = std::move(t);
  c.tone = tone;
  return c;
}
Cell Cell::num(std::int64_t v, Tone tone) {
  Cell c;
  c.kind = Kind::Int;
  c.value = v;
  c.tone = v > 0 ? tone : Tone::Neutral;  // a zero count is never coloured
  return c;
}
Cell Cell::share(double p, Tone tone) {
  Cell c;
  c.kind = Kind::Pct;
  c.pct = p;
  c.tone = tone;
  return c;
}
Cell Cell::empty() { return Cell{}; }

std::string Cell::plain() const {
  switch (kind) {
    case Kind::Text:
      return text;
    case Kind::Int:
      return std::to_string(value);
    case Kind::Pct:
      return fmt::format("{:.1f}", pct);
    case Kind::Empty:
      return {};
  }
  return {};
}

std::string Cell::display(Lang lang) const {
  switch (kind) {
    case Kind::Int:
      return format_count(value, lang);
    case Kind::Pct:
      return format_number(pct, 1, lang);
    case Kind::Text:
    case Kind::Empty:
      break;
  }
  return plain();
}

Tone tone_of(std::string_view v) {
  for (auto g : {"all", "valid", "secure", "yes", "true", "receives"})
    if (v == g) return Tone::Good;
  for (auto w : {"partial", "untested", "null_mx", "no_mail"})
    if (v == w) return Tone::Warn;
  for (auto b : {"none", "invalid", "unreachable", "insecure", "bogus", "error", "false", "no"})
    if (v == b) return Tone::Bad;
  return Tone::Neutral;
}

namespace {

Cell long_text(std::string t) {
  Cell c = Cell::str(std::move(t));
  c.long_text = true;
  return c;
}

// A share with its denominator: no denominator, no share (an empty cell, never "0.0").
Cell pct_cell(std::int64_t n, std::int64_t d) {
  return d > 0 ? Cell::share(percent(n, d)) : Cell::empty();
}

Cell verdict_cell(std::string_view name) { return Cell::str(std::string(name), tone_of(name)); }

std::string sector_name(Lang lang, const std::optional<Sector>& s) {
  return s ? std::string(sector_label(lang, *s)) : std::string(texts(lang).total);
}

std::string display_name(const std::string& domain, const std::string& display) {
  if (display.empty() || display == domain) return domain;
  return fmt::format("{} ({})", display, domain);
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

Table headline(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  const Counts& c = m.total();
  Table tb{"headline",
           std::string(t.t_headline),
           std::string(t.n_headline),
           {std::string(t.metric), std::string(t.count), std::string(t.of), std::string(t.share)},
           {},
           false,
           {},
           0};
  tb.rows.push_back({Cell::str(std::string(t.domains_measured)), Cell::num(c.domains),
                     Cell::empty(), Cell::empty()});
  auto row = [&](std::string_view name, std::int64_t n, std::int64_t d) {
    tb.rows.push_back({Cell::str(std::string(name)), Cell::num(n), Cell::num(d), pct_cell(n, d)});
  };
  row(t.receives_mail, c.receives, c.domains);
  row(t.starttls_all, c.starttls_all, c.receives);
  row(t.tls_conform, c.tls_conform, c.receives);
  row(t.dane_valid, c.dane_valid, c.receives);
  row(t.protected_, c.protected_, c.receives);
  row(t.dnssec_signed, c.dnssec_secure, c.receives);
  row(t.mta_sts_enforce, c.mta_sts_enforce, c.receives);
  row(t.tls_rpt_valid, c.tls_rpt_valid, c.standards_base > 0 ? c.receives : 0);
  row(t.spf_strict, c.spf_strict, c.standards_base);
  row(t.dmarc_enforced, c.dmarc_enforced, c.standards_base);
  row(t.dkim_present, c.dkim_present, c.standards_base);
  row(t.agreements, c.agreements, c.standards_base > 0 ? c.receives : 0);
  return tb;
}

Table sectors(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  Table tb{"sectors", std::string(t.t_sectors), std::string(t.n_sectors), {}, {}, true, {}, 0};
  for (auto h : {t.sector,          t.domains,        t.receives_mail,
                 t.null_mx,         t.no_mail,        t.mail_error,
                 t.starttls_all,    t.share,          t.starttls_partial,
                 t.starttls_none,   t.unreachable,    t.tls_conform,
                 t.share,           t.tls_phase_out,  t.tls_insufficient,
                 t.tls_incomplete,  t.dane_valid,     t.share,
                 t.dane_invalid,    t.dane_partial,   t.dane_untested,
                 t.dane_none,       t.dnssec_signed,  t.share,
                 t.rollover,        t.protected_,     t.share,
                 t.mta_sts_enforce, t.share,          t.spf_strict,
                 t.share,           t.dmarc_enforced, t.share,
                 t.dkim_present,    t.share,          t.tls_rpt_valid,
                 t.share,           t.agreements,     t.share})
    tb.columns.emplace_back(h);
  for (const auto& r : m.sectors) {
    const Counts& c = r.counts;
    tb.rows.push_back({
        Cell::str(sector_name(lang, r.sector)),
        Cell::num(c.domains),
        Cell::num(c.receives),
        Cell::num(c.null_mx),
        Cell::num(c.no_mail),
        Cell::num(c.mail_error, Tone::Bad),
        Cell::num(c.starttls_all, Tone::Good),
        pct_cell(c.starttls_all, c.receives),
        Cell::num(c.starttls_partial, Tone::Warn),
        Cell::num(c.starttls_none, Tone::Bad),
        Cell::num(c.unreachable, Tone::Bad),
        Cell::num(c.tls_conform, Tone::Good),
        pct_cell(c.tls_conform, c.receives),
        Cell::num(c.tls_phase_out, Tone::Warn),
        Cell::num(c.tls_insufficient, Tone::Bad),
        Cell::num(c.tls_incomplete, Tone::Warn),
        Cell::num(c.dane_valid, Tone::Good),
        pct_cell(c.dane_valid, c.receives),
        Cell::num(c.dane_invalid, Tone::Bad),
        Cell::num(c.dane_partial, Tone::Warn),
        Cell::num(c.dane_untested, Tone::Warn),
        Cell::num(c.dane_none, Tone::Bad),
        Cell::num(c.dnssec_secure, Tone::Good),
        pct_cell(c.dnssec_secure, c.receives),
        Cell::num(c.rollover_yes),
        Cell::num(c.protected_, Tone::Good),
        pct_cell(c.protected_, c.receives),
        Cell::num(c.mta_sts_enforce, Tone::Good),
        pct_cell(c.mta_sts_enforce, c.receives),
        Cell::num(c.spf_strict, Tone::Good),
        pct_cell(c.spf_strict, c.standards_base),
        Cell::num(c.dmarc_enforced, Tone::Good),
        pct_cell(c.dmarc_enforced, c.standards_base),
        Cell::num(c.dkim_present, Tone::Good),
        pct_cell(c.dkim_present, c.standards_base),
        Cell::num(c.tls_rpt_valid, Tone::Good),
        pct_cell(c.tls_rpt_valid, c.standards_base > 0 ? c.receives : 0),
        Cell::num(c.agreements, Tone::Good),
        pct_cell(c.agreements, c.standards_base > 0 ? c.receives : 0),
    });
  }
  return tb;
}

Table causes(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  Table tb{"causes", std::string(t.t_causes), std::string(t.n_causes), {}, {}, true, {}, 0};
  tb.columns = {std::string(t.sector), std::string(t.not_protected)};
  for (auto c : kAllCauses) tb.columns.emplace_back(t.cause_label[static_cast<std::size_t>(c)]);
  for (const auto& r : m.causes) {
    std::vector<Cell> row{Cell::str(sector_name(lang, r.sector)), Cell::num(r.not_protected)};
    for (auto n : r.counts) row.push_back(Cell::num(n, Tone::Bad));
    tb.rows.push_back(std::move(row));
  }
  return tb;
}

Table providers(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  Table tb{
      "providers", std::string(t.t_providers), std::string(t.n_providers), {}, {}, false, {}, 0};
  tb.columns = {std::string(t.provider),        std::string(t.mx_hosts),
                std::string(t.hosts_with_tlsa), std::string(t.dane_status),
                std::string(t.domains),         std::string(t.protected_domains)};
  for (auto s : kAllSectors) tb.columns.emplace_back(sector_label(lang, s));
  tb.columns.emplace_back(t.host_names);
  for (const auto& p : m.providers) {
    const auto status = to_string(p.dane);
    std::vector<Cell> row{
        Cell::str(p.provider),
        Cell::num(static_cast<std::int64_t>(p.hosts.size())),
        Cell::num(p.hosts_with_tlsa),
        Cell::str(std::string(t.provider_dane[static_cast<std::size_t>(p.dane)]), tone_of(status)),
        Cell::num(p.domains),
        Cell::num(p.protected_domains)};
    for (auto n : p.domains_per_sector) row.push_back(Cell::num(n));
    row.push_back(long_text(join(p.hosts, " ")));
    tb.rows.push_back(std::move(row));
  }
  return tb;
}

// Per sector, the receiving domains whose starttls_ok addresses fail a §4 item (phase_out or
// insufficient), one column per item in the contract's order.
Table tls_items(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  Table tb{
      "tls_items", std::string(t.t_tls_items), std::string(t.n_tls_items), {}, {}, true, {}, 0};
  tb.columns = {std::string(t.sector), std::string(t.tls_assessed)};
  for (std::size_t i = 0; i < 12; ++i) tb.columns.emplace_back(to_string(static_cast<TlsItem>(i)));
  for (const auto& r : m.tls_items) {
    std::vector<Cell> row{Cell::str(sector_name(lang, r.sector)), Cell::num(r.assessed)};
    for (auto n : r.failing) row.push_back(Cell::num(n, n > 0 ? Tone::Bad : Tone::Neutral));
    tb.rows.push_back(std::move(row));
  }
  return tb;
}

std::vector<Cell> domain_cells(const DomainRow& d, Lang lang) {
  const auto& t = texts(lang);
  const auto& v = d.verdict;
  Cell cause = Cell::empty();
  if (d.cause) {
    cause = Cell::str(std::string(t.cause_label[static_cast<std::size_t>(*d.cause)]), Tone::Bad);
    cause.anchor = fmt::format("cause-{}", to_string(*d.cause));
  }
  return {Cell::str(std::string(sector_label(lang, d.sector))),
          Cell::str(d.organization),
          Cell::str(display_name(d.domain, d.display)),
          verdict_cell(to_string(v.mail)),
          verdict_cell(to_string(v.dnssec)),
          verdict_cell(to_string(v.starttls)),
          verdict_cell(to_string(v.tls_quality)),
          verdict_cell(to_string(v.dane)),
          verdict_cell(to_string(v.dane_rollover)),
          verdict_cell(v.protected_ ? "true" : "false"),
          std::move(cause),
          long_text(d.reason),
          long_text(join(d.mx, ", "))};
}

Table domains(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  Table tb{"domains", std::string(t.t_domains), std::string(t.n_domains), {}, {}, false, {}, 0};
  tb.columns = {std::string(t.sector), std::string(t.organization),
                std::string(t.domain), std::string(t.mail),
                std::string(t.dnssec), std::string(t.starttls),
                "tls_quality",         std::string(t.dane),
                "dane_rollover",       std::string(t.protected_col),
                std::string(t.cause),  std::string(t.reason),
                std::string(t.mx)};
  tb.more_count = m.domains.size();
  tb.more_rows = [&m, lang](const std::function<void(const std::vector<Cell>&)>& fn) {
    m.domains.for_each([&](const DomainRow& d) {
      fn(domain_cells(d, lang));
      return true;
    });
  };
  return tb;
}

Table changes(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  Table tb{"changes",
           std::string(t.t_changes),
           std::string(m.compare ? t.n_changes : t.n_changes_none),
           {},
           {},
           false,
           {},
           0};
  auto ba = [&](std::string_view col, std::string_view when) {
    return fmt::format("{} ({})", col, when);
  };
  tb.columns = {std::string(t.change),         std::string(t.sector),
                std::string(t.organization),   std::string(t.domain),
                ba(t.starttls, t.before),      ba(t.starttls, t.after),
                ba(t.dane, t.before),          ba(t.dane, t.after),
                ba(t.protected_col, t.before), ba(t.protected_col, t.after)};
  auto pair = [](const std::optional<DomainVerdict>& v, auto get) {
    return v ? verdict_cell(get(*v)) : Cell::empty();
  };
  for (const auto& c : m.changes) {
    const auto kind = static_cast<std::size_t>(c.kind);
    const Tone tone = c.kind == ChangeKind::Improved    ? Tone::Good
                      : c.kind == ChangeKind::Regressed ? Tone::Bad
                                                        : Tone::Neutral;
    auto st = [](const DomainVerdict& v) { return to_string(v.starttls); };
    auto da = [](const DomainVerdict& v) { return to_string(v.dane); };
    auto pr = [](const DomainVerdict& v) -> std::string_view {
      return v.protected_ ? "true" : "false";
    };
    tb.rows.push_back({Cell::str(std::string(t.change_label[kind]), tone),
                       Cell::str(std::string(sector_label(lang, c.sector))),
                       Cell::str(c.organization), Cell::str(display_name(c.domain, c.display)),
                       pair(c.before, st), pair(c.after, st), pair(c.before, da), pair(c.after, da),
                       pair(c.before, pr), pair(c.after, pr)});
  }
  return tb;
}

Table trend(const ReportModel& m, Lang lang) {
  const auto& t = texts(lang);
  Table tb{"trend", std::string(t.t_trend), std::string(t.n_trend), {}, {}, false, {}, 0};
  for (auto h : {t.run, t.started, t.label, t.sector, t.domains, t.receives_mail, t.starttls_all,
                 t.share, t.dane_valid, t.share, t.protected_, t.share, t.dnssec_signed, t.share})
    tb.columns.emplace_back(h);
  for (const auto& p : m.trend) {
    auto add = [&](const std::optional<Sector>& s, const Counts& c) {
      tb.rows.push_back({Cell::num(p.run.id), Cell::str(p.run.started), Cell::str(p.run.label),
                         Cell::str(sector_name(lang, s)), Cell::num(c.domains),
                         Cell::num(c.receives), Cell::num(c.starttls_all),
                         pct_cell(c.starttls_all, c.receives), Cell::num(c.dane_valid),
                         pct_cell(c.dane_valid, c.receives), Cell::num(c.protected_),
                         pct_cell(c.protected_, c.receives), Cell::num(c.dnssec_secure),
                         pct_cell(c.dnssec_secure, c.receives)});
    };
    for (std::size_t i = 0; i < std::size(kAllSectors); ++i) add(kAllSectors[i], p.sectors[i]);
    add(std::nullopt, p.total);
  }
  return tb;
}

}  // namespace

void for_each_row(const Table& t,
                  const std::function<void(const std::vector<Cell>&, std::size_t)>& fn) {
  std::size_t i = 0;
  for (const auto& r : t.rows) fn(r, i++);
  if (t.more_rows) t.more_rows([&](const std::vector<Cell>& r) { fn(r, i++); });
}

std::vector<Table> build_tables_streamed(const ReportModel& m, Lang lang) {
  return {headline(m, lang),  sectors(m, lang), causes(m, lang),  tls_items(m, lang),
          providers(m, lang), domains(m, lang), changes(m, lang), trend(m, lang)};
}

std::vector<Table> build_tables(const ReportModel& m, Lang lang) {
  auto tables = build_tables_streamed(m, lang);
  for (auto& t : tables) {
    if (!t.more_rows) continue;
    t.more_rows([&](const std::vector<Cell>& r) { t.rows.push_back(r); });
    t.more_rows = nullptr;
    t.more_count = 0;
  }
  return tables;
}

}  // namespace nulmeting::reports
