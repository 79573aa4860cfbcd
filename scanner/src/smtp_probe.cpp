// smtp_probe.cpp — see smtp_probe.hpp.
#include <nulmeting/scanner/address_policy.hpp>
#include <nulmeting/scanner/smtp_probe.hpp>
#include <nulmeting/scanner/tls_offer.hpp>
#include <nulmeting/verdict/address.hpp>
#include <nulmeting/verdict/tlsa.hpp>

#include <openssl/rand.h>
#include <uv.h>

#include <algorithm>
#include <array>
#include <utility>

namespace nulmeting::scanner {

std::string_view to_string(SmtpProbe::State s) noexcept {
  switch (s) {
    case SmtpProbe::State::Connect:
      return "connect";
    case SmtpProbe::State::Banner:
      return "banner";
    case SmtpProbe::State::Ehlo:
      return "EHLO";
    case SmtpProbe::State::StartTls:
      return "STARTTLS";
    case SmtpProbe::State::Handshake:
      return "TLS handshake";
    case SmtpProbe::State::RawHello:
      return "raw TLS hello";
    case SmtpProbe::State::Quit:
      return "QUIT";
    case SmtpProbe::State::Done:
      return "done";
  }
  return "?";
}

bool valid_ehlo_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 255) return false;
  auto is = [](char c, std::string_view extra) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
  };
  if (name.front() == '[') {
    if (name.size() < 3 || name.back() != ']') return false;
    for (const char c : name.substr(1, name.size() - 2))
      if (!is(c, ".:-")) return false;
    return true;
  }
  if (name.back() == '.') name.remove_suffix(1);
  if (name.find('.') == std::string_view::npos) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '.') {
      if (label == 0 || name[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (!is(c, "-") || (label == 0 && c == '-') || ++label > 63) return false;
  }
  return label > 0 && name.back() != '-';
}

SmtpProbe::SmtpProbe(ProbeRequest req, const ProbeOptions& opts,
                     std::shared_ptr<const TlsClientContext> tls,
                     std::unique_ptr<Transport> transport, Clock& clock, DoneFn done)
    : req_(std::move(req)),
      opts_(opts),
      tls_ctx_(std::move(tls)),
      transport_(std::move(transport)),
      clock_(clock),
      done_(std::move(done)),
      parser_(opts.reply_limits) {
  result_.ip = req_.ip;
  for (const auto& r : req_.tlsa)
    if (!req_.tlsa_base.empty() && verdict::tlsa_usable(r)) ++dane_usable_;
}

SmtpProbe::~SmtpProbe() {
  clock_.cancel();
  if (transport_) transport_->close();
}

void SmtpProbe::start() noexcept {
  try {
    begin();
  } catch (...) {
    fail(ProbeOutcome::InternalError, "internal error: exception starting the probe");
    finish();
  }
}

void SmtpProbe::begin() {
  started_ms_ = clock_.now_ms();
  // The only connect() of the scanner: an address a stranger's DNS points into a private
  // network is never contacted (measurement.md §2.3).
  switch (classify_address(req_.ip, opts_.allowed_ranges)) {
    case AddressClass::Public:
    case AddressClass::Allowed:
      break;
    case AddressClass::NotPublic:
      note("", "not contacted: " + req_.ip + " is not a publicly routable address");
      fail(ProbeOutcome::NotPublic, "not a publicly routable address (not contacted)");
      finish();
      return;
    case AddressClass::Invalid:
      // Addresses come from our own parse of A/AAAA data: one we cannot read is our fault.
      fail(ProbeOutcome::InternalError, "internal error: '" + req_.ip + "' is not an address");
      finish();
      return;
  }
  enter(State::Connect);
  const int rc = transport_->connect(req_.ip, req_.port, this);
  if (rc != 0) on_connected(rc);
}

void SmtpProbe::enter(State s) {
  state_ = s;
  std::uint64_t t = 0;
  switch (s) {
    case State::Connect:
      t = opts_.timeouts.connect;
      break;
    case State::Banner:
      t = opts_.timeouts.banner;
      break;
    case State::Ehlo:
      t = opts_.timeouts.ehlo;
      break;
    case State::StartTls:
      t = opts_.timeouts.starttls;
      break;
    case State::Handshake:
    case State::RawHello:
      t = opts_.timeouts.handshake;
      break;
    case State::Quit:
      t = opts_.timeouts.quit;
      break;
    case State::Done:
      clock_.cancel();
      return;
  }
  // One deadline per phase: re-arming replaces the previous phase's timer.
  clock_.arm(t, [this] { on_deadline(); });
}

void SmtpProbe::note(std::string_view prefix, std::string_view text) {
  std::string& t = result_.transcript;
  if (t.size() >= opts_.transcript_cap) return;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    if (nl > pos) {
      std::string line = std::string(prefix) + sanitize(text.substr(pos, nl - pos), 1024) + "\n";
      if (t.size() + line.size() > opts_.transcript_cap) {
        t += "[transcript truncated]\n";
        return;
      }
      t += line;
    }
    pos = nl + 1;
  }
}

void SmtpProbe::send(std::string_view line) {
  note(tls_ ? "C(tls): " : "C: ", line);
  std::string bytes(line);
  bytes += "\r\n";
  if (tls_) {
    (void)tls_->write(bytes);
    flush_tls();
  } else {
    transport_->write(std::move(bytes));
  }
}

void SmtpProbe::flush_tls() {
  std::string out = tls_->take_output();
  if (!out.empty()) transport_->write(std::move(out));
}

IoStatus SmtpProbe::fail(ProbeOutcome o, std::string why, bool banner_temp) {
  result_.outcome = o;
  result_.error = sanitize(why, 1024);
  banner_temp_ = banner_temp;
  // DANE stays as measured (not tested): what a failed dialogue means for DANE is decided by
  // the verdict module (verdict::address_dane), not here.
  return IoStatus::Failed;
}

void SmtpProbe::on_connected(int status) noexcept {
  if (finished_) return;
  if (status != 0) {
    note("", std::string("connect: ") + uv_strerror(status));
    switch (status) {
      case UV_ECONNREFUSED:
        fail(ProbeOutcome::Refused, "connection refused");
        break;
      case UV_ETIMEDOUT:
        fail(ProbeOutcome::Timeout, "connect timed out");
        break;
      case UV_ECONNRESET:
        fail(ProbeOutcome::Reset, "connection reset during connect");
        break;
      // The scanner's own network cannot reach the address: a fact about us, not the server.
      case UV_ENETUNREACH:
      case UV_EHOSTUNREACH:
      case UV_EAFNOSUPPORT:
      case UV_EADDRNOTAVAIL:
        fail(ProbeOutcome::NoRoute, std::string("no route: ") + uv_strerror(status));
        break;
      // Our resources or our input (an address we could not use): never server behaviour.
      case UV_EMFILE:
      case UV_ENFILE:
      case UV_ENOBUFS:
      case UV_ENOMEM:
      case UV_EINVAL:
        fail(ProbeOutcome::InternalError,
             std::string("internal error: connect: ") + uv_strerror(status));
        break;
      default:
        fail(ProbeOutcome::Refused, std::string("connect: ") + uv_strerror(status));
    }
    finish();
    return;
  }
  connected_ = true;
  advance();
}

void SmtpProbe::on_data(std::string_view bytes) noexcept {
  if (finished_) return;
  try {
    if (tls_) {
      if (!tls_->feed(bytes, opts_.max_ciphertext_pending)) {
        if (state_ == State::Quit) {
          finish();
        } else {
          fail(ProbeOutcome::TlsFailed, "peer sent more TLS data than the probe buffers");
          finish();
        }
        return;
      }
    } else {
      inbuf_.append(bytes);
    }
  } catch (...) {
    fail(ProbeOutcome::InternalError, "internal error: out of memory buffering the reply");
    finish();
    return;
  }
  advance();
}

void SmtpProbe::on_closed(int status) noexcept {
  if (finished_) return;
  peer_closed_ = true;
  close_status_ = status;
  if (tls_) tls_->feed_eof();
  advance();
}

void SmtpProbe::on_deadline() noexcept {
  if (finished_) return;
  // A handshake that never completes is a handshake error, like a connection lost inside it:
  // the server answered EHLO and accepted STARTTLS, so the address was reached and its TLS is
  // broken (docs/decisions/verdict-readings.md). Counting it as `timeout` (not reached) would
  // turn a server that accepts STARTTLS and then stalls into `starttls = unreachable`.
  // Silence after a complete 2xx greeting is a broken dialogue (protocol_error, reached):
  // only before the greeting is it `timeout`.
  if (state_ == State::Handshake)
    fail(ProbeOutcome::TlsFailed, "timeout in phase handshake (no TLS handshake completed)");
  else if (state_ == State::RawHello)
    fail(ProbeOutcome::TlsFailed, "timeout waiting for the answer to the raw hello");
  else if (state_ != State::Quit)
    fail(lost_outcome(), "timeout in phase " + std::string(to_string(state_)));
  finish();
}

void SmtpProbe::advance() noexcept {
  try {
    while (!finished_) {
      const IoStatus st = step();
      if (st == IoStatus::Failed) break;
      if (st == IoStatus::Done) {
        if (state_ == State::Done) break;
        continue;
      }
      // NeedRead / NeedWrite: wait for the transport — unless it has ended.
      if (!peer_closed_) return;
      if (state_ != State::Quit && !outcome_set_) {
        const bool reset = close_status_ != 0 && close_status_ != UV_EOF;
        fail(state_ == State::Handshake || state_ == State::RawHello ? ProbeOutcome::TlsFailed
             : lost_outcome() == ProbeOutcome::Timeout               ? ProbeOutcome::Reset
                                                                     : ProbeOutcome::ProtocolError,
             std::string(reset ? "connection reset" : "connection closed") + " by peer in phase " +
                 std::string(to_string(state_)));
      }
      break;
    }
  } catch (const std::bad_alloc&) {
    fail(ProbeOutcome::InternalError, "internal error: out of memory in the probe");
  } catch (...) {
    fail(ProbeOutcome::InternalError, "internal error: exception in the probe");
  }
  finish();
}

IoStatus SmtpProbe::read_reply(SmtpReply& out) {
  std::size_t used = 0;
  const auto st = parser_.feed(inbuf_, used);
  inbuf_.erase(0, used);
  if (st == SmtpReplyParser::Status::Incomplete) return IoStatus::NeedRead;
  note("S: ", parser_.reply().text());
  if (st == SmtpReplyParser::Status::Error) {
    const std::string why(to_string(parser_.error()));
    note("", "protocol error: " + why);
    if (parser_.error() == SmtpReplyError::TooManyLines ||
        parser_.error() == SmtpReplyError::TooLarge) {
      if (state_ == State::Quit) {
        enter(State::Done);
        return IoStatus::Done;
      }
      return fail(lost_outcome(),
                  "no complete reply in phase " + std::string(to_string(state_)) + ": " + why);
    }
    return protocol_error(why);
  }
  out = parser_.reply();
  parser_.reset();
  return IoStatus::Done;
}

IoStatus SmtpProbe::protocol_error(std::string_view why) {
  const std::string msg =
      "protocol error in phase " + std::string(to_string(state_)) + ": " + std::string(why);
  switch (state_) {
    case State::Quit:
      enter(State::Done);
      return IoStatus::Done;
    case State::Ehlo:
    case State::StartTls:
      return fail(ProbeOutcome::ProtocolError, msg);
    default:
      // Before a complete 2xx greeting (an unreadable banner): not reached, as before v2.
      return fail(ProbeOutcome::SmtpTempError, msg);
  }
}

IoStatus SmtpProbe::over_long(std::string_view what) {
  // An over-long reply after the greeting is the server's protocol error (measurement.md §2.3),
  // even though the parser kept its first characters (Postfix would read on: a documented
  // difference). The reply was complete, so the dialogue still allows QUIT.
  fail(ProbeOutcome::ProtocolError, std::string(what) + " reply has a line over " +
                                        std::to_string(opts_.reply_limits.max_line) +
                                        " characters (RFC 5321 §4.5.3.1.5 allows 512)");
  begin_quit();
  return IoStatus::Done;
}

ProbeOutcome SmtpProbe::lost_outcome() const noexcept {
  // reached = a complete 2xx greeting (measurement.md §2.3): from EHLO on, a dialogue that
  // breaks is the server's protocol error; before it, the address was not reached.
  return state_ == State::Ehlo || state_ == State::StartTls ? ProbeOutcome::ProtocolError
                                                            : ProbeOutcome::Timeout;
}

IoStatus SmtpProbe::step() {
  SmtpReply r;
  switch (state_) {
    case State::Connect:
      if (!connected_) return IoStatus::NeedWrite;  // connecting = waiting to become writable
      enter(State::Banner);
      return IoStatus::Done;
    case State::Banner:
      if (const auto st = read_reply(r); st != IoStatus::Done) return st;
      return handle_banner(r);
    case State::Ehlo:
      if (const auto st = read_reply(r); st != IoStatus::Done) return st;
      return handle_ehlo(r);
    case State::StartTls:
      if (const auto st = read_reply(r); st != IoStatus::Done) return st;
      return handle_starttls(r);
    case State::Handshake:
      return step_handshake();
    case State::RawHello:
      return step_raw_hello();
    case State::Quit:
      return step_quit();
    case State::Done:
      return IoStatus::Done;
  }
  return IoStatus::Failed;
}

IoStatus SmtpProbe::handle_banner(const SmtpReply& r) {
  const std::string first = r.lines.empty() ? std::string() : r.lines.front();
  switch (r.klass()) {
    case 2:
      send("EHLO " + opts_.ehlo_name);
      enter(State::Ehlo);
      return IoStatus::Done;
    case 4:
      return fail(ProbeOutcome::SmtpTempError, "banner " + std::to_string(r.code) + " " + first,
                  true);
    case 5:
      return fail(ProbeOutcome::SmtpPermError, "banner " + std::to_string(r.code) + " " + first);
    default:
      return protocol_error("unexpected banner code " + std::to_string(r.code));
  }
}

IoStatus SmtpProbe::handle_ehlo(const SmtpReply& r) {
  const std::string what = helo_sent_ ? "HELO" : "EHLO";
  if (r.truncated) return over_long(what);
  const std::string first = r.lines.empty() ? std::string() : r.lines.front();
  const std::string why = what + " " + std::to_string(r.code) + " " + first;
  switch (r.klass()) {
    case 2:
      if (!helo_sent_ && ehlo_has(r, "STARTTLS")) {
        send("STARTTLS");
        enter(State::StartTls);
        return IoStatus::Done;
      }
      fail(ProbeOutcome::NoStarttls,
           helo_sent_ ? "server refuses EHLO, accepts HELO" : "STARTTLS not advertised");
      begin_quit();
      return IoStatus::Done;
    case 4:
      // Reached (the greeting was 2xx), so not smtp_temp_error; but a 421 here is often a
      // passing rate limit, so the scheduler retries it like a 4xx greeting.
      return fail(ProbeOutcome::ProtocolError, why, true);
    case 5:
      if (!helo_sent_) {
        // HELO only to classify a server that refuses EHLO (no ESMTP → no STARTTLS).
        helo_sent_ = true;
        send("HELO " + opts_.ehlo_name);
        enter(State::Ehlo);
        return IoStatus::Done;
      }
      return fail(ProbeOutcome::ProtocolError, why);
    default:
      return protocol_error("unexpected " + what + " reply code " + std::to_string(r.code));
  }
}

IoStatus SmtpProbe::handle_starttls(const SmtpReply& r) {
  if (r.truncated) return over_long("STARTTLS");
  const std::string why =
      "STARTTLS " + std::to_string(r.code) + " " + (r.lines.empty() ? "" : r.lines.front());
  switch (r.klass()) {
    case 2:
      break;  // any 2xx proceeds to TLS, as Postfix does
    case 4:
    case 5:
      fail(ProbeOutcome::StarttlsRefused, why);
      begin_quit();
      return IoStatus::Done;
    default:
      return protocol_error("unexpected STARTTLS reply code " + std::to_string(r.code));
  }
  if (!inbuf_.empty()) {
    // STARTTLS injection: plaintext after the 2xx must never be read as part of the TLS session.
    note("", "discarded " + std::to_string(inbuf_.size()) +
                 " bytes of plaintext received with the STARTTLS " + std::to_string(r.code));
    inbuf_.clear();
  }
  return req_.raw_hello ? send_raw_hello() : start_tls();
}

IoStatus SmtpProbe::send_raw_hello() {
  result_.sni = req_.tlsa_base.empty() ? req_.host : req_.tlsa_base;
  const RawHello& h = *req_.raw_hello;
  std::expected<std::vector<std::uint8_t>, HelloBuildError> bytes;
  if (h.sslv2) {
    std::array<std::uint8_t, 16> challenge{};
    if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1)
      return fail(ProbeOutcome::InternalError, "internal error: no random bytes");
    bytes = build_sslv2_client_hello(kSsl2CipherKinds, challenge);
  } else {
    ClientHelloSpec spec;
    spec.client_version = h.version;
    spec.record_version = std::min(h.version, tls_version::tls10);
    spec.cipher_suites = h.suites;
    spec.compression_methods = h.compression;
    // Every RFC 7919 group, as OpenSSL's own hellos list them: a server that negotiates DHE by
    // RFC 7919 then answers a raw hello's DHE suites as it answers the DHE step's.
    static constexpr std::array<std::uint16_t, 3> kMoreFfdhe = {0x0102, 0x0103, 0x0104};
    for (const std::uint16_t g : kMoreFfdhe)
      if (std::find(spec.groups.begin(), spec.groups.end(), g) == spec.groups.end())
        spec.groups.push_back(g);
    // SSL 3 has no extensions: secure renegotiation travels as the SCSV.
    spec.extensions = h.version > tls_version::ssl3;
    if (spec.extensions) spec.server_name = result_.sni;
    if (RAND_bytes(spec.random.data(), static_cast<int>(spec.random.size())) != 1)
      return fail(ProbeOutcome::InternalError, "internal error: no random bytes");
    bytes = build_client_hello(spec);
  }
  if (!bytes)
    return fail(ProbeOutcome::InternalError,
                "internal error: raw hello: " + std::string(to_string(bytes.error())));
  note("", "raw hello: " + std::to_string(bytes->size()) + " bytes");
  transport_->write(std::string(bytes->begin(), bytes->end()));
  enter(State::RawHello);
  return IoStatus::Done;
}

IoStatus SmtpProbe::step_raw_hello() {
  // The reply arrives in inbuf_ as raw bytes (no TLS session): the parser reads one record and
  // never needs more than max_server_reply_bytes (a DHE hello's key exchange: no more than
  // max_server_flight_bytes), so the buffer stays bounded.
  const auto* p = reinterpret_cast<const std::uint8_t*>(inbuf_.data());
  ServerReply r = parse_server_reply(
      std::span<const std::uint8_t>(p, std::min(inbuf_.size(), max_server_reply_bytes)));
  if (r.kind == ServerReply::Kind::need_more && inbuf_.size() < max_server_reply_bytes) {
    if (!peer_closed_) return IoStatus::NeedRead;
    const bool reset = close_status_ != 0 && close_status_ != UV_EOF;
    if (reset) return fail(ProbeOutcome::TlsFailed, "connection reset after the raw hello");
    if (!inbuf_.empty())
      return fail(ProbeOutcome::TlsFailed, "connection closed inside the reply to the raw hello");
    // Closed without a byte: the server declined the hello (the planner's "refused").
    note("", "raw hello: closed by the server without a reply");
  } else {
    // A DHE hello reads on to the ServerKeyExchange (the DH group), bounded the same way.
    std::optional<KeyExchangeReply> kx;
    if (r.kind == ServerReply::Kind::server_hello && req_.raw_hello->key_exchange) {
      kx = parse_dhe_key_exchange(
          std::span<const std::uint8_t>(p, std::min(inbuf_.size(), max_server_flight_bytes)));
      if (kx->kind == KeyExchangeReply::Kind::need_more) {
        if (!peer_closed_) return IoStatus::NeedRead;
        kx = KeyExchangeReply{};
        kx->why = "connection closed before the ServerKeyExchange";
      }
    }
    note("", "raw hello: reply " + std::string(to_string(r.kind)) +
                 (r.kind == ServerReply::Kind::alert
                      ? std::string(" ") + std::string(tls_alert_name(r.alert.description))
                      : std::string()) +
                 (r.why.empty() ? std::string() : " (" + r.why + ")"));
    if (kx)
      note("", kx->kind == KeyExchangeReply::Kind::dhe
                   ? "raw hello: ServerKeyExchange with a DH prime of " +
                         std::to_string(kx->dhe.p.size() * 8) + " bits"
                   : "raw hello: no DH parameters (" + kx->why + ")");
    raw_key_exchange_ = std::move(kx);
    raw_reply_ = std::move(r);
  }
  raw_answered_ = true;
  outcome_set_ = true;
  result_.outcome = ProbeOutcome::StarttlsOk;
  result_.error.reset();
  // QUIT is impossible here: the server is inside a TLS handshake we will not complete, so an
  // SMTP command would be garbage to it. The probe just closes the connection (finish()).
  enter(State::Done);
  return IoStatus::Done;
}

IoStatus SmtpProbe::start_tls() {
  result_.sni = req_.tlsa_base.empty() ? req_.host : req_.tlsa_base;
  // Setting up our own TLS/DANE state is our work, not the server's: a failure is internal.
  auto s = TlsSession::create(*tls_ctx_, result_.sni);
  if (!s) return fail(ProbeOutcome::InternalError, "internal error: TLS setup: " + s.error());
  tls_.emplace(std::move(*s));
  if (dane_usable_ > 0) {
    DaneParams p{req_.tlsa_base, verdict::probe_reference_names(req_.tlsa_base), req_.tlsa};
    const int added = dane_setup(tls_->ssl(), p);
    if (added < 0) return fail(ProbeOutcome::InternalError, "internal error: DANE setup failed");
    dane_usable_ = added;
  }
  enter(State::Handshake);
  return IoStatus::Done;
}

IoStatus SmtpProbe::step_handshake() {
  const IoStatus st = tls_->handshake();
  flush_tls();
  switch (st) {
    case IoStatus::NeedRead:
    case IoStatus::NeedWrite:
      return st;
    case IoStatus::Failed:
      note("", "TLS handshake failed: " + tls_->error());
      // A connection lost mid-handshake is a handshake that failed: the server was reached and
      // accepted STARTTLS (docs/decisions/verdict-readings.md); the error text keeps the detail.
      if (tls_->peer_eof())
        return fail(ProbeOutcome::TlsFailed,
                    "connection lost during TLS handshake: " + tls_->error());
      tls_alert_ = true;  // the server refused the offer (the assessment's "refused")
      return fail(ProbeOutcome::TlsFailed, "TLS handshake failed: " + tls_->error());
    case IoStatus::Done:
      break;
  }
  SSL* ssl = tls_->ssl();
  result_.outcome = ProbeOutcome::StarttlsOk;
  result_.error.reset();
  tls_evidence(ssl, tls_ctx_->options().max_chain, result_);
  facts_ = handshake_facts(ssl);
  if (!req_.assessment_step) pkix_check(ssl, tls_ctx_->pkix_store(), req_.host, result_);
  if (dane_usable_ > 0) dane_evaluate(ssl, result_);
  note("", "TLS " + result_.tls_version + " " + result_.cipher + " group " + result_.group);
  begin_quit();
  return IoStatus::Done;
}

void SmtpProbe::begin_quit() {
  outcome_set_ = true;
  parser_.reset();
  inbuf_.clear();
  send("QUIT");
  enter(State::Quit);
}

IoStatus SmtpProbe::step_quit() {
  if (tls_) {
    std::string plain;
    const IoStatus st = tls_->read(plain, opts_.reply_limits.max_reply_bytes);
    inbuf_ += plain;
    if (st == IoStatus::Failed && inbuf_.empty()) {
      enter(State::Done);
      return IoStatus::Done;
    }
  }
  SmtpReply r;
  const IoStatus st = read_reply(r);
  if (st == IoStatus::NeedRead) return st;
  if (tls_) {
    tls_->shutdown();
    flush_tls();
  }
  enter(State::Done);
  return IoStatus::Done;
}

void SmtpProbe::finish() noexcept {
  if (finished_) return;
  finished_ = true;
  state_ = State::Done;
  clock_.cancel();
  transport_->close();
  result_.attempts = 1;
  result_.duration_ms = static_cast<double>(clock_.now_ms() - started_ms_);
  if (result_.sni.empty()) result_.sni = req_.tlsa_base.empty() ? req_.host : req_.tlsa_base;
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) {
    try {
      done(ProbeCompletion{std::move(result_), banner_temp_, std::move(facts_), tls_alert_,
                           raw_answered_, std::move(raw_reply_), std::move(raw_key_exchange_)});
    } catch (...) {
      // The owner's callback must not throw across the loop; nothing sensible to do here.
    }
  }
}

}  // namespace nulmeting::scanner
