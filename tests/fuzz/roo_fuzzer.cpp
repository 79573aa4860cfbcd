// roo_fuzzer.cpp — libFuzzer target for the ROO export reader and import (roo_import.hpp).
//
// Besides crashes, leaks and undefined behaviour it checks that whatever the import writes
// is itself a list that `domains check` accepts without errors or warnings, and that reads
// back row by row exactly as written (names included: the import writes them normalised).
#include <nulmeting/domains/list_reader.hpp>
#include <nulmeting/domains/roo_import.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

using namespace nulmeting;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  RooImport import("2025-06-01");
  auto info = read_roo(in, [&](RooOrganization&& org) { import.add(std::move(org)); });
  (void)format_roo_report(import.report());
  if (!info) {
    if (info.error().message.empty()) std::abort();
    return 0;
  }
  // No domains: the command writes nothing (exit 2), so there is no list to check.
  if (import.entry_count() == 0) return 0;
  import.set_export_info("fuzz.xml", info->timestamp, info->schema);
  std::stringstream csv;
  import.write_csv(csv);
  const ListSummary sum = check_list(csv, "import.csv");
  if (sum.errors != 0 || sum.warnings != 0 || sum.entries != import.entry_count()) std::abort();
  // Round trip: every row reads back as the import wrote it (formula-neutralised names too).
  csv.clear();
  csv.seekg(0);
  ListReader reader(csv, "import.csv");
  const auto& written = import.entries();
  std::size_t i = 0;
  while (auto row = reader.next()) {
    if (!row->entry || i >= written.size()) std::abort();
    const auto& e = *row->entry;
    if (e.domain != written[i].domain || e.organization != written[i].organization ||
        e.sector != written[i].sector)
      std::abort();
    ++i;
  }
  if (i != written.size()) std::abort();
  return 0;
}
