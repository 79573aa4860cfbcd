// smtp_probe.hpp — one STARTTLS + DANE probe of one (MX host, address): an explicit state
// machine (measurement.md §2.3).
//
// Who calls it: ProbeScheduler (probe_scheduler.hpp) creates one SmtpProbe per (host, ip, port)
// with a real libuv transport and clock (smtp_uv_transport.hpp); tests drive it with a scripted
// fake Transport and Clock.
//
// Model: PowerDNS dnsdist-healthchecks.cc / tcpiohandler.cc (explicit TCP state, SSL_get_error
// mapped to I/O states) and Unbound's single completion path. Here:
//   State {Connect, Banner, Ehlo, StartTls, Handshake, RawHello, Quit, Done}; advance() runs steps
//   until one returns NeedRead/NeedWrite (wait for the transport) or the probe is finished; every
//   step returns NeedRead / NeedWrite / Done / Failed. Entering a phase arms that phase's deadline
//   (one timer, re-armed per phase, cleared in finish). Reply, error, reset and timeout all end
//   in finish(), which runs exactly once, closes the transport and cancels the timer before it
//   calls the completion callback.
//
// Before connecting, classify_address (address_policy.hpp) decides: an address that is not
// publicly routable and not in an --allow-address range is never contacted → not_public.
//
// SMTP chat: banner (2xx; 4xx → smtp_temp_error, retry-able; 5xx → smtp_perm_error), EHLO (a
// 5xx to EHLO is followed by HELO only to classify the server: HELO accepted → no_starttls),
// STARTTLS advertised? (no → no_starttls), STARTTLS (any 2xx proceeds, as Postfix does; 4xx/5xx
// → starttls_refused), TLS handshake (SNI = TLSA base domain, else the host name), QUIT. Never
// MAIL/RCPT/DATA. Plaintext that arrives with the 2xx to STARTTLS is discarded (STARTTLS
// injection, CVE-2011-0411 class).
// A raw-hello step of the TLS-quality assessment (ProbeRequest::raw_hello) replaces the
// handshake with RawHello: it writes the hand-built hello (tls_hello.hpp), reads one bounded
// reply (parse_server_reply) and closes without QUIT (the server is inside a TLS handshake);
// a reply or a clean close is starttls_ok + ProbeCompletion::raw_reply, a reset or timeout is
// tls_failed (the planner's Failed: unknown, never guessed). With RawHello::key_exchange, a
// ServerHello is followed on to the ServerKeyExchange (parse_dhe_key_exchange, bounded by
// max_server_flight_bytes): ProbeCompletion::raw_key_exchange.
//
// Reached = a complete 2xx greeting (measurement.md §2.3). The phase decides what a broken
// dialogue means:
//   - before a complete greeting (connect, banner): refused, timeout (silence; also a greeting
//     that never ends within the parser's caps, e.g. an endless "220-"), reset. Not reached.
//   - after the greeting, before a reply to STARTTLS (EHLO/HELO, STARTTLS): a reset, silence
//     until the phase deadline, a reply over the line/byte caps (also one complete reply with a
//     line over max_line: over-long, then QUIT), a malformed reply, an
//     unexpected code, a 4xx to EHLO (retried like a 4xx greeting) or 5xx to both EHLO and
//     HELO → protocol_error. Reached.
//   - after a 2xx to STARTTLS: a failed, reset or stalled handshake → tls_failed. Reached.
//   - QUIT: the outcome is fixed before QUIT; its reply, timeout or reset change nothing.
// Connect errors of our own network (ENETUNREACH, EHOSTUNREACH, EAFNOSUPPORT, EADDRNOTAVAIL) →
// no_route (not measured). Our own faults (out of memory, an exception caught in the noexcept
// event handlers, a TLS/DANE setup failure, an address we cannot parse, out of descriptors)
// → internal_error, never server behaviour; the pipeline marks the domain unmeasured.
// `error` says what happened and in which phase.
//
// DANE (only when usable TLSA exist): the probe records what its handshake measured —
// authenticated / failed(no_match, name_mismatch, expired) against the reference identifiers of
// verdict::probe_reference_names (the TLSA base domain). Without a completed handshake it
// records nothing (dane = not_applicable); the final per-address value (no_starttls,
// tls_failed, tlsa_lookup_failed, the domain's own names) is written by verdict::finalize.
//
// Memory per probe is bounded: the reply parser's caps, one read chunk of pending plaintext, a
// cap on buffered ciphertext, the transcript cap and the chain cap.
// Threading: loop thread only. The object must stay alive (not be destroyed) while the
// transport may call it; the owner destroys it only after the completion callback has returned
// and control is back in the loop (ProbeScheduler defers the delete).
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/address_policy.hpp>
#include <nulmeting/scanner/dane_verify.hpp>
#include <nulmeting/scanner/smtp_reply.hpp>
#include <nulmeting/scanner/tls_context.hpp>
#include <nulmeting/scanner/tls_plan.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nulmeting::scanner {

// Events a transport delivers to its probe.
class TransportEvents {
 public:
  virtual ~TransportEvents() = default;
  virtual void on_connected(int status) noexcept = 0;  // 0, or a libuv error (UV_ECONNREFUSED..)
  virtual void on_data(std::string_view bytes) noexcept = 0;
  virtual void on_closed(int status) noexcept = 0;  // UV_EOF, or a libuv error (UV_ECONNRESET)
};

// A byte stream to one address. After close() no more events arrive.
class Transport {
 public:
  virtual ~Transport() = default;
  // Starts connecting; the result arrives as on_connected. Returns a libuv error or 0.
  virtual int connect(const std::string& ip, std::uint16_t port, TransportEvents* events) = 0;
  virtual void write(std::string bytes) = 0;
  virtual void close() noexcept = 0;
};

// Time and the one phase deadline. fire is called at (or after) the deadline unless cancelled.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t now_ms() const = 0;
  virtual void arm(std::uint64_t delay_ms, std::function<void()> fire) = 0;
  virtual void cancel() noexcept = 0;
};

struct ProbeTimeouts {  // per phase, milliseconds
  std::uint64_t connect = 10000, banner = 30000, ehlo = 30000, starttls = 30000, handshake = 30000,
                quit = 5000;
};

struct ProbeOptions {
  std::string ehlo_name = "localhost.localdomain";  // an FQDN (--ehlo-name); see valid_ehlo_name
  std::vector<IpNetwork>
      allowed_ranges;  // non-public ranges that may be contacted (--allow-address)
  ProbeTimeouts timeouts;
  SmtpReplyLimits reply_limits;
  std::size_t transcript_cap = 8192;
  std::size_t max_ciphertext_pending = 1u << 18;
};

struct ProbeRequest {
  std::string host;  // MX host name (A-label, no trailing dot)
  std::string ip;    // IPv4 or IPv6 text
  std::uint16_t port = 25;
  std::string tlsa_base;         // TLSA base domain when a secure TLSA RRset was found
  std::vector<TlsaRecord> tlsa;  // as received (usable and unusable)
  // A step of the TLS-quality assessment (tls_plan.hpp): the same dialogue with the step's
  // offer; no PKIX check (information the main probe already has).
  bool assessment_step = false;
  // A raw-hello step (tls_plan.hpp RawHello): after the 2xx to STARTTLS the probe writes this
  // hand-built hello instead of starting OpenSSL, reads one reply and closes.
  std::optional<RawHello> raw_hello{};
};

// What the scheduler needs beyond the result: was it a 4xx at the banner (retry-able)?
struct ProbeCompletion {
  ProbeResult result;
  bool banner_temp_error = false;
  HandshakeFacts facts;    // of a completed handshake (the TLS-quality planner's input)
  bool tls_alert = false;  // the handshake failed on a TLS alert (not a lost connection)
  // A raw-hello step that got its answer: the parsed reply, or empty when the server closed
  // the connection cleanly before sending a byte.
  bool raw_answered = false;
  std::optional<ServerReply> raw_reply{};
  // RawHello::key_exchange and a ServerHello: what followed it (DHE parameters or garbage).
  std::optional<KeyExchangeReply> raw_key_exchange{};
};

class SmtpProbe final : public TransportEvents {
 public:
  enum class State : std::uint8_t {
    Connect,
    Banner,
    Ehlo,
    StartTls,
    Handshake,
    RawHello,  // a raw-hello step: waiting for the server's first TLS/SSL record
    Quit,
    Done
  };
  using DoneFn = std::function<void(ProbeCompletion&&)>;

  SmtpProbe(ProbeRequest req, const ProbeOptions& opts, std::shared_ptr<const TlsClientContext> tls,
            std::unique_ptr<Transport> transport, Clock& clock, DoneFn done);
  SmtpProbe(const SmtpProbe&) = delete;
  SmtpProbe& operator=(const SmtpProbe&) = delete;
  ~SmtpProbe() override;

  void start() noexcept;  // may finish at once (not_public, connect error): see ProbeScheduler
  State state() const noexcept { return state_; }
  bool finished() const noexcept { return finished_; }
  const ProbeRequest& request() const noexcept { return req_; }

  // TransportEvents
  void on_connected(int status) noexcept override;
  void on_data(std::string_view bytes) noexcept override;
  void on_closed(int status) noexcept override;

 private:
  void begin();
  void advance() noexcept;
  IoStatus step();
  IoStatus read_reply(SmtpReply& out);
  void enter(State s);
  void on_deadline() noexcept;
  void send(std::string_view line);
  void note(std::string_view prefix, std::string_view text);
  IoStatus fail(ProbeOutcome o, std::string why, bool banner_temp = false);
  IoStatus protocol_error(std::string_view phase);
  IoStatus over_long(std::string_view what);   // a complete reply with a line over the cap
  ProbeOutcome lost_outcome() const noexcept;  // a dialogue lost in this phase: which outcome
  IoStatus handle_banner(const SmtpReply& r);
  IoStatus handle_ehlo(const SmtpReply& r);
  IoStatus handle_starttls(const SmtpReply& r);
  IoStatus start_tls();
  IoStatus step_handshake();
  IoStatus send_raw_hello();
  IoStatus step_raw_hello();
  IoStatus step_quit();
  void begin_quit();
  void flush_tls();
  void finish() noexcept;

  ProbeRequest req_;
  ProbeOptions opts_;
  std::shared_ptr<const TlsClientContext> tls_ctx_;
  std::unique_ptr<Transport> transport_;
  Clock& clock_;
  DoneFn done_;

  State state_ = State::Connect;
  bool connected_ = false;
  bool finished_ = false;
  bool helo_sent_ = false;
  bool peer_closed_ = false;
  int close_status_ = 0;
  bool banner_temp_ = false;
  bool outcome_set_ = false;  // result_.outcome is final (QUIT phase)
  int dane_usable_ = 0;
  std::uint64_t started_ms_ = 0;
  std::string inbuf_;  // plaintext not yet parsed (bounded by one read chunk)
  SmtpReplyParser parser_;
  std::optional<TlsSession> tls_;
  ProbeResult result_;
  HandshakeFacts facts_;
  bool tls_alert_ = false;
  bool raw_answered_ = false;
  std::optional<ServerReply> raw_reply_;
  std::optional<KeyExchangeReply> raw_key_exchange_;
};

std::string_view to_string(SmtpProbe::State s) noexcept;

// An EHLO/HELO argument the probe may send: a domain name of LDH labels with at least one dot
// (an FQDN, RFC 5321 §4.1.1.1) or an address literal "[192.0.2.1]" / "[IPv6:...]". Anything
// else (spaces, CR/LF: command injection) is refused when the scheduler is created.
bool valid_ehlo_name(std::string_view name) noexcept;

}  // namespace nulmeting::scanner
