// render_test.cpp — the five renderers on a hand-built ReportModel: golden files per format and
// the escaping rules of render.hpp (HTML, Markdown, CSV formula injection, XLSX strings).
#include "helpers.hpp"

#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/tables.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

using namespace nulmeting;
using namespace nulmeting::reports;
using test_reports::check_golden;

namespace {

const std::string kScript = "<script>alert(1)</script>";
const std::string kFormula = "=HYPERLINK(\"http://x\",\"y\")";

DomainVerdict v(MailVerdict mail, DnssecVerdict d, StarttlsVerdict s, DaneVerdict dane, bool prot) {
  return {mail, d, s, dane, dane == DaneVerdict::Valid ? RolloverVerdict::Yes : RolloverVerdict::No,
          prot};
}

ReportModel handbuilt() {
  ReportModel m;
  m.run = {7, "2026-11-01T02:00:00Z", "2026-11-01T02:10:00Z", "finished", "nacht & <dag>"};
  m.compare = RunInfo{6, "2026-10-01T02:00:00Z", "2026-10-01T02:10:00Z", "finished", ""};
  m.tool_version = "nulmeting test";
  std::vector<DomainRow> rows{
      {"a.nl",
       "a.nl",
       kScript,
       Sector::Rijk,
       v(MailVerdict::Receives, DnssecVerdict::Secure, StarttlsVerdict::All, DaneVerdict::Valid,
         true),
       std::nullopt,
       "mx.a.nl [192.0.2.1]: DANE authenticated",
       {"mx.a.nl"}},
      {"b.nl",
       "b.nl",
       kFormula,
       Sector::Rijk,
       v(MailVerdict::Receives, DnssecVerdict::Insecure, StarttlsVerdict::None, DaneVerdict::None,
         false),
       Cause::NoStarttls,
       "mx.b.nl [192.0.2.2]: no_starttls",
       {"mx.b.nl"}},
      {"xn--sdwest-fryslan-mnb.nl",
       "súdwest-fryslân.nl",
       "Gemeente Súdwest-Fryslân | *x*",
       Sector::Gemeente,
       v(MailVerdict::Receives, DnssecVerdict::Secure, StarttlsVerdict::All, DaneVerdict::Invalid,
         false),
       Cause::TlsaMismatch,
       "mx [192.0.2.3]: DANE no_match",
       {"mx.provider.nl", "mx2.provider.nl"}},
      {"c.nl",
       "c.nl",
       "Waterschap \"Quote\", komma",
       Sector::Waterschap,
       v(MailVerdict::Error, DnssecVerdict::Error, StarttlsVerdict::NotApplicable,
         DaneVerdict::NotApplicable, false),
       std::nullopt,
       "MX fail: servfail",
       {}},
  };
  rows[0].verdict.tls_quality = TlsQuality::Good;
  rows[1].verdict.tls_quality = TlsQuality::NotApplicable;  // no STARTTLS
  rows[2].verdict.tls_quality = TlsQuality::PhaseOut;
  m.domains = rows;
  for (std::size_t i = 0; i <= 5; ++i) {
    TlsItemRow t;
    if (i < 5) t.sector = kAllSectors[i];
    if (i == 0 || i == 5) t.assessed += 1;  // a.nl
    if (i == 2 || i == 5) {                 // súdwest-fryslân.nl: a 2048-bit RSA key
      t.assessed += 1;
      t.failing[static_cast<std::size_t>(TlsItem::CertKeys)] = 1;
    }
    m.tls_items.push_back(t);
  }
  std::array<Counts, 5> per{};
  Counts total;
  for (const auto& d : rows) {
    count_verdict(per[static_cast<std::size_t>(d.sector)], d.verdict, false);
    count_verdict(total, d.verdict, false);
  }
  std::array<CauseRow, 5> causes{};
  CauseRow ctotal;
  for (const auto& d : rows)
    if (d.cause) {
      auto& c = causes[static_cast<std::size_t>(d.sector)];
      ++c.not_protected;
      ++c.counts[static_cast<std::size_t>(*d.cause)];
      ++ctotal.not_protected;
      ++ctotal.counts[static_cast<std::size_t>(*d.cause)];
    }
  for (std::size_t i = 0; i < 5; ++i) {
    m.sectors.push_back({kAllSectors[i], per[i]});
    causes[i].sector = kAllSectors[i];
    m.causes.push_back(causes[i]);
  }
  m.sectors.push_back({std::nullopt, total});
  m.causes.push_back(ctotal);
  ProviderRow p;
  p.provider = "provider.nl";
  p.hosts = {"mx.provider.nl", "mx2.provider.nl"};
  p.hosts_with_tlsa = 2;
  p.domains = 1;
  p.domains_per_sector = {0, 0, 1, 0, 0};
  p.dane = ProviderDane::Invalid;
  m.providers.push_back(p);
  m.changes.push_back({ChangeKind::Improved, "a.nl", "a.nl", kScript, Sector::Rijk,
                       v(MailVerdict::Receives, DnssecVerdict::Secure, StarttlsVerdict::All,
                         DaneVerdict::None, false),
                       rows[0].verdict});
  m.changes.push_back({ChangeKind::Removed, "old.nl", "old.nl", "Oud", Sector::Overig,
                       rows[1].verdict, std::nullopt});
  TrendPoint t1{*m.compare, {}, {}};
  t1.sectors = per;
  t1.total = total;
  t1.total.protected_ = 0;
  t1.sectors[0].protected_ = 0;
  TrendPoint t2{m.run, per, total};
  m.trend = {t1, t2};
  return m;
}

}  // namespace

TEST_CASE("hand-built model: every format matches its golden file", "[render][golden]") {
  const ReportModel m = handbuilt();
  check_golden("handbuilt.nl.html", render_html(m, Lang::Nl));
  check_golden("handbuilt.en.html", render_html(m, Lang::En));
  check_golden("handbuilt.nl.csv", render_csv(m, Lang::Nl));
  check_golden("handbuilt.en.md", render_markdown(m, Lang::En));
  check_golden("handbuilt.json", render_json(m));
  const auto xlsx = test_reports::work_dir() / "handbuilt.xlsx";
  REQUIRE(write_xlsx(m, Lang::Nl, xlsx.string()));
  check_golden("handbuilt.xlsx.txt", test_reports::xlsx_dump(xlsx));
}

TEST_CASE("HTML escapes every text from the database and fetches nothing", "[render][escape]") {
  const std::string html = render_html(handbuilt(), Lang::Nl);
  CHECK(html.find(kScript) == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("nacht &amp; &lt;dag&gt;") != std::string::npos);  // the run label
  CHECK(html.find("Waterschap &quot;Quote&quot;, komma") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  // Self-contained: no URL that a browser would fetch (only the SVG namespace name).
  for (auto bad : {"src=", "href=\"http", "url(", "@import", "<link"})
    CHECK(html.find(bad) == std::string::npos);
  CHECK(html.find("default-src 'none'") != std::string::npos);
  CHECK(html.find("@media print") != std::string::npos);
  CHECK(html.find("<html lang=\"nl\">") != std::string::npos);
  CHECK(render_html(handbuilt(), Lang::En).find("<html lang=\"en\">") != std::string::npos);
  CHECK(html_escape("a&b<'\">") == "a&amp;b&lt;&#39;&quot;&gt;");
}

TEST_CASE("Markdown, CSV and XLSX keep database text inert", "[render][escape]") {
  const ReportModel m = handbuilt();
  const std::string md = render_markdown(m, Lang::Nl);
  CHECK(md.find(kScript) == std::string::npos);
  CHECK(md.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(md.find("Súdwest-Fryslân \\| \\*x\\*") != std::string::npos);  // no table break
  const std::string csv = render_csv(m, Lang::Nl);
  CHECK(csv.find(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",") != std::string::npos);
  CHECK(csv.find("\"Waterschap \"\"Quote\"\", komma\"") != std::string::npos);
  const auto xlsx = test_reports::work_dir() / "escape.xlsx";
  REQUIRE(write_xlsx(m, Lang::Nl, xlsx.string()));
  const std::string strings = test_reports::xlsx_part(xlsx, "xl/sharedStrings.xml");
  CHECK(strings.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(strings.find("=HYPERLINK") != std::string::npos);  // as a string...
  for (int i = 1; i <= 7; ++i) {                           // ...never as a formula
    const auto sheet =
        test_reports::xlsx_part(xlsx, "xl/worksheets/sheet" + std::to_string(i) + ".xml");
    REQUIRE_FALSE(sheet.empty());
    CHECK(sheet.find("<f>") == std::string::npos);
    CHECK(sheet.find("<autoFilter") != std::string::npos);
  }
}

TEST_CASE("tables: denominators explicit, totals last, tones for pass/fail", "[render]") {
  const ReportModel m = handbuilt();
  const auto tables = build_tables(m, Lang::En);
  REQUIRE(tables.size() == 8);
  const auto& sectors = tables[1];
  CHECK(sectors.id == "sectors");
  CHECK(sectors.last_row_is_total);
  REQUIRE(sectors.rows.size() == 6);
  CHECK(sectors.rows.back()[0].text == "Total");
  CHECK(sectors.rows.back()[1].value == 4);  // domains, including the DNS error
  CHECK(sectors.rows.back()[2].value == 3);  // receives: the denominator of the shares
  CHECK(sectors.rows.back()[5].value == 1);  // DNS error shown, not dropped
  CHECK(sectors.rows.back()[5].tone == Tone::Bad);
  CHECK(sectors.rows.back()[7].pct == 66.7);  // STARTTLS all: 2 of 3
  const auto json = nlohmann::json::parse(render_json(m));
  CHECK(json["headline"]["starttls_all"]["of"] == 3);
  CHECK(json["headline"]["starttls_all"]["percent"] == 66.7);
  // STARTTLS conform NCSC: good or sufficient of receives (phase_out is not conform).
  const auto col = [&](std::string_view name) {
    const auto it = std::find(sectors.columns.begin(), sectors.columns.end(), name);
    REQUIRE(it != sectors.columns.end());
    return static_cast<std::size_t>(it - sectors.columns.begin());
  };
  CHECK(sectors.rows.back()[col("STARTTLS conform NCSC")].value == 1);
  CHECK(sectors.rows.back()[col("STARTTLS conform NCSC") + 1].pct == 33.3);
  CHECK(sectors.rows.back()[col("TLS phase out")].value == 1);
  CHECK(json["headline"]["tls_conform"]["count"] == 1);
  CHECK(json["sectors"][5]["counts"]["tls_quality"]["n/a"] == 1);
  const auto& items = tables[3];
  CHECK(items.id == "tls_items");
  REQUIRE(items.rows.size() == 6);
  CHECK(items.rows.back()[1].value == 2);  // assessed
  CHECK(items.rows.back()[2 + static_cast<std::size_t>(TlsItem::CertKeys)].value == 1);
  CHECK(json["tls_items"][5]["failing"]["cert_keys"] == 1);
  const auto& domains = tables[5];
  CHECK(domains.id == "domains");
  CHECK(domains.columns[6] == "tls_quality");
  CHECK(domains.rows[2][6].text == "phase_out");
  CHECK(tone_of("valid") == Tone::Good);
  CHECK(tone_of("partial") == Tone::Warn);
  CHECK(tone_of("invalid") == Tone::Bad);
  CHECK(tone_of("n/a") == Tone::Neutral);
}

TEST_CASE("HTML folds very long tables so a browser can open the report", "[render]") {
  ReportModel m = handbuilt();
  CHECK(render_html(m, Lang::En).find("<details>") == std::string::npos);
  const DomainRow row = m.domains.front();
  while (m.domains.size() <= 2000) m.domains.push_back(row);
  const std::string html = render_html(m, Lang::En);
  CHECK(html.find("<details><summary>2001 rows: click to show the table") != std::string::npos);
}

// Readers get their language's numbers (HTML, Markdown); CSV and JSON stay machine-readable.
TEST_CASE("numbers: Dutch reports write 78,2 % and 10.000, English 78.2 % and 10,000",
          "[render][numbers]") {
  ReportModel m = handbuilt();
  Counts& tot = m.sectors.back().counts;
  tot.domains = 12345;
  tot.receives = 10000;
  tot.starttls_all = 7824;  // 78.24 % of receives, shown with one decimal
  const std::string md_nl = render_markdown(m, Lang::Nl);
  const std::string md_en = render_markdown(m, Lang::En);
  CHECK(md_nl.find("| 10.000 | 12.345 | 81,0 |") != std::string::npos);
  CHECK(md_nl.find("| 7.824 | 10.000 | 78,2 |") != std::string::npos);
  CHECK(md_en.find("| 10,000 | 12,345 | 81.0 |") != std::string::npos);
  CHECK(md_en.find("| 7,824 | 10,000 | 78.2 |") != std::string::npos);
  const std::string html_nl = render_html(m, Lang::Nl);
  const std::string html_en = render_html(m, Lang::En);
  CHECK(html_nl.find(">78,2&#8239;%<") != std::string::npos);
  CHECK(html_nl.find(">10.000<") != std::string::npos);
  CHECK(html_nl.find("78.2") == std::string::npos);
  CHECK(html_en.find(">78.2&#8239;%<") != std::string::npos);
  CHECK(html_en.find(">10,000<") != std::string::npos);
  for (Lang lang : {Lang::Nl, Lang::En}) {
    const std::string csv = render_csv(m, lang);
    CHECK(csv.find(",7824,10000,78.2") != std::string::npos);
    CHECK(csv.find("10.000") == std::string::npos);
    CHECK(csv.find("78,2") == std::string::npos);
  }
  const auto json = nlohmann::json::parse(render_json(m));
  CHECK(json["headline"]["starttls_all"]["percent"] == 78.2);
}
