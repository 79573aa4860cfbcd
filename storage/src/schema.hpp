// schema.hpp — internal: opening a connection with the house pragmas, and the migration list.
#pragma once

#include "sqlite.hpp"

#include <nulmeting/storage/database.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace nulmeting::storage::detail {

// ExistingSchema: readers; the file must exist and already hold a nulmeting schema (an empty
// file is refused rather than given tables). ExistingOnly: the file must exist (resume).
enum class OpenMode { ExistingSchema, ExistingOnly, CreateIfMissing };

// Opens (or creates) the database, sets WAL, foreign keys, busy timeout, then migrates it to
// `target` (kSchemaVersion unless a test wants an older schema). Throws SqlError or
// StorageFailure.
class StorageFailure : public std::runtime_error {
 public:
  explicit StorageFailure(StorageError e) : std::runtime_error(e.message), error(std::move(e)) {}
  StorageError error;
};
SqlitePtr open_database(const std::string& path, OpenMode mode, int target = kSchemaVersion);

// Applies the missing migration steps up to target, each step in its own transaction.
void migrate(sqlite3* db, int target);
int user_version(sqlite3* db);

// Converts an exception caught at a public entry point into a StorageError.
StorageError to_storage_error(const std::exception& e);

}  // namespace nulmeting::storage::detail
