// delayproxy.cpp — round-trip delay for the test network (`up --latency-ms RTT`): this kernel
// has no netem (testbed-notes.md). A test tool, not part of nulmeting; tb.py compiles it on
// first use (g++, libuv) and starts it inside the network namespace.
//
//   delayproxy CONFIG     CONFIG: lines "rtt_ms N", "cpu_report PATH",
//                         "listen IP PORT BACKEND_PORT udp|tcp" (udp: UDP and TCP)
//
// For every published address it listens on IP:PORT and forwards to the real server on
// IP:BACKEND_PORT, holding every UDP datagram and every TCP chunk RTT/2 in each direction.
// One libuv loop, no threads: the proxy shares the benchmark machine's cores with the scanner
// it slows down, so its own CPU must stay small (docs/decisions/testbed.md: the asyncio
// version it replaces used 11-25 s of CPU per 10,000-domain scan). On SIGTERM it writes its
// CPU time to the cpu_report file, which `down` prints.
//
// Invariants: per direction, data leaves in the order it arrived (one FIFO and one timer per
// direction; every item waits exactly RTT/2 after its arrival). A UDP flow (one client
// address and port) has its own upstream socket; it closes UDP_GRACE after its every query
// was answered (DNS: one answer per query), or UDP_IDLE without traffic while one is not.
// Memory per TCP direction is bounded: reading stops while more than kMaxQueued bytes wait
// (delayed or unwritten), so a server that never stops talking cannot grow the proxy.
// Limits: the TCP handshake itself is not delayed (the proxy accepts at once and connects to
// the backend after RTT/2); a refused backend connection closes the client's.
#include <uv.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <vector>

namespace {

constexpr std::uint64_t kUdpIdleMs = 10'000;  // a flow with a query unanswered
constexpr std::uint64_t kUdpGraceMs = 1'000;  // a flow whose every query was answered
constexpr std::size_t kMaxQueued = 1 << 20;   // bytes per TCP direction before reading stops
constexpr int kBigBuffer = 4 << 20;           // UDP socket buffers (a scan's bursts)

uv_loop_t* g_loop = nullptr;
std::uint64_t g_delay_ms = 0;
std::string g_cpu_report;
std::uint64_t g_started_ms = 0;
struct Stats {
  std::uint64_t udp_in = 0, udp_out = 0, tcp_conns = 0, tcp_up = 0, tcp_down = 0;
  std::uint64_t udp_open_failed = 0;
} g_stats;

// One read buffer for every socket: libuv calls the read callback right after the allocation,
// and every callback copies what it keeps.
char g_buf[64 * 1024];
void alloc_shared(uv_handle_t*, std::size_t, uv_buf_t* buf) {
  *buf = uv_buf_init(g_buf, sizeof g_buf);
}

void big_buffers(uv_handle_t* h) {
  uv_os_fd_t fd;
  if (uv_fileno(h, &fd) != 0) return;
  for (auto [opt, force] : {std::pair{SO_RCVBUF, SO_RCVBUFFORCE}, {SO_SNDBUF, SO_SNDBUFFORCE}})
    if (setsockopt(fd, SOL_SOCKET, force, &kBigBuffer, sizeof kBigBuffer) != 0)
      setsockopt(fd, SOL_SOCKET, opt, &kBigBuffer, sizeof kBigBuffer);
}

// FIFO of actions, each run RTT/2 after it was pushed; one timer.
class DelayQueue {
 public:
  DelayQueue() {
    uv_timer_init(g_loop, &timer_);
    timer_.data = this;
  }
  void push(std::function<void()> fn) {
    items_.push_back({uv_now(g_loop) + g_delay_ms, std::move(fn)});
    if (items_.size() == 1) arm();
  }
  void clear() {
    items_.clear();
    uv_timer_stop(&timer_);
  }
  uv_handle_t* handle() { return reinterpret_cast<uv_handle_t*>(&timer_); }

 private:
  struct Item {
    std::uint64_t due;
    std::function<void()> fn;
  };
  void arm() {
    const std::uint64_t now = uv_now(g_loop);
    const std::uint64_t due = items_.front().due;
    uv_timer_start(
        &timer_, [](uv_timer_t* t) { static_cast<DelayQueue*>(t->data)->run(); },
        due > now ? due - now : 0, 0);
  }
  void run() {
    const std::uint64_t now = uv_now(g_loop);
    // An action may clear this queue (a connection closing): take one item at a time.
    while (!items_.empty() && items_.front().due <= now) {
      auto fn = std::move(items_.front().fn);
      items_.pop_front();
      fn();
    }
    if (!items_.empty()) arm();
  }
  uv_timer_t timer_{};
  std::deque<Item> items_;
};

bool parse_address(const std::string& ip, int port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof *out);
  if (ip.find(':') != std::string::npos)
    return uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(out)) == 0;
  return uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(out)) == 0;
}

std::size_t address_size(const sockaddr* a) {
  return a->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

std::string address_key(const sockaddr* a) {
  return std::string(reinterpret_cast<const char*>(a), address_size(a));
}

// ---- UDP -----------------------------------------------------------------------------------

struct UdpFront;

// One client's flow: its own connected upstream socket.
struct UdpFlow {
  UdpFront* front = nullptr;
  std::string key;  // the client's sockaddr bytes
  sockaddr_storage client{};
  uv_udp_t sock{};
  uv_timer_t idle{};
  int outstanding = 0;
  int open_handles = 0;
  bool closing = false;
  void touch() {
    uv_timer_start(
        &idle, [](uv_timer_t* t) { static_cast<UdpFlow*>(t->data)->close(); },
        outstanding > 0 ? kUdpIdleMs : kUdpGraceMs, 0);
  }
  void close();
};

struct UdpFront {
  uv_udp_t sock{};
  sockaddr_storage backend{};
  DelayQueue in_q, out_q;
  std::map<std::string, UdpFlow*> flows;

  void forward(const std::string& data, const sockaddr_storage& from) {
    const std::string key = address_key(reinterpret_cast<const sockaddr*>(&from));
    UdpFlow* flow = nullptr;
    if (auto it = flows.find(key); it != flows.end()) {
      flow = it->second;
    } else {
      flow = new UdpFlow;
      flow->front = this;
      flow->key = key;
      flow->client = from;
      uv_udp_init(g_loop, &flow->sock);
      uv_timer_init(g_loop, &flow->idle);
      flow->sock.data = flow->idle.data = flow;
      flow->open_handles = 2;
      flows[key] = flow;
      if (uv_udp_connect(&flow->sock, reinterpret_cast<const sockaddr*>(&backend)) != 0) {
        ++g_stats.udp_open_failed;
        flow->close();
        return;
      }
      big_buffers(reinterpret_cast<uv_handle_t*>(&flow->sock));
      uv_udp_recv_start(&flow->sock, alloc_shared,
                        [](uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr*, unsigned) {
                          if (n <= 0) return;
                          auto* f = static_cast<UdpFlow*>(h->data);
                          ++g_stats.udp_out;
                          f->outstanding = f->outstanding > 0 ? f->outstanding - 1 : 0;
                          f->front->reply(std::string(buf->base, static_cast<std::size_t>(n)),
                                          f->client);
                          f->touch();
                        });
    }
    ++flow->outstanding;
    uv_buf_t b = uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
    uv_udp_try_send(&flow->sock, &b, 1, nullptr);  // a datagram lost here is a lost datagram
    flow->touch();
  }

  void reply(std::string data, const sockaddr_storage& to) {
    out_q.push([this, data = std::move(data), to] {
      uv_buf_t b = uv_buf_init(const_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
      uv_udp_try_send(&sock, &b, 1, reinterpret_cast<const sockaddr*>(&to));
    });
  }
};

void UdpFlow::close() {
  if (closing) return;
  closing = true;
  front->flows.erase(key);
  auto done = [](uv_handle_t* h) {
    auto* f = static_cast<UdpFlow*>(h->data);
    if (--f->open_handles == 0) delete f;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&sock), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle), done);
}

// ---- TCP -----------------------------------------------------------------------------------

// One proxied connection: the client's socket, the backend's, one delay queue per direction.
struct TcpPair {
  struct Side {
    uv_tcp_t tcp{};
    std::size_t queued = 0;  // bytes read from the other side and not yet written here
    bool eof_seen = false;   // this side sent EOF (or failed)
    bool reading = false;
  };
  Side client, backend;
  DelayQueue up, down;  // up: client → backend
  uv_timer_t connect_delay{};
  sockaddr_storage backend_addr{};
  int open_handles = 0;
  bool closing = false;
  bool backend_open = false;

  Side& other(Side& s) { return &s == &client ? backend : client; }
  DelayQueue& queue_from(Side& s) { return &s == &client ? up : down; }

  void start_reading(Side& s) {
    if (s.reading || s.eof_seen || closing) return;
    s.reading = true;
    uv_read_start(reinterpret_cast<uv_stream_t*>(&s.tcp), alloc_shared,
                  [](uv_stream_t* st, ssize_t n, const uv_buf_t* buf) {
                    auto* p = static_cast<TcpPair*>(st->data);
                    Side& from =
                        reinterpret_cast<uv_tcp_t*>(st) == &p->client.tcp ? p->client : p->backend;
                    p->on_read(from, n, buf);
                  });
  }
  void stop_reading(Side& s) {
    if (!s.reading) return;
    s.reading = false;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&s.tcp));
  }

  void on_read(Side& from, ssize_t n, const uv_buf_t* buf) {
    if (n == 0) return;
    Side& to = other(from);
    if (n < 0) {  // EOF or an error: the other side gets its EOF after the delay
      from.eof_seen = true;
      stop_reading(from);
      queue_from(from).push([this, &to] { shutdown_side(to); });
      return;
    }
    (&from == &client ? g_stats.tcp_up : g_stats.tcp_down) += static_cast<std::uint64_t>(n);
    to.queued += static_cast<std::size_t>(n);
    if (to.queued > kMaxQueued) stop_reading(from);
    queue_from(from).push([this, &to, data = std::string(buf->base, static_cast<std::size_t>(n))] {
      write_to(to, data);
    });
  }

  struct WriteReq {
    uv_write_t req{};
    std::string data;
    TcpPair* pair = nullptr;
    Side* side = nullptr;
  };
  void write_to(Side& to, const std::string& data) {
    auto* w = new WriteReq;
    w->data = data;
    w->pair = this;
    w->side = &to;
    ++open_handles;  // a write in flight keeps the pair alive
    uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
    const int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&to.tcp), &b, 1,
                            [](uv_write_t* r, int status) {
                              auto* w = static_cast<WriteReq*>(r->data);
                              w->pair->written(*w->side, w->data.size(), status);
                              delete w;
                            });
    w->req.data = w;
    if (rc != 0) {
      delete w;
      --open_handles;
      close();
    }
  }
  void written(Side& to, std::size_t n, int status) {
    to.queued -= n;
    if (status != 0) close();
    if (!closing && to.queued <= kMaxQueued) start_reading(other(to));
    release();
  }

  // The end of one direction: a shutdown after the writes still queued for `s`; once both
  // directions have ended, the pair closes.
  void shutdown_side(Side& s) {
    if (closing) return;
    auto* req = new uv_shutdown_t;
    req->data = this;
    ++open_handles;
    if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(&s.tcp), [](uv_shutdown_t* r, int) {
          auto* p = static_cast<TcpPair*>(r->data);
          delete r;
          if (p->client.eof_seen && p->backend.eof_seen) p->close();
          p->release();
        }) != 0) {
      delete req;
      --open_handles;
      close();
    }
  }

  void close() {
    if (closing) return;
    closing = true;
    up.clear();
    down.clear();
    auto done = [](uv_handle_t* h) { static_cast<TcpPair*>(h->data)->release(); };
    for (uv_handle_t* h :
         {reinterpret_cast<uv_handle_t*>(&client.tcp), reinterpret_cast<uv_handle_t*>(&backend.tcp),
          reinterpret_cast<uv_handle_t*>(&connect_delay), up.handle(), down.handle()}) {
      if (h == reinterpret_cast<uv_handle_t*>(&backend.tcp) && !backend_open) continue;
      h->data = this;
      uv_close(h, done);
    }
  }
  void release() {
    if (--open_handles == 0) delete this;
  }
};

void accept_tcp(uv_stream_t* server, int status) {
  if (status != 0) return;
  auto* p = new TcpPair;
  p->backend_addr = *static_cast<sockaddr_storage*>(server->data);
  uv_tcp_init(g_loop, &p->client.tcp);
  uv_timer_init(g_loop, &p->connect_delay);
  p->client.tcp.data = p->connect_delay.data = p;
  p->open_handles = 4;  // client, connect_delay, up, down (backend once opened)
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&p->client.tcp)) != 0) {
    p->close();
    return;
  }
  ++g_stats.tcp_conns;
  // The SYN's one-way trip towards the server, then the backend connection.
  uv_timer_start(
      &p->connect_delay,
      [](uv_timer_t* t) {
        auto* p = static_cast<TcpPair*>(t->data);
        uv_tcp_init(g_loop, &p->backend.tcp);
        p->backend.tcp.data = p;
        p->backend_open = true;
        ++p->open_handles;
        auto* req = new uv_connect_t;
        req->data = p;
        ++p->open_handles;
        const int rc = uv_tcp_connect(req, &p->backend.tcp,
                                      reinterpret_cast<const sockaddr*>(&p->backend_addr),
                                      [](uv_connect_t* r, int st) {
                                        auto* p = static_cast<TcpPair*>(r->data);
                                        delete r;
                                        if (st != 0) {
                                          p->close();
                                        } else if (!p->closing) {
                                          p->start_reading(p->client);
                                          p->start_reading(p->backend);
                                        }
                                        p->release();
                                      });
        if (rc != 0) {
          delete req;
          --p->open_handles;
          p->close();
        }
      },
      g_delay_ms, 0);
}

// ---- start and stop ------------------------------------------------------------------------

void write_cpu_report() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                     static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  const double wall = static_cast<double>(uv_now(g_loop) - g_started_ms) / 1000.0;
  std::ofstream out(g_cpu_report);
  char line[512];
  std::snprintf(line, sizeof line,
                "delay proxy: RTT %llu ms, CPU %.2f s over %.1f s wall (%.1f%%), udp in/out "
                "%llu/%llu, tcp connections %llu, bytes up/down %llu/%llu\n",
                static_cast<unsigned long long>(2 * g_delay_ms), cpu, wall,
                100.0 * cpu / (wall > 0 ? wall : 1e-9),
                static_cast<unsigned long long>(g_stats.udp_in),
                static_cast<unsigned long long>(g_stats.udp_out),
                static_cast<unsigned long long>(g_stats.tcp_conns),
                static_cast<unsigned long long>(g_stats.tcp_up),
                static_cast<unsigned long long>(g_stats.tcp_down));
  out << line;
}

struct Listener {
  std::string ip;
  int port = 0, backend_port = 0;
  bool udp = true;
};

int fail(const std::string& what) {
  std::fprintf(stderr, "delayproxy: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: delayproxy CONFIG");
  std::ifstream cfg(argv[1]);
  if (!cfg) return fail(std::string("cannot read ") + argv[1]);
  std::uint64_t rtt_ms = 0;
  std::vector<Listener> listeners;
  std::string line;
  for (int n = 1; std::getline(cfg, line); ++n) {
    std::istringstream in(line);
    std::string key;
    if (!(in >> key)) continue;
    if (key == "rtt_ms") {
      in >> rtt_ms;
    } else if (key == "cpu_report") {
      in >> g_cpu_report;
    } else if (key == "listen") {
      Listener l;
      std::string proto;
      in >> l.ip >> l.port >> l.backend_port >> proto;
      l.udp = proto == "udp";
      if (proto != "udp" && proto != "tcp") in.setstate(std::ios::failbit);
      listeners.push_back(l);
    } else {
      in.setstate(std::ios::failbit);
    }
    if (in.fail()) return fail(std::string(argv[1]) + ":" + std::to_string(n) + ": bad line");
  }
  if (rtt_ms == 0 || g_cpu_report.empty()) return fail("config needs rtt_ms and cpu_report");

  // A peer that closes while data is still being written to it must not end the process.
  std::signal(SIGPIPE, SIG_IGN);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  g_loop = uv_default_loop();
  g_delay_ms = rtt_ms / 2;
  g_started_ms = uv_now(g_loop);

  for (const auto& l : listeners) {
    sockaddr_storage front{}, back{};
    if (!parse_address(l.ip, l.port, &front) || !parse_address(l.ip, l.backend_port, &back))
      return fail("bad address " + l.ip);
    auto* backend = new sockaddr_storage(back);  // lives as long as the process
    auto* server = new uv_tcp_t;
    uv_tcp_init(g_loop, server);
    server->data = backend;
    if (int rc = uv_tcp_bind(server, reinterpret_cast<sockaddr*>(&front), 0); rc != 0)
      return fail("tcp bind " + l.ip + ": " + uv_strerror(rc));
    if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(server), 4096, accept_tcp); rc != 0)
      return fail("listen " + l.ip + ": " + uv_strerror(rc));
    if (!l.udp) continue;
    auto* u = new UdpFront;
    u->backend = back;
    uv_udp_init(g_loop, &u->sock);
    u->sock.data = u;
    if (int rc = uv_udp_bind(&u->sock, reinterpret_cast<sockaddr*>(&front), 0); rc != 0)
      return fail("udp bind " + l.ip + ": " + uv_strerror(rc));
    big_buffers(reinterpret_cast<uv_handle_t*>(&u->sock));
    uv_udp_recv_start(
        &u->sock, alloc_shared,
        [](uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* from, unsigned) {
          if (n <= 0 || from == nullptr) return;
          auto* f = static_cast<UdpFront*>(h->data);
          ++g_stats.udp_in;
          sockaddr_storage src{};
          std::memcpy(&src, from, address_size(from));
          f->in_q.push([f, data = std::string(buf->base, static_cast<std::size_t>(n)), src] {
            f->forward(data, src);
          });
        });
  }

  uv_signal_t term{}, intr{};
  for (auto [sig, h] : {std::pair{SIGTERM, &term}, {SIGINT, &intr}}) {
    uv_signal_init(g_loop, h);
    uv_signal_start(
        h,
        [](uv_signal_t*, int) {
          write_cpu_report();
          std::exit(0);
        },
        sig);
  }
  std::printf("delayproxy: %zu addresses, RTT %llu ms\n", listeners.size(),
              static_cast<unsigned long long>(rtt_ms));
  std::fflush(stdout);
  return uv_run(g_loop, UV_RUN_DEFAULT);
}
