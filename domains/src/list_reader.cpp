// list_reader.cpp — streaming CSV domain list reader (see list_reader.hpp).
//
// Two layers: Scanner turns bytes into records (RFC 4180 state machine with line/column
// tracking and size caps), ListReader::Impl turns records into DomainEntry values and
// problems. Lenient where a spreadsheet's output is unambiguous (stray quote inside an
// unquoted field, spaces before an opening quote, trailing empty cells), strict where a
// mistake could move a domain to the wrong organisation or sector (extra non-empty fields,
// unknown sectors, text after a closing quote).
#include <nulmeting/domains/csv_writer.hpp>
#include <nulmeting/domains/domain_name.hpp>
#include <nulmeting/domains/list_reader.hpp>
#include <nulmeting/domains/string_table.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>
#include <utility>

namespace nulmeting {
namespace {

constexpr std::size_t kMaxField = 4096;
constexpr std::size_t kMaxFields = 256;
constexpr std::size_t kMaxHeader = 64 * 1024;
constexpr std::size_t kBufferSize = 64 * 1024;

struct Field {
  std::string value;
  std::size_t line = 0;
  bool quoted = false;
  bool overflow = false;  // longer than kMaxField; value truncated
  std::size_t quote_line = 0;
};

struct Record {
  std::vector<Field> fields;
  std::size_t line = 0;
  bool comment = false;
  bool too_many_fields = false;
  std::vector<std::pair<std::size_t, std::string>> syntax_errors;  // (column, message)
  std::vector<std::pair<std::size_t, std::string>> syntax_warnings;
  bool unterminated = false;
};

// Byte source with one byte of look-ahead and physical line counting.
class Scanner {
 public:
  explicit Scanner(std::istream& in) : in_(in), buf_(kBufferSize) {}

  int peek() {
    if (pos_ == len_ && !fill()) return -1;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  int get() {
    int c = peek();
    if (c >= 0) ++pos_;
    return c;
  }
  std::size_t line() const { return line_; }

  // Consumes a line end starting with c ('\n', '\r' or "\r\n"); true if c was one.
  bool line_end(int c) {
    if (c == '\n') {
      ++line_;
      return true;
    }
    if (c == '\r') {
      if (peek() == '\n') get();
      ++line_;
      return true;
    }
    return false;
  }

  // One physical line without its line end (at most `max` bytes kept).
  std::string raw_line(std::size_t max, bool& too_long) {
    std::string out;
    for (int c = get(); c >= 0 && !line_end(c); c = get()) {
      if (out.size() < max)
        out.push_back(static_cast<char>(c));
      else
        too_long = true;
    }
    return out;
  }

  // Reads one record with separator `sep`. nullopt at end of input.
  std::optional<Record> record(char sep) {
    if (peek() < 0) return std::nullopt;
    Record r;
    r.line = line_;
    if (peek() == '#') {
      r.comment = true;
      for (int c = get(); c >= 0 && !line_end(c); c = get()) {
      }
      return r;
    }
    for (;;) {
      Field f;
      f.line = line_;
      const std::size_t column = r.fields.size() + 1;
      auto append = [&](char ch) {
        if (f.value.size() < kMaxField)
          f.value.push_back(ch);
        else
          f.overflow = true;
      };
      bool end_of_record = false;
      // Unquoted part (possibly only leading blanks before an opening quote).
      for (;;) {
        int c = get();
        if (c < 0) {
          end_of_record = true;
          break;
        }
        if (c == sep) break;
        if (line_end(c)) {
          end_of_record = true;
          break;
        }
        if (c == '"' &&
            std::ranges::all_of(f.value, [](char ch) { return ch == ' ' || ch == '\t'; })) {
          f.quoted = true;
          f.value.clear();
          f.quote_line = line_;
          end_of_record = quoted(r, f, sep, column);
          break;
        }
        if (c == '"')
          r.syntax_warnings.emplace_back(column,
                                         "stray '\"' inside an unquoted field (kept as "
                                         "text; quote the whole field and double the "
                                         "quote to be explicit)");
        append(static_cast<char>(c));
      }
      if (r.fields.size() < kMaxFields)
        r.fields.push_back(std::move(f));
      else
        r.too_many_fields = true;
      if (end_of_record || r.unterminated) return r;
    }
  }

 private:
  // Inside a quoted field, after the opening quote. Returns true at the end of the record.
  bool quoted(Record& r, Field& f, char sep, std::size_t column) {
    for (;;) {
      int c = get();
      if (c < 0) {
        r.unterminated = true;
        r.syntax_errors.emplace_back(
            column, fmt::format("the quote opened at line {} is never closed (the rest of the "
                                "file was read as one field)",
                                f.quote_line));
        return true;
      }
      if (c == '"') {
        if (peek() == '"') {
          get();
          put(f, '"');
          continue;
        }
        break;  // closing quote
      }
      if (c == '\r' || c == '\n') {
        line_end(c);
        put(f, '\n');
        continue;
      }
      put(f, static_cast<char>(c));
    }
    // After the closing quote: blanks, then separator, line end or end of input.
    bool reported = false;
    for (;;) {
      int c = get();
      if (c < 0) return true;
      if (c == sep) return false;
      if (line_end(c)) return true;
      if (c == ' ' || c == '\t') continue;
      if (!reported) {
        r.syntax_errors.emplace_back(column,
                                     "text after the closing quote (double every quote "
                                     "inside a quoted field: \"\")");
        reported = true;
      }
    }
  }

  static void put(Field& f, char ch) {
    if (f.value.size() < kMaxField)
      f.value.push_back(ch);
    else
      f.overflow = true;
  }

  bool fill() {
    if (!in_) return false;
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    len_ = static_cast<std::size_t>(in_.gcount());
    pos_ = 0;
    return len_ > 0;
  }

  std::istream& in_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  std::size_t line_ = 1;
};

// Returns the byte offset of the first invalid UTF-8 sequence, or npos. Rejects overlong
// forms, surrogates and code points above U+10FFFF (RFC 3629).
std::size_t invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return i;
      auto d = static_cast<unsigned char>(s[i + k]);
      unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
      if (d < l || d > h) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

// ASCII white space and U+00A0 (spreadsheets paste non-breaking spaces around values).
std::string trim(std::string_view s) {
  for (;;) {
    if (!s.empty() &&
        (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
      s.remove_prefix(1);
    else if (s.starts_with("\xC2\xA0"))
      s.remove_prefix(2);
    else if (!s.empty() &&
             (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
      s.remove_suffix(1);
    else if (s.ends_with("\xC2\xA0"))
      s.remove_suffix(2);
    else
      return std::string(s);
  }
}

// Collapses runs of white space (including line breaks from quoted fields) to one space.
std::string collapse_space(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string sector_choices() {
  std::string out;
  for (std::size_t i = 0; i < std::size(kAllSectors); ++i) {
    if (i > 0) out += i + 1 == std::size(kAllSectors) ? " or " : ", ";
    out += to_string(kAllSectors[i]);
  }
  return out;
}

// Short, printable excerpt of a value for messages.
std::string excerpt(std::string_view s, std::size_t max = 40) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  if (s.size() > max) out += "...";
  return out;
}

enum class Col { Domain, Organization, Sector, Tag };

Col column_kind(std::string_view name) {
  const std::string n = lower(trim(name));
  if (n == "domain" || n == "domein") return Col::Domain;
  if (n == "organization" || n == "organisation" || n == "organisatie") return Col::Organization;
  if (n == "sector") return Col::Sector;
  return Col::Tag;
}

// The first row of each domain, for duplicate warnings. Indexed by the domain's id in
// ListReader::Impl::domains. Its organisation is an id in ListReader::Impl::organizations,
// whose keys are the sector's byte followed by the name: one copy per distinct (sector,
// organisation), which is also what `domains check` counts.
struct FirstRow {
  std::uint64_t line;
  StringTable::Id organization;
};

std::string organization_key(Sector s, std::string_view name) {
  std::string key(1, static_cast<char>(s));
  key += name;
  return key;
}

}  // namespace

std::string normalize_organization(std::string_view name) { return trim(collapse_space(name)); }

std::string format_problem(const ListProblem& p) {
  const char* sev = p.severity == Severity::Error ? "error" : "warning";
  if (p.line == 0) return fmt::format("{}: {}: {}", p.file, sev, p.message);
  if (p.column == 0) return fmt::format("{}:{}: {}: {}", p.file, p.line, sev, p.message);
  return fmt::format("{}:{}:{}: {}: {}", p.file, p.line, p.column, sev, p.message);
}

struct ListReader::Impl {
  Impl(std::istream& in, std::string name) : scanner(in), file(std::move(name)) {}

  Scanner scanner;
  std::string file;
  char sep = ',';
  bool started = false;
  bool finished = false;
  std::vector<std::string> header;
  std::vector<Col> kinds;
  std::size_t col_domain = 0, col_org = 0, col_sector = 0;
  StringTable domains;               // every accepted domain (A-label)
  std::vector<FirstRow> first_rows;  // by domain id
  StringTable organizations;         // organization_key() of the first rows
  std::array<std::size_t, std::size(kAllSectors)> organization_counts{};

  ListProblem problem(Severity s, std::size_t line, std::size_t column, std::string msg) const {
    return ListProblem{s, file, line, column, std::move(msg)};
  }

  // BOM handling and the header. Returns a fatal problem row, or nullopt when ready.
  std::optional<ListRow> start() {
    started = true;
    int b0 = scanner.peek();
    if (b0 == 0xEF) {
      scanner.get();
      if (scanner.get() != 0xBB || scanner.get() != 0xBF)
        return fatal(1, 1, "invalid UTF-8 at the start of the file");
    } else if (b0 == 0xFF || b0 == 0xFE) {
      return fatal(1, 0,
                   "the file is UTF-16 (starts with a UTF-16 byte order mark); save it "
                   "as 'CSV UTF-8'");
    }
    // The header is read as one physical line first, to choose the separator from it.
    bool sep_given = false;
    for (;;) {
      if (scanner.peek() < 0)
        return fatal(0, 0,
                     "the file has no header line (expected "
                     "'domain,organization,sector')");
      const std::size_t line = scanner.line();
      bool too_long = false;
      std::string raw = scanner.raw_line(kMaxHeader, too_long);
      if (too_long)
        return fatal(line, 0, fmt::format("header line longer than {} bytes", kMaxHeader));
      if (raw.starts_with('#')) continue;
      if (raw.find_first_not_of(" \t,;") == std::string::npos) continue;  // blank
      // Excel's "sep=;" line names the separator.
      if (raw.size() == 5 && lower(raw.substr(0, 4)) == "sep=") {
        sep = raw[4];
        sep_given = true;
        continue;
      }
      if (!sep_given) sep = detect_separator(raw);
      std::istringstream header_in(raw);
      Scanner hs(header_in);
      auto rec = hs.record(sep);
      if (!rec) return fatal(line, 0, "empty header");
      rec->line = line;
      return read_header(*rec);
    }
  }

  // The most frequent of ',', ';' and TAB outside quotes; ',' on a tie.
  static char detect_separator(std::string_view raw) {
    std::size_t comma = 0, semi = 0, tab = 0;
    bool quoted = false;
    for (char c : raw) {
      if (c == '"') quoted = !quoted;
      if (quoted) continue;
      comma += c == ',';
      semi += c == ';';
      tab += c == '\t';
    }
    if (semi > comma && semi >= tab) return ';';
    if (tab > comma && tab > semi) return '\t';
    return ',';
  }

  std::optional<ListRow> fatal(std::size_t line, std::size_t col, std::string msg) {
    finished = true;
    ListRow row;
    row.problems.push_back(problem(Severity::Error, line, col, std::move(msg)));
    return row;
  }

  static bool is_blank(const Record& r) {
    if (r.unterminated) return false;
    return std::ranges::all_of(r.fields, [](const Field& f) { return trim(f.value).empty(); });
  }

  std::optional<ListRow> read_header(Record& rec) {
    std::vector<std::string> names;
    for (auto& f : rec.fields) names.push_back(f.value);
    if (auto bad = std::ranges::find_if(
            names, [](const std::string& n) { return invalid_utf8(n) != std::string_view::npos; });
        bad != names.end())
      return fatal(rec.line, static_cast<std::size_t>(bad - names.begin()) + 1,
                   "invalid UTF-8 in the header (save the file as 'CSV UTF-8')");
    std::size_t found[3] = {0, 0, 0};
    for (std::size_t i = 0; i < names.size(); ++i) {
      std::string name = trim(names[i]);
      if (name.starts_with('"') && name.ends_with('"') && name.size() >= 2)
        name = name.substr(1, name.size() - 2);
      Col k = column_kind(name);
      kinds.push_back(k);
      header.push_back(name.empty() ? fmt::format("column {}", i + 1) : name);
      if (k == Col::Tag) continue;
      auto& slot = found[static_cast<int>(k)];
      if (slot != 0)
        return fatal(rec.line, i + 1,
                     fmt::format("column '{}' appears twice in the header (columns {} and {})",
                                 name, slot, i + 1));
      slot = i + 1;
    }
    std::vector<std::string> missing;
    if (found[0] == 0) missing.emplace_back("domain");
    if (found[1] == 0) missing.emplace_back("organization");
    if (found[2] == 0) missing.emplace_back("sector");
    if (!missing.empty()) {
      std::string got;
      for (auto& h : header) got += (got.empty() ? "'" : ", '") + excerpt(h) + "'";
      return fatal(rec.line, 0,
                   fmt::format("the header has no {} column{} (the first line that is not a "
                               "comment must be the header 'domain,organization,sector'; found "
                               "{})",
                               fmt::join(missing, ", "), missing.size() > 1 ? "s" : "", got));
    }
    col_domain = found[0] - 1;
    col_org = found[1] - 1;
    col_sector = found[2] - 1;
    return std::nullopt;
  }

  std::optional<ListRow> next() {
    if (!started)
      if (auto f = start()) return f;
    for (;;) {
      if (finished) return std::nullopt;
      auto rec = scanner.record(sep);
      if (!rec) {
        finished = true;
        return std::nullopt;
      }
      if (rec->comment || is_blank(*rec)) continue;
      return row(*rec);
    }
  }

  ListRow row(Record& rec) {
    ListRow out = check_row(rec);
    // Report in reading order (line, then column), the order a person fixes them in.
    // Insertion sort: stable, and rows have a handful of problems (std::stable_sort warns
    // about a deprecated libstdc++ helper under clang).
    auto& ps = out.problems;
    for (std::size_t i = 1; i < ps.size(); ++i)
      for (std::size_t j = i;
           j > 0 && std::tie(ps[j].line, ps[j].column) < std::tie(ps[j - 1].line, ps[j - 1].column);
           --j)
        std::swap(ps[j], ps[j - 1]);
    return out;
  }

  ListRow check_row(Record& rec) {
    ListRow out;
    auto err = [&](std::size_t line, std::size_t col, std::string msg) {
      out.problems.push_back(problem(Severity::Error, line, col, std::move(msg)));
    };
    auto warn = [&](std::size_t line, std::size_t col, std::string msg) {
      out.problems.push_back(problem(Severity::Warning, line, col, std::move(msg)));
    };
    auto field_line = [&](std::size_t col) {
      return col < rec.fields.size() ? rec.fields[col].line : rec.line;
    };
    for (auto& [col, msg] : rec.syntax_errors) err(field_line(col - 1), col, msg);
    if (rec.unterminated) return out;  // the rest of the record is not meaningful
    for (auto& [col, msg] : rec.syntax_warnings) warn(field_line(col - 1), col, msg);

    bool bad_encoding = false;
    for (std::size_t i = 0; i < rec.fields.size(); ++i) {
      auto& f = rec.fields[i];
      if (f.overflow)
        err(f.line, i + 1,
            fmt::format("field is longer than {} bytes{}", kMaxField,
                        f.quoted ? " (is a closing quote missing?)" : ""));
      if (auto at = invalid_utf8(f.value); at != std::string_view::npos) {
        bad_encoding = true;
        err(f.line, i + 1,
            fmt::format("invalid UTF-8 (byte 0x{:02X}) after '{}'; the file is probably saved "
                        "as Windows-1252 or Latin-1: save it as 'CSV UTF-8'",
                        static_cast<unsigned char>(f.value[at]),
                        excerpt(std::string_view(f.value).substr(0, at))));
      }
    }

    const std::size_t nh = header.size();
    if (rec.too_many_fields || rec.fields.size() > nh) {
      bool extra_nonempty = rec.too_many_fields;
      for (std::size_t i = nh; i < rec.fields.size(); ++i)
        if (!trim(rec.fields[i].value).empty()) extra_nonempty = true;
      if (extra_nonempty)
        err(rec.line, nh + 1,
            fmt::format("row has {}{} fields but the header has {}; is there an unquoted comma "
                        "in a name? Put fields that contain commas in double quotes",
                        rec.too_many_fields ? "more than " : "", rec.fields.size(), nh));
    }
    // A cell our CSV writer neutralised ('=..., '-...) means the text without the apostrophe.
    auto value = [&](std::size_t col) -> std::optional<std::string> {
      if (col >= rec.fields.size()) return std::nullopt;
      return std::string(csv::restore(trim(rec.fields[col].value)));
    };
    for (std::size_t col : {col_domain, col_org, col_sector})
      if (col >= rec.fields.size())
        err(rec.line, col + 1,
            fmt::format("row has {} field{} but the header has {}: column '{}' is missing",
                        rec.fields.size(), rec.fields.size() == 1 ? "" : "s", nh, header[col]));
    if (bad_encoding) return out;

    if (col_domain < rec.fields.size() && col_sector < rec.fields.size() &&
        column_kind(rec.fields[col_domain].value) == Col::Domain &&
        column_kind(rec.fields[col_sector].value) == Col::Sector) {
      warn(rec.line, 0,
           "the header line is repeated here (were two lists pasted together?); "
           "row ignored");
      return out;
    }

    DomainEntry e;
    e.line = rec.line;
    bool ok = true;
    if (auto d = value(col_domain)) {
      if (auto n = normalize_domain(*d)) {
        e.domain = std::move(n->ascii);
        e.display = std::move(n->display);
      } else {
        err(field_line(col_domain), col_domain + 1, n.error());
        ok = false;
      }
    } else {
      ok = false;
    }
    if (auto o = value(col_org)) {
      e.organization = normalize_organization(*o);
      if (e.organization.empty()) {
        err(field_line(col_org), col_org + 1, "organization is empty");
        ok = false;
      } else if (auto c = std::ranges::find_if(e.organization,
                                               [](char ch) {
                                                 auto u = static_cast<unsigned char>(ch);
                                                 return u < 0x20 || u == 0x7f;
                                               });
                 c != e.organization.end()) {
        err(field_line(col_org), col_org + 1,
            fmt::format("control character U+{:04X} in the organization name",
                        static_cast<unsigned char>(*c)));
        ok = false;
      }
    } else {
      ok = false;
    }
    if (auto s = value(col_sector)) {
      const std::string t = trim(*s);
      if (t.empty()) {
        err(field_line(col_sector), col_sector + 1,
            fmt::format("sector is empty (expected {})", sector_choices()));
        ok = false;
      } else if (auto sec = parse_sector(t)) {
        e.sector = *sec;
      } else {
        err(field_line(col_sector), col_sector + 1,
            fmt::format("unknown sector '{}' (expected {})", excerpt(t), sector_choices()));
        ok = false;
      }
    } else {
      ok = false;
    }
    for (std::size_t i = 0; i < nh; ++i)
      if (kinds[i] == Col::Tag)
        e.tags.emplace_back(header[i], i < rec.fields.size() ? *value(i) : "");

    if (!ok || std::ranges::any_of(out.problems, [](const ListProblem& p) {
          return p.severity == Severity::Error;
        }))
      return out;

    const auto [id, inserted] = domains.intern(e.domain);
    if (inserted) {
      const auto [org, new_org] = organizations.intern(organization_key(e.sector, e.organization));
      if (new_org) ++organization_counts[static_cast<std::size_t>(e.sector)];
      first_rows.push_back(FirstRow{rec.line, org});
    } else {
      const FirstRow& first = first_rows[id];
      const std::string_view key = organizations.at(first.organization);
      const std::string_view first_org = key.substr(1);
      const auto first_sector = static_cast<Sector>(static_cast<unsigned char>(key[0]));
      std::vector<std::string> diffs;
      if (first_org != e.organization)
        diffs.push_back(fmt::format("organization '{}' here, '{}' on line {}",
                                    excerpt(e.organization, 60), excerpt(first_org, 60),
                                    first.line));
      if (first_sector != e.sector)
        diffs.push_back(fmt::format("sector {} here, {} on line {}", to_string(e.sector),
                                    to_string(first_sector), first.line));
      warn(field_line(col_domain), col_domain + 1,
           fmt::format("duplicate of line {}: '{}' is listed there already; this row is "
                       "ignored ({})",
                       first.line, e.display,
                       diffs.empty() ? std::string("same organization and sector")
                                     : fmt::format("{}", fmt::join(diffs, "; "))));
      return out;
    }
    out.entry = std::move(e);
    return out;
  }
};

ListReader::ListReader(std::istream& in, std::string file_name)
    : impl_(std::make_unique<Impl>(in, std::move(file_name))) {}
ListReader::~ListReader() = default;
std::optional<ListRow> ListReader::next() { return impl_->next(); }
std::size_t ListReader::organizations(Sector s) const {
  return impl_->organization_counts[static_cast<std::size_t>(s)];
}
const std::vector<std::string>& ListReader::header() const { return impl_->header; }

namespace {
ListSummary read_all(std::istream& in, const std::string& name) {
  ListSummary sum;
  ListReader reader(in, name);
  while (auto row = reader.next()) {
    for (auto& p : row->problems) {
      (p.severity == Severity::Error ? sum.errors : sum.warnings)++;
      sum.problems.push_back(std::move(p));
    }
    if (!row->entry) continue;
    ++sum.entries;
    ++sum.sectors[static_cast<std::size_t>(row->entry->sector)].domains;
  }
  for (Sector sec : kAllSectors)
    sum.sectors[static_cast<std::size_t>(sec)].organizations = reader.organizations(sec);
  if (sum.entries == 0 && sum.errors == 0) {
    ++sum.warnings;
    sum.problems.push_back(ListProblem{Severity::Warning, name, 0, 0, "the list holds no domains"});
  }
  if (in.bad()) {
    ++sum.errors;
    sum.problems.push_back(ListProblem{Severity::Error, name, 0, 0, "read error"});
  }
  return sum;
}

ListSummary unreadable(const std::string& path) {
  ListSummary sum;
  sum.errors = 1;
  sum.problems.push_back(ListProblem{Severity::Error, path, 0, 0, "cannot open the file"});
  return sum;
}
}  // namespace

ListSummary check_list(std::istream& in, const std::string& file_name) {
  return read_all(in, file_name);
}

ListSummary check_list_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(path);
  return read_all(in, path);
}

}  // namespace nulmeting
