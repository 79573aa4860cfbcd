// libFuzzer target: the SMTP reply parser (scanner/smtp_reply.hpp) on arbitrary bytes, fed in
// chunks whose sizes come from the input, with small caps so that the limits are reached.
// Invariants checked: no crash/UB (ASan+UBSan), `used` never exceeds the input, stored text is
// printable and capped, the line count is capped, byte-by-byte and whole feeds agree.
#include <nulmeting/scanner/smtp_reply.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace nulmeting::scanner;

namespace {
void check(const SmtpReply& r, const SmtpReplyLimits& lim) {
  if (r.lines.size() > lim.max_lines) std::abort();
  for (const auto& l : r.lines) {
    if (l.size() > lim.max_line) std::abort();
    for (char c : l)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
        std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  SmtpReplyLimits lim{64, 8, 1024};
  const std::size_t chunk = 1 + data[0] % 17;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);

  SmtpReplyParser whole(lim);
  std::size_t used_whole = 0;
  const auto st_whole = whole.feed(in, used_whole);
  if (used_whole > in.size()) std::abort();
  check(whole.reply(), lim);

  SmtpReplyParser parts(lim);
  std::size_t pos = 0;
  auto st = SmtpReplyParser::Status::Incomplete;
  while (pos < in.size() && st == SmtpReplyParser::Status::Incomplete) {
    std::size_t used = 0;
    const auto piece = in.substr(pos, chunk);
    st = parts.feed(piece, used);
    if (used > piece.size()) std::abort();
    pos += used;
    if (used == 0) break;
  }
  check(parts.reply(), lim);
  if (st != st_whole) std::abort();
  if (st == SmtpReplyParser::Status::Complete) {
    if (pos != used_whole || parts.reply().lines != whole.reply().lines ||
        parts.reply().code != whole.reply().code)
      std::abort();
    (void)ehlo_keywords(whole.reply());
    (void)whole.reply().text();
  }
  return 0;
}
