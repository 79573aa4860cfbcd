// commands_domains.cpp — `nulmeting domains check FILE` and `nulmeting domains import-roo`.
//
// check: reads the whole list (streaming, see list_reader.hpp), prints every problem as
// "file:line:column: error|warning: message" on standard output, then a table per sector.
// Exit 0 when the list is valid (warnings allowed), 2 when any error was found.
//
// import-roo: streams a Register van Overheidsorganisaties export (roo_import.hpp), writes
// the list to a temporary file beside the output and renames it into place only when the
// export was read completely, so a failed import writes nothing (exit 2). What could not be
// mapped goes to standard error with counts.
#include "options.hpp"

#include <nulmeting/domains/list_reader.hpp>
#include <nulmeting/domains/roo_import.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace nulmeting::cli {

int run_domains_check(const DomainsCheckOptions& opts) {
  const ListSummary sum = check_list_file(opts.file);
  for (const auto& p : sum.problems) fmt::print("{}\n", format_problem(p));
  if (!sum.problems.empty()) fmt::print("\n");

  fmt::print("{:<12} {:>8} {:>14}\n", "sector", "domains", "organizations");
  std::size_t orgs = 0;
  for (Sector s : kAllSectors) {
    const auto& c = sum.sectors[static_cast<std::size_t>(s)];
    fmt::print("{:<12} {:>8} {:>14}\n", to_string(s), c.domains, c.organizations);
    orgs += c.organizations;
  }
  fmt::print("{:<12} {:>8} {:>14}\n", "total", sum.entries, orgs);
  if (sum.ok()) {
    fmt::print("{}: valid: {} domain{}, {} warning{}\n", opts.file, sum.entries,
               sum.entries == 1 ? "" : "s", sum.warnings, sum.warnings == 1 ? "" : "s");
    return kOk;
  }
  fmt::print(
      "{}: NOT valid: {} error{}, {} warning{}; fix the errors above (a scan refuses "
      "this list)\n",
      opts.file, sum.errors, sum.errors == 1 ? "" : "s", sum.warnings,
      sum.warnings == 1 ? "" : "s");
  return kBadInput;
}

int run_import_roo(const ImportRooOptions& opts) {
  std::ifstream in(opts.export_file, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "{}: cannot open the file\n", opts.export_file);
    return kBadInput;
  }
  RooImport import;
  if (auto r = read_roo(in, [&](RooOrganization&& org) { import.add(std::move(org)); }); !r) {
    fmt::print(stderr, "{}:{}:{}: error: {}\nnothing written\n", opts.export_file, r.error().line,
               r.error().column, r.error().message);
    return kBadInput;
  } else {
    import.set_export_info(opts.export_file, r->timestamp, r->schema);
  }
  const RooReport& rep = import.report();
  if (import.entry_count() == 0) {
    fmt::print(stderr, "{}", format_roo_report(rep));
    fmt::print(stderr, "{}: no domains found (is this a ROO export?); nothing written\n",
               opts.export_file);
    return kBadInput;
  }

  const std::filesystem::path out_path(opts.output);
  std::filesystem::path tmp = out_path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      fmt::print(stderr, "{}: cannot write\n", tmp.string());
      return kBadInput;
    }
    import.write_csv(out);
    out.flush();
    if (!out) {
      fmt::print(stderr, "{}: write failed\n", tmp.string());
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return kBadInput;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out_path, ec);
  if (ec) {
    fmt::print(stderr, "{}: cannot rename to {}: {}\n", tmp.string(), opts.output, ec.message());
    std::filesystem::remove(tmp, ec);
    return kBadInput;
  }
  fmt::print(stderr, "{}", format_roo_report(rep));
  fmt::print(stderr, "{}: {} domains written\n", opts.output, import.entry_count());
  return kOk;
}

}  // namespace nulmeting::cli
