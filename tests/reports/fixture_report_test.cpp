// fixture_report_test.cpp — the report of storage's fixture database (several runs, all
// sectors, every verdict value) in every format against golden files, and the proof that all
// formats and a plain SQL query on storage's views give the same numbers.
#include "helpers.hpp"

#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/source.hpp>
#include <nulmeting/storage/reader.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <sstream>

using namespace nulmeting;
using namespace nulmeting::reports;
using test_reports::check_golden;

namespace {

ReportModel fixture_model(const std::string& db) {
  auto info = storage::Reader::open(db);
  REQUIRE(info);
  auto m = load_report(db, "latest", std::string("2"), "nulmeting test");
  REQUIRE(m);
  return *m;
}

std::int64_t sql_count(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  INFO(sql);
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const std::int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

// The CSV section `id` as rows of fields (simple parser: the report quotes per RFC 4180).
std::vector<std::vector<std::string>> csv_section(const std::string& csv, const std::string& id) {
  std::vector<std::vector<std::string>> rows;
  const auto start = csv.find("# " + id + ":");
  REQUIRE(start != std::string::npos);
  std::size_t i = csv.find("\r\n", start) + 2;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"')
        field += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field), field.clear();
    } else if (c == '\r') {
      continue;
    } else if (c == '\n') {
      if (row.empty() && field.empty()) break;  // blank line ends the section
      row.push_back(field), field.clear();
      rows.push_back(row), row.clear();
    } else {
      field += c;
    }
  }
  return rows;
}

std::string trim(std::string v) {
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  while (!v.empty() && v.back() == ' ') v.pop_back();
  return v;
}

std::string strip_tags(const std::string& cell) {
  std::string out;
  bool tag = false;
  for (char c : cell) {
    if (c == '<')
      tag = true;
    else if (c == '>')
      tag = false;
    else if (!tag)
      out += c;
  }
  if (auto p = out.find("&#8239;%"); p != std::string::npos) out.resize(p);  // "45.0 %"
  return out;
}

// Data rows of the "Per sector" Markdown table, bold markers removed.
std::vector<std::vector<std::string>> md_sector_rows(const std::string& md) {
  std::vector<std::vector<std::string>> out;
  std::istringstream in(md.substr(md.find("## Per sector")));
  std::string line;
  int table_lines = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') {
      if (table_lines > 0) break;
      continue;
    }
    if (++table_lines <= 2) continue;  // header and alignment row
    std::vector<std::string> cells;
    std::size_t pos = 1;
    while (pos < line.size()) {
      const auto next = line.find(" |", pos);
      if (next == std::string::npos) break;
      std::string v = trim(line.substr(pos, next - pos));
      if (v.starts_with("**") && v.ends_with("**")) v = v.substr(2, v.size() - 4);
      cells.push_back(v);
      pos = next + 2;
    }
    out.push_back(cells);
  }
  return out;
}

// Body rows of the first HTML table with a total row after the sector charts (the sector table).
std::vector<std::vector<std::string>> html_sector_rows(const std::string& html) {
  std::vector<std::vector<std::string>> out;
  const auto start = html.find("<tbody>", html.find("<th class=\"rot\">"));
  const auto end = html.find("</tbody>", start);
  const std::string body = html.substr(start, end - start);
  std::size_t pos = 0;
  while ((pos = body.find("<tr", pos)) != std::string::npos) {
    const auto row_end = body.find("</tr>", pos);
    std::vector<std::string> cells;
    std::size_t c = pos;
    while ((c = body.find("<td", c)) != std::string::npos && c < row_end) {
      const auto open_end = body.find('>', c) + 1;
      const auto close = body.find("</td>", open_end);
      cells.push_back(strip_tags(body.substr(open_end, close - open_end)));
      c = close;
    }
    out.push_back(cells);
    pos = row_end;
  }
  return out;
}

// The numeric cell values (<v> of cells without t="s") of every row after the header row.
std::vector<std::vector<std::string>> xlsx_number_rows(const std::string& sheet) {
  std::vector<std::vector<std::string>> out;
  std::size_t pos = sheet.find("<sheetData>");
  bool header_seen = false;
  while ((pos = sheet.find("<row ", pos)) != std::string::npos) {
    const auto row_end = sheet.find("</row>", pos);
    const std::string row = sheet.substr(pos, row_end - pos);
    pos = row_end;
    if (row.find("<c ") == std::string::npos) continue;
    std::vector<std::string> nums;
    bool has_number = false;
    std::size_t c = 0;
    while ((c = row.find("<c ", c)) != std::string::npos) {
      const auto cell_end = row.find("</c>", c);
      const auto self_close = row.find("/>", c);
      const auto tag_end = row.find('>', c);
      if (self_close != std::string::npos && self_close < tag_end) {  // blank cell
        c = tag_end;
        continue;
      }
      const std::string cell = row.substr(c, cell_end - c);
      c = cell_end;
      if (cell.find("t=\"s\"") != std::string::npos) continue;
      const auto v = cell.find("<v>");
      if (v == std::string::npos) continue;
      std::string value = cell.substr(v + 3, cell.find("</v>") - v - 3);
      // libxlsxwriter writes 45.0 as "45": compared as numbers by the caller.
      nums.push_back(value);
      has_number = true;
    }
    if (!has_number) {
      header_seen = true;
      continue;
    }
    if (header_seen) out.push_back(nums);
  }
  return out;
}

}  // namespace

TEST_CASE("fixture report: every format matches its golden file", "[fixture][golden]") {
  const auto db = test_reports::fixture_db("golden");
  const ReportModel m = fixture_model(db);
  for (auto lang : {Lang::Nl, Lang::En}) {
    const std::string l = lang == Lang::Nl ? "nl" : "en";
    check_golden("fixture." + l + ".html", render_html(m, lang));
    check_golden("fixture." + l + ".md", render_markdown(m, lang));
    check_golden("fixture." + l + ".csv", render_csv(m, lang));
  }
  check_golden("fixture.json", render_json(m));
  const auto xlsx = test_reports::work_dir() / "fixture.xlsx";
  REQUIRE(write_xlsx(m, Lang::Nl, xlsx.string()));
  check_golden("fixture.xlsx.txt", test_reports::xlsx_dump(xlsx));
  // The HTML for people to look at and for the browser test.
  REQUIRE(write_report(m, Format::Html, Lang::Nl,
                       (test_reports::work_dir() / "fixture.html").string()));
}

TEST_CASE("fixture report: the fixture has what the goldens must cover", "[fixture]") {
  const auto db = test_reports::fixture_db("coverage");
  const ReportModel m = fixture_model(db);
  CHECK(m.run.id == 3);
  REQUIRE(m.compare);
  CHECK(m.compare->id == 2);
  CHECK(m.trend.size() == 3);  // runs 1-3 finished; the aborted run 4 is not a trend point
  for (std::size_t i = 0; i + 1 < m.sectors.size(); ++i) CHECK(m.sectors[i].counts.domains > 0);
  std::set<std::string> mail, starttls, dane, dnssec, causes;
  for (const auto& d : m.domains) {
    mail.insert(std::string(to_string(d.verdict.mail)));
    starttls.insert(std::string(to_string(d.verdict.starttls)));
    dane.insert(std::string(to_string(d.verdict.dane)));
    dnssec.insert(std::string(to_string(d.verdict.dnssec)));
    if (d.cause) causes.insert(std::string(to_string(*d.cause)));
  }
  CHECK(mail.size() == 4);
  CHECK(starttls.size() == 5);
  CHECK(dane.size() == 6);
  bool improved = false, regressed = false;
  for (const auto& c : m.changes) {
    improved |= c.kind == ChangeKind::Improved;
    regressed |= c.kind == ChangeKind::Regressed;
  }
  CHECK(improved);
  CHECK(regressed);
  CHECK(causes.size() >= 5);
  CAPTURE(causes);
  std::set<std::string> tls;
  for (const auto& d : m.domains)
    if (d.verdict.mail == MailVerdict::Receives)
      tls.insert(std::string(to_string(d.verdict.tls_quality)));
  CAPTURE(tls);
  CHECK(tls.size() == 6);  // good, sufficient, phase_out, insufficient, incomplete, n/a
  std::int64_t failing = 0;
  for (auto n : m.tls_items.back().failing) failing += n;
  CHECK(failing > 0);
}

TEST_CASE("fixture report: all formats and SQL on the views agree", "[fixture][agree]") {
  const auto db = test_reports::fixture_db("agree");
  const ReportModel m = fixture_model(db);
  const auto json = nlohmann::json::parse(render_json(m));
  const std::string csv = render_csv(m, Lang::En);
  const std::string md = render_markdown(m, Lang::En);
  const std::string html = render_html(m, Lang::En);
  const auto xlsx_path = test_reports::work_dir() / "agree.xlsx";
  REQUIRE(write_xlsx(m, Lang::En, xlsx_path.string()));
  const std::string sheet2 = test_reports::xlsx_part(xlsx_path, "xl/worksheets/sheet2.xml");
  REQUIRE_FALSE(sheet2.empty());

  const auto rows = csv_section(csv, "sectors");
  REQUIRE(rows.size() == 7);  // header, 5 sectors, total
  const auto& header = rows[0];
  auto col = [&](const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    REQUIRE(it != header.end());
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::vector<std::pair<std::string, std::string>> checks{
      {"Domains", "count(*)"},
      {"Receives mail", "sum(mail='receives')"},
      {"STARTTLS on all MX", "sum(mail='receives' AND starttls='all')"},
      {"DANE valid", "sum(mail='receives' AND dane='valid')"},
      {"Protected (DNSSEC + DANE)", "sum(mail='receives' AND protected=1)"},
      {"DNSSEC-signed", "sum(mail='receives' AND dnssec='secure')"},
      {"No STARTTLS", "sum(mail='receives' AND starttls='none')"},
      {"DANE invalid", "sum(mail='receives' AND dane='invalid')"},
      {"DNS error", "sum(mail='error')"},
      {"STARTTLS conform NCSC", "sum(mail='receives' AND tls_quality IN ('good','sufficient'))"},
      {"TLS phase out", "sum(mail='receives' AND tls_quality='phase_out')"},
      {"TLS insufficient", "sum(mail='receives' AND tls_quality='insufficient')"},
      {"TLS not fully assessed", "sum(mail='receives' AND tls_quality='incomplete')"},
      // §5 (docs/decisions/reports.md): the rule of each share and of the agreements figure
      {"SPF strict (-all)", "sum(mail<>'error' AND spf='valid' AND spf_policy='strict')"},
      {"DMARC quarantine/reject",
       "sum(mail<>'error' AND dmarc='valid' AND dmarc_policy IN ('quarantine','reject'))"},
      {"DKIM present", "sum(mail<>'error' AND dkim='present')"},
      {"TLS-RPT valid", "sum(mail='receives' AND tls_rpt='valid')"},
      {"Meets the mail agreements",
       "sum(mail='receives' AND starttls='all' AND tls_quality IN "
       "('good','sufficient','phase_out') AND dane='valid' AND spf='valid' AND spf_policy IN "
       "('strict','soft') AND dmarc='valid' AND dmarc_policy IN ('quarantine','reject'))"},
  };
  const std::vector<std::string> keys{"rijk",       "provincie", "gemeente",
                                      "waterschap", "overig",    "total"};
  for (std::size_t s = 0; s < keys.size(); ++s) {
    const auto& row = rows[s + 1];
    const std::string where = keys[s] == "total" ? "" : " AND sector='" + keys[s] + "'";
    const auto& jc = json["sectors"][s]["counts"];
    REQUIRE(json["sectors"][s]["sector"] == keys[s]);
    for (const auto& [column, expr] : checks) {
      const std::int64_t sql = sql_count(
          db, "SELECT coalesce(" + expr + ",0) FROM v_run_verdicts WHERE run_id=3" + where);
      INFO(keys[s] << " / " << column);
      CHECK(std::stoll(row[col(column)]) == sql);
    }
    CHECK(jc["domains"] == std::stoll(row[col("Domains")]));
    CHECK(jc["mail"]["receives"] == std::stoll(row[col("Receives mail")]));
    CHECK(jc["starttls"]["all"] == std::stoll(row[col("STARTTLS on all MX")]));
    CHECK(jc["dane"]["valid"] == std::stoll(row[col("DANE valid")]));
    CHECK(jc["protected"] == std::stoll(row[col("Protected (DNSSEC + DANE)")]));
    CHECK(jc["shares"]["protected"]["percent"].get<double>() ==
          std::stod(row[col("Protected (DNSSEC + DANE)") + 1]));
    CHECK(jc["shares"]["tls_conform"]["count"] == std::stoll(row[col("STARTTLS conform NCSC")]));
    CHECK(jc["tls_quality"]["phase_out"] == std::stoll(row[col("TLS phase out")]));
  }
  // Failing TLS items per sector: the JSON and CSV agree with SQL on v_tls_items.
  const auto items = csv_section(csv, "tls_items");
  REQUIRE(items.size() == 7);
  for (std::size_t s = 0; s < keys.size(); ++s) {
    const std::string where = keys[s] == "total" ? "" : " AND v.sector='" + keys[s] + "'";
    for (const char* item : {"protocol_versions", "tls12_suites", "cert_keys",
                             "extended_master_secret", "compression"}) {
      const auto c = static_cast<std::size_t>(std::find(items[0].begin(), items[0].end(), item) -
                                              items[0].begin());
      REQUIRE(c < items[0].size());
      const std::int64_t sql = sql_count(
          db, std::string("SELECT count(DISTINCT v.domain) FROM v_run_verdicts v JOIN v_tls_items "
                          "t ON t.run = v.run_id AND t.domain = v.domain JOIN probes p ON "
                          "p.run_id = v.run_id AND p.ip = t.ip AND p.outcome = 'starttls_ok' "
                          "WHERE v.run_id = 3 AND v.mail = 'receives' AND t.item = '") +
                  item + "' AND t.value IN ('phase_out','insufficient')" + where);
      INFO(keys[s] << " / " << item);
      CHECK(std::stoll(items[s + 1][c]) == sql);
      CHECK(json["tls_items"][s]["failing"][item] == sql);
    }
  }
  // The storage view's own per-sector summary agrees too.
  for (std::size_t s = 0; s < 5; ++s) {
    const std::string where = " FROM v_sector_summary WHERE run_id=3 AND sector='" + keys[s] + "'";
    const auto& row = rows[s + 1];
    CHECK(std::stoll(row[col("Domains")]) == sql_count(db, "SELECT domains" + where));
    CHECK(std::stoll(row[col("Receives mail")]) == sql_count(db, "SELECT mail_receives" + where));
    CHECK(std::stoll(row[col("STARTTLS on all MX")]) ==
          sql_count(db, "SELECT starttls_all" + where));
    CHECK(std::stoll(row[col("DANE valid")]) == sql_count(db, "SELECT dane_valid" + where));
    CHECK(std::stoll(row[col("Protected (DNSSEC + DANE)")]) ==
          sql_count(db, "SELECT protected_yes" + where));
  }
  // Providers: domains per provider equal the v_mx_providers view.
  for (const auto& p : json["providers"]) {
    const std::string where = " FROM v_mx_providers WHERE run_id=3 AND provider='" +
                              p["provider"].get<std::string>() + "'";
    INFO(p["provider"]);
    CHECK(p["domains"] == sql_count(db, "SELECT domains" + where));
    CHECK(p["hosts"].size() == static_cast<std::size_t>(sql_count(db, "SELECT mx_hosts" + where)));
    CHECK(p["hosts_with_tlsa"] == sql_count(db, "SELECT hosts_with_tlsa" + where));
    CHECK(p["protected_domains"] == sql_count(db, "SELECT domains_protected" + where));
  }
  // Markdown, HTML and XLSX: every row of the sector table, cell by cell, equals the CSV row.
  const auto md_rows = md_sector_rows(md);
  const auto html_rows = html_sector_rows(html);
  const auto xlsx_rows = xlsx_number_rows(sheet2);
  REQUIRE(md_rows.size() == 6);
  REQUIRE(html_rows.size() == 6);
  REQUIRE(xlsx_rows.size() == 6);
  for (std::size_t r = 0; r < 6; ++r) {
    const auto& want = rows[r + 1];
    INFO("sector row " << r);
    CHECK(md_rows[r] == want);
    CHECK(html_rows[r] == want);
    // XLSX: the numbers of the row (the first cell is a shared string, skipped); a share is
    // stored as a fraction under a percent format (xlsx_readback_test.cpp checks the formats).
    REQUIRE(xlsx_rows[r].size() + 1 == want.size());
    for (std::size_t k = 1; k < want.size(); ++k) {
      INFO(header[k]);
      const double csv_number = std::stod(want[k]) / (header[k] == "%" ? 100.0 : 1.0);
      CHECK(std::stod(xlsx_rows[r][k - 1]) == Approx(csv_number).epsilon(1e-12));
    }
  }
  // HTML headline cards carry the same totals.
  const auto& total = rows.back();
  CHECK(html.find(">" + total[col("Domains")] + "</div>") != std::string::npos);
  CHECK(html.find(json["headline"]["protected"]["percent"].dump()) != std::string::npos);
}
