// source.hpp — reads what a report needs from the results database (storage's Reader only)
// and hands it to build_model() (aggregate.hpp).
//
// Called by `nulmeting report`. Which runs feed which part:
// - the reported run: --run (`latest` = newest finished run, or an ID of any status), every
//   domain with its evidence (transcripts, certificate chains and DER are dropped on reading:
//   the report does not show them, and 100k domains must not hold them all in memory);
// - changes: --compare ID, its verdict rows (v_run_verdicts);
// - trends: every FINISHED run in the database plus the reported run if it is not finished
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
