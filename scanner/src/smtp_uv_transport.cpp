// smtp_uv_transport.cpp — see smtp_uv_transport.hpp.
#include <nulmeting/scanner/smtp_uv_transport.hpp>

#include <cstring>

namespace nulmeting::scanner {

namespace {
struct WriteReq {
  uv_write_t req{};
  std::string data;
};
}  // namespace

int UvTcpTransport::connect(const std::string& ip, std::uint16_t port, TransportEvents* events) {
  events_ = events;
  sockaddr_storage addr{};
  int rc = ip.find(':') != std::string::npos
               ? uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
               : uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (rc != 0) return rc;
  rc = tcp_.init([&](uv_tcp_t* h) { return uv_tcp_init(loop_, h); });
  if (rc != 0) return rc;
  tcp_->data = this;
  uv_tcp_nodelay(tcp_.get(), 1);
  auto* req = new uv_connect_t{};
  rc = uv_tcp_connect(req, tcp_.get(), reinterpret_cast<const sockaddr*>(&addr), on_connect);
  if (rc != 0) {
    delete req;
    tcp_.reset();
  }
  return rc;
}

void UvTcpTransport::on_connect(uv_connect_t* req, int status) noexcept {
  auto* self = static_cast<UvTcpTransport*>(req->handle->data);
  delete req;
  if (self == nullptr || status == UV_ECANCELED) return;
  if (status == 0) {
    const int rc = uv_read_start(self->tcp_.as_stream(), on_alloc, on_read);
    if (rc != 0) status = rc;
  }
  self->events_->on_connected(status);
}

void UvTcpTransport::on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<UvTcpTransport*>(h->data);
  if (self == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  *buf = uv_buf_init(self->buf_.data(), static_cast<unsigned>(self->buf_.size()));
}

void UvTcpTransport::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept {
  auto* self = static_cast<UvTcpTransport*>(s->data);
  if (self == nullptr || n == 0) return;
  if (n > 0) {
    self->events_->on_data(std::string_view(buf->base, static_cast<std::size_t>(n)));
    return;
  }
  if (self->reported_close_) return;
  self->reported_close_ = true;
  uv_read_stop(s);
  self->events_->on_closed(static_cast<int>(n));
}

void UvTcpTransport::write(std::string bytes) {
  if (!tcp_ || bytes.empty()) return;
  auto* w = new WriteReq{};
  w->data = std::move(bytes);
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (uv_write(&w->req, tcp_.as_stream(), &b, 1, on_write) != 0) delete w;
}

void UvTcpTransport::on_write(uv_write_t* req, int status) noexcept {
  auto* w = static_cast<WriteReq*>(req->data);
  auto* self = static_cast<UvTcpTransport*>(req->handle->data);
  delete w;
  if (self == nullptr || status == 0 || status == UV_ECANCELED || self->reported_close_) return;
  self->reported_close_ = true;
  uv_read_stop(self->tcp_.as_stream());
  self->events_->on_closed(status);
}

void UvTcpTransport::close() noexcept { tcp_.reset(); }

UvClock::UvClock(uv_loop_t* loop) : loop_(loop) {
  if (timer_.init([&](uv_timer_t* t) { return uv_timer_init(loop_, t); }) != 0)
    throw std::runtime_error("uv_timer_init failed");
  timer_->data = this;
}

void UvClock::arm(std::uint64_t delay_ms, std::function<void()> fire) {
  fire_ = std::move(fire);
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) noexcept {
        auto* self = static_cast<UvClock*>(t->data);
        if (self == nullptr || !self->fire_) return;
        auto f = self->fire_;  // the callee may re-arm or cancel
        f();
      },
      delay_ms, 0);
}

void UvClock::cancel() noexcept {
  if (timer_) uv_timer_stop(timer_.get());
  fire_ = nullptr;
}

}  // namespace nulmeting::scanner
