// The one CSV writer: RFC 4180 quoting, formula neutralisation, and that the list reader reads
// back exactly what was written.
#include <nulmeting/domains/csv_writer.hpp>
#include <nulmeting/domains/list_reader.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace nulmeting;

TEST_CASE("csv field: quoting and neutralisation table", "[domains][csv]") {
  struct Row {
    std::string in, out;
  };
  const std::vector<Row> table{
      {"plain", "plain"},
      {"", ""},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"cr\rhere", "\"cr\rhere\""},
      {"semi;colon", "\"semi;colon\""},
      {"#hash", "\"#hash\""},
      {" lead", "\" lead\""},
      {"trail ", "\"trail \""},
      // Formula starts get an apostrophe (OWASP CSV injection).
      {"=1+1", "'=1+1"},
      {"+31 20 123", "'+31 20 123"},
      {"-Gemeente", "'-Gemeente"},
      {"@SUM(A1)", "'@SUM(A1)"},
      {"\tx", "\"'\tx\""},
      {"\rx", "\"'\rx\""},
      {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
      // Apostrophes before a formula start get one more (reversible); others stay as they are.
      {"'=x", "''=x"},
      {"''-x", "'''-x"},
      {"'quoted'", "'quoted'"},
      {"a=b", "a=b"},
      {"Zoë", "Zoë"},
  };
  for (const auto& r : table) {
    INFO("in: " << r.in);
    CHECK(csv::field(r.in) == r.out);
  }
  // Numbers are not formulas.
  CHECK(csv::field("-3", csv::Kind::Number) == "-3");
  CHECK(csv::field("-3") == "'-3");
}

TEST_CASE("csv restore is the inverse of neutralise", "[domains][csv]") {
  for (std::string s : {"", "x", "=x", "'=x", "''=x", "'", "''", "'x", "-", "'-", "@", "+1",
                        "\t", "\r", "a'=b", "'a=b"}) {
    INFO("text: " << s);
    CHECK(csv::restore(csv::neutralise(s)) == s);
  }
  // Text nobody neutralised reads as it is.
  CHECK(csv::restore("'quoted'") == "'quoted'");
  CHECK(csv::restore("'") == "'");
}

TEST_CASE("csv record and comment", "[domains][csv]") {
  CHECK(csv::record({"a", "b,c", "=d"}) == "a,\"b,c\",'=d\n");
  std::vector<std::string> v{"x", "-y"};
  CHECK(csv::record(v, "\r\n") == "x,'-y\r\n");
  CHECK(csv::comment("plain title") == "# plain title\n");
  CHECK(csv::comment("a\nb", "\r\n") == "# a b\r\n");
  // A piece a spreadsheet would split off at a separator is neutralised like a cell.
  CHECK(csv::comment("from x.xml,=HYPERLINK(1);@y\t+z") == "# from x.xml,'=HYPERLINK(1);'@y\t'+z\n");
  CHECK(csv::comment("per sector, total") == "# per sector, total\n");
}

TEST_CASE("the list reader reads back what the writer wrote", "[domains][csv][list]") {
  const std::vector<std::string> names{
      "-Gemeente", "=cmd|' /C calc'!A0", "@Waterschap", "+31 Stichting", "'=Literal",
      "Plain, with comma", "Say \"hi\"", "'quoted'", "#1 Bureau", "Zoë; en co"};
  std::string csv = csv::record({"domain", "organization", "sector", "note"});
  for (std::size_t i = 0; i < names.size(); ++i)
    csv += csv::record({"d" + std::to_string(i) + ".nl", names[i], "overig", names[i]});
  std::istringstream in(csv);
  ListReader reader(in, "w.csv");
  std::size_t i = 0;
  while (auto row = reader.next()) {
    INFO(csv);
    REQUIRE(row->problems.empty());
    REQUIRE(row->entry.has_value());
    REQUIRE(i < names.size());
    CHECK(row->entry->organization == names[i]);
    REQUIRE(row->entry->tags.size() == 1);
    CHECK(row->entry->tags[0].second == names[i]);
    ++i;
  }
  CHECK(i == names.size());
}
