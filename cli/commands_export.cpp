// commands_export.cpp — `nulmeting export`: one run of the database as JSONL or CSV
// (interface.md). Streams domain by domain. With -o, writes PATH.tmp and renames it into place,
// so a failed export never leaves a truncated file behind.
// Exit codes: 0 written; 2 missing/bad database or unknown run; 3 write or internal error.
#include "options.hpp"

#include <nulmeting/storage/export.hpp>
#include <nulmeting/storage/reader.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace nulmeting::cli {

int run_export(const ExportOptions& o) {
  auto reader = storage::Reader::open(o.db_file);
  if (!reader) {
    spdlog::error("{}", reader.error().message);
    return exit_code_for(reader.error());
  }
  auto run = reader->resolve_run(o.run);
  if (!run) {
    spdlog::error("{}", run.error().message);
    return exit_code_for(run.error());
  }
  if (run->status != storage::RunStatus::Finished)
    spdlog::warn("run {} is {}: exporting the {} domains stored so far", run->id,
                 storage::to_string(run->status), run->domains_done);

  auto write = [&](std::ostream& out) {
    return o.format == "csv" ? storage::export_csv(*reader, run->id, out)
                             : storage::export_jsonl(*reader, run->id, out);
  };

  if (o.output.empty() || o.output == "-") {
    std::ios::sync_with_stdio(false);
    auto n = write(std::cout);
    std::cout.flush();
    if (!n || !std::cout) {
      spdlog::error("export failed: {}", n ? "write error on standard output" : n.error().message);
      return n ? kInternal : exit_code_for(n.error());
    }
    spdlog::info("exported {} domains of run {}", *n, run->id);
    return kOk;
  }

  std::string tmp = o.output + ".tmp";
  std::expected<std::int64_t, storage::StorageError> n;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      spdlog::error("cannot write {}", tmp);
      return kBadInput;
    }
    n = write(out);
    out.close();
    if (n && !out)
      n = std::unexpected(
          storage::StorageError{storage::StorageError::Kind::Io, "write error on " + tmp});
  }
  std::error_code ec;
  if (!n) {
    std::filesystem::remove(tmp, ec);
    spdlog::error("export failed: {}", n.error().message);
    return exit_code_for(n.error());
  }
  std::filesystem::rename(tmp, o.output, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    spdlog::error("cannot move the export into place at {}", o.output);
    return kInternal;
  }
  spdlog::info("exported {} domains of run {} to {}", *n, run->id, o.output);
  return kOk;
}

}  // namespace nulmeting::cli
