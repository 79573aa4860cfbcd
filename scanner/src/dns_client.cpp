// dns_client.cpp — libunbound on the libuv loop (see dns_client.hpp for the contract).
#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/scanner/dns_wire.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace nulmeting::scanner {
namespace {

std::string ub_error(const char* what, int rc) {
  return std::string(what) + ": " + ub_strerror(rc);
}

// "ADDR" or "ADDR@PORT" with an IPv4/IPv6 address and a port in 1..65535.
bool valid_forwarder(const std::string& s) {
  const auto at = s.find('@');
  const std::string addr = s.substr(0, at);
  unsigned char buf[16];
  if (inet_pton(AF_INET, addr.c_str(), buf) != 1 && inet_pton(AF_INET6, addr.c_str(), buf) != 1)
    return false;
  if (at == std::string::npos) return true;
  const std::string port = s.substr(at + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  const int p = std::atoi(port.c_str());
  return p >= 1 && p <= 65535;
}

bool is_number(const std::string& t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string upper(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

}  // namespace

const std::vector<std::string>& special_use_zones() {
  // unbound.conf(5) 1.17, "The default zones are ...": localhost, reverse loopback, home.arpa,
  // onion, test, invalid, and the AS112 reverse zones; plus resolver.arpa and service.arpa that
  // later Unbound versions added, and local. (RFC 6762) for good measure. `nodefault` on a zone
  // without default content is accepted and harmless.
  static const std::vector<std::string> zones = [] {
    std::vector<std::string> z = {
        "localhost.",
        "127.in-addr.arpa.",
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
        "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
        "home.arpa.",
        "resolver.arpa.",
        "service.arpa.",
        "onion.",
        "test.",
        "invalid.",
        "local.",
        "10.in-addr.arpa.",
        "168.192.in-addr.arpa.",
        "0.in-addr.arpa.",
        "254.169.in-addr.arpa.",
        "2.0.192.in-addr.arpa.",
        "100.51.198.in-addr.arpa.",
        "113.0.203.in-addr.arpa.",
        "255.255.255.255.in-addr.arpa.",
        "d.f.ip6.arpa.",
        "8.e.f.ip6.arpa.",
        "9.e.f.ip6.arpa.",
        "a.e.f.ip6.arpa.",
        "b.e.f.ip6.arpa.",
        "8.b.d.0.1.0.0.2.ip6.arpa."};
    for (int i = 16; i <= 31; ++i) z.push_back(std::to_string(i) + ".172.in-addr.arpa.");
    for (int i = 64; i <= 127; ++i) z.push_back(std::to_string(i) + ".100.in-addr.arpa.");
    return z;
  }();
  return zones;
}

std::string make_unbound_config(const DnsConfig& cfg) {
  std::ostringstream o;
  o << "server:\n";
  for (const auto& z : special_use_zones()) o << "  local-zone: \"" << z << "\" nodefault\n";
  // Testbeds and local forwarders live on 127.x; libunbound would refuse to query them.
  o << "  do-not-query-localhost: no\n";
  // libunbound's own pool of outgoing UDP ports is small by default; with it, queries beyond
  // the pool wait inside libunbound, which at 100 ms RTT made 10,000 domains take 51 s instead
  // of 7 s (docs/decisions/0001-libunbound-instead-of-getdns.md). One port per query in flight
  // plus headroom for the validator's own DNSKEY/DS lookups. Each port is a file descriptor:
  // the command raises RLIMIT_NOFILE at start-up.
  o << "  outgoing-range: " << std::clamp<std::size_t>(cfg.max_in_flight * 4, 1024, 16384) << "\n";
  o << "  edns-buffer-size: " << cfg.edns_buffer_size << "\n";
  // libunbound would resend a question the forwarder is still looking up after the round trip
  // it learned from cached answers (DnsConfig::forwarder_resend says why and how long it waits).
  if (!cfg.full_recursion)
    o << "  infra-cache-min-rtt: " << std::clamp<long long>(cfg.forwarder_resend.count(), 50, 60000)
      << "\n";
  o << "  num-queries-per-thread: " << std::max<std::size_t>(1024, cfg.max_in_flight * 2) << "\n";
  if (cfg.tcp_only) o << "  tcp-upstream: yes\n";
  if (cfg.cache_mb > 0) {
    o << "  msg-cache-size: " << cfg.cache_mb << "m\n";
    o << "  rrset-cache-size: " << 2 * cfg.cache_mb << "m\n";
  }
  if (cfg.full_recursion && !cfg.root_hints.empty())
    o << "  root-hints: \"" << cfg.root_hints << "\"\n";
  for (const auto& line : cfg.extra_options) o << "  " << line << "\n";
  return o.str();
}

std::expected<std::vector<std::string>, std::string> read_trust_anchor_zones(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected("cannot read trust anchor file " + path);
  // Join parenthesised multi-line records, drop comments.
  std::vector<std::pair<int, std::string>> records;  // (first line number, text)
  std::string line, pending;
  int depth = 0, lineno = 0, start = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (const auto sc = line.find(';'); sc != std::string::npos) line.erase(sc);
    for (auto& c : line) {
      if (c == '(') {
        ++depth;
        c = ' ';
      } else if (c == ')') {
        --depth;
        c = ' ';
      } else if (c == '\t' || c == '\r')
        c = ' ';
    }
    if (pending.empty()) start = lineno;
    pending += " " + line;
    if (depth > 0) continue;
    if (depth < 0) return std::unexpected(path + ":" + std::to_string(lineno) + ": unbalanced ')'");
    if (pending.find_first_not_of(' ') != std::string::npos) records.emplace_back(start, pending);
    pending.clear();
  }
  if (depth != 0) return std::unexpected(path + ": unbalanced '('");
  std::vector<std::string> zones;
  for (const auto& [n, text] : records) {
    std::istringstream ts(text);
    std::vector<std::string> tok;
    for (std::string t; ts >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    if (upper(tok[0]) == "$TTL") continue;
    std::size_t i = 1;
    while (i < tok.size() && (is_number(tok[i]) || upper(tok[i]) == "IN")) ++i;
    const std::string type = i < tok.size() ? upper(tok[i]) : "";
    if (type != "DS" && type != "DNSKEY")
      return std::unexpected(path + ":" + std::to_string(n) + ": not a DS or DNSKEY record");
    if (tok.size() - i - 1 < 4)
      return std::unexpected(path + ":" + std::to_string(n) + ": " + type + " record too short");
    std::string zone = tok[0] == "." ? "." : normalize_name(tok[0]) + ".";
    if (tok[0].back() != '.')
      return std::unexpected(path + ":" + std::to_string(n) + ": owner name must be absolute");
    if (std::find(zones.begin(), zones.end(), zone) == zones.end()) zones.push_back(zone);
  }
  if (zones.empty()) return std::unexpected("trust anchor file " + path + " anchors nothing");
  return zones;
}

namespace {
DnsWindowConfig window_config(const DnsConfig& c) {
  DnsWindowConfig w;
  w.ceiling = c.max_in_flight;
  if (c.adaptive_in_flight) {
    w.floor = std::min(c.min_in_flight, c.max_in_flight);
    w.initial = std::clamp(w.initial, w.floor, w.ceiling);
  } else {
    w.floor = w.initial = c.max_in_flight;  // a window that cannot move
  }
  return w;
}
}  // namespace

DnsClient::DnsClient(uv_loop_t* loop, DnsConfig cfg)
    : loop_(loop), cfg_(std::move(cfg)), window_(window_config(cfg_)) {
  stats_.lowest_limit = window_.limit();
}

DnsClient::~DnsClient() { close(); }

std::expected<std::unique_ptr<DnsClient>, std::string> DnsClient::create(uv_loop_t* loop,
                                                                         DnsConfig cfg) {
  if (cfg.max_in_flight == 0) return std::unexpected("in-flight limit must be at least 1");
  if (cfg.min_in_flight == 0) return std::unexpected("in-flight floor must be at least 1");
  if (cfg.retries < 0) return std::unexpected("retries must not be negative");
  if (cfg.timeout.count() <= 0) return std::unexpected("DNS timeout must be positive");
  if (cfg.confirm_attempts < 0)
    return std::unexpected("confirmation attempts must not be negative");
  if (cfg.confirm_window.count() < 0)
    return std::unexpected("DNS confirmation window must not be negative");
  std::unique_ptr<DnsClient> c(new DnsClient(loop, std::move(cfg)));
  if (auto r = c->init(); !r) {
    c->closed_ = true;  // nothing to deliver; handles (if any) close with the object
    return std::unexpected(r.error());
  }
  return c;
}

std::expected<std::unique_ptr<DnsClient::Context>, std::string> DnsClient::make_context(
    std::uint64_t generation) {
  auto c = std::make_unique<Context>();
  c->client = this;
  c->generation = generation;
  c->created_ms = uv_now(loop_);
  c->ub.reset(ub_ctx_create_ub_event(events_->base()));
  if (!c->ub) return std::unexpected("ub_ctx_create_ub_event failed");

  // Options that must come from a file (local-zone nodefault did not take via set_option).
  std::string tmpl = (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
  tmpl += "/nulmeting-unbound-XXXXXX";
  std::vector<char> path(tmpl.begin(), tmpl.end());
  path.push_back('\0');
  const int fd = mkstemp(path.data());
  if (fd < 0) return std::unexpected("cannot create temporary unbound config in " + tmpl);
  {
    FILE* f = fdopen(fd, "w");
    if (f == nullptr) {
      ::close(fd);
      unlink(path.data());
      return std::unexpected("fdopen of temporary unbound config failed");
    }
    const bool ok =
        std::fwrite(config_text_.data(), 1, config_text_.size(), f) == config_text_.size();
    const bool closed_ok = std::fclose(f) == 0;
    if (!ok || !closed_ok) {
      unlink(path.data());
      return std::unexpected("cannot write temporary unbound config");
    }
  }
  const int crc = ub_ctx_config(c->ub.get(), path.data());
  unlink(path.data());
  if (crc != 0) return std::unexpected(ub_error("unbound config", crc));

  if (!cfg_.full_recursion) {
    if (cfg_.resolvers.empty()) {
      const char* rc_path = cfg_.resolv_conf.empty() ? nullptr : cfg_.resolv_conf.c_str();
      if (int rc = ub_ctx_resolvconf(c->ub.get(), rc_path); rc != 0)
        return std::unexpected(ub_error("reading resolv.conf", rc));
    }
    for (const auto& fwd : cfg_.resolvers) {
      if (!valid_forwarder(fwd))
        return std::unexpected("bad resolver address '" + fwd + "' (want ADDR or ADDR@PORT)");
      if (int rc = ub_ctx_set_fwd(c->ub.get(), fwd.c_str()); rc != 0)
        return std::unexpected(ub_error(("resolver " + fwd).c_str(), rc));
    }
  }
  if (int rc = ub_ctx_add_ta_file(c->ub.get(), cfg_.trust_anchor_file.c_str()); rc != 0)
    return std::unexpected(ub_error("trust anchor file", rc));
  return c;
}

std::expected<void, std::string> DnsClient::init() {
  auto zones = read_trust_anchor_zones(cfg_.trust_anchor_file);
  if (!zones) return std::unexpected(zones.error());
  anchored_zones_ = std::move(*zones);
  config_text_ = make_unbound_config(cfg_);
  auto ev = UbUvEventBase::create(loop_);
  if (!ev) return std::unexpected(ev.error());
  events_ = std::move(*ev);
  events_->set_after_dispatch([this] { on_answers(); });
  auto m = make_context(0);
  if (!m) return std::unexpected(m.error());
  main_ = std::move(*m);
  for (UvTimer* t : {&timer_, &defer_, &confirm_timer_}) {
    if (int rc = t->init([&](uv_timer_t* h) { return uv_timer_init(loop_, h); }); rc != 0)
      return std::unexpected(std::string("uv_timer_init: ") + uv_strerror(rc));
    (*t)->data = this;
  }
  done_.reserve(cfg_.max_in_flight);
  return {};
}

void DnsClient::resolve(std::string name, std::uint16_t qtype, Callback cb, DnsPriority priority) {
  enqueue(std::move(name), qtype, std::move(cb), priority, cfg_.confirm_attempts > 0);
}

void DnsClient::enqueue(std::string name, std::uint16_t qtype, Callback cb, DnsPriority priority,
                        bool confirm) {
  if (closed_) {
    if (cb) cb(error_answer(name, qtype, "DNS client closed"));
    return;
  }
  auto q = std::make_unique<Query>();
  q->client = this;
  q->name = normalize_name(name) + ".";
  q->qtype = qtype;
  q->cb = std::move(cb);
  q->confirm = confirm;
  ++stats_.submitted;
  if (!busy_since_) busy_since_ = uv_now(loop_);
  (priority == DnsPriority::High ? waiting_high_ : waiting_).push_back(std::move(q));
  pump();
}

bool DnsClient::submit(std::unique_ptr<Query>& q, Context& c) {
  q->sends += 1;
  q->answered = false;
  q->answer = {};
  int id = 0;
  // An answer from libunbound's cache comes back inside this call (ub_callback parks it).
  const int rc = ub_resolve_event(c.ub.get(), q->name.c_str(), q->qtype, 1 /* IN */, q.get(),
                                  &DnsClient::ub_callback, &id);
  if (rc != 0) {
    auto a = error_answer(q->name, q->qtype, ub_strerror(rc));
    deferred_.emplace_back(std::move(q), std::move(a));
    start_deferred();
    return false;
  }
  q->async_id = id;
  q->ctx = &c;
  ++c.in_flight;
  if (q->rounds > 1) ++reasks_in_flight_;
  q->sent = uv_now(loop_);
  q->deadline = q->sent + static_cast<std::uint64_t>(cfg_.timeout.count());
  Query* raw = q.get();
  in_flight_.push_back(std::move(q));
  raw->pos = std::prev(in_flight_.end());
  stats_.peak_in_flight = std::max(stats_.peak_in_flight, in_flight_.size());
  return true;
}

// What the resolver's answer says about its load. SERVFAIL, REFUSED and silence are what a
// resolver past its capacity gives (Unbound drops or SERVFAILs past num-queries-per-thread,
// a rate limit REFUSEs); bogus, NXDOMAIN and data are answers it had the capacity to make.
// Re-asks count for overload but not for latency: they go to fresh contexts with cold caches.
void DnsClient::observe(const Query& q, const DnsAnswer* a) noexcept {
  const bool overload =
      a == nullptr || a->reason == DnsReason::ServFail || a->reason == DnsReason::Refused;
  if (overload) ++stats_.overload_answers;
  const std::uint64_t now = uv_now(loop_);
  const bool main_ctx = q.ctx != nullptr && q.ctx->generation == 0;
  if (!overload && !main_ctx) return;
  window_.on_answer(now, now - q.sent, overload ? DnsSignal::Overload : DnsSignal::Clean);
  stats_.limit_decreases = window_.decreases();
  stats_.lowest_limit = window_.lowest();
}

void DnsClient::detach(Query& q) noexcept {
  if (q.ctx == nullptr) return;
  --q.ctx->in_flight;
  q.ctx = nullptr;
  if (q.rounds > 1) --reasks_in_flight_;
}

std::uint64_t DnsClient::reask_spacing_ms() const {
  const auto n = static_cast<std::uint64_t>(std::max(cfg_.confirm_attempts, 1));
  const auto w = static_cast<std::uint64_t>(cfg_.confirm_window.count());
  return (w + n - 1) / n;  // rounded up: n spacings cover the whole window
}

std::uint64_t DnsClient::rotation_ms() const {
  return std::max<std::uint64_t>(reask_spacing_ms() / 2, 100);
}

// The head of the confirmation queue may go out now: it is due (for `overdue_only`: due for
// longer than one DNS timeout, which puts it before first questions), and a context exists
// that was made after its last answer, or one may be made (at most one per half spacing).
bool DnsClient::reask_ready(std::uint64_t now, bool overdue_only) const {
  if (confirm_queue_.empty()) return false;
  const Query& head = *confirm_queue_.front();
  const std::uint64_t grace = overdue_only ? static_cast<std::uint64_t>(cfg_.timeout.count()) : 0;
  if (head.due + grace > now) return false;
  if (confirm_ctx_.empty()) return true;
  if (confirm_ctx_.back()->generation > head.answered_generation) return true;
  return confirm_ctx_.size() < kMaxConfirmContexts &&
         now >= confirm_ctx_.back()->created_ms + rotation_ms();
}

void DnsClient::submit_reask() {
  auto q = std::move(confirm_queue_.front());
  confirm_queue_.pop_front();
  if (confirm_ctx_.empty() || confirm_ctx_.back()->generation <= q->answered_generation) {
    auto c = make_context(generation_ + 1);
    if (!c) {
      // Without a fresh context the failure cannot be confirmed; it is delivered as it is,
      // and DnsAnswer::attempts shows it was not asked again.
      ++stats_.confirm_failures;
      auto a = std::move(q->last);
      a.why_bogus += (a.why_bogus.empty() ? "" : "; ") + ("not confirmed: " + c.error());
      deliver(std::move(q), std::move(a));
      return;
    }
    generation_ += 1;
    ++stats_.confirm_contexts;
    confirm_ctx_.push_back(std::move(*c));
    stats_.peak_confirm_contexts = std::max(stats_.peak_confirm_contexts, confirm_ctx_.size());
  }
  ++stats_.confirmations;
  q->rounds += 1;
  q->sends = 0;
  submit(q, *confirm_ctx_.back());
}

void DnsClient::pump() {
  if (closed_ || pumping_) return;
  pumping_ = true;
  // First questions before re-asks (a re-ask only confirms what is already known), except a
  // re-ask overdue by a DNS timeout: it goes next after the High queue, so none starves.
  while (in_flight_.size() < window_.limit() && !closed_) {
    const std::uint64_t now = uv_now(loop_);
    if (!waiting_high_.empty()) {
      auto q = std::move(waiting_high_.front());
      waiting_high_.pop_front();
      submit(q, *main_);
    } else if (reask_ready(now, true)) {
      submit_reask();
    } else if (!waiting_.empty()) {
      auto q = std::move(waiting_.front());
      waiting_.pop_front();
      submit(q, *main_);
    } else if (reask_ready(now, false)) {
      submit_reask();
    } else {
      break;
    }
  }
  pumping_ = false;
  if (closed_) return;
  if (!done_.empty()) start_deferred();  // answered inside ub_resolve_event
  update_refs();
  arm_timer();
  arm_confirm_timer();
}

void DnsClient::update_refs() {
  // libunbound's sockets and timers keep the loop alive only while a question is in flight.
  events_->set_referenced(!in_flight_.empty());
}

void DnsClient::start_deferred() {
  uv_timer_start(
      defer_.get(),
      [](uv_timer_t* h) {
        if (auto* self = static_cast<DnsClient*>(h->data)) self->on_deferred();
      },
      0, 0);
}

void DnsClient::arm_timer() {
  if (in_flight_.empty()) {
    uv_timer_stop(timer_.get());
    return;
  }
  const std::uint64_t now = uv_now(loop_);
  const std::uint64_t due = in_flight_.front()->deadline;
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* h) {
        if (auto* self = static_cast<DnsClient*>(h->data)) self->on_timer();
      },
      due > now ? due - now : 0, 0);
}

void DnsClient::arm_confirm_timer() {
  if (confirm_queue_.empty()) {
    uv_timer_stop(confirm_timer_.get());
    return;
  }
  const Query& head = *confirm_queue_.front();
  std::uint64_t at = head.due;
  if (!confirm_ctx_.empty() && confirm_ctx_.back()->generation <= head.answered_generation)
    at = std::max(at, confirm_ctx_.back()->created_ms + rotation_ms());
  const std::uint64_t now = uv_now(loop_);
  if (at <= now) {
    // Ready but every slot (or every context) is taken: the next answer or retirement pumps it.
    uv_timer_stop(confirm_timer_.get());
    return;
  }
  uv_timer_start(
      confirm_timer_.get(),
      [](uv_timer_t* h) {
        if (auto* self = static_cast<DnsClient*>(h->data)) self->on_confirm_timer();
      },
      at - now, 0);
}

// Confirmation contexts live while they have something in flight; the newest also while
// re-asks wait (they may go to it). Called only at the end of a loop callback, never while
// libunbound is on the stack (UbUvEventBase calls on_answers after libunbound has returned).
void DnsClient::retire_contexts() {
  if (closed_) return;
  bool retired = false;
  for (auto it = confirm_ctx_.begin(); it != confirm_ctx_.end();) {
    const bool newest = std::next(it) == confirm_ctx_.end();
    if ((*it)->in_flight == 0 && (!newest || confirm_queue_.empty())) {
      it = confirm_ctx_.erase(it);  // ub_ctx_delete: frees its sockets and events
      retired = true;
    } else {
      ++it;
    }
  }
  if (retired && !confirm_queue_.empty()) pump();  // a re-ask may have waited for the cap
}

void DnsClient::ub_callback(void* arg, int rcode, void* packet, int len, int sec, char* why_bogus,
                            int /*was_ratelimited*/) noexcept {
  // Runs inside libunbound: only copy the answer out and park it.
  auto* q = static_cast<Query*>(arg);
  q->answered = true;
  q->answer.rcode = rcode;
  if (rcode == 0 && packet != nullptr && len > 0) {
    const auto* p = static_cast<const std::uint8_t*>(packet);
    q->answer.packet.assign(p, p + len);
  }
  q->answer.sec = sec;
  if (why_bogus != nullptr) q->answer.why_bogus = why_bogus;
  q->client->done_.push_back(q);
}

void DnsClient::on_answers() noexcept {
  if (closed_ || done_.empty()) return;
  std::vector<Query*> batch;
  batch.swap(done_);
  for (Query* q : batch) {
    if (closed_) break;  // close() from a callback delivered (and freed) the rest
    auto owned = std::move(*q->pos);
    in_flight_.erase(q->pos);
    auto a = classify_result(owned->name, owned->qtype, owned->answer);
    observe(*owned, &a);
    detach(*owned);
    owned->answer = {};
    finish(std::move(owned), std::move(a));
  }
  if (closed_) return;
  if (done_.empty()) {  // keep the capacity: no allocation per batch
    batch.clear();
    done_.swap(batch);
  }
  pump();
  retire_contexts();
}

void DnsClient::on_timer() noexcept {
  if (closed_) return;
  const std::uint64_t now = uv_now(loop_);
  std::vector<std::pair<std::unique_ptr<Query>, Context*>> expired;
  for (auto it = in_flight_.begin(); it != in_flight_.end() && (*it)->deadline <= now;) {
    if ((*it)->answered) {  // its answer waits in done_: not a timeout
      ++it;
      continue;
    }
    auto q = std::move(*it);
    it = in_flight_.erase(it);
    // ub_cancel succeeds while the answer is not yet processed: its callback will not run.
    (void)ub_cancel(q->ctx->ub.get(), q->async_id);
    Context* c = q->ctx;
    observe(*q, nullptr);
    detach(*q);
    ++stats_.timeouts;
    expired.emplace_back(std::move(q), c);
  }
  for (auto& [q, c] : expired) {
    if (closed_) break;
    if (q->sends <= cfg_.retries) {
      ++stats_.retries;
      submit(q, *c);  // same context (it is not retired before this frame ends); to the back
                      // of in_flight_: deadlines stay ordered
    } else {
      ++stats_.final_timeouts;
      auto a = timeout_answer(q->name, q->qtype);
      finish(std::move(q), std::move(a));
    }
  }
  if (closed_) return;
  pump();
  retire_contexts();
}

void DnsClient::on_deferred() noexcept {
  auto batch = std::move(deferred_);
  deferred_.clear();
  for (auto& [q, a] : batch) {
    if (closed_) break;
    finish(std::move(q), std::move(a));
  }
  if (closed_) return;
  on_answers();  // answers that came back inside ub_resolve_event
  if (closed_) return;
  pump();
  retire_contexts();
}

void DnsClient::on_confirm_timer() noexcept {
  if (closed_) return;
  pump();
  retire_contexts();
}

void DnsClient::finish(std::unique_ptr<Query> q, DnsAnswer a) noexcept {
  a.attempts = q->rounds;
  if (a.cls == DnsClass::Fail && q->confirm && q->rounds <= cfg_.confirm_attempts && !closed_) {
    // Not yet: ask again later, in a context made after this answer (§1).
    q->answered_generation = generation_;
    q->due = uv_now(loop_) + reask_spacing_ms();
    q->last = std::move(a);
    confirm_queue_.push_back(std::move(q));  // same spacing for all: the queue stays by `due`
    if (!pumping_) arm_confirm_timer();
    return;
  }
  if (q->rounds > 1) {
    if (a.cls == DnsClass::Fail)
      ++stats_.fail_confirmed;
    else
      ++stats_.fail_recovered;
  }
  deliver(std::move(q), std::move(a));
}

void DnsClient::deliver(std::unique_ptr<Query> q, DnsAnswer a) noexcept {
  ++stats_.answered;
  auto cb = std::move(q->cb);
  q.reset();
  if (busy_since_ && in_flight() == 0 && waiting() == 0) {
    stats_.busy_ms += uv_now(loop_) - *busy_since_;
    busy_since_.reset();
  }
  if (!cb) return;
  try {
    cb(std::move(a));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nulmeting: DNS callback threw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "nulmeting: DNS callback threw\n");
  }
}

void DnsClient::close() {
  if (closed_) return;
  closed_ = true;
  // Collect everything still owed a callback, then tear libunbound down before calling back.
  std::vector<std::unique_ptr<Query>> owed;
  for (auto& q : in_flight_) {
    if (q->ctx != nullptr && q->ctx->ub) (void)ub_cancel(q->ctx->ub.get(), q->async_id);
    q->ctx = nullptr;
    owed.push_back(std::move(q));
  }
  in_flight_.clear();
  reasks_in_flight_ = 0;
  done_.clear();
  for (auto* queue : {&waiting_high_, &waiting_, &confirm_queue_}) {
    for (auto& q : *queue) owed.push_back(std::move(q));
    queue->clear();
  }
  for (auto& [q, a] : deferred_) owed.push_back(std::move(q));
  deferred_.clear();
  timer_.reset();
  defer_.reset();
  confirm_timer_.reset();
  confirm_ctx_.clear();  // ub_ctx_delete: frees the context's events
  main_.reset();
  if (events_) events_->close();
  for (auto& q : owed) {
    auto a = error_answer(q->name, q->qtype, "cancelled: DNS client closed");
    a.attempts = q->rounds;
    deliver(std::move(q), std::move(a));
  }
}

void DnsClient::check_trust_anchor(CheckCallback cb) {
  struct State {
    CheckCallback cb;
    std::size_t left = 0;
    std::string error;
  };
  auto st = std::make_shared<State>();
  st->cb = std::move(cb);
  st->left = anchored_zones_.size();
  for (const auto& zone : anchored_zones_) {
    // Not confirmed: a start-up check that fails should say so at once (the user retries).
    enqueue(
        zone, rrtype::DNSKEY,
        [st, zone](DnsAnswer a) {
          if (a.cls != DnsClass::Secure && st->error.empty()) {
            st->error = "trust anchor does not validate " + zone +
                        " DNSKEY: " + std::string(to_string(a.cls)) + " (" +
                        std::string(to_string(a.reason)) +
                        (a.why_bogus.empty() ? "" : ": " + a.why_bogus) + ")";
          }
          if (--st->left == 0) {
            if (st->error.empty())
              st->cb({});
            else
              st->cb(std::unexpected(st->error));
          }
        },
        DnsPriority::High, false);
  }
}

}  // namespace nulmeting::scanner
