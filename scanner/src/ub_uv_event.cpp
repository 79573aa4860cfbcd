// ub_uv_event.cpp — libunbound's event base on libuv (see ub_uv_event.hpp for the contract).
#include <nulmeting/scanner/ub_uv_event.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <type_traits>
#include <unistd.h>
#include <vector>

namespace nulmeting::scanner {

// One event libunbound asked for. `ub` comes first: libunbound hands back its address.
struct UbUvEventBase::Event {
  ub_event ub;
  UbUvEventBase* owner;
  std::uint64_t id;
  int fd;
  short bits;  // UB_EV_READ | UB_EV_WRITE | UB_EV_PERSIST | UB_EV_TIMEOUT
  void (*cb)(int, short, void*);
  void* arg;
  bool active;
  bool in_epoll;
  bool has_timeout;
  std::uint64_t timeout_ms;
  std::uint64_t arming;  // 0: no timeout armed; else its key in timers_/armings_
  std::uint64_t due;
};

namespace {

ub_event_vmt g_event_vmt{};
ub_event_base_vmt g_base_vmt{};

std::uint64_t to_ms_rounded_up(const struct timeval* tv) {
  if (tv == nullptr || tv->tv_sec < 0 || tv->tv_usec < 0) return 0;
  return static_cast<std::uint64_t>(tv->tv_sec) * 1000 +
         (static_cast<std::uint64_t>(tv->tv_usec) + 999) / 1000;
}

}  // namespace

UbUvEventBase::UbUvEventBase(uv_loop_t* loop) : loop_(loop) {
  // The vmts are constant; filled once (designated initialisers would fix the member order).
  static const bool filled = [] {
    g_event_vmt.add_bits = &UbUvEventBase::ev_add_bits;
    g_event_vmt.del_bits = &UbUvEventBase::ev_del_bits;
    g_event_vmt.set_fd = &UbUvEventBase::ev_set_fd;
    g_event_vmt.free = &UbUvEventBase::ev_free;
    g_event_vmt.add = &UbUvEventBase::ev_add;
    g_event_vmt.del = &UbUvEventBase::ev_del;
    g_event_vmt.add_timer = &UbUvEventBase::ev_add_timer;
    g_event_vmt.del_timer = &UbUvEventBase::ev_del_timer;
    g_event_vmt.add_signal = &UbUvEventBase::ev_signal;
    g_event_vmt.del_signal = &UbUvEventBase::ev_signal_del;
    g_event_vmt.winsock_unregister_wsaevent = &UbUvEventBase::ev_wsa_unregister;
    g_event_vmt.winsock_tcp_wouldblock = &UbUvEventBase::ev_wsa_wouldblock;
    g_base_vmt.free = &UbUvEventBase::base_free;
    g_base_vmt.dispatch = &UbUvEventBase::base_dispatch;
    g_base_vmt.loopexit = &UbUvEventBase::base_loopexit;
    g_base_vmt.new_event = &UbUvEventBase::new_event;
    g_base_vmt.new_signal = &UbUvEventBase::new_signal;
    g_base_vmt.winsock_register_wsaevent = &UbUvEventBase::new_wsaevent;
    return true;
  }();
  (void)filled;
  static_assert(std::is_standard_layout_v<Event> && std::is_standard_layout_v<BaseHolder>);
  base_.base.magic = UB_EVENT_MAGIC;
  base_.base.vmt = &g_base_vmt;
  base_.owner = this;
}

std::expected<std::unique_ptr<UbUvEventBase>, std::string> UbUvEventBase::create(uv_loop_t* loop) {
  std::unique_ptr<UbUvEventBase> b(new UbUvEventBase(loop));
  if (auto r = b->init(); !r) return std::unexpected(r.error());
  return b;
}

std::expected<void, std::string> UbUvEventBase::init() {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) return std::unexpected(std::string("epoll_create1: ") + std::strerror(errno));
  if (int rc = poll_.init([&](uv_poll_t* h) { return uv_poll_init(loop_, h, epfd_); }); rc != 0)
    return std::unexpected(std::string("uv_poll_init: ") + uv_strerror(rc));
  poll_->data = this;
  if (int rc = timer_.init([&](uv_timer_t* h) { return uv_timer_init(loop_, h); }); rc != 0)
    return std::unexpected(std::string("uv_timer_init: ") + uv_strerror(rc));
  timer_->data = this;
  if (int rc = uv_poll_start(poll_.get(), UV_READABLE,
                             [](uv_poll_t* h, int, int) {
                               if (auto* self = static_cast<UbUvEventBase*>(h->data))
                                 self->on_ready();
                             });
      rc != 0)
    return std::unexpected(std::string("uv_poll_start: ") + uv_strerror(rc));
  set_referenced(false);
  return {};
}

UbUvEventBase::~UbUvEventBase() {
  close();
  if (epfd_ >= 0) ::close(epfd_);
}

void UbUvEventBase::close() noexcept {
  closed_ = true;
  poll_.reset();
  timer_.reset();
}

void UbUvEventBase::set_referenced(bool on) noexcept {
  for (uv_handle_t* h : {poll_.as_handle(), timer_.as_handle()}) {
    if (h == nullptr) continue;
    if (on)
      uv_ref(h);
    else
      uv_unref(h);
  }
}

UbUvEventBase::Event* UbUvEventBase::self(ub_event* e) noexcept {
  return reinterpret_cast<Event*>(e);
}

// --- the base's vmt ---

ub_event* UbUvEventBase::new_event(ub_event_base* b, int fd, short bits,
                                   void (*cb)(int, short, void*), void* arg) {
  auto* owner = reinterpret_cast<BaseHolder*>(b)->owner;
  auto* e = new (std::nothrow) Event{};
  if (e == nullptr) return nullptr;
  e->ub.magic = UB_EVENT_MAGIC;
  e->ub.vmt = &g_event_vmt;
  e->owner = owner;
  e->id = owner->next_id_++;
  e->fd = fd;
  e->bits = bits;
  e->cb = cb;
  e->arg = arg;
  owner->events_.emplace(e->id, e);
  return &e->ub;
}

// Signals and Windows events: never asked for by libunbound in event mode (unbound-event.h).
ub_event* UbUvEventBase::new_signal(ub_event_base*, int, void (*)(int, short, void*), void*) {
  return nullptr;
}
ub_event* UbUvEventBase::new_wsaevent(ub_event_base*, void*, void (*)(int, short, void*), void*) {
  return nullptr;
}
void UbUvEventBase::base_free(ub_event_base*) {}                 // the owner frees the base
int UbUvEventBase::base_dispatch(ub_event_base*) { return -1; }  // the libuv loop dispatches
int UbUvEventBase::base_loopexit(ub_event_base*, struct timeval*) { return 0; }

// --- the events' vmt ---

void UbUvEventBase::ev_add_bits(ub_event* e, short bits) { self(e)->bits |= bits; }
void UbUvEventBase::ev_del_bits(ub_event* e, short bits) {
  self(e)->bits = static_cast<short>(self(e)->bits & ~bits);
}
void UbUvEventBase::ev_set_fd(ub_event* e, int fd) { self(e)->fd = fd; }

void UbUvEventBase::ev_free(ub_event* e) {
  if (e == nullptr) return;
  Event* ev = self(e);
  ev->owner->deactivate(*ev);
  ev->owner->events_.erase(ev->id);
  delete ev;
}

int UbUvEventBase::ev_add(ub_event* e, struct timeval* tv) {
  Event* ev = self(e);
  return ev->owner->activate(*ev, tv);
}

int UbUvEventBase::ev_del(ub_event* e) {
  Event* ev = self(e);
  ev->owner->deactivate(*ev);
  return 0;
}

int UbUvEventBase::ev_add_timer(ub_event* e, ub_event_base*, void (*cb)(int, short, void*),
                                void* arg, struct timeval* tv) {
  Event* ev = self(e);
  ev->owner->deactivate(*ev);
  ev->cb = cb;
  ev->arg = arg;
  ev->bits = UB_EV_TIMEOUT;  // one-shot, no descriptor interest
  return ev->owner->activate(*ev, tv);
}

int UbUvEventBase::ev_del_timer(ub_event* e) { return ev_del(e); }
int UbUvEventBase::ev_signal(ub_event*, struct timeval*) { return -1; }
int UbUvEventBase::ev_signal_del(ub_event*) { return -1; }
void UbUvEventBase::ev_wsa_unregister(ub_event*) {}
void UbUvEventBase::ev_wsa_wouldblock(ub_event*, int) {}

// --- activation ---

int UbUvEventBase::activate(Event& e, const struct timeval* tv) noexcept {
  if (closed_) return -1;
  const bool wants_fd = e.fd >= 0 && (e.bits & (UB_EV_READ | UB_EV_WRITE)) != 0;
  if (wants_fd) {
    epoll_event pe{};
    pe.events = ((e.bits & UB_EV_READ) ? EPOLLIN : 0u) | ((e.bits & UB_EV_WRITE) ? EPOLLOUT : 0u);
    pe.data.u64 = e.id;
    int rc = epoll_ctl(epfd_, e.in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, e.fd, &pe);
    // EEXIST: the number is still registered for a descriptor that was closed and whose
    // number came back (libunbound deletes before it closes, so this should not happen);
    // the registration now belongs to this event.
    if (rc != 0 && errno == EEXIST) rc = epoll_ctl(epfd_, EPOLL_CTL_MOD, e.fd, &pe);
    if (rc != 0) return -1;
    e.in_epoll = true;
  }
  e.has_timeout = tv != nullptr;
  e.timeout_ms = to_ms_rounded_up(tv);
  if (e.has_timeout)
    schedule(e, e.timeout_ms);
  else
    unschedule(e);
  e.active = true;
  return 0;
}

void UbUvEventBase::deactivate(Event& e) noexcept {
  if (e.in_epoll) {
    (void)epoll_ctl(epfd_, EPOLL_CTL_DEL, e.fd, nullptr);  // EBADF/ENOENT: already gone
    e.in_epoll = false;
  }
  unschedule(e);
  e.active = false;
}

void UbUvEventBase::schedule(Event& e, std::uint64_t timeout_ms) noexcept {
  unschedule(e);
  e.arming = next_id_++;
  e.due = uv_now(loop_) + timeout_ms;
  timers_.emplace(e.due, e.arming);
  armings_.emplace(e.arming, &e);
  if (e.due < timer_due_) arm_timer();
}

void UbUvEventBase::unschedule(Event& e) noexcept {
  if (e.arming == 0) return;
  timers_.erase({e.due, e.arming});
  armings_.erase(e.arming);
  e.arming = 0;
}

void UbUvEventBase::arm_timer() noexcept {
  if (closed_ || !timer_) return;
  if (timers_.empty()) {
    uv_timer_stop(timer_.get());
    timer_due_ = UINT64_MAX;
    return;
  }
  const std::uint64_t due = timers_.begin()->first;
  if (due == timer_due_) return;
  const std::uint64_t now = uv_now(loop_);
  timer_due_ = due;
  // libuv 1.44 (Debian 12) runs a timer restarted with timeout 0 from inside its own callback
  // again in the same pass, with the loop's time unchanged: a libunbound timer that re-arms
  // itself at 0 ms would spin there for ever. From inside on_timer the least delay is 1 ms.
  const std::uint64_t least = in_timer_pass_ ? 1 : 0;
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* h) {
        if (auto* self = static_cast<UbUvEventBase*>(h->data)) self->on_timer();
      },
      std::max(due > now ? due - now : 0, least), 0);
}

// --- dispatch ---

// Fires one event as libevent does: a one-shot event is deactivated first; a persistent one
// stays, and its timeout (if it has one) starts again.
void UbUvEventBase::fire(Event& e, short bits) noexcept {
  if ((e.bits & UB_EV_PERSIST) == 0)
    deactivate(e);
  else if (e.has_timeout)
    schedule(e, e.timeout_ms);
  const auto cb = e.cb;
  void* const arg = e.arg;
  const int fd = e.fd;
  cb(fd, bits, arg);  // may free `e`
}

void UbUvEventBase::on_ready() noexcept {
  if (closed_) return;
  epoll_event ready[128];
  const int n = epoll_wait(epfd_, ready, 128, 0);
  for (int i = 0; i < n && !closed_; ++i) {
    auto it = events_.find(ready[i].data.u64);
    if (it == events_.end()) continue;  // freed by an earlier callback of this batch
    Event& e = *it->second;
    if (!e.active || !e.in_epoll) continue;
    const std::uint32_t got = ready[i].events;
    short fired = 0;
    if ((got & (EPOLLIN | EPOLLHUP | EPOLLERR)) && (e.bits & UB_EV_READ)) fired |= UB_EV_READ;
    if ((got & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && (e.bits & UB_EV_WRITE)) fired |= UB_EV_WRITE;
    if (fired != 0) fire(e, fired);
  }
  if (after_dispatch_) after_dispatch_();
  arm_timer();
}

void UbUvEventBase::on_timer() noexcept {
  if (closed_) return;
  in_timer_pass_ = true;
  timer_due_ = UINT64_MAX;
  const std::uint64_t now = uv_now(loop_);
  std::vector<std::uint64_t> due;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    due.push_back(timers_.begin()->second);
    timers_.erase(timers_.begin());
  }
  for (const std::uint64_t arming : due) {
    if (closed_) break;
    auto it = armings_.find(arming);
    if (it == armings_.end()) continue;  // deactivated or freed by an earlier callback
    Event& e = *it->second;
    armings_.erase(it);
    e.arming = 0;
    fire(e, UB_EV_TIMEOUT);
  }
  if (after_dispatch_) after_dispatch_();
  arm_timer();
  in_timer_pass_ = false;
}

}  // namespace nulmeting::scanner
