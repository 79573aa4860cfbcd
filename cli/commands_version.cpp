// commands_version.cpp — `nulmeting version`: our version and the run-time versions of the
// libraries that decide verdicts (a figure is only reproducible with these recorded).
#include "options.hpp"

#include <nulmeting/scanner/versions.hpp>
#include <nulmeting/storage/versions.hpp>

#include <fmt/core.h>

namespace nulmeting::cli {
int run_version() {
  fmt::print("nulmeting {}\n", NULMETING_VERSION);
  fmt::print("libunbound {}\n", scanner::libunbound_version());
  fmt::print("libuv {}\n", scanner::libuv_version());
  fmt::print("OpenSSL {}\n", scanner::openssl_version());
  fmt::print("SQLite {}\n", storage::sqlite_version());
  return kOk;
}
}  // namespace nulmeting::cli
