// stream_test.cpp — reports at scale (issue 18): the per-organisation rows are spooled to disk
// and read back in report order, every format streams them, XLSX switches to libxlsxwriter's
// constant-memory mode for large reports, and an HTML report too long for a browser links its
// per-organisation table as a CSV beside it. scripts/bench-report measures memory and
// Chromium's render time at 10,000 and 100,000 domains.
#include "helpers.hpp"

#include <nulmeting/reports/aggregate.hpp>
#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/source.hpp>
#include <nulmeting/reports/tables.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace nulmeting;
using namespace nulmeting::reports;

namespace {

DomainResult result(std::string name, Sector s, std::string org, StarttlsVerdict st) {
  DomainResult r;
  r.entry.domain = name;
  r.entry.display = name;
  r.entry.organization = std::move(org);
  r.entry.sector = s;
  r.verdict.mail = MailVerdict::Receives;
  r.verdict.dnssec = DnssecVerdict::Insecure;
  r.verdict.starttls = st;
  r.verdict.dane = DaneVerdict::None;
  r.verdict.tls_quality = TlsQuality::PhaseOut;
  r.mx_lookup.qname = name;
  MxHostResult h;
  h.name = "mx1." + name;
  h.status = HostStatus::Ok;
  ProbeResult p;
  p.ip = "192.0.2.7";
  p.outcome = ProbeOutcome::NoStarttls;
  h.addresses.push_back(p);
  r.mx.push_back(h);
  MxHostResult h2 = h;
  h2.name = "mx2." + name;
  r.mx.push_back(h2);
  return r;
}

// The fixture's report with copies of its rows added until it has `n` per-organisation rows.
ReportModel fixture_with_rows(const std::string& tag, std::size_t n) {
  const auto db = test_reports::fixture_db(tag);
  auto m = load_report(db, "latest", std::string("2"), "nulmeting test");
  REQUIRE(m);
  const DomainRow model_row = m->domains.front();
  for (std::size_t i = m->domains.size(); i < n; ++i) {
    DomainRow r = model_row;
    r.domain = r.display = "pad-" + std::to_string(100000 + i) + ".nl";
    m->domains.push_back(std::move(r));
  }
  return std::move(*m);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("report rows are spooled and come back in report order with every field", "[stream]") {
  Aggregator agg({7, "2026-01-01T00:00:00Z", "", "finished", ""}, "nulmeting test");
  // Added in the reverse of report order (storage reads by domain name, the report orders by
  // sector, organisation, domain).
  std::vector<DomainResult> in{
      result("z.nl", Sector::Overig, "Aa", StarttlsVerdict::None),
      result("y.nl", Sector::Gemeente, "Bb", StarttlsVerdict::Partial),
      result("x.nl", Sector::Gemeente, "Aa", StarttlsVerdict::None),
      result("w.nl", Sector::Rijk, "Zz", StarttlsVerdict::None),
      result("v.nl", Sector::Rijk, "Zz", StarttlsVerdict::Partial),
  };
  in[1].entry.display = "ÿ.nl";  // a U-label survives the spool
  for (const auto& r : in) agg.add(r);
  const ReportModel m = std::move(agg).finish();
  REQUIRE(m.domains.spooled());
  REQUIRE(m.domains.size() == in.size());
  CHECK_FALSE(m.domains.error());

  std::vector<const DomainResult*> want;
  for (const auto& r : in) want.push_back(&r);
  std::sort(want.begin(), want.end(), [](const DomainResult* a, const DomainResult* b) {
    return std::tie(a->entry.sector, a->entry.organization, a->entry.domain) <
           std::tie(b->entry.sector, b->entry.organization, b->entry.domain);
  });
  for (int pass = 0; pass < 2; ++pass) {  // every iteration reads from the start
    std::size_t i = 0;
    for (const DomainRow& d : m.domains) {
      REQUIRE(i < want.size());
      const DomainResult& r = *want[i++];
      CHECK(d.domain == r.entry.domain);
      CHECK(d.display == r.entry.display);
      CHECK(d.organization == r.entry.organization);
      CHECK(d.sector == r.entry.sector);
      CHECK(std::memcmp(&d.verdict, &r.verdict, sizeof d.verdict) == 0);
      CHECK(d.cause == cause_of(r));
      CHECK(d.reason == reason_of(r, cause_of(r)));
      CHECK(d.mx == std::vector<std::string>{"mx1." + r.entry.domain, "mx2." + r.entry.domain});
    }
    CHECK(i == want.size());
  }
  CHECK(m.domains[0].domain == "v.nl");  // rijk, Zz, v < w
  CHECK(m.domains[4].domain == "z.nl");
  const ReportModel copy = m;  // copies share the spool
  CHECK(copy.domains.size() == 5);
  CHECK(copy.domains[2].domain == "x.nl");
}

TEST_CASE("streamed JSON is laid out exactly as nlohmann-json lays out the whole document",
          "[stream][json]") {
  const auto db = test_reports::fixture_db("stream-json");
  auto m = load_report(db, "latest", std::string("2"), "nulmeting test");
  REQUIRE(m);
  REQUIRE(m->domains.size() > 1);
  const std::string json = render_json(*m);
  CHECK(nlohmann::ordered_json::parse(json).dump(2) + "\n" == json);
  m->domains = std::vector<DomainRow>{};
  const std::string empty = render_json(*m);
  CHECK(empty.find("\n  \"domains\": [],\n") != std::string::npos);
  CHECK(nlohmann::ordered_json::parse(empty).dump(2) + "\n" == empty);
}

TEST_CASE("a large XLSX report is written in constant-memory mode and reads back the same",
          "[stream][xlsx][openpyxl]") {
  const ReportModel m = fixture_with_rows("stream-xlsx", kLargeTableRows + 1);
  const auto path = test_reports::work_dir() / "stream-large.xlsx";
  REQUIRE(write_xlsx(m, Lang::En, path.string()));
  // constant_memory: strings inline in the sheets, no shared-string table
  const std::string sheet = test_reports::xlsx_part(path, "xl/worksheets/sheet6.xml");
  CHECK(sheet.find("t=\"inlineStr\"") != std::string::npos);
  CHECK(test_reports::xlsx_part(path, "xl/sharedStrings.xml").empty());
  CHECK(sheet.find("<f>") == std::string::npos);
  CHECK(sheet.find("<autoFilter") != std::string::npos);

  const auto wb = test_reports::xlsx_read(path);
  const auto tables = build_tables(m, Lang::En);
  REQUIRE(wb["sheets"].size() == tables.size());
  const Table& t = tables[5];
  REQUIRE(t.id == "domains");
  REQUIRE(t.rows.size() == kLargeTableRows + 1);
  const auto& rows = wb["sheets"][5]["rows"];
  REQUIRE(rows.size() >= t.rows.size());
  const std::size_t first = rows.size() - t.rows.size();  // title, note, header above
  CHECK(rows[first - 1][0]["v"] == t.columns[0]);
  std::size_t mismatches = 0;
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
      const Cell& want = t.rows[r][c];
      const auto& row = rows[first + r];
      const nlohmann::json got = c < row.size() ? row[c] : nlohmann::json();
      const bool same = want.text.empty()
                            ? got.is_null()
                            : got.is_object() && got["t"] == "s" && got["v"] == want.text;
      if (!same && ++mismatches < 5) FAIL_CHECK("row " << r << " col " << c << ": " << got.dump());
    }
  CHECK(mismatches == 0);
}

TEST_CASE("an HTML report too long for a browser links its per-organisation table as CSV",
          "[stream][html]") {
  const auto dir = test_reports::work_dir() / "split";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto final_html = dir / "rapport.html";
  const auto csv = dir / "rapport.domains.csv";

  SECTION("at the limit the table stays in the page (folded)") {
    const ReportModel m = fixture_with_rows("split-at", kSplitRows);
    REQUIRE(
        write_report(m, Format::Html, Lang::Nl, final_html.string() + ".tmp", final_html.string()));
    CHECK_FALSE(std::filesystem::exists(csv));
    const std::string html = slurp(final_html.string() + ".tmp");
    CHECK(html.find("pad-" + std::to_string(100000 + kSplitRows - 1) + ".nl") != std::string::npos);
    CHECK(html.find("<details><summary>10000 rijen") != std::string::npos);
  }
  SECTION("beyond it the page links a CSV written beside the final file") {
    const ReportModel m = fixture_with_rows("split-over", kSplitRows + 1);
    REQUIRE(
        write_report(m, Format::Html, Lang::Nl, final_html.string() + ".tmp", final_html.string()));
    REQUIRE(std::filesystem::exists(csv));
    CHECK_FALSE(std::filesystem::exists(csv.string() + ".tmp"));
    const std::string html = slurp(final_html.string() + ".tmp");
    CHECK(html.find("<a href=\"rapport.domains.csv\">") != std::string::npos);
    CHECK(html.find("10.001 rijen") != std::string::npos);  // Dutch number
    CHECK(html.find("pad-") == std::string::npos);          // no row in the page
    CHECK(html.find("<h2 id=\"domains\">") != std::string::npos);
    // The CSV: the header, then exactly the rows of the report's "domains" section.
    const std::string full = render_csv(m, Lang::Nl);
    const auto start = full.find("\r\n", full.find("# domains:")) + 2;
    const auto end = full.find("\r\n\r\n", start) + 2;
    CHECK(slurp(csv) == full.substr(start, end - start));
    CHECK(std::count(full.begin() + static_cast<std::ptrdiff_t>(start),
                     full.begin() + static_cast<std::ptrdiff_t>(end),
                     '\n') == static_cast<std::ptrdiff_t>(kSplitRows + 2));
  }
  SECTION("the CSV is named after the final HTML, whatever its extension") {
    CHECK(domains_csv_name("/x/y/rapport.html") == "rapport.domains.csv");
    CHECK(domains_csv_name("rapport") == "rapport.domains.csv");
    CHECK(domains_csv_name("a.b/r.htm") == "r.domains.csv");
  }
}
