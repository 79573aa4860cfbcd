// csv_writer.cpp — RFC 4180 quoting and formula neutralisation (see csv_writer.hpp).
#include <nulmeting/domains/csv_writer.hpp>

namespace nulmeting::csv {
namespace {

bool formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

// True when `text` is some apostrophes (maybe none) followed by a formula character.
bool needs_mark(std::string_view text) {
  const auto first = text.find_first_not_of('\'');
  return first != std::string_view::npos && formula_start(text[first]);
}

bool needs_quotes(std::string_view v) {
  return v.find_first_of(",;\"\r\n\t") != std::string_view::npos || v.starts_with('#') ||
         v.starts_with(' ') || v.ends_with(' ');
}

}  // namespace

std::string neutralise(std::string_view text) {
  std::string out;
  if (needs_mark(text)) out.push_back('\'');
  out += text;
  return out;
}

std::string_view restore(std::string_view cell) {
  if (cell.starts_with('\'') && needs_mark(cell.substr(1))) cell.remove_prefix(1);
  return cell;
}

std::string field(std::string_view value, Kind kind) {
  std::string v = kind == Kind::Text ? neutralise(value) : std::string(value);
  if (!needs_quotes(v)) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string record(std::span<const std::string> fields, std::string_view eol) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) out.push_back(',');
    out += field(fields[i]);
  }
  out += eol;
  return out;
}

std::string record(std::initializer_list<std::string_view> fields, std::string_view eol) {
  std::string out;
  bool first = true;
  for (auto f : fields) {
    if (!first) out.push_back(',');
    first = false;
    out += field(f);
  }
  out += eol;
  return out;
}

std::string comment(std::string_view text, std::string_view eol) {
  std::string out = "# ";
  std::string piece;
  auto flush = [&] {
    out += neutralise(piece);
    piece.clear();
  };
  for (char c : text) {
    if (c == '\r' || c == '\n') c = ' ';
    if (c == ',' || c == ';' || c == '\t') {
      flush();
      out.push_back(c);
      continue;
    }
    piece.push_back(c);
  }
  flush();
  out += eol;
  return out;
}

}  // namespace nulmeting::csv
