// metrics.hpp — the Prometheus view of a scan run (node_exporter textfile format).
//
// Who calls it: `nulmeting scan --metrics-file` at the end of every run (finished, aborted, or
// failed to start). Everything is read from the database (the run row, its summary JSON, the
// domain results and the probes), so the file says exactly what `export` and `runs` say; this
// is the one place the metric names are written (README, "Monitoring", lists them).
// Every metric is a gauge: a value of the run the file describes, replaced by the next run.
// Verdict counts carry every value of measurement.md, zeros included, so that an alert on a
// ratio has a defined denominator.
#pragma once

#include <nulmeting/storage/reader.hpp>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace nulmeting::storage {

// The metrics text of run `run_id`, plus the newest finished run of the database (for the
// "no finished run in 36 h" alert). Without a run (the scan failed before its run began), the
// status is "failed" and only the database-wide figures are written; without a reader (no
// readable database) only the status.
std::expected<std::string, StorageError> metrics_text(Reader* reader,
                                                      std::optional<std::int64_t> run_id);

}  // namespace nulmeting::storage
