// smtp_reply.cpp — see smtp_reply.hpp.
#include <nulmeting/scanner/smtp_reply.hpp>

#include <algorithm>
#include <cctype>

namespace nulmeting::scanner {

std::string_view to_string(SmtpReplyError e) noexcept {
  switch (e) {
    case SmtpReplyError::None:
      return "none";
    case SmtpReplyError::Malformed:
      return "malformed reply line";
    case SmtpReplyError::CodeMismatch:
      return "reply code changes inside a multi-line reply";
    case SmtpReplyError::TooManyLines:
      return "reply has too many lines";
    case SmtpReplyError::TooLarge:
      return "reply too large";
  }
  return "unknown";
}

std::string SmtpReply::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += std::to_string(code);
    out += (i + 1 == lines.size()) ? ' ' : '-';
    out += lines[i];
    out += '\n';
  }
  return out;
}

std::string sanitize(std::string_view in, std::size_t cap) {
  std::string out;
  out.reserve(std::min(in.size(), cap));
  for (const char c : in) {
    if (out.size() >= cap) break;
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

void SmtpReplyParser::reset() {
  status_ = Status::Incomplete;
  error_ = SmtpReplyError::None;
  reply_ = SmtpReply{};
  line_.clear();
  line_over_ = false;
  bytes_ = 0;
}

SmtpReplyParser::Status SmtpReplyParser::fail(SmtpReplyError e) {
  status_ = Status::Error;
  error_ = e;
  line_.clear();
  return status_;
}

SmtpReplyParser::Status SmtpReplyParser::feed(std::string_view in, std::size_t& used) {
  used = 0;
  if (status_ != Status::Incomplete) return status_;
  const std::size_t line_cap = limits_.max_line + 4;  // "NNN-" prefix
  while (used < in.size()) {
    const auto nl = in.find('\n', used);
    const std::size_t end = nl == std::string_view::npos ? in.size() : nl;
    const std::size_t chunk = end - used;
    // Count bytes before storing: the per-reply byte budget bounds the time spent on a reply.
    if (bytes_ + chunk + (nl == std::string_view::npos ? 0 : 1) > limits_.max_reply_bytes) {
      used = in.size();
      return fail(SmtpReplyError::TooLarge);
    }
    bytes_ += chunk;
    if (!line_over_) {
      const std::size_t room = line_cap - line_.size();
      line_.append(in.substr(used, std::min(room, chunk)));
      if (chunk > room) line_over_ = true;
    }
    used = end;
    if (nl == std::string_view::npos) break;
    ++used;
    ++bytes_;
    if (endLine() != Status::Incomplete) return status_;
  }
  return status_;
}

SmtpReplyParser::Status SmtpReplyParser::endLine() {
  std::string_view l = line_;
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  // RFC 5321 §4.2: three digits, then ' ' (last line), '-' (continuation) or end of line.
  if (l.size() < 3 || !std::isdigit(static_cast<unsigned char>(l[0])) ||
      !std::isdigit(static_cast<unsigned char>(l[1])) ||
      !std::isdigit(static_cast<unsigned char>(l[2])) || l[0] < '2' || l[0] > '5')
    return fail(SmtpReplyError::Malformed);
  const int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
  bool last = true;
  if (l.size() > 3) {
    if (l[3] == '-')
      last = false;
    else if (l[3] != ' ')
      return fail(SmtpReplyError::Malformed);
  }
  if (reply_.lines.empty())
    reply_.code = code;
  else if (code != reply_.code)
    return fail(SmtpReplyError::CodeMismatch);
  if (reply_.lines.size() >= limits_.max_lines) return fail(SmtpReplyError::TooManyLines);
  const std::string_view text = l.size() > 4 ? l.substr(4) : std::string_view{};
  reply_.lines.push_back(sanitize(text, limits_.max_line));
  if (line_over_ || text.size() > limits_.max_line) reply_.truncated = true;
  line_.clear();
  line_over_ = false;
  if (last) status_ = Status::Complete;
  return status_;
}

std::vector<std::string> ehlo_keywords(const SmtpReply& ehlo) {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < ehlo.lines.size(); ++i) {
    const std::string& l = ehlo.lines[i];
    std::string kw;
    for (const char c : l) {
      if (c == ' ' || c == '=') break;  // "AUTH=LOGIN" is an old form of "AUTH LOGIN"
      kw.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (!kw.empty()) out.push_back(std::move(kw));
  }
  return out;
}

bool ehlo_has(const SmtpReply& ehlo, std::string_view keyword) {
  const auto kws = ehlo_keywords(ehlo);
  return std::any_of(kws.begin(), kws.end(), [&](const std::string& k) {
    return k.size() == keyword.size() &&
           std::equal(k.begin(), k.end(), keyword.begin(), [](char a, char b) {
             return std::toupper(static_cast<unsigned char>(a)) ==
                    std::toupper(static_cast<unsigned char>(b));
           });
  });
}

}  // namespace nulmeting::scanner
