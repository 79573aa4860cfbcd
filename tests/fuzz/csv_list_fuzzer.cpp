// csv_list_fuzzer.cpp — libFuzzer target for the CSV domain list reader (list_reader.hpp).
//
// Besides crashes, leaks and undefined behaviour it checks the reader's promises: every
// entry it hands out has a normalised domain (normalising it again changes nothing), a
// non-empty organisation and a position; every problem has a file name and a message.
#include <nulmeting/domains/domain_name.hpp>
#include <nulmeting/domains/list_reader.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

using namespace nulmeting;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  ListReader reader(in, "fuzz.csv");
  while (auto row = reader.next()) {
    for (const auto& p : row->problems) {
      if (p.message.empty() || format_problem(p).empty()) std::abort();
    }
    if (!row->entry) continue;
    const DomainEntry& e = *row->entry;
    if (e.domain.empty() || e.domain.size() > 253 || e.organization.empty() || e.line == 0)
      std::abort();
    auto again = normalize_domain(e.domain);
    if (!again || again->ascii != e.domain || again->display != e.display) std::abort();
  }
  return 0;
}
