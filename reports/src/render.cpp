// render.cpp — write_report(): renders one format and writes it to a file.
#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/tables.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

namespace nulmeting::reports {

namespace {

std::expected<void, std::string> write_file(const std::string& path,
                                            const std::function<void(std::ostream&)>& render) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return std::unexpected("cannot open " + path + ": " + std::strerror(errno));
  render(out);
  out.close();
  if (!out) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return std::unexpected("cannot write " + path);
  }
  return {};
}

}  // namespace

std::expected<void, std::string> write_report(const ReportModel& m, Format format, Lang lang,
                                              const std::string& path,
                                              const std::string& final_path) {
  if (format == Format::Xlsx) return write_xlsx(m, lang, path);
  std::string domains_href;
  if (format == Format::Html && m.domains.size() > kSplitRows) {
    // The per-organisation table goes to a CSV beside the final HTML, written first.
    const std::string fin = final_path.empty() ? path : final_path;
    domains_href = domains_csv_name(fin);
    const std::string csv = (std::filesystem::path(fin).parent_path() / domains_href).string();
    if (auto ok =
            write_file(csv + ".tmp", [&](std::ostream& o) { render_domains_csv(m, lang, o); });
        !ok)
      return ok;
    std::error_code ec;
    std::filesystem::rename(csv + ".tmp", csv, ec);
    if (ec) return std::unexpected("cannot move " + csv + ".tmp to " + csv + ": " + ec.message());
  }
  auto ok = write_file(path, [&](std::ostream& out) {
    switch (format) {
      case Format::Html:
        render_html(m, lang, out, domains_href);
        break;
      case Format::Csv:
        render_csv(m, lang, out);
        break;
      case Format::Markdown:
        render_markdown(m, lang, out);
        break;
      case Format::Json:
        render_json(m, out);
        break;
      case Format::Xlsx:
        break;
    }
  });
  if (!ok) return ok;
  // rows that could not be read back from the spool: the file is incomplete
  if (auto e = m.domains.error()) return std::unexpected(*e);
  return {};
}

}  // namespace nulmeting::reports
