// ROO export import: fixtures of two schema versions (2.4.10 legacy shape, 2.6.9 current
// shape), a third namespace written as a default namespace, hostile XML, the type table and
// the website host reduction. The output must itself be a valid list.
#include <nulmeting/domains/list_reader.hpp>
#include <nulmeting/domains/roo_import.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace nulmeting;

namespace {
constexpr const char* kToday = "2025-06-01";

struct Imported {
  RooImport import{kToday};
  std::expected<RooExportInfo, RooError> info;
  std::map<std::string, DomainEntry> by_domain;
  std::string csv;
};

std::unique_ptr<Imported> import_stream(std::istream& in) {
  auto r = std::make_unique<Imported>();
  r->info = read_roo(in, [&](RooOrganization&& o) { r->import.add(std::move(o)); });
  for (auto& e : r->import.entries()) r->by_domain[e.domain] = e;
  std::ostringstream out;
  r->import.write_csv(out);
  r->csv = out.str();
  return r;
}

std::unique_ptr<Imported> import_file(const std::string& name) {
  std::ifstream in(std::string(NULMETING_SOURCE_DIR "/tests/domains/fixtures/") + name,
                   std::ios::binary);
  REQUIRE(in);
  return import_stream(in);
}

std::unique_ptr<Imported> import_text(const std::string& xml) {
  std::istringstream in(xml);
  return import_stream(in);
}

std::string tag(const DomainEntry& e, const std::string& key) {
  for (auto& [k, v] : e.tags)
    if (k == key) return v;
  return "(none)";
}

// domain -> organisation, as the list reader reads the import's output back.
std::map<std::string, std::string> organizations_read_back(const std::string& csv) {
  std::istringstream in(csv);
  ListReader reader(in, "import.csv");
  std::map<std::string, std::string> got;
  while (auto row = reader.next())
    if (row->entry) got[row->entry->domain] = row->entry->organization;
  return got;
}

void check_output_is_valid_list(const std::string& csv, std::size_t expected) {
  std::istringstream in(csv);
  auto sum = check_list(in, "import.csv");
  std::string got;
  for (auto& p : sum.problems) got += format_problem(p) + "\n";
  INFO(csv << got);
  CHECK(sum.errors == 0);
  CHECK(sum.warnings == 0);
  CHECK(sum.entries == expected);
}
}  // namespace

TEST_CASE("ROO 2.6.9 export", "[domains][roo]") {
  auto r = import_file("roo-2.6.9.xml");
  REQUIRE(r->info.has_value());
  CHECK(r->info->schema == "https://organisaties.overheid.nl/static/schema/oo/export/2.6.9");
  CHECK(r->info->timestamp == "2025-03-01T02:00:00+01:00");
  CHECK(r->info->organizations == 11);  // top level only; nested units are not counted

  std::vector<std::string> domains;
  for (auto& [d, e] : r->by_domain) domains.push_back(d);
  CHECK(domains == std::vector<std::string>{"agentschap.example", "commissie.example",
                                            "nattevoeten.example", "rijksoverheid.example",
                                            "uitvoering.example", "voorbeeldland.example",
                                            "voorbeeldstad.example", "xn--bcherei-n2a.example"});
  const auto& g = r->by_domain.at("voorbeeldstad.example");
  CHECK(g.sector == Sector::Gemeente);
  CHECK(g.organization == "Gemeente Voorbeeldstad (shared with: GGD Gemeente Voorbeeldstad)");
  CHECK(tag(g, "source") == "web+mail");
  CHECK(tag(g, "roo_id") == "123456");
  CHECK(tag(g, "roo_type") == "Gemeente");
  CHECK(r->by_domain.at("voorbeeldland.example").sector == Sector::Provincie);
  CHECK(r->by_domain.at("nattevoeten.example").sector == Sector::Waterschap);
  CHECK(r->by_domain.at("rijksoverheid.example").sector == Sector::Rijk);
  CHECK(r->by_domain.at("agentschap.example").sector == Sector::Rijk);
  CHECK(tag(r->by_domain.at("agentschap.example"), "source") == "mail");
  CHECK(r->by_domain.at("uitvoering.example").sector == Sector::Overig);  // ZBO
  CHECK(r->by_domain.at("commissie.example").sector == Sector::Overig);   // no type
  CHECK(r->by_domain.at("xn--bcherei-n2a.example").display == "bücherei.example");

  const auto& rep = r->import.report();
  CHECK(rep.organizations == 11);
  CHECK(rep.ended == 1);
  CHECK(rep.no_type == 1);
  CHECK(rep.bad_values == 1);
  CHECK(rep.without_domain == 1);
  CHECK(rep.without_domain_examples == std::vector<std::string>{"Raad Zonder Adres"});
  CHECK(rep.shared_domains == 1);
  CHECK(rep.per_sector == std::array<std::size_t, 5>{2, 1, 1, 1, 3});
  const std::string text = format_roo_report(rep);
  CHECK_THAT(text, Catch::Contains("ended before 2025-06-01 (skipped): 1"));
  CHECK_THAT(text, Catch::Contains("organisations without a type (put in overig): 1"));
  CHECK_THAT(text, Catch::Contains("Raad Zonder Adres: e-mail address 'geen-adres': no '@'"));
  // Nested units, contact pages and staff addresses never become list entries.
  CHECK(r->csv.find("burgerzaken") == std::string::npos);
  CHECK(r->csv.find("elders") == std::string::npos);
  CHECK(r->csv.find("prive") == std::string::npos);
  CHECK(r->csv.find("opgeheven") == std::string::npos);
  check_output_is_valid_list(r->csv, 8);
}

TEST_CASE("ROO 2.4.10 export (legacy shape)", "[domains][roo]") {
  auto r = import_file("roo-2.4.10.xml");
  REQUIRE(r->info.has_value());
  CHECK(r->info->schema == "https://almanak.overheid.nl/static/schema/oo/export/2.4.10");
  CHECK(r->info->organizations == 8);

  std::vector<std::string> domains;
  for (auto& [d, e] : r->by_domain) domains.push_back(d);
  CHECK(domains == std::vector<std::string>{"bijzonder.example", "ggdvoorbeeld.example",
                                            "minaz.example", "minvz.example", "nieuwstad.example",
                                            "rijksoverheid.example", "uitvoering.example"});
  // Two ministries share one website domain: kept once, the other named.
  CHECK(r->by_domain.at("rijksoverheid.example").organization ==
        "Ministerie van Voorbeeldzaken (shared with: Ministerie van Andere Zaken)");
  CHECK(tag(r->by_domain.at("rijksoverheid.example"), "roo_id") == "1001");
  // base64-encoded e-mail address.
  CHECK(r->by_domain.at("minaz.example").sector == Sector::Rijk);
  // No types: the element name says gemeente; a future eindDatum keeps it; two URLs in
  // one value, one of them a subdomain with a path.
  CHECK(r->by_domain.at("nieuwstad.example").sector == Sector::Gemeente);
  CHECK(tag(r->by_domain.at("nieuwstad.example"), "source") == "web+mail");
  // gemeenschappelijkeRegeling: titel instead of naam.
  CHECK(r->by_domain.at("ggdvoorbeeld.example").organization == "GGD Voorbeeldregio");
  CHECK(r->by_domain.at("uitvoering.example").sector == Sector::Overig);
  CHECK(r->by_domain.at("bijzonder.example").sector == Sector::Overig);

  const auto& rep = r->import.report();
  CHECK(rep.ended == 1);
  CHECK(rep.unknown_types == std::map<std::string, std::size_t>{{"Bijzonder orgaan", 1}});
  CHECK(rep.bad_values == 1);
  CHECK(rep.without_domain == 1);
  const std::string text = format_roo_report(rep);
  CHECK_THAT(text, Catch::Contains("type 'Bijzonder orgaan' is not in the sector table (put in "
                                   "overig): 1 organisation"));
  CHECK_THAT(text, Catch::Contains("Gemeente Zonderweb: website 'http://192.0.2.7/': "
                                   "'192.0.2.7' is an IPv4 address"));
  CHECK(r->csv.find("dg-binnen") == std::string::npos);
  CHECK(r->csv.find("prive") == std::string::npos);
  CHECK(r->csv.find("oudstad") == std::string::npos);
  check_output_is_valid_list(r->csv, 7);
}

TEST_CASE("ROO: default namespace of another version, and no namespace", "[domains][roo]") {
  for (const char* ns : {" xmlns=\"http://almanak.overheid.nl/schema/export/2.0\"", ""}) {
    CAPTURE(ns);
    auto r = import_text(std::string("<overheidsorganisaties") + ns +
                         "><organisaties><organisatie><naam>Provincie X</naam>"
                         "<types><type>Provincie</type></types><contact>"
                         "<internet>https://www.x.example</internet></contact></organisatie>"
                         "</organisaties></overheidsorganisaties>");
    REQUIRE(r->info.has_value());
    REQUIRE(r->by_domain.count("x.example") == 1);
    CHECK(r->by_domain.at("x.example").sector == Sector::Provincie);
  }
}

TEST_CASE("ROO: hostile or wrong XML is an error with a position", "[domains][roo]") {
  struct Row {
    const char* name;
    std::string xml;
    std::string words;
  };
  std::string deep = "<overheidsorganisaties>";
  for (int i = 0; i < 300; ++i) deep += "<a>";
  const Row rows[] = {
      {"not XML", "this is not xml", "malformed XML"},
      {"truncated", "<overheidsorganisaties><organisaties><organisatie>", "malformed XML"},
      {"empty", "", "malformed XML"},
      {"wrong root", "<html><body/></html>", "not a ROO export: the root element is 'html'"},
      {"entity declaration (billion laughs)",
       "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
       "<overheidsorganisaties>&b;</overheidsorganisaties>",
       "entity declarations are not accepted"},
      {"external entity",
       "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
       "<overheidsorganisaties>&x;</overheidsorganisaties>",
       "entity declarations are not accepted"},
      {"nesting too deep", deep, "nested deeper than 256"},
      {"undeclared prefix", "<p:overheidsorganisaties/>", "malformed XML"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    auto r = import_text(row.xml);
    REQUIRE_FALSE(r->info.has_value());
    CHECK_THAT(r->info.error().message, Catch::Contains(row.words));
  }
  auto r = import_text("<overheidsorganisaties>\n<organisaties>\n<x></y>");
  REQUIRE_FALSE(r->info.has_value());
  CHECK(r->info.error().line == 3);
  CHECK(r->info.error().column == 6);
}

TEST_CASE("ROO type table", "[domains][roo]") {
  const std::pair<const char*, Sector> rows[] = {
      {"Gemeente", Sector::Gemeente},
      {"gemeente", Sector::Gemeente},
      {"Provincie", Sector::Provincie},
      {"Waterschap", Sector::Waterschap},
      {"Ministerie", Sector::Rijk},
      {"Agentschap", Sector::Rijk},
      {"Inspectie", Sector::Rijk},
      {"Hoog College van Staat", Sector::Rijk},
      {"Kabinet van de Koning", Sector::Rijk},
      {"Adviescollege", Sector::Rijk},
      {"Zelfstandig bestuursorgaan", Sector::Overig},
      {"Gemeenschappelijke regeling", Sector::Overig},
      {"Politie en brandweer", Sector::Overig},
      {"Rechtspraak", Sector::Overig},
      {"Caribisch openbaar lichaam", Sector::Overig},
      {"Provinciale rekenkamer", Sector::Overig},
  };
  for (auto [type, sector] : rows) {
    CAPTURE(type);
    auto s = roo_type_sector(type);
    REQUIRE(s.has_value());
    CHECK(*s == sector);
  }
  CHECK_FALSE(roo_type_sector("Bijzonder orgaan").has_value());
}

TEST_CASE("ROO website host reduction", "[domains][roo]") {
  const std::pair<const char*, const char*> rows[] = {
      {"https://www.amsterdam.nl/", "amsterdam.nl"},
      {"http://loket.amsterdam.nl/afspraak?x=1", "amsterdam.nl"},
      {"www.x.nl", "x.nl"},
      {"x.nl", "x.nl"},
      {"HTTPS://WWW.X.NL:443/pad", "x.nl"},
      {"https://user@www.x.nl/", "x.nl"},
      {"https://www.gov.sr/", "gov.sr"},
      {"https://www.overheid.gov.sr/", "overheid.gov.sr"},
      {"https://bücherei.example/", "xn--bcherei-n2a.example"},
      {"https://192.0.2.1/", ""},
      {"https://[2001:db8::1]/", ""},
      {"mailto:", ""},
      {"", ""},
  };
  for (auto [url, host] : rows) {
    CAPTURE(url);
    CHECK(roo_website_host(url) == host);
  }
}

TEST_CASE("ROO: organisations arrive while the export is still being read", "[domains][roo]") {
  std::string xml = "<overheidsorganisaties><organisaties>";
  for (int i = 0; i < 5000; ++i)
    xml += "<organisatie><naam>Org " + std::to_string(i) +
           "</naam><types><type>Gemeente</type></types><contact><internet>https://o" +
           std::to_string(i) + ".example</internet></contact></organisatie>";
  xml += "</organisaties></overheidsorganisaties>";
  std::istringstream in(xml);
  std::streamoff read_at_first = -1;
  std::size_t n = 0;
  auto info = read_roo(in, [&](RooOrganization&& o) {
    if (n++ == 0) {
      read_at_first = in.tellg();
      CHECK(o.name == "Org 0");
    }
  });
  REQUIRE(info.has_value());
  CHECK(n == 5000);
  CHECK(read_at_first > 0);
  CHECK(read_at_first < static_cast<std::streamoff>(xml.size()) / 2);
}

TEST_CASE("ROO: control characters XML allows (DEL) never reach the list", "[domains][roo]") {
  // Found by the roo fuzzer: a DEL in an organisation name made an import whose output the
  // list reader rejects. Runs of white space and control characters become one space.
  auto r = import_text(
      "<overheidsorganisaties><organisaties><organisatie><naam>Ministerie van\x7f"
      "Voorbeeld \t zaken</naam><types><type>Ministerie</type></types><contact>"
      "<internet>https://www.vz.example</internet></contact></organisatie>"
      "</organisaties></overheidsorganisaties>");
  REQUIRE(r->info.has_value());
  REQUIRE(r->by_domain.count("vz.example") == 1);
  CHECK(r->by_domain.at("vz.example").organization == "Ministerie van Voorbeeld zaken");
  check_output_is_valid_list(r->csv, 1);
}

TEST_CASE("ROO: names edged with U+00A0 are written as the list reader reads them",
          "[domains][roo][csv]") {
  // Found by the roo fuzzer (CI of 2026-12-06): the list reader trims U+00A0 at a name's ends
  // and the import did not, so a name of only U+00A0 became an empty name (an error in
  // `domains check`), and "U+00A0'=x" lost its apostrophe on the way back (the reader trims
  // before it undoes the formula mark). Names are now written already normalised.
  auto r = import_text(
      "<overheidsorganisaties><organisaties>"
      "<organisatie><naam>\xC2\xA0</naam><types><type>Gemeente</type></types>"
      "<contact><internet>https://www.leeg.example</internet></contact></organisatie>"
      "<organisatie><naam>\xC2\xA0'=x\xC2\xA0</naam><types><type>\xC2\xA0Gemeente</type>"
      "</types><contact><internet>https://www.apos.example</internet></contact></organisatie>"
      "<organisatie><naam>\xC2\xA0Waterschap \xC2\xA0Rand \xC2\xA0</naam><types><type>"
      "Waterschap</type></types><contact><internet>https://www.rand.example</internet>"
      "</contact></organisatie>"
      "</organisaties></overheidsorganisaties>");
  REQUIRE(r->info.has_value());
  CHECK(r->by_domain.at("leeg.example").organization.starts_with("(unnamed organisation"));
  CHECK(r->by_domain.at("apos.example").organization == "'=x");
  CHECK(r->by_domain.at("apos.example").sector == Sector::Gemeente);
  CHECK(r->by_domain.at("rand.example").organization == "Waterschap \xC2\xA0Rand");
  check_output_is_valid_list(r->csv, 3);
  const auto got = organizations_read_back(r->csv);
  for (const auto& [domain, name] : got) {
    CAPTURE(domain);
    CHECK(name == r->by_domain.at(domain).organization);
  }
  CHECK(got.size() == 3);
}

TEST_CASE("ROO: names that look like spreadsheet formulas are neutralised and read back",
          "[domains][roo][csv]") {
  // Organisation names come from a public register and the list is opened in Excel: a name
  // starting with = + - @ must not run as a formula there, and must mean the same name to
  // `domains check` and `scan`.
  auto r = import_text(
      "<overheidsorganisaties><organisaties>"
      "<organisatie><naam>-Gemeente Streep</naam><types><type>Gemeente</type></types>"
      "<contact><internet>https://www.streep.example</internet></contact></organisatie>"
      "<organisatie><naam>=HYPERLINK(\"http://evil\")</naam><types><type>Ministerie</type>"
      "</types><contact><internet>https://www.evil.example</internet></contact></organisatie>"
      "</organisaties></overheidsorganisaties>");
  REQUIRE(r->info.has_value());
  CHECK(r->csv.find("\n'=HYPERLINK") == std::string::npos);  // never a bare formula cell
  CHECK(r->csv.find(",'-Gemeente Streep,") != std::string::npos);
  CHECK(r->csv.find(",\"'=HYPERLINK(\"\"http://evil\"\")\",") != std::string::npos);
  check_output_is_valid_list(r->csv, 2);
  const auto got = organizations_read_back(r->csv);
  CHECK(got.at("streep.example") == "-Gemeente Streep");
  CHECK(got.at("evil.example") == "=HYPERLINK(\"http://evil\")");
}
