// ub_uv_event.hpp — libunbound's pluggable event base (unbound-event.h) on a libuv loop.
//
// What for: DnsClient runs libunbound in event mode (ub_ctx_create_ub_event + ub_resolve_event):
// libunbound resolves and validates on the loop thread, through this event base, instead of in
// its own thread behind a pipe. The pipe had cost ~19 system calls per question (every message
// written and read in two parts, the pipe switched blocking and back around each) and a second
// parse of every answer (docs/decisions/benchmarks.md, decision 11).
//
// How: libunbound asks for events (a file descriptor with read/write interest, an optional
// timeout, persistent or one-shot) and timers through the vmt of unbound-event.h. The sockets go
// into one private epoll set, and the loop watches that set's descriptor with one uv_poll; the
// timeouts go into one ordered set, served by one uv_timer. So no libuv handle is made or closed
// per socket: libunbound opens and closes a UDP socket per question, and a closed descriptor's
// number comes back at once for the next socket, which a per-descriptor uv_poll (closed
// asynchronously) cannot follow safely.
//
// Invariants:
// - libunbound's callbacks run only from this object's poll and timer callbacks, one at a time;
//   after each batch `after_dispatch` runs (the owner acts there on results libunbound parked:
//   never inside libunbound's own call stack).
// - An event freed or deactivated by a callback (its own or another's) never fires afterwards,
//   also later in the same batch: ready events are looked up by id, and a timer fires only for
//   the arming it was queued for.
// - One timer pass fires only timers that were due when it began; a timer armed by a callback
//   waits for the next pass, at least 1 ms later (a zero timeout cannot spin the loop: libuv
//   1.44 would run a zero timer restarted from its own callback again in the same pass).
// - The base must outlive every ub_ctx made on it (ub_ctx_delete frees that context's events).
//   close() closes the libuv handles; the loop then closes cleanly.
//
// Threading: loop thread only.
#pragma once

#include <nulmeting/scanner/uv_handle.hpp>

#include <unbound-event.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace nulmeting::scanner {

class UbUvEventBase {
 public:
  static std::expected<std::unique_ptr<UbUvEventBase>, std::string> create(uv_loop_t* loop);
  ~UbUvEventBase();
  UbUvEventBase(const UbUvEventBase&) = delete;
  UbUvEventBase& operator=(const UbUvEventBase&) = delete;

  // For ub_ctx_create_ub_event().
  ub_event_base* base() noexcept { return &base_.base; }

  // Runs after every batch of libunbound callbacks.
  void set_after_dispatch(std::function<void()> f) { after_dispatch_ = std::move(f); }

  // Whether the loop stays alive for libunbound's sockets and timers (the owner says so while
  // it has questions in flight; libunbound's idle housekeeping must not keep a loop running).
  void set_referenced(bool on) noexcept;

  // Closes the libuv handles. Events still registered never fire again.
  void close() noexcept;

  std::size_t events() const noexcept { return events_.size(); }  // alive (for tests)

 private:
  struct Event;
  explicit UbUvEventBase(uv_loop_t* loop);
  std::expected<void, std::string> init();

  // The vmts: plain functions, as unbound-event.h wants.
  static ub_event* new_event(ub_event_base* b, int fd, short bits, void (*cb)(int, short, void*),
                             void* arg);
  static ub_event* new_signal(ub_event_base*, int, void (*)(int, short, void*), void*);
  static ub_event* new_wsaevent(ub_event_base*, void*, void (*)(int, short, void*), void*);
  static void base_free(ub_event_base*);
  static int base_dispatch(ub_event_base*);
  static int base_loopexit(ub_event_base*, struct timeval*);
  static void ev_add_bits(ub_event* e, short bits);
  static void ev_del_bits(ub_event* e, short bits);
  static void ev_set_fd(ub_event* e, int fd);
  static void ev_free(ub_event* e);
  static int ev_add(ub_event* e, struct timeval* tv);
  static int ev_del(ub_event* e);
  static int ev_add_timer(ub_event* e, ub_event_base* b, void (*cb)(int, short, void*), void* arg,
                          struct timeval* tv);
  static int ev_del_timer(ub_event* e);
  static int ev_signal(ub_event*, struct timeval*);
  static int ev_signal_del(ub_event*);
  static void ev_wsa_unregister(ub_event*);
  static void ev_wsa_wouldblock(ub_event*, int);

  static Event* self(ub_event* e) noexcept;
  int activate(Event& e, const struct timeval* tv) noexcept;
  void deactivate(Event& e) noexcept;
  void schedule(Event& e, std::uint64_t timeout_ms) noexcept;
  void unschedule(Event& e) noexcept;
  void arm_timer() noexcept;
  void fire(Event& e, short bits) noexcept;
  void on_ready() noexcept;
  void on_timer() noexcept;

  // What libunbound holds: the base and, next to it, the way back to this object.
  struct BaseHolder {
    ub_event_base base;
    UbUvEventBase* owner;
  };

  uv_loop_t* loop_;
  BaseHolder base_{};
  int epfd_ = -1;
  UvPoll poll_;  // on epfd_
  UvTimer timer_;
  std::uint64_t timer_due_ = UINT64_MAX;  // what timer_ is armed for (uv_now ms)
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, Event*> events_;          // by id: alive events
  std::set<std::pair<std::uint64_t, std::uint64_t>> timers_;  // (due ms, arming) armed
  std::unordered_map<std::uint64_t, Event*> armings_;         // arming -> event
  std::function<void()> after_dispatch_;
  bool in_timer_pass_ = false;  // inside on_timer (see arm_timer)
  bool closed_ = false;
};

}  // namespace nulmeting::scanner
