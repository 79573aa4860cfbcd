// xlsx_readback_test.cpp — the XLSX report read back by a third-party reader (python3-openpyxl,
// tests/reports/xlsx_read.py): every sheet, every cell of every table equals the tables the
// report was built from — texts as strings, counts as numbers under "#,##0", shares as
// fractions (0..1) under "0.0%" — in both languages. The golden test pins the XML; this one
// proves that a spreadsheet program reads the numbers as numbers.
#include "helpers.hpp"

#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/source.hpp>
#include <nulmeting/reports/tables.hpp>

using namespace nulmeting;
using namespace nulmeting::reports;

namespace {

void check_workbook(const ReportModel& m, Lang lang, const std::string& name) {
  const auto path = test_reports::work_dir() / name;
  REQUIRE(write_xlsx(m, lang, path.string()));
  const auto wb = test_reports::xlsx_read(path);
  const auto tables = build_tables(m, lang);
  REQUIRE(wb["sheets"].size() == tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const Table& t = tables[i];
    const auto& sheet = wb["sheets"][i];
    INFO("sheet " << t.id);
    CHECK(sheet["title"] == t.title.substr(0, 31));
    const auto& rows = sheet["rows"];
    REQUIRE(rows.size() >= 1);
    CHECK(rows[0][0]["v"] == t.title);
    // The header row: the cells that are exactly the column names.
    std::size_t header = rows.size();
    for (std::size_t r = 0; r < rows.size() && header == rows.size(); ++r) {
      if (rows[r].size() != t.columns.size()) continue;
      bool same = true;
      for (std::size_t c = 0; c < t.columns.size(); ++c)
        same = same && rows[r][c].is_object() && rows[r][c]["v"] == t.columns[c];
      if (same) header = r;
    }
    REQUIRE(header < rows.size());
    REQUIRE(rows.size() == header + 1 + t.rows.size());
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto& got = rows[header + 1 + r];
      for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
        const Cell& want = t.rows[r][c];
        const nlohmann::json x = c < got.size() ? got[c] : nlohmann::json();
        INFO("row " << r << " column " << t.columns[c] << ": " << x.dump());
        switch (want.kind) {
          case Cell::Kind::Text:
            if (want.text.empty()) {
              CHECK(x.is_null());
            } else {
              REQUIRE(x.is_object());
              CHECK(x["t"] == "s");
              CHECK(x["v"] == want.text);
            }
            break;
          case Cell::Kind::Int:
            REQUIRE(x.is_object());
            CHECK(x["t"] == "n");
            CHECK(x["v"].get<double>() == static_cast<double>(want.value));
            CHECK(x["f"] == "#,##0");
            break;
          case Cell::Kind::Pct:
            REQUIRE(x.is_object());
            CHECK(x["t"] == "n");
            CHECK(x["v"].get<double>() == Approx(want.pct / 100.0).epsilon(1e-12));
            CHECK(x["v"].get<double>() >= 0.0);
            CHECK(x["v"].get<double>() <= 1.0);
            CHECK(x["f"] == "0.0%");
            break;
          case Cell::Kind::Empty:
            CHECK(x.is_null());
            break;
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("xlsx read back by openpyxl: values and number formats equal the tables",
          "[xlsx][openpyxl]") {
  const auto db = test_reports::fixture_db("openpyxl");
  auto m = load_report(db, "latest", std::string("2"), "nulmeting test");
  REQUIRE(m);
  check_workbook(*m, Lang::Nl, "openpyxl.nl.xlsx");
  check_workbook(*m, Lang::En, "openpyxl.en.xlsx");
}
