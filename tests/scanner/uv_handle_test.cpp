// UvHandle frees handles only through the loop's close callback, and a loop whose handles were
// all reset closes cleanly (uv_loop_close == 0).
#include <nulmeting/scanner/uv_handle.hpp>

#include <catch2/catch.hpp>

using namespace nulmeting::scanner;

TEST_CASE("UvHandle: timers fire, reset closes, loop closes with 0", "[uv]") {
  UvLoop loop;
  int fired = 0;
  UvTimer t;
  REQUIRE(t.init([&](uv_timer_t* h) { return uv_timer_init(loop.get(), h); }) == 0);
  t->data = &fired;
  uv_timer_start(
      t.get(), [](uv_timer_t* h) { ++*static_cast<int*>(h->data); }, 1, 0);
  loop.run();
  CHECK(fired == 1);
  UvTimer moved = std::move(t);
  CHECK_FALSE(t);
  CHECK(moved);
  moved.reset();
  CHECK(loop.close() == 0);
}

TEST_CASE("UvLoop::close reports handles still open", "[uv]") {
  auto loop = std::make_unique<UvLoop>();
  UvTimer t;
  REQUIRE(t.init([&](uv_timer_t* h) { return uv_timer_init(loop->get(), h); }) == 0);
  CHECK(loop->close() == UV_EBUSY);  // the timer is still open
  t.reset();
  CHECK(loop->close() == 0);
}
