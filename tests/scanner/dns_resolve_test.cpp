// looks_like_ip_literal (an MX exchange that parses as an address is flagged, §2.2). The rules
// the resolver applies (host status, TLSA candidates, ...) are the verdict module's and are
// tested in tests/verdict/host_test.cpp; the asynchronous chaining against the testbed.
#include <nulmeting/scanner/resolve.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting;
using namespace nulmeting::scanner;

TEST_CASE("looks_like_ip_literal", "[dns][resolve]") {
  for (const char* yes : {"192.0.2.1", "192.0.2.1.", "2001:db8::25", "[192.0.2.1]"}) {
    INFO(yes);
    CHECK(looks_like_ip_literal(yes));
  }
  for (const char* no : {"mx.example.nl", "192.0.2.1.example.nl", "1.2.3", "256.0.0.1", ""}) {
    INFO(no);
    CHECK_FALSE(looks_like_ip_literal(no));
  }
}
