// mail_standards.cpp — see mail_standards.hpp.
#include "names.hpp"

#include <nulmeting/verdict/dns.hpp>
#include <nulmeting/verdict/mail_standards.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <charconv>
#include <libpsl.h>

namespace nulmeting::verdict {
namespace {

using detail::lower_no_dot;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_wsp(char c) { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}
bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

// ---- SPF grammar pieces ----------------------------------------------------------------------

// RFC 7208 §7.1 macro-string; `macro` tells whether a macro-expand occurred, `ends_in_macro`
// whether the string ends in one. Returns an error text or "".
std::string check_macro_string(std::string_view s, bool& macro, bool& ends_in_macro) {
  macro = false;
  ends_in_macro = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c != '%') {
      if (c < 0x21 || c > 0x7E) return "invalid character in \"" + std::string(s) + "\"";
      ends_in_macro = false;
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return "lone % in \"" + std::string(s) + "\"";
    const char n = s[i + 1];
    if (n == '%' || n == '_' || n == '-') {
      macro = true;
      ends_in_macro = true;
      i += 2;
      continue;
    }
    if (n != '{') return "bad macro in \"" + std::string(s) + "\"";
    std::size_t j = i + 2;
    if (j >= s.size()) return "unterminated macro in \"" + std::string(s) + "\"";
    const char letter = lower(s[j]);
    if (std::string_view("slodiphcrtv").find(letter) == std::string_view::npos)
      return "unknown macro letter in \"" + std::string(s) + "\"";
    ++j;
    while (j < s.size() && is_digit(s[j])) ++j;
    if (j < s.size() && lower(s[j]) == 'r') ++j;
    while (j < s.size() && std::string_view(".-+,/_=").find(s[j]) != std::string_view::npos) ++j;
    if (j >= s.size() || s[j] != '}') return "unterminated macro in \"" + std::string(s) + "\"";
    macro = true;
    ends_in_macro = true;
    i = j + 1;
  }
  return "";
}

bool is_toplabel(std::string_view l) {
  if (l.empty()) return false;
  const bool chars_ok =
      std::all_of(l.begin(), l.end(), [](char c) { return is_alnum(c) || c == '-'; });
  if (!chars_ok) return false;
  if (l.find('-') == std::string_view::npos) return std::any_of(l.begin(), l.end(), is_alpha);
  return is_alnum(l.front()) && is_alnum(l.back());
}

// domain-spec = macro-string domain-end; domain-end = ("." toplabel ["."]) / macro-expand.
std::string check_domain_spec(std::string_view s, bool& macro) {
  if (s.empty()) return "empty domain";
  bool ends_in_macro = false;
  if (auto e = check_macro_string(s, macro, ends_in_macro); !e.empty()) return e;
  if (ends_in_macro) return "";
  std::string_view d = s;
  if (d.back() == '.') d.remove_suffix(1);
  const std::size_t dot = d.rfind('.');
  if (dot == std::string_view::npos) return "\"" + std::string(s) + "\" is not a domain name";
  if (!is_toplabel(d.substr(dot + 1)))
    return "\"" + std::string(s) + "\" does not end in a valid top label";
  return "";
}

// "/N" with N in [0, max], no leading zero.
bool parse_cidr(std::string_view s, int max) {
  if (s.size() < 2 || s.front() != '/') return false;
  s.remove_prefix(1);
  if (s.size() > 3 || !std::all_of(s.begin(), s.end(), is_digit)) return false;
  if (s.size() > 1 && s.front() == '0') return false;
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v <= max;
}

// Strips a dual-cidr-length ("/24", "//64", "/24//64") from the end of `s`; false when what
// looks like one is malformed.
bool strip_dual_cidr(std::string_view& s) {
  if (auto dd = s.rfind("//");
      dd != std::string_view::npos &&
      std::all_of(s.begin() + static_cast<std::ptrdiff_t>(dd + 2), s.end(), is_digit)) {
    if (!parse_cidr(s.substr(dd + 1), 128)) return false;
    s = s.substr(0, dd);
  }
  if (auto sl = s.rfind('/');
      sl != std::string_view::npos &&
      std::all_of(s.begin() + static_cast<std::ptrdiff_t>(sl + 1), s.end(), is_digit)) {
    if (!parse_cidr(s.substr(sl), 32)) return false;
    s = s.substr(0, sl);
  }
  return true;
}

bool parse_ip(std::string_view s, bool v6) {
  std::string ip(s);
  int max = v6 ? 128 : 32;
  if (auto sl = ip.find('/'); sl != std::string::npos) {
    if (!parse_cidr(std::string_view(ip).substr(sl), max)) return false;
    ip.resize(sl);
  }
  unsigned char buf[16];
  return inet_pton(v6 ? AF_INET6 : AF_INET, ip.c_str(), buf) == 1;
}

std::string parse_term(std::string_view text, SpfTerm& t) {
  t.text = std::string(text);
  // A modifier: name "=" macro-string, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
  std::size_t n = 0;
  while (n < text.size() &&
         (is_alnum(text[n]) || text[n] == '-' || text[n] == '_' || text[n] == '.'))
    ++n;
  if (n > 0 && is_alpha(text[0]) && n < text.size() && text[n] == '=') {
    const std::string_view name = text.substr(0, n);
    const std::string_view value = text.substr(n + 1);
    if (iequals(name, "redirect") || iequals(name, "exp")) {
      t.kind = iequals(name, "redirect") ? SpfTermKind::Redirect : SpfTermKind::Exp;
      t.domain_spec = std::string(value);
      return check_domain_spec(value, t.has_macro);
    }
    t.kind = SpfTermKind::Unknown;
    bool m = false, e = false;
    return check_macro_string(value, m, e);
  }
  std::string_view rest = text;
  switch (rest.empty() ? '\0' : rest.front()) {
    case '+':
      t.qualifier = SpfQualifier::Pass;
      rest.remove_prefix(1);
      break;
    case '-':
      t.qualifier = SpfQualifier::Fail;
      rest.remove_prefix(1);
      break;
    case '~':
      t.qualifier = SpfQualifier::SoftFail;
      rest.remove_prefix(1);
      break;
    case '?':
      t.qualifier = SpfQualifier::Neutral;
      rest.remove_prefix(1);
      break;
    default:
      break;
  }
  std::size_t m = 0;
  while (m < rest.size() && is_alnum(rest[m])) ++m;
  const std::string_view name = rest.substr(0, m);
  std::string_view arg = rest.substr(m);  // "" or ":..." or "/..."
  const auto bad = [&] { return "unknown or malformed term \"" + std::string(text) + "\""; };
  if (iequals(name, "all")) {
    t.kind = SpfTermKind::All;
    return arg.empty() ? "" : bad();
  }
  if (iequals(name, "include") || iequals(name, "exists")) {
    t.kind = iequals(name, "include") ? SpfTermKind::Include : SpfTermKind::Exists;
    if (arg.size() < 2 || arg.front() != ':') return bad();
    t.domain_spec = std::string(arg.substr(1));
    return check_domain_spec(arg.substr(1), t.has_macro);
  }
  if (iequals(name, "a") || iequals(name, "mx")) {
    t.kind = iequals(name, "a") ? SpfTermKind::A : SpfTermKind::Mx;
    if (!strip_dual_cidr(arg)) return "bad prefix length in \"" + std::string(text) + "\"";
    if (arg.empty()) return "";
    if (arg.front() != ':') return bad();
    t.domain_spec = std::string(arg.substr(1));
    return check_domain_spec(arg.substr(1), t.has_macro);
  }
  if (iequals(name, "ptr")) {
    t.kind = SpfTermKind::Ptr;
    if (arg.empty()) return "";
    if (arg.front() != ':') return bad();
    t.domain_spec = std::string(arg.substr(1));
    return check_domain_spec(arg.substr(1), t.has_macro);
  }
  if (iequals(name, "ip4") || iequals(name, "ip6")) {
    const bool v6 = iequals(name, "ip6");
    t.kind = v6 ? SpfTermKind::Ip6 : SpfTermKind::Ip4;
    if (arg.size() < 2 || arg.front() != ':' || !parse_ip(arg.substr(1), v6))
      return "bad address in \"" + std::string(text) + "\"";
    return "";
  }
  return bad();
}

std::vector<std::string> records_where(const DnsAnswer& a, bool (*pred)(std::string_view)) {
  std::vector<std::string> out;
  if (!has_data(a)) return out;
  for (const auto& r : a.records)
    if (pred(r)) out.push_back(r);
  return out;
}

std::string answer_why(const DnsAnswer& a) {
  std::string s = "TXT at " + a.qname + ": " + std::string(to_string(a.reason));
  if (!a.why_bogus.empty()) s += " (" + a.why_bogus + ")";
  return s;
}

std::optional<DmarcPolicy> dmarc_policy_value(std::string_view v) {
  if (iequals(v, "none")) return DmarcPolicy::None;
  if (iequals(v, "quarantine")) return DmarcPolicy::Quarantine;
  if (iequals(v, "reject")) return DmarcPolicy::Reject;
  return std::nullopt;
}

}  // namespace

// ---- SPF grammar -----------------------------------------------------------------------------

bool is_spf_record(std::string_view txt) {
  return istarts_with(txt, "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

SpfParse parse_spf(std::string_view txt) {
  SpfParse out;
  if (!is_spf_record(txt)) {
    out.error = "not a v=spf1 record";
    return out;
  }
  SpfRecord rec;
  std::vector<SpfTerm> modifiers;
  for (std::string_view part : split(txt.substr(6), ' ')) {
    if (part.empty()) continue;  // 1*SP between terms, *SP at the end
    SpfTerm t;
    if (auto e = parse_term(part, t); !e.empty()) {
      out.error = e;
      return out;
    }
    const bool modifier = t.kind == SpfTermKind::Redirect || t.kind == SpfTermKind::Exp ||
                          t.kind == SpfTermKind::Unknown;
    (modifier ? modifiers : rec.terms).push_back(std::move(t));
  }
  for (auto& m : modifiers) {
    if (m.kind != SpfTermKind::Unknown) {
      const bool redirect = m.kind == SpfTermKind::Redirect;
      std::optional<std::size_t>& slot = redirect ? rec.redirect : rec.exp;
      if (slot) {
        out.error = std::string("more than one ") + (redirect ? "redirect" : "exp") +
                    " modifier (RFC 7208 §6)";
        return out;
      }
      slot = rec.terms.size();
    }
    rec.terms.push_back(std::move(m));
  }
  out.record = std::move(rec);
  return out;
}

// ---- SPF evaluation --------------------------------------------------------------------------

std::string_view to_string(SpfResult r) {
  switch (r) {
    case SpfResult::None:
      return "none";
    case SpfResult::Neutral:
      return "neutral";
    case SpfResult::Pass:
      return "pass";
    case SpfResult::Fail:
      return "fail";
    case SpfResult::SoftFail:
      return "softfail";
    case SpfResult::TempError:
      return "temperror";
    case SpfResult::PermError:
      return "permerror";
  }
  return "?";
}

namespace {
SpfResult result_of(SpfQualifier q) {
  switch (q) {
    case SpfQualifier::Pass:
      return SpfResult::Pass;
    case SpfQualifier::Fail:
      return SpfResult::Fail;
    case SpfQualifier::SoftFail:
      return SpfResult::SoftFail;
    case SpfQualifier::Neutral:
      return SpfResult::Neutral;
  }
  return SpfResult::Neutral;
}
}  // namespace

SpfEvaluation::SpfEvaluation(std::string domain) : domain_(lower_no_dot(domain)) {
  question_ = SpfQuestion{domain_, 16};
  waiting_ = Waiting::Record;
  pending_kind_ = FrameKind::Top;
}

void SpfEvaluation::finish(SpfResult r, std::string reason) {
  finished_ = true;
  result_ = r;
  reason_ = std::move(reason);
  question_.reset();
  stack_.clear();
}

bool SpfEvaluation::count_term(const SpfTerm& t) {
  trace_.push_back(stack_.back().domain + ": " + t.text);
  if (++dns_terms_ > kMaxDnsTerms) {
    finish(SpfResult::PermError,
           "more than " + std::to_string(kMaxDnsTerms) + " DNS-querying terms (RFC 7208 §4.6.4)");
    return false;
  }
  return true;
}

void SpfEvaluation::answer(const DnsAnswer& a) {
  if (done()) return;
  if (waiting_ == Waiting::Record) {
    take_record(a);
    return;
  }
  if (a.cls == DnsClass::Fail) {
    finish(SpfResult::TempError, a.qname + (waiting_ == Waiting::Mx ? " MX: " : " A: ") +
                                     std::string(to_string(a.reason)));
    return;
  }
  if (is_nx(a) && ++voids_ > kMaxVoidLookups) {
    finish(SpfResult::PermError,
           "more than " + std::to_string(kMaxVoidLookups) + " void lookups (RFC 7208 §4.6.4)");
    return;
  }
  run();
}

void SpfEvaluation::take_record(const DnsAnswer& a) {
  const bool top = pending_kind_ == FrameKind::Top;
  const std::string what =
      top ? "" : (pending_kind_ == FrameKind::Include ? "include " : "redirect ");
  if (a.cls == DnsClass::Fail) {
    finish(SpfResult::TempError, answer_why(a));
    return;
  }
  const auto recs = records_where(a, is_spf_record);
  if (recs.size() == 1 && top) record_ = recs.front();
  if (recs.empty()) {
    if (top) {
      finish(SpfResult::None, "no v=spf1 record at " + a.qname);
      return;
    }
    if (is_nx(a)) ++voids_;
    finish(SpfResult::PermError, what + a.qname + " has no v=spf1 record");
    return;
  }
  if (recs.size() > 1) {
    finish(SpfResult::PermError, std::to_string(recs.size()) + " v=spf1 records at " + a.qname);
    return;
  }
  SpfParse parsed = parse_spf(recs.front());
  if (!parsed.record) {
    finish(SpfResult::PermError, "syntax error in the record at " + a.qname + ": " + parsed.error);
    return;
  }
  const std::string name = question_ ? question_->name : a.qname;
  if (pending_kind_ == FrameKind::Redirect) {
    // The redirect's record takes the place of the record that named it (RFC 7208 §6.1).
    Frame& f = stack_.back();
    f.domain = name;
    f.record = std::move(*parsed.record);
    f.next = 0;
    f.redirected = false;
  } else {
    Frame f;
    f.kind = pending_kind_;
    f.domain = name;
    f.record = std::move(*parsed.record);
    f.qualifier = pending_qualifier_;
    stack_.push_back(std::move(f));
  }
  run();
}

void SpfEvaluation::return_from_frame(SpfResult r) {
  while (true) {
    const Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (stack_.empty() || f.kind == FrameKind::Top) {
      finish(r, "");
      return;
    }
    // An include matches only when its record passes (RFC 7208 §5.2).
    if (r == SpfResult::Pass) {
      r = result_of(f.qualifier);
      // The parent frame ends with the include's qualifier: return from it too.
      continue;
    }
    return;  // fail, softfail, neutral: no match, the parent goes on
  }
}

void SpfEvaluation::run() {
  question_.reset();
  while (!stack_.empty()) {
    Frame& f = stack_.back();
    if (f.next < f.record.terms.size()) {
      const SpfTerm& t = f.record.terms[f.next++];
      switch (t.kind) {
        case SpfTermKind::Ip4:
        case SpfTermKind::Ip6:
        case SpfTermKind::Exp:
        case SpfTermKind::Unknown:
        case SpfTermKind::Redirect:  // evaluated after the last mechanism
          continue;
        case SpfTermKind::All:
          return_from_frame(result_of(t.qualifier));
          if (done()) return;
          continue;
        case SpfTermKind::Ptr:
          if (!count_term(t)) return;
          continue;  // needs the client's address: not looked up
        case SpfTermKind::A:
        case SpfTermKind::Mx:
        case SpfTermKind::Exists:
        case SpfTermKind::Include: {
          if (!count_term(t)) return;
          if (t.has_macro) continue;  // cannot be expanded without a message
          const std::string target = t.domain_spec.empty() ? f.domain : lower_no_dot(t.domain_spec);
          if (t.kind == SpfTermKind::Include) {
            waiting_ = Waiting::Record;
            pending_kind_ = FrameKind::Include;
            pending_qualifier_ = t.qualifier;
            question_ = SpfQuestion{target, 16};
          } else if (t.kind == SpfTermKind::Mx) {
            waiting_ = Waiting::Mx;
            question_ = SpfQuestion{target, 15};
          } else {
            waiting_ = Waiting::Address;
            question_ = SpfQuestion{target, 1};
          }
          return;
        }
      }
      continue;
    }
    if (f.record.redirect && !f.redirected) {
      const SpfTerm& t = f.record.terms[*f.record.redirect];
      f.redirected = true;
      if (!count_term(t)) return;
      if (!t.has_macro) {
        waiting_ = Waiting::Record;
        pending_kind_ = FrameKind::Redirect;
        question_ = SpfQuestion{lower_no_dot(t.domain_spec), 16};
        return;
      }
    }
    return_from_frame(SpfResult::Neutral);  // no term matched (RFC 7208 §4.7)
    if (done()) return;
  }
}

SpfEvaluation replay_spf(const std::string& domain, const DnsAnswer& txt,
                         const std::vector<DnsAnswer>& lookups) {
  SpfEvaluation ev(domain);
  ev.answer(txt);
  for (const auto& a : lookups) {
    if (ev.done()) break;
    const auto& q = *ev.question();
    if (lower_no_dot(a.qname) != q.name || a.qtype != q.qtype) break;  // not what it asked
    ev.answer(a);
  }
  return ev;
}

// ---- DMARC -----------------------------------------------------------------------------------

bool is_dmarc_record(std::string_view txt) {
  std::string_view s = trim(txt);
  if (s.empty() || lower(s.front()) != 'v') return false;
  s = trim(s.substr(1));
  if (s.empty() || s.front() != '=') return false;
  s = trim(s.substr(1));
  if (!s.starts_with("DMARC1")) return false;  // case-sensitive (RFC 7489 §6.4)
  s.remove_prefix(6);
  return s.empty() || is_wsp(s.front()) || s.front() == ';';
}

DmarcParse parse_dmarc(std::string_view txt) {
  DmarcParse out;
  if (!is_dmarc_record(txt)) {
    out.error = "not a v=DMARC1 record";
    return out;
  }
  DmarcRecord rec;
  bool have_p = false;
  const auto parts = split(txt, ';');
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view field = trim(parts[i]);
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      out.error = "tag without a value: \"" + std::string(field) + "\"";
      return out;
    }
    const std::string_view tag = trim(field.substr(0, eq));
    const std::string_view value = trim(field.substr(eq + 1));
    if (iequals(tag, "p")) {
      rec.p_text = std::string(value);
      auto p = dmarc_policy_value(value);
      if (!p) {
        out.error = "p=" + std::string(value) + " is not none, quarantine or reject";
        return out;
      }
      rec.p = *p;
      have_p = true;
    } else if (iequals(tag, "sp")) {
      rec.sp_text = std::string(value);
      rec.sp = dmarc_policy_value(value);
      if (!rec.sp) {
        out.error = "sp=" + std::string(value) + " is not none, quarantine or reject";
        return out;
      }
    } else if (iequals(tag, "pct")) {
      int v = -1;
      const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc{} || ptr != value.data() + value.size() || value.size() > 3 || v < 0 ||
          v > 100) {
        out.error = "pct=" + std::string(value) + " is not a number from 0 to 100";
        return out;
      }
      rec.pct = v;
      rec.pct_given = true;
    } else if (iequals(tag, "rua")) {
      rec.rua = std::string(value);
    }
  }
  if (!have_p) {
    out.error = "no p= tag";
    return out;
  }
  out.record = std::move(rec);
  return out;
}

std::string organizational_domain(std::string_view domain) {
  static const psl_ctx_t* psl = [] {
    const psl_ctx_t* p = psl_latest(nullptr);
    return p ? p : psl_builtin();
  }();
  const std::string d = lower_no_dot(domain);
  if (!psl || d.empty()) return d;
  const char* reg = psl_registrable_domain(psl, d.c_str());
  return reg ? std::string(reg) : d;
}

std::optional<std::string> dmarc_org_question(std::string_view domain, const DnsAnswer& at_domain) {
  if (at_domain.cls == DnsClass::Fail) return std::nullopt;
  if (!records_where(at_domain, is_dmarc_record).empty()) return std::nullopt;
  const std::string d = lower_no_dot(domain);
  const std::string org = organizational_domain(d);
  if (org == d) return std::nullopt;
  return "_dmarc." + org;
}

// ---- TLS-RPT ---------------------------------------------------------------------------------

bool is_tls_rpt_record(std::string_view txt) {
  if (!txt.starts_with("v=TLSRPTv1")) return false;
  txt.remove_prefix(10);
  return txt.empty() || is_wsp(txt.front()) || txt.front() == ';';
}

std::string tls_rpt_error(std::string_view txt) {
  if (!is_tls_rpt_record(txt)) return "not a v=TLSRPTv1 record";
  const auto parts = split(txt, ';');
  if (trim(parts[0]) != "v=TLSRPTv1") return "the version field is not exactly v=TLSRPTv1";
  std::optional<std::string_view> rua;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view field = trim(parts[i]);
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return "malformed field \"" + std::string(field) + "\"";
    if (field.substr(0, eq) == "rua") {
      if (rua) return "more than one rua= field";
      rua = field.substr(eq + 1);
    }
  }
  if (!rua) return "no rua= field";
  for (std::string_view uri : split(*rua, ',')) {
    uri = trim(uri);
    const bool bad_char =
        std::any_of(uri.begin(), uri.end(), [](char c) { return c <= 0x20 || c >= 0x7F; });
    if (uri.empty() || bad_char) return "bad rua URI \"" + std::string(uri) + "\"";
    if (istarts_with(uri, "mailto:")) {
      const std::string_view addr = uri.substr(7);
      const std::size_t at = addr.find('@');
      if (at == std::string_view::npos || at == 0 || at + 1 >= addr.size())
        return "rua URI \"" + std::string(uri) + "\" has no mail address";
    } else if (istarts_with(uri, "https://")) {
      const std::string_view rest = uri.substr(8);
      if (rest.empty() || rest.front() == '/')
        return "rua URI \"" + std::string(uri) + "\" has no host";
    } else {
      return "rua URI \"" + std::string(uri) + "\" is neither mailto: nor https:";
    }
  }
  return "";
}

// ---- verdicts --------------------------------------------------------------------------------

SpfDecision decide_spf(MailStandardsEvidence& ev, const std::string& domain) {
  const SpfEvaluation e = replay_spf(domain, ev.spf_txt, ev.spf_lookups);
  ev.spf_record = e.record();
  ev.spf_trace = e.trace();
  ev.spf_dns_terms = e.dns_terms();
  ev.spf_void_lookups = e.void_lookups();
  SpfDecision d;
  if (!e.done()) {
    ev.spf_result = std::string(to_string(SpfResult::TempError));
    ev.spf_reason = "the recorded answers end before the evaluation does";
    return d;
  }
  ev.spf_result = std::string(to_string(e.result()));
  ev.spf_reason = e.reason();
  switch (e.result()) {
    case SpfResult::None:
      d.verdict = SpfVerdict::None;
      break;
    case SpfResult::TempError:
      d.verdict = SpfVerdict::Error;
      break;
    case SpfResult::PermError:
      d.verdict = SpfVerdict::Invalid;
      break;
    case SpfResult::Fail:
      d = {SpfVerdict::Valid, SpfPolicy::Strict};
      break;
    case SpfResult::SoftFail:
      d = {SpfVerdict::Valid, SpfPolicy::Soft};
      break;
    case SpfResult::Pass:
    case SpfResult::Neutral:
      d = {SpfVerdict::Valid, SpfPolicy::Open};
      break;
  }
  return d;
}

DmarcDecision decide_dmarc(MailStandardsEvidence& ev) {
  ev.dmarc_record.clear();
  ev.dmarc_from_org = false;
  ev.dmarc_pct.reset();
  ev.dmarc_p.clear();
  ev.dmarc_sp.clear();
  ev.dmarc_rua.clear();
  ev.dmarc_reason.clear();
  DmarcDecision d;
  const DnsAnswer* where = &ev.dmarc_txt;
  if (ev.dmarc_txt.cls == DnsClass::Fail) {
    ev.dmarc_reason = answer_why(ev.dmarc_txt);
    return d;
  }
  auto recs = records_where(ev.dmarc_txt, is_dmarc_record);
  if (recs.empty() && ev.dmarc_org_txt) {
    where = &*ev.dmarc_org_txt;
    if (where->cls == DnsClass::Fail) {
      ev.dmarc_reason = answer_why(*where);
      return d;
    }
    recs = records_where(*where, is_dmarc_record);
    ev.dmarc_from_org = !recs.empty();
  }
  if (recs.empty()) {
    d.verdict = DmarcVerdict::None;
    ev.dmarc_reason = "no v=DMARC1 record at " + ev.dmarc_txt.qname +
                      (ev.dmarc_org_txt ? " nor at " + ev.dmarc_org_txt->qname : std::string());
    return d;
  }
  if (recs.size() > 1) {
    d.verdict = DmarcVerdict::Invalid;
    ev.dmarc_reason = std::to_string(recs.size()) + " v=DMARC1 records at " + where->qname;
    return d;
  }
  ev.dmarc_record = recs.front();
  const DmarcParse parsed = parse_dmarc(recs.front());
  if (!parsed.record) {
    d.verdict = DmarcVerdict::Invalid;
    ev.dmarc_reason = parsed.error;
    return d;
  }
  const DmarcRecord& r = *parsed.record;
  ev.dmarc_p = r.p_text;
  ev.dmarc_sp = r.sp_text;
  ev.dmarc_rua = r.rua;
  ev.dmarc_pct = r.pct;
  d.verdict = DmarcVerdict::Valid;
  d.policy = ev.dmarc_from_org && r.sp ? *r.sp : r.p;
  return d;
}

DkimVerdict decide_dkim(const MailStandardsEvidence& ev) {
  if (ev.dkim.cls == DnsClass::Fail) return DkimVerdict::Error;
  return ev.dkim.reason == DnsReason::NxDomain ? DkimVerdict::Absent : DkimVerdict::Present;
}

TlsRptVerdict decide_tls_rpt(MailStandardsEvidence& ev, MailVerdict mail) {
  ev.tls_rpt_record.clear();
  ev.tls_rpt_reason.clear();
  if (mail != MailVerdict::Receives) return TlsRptVerdict::NotApplicable;
  if (ev.tls_rpt_txt.cls == DnsClass::Fail) {
    ev.tls_rpt_reason = answer_why(ev.tls_rpt_txt);
    return TlsRptVerdict::Error;
  }
  const auto recs = records_where(ev.tls_rpt_txt, is_tls_rpt_record);
  if (recs.empty()) {
    ev.tls_rpt_reason = "no v=TLSRPTv1 record at " + ev.tls_rpt_txt.qname;
    return TlsRptVerdict::None;
  }
  if (recs.size() > 1) {
    ev.tls_rpt_reason = std::to_string(recs.size()) + " v=TLSRPTv1 records";
    return TlsRptVerdict::Invalid;
  }
  ev.tls_rpt_record = recs.front();
  ev.tls_rpt_reason = tls_rpt_error(recs.front());
  return ev.tls_rpt_reason.empty() ? TlsRptVerdict::Valid : TlsRptVerdict::Invalid;
}

void decide_mail_standards(MailStandardsEvidence& ev, const std::string& domain, DomainVerdict& v) {
  if (!ev.measured) return;
  ev.org_domain = organizational_domain(domain);
  const SpfDecision spf = decide_spf(ev, domain);
  v.spf = spf.verdict;
  v.spf_policy = spf.policy;
  const DmarcDecision dmarc = decide_dmarc(ev);
  v.dmarc = dmarc.verdict;
  v.dmarc_policy = dmarc.policy;
  v.dkim = decide_dkim(ev);
  v.tls_rpt = decide_tls_rpt(ev, v.mail);
}

}  // namespace nulmeting::verdict
