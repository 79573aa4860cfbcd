// render_html.cpp — the report as ONE self-contained HTML file: inline CSS, inline SVG charts,
// no script, nothing fetched (a Content-Security-Policy says so to the browser too).
//
// Charts are drawn from the same Counts the tables print: 100 % stacked horizontal bars per
// sector (STARTTLS, DANE, DNSSEC, protected, causes), each segment labelled with its share when
// it is wide enough and with a <title> tooltip "x of n"; the denominator is printed at the end
// of every bar. Trends are small multiples, one line chart per sector with three lines.
// Every text from the database goes through html_escape(); SVG text too.
// Print: @media print drops the screen background, keeps the colours (print-color-adjust) and
// avoids breaking a chart or table row across pages.
#include "texts.hpp"

#include <nulmeting/reports/numbers.hpp>
#include <nulmeting/reports/render.hpp>
#include <nulmeting/reports/tables.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace nulmeting::reports {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

namespace {

constexpr std::string_view kCss = R"css(
:root{--good:#1a7f37;--warn:#b7791f;--bad:#cf222e;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0}
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:var(--ink);margin:0;background:#f6f8fa;font-size:14px;line-height:1.4}
main{max-width:1440px;margin:0 auto;padding:24px;background:#fff}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:20px;margin:32px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 4px}
.sub{color:var(--muted);margin:0 0 16px}
.note{color:var(--muted);font-size:13px;margin:4px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:16px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.card .big{font-size:30px;font-weight:bold}
.card .lbl{font-size:13px;color:var(--muted)}
.chart{margin:8px 0 16px;break-inside:avoid}
.chart svg{width:100%;height:auto;display:block}
.trends{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:11.5px;margin:4px 0 12px}
th,td{border:1px solid var(--line);padding:2px 4px;vertical-align:top}
th.rot{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;text-align:left;padding:6px 2px}
table.wide{font-size:10.5px}
table.wide td{padding:2px 3px}
th{background:#eaeef2;text-align:left}
td.w{overflow-wrap:anywhere;min-width:10em}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;background:#f6f8fa}
td.good{background:#dafbe1}
td.warn{background:#fff8c5}
td.bad{background:#ffebe9}
dl.defs dt{font-weight:bold;margin-top:6px}
dl.defs dd{margin:0 0 0 16px}
:target{outline:2px solid #0969da}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media print{
 body{background:#fff;font-size:11px}
 main{max-width:none;padding:0}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 h2{break-after:avoid}
 tr,.card,.chart{break-inside:avoid}
 .scroll{overflow:visible}
 table{font-size:9px}
 @page{size:A4 landscape;margin:12mm}
 .trends{grid-template-columns:repeat(3,1fr)}
}
)css";

struct Segment {
  std::int64_t value;
  std::string_view colour;
  std::string_view label;
  bool dark_text;  // text colour on this fill
};

struct BarRow {
  std::string label;
  std::int64_t denominator;
  std::vector<Segment> segments;
  bool total;
};

std::string fmt_pct(double p, Lang lang) { return format_number(p, 1, lang); }

// A legend row and one 100 % stacked bar per row; the denominator is written after each bar.
std::string stacked_bars(std::string_view title, const std::vector<BarRow>& rows,
                         std::string_view of, std::string_view empty_text, Lang lang) {
  constexpr double kLabelW = 190, kBarW = 820, kRight = 150, kRowH = 30, kBarH = 22;
  const double width = kLabelW + kBarW + kRight;
  // Legend entries flow left to right and wrap to a new line before they leave the chart.
  std::string legend;
  double lx = kLabelW, ly = 6;
  if (!rows.empty()) {
    for (const auto& seg : rows.front().segments) {
      const double w = 30 + 8.2 * static_cast<double>(seg.label.size());
      if (lx + w > width && lx > kLabelW) {
        lx = kLabelW;
        ly += 22;
      }
      legend += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\" stroke=\"#999\" "
          "stroke-width=\"0.5\"/><text x=\"{:.1f}\" y=\"{}\" fill=\"#1f2328\">{}</text>",
          lx, ly, seg.colour, lx + 19, ly + 12, html_escape(seg.label));
      lx += w;
    }
  }
  const double kLegendH = ly + 24;
  const double height = kLegendH + kRowH * static_cast<double>(rows.size()) + 6;
  std::string s = fmt::format(
      "<div class=\"chart\"><h3>{}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
      "{} {}\" role=\"img\" aria-label=\"{}\" font-family=\"DejaVu Sans,Helvetica,Arial,"
      "sans-serif\" font-size=\"14\">",
      html_escape(title), width, height, html_escape(title));
  s += legend;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double y = kLegendH + kRowH * static_cast<double>(i);
    const char* weight = r.total ? " font-weight=\"bold\"" : "";
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\"{}>{}</text>", kLabelW - 10,
                     y + kBarH / 2 + 5, weight, html_escape(r.label));
    if (r.denominator <= 0) {
      s += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#bbb\" "
          "stroke-dasharray=\"4 3\"/><text x=\"{}\" y=\"{}\" fill=\"#59636e\">{}</text>",
          kLabelW, y, kBarW, kBarH, kLabelW + 8, y + kBarH / 2 + 5, html_escape(empty_text));
      continue;
    }
    double x = kLabelW;
    for (const auto& seg : r.segments) {
      if (seg.value <= 0) continue;
      const double w = kBarW * static_cast<double>(seg.value) / static_cast<double>(r.denominator);
      const double p = percent(seg.value, r.denominator);
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" stroke=\"#fff\" "
          "stroke-width=\"1\"><title>{}: {} {} {} ({} %)</title></rect>",
          x, y, w, kBarH, seg.colour, html_escape(seg.label), format_count(seg.value, lang), of,
          format_count(r.denominator, lang), fmt_pct(p, lang));
      const std::string txt = fmt::format("{:.0f}%", p);
      if (w >= 9.0 * static_cast<double>(txt.size()) + 6)
        s += fmt::format(
            "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\" font-size=\"13\" "
            "font-weight=\"bold\">{}</text>",
            x + w / 2, y + kBarH / 2 + 5, seg.dark_text ? "#1f2328" : "#ffffff", txt);
      x += w;
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#59636e\"{}>n = {}</text>",
                     kLabelW + kBarW + 10, y + kBarH / 2 + 5, weight,
                     format_count(r.denominator, lang));
  }
  s += "</svg></div>\n";
  return s;
}

std::string sector_label_of(Lang lang, const std::optional<Sector>& s) {
  return s ? std::string(sector_label(lang, *s)) : std::string(texts(lang).total);
}

// Trend: one small line chart (0-100 %) per sector, three lines.
struct Line {
  std::string_view colour;
  std::string_view label;
  std::int64_t Counts::*num;
  double width;  // 0: drawn as a filled area instead of a line
};
// Drawing order and style keep coinciding series apart (protected <= DANE valid, and they are
// often equal): "protected" is a translucent green area, STARTTLS a wide blue line under a
// narrower purple DANE line, so a line lying on another shows as a halo, never as a blend.

std::string trend_chart(std::string_view title, const std::vector<TrendPoint>& pts,
                        const std::vector<const Counts*>& counts, const std::vector<Line>& lines,
                        Lang lang) {
  constexpr double W = 380, H = 230, L = 44, R = 58, T = 26, B = 34;
  const double pw = W - L - R, ph = H - T - B;
  std::string s = fmt::format(
      "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\" font-family=\"DejaVu Sans,Helvetica,Arial,sans-serif\" "
      "font-size=\"12\"><text x=\"{}\" y=\"16\" font-size=\"14\" font-weight=\"bold\">{}</text>",
      W, H, html_escape(title), L, html_escape(title));
  for (int g = 0; g <= 100; g += 25) {
    const double y = T + ph * (1 - g / 100.0);
    s += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#59636e\">{}%</text>",
        L, L + pw, y, y, g == 0 ? "#8c959f" : "#e5e8eb", L - 4, y + 4, g);
  }
  const std::size_t n = pts.size();
  auto xat = [&](std::size_t i) {
    return n <= 1 ? L + pw / 2 : L + pw * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  // Run dates on the x axis: at most four labels, always the first and the last run.
  const std::size_t step = n <= 4 ? 1 : (n + 2) / 3;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % step != 0 && i + 1 != n) continue;
    if (i + 1 != n && i + step >= n && n > 4) continue;  // too close to the last label
    const std::string date = pts[i].run.started.substr(0, 10);
    s += fmt::format(
        "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"#59636e\" "
        "font-size=\"11\">{}</text>",
        xat(i), H - B + 16, html_escape(date.empty() ? "#" + std::to_string(pts[i].run.id) : date));
  }
  std::string dots;  // drawn after every line, so no line hides a point
  for (const auto& line : lines) {
    std::string path;
    for (std::size_t i = 0; i < n; ++i) {
      const Counts& c = *counts[i];
      if (c.receives <= 0) continue;
      const double y = T + ph * (1 - percent(c.*line.num, c.receives) / 100.0);
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", xat(i), y);
      dots += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{} #{}: {} %"
          "</title></circle>",
          xat(i), y, line.colour, html_escape(line.label), pts[i].run.id,
          fmt_pct(percent(c.*line.num, c.receives), lang));
    }
    if (path.empty()) continue;
    if (line.width > 0) {
      s += fmt::format(
          "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" "
          "stroke-linejoin=\"round\"/>",
          path, line.colour, line.width);
    } else {  // area down to the 0 % line, between the first and last point drawn
      double first_x = -1, last_x = 0;
      for (std::size_t i = 0; i < n; ++i)
        if (counts[i]->receives > 0) {
          if (first_x < 0) first_x = xat(i);
          last_x = xat(i);
        }
      s += fmt::format(
          "<path d=\"{} L{:.1f},{:.1f} L{:.1f},{:.1f} Z\" fill=\"{}\" fill-opacity=\"0.35\" "
          "stroke=\"{}\" stroke-width=\"1\"/>",
          path, last_x, T + ph, first_x, T + ph, line.colour, line.colour);
    }
  }
  s += dots;
  // End labels (last run) for each line, nudged apart so they never overlap.
  if (n > 0 && counts.back()->receives > 0) {
    std::vector<std::pair<double, const Line*>> ends;
    for (const auto& line : lines)
      ends.emplace_back(
          T + ph * (1 - percent(counts.back()->*line.num, counts.back()->receives) / 100.0), &line);
    std::sort(ends.begin(), ends.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < ends.size(); ++i)
      ends[i].first = std::max(ends[i].first, ends[i - 1].first + 13);
    // Pushed below the 0 % line: move the whole stack up so it stays inside the plot.
    if (const double over = ends.back().first - (T + ph); over > 0)
      for (auto& e : ends) e.first -= over;
    for (const auto& [y, line] : ends)
      s += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\" font-weight=\"bold\">{:.0f}%"
          "</text>",
          L + pw + 6, y + 4, line->colour,
          percent(counts.back()->*(line->num), counts.back()->receives));
  } else if (n > 0) {
    s += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#59636e\">n = 0</text>", L + 8, T + ph / 2);
  }
  s += "</svg></div>";
  return s;
}

// The providers most domains depend on (the biggest lever): one bar per provider, its length
// the number of domains, its colour the provider's DANE status.
std::string provider_chart(const ReportModel& m, const Texts& t) {
  constexpr std::size_t kTop = 10;
  constexpr double kLabelW = 230, kBarW = 700, kRight = 230, kRowH = 26, kBarH = 18;
  static constexpr std::string_view kColour[4] = {"#1a7f37", "#8fd19e", "#cf222e", "#c6cbd1"};
  const std::size_t n = std::min(kTop, m.providers.size());
  if (n == 0) return {};
  std::int64_t max = 1;
  for (std::size_t i = 0; i < n; ++i) max = std::max(max, m.providers[i].domains);
  const double legend_h = 30, height = legend_h + kRowH * static_cast<double>(n) + 4;
  std::string s = fmt::format(
      "<div class=\"chart\"><h3>{}</h3><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
      "{} {}\" role=\"img\" aria-label=\"{}\" font-family=\"DejaVu Sans,Helvetica,Arial,"
      "sans-serif\" font-size=\"14\">",
      html_escape(t.c_providers), kLabelW + kBarW + kRight, height, html_escape(t.c_providers));
  double lx = kLabelW;
  for (std::size_t k = 0; k < 4; ++k) {
    s += fmt::format(
        "<rect x=\"{:.1f}\" y=\"6\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"{:.1f}\" "
        "y=\"18\">DANE {}</text>",
        lx, kColour[k], lx + 19, html_escape(t.provider_dane[k]));
    lx += 40 + 8.2 * static_cast<double>(t.provider_dane[k].size() + 5);
  }
  for (std::size_t i = 0; i < n; ++i) {
    const ProviderRow& p = m.providers[i];
    const double y = legend_h + kRowH * static_cast<double>(i);
    const double w =
        std::max(2.0, kBarW * static_cast<double>(p.domains) / static_cast<double>(max));
    const auto k = static_cast<std::size_t>(p.dane);
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" "
        "width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{}: {} {}, DANE {}</title></rect>"
        "<text x=\"{:.1f}\" y=\"{}\" fill=\"#59636e\">{} {} · {} {}</text>",
        kLabelW - 10, y + kBarH / 2 + 5, html_escape(p.provider), kLabelW, y, w, kBarH, kColour[k],
        html_escape(p.provider), p.domains, html_escape(t.domains_short),
        html_escape(t.provider_dane[k]), kLabelW + w + 8, y + kBarH / 2 + 5, p.domains,
        html_escape(t.domains_short), p.protected_domains, html_escape(t.protected_short));
  }
  s += "</svg></div>\n";
  return s;
}

std::string cell_html(const Cell& c, Lang lang) {
  std::string cls;
  if (c.kind == Cell::Kind::Int || c.kind == Cell::Kind::Pct) cls = "n";
  if (c.long_text) cls = "w";
  switch (c.tone) {
    case Tone::Good:
      cls += cls.empty() ? "good" : " good";
      break;
    case Tone::Warn:
      cls += cls.empty() ? "warn" : " warn";
      break;
    case Tone::Bad:
      cls += cls.empty() ? "bad" : " bad";
      break;
    case Tone::Neutral:
      break;
  }
  std::string text = html_escape(c.display(lang));
  if (c.kind == Cell::Kind::Pct) text += "&#8239;%";
  if (!c.anchor.empty()) text = fmt::format("<a href=\"#{}\">{}</a>", html_escape(c.anchor), text);
  return cls.empty() ? "<td>" + text + "</td>" : fmt::format("<td class=\"{}\">{}</td>", cls, text);
}

// Tables longer than kLargeTableRows are folded into a closed <details>: Chromium took minutes
// to lay out the 100k-row detail table of a 100k-domain list, and seconds when it stays folded.
// Rows are appended to `s`, which goes to `out` whenever it has grown past 64 KiB, so a long
// table streams from the model's spool to the file.
void table_html(std::string& s, std::ostream& out, const Table& t, const Texts& tx, Lang lang,
                bool with_title = true) {
  if (with_title) s += fmt::format("<h2 id=\"{}\">{}</h2>\n", t.id, html_escape(t.title));
  if (!t.note.empty()) s += fmt::format("<p class=\"note\">{}</p>\n", html_escape(t.note));
  const std::size_t n = row_count(t);
  const bool fold = n > kLargeTableRows;
  if (fold) s += fmt::format("<details><summary>{} {}</summary>", n, html_escape(tx.rows_hidden));
  // Wide tables of numbers (sectors, TLS items) get vertical headers and a tighter layout, so
  // every column fits on a 1366 px screen and on an A4 page without scrolling; text tables keep
  // theirs level.
  std::size_t numbers = 0;
  if (!t.rows.empty())
    for (const auto& c : t.rows.front())
      numbers += c.kind == Cell::Kind::Int || c.kind == Cell::Kind::Pct ? 1 : 0;
  const bool rotate = t.columns.size() > 12 && 2 * numbers >= t.columns.size();
  s += rotate ? "<div class=\"scroll\"><table class=\"wide\"><thead><tr>"
              : "<div class=\"scroll\"><table><thead><tr>";
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const bool rot = rotate && i > 0 && t.rows.front()[i].kind != Cell::Kind::Text;
    s += (rot ? "<th class=\"rot\">" : "<th>") + html_escape(t.columns[i]) + "</th>";
  }
  s += "</tr></thead><tbody>\n";
  for_each_row(t, [&](const std::vector<Cell>& row, std::size_t i) {
    s += (t.last_row_is_total && i + 1 == n) ? "<tr class=\"total\">" : "<tr>";
    for (const auto& c : row) s += cell_html(c, lang);
    s += "</tr>\n";
    if (s.size() > (64u << 10)) {
      out << s;
      s.clear();
    }
  });
  s += "</tbody></table></div>\n";
  if (fold) s += "</details>\n";
}

// A relative file name as a URL path: everything but unreserved characters percent-encoded.
std::string url_escape(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const auto ch = static_cast<unsigned char>(c);
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
      out += static_cast<char>(ch);
    else
      out += fmt::format("%{:02X}", ch);
  }
  return out;
}

const Table& find(const std::vector<Table>& ts, std::string_view id) {
  for (const auto& t : ts)
    if (t.id == id) return t;
  return ts.front();
}

}  // namespace

void render_html(const ReportModel& m, Lang lang, std::ostream& out) {
  render_html(m, lang, out, {});
}

void render_html(const ReportModel& m, Lang lang, std::ostream& out,
                 std::string_view domains_href) {
  const Texts& t = texts(lang);
  const auto tables = build_tables_streamed(m, lang);
  const Counts& tot = m.total();
  std::string s;
  s += fmt::format(
      "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{} — {} {}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n",
      t.html_lang, html_escape(t.title), t.subtitle_run, m.run.id, kCss);
  s += fmt::format("<h1>{}</h1>\n<p class=\"sub\">{} {}", html_escape(t.title), t.subtitle_run,
                   m.run.id);
  if (!m.run.label.empty()) s += " — " + html_escape(m.run.label);
  s += " · " + html_escape(m.run.started);
  if (!m.run.finished.empty()) s += " – " + html_escape(m.run.finished);
  if (m.run.status != "finished" && !m.run.status.empty())
    s += fmt::format(" ({}: {})", t.unfinished, html_escape(m.run.status));
  if (m.compare) s += fmt::format(" · {} {}", t.compared_with, m.compare->id);
  s += "</p>\n";

  // Headline cards.
  s += "<section class=\"cards\">";
  s += fmt::format(
      "<div class=\"card\"><div class=\"big\">{}</div><div class=\"lbl\">{}</div>"
      "<div class=\"lbl\">{}: {} · {}: {} · {}: {} · {}: {}</div></div>",
      format_count(tot.domains, lang), t.domains_measured, t.receives_mail,
      format_count(tot.receives, lang), t.null_mx, format_count(tot.null_mx, lang), t.no_mail,
      format_count(tot.no_mail, lang), t.mail_error, format_count(tot.mail_error, lang));
  auto card = [&](std::string_view label, std::int64_t n, std::int64_t d) {
    s += fmt::format(
        "<div class=\"card\"><div class=\"big\">{}</div><div class=\"lbl\">{}"
        "</div><div class=\"lbl\">{} {} {}</div></div>",
        d > 0 ? fmt_pct(percent(n, d), lang) + "&#8239;%" : std::string("–"), label,
        format_count(n, lang), t.legend_of, format_count(d, lang));
  };
  card(t.starttls_all, tot.starttls_all, tot.receives);
  card(t.tls_conform, tot.tls_conform, tot.receives);
  card(t.dane_valid, tot.dane_valid, tot.receives);
  card(t.protected_, tot.protected_, tot.receives);
  card(t.dnssec_signed, tot.dnssec_secure, tot.receives);
  s += "</section>\n";
  s += fmt::format("<p class=\"note\">{}</p>\n", html_escape(t.n_headline));

  // Sector charts.
  s += fmt::format("<h2 id=\"charts\">{}</h2>\n", html_escape(t.t_sectors));
  const std::string_view none_text = t.no_mail;
  auto rows_of = [&](auto make) {
    std::vector<BarRow> rows;
    for (const auto& r : m.sectors)
      rows.push_back({sector_label_of(lang, r.sector), r.counts.receives, make(r.counts),
                      !r.sector.has_value()});
    return rows;
  };
  s += stacked_bars(t.c_starttls, rows_of([&](const Counts& c) {
                      return std::vector<Segment>{
                          {c.starttls_all, "#1a7f37", t.starttls_all, false},
                          {c.starttls_partial, "#e3b341", t.starttls_partial, true},
                          {c.starttls_none, "#cf222e", t.starttls_none, false},
                          {c.unreachable, "#8c959f", t.unreachable, false}};
                    }),
                    t.legend_of, none_text, lang);
  s += stacked_bars(t.c_dane, rows_of([&](const Counts& c) {
                      return std::vector<Segment>{
                          {c.dane_valid, "#1a7f37", t.dane_valid, false},
                          {c.dane_partial, "#8fd19e", t.dane_partial, true},
                          {c.dane_untested, "#c6cbd1", t.dane_untested, true},
                          {c.dane_none, "#eaeef2", t.dane_none, true},
                          {c.dane_invalid, "#cf222e", t.dane_invalid, false}};
                    }),
                    t.legend_of, none_text, lang);
  s += stacked_bars("DNSSEC", rows_of([&](const Counts& c) {
                      return std::vector<Segment>{{c.dnssec_secure, "#1a7f37", "secure", false},
                                                  {c.dnssec_insecure, "#eaeef2", "insecure", true},
                                                  {c.dnssec_bogus, "#cf222e", "bogus", false},
                                                  {c.dnssec_error, "#8c959f", "error", false}};
                    }),
                    t.legend_of, none_text, lang);
  s += stacked_bars(t.c_protected, rows_of([&](const Counts& c) {
                      return std::vector<Segment>{
                          {c.protected_, "#1a7f37", t.yes, false},
                          {c.receives - c.protected_, "#eaeef2", t.no, true}};
                    }),
                    t.legend_of, none_text, lang);
  table_html(s, out, find(tables, "headline"), t, lang);
  table_html(s, out, find(tables, "sectors"), t, lang, false);

  // Causes.
  s += fmt::format("<h2 id=\"causes\">{}</h2>\n", html_escape(t.t_causes));
  {
    static constexpr std::string_view kCauseColours[kCauseCount] = {
        "#8250df", "#8c959f", "#cf222e", "#fb8f44", "#bf3989", "#0969da", "#54aeff", "#d0d7de"};
    std::vector<BarRow> rows;
    for (const auto& r : m.causes) {
      BarRow b{sector_label_of(lang, r.sector), r.not_protected, {}, !r.sector.has_value()};
      for (auto c : kAllCauses) {
        const auto i = static_cast<std::size_t>(c);
        const bool dark = c == Cause::NoTlsa || c == Cause::Other;
        b.segments.push_back({r.counts[i], kCauseColours[i], t.cause_label[i], dark});
      }
      rows.push_back(std::move(b));
    }
    s += stacked_bars(t.c_causes, rows, t.legend_of, none_text, lang);
  }
  { table_html(s, out, find(tables, "causes"), t, lang, false); }
  s += fmt::format("<h3>{}</h3><dl class=\"defs\">", html_escape(t.definitions));
  for (auto c : kAllCauses) {
    const auto i = static_cast<std::size_t>(c);
    s += fmt::format("<dt id=\"cause-{}\">{}</dt><dd>{}</dd>", to_string(c),
                     html_escape(t.cause_label[i]), html_escape(t.cause_def[i]));
  }
  s += "</dl>\n";
  table_html(s, out, find(tables, "tls_items"), t, lang);

  // Trends: small multiples, one per sector and the total.
  s += fmt::format("<h2 id=\"trend-charts\">{}</h2>\n", html_escape(t.c_trend));
  const std::vector<Line> lines{{"#1a7f37", t.protected_, &Counts::protected_, 0},
                                {"#0969da", t.starttls_all, &Counts::starttls_all, 6},
                                {"#8250df", t.dane_valid, &Counts::dane_valid, 2.5}};
  s += "<p class=\"note\">";
  for (const auto& l : lines)
    s += fmt::format("<span style=\"color:{};font-weight:bold\">{} {}</span> &#160; ", l.colour,
                     l.width > 0 ? "&#9644;" : "&#9632;", html_escape(l.label));
  s += html_escape(t.n_trend) + "</p>\n<div class=\"trends\">";
  for (std::size_t k = 0; k <= std::size(kAllSectors); ++k) {
    std::vector<const Counts*> cs;
    for (const auto& p : m.trend)
      cs.push_back(k < std::size(kAllSectors) ? &p.sectors[k] : &p.total);
    const std::string title = k < std::size(kAllSectors)
                                  ? std::string(sector_label(lang, kAllSectors[k]))
                                  : std::string(t.total);
    s += trend_chart(title, m.trend, cs, lines, lang);
  }
  s += "</div>\n";

  {
    const Table& pt = find(tables, "providers");
    s += fmt::format("<h2 id=\"providers\">{}</h2>\n", html_escape(pt.title));
    s += provider_chart(m, t);
    table_html(s, out, pt, t, lang, false);
  }
  for (std::string_view id : {"changes", "domains", "trend"}) {
    const Table& tb = find(tables, id);
    if (id == "domains" && !domains_href.empty() && row_count(tb) > kSplitRows) {
      s += fmt::format("<h2 id=\"{}\">{}</h2>\n", tb.id, html_escape(tb.title));
      s += fmt::format("<p class=\"note\">{}</p>\n", html_escape(tb.note));
      s += fmt::format(
          "<p>{} <a href=\"{}\">{}</a></p>\n",
          html_escape(fmt::format(fmt::runtime(t.rows_split),
                                  format_count(static_cast<std::int64_t>(row_count(tb)), lang))),
          html_escape(url_escape(domains_href)), html_escape(t.rows_split_link));
      continue;
    }
    table_html(s, out, tb, t, lang);
  }

  s += fmt::format("<footer>{} {}</footer>\n</main>\n</body>\n</html>\n", t.generated_by,
                   html_escape(m.tool_version));
  out << s;
}

std::string render_html(const ReportModel& m, Lang lang) {
  std::ostringstream out;
  render_html(m, lang, out);
  return std::move(out).str();
}

}  // namespace nulmeting::reports
