// commands_report.cpp — `nulmeting report`: the per-sector adoption report of one run.
//
// Reads only through reports::load_report (storage's Reader), renders one format and writes it
// to a temporary file beside -o PATH that is renamed into place, so a failed report never leaves
// a half-written file where a nightly job expects the last good one.
// Exit codes: 0 written; 2 bad input (missing/bad database, no such run, unknown format or
// language, output not writable); 3 internal or I/O error inside storage.
#include "options.hpp"

#include <nulmeting/reports/formats.hpp>
#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/source.hpp>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>

namespace nulmeting::cli {

int run_report(const ReportOptions& o) {
  const auto format = reports::parse_format(o.format);
  const auto lang = reports::parse_lang(o.lang);
  if (!format || !lang) {
    spdlog::error("unknown format '{}' or language '{}'", o.format, o.lang);
    return kBadInput;
  }
  auto model = reports::load_report(o.db_file, o.run, o.compare,
                                    std::string("nulmeting ") + NULMETING_VERSION);
  if (!model) {
    spdlog::error("{}: {}", o.db_file, model.error().message);
    return exit_code_for(model.error());
  }
  const std::string tmp = o.output + ".tmp";
  if (auto ok = reports::write_report(*model, *format, *lang, tmp, o.output); !ok) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    spdlog::error("{}", ok.error());
    return kBadInput;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, o.output, ec);
  if (ec) {
    spdlog::error("cannot move {} to {}: {}", tmp, o.output, ec.message());
    std::filesystem::remove(tmp, ec);
    return kBadInput;
  }
  const auto& t = model->total();
  spdlog::info("report of run {} ({} domains, {} receiving mail, {} protected) written to {}",
               model->run.id, t.domains, t.receives, t.protected_, o.output);
  return kOk;
}

}  // namespace nulmeting::cli
