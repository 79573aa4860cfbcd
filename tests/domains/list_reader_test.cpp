// CSV domain lists: hostile lists as a table (input → entries and the exact problem lines),
// plus the streaming reader's behaviour and the bundled list.
#include <nulmeting/domains/list_reader.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace nulmeting;

namespace {
struct Result {
  std::vector<DomainEntry> entries;
  std::vector<std::string> problems;  // formatted
  ListSummary summary;
};

Result read(const std::string& text) {
  Result r;
  {
    std::istringstream in(text);
    ListReader reader(in, "lijst.csv");
    while (auto row = reader.next()) {
      for (auto& p : row->problems) r.problems.push_back(format_problem(p));
      if (row->entry) r.entries.push_back(*row->entry);
    }
  }
  std::istringstream in(text);
  r.summary = check_list(in, "lijst.csv");
  return r;
}

std::string all(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += x + "\n";
  return s;
}

const std::string kHeader = "domain,organization,sector\n";
}  // namespace

TEST_CASE("valid lists in every accepted spelling", "[domains][list]") {
  struct Row {
    const char* name;
    std::string text;
    std::vector<std::string> domains;  // expected A-labels in order
    std::vector<std::string> orgs;     // expected organisations in order
  };
  const Row rows[] = {
      {"plain",
       kHeader + "a.nl,Gemeente A,gemeente\nb.nl,Provincie B,provincie\n",
       {"a.nl", "b.nl"},
       {"Gemeente A", "Provincie B"}},
      {"quoted comma",
       kHeader + "agv.nl,\"Waterschap Amstel, Gooi en Vecht\",waterschap\n",
       {"agv.nl"},
       {"Waterschap Amstel, Gooi en Vecht"}},
      {"doubled quotes",
       kHeader + "x.nl,\"Stichting \"\"De Boog\"\"\",overig\n",
       {"x.nl"},
       {"Stichting \"De Boog\""}},
      {"newline inside quotes (collapsed to a space)",
       kHeader + "x.nl,\"Gemeente\nVoorbeeld\",gemeente\ny.nl,Y,rijk\n",
       {"x.nl", "y.nl"},
       {"Gemeente Voorbeeld", "Y"}},
      {"BOM", "\xEF\xBB\xBF" + kHeader + "a.nl,A,rijk\n", {"a.nl"}, {"A"}},
      {"CRLF",
       "domain,organization,sector\r\na.nl,A,rijk\r\nb.nl,\"B\r\nC\",overig\r\n",
       {"a.nl", "b.nl"},
       {"A", "B C"}},
      {"CR only", "domain,organization,sector\ra.nl,A,rijk\r", {"a.nl"}, {"A"}},
      {"no final newline", kHeader + "a.nl,A,rijk", {"a.nl"}, {"A"}},
      {"blank lines, blank cells and comments",
       "# comment before the header\n\n" + kHeader +
           "\n  \n,,\n# a comment, with commas\na.nl,A,rijk\n\n",
       {"a.nl"},
       {"A"}},
      {"header case and aliases, columns in another order",
       "Sector,Domein,Organisatie\nGemeente,a.nl,A\n",
       {"a.nl"},
       {"A"}},
      {"sector labels in Dutch and English",
       kHeader + "a.nl,A,Gemeenten\nb.nl,B,Central government\n",
       {"a.nl", "b.nl"},
       {"A", "B"}},
      {"semicolon separator (Dutch Excel)",
       "domain;organization;sector\na.nl;\"A; B\";rijk\n",
       {"a.nl"},
       {"A; B"}},
      {"quoted header with semicolons",
       "\"domain\";\"organization\";\"sector\"\r\n\"a.nl\";\"A, B\";\"rijk\"\r\n",
       {"a.nl"},
       {"A, B"}},
      {"Excel sep= line", "sep=;\ndomain;organization;sector\na.nl;A,B;rijk\n", {"a.nl"}, {"A,B"}},
      {"TAB separated", "domain\torganization\tsector\na.nl\tA, B\trijk\n", {"a.nl"}, {"A, B"}},
      {"spaces around fields and before a quote",
       kHeader + " a.nl , \"A, B\" , rijk \n",
       {"a.nl"},
       {"A, B"}},
      {"non-breaking spaces around values",
       kHeader + "a.nl\xC2\xA0,\xC2\xA0"
                 "A\xC2\xA0,gemeente\xC2\xA0\n",
       {"a.nl"},
       {"A"}},
      {"trailing empty cells", kHeader + "a.nl,A,rijk,,,\n", {"a.nl"}, {"A"}},
      {"Unicode names",
       kHeader + "bücher.nl,Bücherei Één,overig\n",
       {"xn--bcher-kva.nl"},
       {"Bücherei Één"}},
      {"upper case and trailing dot",
       kHeader + "WWW.Example.NL.,A,rijk\n",
       {"www.example.nl"},
       {"A"}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    auto r = read(row.text);
    INFO(all(r.problems));
    CHECK(r.summary.ok());
    CHECK(r.summary.errors == 0);
    REQUIRE(r.entries.size() == row.domains.size());
    for (std::size_t i = 0; i < r.entries.size(); ++i) {
      CHECK(r.entries[i].domain == row.domains[i]);
      CHECK(r.entries[i].organization == row.orgs[i]);
    }
  }
}

TEST_CASE("hostile lists give precise problems", "[domains][list]") {
  struct Row {
    const char* name;
    std::string text;
    std::size_t entries;
    std::vector<std::string> problems;  // each must appear (substring) in order
  };
  const Row rows[] = {
      {"unknown sector",
       kHeader + "a.nl,A,rijk\nb.nl,B,ministerie\n",
       1,
       {"lijst.csv:3:3: error: unknown sector 'ministerie' (expected rijk, provincie, gemeente, "
        "waterschap or overig)"}},
      {"empty sector", kHeader + "a.nl,A,\n", 0, {"lijst.csv:2:3: error: sector is empty"}},
      {"empty organization",
       kHeader + "a.nl, ,rijk\n",
       0,
       {"lijst.csv:2:2: error: organization is empty"}},
      {"missing column in a row",
       kHeader + "a.nl,A\n",
       0,
       {"lijst.csv:2:3: error: row has 2 fields but the header has 3: column 'sector' is missing"}},
      {"unquoted comma",
       kHeader + "a.nl,Waterschap Amstel, Gooi en Vecht,waterschap\n",
       0,
       {"lijst.csv:2:3: error: unknown sector 'Gooi en Vecht'",
        "lijst.csv:2:4: error: row has 4 fields but the header has 3; is there an unquoted comma"}},
      {"missing header column",
       "domain,organization\na.nl,A\n",
       0,
       {"lijst.csv:1: error: the header has no sector column"}},
      {"no header at all",
       "a.nl,Gemeente A,gemeente\n",
       0,
       {"lijst.csv:1: error: the header has no domain, organization, sector columns",
        "found 'a.nl', 'Gemeente A', 'gemeente'"}},
      {"empty file", "", 0, {"lijst.csv: error: the file has no header line"}},
      {"only comments", "# nothing\n", 0, {"lijst.csv: error: the file has no header line"}},
      {"duplicate header column",
       "domain,organization,sector,Domain\n",
       0,
       {"lijst.csv:1:4: error: column 'Domain' appears twice in the header (columns 1 and 4)"}},
      {"UTF-16",
       std::string("\xFF\xFE"
                   "d\0o\0",
                   6),
       0,
       {"lijst.csv:1: error: the file is UTF-16"}},
      {"invalid UTF-8 (Latin-1 file)",
       kHeader + "a.nl,Gemeente S\xFA"
                 "dwest-Frysl\xE2n,gemeente\n",
       0,
       {"lijst.csv:2:2: error: invalid UTF-8 (byte 0xFA) after 'Gemeente S'; the file is "
        "probably saved as Windows-1252"}},
      {"overlong UTF-8 form",
       kHeader + "a.nl,A\xC0\xAF,rijk\n",
       0,
       {"lijst.csv:2:2: error: invalid UTF-8 (byte 0xC0)"}},
      {"UTF-8 surrogate",
       kHeader + "a.nl,A\xED\xA0\x80,rijk\n",
       0,
       {"lijst.csv:2:2: error: invalid UTF-8 (byte 0xED)"}},
      {"truncated UTF-8 at end of field",
       kHeader + "a.nl,A\xC3,rijk\n",
       0,
       {"lijst.csv:2:2: error: invalid UTF-8 (byte 0xC3)"}},
      {"IP literals",
       kHeader + "192.0.2.1,A,rijk\n[2001:db8::1],B,rijk\n2001:db8::25,C,rijk\n",
       0,
       {"lijst.csv:2:1: error: '192.0.2.1' is an IPv4 address",
        "lijst.csv:3:1: error: '[2001:db8::1]' is an IP address literal",
        "lijst.csv:4:1: error: '2001:db8::25' is an IPv6 address"}},
      {"overlong label and name",
       kHeader + std::string(64, 'a') + ".nl,A,rijk\n" + std::string(63, 'b') + "." +
           std::string(63, 'b') + "." + std::string(63, 'b') + "." + std::string(63, 'b') +
           ",B,rijk\n",
       0,
       {"lijst.csv:2:1: error: label 'aaaaaaaaaaaaaaaaaaaa...' is 64 octets long (at most 63)",
        "lijst.csv:3:1: error: domain is 255 octets long in DNS form (at most 253)"}},
      {"invalid Unicode name",
       kHeader + "\xF0\x9F\x98\x80.nl,A,rijk\n",
       0,
       {"lijst.csv:2:1: error: label '\xF0\x9F\x98\x80' is not a valid internationalised"}},
      {"URL and e-mail address",
       kHeader + "https://www.a.nl/,A,rijk\ninfo@b.nl,B,rijk\n",
       0,
       {"lijst.csv:2:1: error: 'https://www.a.nl/' is a URL",
        "lijst.csv:3:1: error: 'info@b.nl' is an e-mail address, not a domain name (write the "
        "part after '@': 'b.nl')"}},
      {"duplicates: identical, other organisation, other spelling",
       kHeader + "a.nl,A,rijk\nA.NL.,A,rijk\na.nl,B,overig\nbücher.nl,C,overig\n"
                 "xn--bcher-kva.nl,C,overig\n",
       2,
       {"lijst.csv:3:1: warning: duplicate of line 2: 'a.nl' is listed there already; this row "
        "is ignored (same organization and sector)",
        "lijst.csv:4:1: warning: duplicate of line 2: 'a.nl' is listed there already; this row "
        "is ignored (organization 'B' here, 'A' on line 2; sector overig here, rijk on line 2)",
        "lijst.csv:6:1: warning: duplicate of line 5: 'bücher.nl'"}},
      {"unterminated quote",
       kHeader + "a.nl,\"A,rijk\nb.nl,B,rijk\n",
       0,
       {"lijst.csv:2:2: error: the quote opened at line 2 is never closed"}},
      {"text after closing quote",
       kHeader + "a.nl,\"A\"x,rijk\n",
       0,
       {"lijst.csv:2:2: error: text after the closing quote"}},
      {"stray quote in unquoted field",
       kHeader + "a.nl,Stichting \"X\",overig\n",
       1,
       {"lijst.csv:2:2: warning: stray '\"' inside an unquoted field"}},
      {"line numbers after a quoted newline",
       kHeader + "a.nl,\"A\nA2\",rijk\nb.nl,B,nope\n",
       1,
       {"lijst.csv:4:3: error: unknown sector 'nope'"}},
      {"field on a later physical line",
       kHeader + "a.nl,\"A\nA2\",nope\n",
       0,
       {"lijst.csv:3:3: error: unknown sector 'nope'"}},
      {"overlong field",
       kHeader + "a.nl," + std::string(5000, 'x') + ",rijk\n",
       0,
       {"lijst.csv:2:2: error: field is longer than 4096 bytes"}},
      {"all problems of one row at once",
       kHeader + "a..nl,,ministerie\n",
       0,
       {"lijst.csv:2:1: error: empty label", "lijst.csv:2:2: error: organization is empty",
        "lijst.csv:2:3: error: unknown sector 'ministerie'"}},
      {"header repeated (two lists pasted together)",
       kHeader + "a.nl,A,rijk\n" + kHeader + "b.nl,B,rijk\n",
       2,
       {"lijst.csv:3: warning: the header line is repeated here"}},
      {"NUL byte in a domain",
       kHeader + std::string("a\0.nl,A,rijk\n", sizeof("a\0.nl,A,rijk\n") - 1),
       0,
       {"lijst.csv:2:1: error: invalid character U+0000 in label"}},
      {"control character in organization",
       kHeader + "a.nl,A\x01"
                 "B,rijk\n",
       0,
       {"lijst.csv:2:2: error: control character U+0001"}},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    auto r = read(row.text);
    const std::string got = all(r.problems);
    INFO(got);
    CHECK(r.entries.size() == row.entries);
    CHECK(r.summary.entries == row.entries);
    std::size_t pos = 0;
    for (const auto& p : row.problems) {
      CAPTURE(p);
      auto at = got.find(p, pos);
      CHECK(at != std::string::npos);
      if (at != std::string::npos) pos = at + p.size();
    }
    const bool expect_error = got.find(": error: ") != std::string::npos;
    CHECK(r.summary.ok() == !expect_error);
  }
}

TEST_CASE("extra columns are kept as tags", "[domains][list]") {
  auto r = read(
      "domain,organization,sector,cbs_code,,note\n"
      "a.nl,A,gemeente,0363,x,\"one, two\"\nb.nl,B,rijk\n");
  REQUIRE(r.entries.size() == 2);
  using Tags = std::vector<std::pair<std::string, std::string>>;
  CHECK(r.entries[0].tags == Tags{{"cbs_code", "0363"}, {"column 5", "x"}, {"note", "one, two"}});
  CHECK(r.entries[1].tags == Tags{{"cbs_code", ""}, {"column 5", ""}, {"note", ""}});
  CHECK(r.entries[0].line == 2);
  CHECK(r.entries[1].line == 3);
  CHECK(r.entries[0].sector == Sector::Gemeente);
}

TEST_CASE("the reader streams: entries arrive before the end of the input", "[domains][list]") {
  // A stream whose tail is not readable yet: the reader must hand out the first rows
  // without having read to the end (it reads in 64 KiB blocks, so use more than that).
  std::string text = kHeader;
  for (int i = 0; i < 20000; ++i)
    text += "d" + std::to_string(i) + ".nl,Org " + std::to_string(i) + ",overig\n";
  std::istringstream in(text);
  ListReader reader(in, "big.csv");
  auto first = reader.next();
  REQUIRE(first);
  REQUIRE(first->entry);
  CHECK(first->entry->domain == "d0.nl");
  CHECK(in.tellg() < static_cast<std::streamoff>(text.size()));
  std::size_t n = 1;
  while (auto row = reader.next()) n += row->entry ? 1u : 0u;
  CHECK(n == 20000);
}

TEST_CASE("per-sector summary counts domains and organisations", "[domains][list]") {
  auto r = read(kHeader +
                "a.nl,Gemeente A,gemeente\na2.nl,Gemeente A,gemeente\n"
                "b.nl,Gemeente B,gemeente\nc.nl,C,rijk\nbad,X,rijk\n"
                // The same name in another sector is another organisation; a duplicate row and
                // an invalid row add none.
                "d.nl,Gemeente A,overig\na.nl,Other,waterschap\nbad2,Y,waterschap\n");
  CHECK(r.summary.entries == 5);
  CHECK(r.summary.errors == 2);
  auto g = r.summary.sectors[static_cast<std::size_t>(Sector::Gemeente)];
  CHECK(g.domains == 3);
  CHECK(g.organizations == 2);
  CHECK(r.summary.sectors[static_cast<std::size_t>(Sector::Rijk)].domains == 1);
  CHECK(r.summary.sectors[static_cast<std::size_t>(Sector::Rijk)].organizations == 1);
  CHECK(r.summary.sectors[static_cast<std::size_t>(Sector::Overig)].organizations == 1);
  CHECK(r.summary.sectors[static_cast<std::size_t>(Sector::Waterschap)].domains == 0);
  CHECK(r.summary.sectors[static_cast<std::size_t>(Sector::Waterschap)].organizations == 0);
}

TEST_CASE("the bundled government list is valid", "[domains][list][data]") {
  auto sum = check_list_file(NULMETING_SOURCE_DIR "/domains/data/nl-government-domains.csv");
  std::string got;
  for (auto& p : sum.problems) got += format_problem(p) + "\n";
  INFO(got);
  CHECK(sum.errors == 0);
  CHECK(sum.warnings == 0);
  CHECK(sum.entries == 587);
  auto count = [&](Sector s) { return sum.sectors[static_cast<std::size_t>(s)]; };
  CHECK(count(Sector::Gemeente).domains == 347);
  CHECK(count(Sector::Gemeente).organizations == 342);
  CHECK(count(Sector::Provincie).domains == 14);
  CHECK(count(Sector::Provincie).organizations == 12);
  CHECK(count(Sector::Waterschap).domains == 23);
  CHECK(count(Sector::Waterschap).organizations == 21);
  CHECK(count(Sector::Rijk).domains == 27);
  CHECK(count(Sector::Overig).domains == 176);
}

TEST_CASE("a list with only a header is valid but warned about", "[domains][list]") {
  auto r = read("# empty\n" + kHeader);
  CHECK(r.summary.ok());
  REQUIRE(r.summary.problems.size() == 1);
  CHECK(format_problem(r.summary.problems[0]) == "lijst.csv: warning: the list holds no domains");
}

TEST_CASE("an unreadable file is one error", "[domains][list]") {
  auto sum = check_list_file("/nonexistent/lijst.csv");
  REQUIRE(sum.problems.size() == 1);
  CHECK(format_problem(sum.problems[0]) == "/nonexistent/lijst.csv: error: cannot open the file");
  CHECK_FALSE(sum.ok());
}

