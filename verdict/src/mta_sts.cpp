// mta_sts.cpp — RFC 8461 records, policy grammar and the §5 verdict (see mta_sts.hpp).
#include <nulmeting/verdict/mta_sts.hpp>

#include <algorithm>

namespace nulmeting::verdict {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_wsp(char c) { return c == ' ' || c == '\t'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::string_view trim_wsp(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

// Both records and policies: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".").
bool is_ext_name(std::string_view s) {
  if (s.empty() || s.size() > 32 || !is_alnum(s.front())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

// RFC 5321 Domain: sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str].
bool is_domain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || !is_alnum(label.front()) || !is_alnum(label.back()))
      return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_alnum(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view strip_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

// One TXT record that begins with "v=STSv1": its grammar (§3.1). Returns the id or an error.
StsTxt parse_one_record(std::string_view rec) {
  StsTxt out;
  out.kind = StsTxt::Kind::Invalid;
  std::string_view rest = rec.substr(7);  // after "v=STSv1"
  bool any_field = false;
  while (!rest.empty()) {
    // sts-field-delim = *WSP ";" *WSP
    std::size_t i = 0;
    while (i < rest.size() && is_wsp(rest[i])) ++i;
    if (i == rest.size() || rest[i] != ';') {
      out.reason = "TXT record: expected ';' in \"" + std::string(rec) + "\"";
      return out;
    }
    ++i;
    while (i < rest.size() && is_wsp(rest[i])) ++i;
    rest.remove_prefix(i);
    if (rest.empty()) break;  // a trailing delimiter is allowed
    std::size_t end = 0;
    while (end < rest.size() && rest[end] != ';' && !is_wsp(rest[end])) ++end;
    const std::string_view field = rest.substr(0, end);
    rest.remove_prefix(end);
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos || !is_ext_name(field.substr(0, eq)) ||
        eq + 1 == field.size()) {
      out.reason = "TXT record: malformed field \"" + std::string(field) + "\"";
      return out;
    }
    const std::string_view name = field.substr(0, eq), value = field.substr(eq + 1);
    for (char c : value)
      if (c < 0x21 || c > 0x7e || c == '=') {
        out.reason = "TXT record: malformed field \"" + std::string(field) + "\"";
        return out;
      }
    any_field = true;
    if (name == "id" && out.id.empty()) {
      if (value.size() > 32 || !std::all_of(value.begin(), value.end(), is_alnum)) {
        out.reason =
            "TXT record: id must be 1 to 32 letters or digits, is \"" + std::string(value) + "\"";
        return out;
      }
      out.id = std::string(value);
    }
  }
  if (!any_field || out.id.empty()) {
    out.reason = "TXT record without id=";
    return out;
  }
  out.kind = StsTxt::Kind::Valid;
  return out;
}

}  // namespace

std::string txt_value(std::string_view p) {
  std::string out;
  std::size_t i = 0;
  bool quoted_any = false;
  while (i < p.size()) {
    if (is_wsp(p[i])) {
      ++i;
      continue;
    }
    if (p[i] != '"') {
      if (!quoted_any) return std::string(p);  // not presentation format: as it is
      out.push_back(p[i++]);
      continue;
    }
    quoted_any = true;
    ++i;
    while (i < p.size() && p[i] != '"') {
      if (p[i] == '\\' && i + 1 < p.size()) {
        if (i + 3 < p.size() && is_digit(p[i + 1]) && is_digit(p[i + 2]) && is_digit(p[i + 3])) {
          const int v = (p[i + 1] - '0') * 100 + (p[i + 2] - '0') * 10 + (p[i + 3] - '0');
          out.push_back(static_cast<char>(static_cast<unsigned char>(v & 0xff)));
          i += 4;
        } else {
          out.push_back(p[i + 1]);
          i += 2;
        }
        continue;
      }
      out.push_back(p[i++]);
    }
    if (i < p.size()) ++i;  // closing quote
  }
  return out;
}

StsTxt sts_txt(const std::vector<std::string>& records) {
  std::vector<std::string> sts;
  for (const auto& r : records) {
    std::string v = txt_value(r);
    // §3.1: records that do not begin with "v=STSv1" are discarded (a delimiter must follow).
    if (v.starts_with("v=STSv1") && (v.size() == 7 || v[7] == ';' || is_wsp(v[7])))
      sts.push_back(std::move(v));
  }
  if (sts.empty()) return {};
  if (sts.size() > 1) {
    StsTxt out;
    out.kind = StsTxt::Kind::Invalid;
    out.reason = std::to_string(sts.size()) + " TXT records start with v=STSv1 (one allowed)";
    return out;
  }
  return parse_one_record(sts.front());
}

StsPolicyParse parse_sts_policy(std::string_view text) {
  StsPolicyParse out;
  bool have_version = false, have_mode = false;
  std::string error;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim_wsp(line);
    if (line.empty()) continue;  // blank lines are read leniently (see docs/decisions)
    const std::string where = "line " + std::to_string(line_no) + ": ";
    // The first error decides; reading goes on so that the evidence shows the whole policy.
    const auto fail = [&](std::string why) {
      if (error.empty()) error = where + why;
    };
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      fail("no ':'");
      continue;
    }
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = trim_wsp(line.substr(colon + 1));
    if (!is_ext_name(key)) {
      fail("malformed key");
      continue;
    }
    if (value.empty()) {
      fail("empty value for " + std::string(key));
      continue;
    }
    if (key == "version") {
      if (have_version) continue;  // the first occurrence counts
      have_version = true;
      if (value != "STSv1") fail("version is not STSv1");
    } else if (key == "mode") {
      if (have_mode) continue;
      have_mode = true;
      out.mode = std::string(value);
      if (value != "enforce" && value != "testing" && value != "none")
        fail("unknown mode \"" + std::string(value) + "\"");
    } else if (key == "max_age") {
      if (out.max_age) continue;
      if (value.size() > 10 || !std::all_of(value.begin(), value.end(), is_digit)) {
        fail("max_age is not 1 to 10 digits");
        continue;
      }
      out.max_age = std::stoll(std::string(value));
      if (*out.max_age > kMaxStsMaxAge) fail("max_age above 31557600");
    } else if (key == "mx") {
      const std::string_view host = value.starts_with("*.") ? value.substr(2) : value;
      if (!is_domain(host)) {
        fail("mx \"" + std::string(value) + "\" is not a host name or *.name");
        continue;
      }
      out.mx.push_back(lower(value));
    }
    // any other key is an extension (§3.2): ignored
  }
  if (error.empty()) {
    if (!have_version)
      error = "no version";
    else if (!have_mode)
      error = "no mode";
    else if (!out.max_age)
      error = "no max_age";
    else if (out.mode != "none" && out.mx.empty())
      error = "no mx pattern (required unless mode is none)";
  }
  if (!error.empty()) {
    out.error = error;
    return out;
  }
  StsPolicy p;
  p.mode = out.mode == "enforce"   ? StsMode::Enforce
           : out.mode == "testing" ? StsMode::Testing
                                   : StsMode::None;
  p.max_age = *out.max_age;
  p.mx = out.mx;
  out.policy = std::move(p);
  return out;
}

bool sts_mx_matches(std::string_view pattern, std::string_view host) {
  const std::string p = lower(strip_dot(pattern));
  const std::string h = lower(strip_dot(host));
  if (p.empty() || h.empty()) return false;
  if (p.starts_with("*.")) {
    // exactly one label in place of "*": "*.example.nl" matches "mx.example.nl" only
    const std::size_t dot = h.find('.');
    return dot != std::string::npos && dot > 0 && std::string_view(h).substr(dot) == p.substr(1);
  }
  return p == h;
}

MtaStsVerdict decide_mta_sts(MtaStsEvidence& ev, MailVerdict mail,
                             const std::vector<MxHostResult>& mx) {
  ev.id.clear();
  ev.mode.clear();
  ev.max_age.reset();
  ev.mx_patterns.clear();
  ev.mx_not_matching.clear();
  ev.reason.clear();
  if (mail != MailVerdict::Receives) return MtaStsVerdict::NotApplicable;
  if (!ev.looked_up) {
    ev.reason = "not measured";
    return MtaStsVerdict::Error;
  }
  if (ev.txt.cls == DnsClass::Fail) {
    ev.reason = "DNS failure at _mta-sts: " + std::string(to_string(ev.txt.reason));
    return MtaStsVerdict::Error;
  }
  const StsTxt txt = sts_txt(ev.txt.records);
  switch (txt.kind) {
    case StsTxt::Kind::None:
      ev.reason = "no TXT record";
      return MtaStsVerdict::None;
    case StsTxt::Kind::Invalid:
      ev.reason = txt.reason;
      return MtaStsVerdict::Invalid;
    case StsTxt::Kind::Valid:
      break;
  }
  ev.id = txt.id;
  switch (ev.fetch) {
    case MtaStsFetch::Ok:
      break;
    case MtaStsFetch::NotFetched:
      ev.reason = "policy not fetched";
      return MtaStsVerdict::Error;
    case MtaStsFetch::DnsError:
      ev.reason = "DNS failure at mta-sts host";
      return MtaStsVerdict::Error;
    default: {
      ev.reason = "policy fetch: " + std::string(to_string(ev.fetch));
      if (!ev.fetch_error.empty()) ev.reason += " (" + ev.fetch_error + ")";
      return MtaStsVerdict::Invalid;
    }
  }
  if (ev.http_status != 200) {
    ev.reason = "policy fetch: HTTP status " + std::to_string(ev.http_status);
    return MtaStsVerdict::Invalid;
  }
  // Media type text/plain, parameters (charset) allowed, case-insensitive (RFC 8461 §3.2).
  const std::string type =
      lower(trim_wsp(std::string_view(ev.content_type)
                         .substr(0, std::min(ev.content_type.size(), ev.content_type.find(';')))));
  if (type != "text/plain") {
    ev.reason = "policy Content-Type is \"" + ev.content_type + "\", not text/plain";
    return MtaStsVerdict::Invalid;
  }
  if (ev.policy_text.size() > kMaxStsPolicyBytes) {
    ev.reason = "policy fetch: too_large";
    return MtaStsVerdict::Invalid;
  }
  StsPolicyParse parsed = parse_sts_policy(ev.policy_text);
  ev.mode = parsed.mode;
  ev.max_age = parsed.max_age;
  ev.mx_patterns = parsed.mx;
  if (!parsed.policy) {
    ev.reason = "policy: " + parsed.error;
    return MtaStsVerdict::Invalid;
  }
  if (parsed.policy->mode == StsMode::None) {
    ev.reason = "mode none";
    return MtaStsVerdict::None;
  }
  for (const auto& h : mx) {
    const bool ok = std::any_of(parsed.policy->mx.begin(), parsed.policy->mx.end(),
                                [&](const std::string& p) { return sts_mx_matches(p, h.name); });
    if (!ok) ev.mx_not_matching.push_back(h.name);
  }
  if (!ev.mx_not_matching.empty()) {
    ev.reason = "MX host " + ev.mx_not_matching.front() + " matches no mx pattern";
    return MtaStsVerdict::Invalid;
  }
  ev.reason = "mode " + parsed.mode;
  return parsed.policy->mode == StsMode::Enforce ? MtaStsVerdict::Enforce : MtaStsVerdict::Testing;
}

}  // namespace nulmeting::verdict
