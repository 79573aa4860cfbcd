// commands_pending.cpp — subcommands whose issue has not landed yet. Each says so plainly and
// exits 2 (nothing scanned or written). Remove an entry here when its command lands.
#include "options.hpp"

#include <spdlog/spdlog.h>

namespace nulmeting::cli {
namespace {
int not_yet(const char* what, const char* issue) {
  spdlog::error("'{}' is not available yet (it arrives with the issue '{}')", what, issue);
  return kBadInput;
}
}  // namespace

int run_scan(const ScanOptions&) { return not_yet("scan", "nulmeting scan"); }
int run_check(const CheckOptions&) { return not_yet("check", "nulmeting scan"); }
}  // namespace nulmeting::cli
