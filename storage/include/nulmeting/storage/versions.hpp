// versions.hpp — run-time SQLite version (for `nulmeting version` and the run record).
#pragma once
#include <string>

namespace nulmeting::storage {
std::string sqlite_version();
}  // namespace nulmeting::storage
