// The start-up route check: a UDP connect() asks the kernel for a route without sending. In a
// fresh network namespace (nothing but a down loopback) there is no route of either family.
#include <nulmeting/scanner/route_check.hpp>

#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nulmeting::scanner;

TEST_CASE("route check: loopback is routable, garbage is not", "[route]") {
  CHECK(has_route_to("127.0.0.1"));
  CHECK_FALSE(has_route_to("not-an-address"));
  CHECK_FALSE(has_route_to(""));
}

TEST_CASE("route check: an empty network namespace has neither family", "[route]") {
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // 77: cannot create a namespace here (not root); 0: as expected; 1: a route was found.
    if (unshare(CLONE_NEWNET) != 0) _exit(77);
    const RouteCheck r = check_routes();
    _exit(!r.ipv4 && !r.ipv6 && !has_route_to("127.0.0.1") ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("skipped: unshare(CLONE_NEWNET) needs root");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}
