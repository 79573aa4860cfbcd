// smtp_reply.hpp — incremental, bounded parser for SMTP server replies (RFC 5321 §4.2).
//
// Who calls it: the STARTTLS probe (smtp_probe.cpp) feeds it every plaintext byte it reads;
// the fuzz target tests/fuzz/smtp_reply_fuzzer.cpp feeds it arbitrary input.
//
// Hygiene against hostile peers (modelled on Postfix posttls-finger `response()` and
// smtp_chat.c, not copied): a line longer than `max_line` is kept truncated and its excess
// skipped, as Postfix does — so a 1 MiB EHLO line costs no memory; `truncated` tells the probe,
// which records such a reply after the greeting as protocol_error (measurement.md §2.3: an
// over-long reply; the testbed's megaline case). Every byte read before the reply ends
// is counted, and a reply that passes `max_reply_bytes` (8 MiB, far beyond any real server) or
// `max_lines` is an error — so an endless line or continuation ends with a recorded error long
// before the phase deadline, and the memory held per reply stays bounded (at most
// max_lines * max_line stored bytes). Stored text has every byte outside printable ASCII
// replaced by '?'. A line that does not start with three digits, or whose code differs from the
// first line of the same reply, is a protocol error (Postfix flags it as such too).
//
// Invariants: after an error the parser stays in error until reset(). Bytes after the end of a
// complete reply are NOT consumed: feed() reports how many bytes it used, so the caller can keep
// (next reply) or discard (STARTTLS injection) the rest.
// Threading: none; a value type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner {

struct SmtpReplyLimits {
  std::size_t max_line = 2048;             // stored characters per line (Postfix line_length_limit)
  std::size_t max_lines = 200;             // lines per reply
  std::size_t max_reply_bytes = 8u << 20;  // bytes read before the reply must have ended
};

struct SmtpReply {
  int code = 0;                    // 200..599
  std::vector<std::string> lines;  // text after "NNN-" / "NNN ", sanitised, each <= max_line
  bool truncated = false;          // some line was longer than max_line

  int klass() const noexcept { return code / 100; }  // 2, 3, 4, 5
  // Every line as it would appear on the wire ("250-x", "250 y"), for transcripts.
  std::string text() const;
};

enum class SmtpReplyError : std::uint8_t {
  None,
  Malformed,     // line without a three-digit code, or bad separator
  CodeMismatch,  // continuation line with a different code
  TooManyLines,  // more than max_lines
  TooLarge,      // more than max_reply_bytes before the final line
};
std::string_view to_string(SmtpReplyError) noexcept;

class SmtpReplyParser {
 public:
  enum class Status : std::uint8_t { Incomplete, Complete, Error };

  explicit SmtpReplyParser(SmtpReplyLimits limits = {}) : limits_(limits) {}

  // Consumes bytes of `in` up to and including the end of the current reply (or all of `in`
  // when the reply is not complete yet). `used` receives the number of bytes consumed.
  Status feed(std::string_view in, std::size_t& used);

  Status status() const noexcept { return status_; }
  SmtpReplyError error() const noexcept { return error_; }
  // The reply once status() == Complete (also the partial reply after an error, for evidence).
  const SmtpReply& reply() const noexcept { return reply_; }
  std::size_t bytes_read() const noexcept { return bytes_; }
  // Starts a new reply; limits stay.
  void reset();

 private:
  Status endLine();
  Status fail(SmtpReplyError e);

  SmtpReplyLimits limits_;
  Status status_ = Status::Incomplete;
  SmtpReplyError error_ = SmtpReplyError::None;
  SmtpReply reply_;
  std::string line_;        // current line, capped at max_line + 4 (code and separator)
  bool line_over_ = false;  // current line passed the cap; excess is being skipped
  std::size_t bytes_ = 0;
};

// Replaces every byte outside 0x20..0x7e by '?', keeps at most `cap` characters.
std::string sanitize(std::string_view in, std::size_t cap);

// EHLO keywords (RFC 5321 §4.1.1.1): the first word of every line after the first, upper-cased.
std::vector<std::string> ehlo_keywords(const SmtpReply& ehlo);
bool ehlo_has(const SmtpReply& ehlo, std::string_view keyword);

}  // namespace nulmeting::scanner
