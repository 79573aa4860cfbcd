// roo_import.hpp — Register van Overheidsorganisaties (ROO) XML export → domain list.
//
// Who calls: `nulmeting domains import-roo` and the ROO fuzz target.
//
// read_roo() streams the export through expat (a SAX parser: memory stays bounded however
// large the export; docs/decisions/domain-lists.md says why expat) and hands every
// top-level organisation to a callback. Elements are matched on their local names only,
// because the namespace URI changes with every schema version (2.0, 2.4.x, 2.6.x). It
// understands both shapes of roo-export-format.md:
//   2.4.x: root/<collection>/<organisation>/contact/internet, contact/emailadres
//   2.6.x: root/organisaties/organisatie/contact/internetadressen/internetadres/url,
//          contact/emailadressen/emailadres/email
// Nested units (organisatie/organisaties/organisatie) and staff (functies/.../medewerker)
// are not organisations of the list and are never read.
//
// RooImport turns organisations into list entries: sector from the type table below
// (roo_type_sector), domains from website URLs (reduced to the registrable domain) and
// e-mail addresses (the part after '@', taken as is), ended organisations skipped, a domain
// used by several organisations kept once under the highest-priority one (gemeente >
// provincie > waterschap > rijk > overig, the rule of the bundled list). Everything it
// could not map is counted in RooReport.
//
// Security: DTDs may not declare entities (rejected), expat never loads external entities,
// and expat >= 2.4 limits entity amplification. Not thread-safe; one reader per stream.
#pragma once

#include <nulmeting/domains/domain_list.hpp>

#include <array>
#include <cstddef>
#include <expected>
#include <functional>
#include <istream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting {

struct RooOrganization {
  std::string id;       // systeemId (2.6.x attribute) or systemId/systemId (2.4.x)
  std::string name;     // naam, or titel/citeertitel for gemeenschappelijke regelingen
  std::string element;  // local name of the organisation element ("organisatie", "gemeente")
  std::vector<std::string> types;  // types/type
  std::string end_date;            // eindDatum as written
  std::vector<std::string> websites;
  std::vector<std::string> emails;
  std::size_t line = 0;
};

struct RooExportInfo {
  std::string schema;     // namespace URI of the root element (tells the version)
  std::string timestamp;  // root @timestamp, if any
  std::size_t organizations = 0;
};

struct RooError {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;
};

// Streams the export; calls on_org for every top-level organisation. Malformed XML, a root
// that is not `overheidsorganisaties`, entity declarations or nesting deeper than 256 are
// errors (the callback may already have been called for earlier organisations).
std::expected<RooExportInfo, RooError> read_roo(
    std::istream& in, const std::function<void(RooOrganization&&)>& on_org);

// The documented type → sector table (README "Domain lists"; case-insensitive). nullopt for
// a type not in the table.
std::optional<Sector> roo_type_sector(std::string_view type);

struct RooReport {
  std::string file, schema, timestamp, today;
  std::size_t organizations = 0;
  std::size_t ended = 0;           // eindDatum before today: skipped
  std::size_t without_domain = 0;  // no usable website or e-mail domain
  std::vector<std::string> without_domain_examples;
  std::size_t without_name = 0;
  std::size_t no_type = 0;                           // no type at all: put in overig
  std::map<std::string, std::size_t> unknown_types;  // type not in the table: put in overig
  std::size_t bad_values = 0;  // website/e-mail values without a usable domain
  std::vector<std::string> bad_value_examples;
  std::size_t bad_end_dates = 0;   // eindDatum unreadable: organisation kept
  std::size_t shared_domains = 0;  // domains used by more than one organisation
  std::array<std::size_t, std::size(kAllSectors)> per_sector{};
};

class RooImport {
 public:
  // today: "YYYY-MM-DD" (UTC); empty means the current date.
  explicit RooImport(std::string today = {});

  void add(RooOrganization&& org);
  void set_export_info(std::string file, std::string timestamp, std::string schema);

  const RooReport& report() const { return report_; }
  std::size_t entry_count() const { return domains_.size(); }
  // Sorted by sector (report order), organisation, domain. Tags: source, roo_id, roo_type.
  std::vector<DomainEntry> entries() const;
  // The list in interface.md format, with a comment line naming the export.
  void write_csv(std::ostream& out) const;

 private:
  struct Acc {
    std::string display;
    std::string organization;
    Sector sector = Sector::Overig;
    std::string id, type;
    bool web = false, mail = false;
    std::vector<std::string> shared_with;
  };
  void add_domain(const std::string& ascii, const std::string& display, const RooOrganization& org,
                  Sector sector, const std::string& type, bool mail);

  std::map<std::string, Acc> domains_;
  RooReport report_;
};

// Human-readable summary of a report (several lines, for standard error).
std::string format_roo_report(const RooReport&);

// Host of a website value (scheme, user info, port, path and "www." removed), reduced to
// the registrable domain; empty when there is no host. Exposed for tests.
std::string roo_website_host(std::string_view url);

}  // namespace nulmeting
