// versions.hpp — run-time versions of the C libraries the scanner uses (for `nulmeting version`
// and the run record): what is loaded, not what was compiled against.
#pragma once
#include <string>

namespace nulmeting::scanner {
std::string libunbound_version();
std::string libuv_version();
std::string openssl_version();
}  // namespace nulmeting::scanner
