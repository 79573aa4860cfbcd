// smtp_uv_transport.hpp — the real Transport (libuv TCP stream) and Clock (libuv timer) of an
// SmtpProbe.
//
// Who calls it: ProbeScheduler, one of each per probe. Tests use scripted fakes instead.
//
// Invariants: requests (connect, write) are heap objects freed in their own callbacks; a callback
// that runs after close() (libuv cancels pending requests with UV_ECANCELED) finds
// handle->data == nullptr (UvHandle::reset clears it) and does nothing. Reads use one fixed
// 16 KiB buffer per transport, so a flood costs no memory here: the probe's caps decide.
// Threading: loop thread only.
#pragma once

#include <nulmeting/scanner/smtp_probe.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <array>

namespace nulmeting::scanner {

class UvTcpTransport final : public Transport {
 public:
  explicit UvTcpTransport(uv_loop_t* loop) : loop_(loop) {}
  ~UvTcpTransport() override { close(); }
  UvTcpTransport(const UvTcpTransport&) = delete;
  UvTcpTransport& operator=(const UvTcpTransport&) = delete;

  int connect(const std::string& ip, std::uint16_t port, TransportEvents* events) override;
  void write(std::string bytes) override;
  void close() noexcept override;

 private:
  static void on_connect(uv_connect_t* req, int status) noexcept;
  static void on_alloc(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept;
  static void on_write(uv_write_t* req, int status) noexcept;

  uv_loop_t* loop_;
  UvTcp tcp_;
  TransportEvents* events_ = nullptr;
  bool reported_close_ = false;
  std::array<char, 16384> buf_{};
};

class UvClock final : public Clock {
 public:
  explicit UvClock(uv_loop_t* loop);
  std::uint64_t now_ms() const override { return uv_now(loop_); }
  void arm(std::uint64_t delay_ms, std::function<void()> fire) override;
  void cancel() noexcept override;

 private:
  uv_loop_t* loop_;
  UvTimer timer_;
  std::function<void()> fire_;
};

}  // namespace nulmeting::scanner
