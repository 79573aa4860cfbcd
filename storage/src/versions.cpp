#include <nulmeting/storage/versions.hpp>

#include <sqlite3.h>

namespace nulmeting::storage {
std::string sqlite_version() { return sqlite3_libversion(); }
}  // namespace nulmeting::storage
