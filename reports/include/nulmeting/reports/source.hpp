// source.hpp — reads what a report needs from the results database (storage's Reader only)
// and streams it into an Aggregator (aggregate.hpp).
//
// Called by `nulmeting report`. Which runs feed which part:
// - the reported run: --run (`latest` = newest finished run, or an ID of any status), every
//   domain with its evidence, streamed into the Aggregator one domain at a time (its report
//   row goes to a temporary spool file, so 100k domains never sit in memory);
// - changes: --compare ID, its verdict rows (v_run_verdicts);
// - trends: verdict rows of every FINISHED run in the database plus the reported run if it is not
// finished
//   (an aborted half run would otherwise show as a fall in every sector).
#pragma once

#include <nulmeting/reports/model.hpp>
#include <nulmeting/storage/database.hpp>

#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace nulmeting::reports {

std::expected<ReportModel, storage::StorageError> load_report(
    const std::string& db_path, std::string_view run_spec,
    const std::optional<std::string>& compare_spec, const std::string& tool_version);

}  // namespace nulmeting::reports
