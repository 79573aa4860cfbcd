// UbUvEventBase: the event base libunbound runs on, driven here through its vmt exactly as
// libunbound drives it (new_event, add, del, add_timer, free), with socket pairs for readiness.
// DnsClient's tests run real libunbound on it; these pin the semantics libunbound relies on.
#include <nulmeting/scanner/ub_uv_event.hpp>

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace nulmeting::scanner;

namespace {

struct Pair {
  int fd[2] = {-1, -1};
  Pair() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0); }
  ~Pair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
  void send() { REQUIRE(::write(fd[1], "x", 1) == 1); }
};

struct Fired {
  std::vector<short> bits;
  ub_event* free_this = nullptr;  // freed from inside the callback (another event)
  ub_event* readd = nullptr;      // re-armed with a zero timeout from inside the callback
};

void on_event(int, short bits, void* arg) {
  auto* f = static_cast<Fired*>(arg);
  f->bits.push_back(bits);
  if (f->free_this != nullptr) {
    f->free_this->vmt->free(f->free_this);
    f->free_this = nullptr;
  }
  if (f->readd != nullptr) {
    timeval zero{0, 0};
    f->readd->vmt->add(f->readd, &zero);
  }
}

ub_event* make(UbUvEventBase& b, int fd, short bits, Fired& f) {
  ub_event_base* base = b.base();
  REQUIRE(base->magic == UB_EVENT_MAGIC);
  ub_event* e = base->vmt->new_event(base, fd, bits, &on_event, &f);
  REQUIRE(e != nullptr);
  REQUIRE(e->magic == UB_EVENT_MAGIC);
  return e;
}

// Runs the loop for `ms` (the base's poll handle is referenced: the loop would not end by itself).
void run_for(UvLoop& loop, std::uint64_t ms) {
  UvTimer stop;
  REQUIRE(stop.init([&](uv_timer_t* h) { return uv_timer_init(loop.get(), h); }) == 0);
  uv_timer_start(
      stop.get(), [](uv_timer_t* h) { uv_stop(h->loop); }, ms, 0);
  loop.run();
}

std::unique_ptr<UbUvEventBase> make_base(UvLoop& loop) {
  auto b = UbUvEventBase::create(loop.get());
  REQUIRE(b);
  (*b)->set_referenced(true);
  return std::move(*b);
}

}  // namespace

TEST_CASE("UbUvEventBase: a one-shot read event fires once, a persistent one until deleted",
          "[dns][ubevent]") {
  UvLoop loop;
  auto b = make_base(loop);
  Pair p1, p2;
  Fired once, persist;
  ub_event* e1 = make(*b, p1.fd[0], UB_EV_READ, once);
  ub_event* e2 = make(*b, p2.fd[0], UB_EV_READ | UB_EV_PERSIST, persist);
  REQUIRE(e1->vmt->add(e1, nullptr) == 0);
  REQUIRE(e2->vmt->add(e2, nullptr) == 0);
  int dispatches = 0;
  b->set_after_dispatch([&] { ++dispatches; });
  p1.send();
  p2.send();  // never read: the descriptor stays readable
  for (int i = 0; i < 5; ++i) loop.run(UV_RUN_NOWAIT);
  CHECK(once.bits == std::vector<short>{UB_EV_READ});
  CHECK(persist.bits.size() >= 3);
  CHECK(dispatches >= 3);
  REQUIRE(e2->vmt->del(e2) == 0);
  const auto seen = persist.bits.size();
  for (int i = 0; i < 3; ++i) loop.run(UV_RUN_NOWAIT);
  CHECK(persist.bits.size() == seen);
  e1->vmt->free(e1);
  e2->vmt->free(e2);
  CHECK(b->events() == 0);
  b->close();
  CHECK(loop.close() == 0);
}

TEST_CASE("UbUvEventBase: timers and timeouts", "[dns][ubevent]") {
  UvLoop loop;
  auto b = make_base(loop);
  Pair p;
  Fired timer, quiet;
  ub_event* t = make(*b, -1, 0, timer);
  timeval ten_ms{0, 10000};
  REQUIRE(t->vmt->add_timer(t, b->base(), &on_event, &timer, &ten_ms) == 0);
  // A read event with a timeout on a descriptor that stays quiet fires with UB_EV_TIMEOUT.
  ub_event* q = make(*b, p.fd[0], UB_EV_READ, quiet);
  timeval twenty_ms{0, 20000};
  REQUIRE(q->vmt->add(q, &twenty_ms) == 0);
  run_for(loop, 15);
  CHECK(timer.bits == std::vector<short>{UB_EV_TIMEOUT});
  CHECK(quiet.bits.empty());
  run_for(loop, 30);
  CHECK(timer.bits.size() == 1);  // one-shot
  CHECK(quiet.bits == std::vector<short>{UB_EV_TIMEOUT});
  // A deleted timer does not fire.
  Fired never;
  ub_event* d = make(*b, -1, 0, never);
  REQUIRE(d->vmt->add_timer(d, b->base(), &on_event, &never, &ten_ms) == 0);
  REQUIRE(d->vmt->del_timer(d) == 0);
  run_for(loop, 30);
  CHECK(never.bits.empty());
  for (ub_event* e : {t, q, d}) e->vmt->free(e);
  b->close();
  CHECK(loop.close() == 0);
}

TEST_CASE("UbUvEventBase: an event freed by an earlier callback of the same batch never fires",
          "[dns][ubevent]") {
  UvLoop loop;
  auto b = make_base(loop);
  Pair p1, p2;
  Fired f1, f2;
  ub_event* e1 = make(*b, p1.fd[0], UB_EV_READ | UB_EV_PERSIST, f1);
  ub_event* e2 = make(*b, p2.fd[0], UB_EV_READ | UB_EV_PERSIST, f2);
  f1.free_this = e2;
  f2.free_this = e1;  // whichever runs first frees the other
  REQUIRE(e1->vmt->add(e1, nullptr) == 0);
  REQUIRE(e2->vmt->add(e2, nullptr) == 0);
  p1.send();
  p2.send();
  loop.run(UV_RUN_NOWAIT);  // both ready in one epoll batch
  CHECK(f1.bits.size() + f2.bits.size() == 1);
  CHECK(b->events() == 1);
  ub_event* left = f1.bits.empty() ? e2 : e1;
  left->vmt->free(left);
  // Timers too: two due in the same pass, the first frees the second.
  Fired t1, t2;
  ub_event* a = make(*b, -1, 0, t1);
  ub_event* c = make(*b, -1, 0, t2);
  t1.free_this = c;
  timeval five_ms{0, 5000};
  REQUIRE(a->vmt->add_timer(a, b->base(), &on_event, &t1, &five_ms) == 0);
  REQUIRE(c->vmt->add_timer(c, b->base(), &on_event, &t2, &five_ms) == 0);
  run_for(loop, 30);
  CHECK(t1.bits.size() == 1);
  CHECK(t2.bits.empty());
  a->vmt->free(a);
  CHECK(b->events() == 0);
  b->close();
  CHECK(loop.close() == 0);
}

TEST_CASE("UbUvEventBase: a zero timeout armed by a timer callback waits for the next pass",
          "[dns][ubevent]") {
  UvLoop loop;
  auto b = make_base(loop);
  Fired f;
  ub_event* e = make(*b, -1, 0, f);
  f.readd = e;  // every firing re-arms itself at 0 ms: must not spin inside one pass
  timeval zero{0, 0};
  REQUIRE(e->vmt->add_timer(e, b->base(), &on_event, &f, &zero) == 0);
  for (int i = 0; i < 3; ++i) loop.run(UV_RUN_NOWAIT);
  CHECK(f.bits.size() >= 1);
  CHECK(f.bits.size() <= 3);  // at most once per loop iteration
  f.readd = nullptr;
  e->vmt->free(e);
  b->close();
  CHECK(loop.close() == 0);
}

TEST_CASE("UbUvEventBase: unreferenced, its sockets and timers do not keep the loop alive",
          "[dns][ubevent]") {
  UvLoop loop;
  auto b = make_base(loop);
  b->set_referenced(false);
  Fired f;
  ub_event* e = make(*b, -1, 0, f);
  timeval long_time{60, 0};
  REQUIRE(e->vmt->add_timer(e, b->base(), &on_event, &f, &long_time) == 0);
  CHECK(loop.run() == 0);  // returns at once although a timer is armed
  CHECK(f.bits.empty());
  e->vmt->free(e);
  b->close();
  CHECK(loop.close() == 0);
}
