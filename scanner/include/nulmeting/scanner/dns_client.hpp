// dns_client.hpp — asynchronous, DNSSEC-validating DNS on the libuv loop (libunbound).
//
// What for: every DNS question of a scan (MX, A, AAAA, TLSA, DNSKEY) goes through one
// DnsClient; each answer comes back classified as a nulmeting::DnsAnswer (dns_classify.hpp).
// Who calls it: DomainResolver/HostResolver (resolve.hpp), the bench (scripts/bench-dns) and
// tests. Why libunbound and not getdns: docs/decisions/0001-libunbound-instead-of-getdns.md.
//
// How it runs: libunbound in event mode (ub_ctx_create_ub_event, ub_resolve_event) on the loop
// thread, through UbUvEventBase (ub_uv_event.hpp): no second thread and no pipe
// (docs/decisions/benchmarks.md, decision 11). libunbound's callbacks only park answers (an
// answer from its cache comes back inside ub_resolve_event itself); we deliver them after
// libunbound returns, so user code never runs inside libunbound and may freely call resolve()
// or close() from a callback.
//
// Invariants:
// - Every callback given to resolve() runs exactly once, on the loop thread, never
//   synchronously inside resolve() (except after close(): then at once, with reason Error).
// - At most `window().limit()` questions are inside libunbound; the rest wait in FIFO order and
//   are submitted as answers arrive (a resolver under load drops queries past its per-thread
//   limit; a bounded client does not turn that into failures). The limit adapts between
//   `min_in_flight` and `max_in_flight` (dns_window.hpp): it grows while answers come back
//   clean and fast, and halves on a burst of SERVFAIL, REFUSED or timeouts
//   (docs/decisions/adaptive-dns.md). One window for the client: libunbound picks among the
//   forwarders itself, so answers cannot be told apart per upstream.
// - A question with no answer after `timeout` is cancelled (ub_cancel: its libunbound callback
//   will not run) and resubmitted up to `retries` times; then it is `fail`/`timeout`.
// - A `fail` answer is not delivered at once (measurement.md §1): the question is asked again
//   `confirm_attempts` times, `confirm_window / confirm_attempts` apart (so the last re-ask is
//   at least `confirm_window` after the first answer), and each re-ask goes to a libunbound
//   context created after the previous answer: fresh caches, so the failure is not served
//   from libunbound's own memory of it (docs/decisions/dns-confirmation.md). A success
//   replaces the failure; DnsAnswer::attempts says how many times the question was asked.
//   Re-asks share the `max_in_flight` slots; they go after waiting first questions unless they
//   have been due for longer than `timeout` (low priority, never starved).
// - close() cancels everything outstanding, delivers those callbacks with reason Error, deletes
//   the libunbound contexts and closes the handles; after the loop has run once more
//   uv_loop_close() returns 0. Never destroy the client from inside one of its callbacks.
//
// Traps (met building the test network, issue 6):
// - libunbound answers special-use zones (test., invalid., onion., home.arpa., the AS112
//   reverse zones, localhost.) itself unless told `local-zone: "<zone>" nodefault`. That works
//   only from a config file loaded with ub_ctx_config (ub_ctx_set_option did not take it), so
//   create() writes a small temporary unbound.conf. nulmeting measures what DNS says: these
//   built-in zones are always off.
// - A trust-anchor file that does not parse or anchors nothing must stop the program at
//   start-up, not silently make every answer insecure: create() reads the file itself (it must
//   hold at least one DS/DNSKEY record) and check_trust_anchor() asks for the anchored zone's
//   DNSKEY and requires a `secure` answer (see the decision record for why both).
// - libunbound's forwarder string is "addr@port", not "addr:port" or "[addr]:port".
// - libunbound refuses to send queries to 127.0.0.0/8 and ::1 by default (do-not-query-localhost):
//   the generated config turns that off, or a testbed root/forwarder on loopback is unreachable.
// - libunbound's default caches (4 MB) hold only a few thousand answers; see DnsConfig::cache_mb.
// - ub_ctx_delete() and ub_cancel() drop callbacks silently: the client owns every pending
//   question itself so that each callback still runs exactly once.
// - DnsAnswer::why_bogus also carries the local error text when reason == Error (no other field).
// - libunbound remembers failures: a SERVFAIL for 5 s (NORR_TTL, message cache), bogus data for
//   val-bogus-ttl (60 s), a DNSKEY/DS it could not fetch or validate for 60 s (BOGUS_KEY_TTL,
//   key cache, not configurable in 1.17), an unresponsive server in the infra cache for up to
//   infra-host-ttl (900 s). Asking the same context again within those times is not asking the
//   network; hence one fresh context per confirmation round. A SERVFAIL from a forwarder is
//   also retried inside one resolution (outbound-msg-retry, 5) before libunbound gives up.
//
// Threading: loop thread only (libunbound runs on it too).
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/dns_classify.hpp>
#include <nulmeting/scanner/dns_window.hpp>
#include <nulmeting/scanner/ub_uv_event.hpp>
#include <nulmeting/scanner/uv_handle.hpp>

#include <unbound.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nulmeting::scanner {

struct UbCtxDeleter {
  void operator()(ub_ctx* c) const noexcept { ub_ctx_delete(c); }
};
using UbCtxPtr = std::unique_ptr<ub_ctx, UbCtxDeleter>;

inline constexpr const char* kSystemTrustAnchor = "/usr/share/dns/root.key";  // dns-root-data

struct DnsConfig {
  // Forwarders, "ADDR" or "ADDR@PORT" (IPv4 or IPv6). Empty: the system's resolv.conf
  // (or full recursion when `full_recursion` is set).
  std::vector<std::string> resolvers;
  std::string resolv_conf;      // "" → /etc/resolv.conf; used only when `resolvers` is empty
  bool full_recursion = false;  // no forwarder: libunbound iterates from the root itself
  std::string root_hints;       // full recursion only; "" → libunbound's built-in hints
  std::string trust_anchor_file = kSystemTrustAnchor;
  std::chrono::milliseconds timeout{5000};  // per attempt
  int retries = 1;                          // resubmissions after a timeout
  // How long libunbound waits for a forwarder's answer before it sends the datagram again
  // inside one attempt (`infra-cache-min-rtt`; full recursion keeps libunbound's own timing).
  // 1000: no resend of an answer that is only slow because the resolver looks it up, while a
  // datagram an overloaded resolver dropped is still sent again within the attempt
  // (libunbound's learned timing sent 41 % of a scan's datagrams twice; 2500 ms made the scan on
  // an overloaded resolver 28 % slower; docs/decisions/0001-libunbound-instead-of-getdns.md).
  std::chrono::milliseconds forwarder_resend{1000};
  // Ceiling of the adaptive in-flight limit (`--dns-inflight`). 1000: a cold Unbound at 100 ms
  // to its authoritatives keeps up with it, and the window backs off for a resolver that does
  // not (docs/decisions/adaptive-dns.md).
  std::size_t max_in_flight = 1000;
  std::size_t min_in_flight = 4;   // floor of the adaptive limit
  bool adaptive_in_flight = true;  // false: always max_in_flight (benchmarks, tests)
  int edns_buffer_size = 1232;     // larger answers come truncated and are retried over TCP
  bool tcp_only = false;           // `tcp-upstream: yes` (tests of the TCP path)
  // libunbound's message cache in MB (the RRset cache gets twice this). A scan asks each
  // domain's MX once and caches hosts itself, so the cache mostly fills with one-off answers
  // until it reaches its bound: at 8 MB that was +14 MiB of RSS between 10,000 and 100,000
  // domains; 1, 2, 4 and 8 MB scan 10,000 domains at 100 ms RTT equally fast
  // (docs/decisions/scan-memory.md). A warm benchmark pass that asks the same names again
  // wants more (scripts/bench-dns passes --cache-mb 64).
  std::size_t cache_mb = 2;
  // Extra `server:` lines for the generated config (tests, tuning), e.g. "val-log-level: 2".
  std::vector<std::string> extra_options;
  // Confirmation of `fail` answers (measurement.md §1): re-asks, and the time from the first
  // answer to the last re-ask. The contract wants at least 2 re-asks over at least 30 s; tests
  // lower the window. confirm_attempts = 0 switches confirmation off.
  int confirm_attempts = 2;
  std::chrono::milliseconds confirm_window{30000};
};

struct DnsStats {
  std::uint64_t submitted = 0;  // questions accepted by resolve()
  std::uint64_t answered = 0;   // callbacks delivered
  std::uint64_t timeouts = 0;   // attempts that timed out (retried or final)
  std::uint64_t retries = 0;
  std::uint64_t final_timeouts = 0;
  std::size_t peak_in_flight = 0;
  std::uint64_t confirmations = 0;        // re-asks of a fail answer sent (§1)
  std::uint64_t fail_confirmed = 0;       // delivered as fail after every re-ask failed too
  std::uint64_t fail_recovered = 0;       // failed first, then answered on a re-ask
  std::uint64_t confirm_contexts = 0;     // fresh libunbound contexts made for re-asks
  std::uint64_t confirm_failures = 0;     // re-asks impossible (no context): fail not confirmed
  std::size_t peak_confirm_contexts = 0;  // most confirmation contexts alive at once
  std::uint64_t overload_answers = 0;     // SERVFAIL/REFUSED/timeouts the window saw
  std::uint64_t limit_decreases = 0;      // times the in-flight limit was cut
  std::size_t lowest_limit = 0;           // smallest in-flight limit a back-off set
  // Loop time with at least one question in flight or waiting (a fail answer waiting for its
  // re-ask counts too), closed intervals only (the benchmark's DNS rate is questions per busy
  // second: scripts/bench-scan).
  std::uint64_t busy_ms = 0;
};

// Questions beyond the in-flight cap wait in two FIFO queues; every High question goes out
// before any Normal one. The scan asks its MX hosts' A/AAAA/TLSA at High: a probe (seconds)
// can only start after them, while a domain's MX question (one round trip) has nothing
// waiting on it. With one queue, 10,000 MX questions queued first held the host lookups, and
// so every probe, back for 4 s (docs/decisions/scan-memory.md, "Throughput").
enum class DnsPriority : std::uint8_t { Normal, High };

class DnsClient {
 public:
  using Callback = std::function<void(DnsAnswer)>;
  using CheckCallback = std::function<void(std::expected<void, std::string>)>;

  // Builds the libunbound context (no network traffic yet). Errors: unreadable or empty trust
  // anchor file, bad forwarder address, libunbound refusing an option.
  static std::expected<std::unique_ptr<DnsClient>, std::string> create(uv_loop_t* loop,
                                                                       DnsConfig cfg);
  ~DnsClient();
  DnsClient(const DnsClient&) = delete;
  DnsClient& operator=(const DnsClient&) = delete;

  // Queues one question (class IN). `name` is an A-label; a trailing dot is added (absolute
  // name, no search list).
  void resolve(std::string name, std::uint16_t qtype, Callback cb,
               DnsPriority priority = DnsPriority::Normal);

  // Start-up check: resolves DNSKEY of every zone the trust-anchor file anchors and reports an
  // error unless each answer is `secure`. Also surfaces libunbound's own parse errors of the
  // file, which only appear when the context is first used.
  void check_trust_anchor(CheckCallback cb);

  // Cancels everything (callbacks run with reason Error), deletes the libunbound context and
  // closes the handles. Idempotent.
  void close();

  bool closed() const noexcept { return closed_; }
  std::size_t in_flight() const noexcept { return in_flight_.size(); }
  std::size_t waiting() const noexcept { return waiting_.size() + waiting_high_.size(); }
  // Fail answers being confirmed: waiting for their next re-ask or with a re-ask in flight.
  std::size_t confirming() const noexcept { return confirm_queue_.size() + reasks_in_flight_; }
  // libunbound contexts alive (the main one plus confirmation contexts not yet retired).
  std::size_t contexts() const noexcept { return (main_ ? 1 : 0) + confirm_ctx_.size(); }
  // Confirmation contexts alive at once (each with its own sockets and caches);
  // past this, due re-asks wait until one retires.
  static constexpr std::size_t kMaxConfirmContexts = 8;
  const DnsStats& stats() const noexcept { return stats_; }
  // The adaptive in-flight limit; limit() is what the client allows now.
  const DnsWindow& window() const noexcept { return window_; }
  std::size_t limit() const noexcept { return window_.limit(); }
  const std::vector<std::string>& anchored_zones() const noexcept { return anchored_zones_; }

  // The generated unbound.conf text (for logs and tests).
  const std::string& config_text() const noexcept { return config_text_; }

 private:
  // One libunbound context (own caches, own sockets, all on events_). The main context
  // (generation 0) asks every first question; confirmation contexts (generation 1, 2, ...) only
  // re-asks. Destroyed only when nothing of it is in flight.
  struct Context {
    DnsClient* client = nullptr;
    std::uint64_t generation = 0;
    std::uint64_t created_ms = 0;  // uv_now()
    std::size_t in_flight = 0;
    UbCtxPtr ub;
  };
  struct Query {
    DnsClient* client = nullptr;
    Context* ctx = nullptr;  // where it is in flight, if it is
    std::string name;        // as asked, with trailing dot
    std::uint16_t qtype = 0;
    Callback cb;
    bool confirm = true;  // a fail answer is confirmed before delivery (§1)
    int async_id = 0;
    int sends = 0;                          // submissions in this round (timeouts resubmit)
    int rounds = 1;                         // first ask + re-asks: DnsAnswer::attempts
    std::uint64_t deadline = 0;             // uv_now() ms
    std::uint64_t sent = 0;                 // uv_now() ms of the last submission
    std::uint64_t due = 0;                  // next re-ask, uv_now() ms
    std::uint64_t answered_generation = 0;  // newest context generation at the last answer
    DnsAnswer last;                         // the fail answer being confirmed
    bool answered = false;                  // libunbound called back; the answer waits in done_
    UbAnswer answer;
    std::list<std::unique_ptr<Query>>::iterator pos;
  };

  DnsClient(uv_loop_t* loop, DnsConfig cfg);
  std::expected<void, std::string> init();
  std::expected<std::unique_ptr<Context>, std::string> make_context(std::uint64_t generation);
  void enqueue(std::string name, std::uint16_t qtype, Callback cb, DnsPriority priority,
               bool confirm);
  void pump();
  bool submit(std::unique_ptr<Query>& q, Context& c);
  bool reask_ready(std::uint64_t now, bool overdue_only) const;
  void submit_reask();
  void arm_timer();
  void arm_confirm_timer();
  void start_deferred();
  void update_refs();
  void retire_contexts();
  void on_answers() noexcept;  // after libunbound's callbacks: handles what they parked
  void on_timer() noexcept;
  void on_deferred() noexcept;
  void on_confirm_timer() noexcept;
  void finish(std::unique_ptr<Query> q, DnsAnswer a) noexcept;  // confirm or deliver
  void deliver(std::unique_ptr<Query> q, DnsAnswer a) noexcept;
  void detach(Query& q) noexcept;  // bookkeeping when q leaves its context
  void observe(const Query& q, const DnsAnswer* a) noexcept;  // answer (or timeout) to window_
  std::uint64_t reask_spacing_ms() const;
  std::uint64_t rotation_ms() const;  // least time between two new confirmation contexts
  static void ub_callback(void* arg, int rcode, void* packet, int len, int sec, char* why_bogus,
                          int was_ratelimited) noexcept;

  uv_loop_t* loop_;
  DnsConfig cfg_;
  std::unique_ptr<UbUvEventBase> events_;  // declared before the contexts: outlives them
  std::unique_ptr<Context> main_;
  std::vector<std::unique_ptr<Context>> confirm_ctx_;  // oldest first; the newest takes re-asks
  std::uint64_t generation_ = 0;                       // of the newest context
  UvTimer timer_;
  UvTimer defer_;          // delivers what came back inside ub_resolve_event outside resolve()
  UvTimer confirm_timer_;  // next re-ask due
  std::deque<std::unique_ptr<Query>> confirm_queue_;  // fail answers awaiting a re-ask, by due
  std::size_t reasks_in_flight_ = 0;
  std::deque<std::unique_ptr<Query>> waiting_;       // DnsPriority::Normal
  std::deque<std::unique_ptr<Query>> waiting_high_;  // DnsPriority::High, sent first
  std::list<std::unique_ptr<Query>> in_flight_;      // ordered by deadline (same timeout for all)
  std::vector<Query*> done_;                         // answered, parked by ub_callback
  std::vector<std::pair<std::unique_ptr<Query>, DnsAnswer>> deferred_;
  std::vector<std::string> anchored_zones_;
  std::string config_text_;
  DnsStats stats_;
  std::optional<std::uint64_t> busy_since_;  // start of the open busy interval (stats_.busy_ms)
  DnsWindow window_;
  bool closed_ = false;
  bool pumping_ = false;
};

// Reads a zone-format trust-anchor file and returns the zones it anchors (owner names of its DS
// and DNSKEY records, "." for the root); an error for an unreadable file, a line that is not a
// DS/DNSKEY record, or a file with no record at all.
std::expected<std::vector<std::string>, std::string> read_trust_anchor_zones(
    const std::string& path);

// The unbound.conf text DnsClient loads (exposed for tests): local-zone nodefault lines for
// every built-in special-use zone, EDNS size, TCP, caching, hints.
std::string make_unbound_config(const DnsConfig& cfg);

// The built-in local zones of Unbound 1.17 that nulmeting switches off (unbound.conf(5),
// "local-zone", default zones, plus names later versions added).
const std::vector<std::string>& special_use_zones();

}  // namespace nulmeting::scanner
