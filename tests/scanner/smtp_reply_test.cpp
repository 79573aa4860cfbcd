// Table tests for the SMTP reply parser (smtp_reply.hpp).
#include <nulmeting/scanner/smtp_reply.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting::scanner;
using Status = SmtpReplyParser::Status;

namespace {
struct Row {
  const char* name;
  std::string input;
  Status status;
  int code;
  std::vector<std::string> lines;
  std::size_t consumed;  // bytes used by the first reply (npos: all)
  SmtpReplyError error = SmtpReplyError::None;
};
}  // namespace

TEST_CASE("SMTP reply parser: table", "[smtp]") {
  constexpr auto all = std::string::npos;
  const std::vector<Row> rows = {
      {"single line",
       "220 mx.example.nl ESMTP\r\n",
       Status::Complete,
       220,
       {"mx.example.nl ESMTP"},
       all},
      {"bare LF", "220 hi\n", Status::Complete, 220, {"hi"}, all},
      {"code only", "250\r\n", Status::Complete, 250, {""}, all},
      {"multi-line",
       "250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
       Status::Complete,
       250,
       {"mx", "PIPELINING", "STARTTLS"},
       all},
      {"stops after the reply", "220 a\r\n250 b\r\n", Status::Complete, 220, {"a"}, 7},
      {"incomplete line", "220 mx", Status::Incomplete, 0, {}, all},
      {"incomplete multi-line", "250-a\r\n250-b\r\n", Status::Incomplete, 250, {"a", "b"}, all},
      {"non-printable replaced",
       std::string("220 a\x01\x7f\xff"
                   "b\r\n"),
       Status::Complete,
       220,
       {"a???b"},
       all},
      {"NUL replaced", std::string("220 a\0b\r\n", 9), Status::Complete, 220, {"a?b"}, all},
      {"no code", "hello\r\n", Status::Error, 0, {}, all, SmtpReplyError::Malformed},
      {"two digits", "22 x\r\n", Status::Error, 0, {}, all, SmtpReplyError::Malformed},
      {"bad separator", "220_x\r\n", Status::Error, 0, {}, all, SmtpReplyError::Malformed},
      {"code 1xx", "199 x\r\n", Status::Error, 0, {}, all, SmtpReplyError::Malformed},
      {"code 6xx", "600 x\r\n", Status::Error, 0, {}, all, SmtpReplyError::Malformed},
      {"code changes",
       "250-a\r\n251 b\r\n",
       Status::Error,
       250,
       {"a"},
       all,
       SmtpReplyError::CodeMismatch},
      {"4xx", "421 4.3.2 busy\r\n", Status::Complete, 421, {"4.3.2 busy"}, all},
  };
  for (const auto& row : rows) {
    CAPTURE(row.name);
    SmtpReplyParser p;
    std::size_t used = 0;
    const auto st = p.feed(row.input, used);
    CHECK(st == row.status);
    CHECK(p.error() == row.error);
    if (row.status != Status::Error || !row.lines.empty()) {
      CHECK(p.reply().code == row.code);
      CHECK(p.reply().lines == row.lines);
    }
    CHECK(used == (row.consumed == all ? row.input.size() : row.consumed));
  }
}

TEST_CASE("SMTP reply parser: byte-by-byte feed gives the same reply", "[smtp]") {
  const std::string in = "250-mx.example.nl\r\n250-SIZE 1000\r\n250 STARTTLS\r\n";
  SmtpReplyParser p;
  Status st = Status::Incomplete;
  for (char c : in) {
    std::size_t used = 0;
    st = p.feed(std::string_view(&c, 1), used);
    CHECK(used == 1);
  }
  REQUIRE(st == Status::Complete);
  CHECK(p.reply().lines.size() == 3);
  CHECK(ehlo_has(p.reply(), "starttls"));
  CHECK_FALSE(ehlo_has(p.reply(), "PIPELINING"));
  CHECK(ehlo_keywords(p.reply()) == std::vector<std::string>{"SIZE", "STARTTLS"});
}

TEST_CASE("EHLO keywords: the greeting line is not a keyword", "[smtp]") {
  SmtpReplyParser p;
  std::size_t used = 0;
  REQUIRE(p.feed("250-STARTTLS is what I say\r\n250 8BITMIME\r\n", used) == Status::Complete);
  CHECK_FALSE(ehlo_has(p.reply(), "STARTTLS"));
  p.reset();
  REQUIRE(p.feed("250-mx\r\n250-starttls\r\n250 AUTH=LOGIN\r\n", used) == Status::Complete);
  CHECK(ehlo_has(p.reply(), "STARTTLS"));
  CHECK(ehlo_has(p.reply(), "AUTH"));
}

TEST_CASE("SMTP reply parser: caps bound memory and end hostile replies", "[smtp]") {
  SmtpReplyLimits lim;
  SECTION("a long line is kept truncated (Postfix skips the excess)") {
    SmtpReplyParser p(lim);
    std::size_t used = 0;
    const std::string in = "220 " + std::string(5000, 'x') + "\r\n";
    REQUIRE(p.feed(in, used) == Status::Complete);
    CHECK(p.reply().lines[0].size() == lim.max_line);
    CHECK(p.reply().truncated);
  }
  SECTION("a 1 MiB line is truncated, not an error (Postfix reads past it too)") {
    SmtpReplyParser p(lim);
    std::size_t used = 0;
    const std::string in = "250 " + std::string(1u << 20, 'x') + "\r\n";
    REQUIRE(p.feed(in, used) == Status::Complete);
    CHECK(p.reply().lines[0].size() == lim.max_line);
  }
  SECTION("an endless line is an error once max_reply_bytes are read") {
    SmtpReplyParser p(lim);
    const std::string chunk(16384, 'A');
    Status st = Status::Incomplete;
    std::size_t fed = 0;
    for (int i = 0; i < 1024 && st == Status::Incomplete; ++i) {
      std::size_t used = 0;
      st = p.feed(i == 0 ? "220 " + chunk : chunk, used);
      fed += used;
    }
    CHECK(st == Status::Error);
    CHECK(p.error() == SmtpReplyError::TooLarge);
    CHECK(fed <= lim.max_reply_bytes + 2 * chunk.size());
  }
  SECTION("endless continuation is an error after max_lines") {
    SmtpReplyParser p(lim);
    Status st = Status::Incomplete;
    int lines = 0;
    while (st == Status::Incomplete && lines < 100000) {
      std::size_t used = 0;
      st = p.feed("250-x\r\n", used);
      ++lines;
    }
    CHECK(st == Status::Error);
    CHECK(p.error() == SmtpReplyError::TooManyLines);
    CHECK(lines == static_cast<int>(lim.max_lines) + 1);
  }
  SECTION("error is sticky until reset") {
    SmtpReplyParser p(lim);
    std::size_t used = 0;
    CHECK(p.feed("xx\r\n", used) == Status::Error);
    CHECK(p.feed("220 ok\r\n", used) == Status::Error);
    CHECK(used == 0);
    p.reset();
    CHECK(p.feed("220 ok\r\n", used) == Status::Complete);
  }
}

TEST_CASE("sanitize", "[smtp]") {
  CHECK(sanitize("ab\tc\r\n", 100) == "ab?c??");
  CHECK(sanitize("abcdef", 3) == "abc");
}

#include <nulmeting/scanner/smtp_probe.hpp>

TEST_CASE("EHLO name validation", "[smtp]") {
  for (const char* ok : {"scanner.example.nl", "scanner.example.nl.", "a-b.c9.nl", "[192.0.2.1]",
                         "[IPv6:2001:db8::1]", "localhost.localdomain"}) {
    CAPTURE(ok);
    CHECK(valid_ehlo_name(ok));
  }
  for (const char* bad : {"", "localhost", "scanner example.nl", "x.nl\r\nMAIL FROM:<a@b>", "-a.nl",
                          "a-.nl", "a..nl", ".a.nl", "[1.2.3.4", "[]", "a_b.nl"}) {
    CAPTURE(bad);
    CHECK_FALSE(valid_ehlo_name(bad));
  }
}
