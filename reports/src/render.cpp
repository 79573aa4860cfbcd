// render.cpp — write_report(): renders one format and writes it to a file.
#include <nulmeting/reports/render.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace nulmeting::reports {

std::expected<void, std::string> write_report(const ReportModel& m, Format format, Lang lang,
                                              const std::string& path) {
  std::string text;
  switch (format) {
    case Format::Xlsx:
      return write_xlsx(m, lang, path);
    case Format::Html:
      text = render_html(m, lang);
      break;
    case Format::Csv:
      text = render_csv(m, lang);
      break;
    case Format::Markdown:
      text = render_markdown(m, lang);
      break;
    case Format::Json:
      text = render_json(m);
      break;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return std::unexpected("cannot open " + path + ": " + std::strerror(errno));
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return std::unexpected("cannot write " + path);
  return {};
}

}  // namespace nulmeting::reports
