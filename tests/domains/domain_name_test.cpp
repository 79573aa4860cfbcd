// Domain name normalisation: a table of what people write and what the scanner must query,
// or the words the error has to contain.
#include <nulmeting/domains/domain_name.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace nulmeting;

TEST_CASE("normalize_domain accepts and normalises", "[domains][domain_name]") {
  struct Row {
    std::string in, ascii, display;
  };
  const Row rows[] = {
      {"example.nl", "example.nl", "example.nl"},
      {"Example.NL", "example.nl", "example.nl"},
      {"example.nl.", "example.nl", "example.nl"},
      {"  example.nl \t", "example.nl", "example.nl"},
      {"\xC2\xA0"
       "example.nl",
       "example.nl", "example.nl"},  // NBSP from a spreadsheet
      {"alphen-chaam.nl", "alphen-chaam.nl", "alphen-chaam.nl"},
      {"s-hertogenbosch.nl", "s-hertogenbosch.nl", "s-hertogenbosch.nl"},
      {"bücher.nl", "xn--bcher-kva.nl", "bücher.nl"},
      {"BÜCHER.NL", "xn--bcher-kva.nl", "bücher.nl"},
      {"xn--bcher-kva.nl", "xn--bcher-kva.nl", "bücher.nl"},
      {"XN--BCHER-KVA.nl", "xn--bcher-kva.nl", "bücher.nl"},
      // Non-transitional UTS #46: ß is kept (not mapped to ss).
      {"faß.de", "xn--fa-hia.de", "faß.de"},
      // Full-width letters are mapped.
      {"\xEF\xBD\x85xample.nl", "example.nl", "example.nl"},
      {"bücher.nl.", "xn--bcher-kva.nl", "bücher.nl"},
      {"a.b.c.d.example.nl", "a.b.c.d.example.nl", "a.b.c.d.example.nl"},
      {"123.example.nl", "123.example.nl", "123.example.nl"},
      {std::string(63, 'a') + ".nl", std::string(63, 'a') + ".nl", std::string(63, 'a') + ".nl"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    auto n = normalize_domain(r.in);
    REQUIRE(n.has_value());
    CHECK(n->ascii == r.ascii);
    CHECK(n->display == r.display);
  }
}

TEST_CASE("normalize_domain rejects with a precise reason", "[domains][domain_name]") {
  // 4 labels of 63 + dots = 255 octets: over 253.
  const std::string l63(63, 'a');
  const std::string too_long = l63 + "." + l63 + "." + l63 + "." + l63;
  struct Row {
    std::string in, words;
  };
  const Row rows[] = {
      {"", "empty"},
      {"   ", "empty"},
      {".", "only a dot"},
      {"192.0.2.1", "IPv4 address"},
      {"10.1", "IPv4 address"},
      {"[192.0.2.1]", "IP address literal"},
      {"2001:db8::1", "IPv6 address"},
      {"[2001:db8::1]", "IP address literal"},
      {"::1", "IPv6 address"},
      {"example.nl:25", "port number"},
      {"https://www.example.nl/", "is a URL"},
      {"www.example.nl/contact", "is a URL"},
      {"info@example.nl", "the part after '@': 'example.nl'"},
      {"example..nl", "empty label"},
      {".example.nl", "empty label"},
      {"example.nl..", "empty label"},
      {l63 + "a.nl", "64 octets long (at most 63)"},
      {too_long, "255 octets long in DNS form (at most 253)"},
      {"exa_mple.nl", "invalid character '_'"},
      {"exa mple.nl", "invalid character ' '"},
      {"example.nl/", "invalid character '/'"},
      {"exam\x01ple.nl", "invalid character U+0001"},
      {"-example.nl", "starts with a hyphen"},
      {"example-.nl", "ends with a hyphen"},
      {"ab--cd.nl", "reserved for encoded labels"},
      {"xn--zz.nl", "not a valid A-label"},
      {"localhost", "single-label name"},
      {"gemeente", "single-label name"},
      {"example.123", "all digits"},
      {"\xF0\x9F\x98\x80.nl", "not a valid internationalised domain label"},  // emoji
      {std::string(2000, 'a'), "octets long"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.in);
    auto n = normalize_domain(r.in);
    REQUIRE_FALSE(n.has_value());
    CHECK_THAT(n.error(), Catch::Contains(r.words));
  }
}
