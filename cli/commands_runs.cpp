// commands_runs.cpp — `nulmeting runs`: the runs of a database as a table (id, label, started,
// finished, status, domains done/total). Exit 2 for a missing or bad database.
#include "options.hpp"

#include <nulmeting/storage/export.hpp>
#include <nulmeting/storage/reader.hpp>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

namespace nulmeting::cli {

int run_runs(const RunsOptions& o) {
  auto reader = storage::Reader::open(o.db_file);
  if (!reader) {
    spdlog::error("{}", reader.error().message);
    return exit_code_for(reader.error());
  }
  auto runs = reader->runs();
  if (!runs) {
    spdlog::error("{}", runs.error().message);
    return exit_code_for(runs.error());
  }
  if (runs->empty()) {
    fmt::print("no runs in {}\n", o.db_file);
    return kOk;
  }
  fmt::print("{}", storage::format_runs_table(*runs));
  return kOk;
}

}  // namespace nulmeting::cli
