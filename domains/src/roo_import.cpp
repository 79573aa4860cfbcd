// roo_import.cpp — streaming ROO export reader (expat) and the mapping to list entries.
//
// Parser state is one stack of local element names. An organisation is any element at depth
// 3 (root / collection / organisation): in 2.6.x that is overheidsorganisaties/organisaties/
// organisatie, in 2.4.x also gemeenten/gemeente, zelfstandigeBestuursorganen/... . Values are
// captured only at fixed paths relative to the organisation, so text of nested units and
// staff never leaks into the organisation. Every expat callback is noexcept: an exception
// (from the user's callback, or bad_alloc) is stored and the parser stopped.
#include <nulmeting/domains/csv_writer.hpp>
#include <nulmeting/domains/domain_name.hpp>
#include <nulmeting/domains/list_reader.hpp>
#include <nulmeting/domains/roo_import.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <expat.h>
#include <memory>
#include <set>
#include <utility>

namespace nulmeting {
namespace {

constexpr std::size_t kMaxDepth = 256;
constexpr std::size_t kMaxText = 8192;     // one captured value
constexpr std::size_t kChunk = 64 * 1024;  // bytes handed to expat at a time
constexpr std::size_t kMaxExamples = 10;
constexpr char kNsSep = '\x01';  // cannot occur in a namespace URI or a name

struct ParserDeleter {
  void operator()(XML_Parser p) const noexcept { XML_ParserFree(p); }
};
using ParserPtr = std::unique_ptr<std::remove_pointer_t<XML_Parser>, ParserDeleter>;

std::string_view local_name(const XML_Char* name) {
  std::string_view n(name);
  if (auto p = n.rfind(kNsSep); p != std::string_view::npos) n.remove_prefix(p + 1);
  return n;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lx = (x >= 'A' && x <= 'Z') ? static_cast<char>(x - 'A' + 'a') : x;
           auto ly = (y >= 'A' && y <= 'Z') ? static_cast<char>(y - 'A' + 'a') : y;
           return lx == ly;
         });
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

enum class Capture { None, Name, Title, Type, EndDate, Website, Email, Id };

// Path relative to the organisation element → what it holds (both schema shapes).
Capture capture_for(const std::vector<std::string>& stack) {
  if (stack.size() < 4) return Capture::None;
  const std::size_t n = stack.size() - 3;  // elements below the organisation
  auto at = [&](std::size_t i) -> std::string_view { return stack[3 + i]; };
  if (n == 1) {
    if (iequals(at(0), "naam")) return Capture::Name;
    if (iequals(at(0), "titel") || iequals(at(0), "citeertitel")) return Capture::Title;
    if (iequals(at(0), "eindDatum")) return Capture::EndDate;
    if (iequals(at(0), "contactEmail")) return Capture::Email;
    return Capture::None;
  }
  if (n == 2) {
    if (iequals(at(0), "types") && iequals(at(1), "type")) return Capture::Type;
    if (iequals(at(0), "systemId") && iequals(at(1), "systemId")) return Capture::Id;
    if (iequals(at(0), "contact")) {
      if (iequals(at(1), "internet")) return Capture::Website;
      if (iequals(at(1), "emailadres") || iequals(at(1), "contactEmail")) return Capture::Email;
    }
    return Capture::None;
  }
  if (n == 4 && iequals(at(0), "contact")) {
    if (iequals(at(1), "internetadressen") && iequals(at(2), "internetadres") &&
        iequals(at(3), "url"))
      return Capture::Website;
    if (iequals(at(1), "emailadressen") && iequals(at(2), "emailadres") && iequals(at(3), "email"))
      return Capture::Email;
  }
  return Capture::None;
}

class RooParser {
 public:
  RooParser(const std::function<void(RooOrganization&&)>& cb) : on_org_(cb) {}

  std::expected<RooExportInfo, RooError> run(std::istream& in) {
    ParserPtr p(XML_ParserCreateNS(nullptr, kNsSep));
    if (!p) return std::unexpected(RooError{0, 0, "cannot create the XML parser"});
    parser_ = p.get();
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &RooParser::on_start, &RooParser::on_end);
    XML_SetCharacterDataHandler(parser_, &RooParser::on_text);
    XML_SetEntityDeclHandler(parser_, &RooParser::on_entity);
    XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);

    std::vector<char> buf(kChunk);
    for (;;) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      const auto n = static_cast<int>(in.gcount());
      const bool last = n == 0 || !in;
      if (XML_Parse(parser_, buf.data(), n, last ? XML_TRUE : XML_FALSE) != XML_STATUS_OK) {
        if (error_) return std::unexpected(*error_);
        return std::unexpected(
            RooError{XML_GetCurrentLineNumber(parser_), XML_GetCurrentColumnNumber(parser_) + 1,
                     fmt::format("malformed XML: {}", XML_ErrorString(XML_GetErrorCode(parser_)))});
      }
      if (last) break;
    }
    if (in.bad()) return std::unexpected(RooError{0, 0, "read error"});
    if (!seen_root_) return std::unexpected(RooError{0, 0, "the file holds no XML element"});
    return info_;
  }

 private:
  static RooParser& self(void* data) { return *static_cast<RooParser*>(data); }

  void fail(std::string msg) {
    if (!error_)
      error_ = RooError{XML_GetCurrentLineNumber(parser_), XML_GetCurrentColumnNumber(parser_) + 1,
                        std::move(msg)};
    XML_StopParser(parser_, XML_FALSE);
  }

  static void XMLCALL on_entity(void* data, const XML_Char* name, int, const XML_Char*, int,
                                const XML_Char*, const XML_Char*, const XML_Char*,
                                const XML_Char*) noexcept {
    try {
      self(data).fail(
          fmt::format("the export declares an entity ('{}'); entity declarations "
                      "are not accepted",
                      name ? name : ""));
    } catch (...) {
      XML_StopParser(self(data).parser_, XML_FALSE);
    }
  }

  static void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** attrs) noexcept {
    auto& s = self(data);
    try {
      s.start(name, attrs);
    } catch (const std::exception& e) {
      s.fail(e.what());
    } catch (...) {
      s.fail("unknown exception");
    }
  }
  static void XMLCALL on_end(void* data, const XML_Char*) noexcept {
    auto& s = self(data);
    try {
      s.end();
    } catch (const std::exception& e) {
      s.fail(e.what());
    } catch (...) {
      s.fail("unknown exception");
    }
  }
  static void XMLCALL on_text(void* data, const XML_Char* text, int len) noexcept {
    auto& s = self(data);
    if (s.capture_ == Capture::None || len <= 0) return;
    try {
      const auto room = kMaxText - std::min(kMaxText, s.text_.size());
      s.text_.append(text, std::min(static_cast<std::size_t>(len), room));
    } catch (...) {
      s.fail("out of memory");
    }
  }

  void start(const XML_Char* name, const XML_Char** attrs) {
    if (stack_.size() >= kMaxDepth) {
      fail(fmt::format("elements nested deeper than {}", kMaxDepth));
      return;
    }
    const std::string_view local = local_name(name);
    if (stack_.empty()) {
      seen_root_ = true;
      if (!iequals(local, "overheidsorganisaties")) {
        fail(
            fmt::format("not a ROO export: the root element is '{}', expected "
                        "'overheidsorganisaties'",
                        local));
        return;
      }
      std::string_view full(name);
      if (auto p = full.rfind(kNsSep); p != std::string_view::npos)
        info_.schema = std::string(full.substr(0, p));
      for (auto a = attrs; a && a[0]; a += 2)
        if (iequals(local_name(a[0]), "timestamp")) info_.timestamp = trim(a[1]);
    }
    stack_.emplace_back(local);
    if (stack_.size() == 3) {
      org_ = RooOrganization{};
      org_.element = std::string(local);
      org_.line = XML_GetCurrentLineNumber(parser_);
      for (auto a = attrs; a && a[0]; a += 2) {
        auto an = local_name(a[0]);
        if (iequals(an, "systeemId") || iequals(an, "systemId")) org_.id = trim(a[1]);
      }
    }
    capture_ = capture_for(stack_);
    text_.clear();
  }

  void end() {
    if (capture_ != Capture::None) {
      std::string v = trim(text_);
      if (!v.empty()) {
        switch (capture_) {
          case Capture::Name:
            org_.name = std::move(v);
            break;
          case Capture::Title:
            if (org_.name.empty()) org_.name = std::move(v);
            break;
          case Capture::Type:
            org_.types.push_back(std::move(v));
            break;
          case Capture::EndDate:
            org_.end_date = std::move(v);
            break;
          case Capture::Website:
            org_.websites.push_back(std::move(v));
            break;
          case Capture::Email:
            org_.emails.push_back(std::move(v));
            break;
          case Capture::Id:
            if (org_.id.empty()) org_.id = std::move(v);
            break;
          case Capture::None:
            break;
        }
      }
      capture_ = Capture::None;
      text_.clear();
    }
    if (stack_.size() == 3) {
      ++info_.organizations;
      on_org_(std::move(org_));
      org_ = RooOrganization{};
    }
    if (!stack_.empty()) stack_.pop_back();
  }

  const std::function<void(RooOrganization&&)>& on_org_;
  XML_Parser parser_ = nullptr;
  std::vector<std::string> stack_;
  Capture capture_ = Capture::None;
  std::string text_;
  RooOrganization org_;
  RooExportInfo info_;
  bool seen_root_ = false;
  std::optional<RooError> error_;
};

// ---- type → sector -------------------------------------------------------------------
struct TypeRow {
  std::string_view type;
  Sector sector;
};
// The documented table (README "Domain lists", docs/decisions/domain-lists.md). Singular forms as
// in the export, plus the plural forms some versions and tools use.
constexpr TypeRow kTypeTable[] = {
    {"Gemeente", Sector::Gemeente},
    {"Gemeenten", Sector::Gemeente},
    {"Provincie", Sector::Provincie},
    {"Provincies", Sector::Provincie},
    {"Waterschap", Sector::Waterschap},
    {"Waterschappen", Sector::Waterschap},
    {"Ministerie", Sector::Rijk},
    {"Ministeries", Sector::Rijk},
    {"Agentschap", Sector::Rijk},
    {"Agentschappen", Sector::Rijk},
    {"Inspectie", Sector::Rijk},
    {"Inspecties", Sector::Rijk},
    {"Hoog College van Staat", Sector::Rijk},
    {"Hoge Colleges van Staat", Sector::Rijk},
    {"Kabinet van de Koning", Sector::Rijk},
    {"Adviescollege", Sector::Rijk},
    {"Adviescolleges", Sector::Rijk},
    {"Interdepartementale commissie", Sector::Rijk},
    {"Zelfstandig bestuursorgaan", Sector::Overig},
    {"Zelfstandige bestuursorganen", Sector::Overig},
    {"Rechtspraak", Sector::Overig},
    {"Politie en brandweer", Sector::Overig},
    {"Gemeenschappelijke regeling", Sector::Overig},
    {"Gemeenschappelijke regelingen", Sector::Overig},
    {"Regionaal samenwerkingsorgaan", Sector::Overig},
    {"Grensoverschrijdend regionaal samenwerkingsorgaan", Sector::Overig},
    {"Caribisch openbaar lichaam", Sector::Overig},
    {"Openbaar lichaam voor beroep en bedrijf", Sector::Overig},
    {"Overheidsstichting of -vereniging", Sector::Overig},
    {"Koepelorganisatie", Sector::Overig},
    {"Externe commissie", Sector::Overig},
    {"Provinciale rekenkamer", Sector::Overig},
    {"Landelijk dekkende samenwerkingen", Sector::Overig},
    {"Organisatieonderdeel", Sector::Overig},
};

// 2.4.x collections name the kind of organisation in the element; used when types is empty.
constexpr std::pair<std::string_view, std::string_view> kElementTypes[] = {
    {"gemeente", "Gemeente"},
    {"provincie", "Provincie"},
    {"waterschap", "Waterschap"},
    {"ministerie", "Ministerie"},
    {"zelfstandigBestuursorgaan", "Zelfstandig bestuursorgaan"},
    {"gemeenschappelijkeRegeling", "Gemeenschappelijke regeling"},
};

// Priority when one organisation has several types, or several organisations share a domain.
int priority(Sector s) {
  switch (s) {
    case Sector::Gemeente:
      return 5;
    case Sector::Provincie:
      return 4;
    case Sector::Waterschap:
      return 3;
    case Sector::Rijk:
      return 2;
    case Sector::Overig:
      return 1;
  }
  return 0;
}

std::string today_utc() {
  const auto now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{now};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// "YYYY-MM-DD" prefix of a date (xs:date or xs:dateTime), or nullopt.
std::optional<std::string> date_prefix(std::string_view s) {
  if (s.size() < 10) return std::nullopt;
  for (std::size_t i = 0; i < 10; ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return std::nullopt;
  }
  if (s.size() > 10 && s[10] != 'T' && s[10] != ' ' && s[10] != '+' && s[10] != 'Z' && s[10] != '-')
    return std::nullopt;
  return std::string(s.substr(0, 10));
}

std::vector<std::string_view> split_values(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ';' || s[i] == ',' || s[i] == '\t' ||
                            s[i] == '\n' || s[i] == '\r'))
      ++i;
    std::size_t j = i;
    while (j < s.size() && !(s[j] == ' ' || s[j] == ';' || s[j] == ',' || s[j] == '\t' ||
                             s[j] == '\n' || s[j] == '\r'))
      ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// [allmanak]: some exports carry e-mail addresses base64-encoded.
std::optional<std::string> base64_decode(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return std::nullopt;
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '+')
      v = 62;
    else if (c == '/')
      v = 63;
    else if (c == '=' && i + 2 >= s.size())
      continue;
    else
      return std::nullopt;
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xFFu));
    }
  }
  return out;
}

std::string mail_domain(std::string_view v) {
  std::string value(v);
  if (value.find('@') == std::string::npos)
    if (auto d = base64_decode(value); d && d->find('@') != std::string::npos) value = *d;
  std::string_view s = value;
  if (s.size() >= 7 && iequals(s.substr(0, 7), "mailto:")) s.remove_prefix(7);
  auto at = s.rfind('@');
  if (at == std::string_view::npos) return {};
  s.remove_prefix(at + 1);
  if (auto q = s.find_first_of("?>"); q != std::string_view::npos) s = s.substr(0, q);
  return std::string(s);
}

std::string join_limited(const std::vector<std::string>& v, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i ? "; " : "") + v[i];
  if (v.size() > max) out += fmt::format("; +{} more", v.size() - max);
  return out;
}

constexpr std::size_t kMaxText0 = 400;  // organisation names, ids and types in the output

// Cuts s to at most max bytes without splitting a UTF-8 sequence.
std::string clip_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

// Runs of white space and control characters (XML allows DEL, U+007F) become one space: the
// list reader rejects control characters in organisation names, and the import's output must
// always be a valid list (found by the roo fuzzer).
std::string collapse_space(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::expected<RooExportInfo, RooError> read_roo(
    std::istream& in, const std::function<void(RooOrganization&&)>& on_org) {
  RooParser parser(on_org);
  return parser.run(in);
}

std::optional<Sector> roo_type_sector(std::string_view type) {
  const std::string t = trim(type);
  for (const auto& row : kTypeTable)
    if (iequals(row.type, t)) return row.sector;
  return std::nullopt;
}

std::string roo_website_host(std::string_view url) {
  std::string_view s = url;
  if (auto p = s.find("://"); p != std::string_view::npos) s.remove_prefix(p + 3);
  if (s.starts_with("//")) s.remove_prefix(2);
  if (auto p = s.find_first_of("/?#"); p != std::string_view::npos) s = s.substr(0, p);
  if (auto p = s.rfind('@'); p != std::string_view::npos) s.remove_prefix(p + 1);
  if (!s.starts_with('[')) {
    if (auto p = s.find(':'); p != std::string_view::npos) s = s.substr(0, p);
  }
  auto n = normalize_domain(s);
  if (!n) return {};
  // Registrable domain without a public-suffix list: the last two labels, or three under a
  // two-letter country code with a generic second level (co.uk, com.au, gov.sr). Dutch
  // public bodies use .nl and a few gTLDs, where two labels is right.
  std::string host = n->ascii;
  if (host.starts_with("www.") && host.find('.', 4) != std::string::npos) host.erase(0, 4);
  std::vector<std::size_t> dots;
  for (std::size_t i = 0; i < host.size(); ++i)
    if (host[i] == '.') dots.push_back(i);
  if (dots.size() >= 2) {
    const std::string tld = host.substr(dots.back() + 1);
    const std::string sld =
        host.substr(dots[dots.size() - 2] + 1, dots.back() - dots[dots.size() - 2] - 1);
    static const std::set<std::string_view> generic{"co", "com", "net", "org", "gov", "ac", "edu"};
    std::size_t keep = (tld.size() == 2 && generic.contains(sld)) ? 3 : 2;
    if (dots.size() >= keep) host = host.substr(dots[dots.size() - keep] + 1);
  }
  return host;
}

RooImport::RooImport(std::string today) {
  report_.today = today.empty() ? today_utc() : std::move(today);
}

void RooImport::set_export_info(std::string file, std::string timestamp, std::string schema) {
  report_.file = std::move(file);
  report_.timestamp = std::move(timestamp);
  report_.schema = std::move(schema);
}

void RooImport::add(RooOrganization&& org) {
  ++report_.organizations;
  // Keep every text bounded so that the written list stays within the list reader's field
  // limit even with "(shared with: ...)" appended.
  // Names and types are written as the list reader will read them back (normalize_organization
  // after the cut: a cut can end on a blank, and a name of only U+00A0 is no name).
  org.name = normalize_organization(clip_utf8(collapse_space(org.name), kMaxText0));
  org.id = clip_utf8(org.id, kMaxText0);
  for (auto& t : org.types) t = normalize_organization(clip_utf8(collapse_space(t), kMaxText0));
  if (!org.end_date.empty()) {
    if (auto d = date_prefix(org.end_date)) {
      if (*d < report_.today) {
        ++report_.ended;
        return;
      }
    } else {
      ++report_.bad_end_dates;
    }
  }
  if (org.name.empty()) {
    ++report_.without_name;
    org.name = org.id.empty() ? fmt::format("(unnamed organisation, line {})", org.line)
                              : fmt::format("(unnamed organisation {})", org.id);
  }

  std::optional<Sector> sector;
  std::string type;
  std::vector<std::string> types = org.types;
  if (types.empty())
    for (auto [elem, t] : kElementTypes)
      if (iequals(elem, org.element)) types.emplace_back(t);
  for (const auto& t : types) {
    if (auto s = roo_type_sector(t)) {
      if (!sector || priority(*s) > priority(*sector)) {
        sector = s;
        type = t;
      }
    } else {
      ++report_.unknown_types[t];
    }
  }
  if (types.empty()) ++report_.no_type;
  if (!sector) {
    sector = Sector::Overig;
    type = types.empty() ? "" : types.front();
  }

  auto bad = [&](std::string_view what, std::string_view value, std::string_view why) {
    ++report_.bad_values;
    if (report_.bad_value_examples.size() < kMaxExamples)
      report_.bad_value_examples.push_back(
          fmt::format("{}: {} '{}': {}", org.name, what, value.substr(0, 100), why));
  };
  bool any = false;
  for (const auto& w : org.websites) {
    for (auto token : split_values(w)) {
      std::string host = roo_website_host(token);
      if (host.empty()) {
        std::string_view h = token;
        if (auto p = h.find("://"); p != std::string_view::npos) h.remove_prefix(p + 3);
        auto n = normalize_domain(h.substr(0, h.find_first_of("/?#")));
        bad("website", token, n ? "no host" : n.error());
        continue;
      }
      auto n = normalize_domain(host);
      if (!n) {
        bad("website", token, n.error());
        continue;
      }
      add_domain(n->ascii, n->display, org, *sector, type, false);
      any = true;
    }
  }
  for (const auto& e : org.emails) {
    for (auto token : split_values(e)) {
      std::string dom = mail_domain(token);
      if (dom.empty()) {
        bad("e-mail address", token, "no '@'");
        continue;
      }
      auto n = normalize_domain(dom);
      if (!n) {
        bad("e-mail address", token, n.error());
        continue;
      }
      add_domain(n->ascii, n->display, org, *sector, type, true);
      any = true;
    }
  }
  if (!any) {
    ++report_.without_domain;
    if (report_.without_domain_examples.size() < kMaxExamples)
      report_.without_domain_examples.push_back(org.name);
  }
}

void RooImport::add_domain(const std::string& ascii, const std::string& display,
                           const RooOrganization& org, Sector sector, const std::string& type,
                           bool mail) {
  auto [it, inserted] = domains_.try_emplace(ascii);
  Acc& a = it->second;
  if (inserted) {
    a.display = display;
    a.organization = org.name;
    a.sector = sector;
    a.id = org.id;
    a.type = type;
    ++report_.per_sector[static_cast<std::size_t>(sector)];
  } else if (a.organization != org.name) {
    if (a.shared_with.empty()) ++report_.shared_domains;
    if (priority(sector) > priority(a.sector)) {
      --report_.per_sector[static_cast<std::size_t>(a.sector)];
      ++report_.per_sector[static_cast<std::size_t>(sector)];
      a.shared_with.insert(a.shared_with.begin(), a.organization);
      a.organization = org.name;
      a.sector = sector;
      a.id = org.id;
      a.type = type;
    } else if (std::ranges::find(a.shared_with, org.name) == a.shared_with.end()) {
      a.shared_with.push_back(org.name);
    }
  }
  (mail ? a.mail : a.web) = true;
}

std::vector<DomainEntry> RooImport::entries() const {
  std::vector<DomainEntry> out;
  out.reserve(domains_.size());
  for (const auto& [domain, a] : domains_) {
    DomainEntry e;
    e.domain = domain;
    e.display = a.display;
    e.organization = a.shared_with.empty() ? a.organization
                                           : fmt::format("{} (shared with: {})", a.organization,
                                                         join_limited(a.shared_with, 3));
    e.sector = a.sector;
    e.tags = {{"source", a.web && a.mail ? "web+mail" : (a.mail ? "mail" : "web")},
              {"roo_id", a.id},
              {"roo_type", a.type}};
    out.push_back(std::move(e));
  }
  std::ranges::sort(out, [](const DomainEntry& x, const DomainEntry& y) {
    return std::tie(x.sector, x.organization, x.domain) <
           std::tie(y.sector, y.organization, y.domain);
  });
  return out;
}

void RooImport::write_csv(std::ostream& out) const {
  out << csv::comment(
      "Imported by `nulmeting domains import-roo` from " + report_.file + " (schema " +
      (report_.schema.empty() ? "unknown" : report_.schema) + ", export timestamp " +
      (report_.timestamp.empty() ? "unknown" : report_.timestamp) + ") on " + report_.today);
  out << csv::record({"domain", "organization", "sector", "source", "roo_id", "roo_type"});
  std::vector<std::string> row;
  for (const auto& e : entries()) {
    row = {e.domain, e.organization, std::string(to_string(e.sector))};
    for (const auto& [k, v] : e.tags) row.push_back(v);
    out << csv::record(row);
  }
}

std::string format_roo_report(const RooReport& r) {
  std::string out;
  auto line = [&](std::string s) { out += s + "\n"; };
  line(fmt::format("ROO export {}: schema {}, timestamp {}", r.file,
                   r.schema.empty() ? "(no namespace)" : r.schema,
                   r.timestamp.empty() ? "(none)" : r.timestamp));
  line(fmt::format("  organisations read: {}", r.organizations));
  line(fmt::format("  ended before {} (skipped): {}", r.today, r.ended));
  std::size_t total = 0;
  std::string per;
  for (Sector s : kAllSectors) {
    const auto n = r.per_sector[static_cast<std::size_t>(s)];
    total += n;
    per += fmt::format("{}{} {}", per.empty() ? "" : ", ", to_string(s), n);
  }
  line(fmt::format("  domains: {} ({})", total, per));
  if (r.shared_domains)
    line(
        fmt::format("  domains shared by several organisations (kept once, under the "
                    "highest-priority one): {}",
                    r.shared_domains));
  const bool unmapped = r.without_domain || r.no_type || !r.unknown_types.empty() || r.bad_values ||
                        r.bad_end_dates || r.without_name;
  if (!unmapped) return out;
  line("could not map:");
  for (const auto& [t, n] : r.unknown_types)
    line(fmt::format("  type '{}' is not in the sector table (put in overig): {} organisation{}", t,
                     n, n == 1 ? "" : "s"));
  if (r.no_type) line(fmt::format("  organisations without a type (put in overig): {}", r.no_type));
  if (r.without_name) line(fmt::format("  organisations without a name: {}", r.without_name));
  if (r.bad_end_dates)
    line(fmt::format("  unreadable eindDatum (organisation kept): {}", r.bad_end_dates));
  if (r.bad_values) {
    line(fmt::format("  website or e-mail values without a usable domain: {}", r.bad_values));
    for (const auto& e : r.bad_value_examples) line("    " + e);
  }
  if (r.without_domain) {
    line(fmt::format("  organisations without any usable domain (left out): {}", r.without_domain));
    for (const auto& e : r.without_domain_examples) line("    " + e);
  }
  return out;
}

}  // namespace nulmeting
