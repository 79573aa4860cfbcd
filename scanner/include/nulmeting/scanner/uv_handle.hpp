// uv_handle.hpp — owning wrappers for libuv handles and the loop, shared by DNS and SMTP code.
//
// libuv closes handles asynchronously: the memory of a handle may be freed only in its close
// callback (libuv docs/src/handle.rst). UvHandle<T> therefore keeps the uv_*_t on the heap and,
// on reset() or destruction, calls uv_close() with a callback that deletes it. The wrapper itself
// may be moved (only the pointer moves); the handle's address never changes while libuv has it.
// handle->data belongs to the user of the wrapper (usually the owning state machine).
//
// Threading: loop thread only, like libuv itself.
#pragma once

#include <uv.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace nulmeting::scanner {

template <class T>
class UvHandle {
 public:
  UvHandle() = default;
  // Allocates a handle; `init` is e.g. [&](uv_timer_t* h) { return uv_timer_init(loop, h); }.
  // Returns the libuv error code (0 on success); on failure nothing is allocated.
  template <class Init>
  int init(Init&& init_fn) {
    reset();
    auto* h = new T{};
    const int rc = std::forward<Init>(init_fn)(h);
    if (rc != 0) {
      delete h;  // never registered with the loop
      return rc;
    }
    handle_ = h;
    return 0;
  }
  UvHandle(const UvHandle&) = delete;
  UvHandle& operator=(const UvHandle&) = delete;
  UvHandle(UvHandle&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  UvHandle& operator=(UvHandle&& o) noexcept {
    if (this != &o) {
      reset();
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  ~UvHandle() { reset(); }

  // Closes the handle (asynchronously frees it). Safe to call more than once.
  void reset() noexcept {
    if (handle_ == nullptr) return;
    auto* h = reinterpret_cast<uv_handle_t*>(std::exchange(handle_, nullptr));
    h->data = nullptr;  // callbacks already queued must not reach a dead owner
    if (!uv_is_closing(h)) uv_close(h, [](uv_handle_t* c) { delete reinterpret_cast<T*>(c); });
  }

  T* get() const noexcept { return handle_; }
  T* operator->() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  uv_handle_t* as_handle() const noexcept { return reinterpret_cast<uv_handle_t*>(handle_); }
  uv_stream_t* as_stream() const noexcept { return reinterpret_cast<uv_stream_t*>(handle_); }

 private:
  T* handle_ = nullptr;
};

using UvTimer = UvHandle<uv_timer_t>;
using UvPoll = UvHandle<uv_poll_t>;
using UvTcp = UvHandle<uv_tcp_t>;
using UvAsync = UvHandle<uv_async_t>;
using UvSignal = UvHandle<uv_signal_t>;

// An owned loop. close() runs the loop until every closing handle is freed, then uv_loop_close;
// it returns uv_loop_close's result so that tests can require 0 (libuv test/task.h).
class UvLoop {
 public:
  UvLoop() {
    if (const int rc = uv_loop_init(&loop_); rc != 0)
      throw std::runtime_error(std::string("uv_loop_init: ") + uv_strerror(rc));
  }
  UvLoop(const UvLoop&) = delete;
  UvLoop& operator=(const UvLoop&) = delete;
  ~UvLoop() { (void)close(); }

  uv_loop_t* get() noexcept { return &loop_; }
  int run(uv_run_mode mode = UV_RUN_DEFAULT) { return uv_run(&loop_, mode); }
  int close() {
    if (closed_) return 0;
    uv_run(&loop_, UV_RUN_DEFAULT);  // let pending close callbacks free their handles
    const int rc = uv_loop_close(&loop_);
    if (rc == 0) closed_ = true;
    return rc;
  }

 private:
  uv_loop_t loop_{};
  bool closed_ = false;
};

}  // namespace nulmeting::scanner
