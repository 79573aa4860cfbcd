// database.hpp — the nulmeting results database: opening, schema migrations, shared types.
//
// Who calls it: RunWriter (scan), Reader (export, runs, check, reports) and tests. The schema is
// a list of migration steps indexed by PRAGMA user_version (schema.cpp); opening an older
// database applies the missing steps, each in its own transaction; a database written by a
// newer nulmeting is refused (StorageError::Kind::NewerSchema), never modified.
// Every connection runs with journal_mode=WAL, foreign_keys=ON, synchronous=NORMAL and a busy
// timeout, so readers (export, report) work while a scan writes.
// Text columns hold exactly the to_string names of measurement.hpp (measurement.md): the
// schema CHECKs them, so a renamed value cannot be written without a migration.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nulmeting::storage {

// The schema version this build writes (PRAGMA user_version after migration).
inline constexpr int kSchemaVersion = 7;

// The version of the measurement contract (docs/measurement.md) this build measures by; stored
// with every run (runs.contract_version, schema step 7) so that `merge` refuses shards measured
// under different contracts.
inline constexpr int kContractVersion = 2;

struct StorageError {
  enum class Kind {
    NotFound,     // database file missing
    BadDatabase,  // not a SQLite database, corrupt, or not a nulmeting database
    NewerSchema,  // written by a newer nulmeting: refused
    Locked,       // another scan holds the writer lock
    NoSuchRun,    // --run ID / latest does not exist, or nothing to resume
    Io,           // disk full, permission denied, busy beyond the timeout
    Internal,     // a bug
  };
  Kind kind = Kind::Internal;
  std::string message;
};

enum class RunStatus : std::uint8_t { Running, Finished, Failed, Aborted };
std::string_view to_string(RunStatus);  // "running", "finished", "failed", "aborted"
std::optional<RunStatus> parse_run_status(std::string_view);

// The scanner's start-up route check (measurement.md §2.3): whether it had an IPv4 and an IPv6
// route. Stored per run as JSON {"ipv4":true,"ipv6":false} in runs.routes.
struct RouteCheck {
  bool ipv4 = false;
  bool ipv6 = false;
  bool operator==(const RouteCheck&) const = default;
};

struct RunInfo {
  std::int64_t id = 0;
  std::string started_at;  // ISO 8601 UTC, "2026-11-24T02:00:00Z"
  std::optional<std::string> finished_at;
  RunStatus status = RunStatus::Running;
  std::string label, list_path, list_checksum;
  std::string options_json = "{}", versions_json = "{}";
  std::optional<std::string> summary_json;
  std::int64_t domain_total = 0;     // rows in the list at start
  std::int64_t domains_done = 0;     // domain results stored
  std::int64_t resumes = 0;          // how often `scan --resume` continued this run
  std::optional<RouteCheck> routes;  // absent for runs written before schema 3
};

// The "registrable domain" used to group MX hosts by provider (v_mx_providers): the longest
// public suffix of the ICANN section of the Public Suffix List (libpsl) plus one label; a name
// that is itself a public suffix, and an IP-literal-looking name, are returned whole.
// Case-insensitive, trailing dot optional; the result is lower case.
std::string provider_domain(std::string_view host);

// Current UTC time as ISO 8601 with seconds ("2026-11-24T13:35:26Z").
std::string now_iso8601();

}  // namespace nulmeting::storage
