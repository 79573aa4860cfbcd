// helpers.hpp — shared by the reports tests: golden files, the fixture database, reading XLSX.
//
// Golden files live in tests/reports/golden/. Set NULMETING_UPDATE_GOLDEN=1 to rewrite them
// from the current output (then review the diff with git before committing).
// XLSX is a ZIP: the golden tests read its parts with `unzip -p` (Debian's unzip package); the
// value tests read it back with a real third-party reader, python3-openpyxl (xlsx_read.py).
#pragma once

#include "support/fixture.hpp"

#include <nulmeting/reports/model.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace test_reports {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path golden_dir() {
  return std::filesystem::path(NULMETING_SOURCE_DIR) / "tests/reports/golden";
}

inline std::filesystem::path work_dir() {
  auto d = std::filesystem::path(NULMETING_BINARY_DIR) / "tests/reports-work";
  std::filesystem::create_directories(d);
  return d;
}

// Compares text with the golden file `name`; rewrites it when NULMETING_UPDATE_GOLDEN is set.
inline void check_golden(const std::string& name, const std::string& text) {
  const auto path = golden_dir() / name;
  if (const char* u = std::getenv("NULMETING_UPDATE_GOLDEN"); u && *u == '1') {
    std::ofstream(path, std::ios::binary) << text;
    WARN("golden file rewritten: " << path.string());
    return;
  }
  REQUIRE(std::filesystem::exists(path));
  const std::string want = slurp(path);
  if (want != text) {
    const auto got = work_dir() / (name + ".actual");
    std::ofstream(got, std::ios::binary) << text;
    FAIL("output differs from " << path.string() << "; actual output in " << got.string()
                                << " (diff them; NULMETING_UPDATE_GOLDEN=1 rewrites)");
  }
}

// Output of a shell command (stdout); empty on failure.
inline std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return {};
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
  return out;
}

inline std::string xlsx_part(const std::filesystem::path& xlsx, const std::string& part) {
  return run("unzip -p '" + xlsx.string() + "' '" + part + "'");
}

// The sheet XMLs and shared strings of a workbook, in order, for golden comparison.
inline std::string xlsx_dump(const std::filesystem::path& xlsx) {
  std::string out = "== xl/workbook.xml\n" + xlsx_part(xlsx, "xl/workbook.xml") + "\n";
  out += "== xl/sharedStrings.xml\n" + xlsx_part(xlsx, "xl/sharedStrings.xml") + "\n";
  for (int i = 1; i <= 7; ++i) {
    const std::string part = "xl/worksheets/sheet" + std::to_string(i) + ".xml";
    out += "== " + part + "\n" + xlsx_part(xlsx, part) + "\n";
  }
  return out;
}

// The workbook as python3-openpyxl reads it (tests/reports/xlsx_read.py): per sheet its title
// and rows of cells {v, t, f} (value, openpyxl data type, number format) or null.
inline nlohmann::json xlsx_read(const std::filesystem::path& xlsx) {
  // Debian's interpreter, which has python3-openpyxl (a python3 earlier on PATH may not).
  const std::string out = run("/usr/bin/python3 '" + std::string(NULMETING_SOURCE_DIR) +
                              "/tests/reports/xlsx_read.py' '" + xlsx.string() + "'");
  INFO("openpyxl output: " << out.substr(0, 400));
  REQUIRE_FALSE(out.empty());
  return nlohmann::json::parse(out);
}

// A fresh fixture database (storage's deterministic fixture) at a path unique to `tag`.
inline std::string fixture_db(const std::string& tag) {
  const auto path = work_dir() / ("fixture-" + tag + ".db");
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
  auto info = nulmeting::storage::testing::make_fixture_db(path.string());
  REQUIRE(info);
  return path.string();
}

}  // namespace test_reports
