// tls_plan.hpp — the planner of the TLS-quality assessment (measurement.md §4): from what the
// main probe and the assessment's earlier handshakes showed, the next handshake to make, or done.
//
// Who calls it: ProbeScheduler (one TlsPlanner per starttls_ok (host, address, port), after the
// main probe) and the planner table tests. Pure: no I/O, no OpenSSL; the offer of a step is
// plain data (tls_offer.hpp turns it into an SSL_CTX, the catalogue of what this OpenSSL can
// offer comes from tls_offer.hpp too).
//
// Why this shape (issue 15: the connection budget is the point): every step answers as much
// as it can. For each graded dimension (TLS 1.3 suites, TLS ≤1.2 suites, ECDHE groups,
// key-exchange hashes) the step offers only the values worse than the worst one seen so far,
// worst first: refused (a TLS alert) = none of them is accepted; accepted = a finding, and the
// next step offers only what is worse still. A modern server therefore refuses one offer per
// dimension. Every accepted handshake also feeds every other dimension (its suite, group,
// hash, DH group, EMS, secure renegotiation). The main probe's handshake gives the first
// values, the chain (certificate keys and signatures) and the preferred suite.
// Cipher order: the whole ≤1.2 offer worst class first; the server's pick of the best class it
// accepts means it enforces its order; otherwise the same offer best class first tells "client
// order followed" from "prefers <weak> over <strong>".
//
// Raw hellos (tls_hello.hpp) where one hand-built hello answers more than OpenSSL's could, or
// offers what this OpenSSL cannot (docs/decisions/tls-connection-budget.md has the figures):
// - TLS 1.1, 1.0 and SSL 3 in one hello with client_version TLS 1.1 (the server picks its
//   highest version not above it; a refusal rules out all three);
// - the ≤1.2 suite descent: every suite of the verdict module's table worse than the worst
//   seen, those OpenSSL has and those it lacks (3DES, RC4, EXPORT, NULL, anon...), worst first;
//   a refusal that offered every DHE suite also answers "no DHE" (the DHE step is skipped);
// - after a TLS 1.3 main probe whose descent found nothing weak, one hello with every ≤1.2
//   suite and deflate: TLS 1.2 / ≤1.2 accepted, compression, EMS and secure renegotiation (the
//   ServerHello's extensions) at once; the suites are then one class: no cipher-order step;
// - the DH group: every ephemeral DH suite in one hello, read on to the ServerKeyExchange (its
//   prime, and the hash of its signature in TLS 1.2) and closed there: a completed DHE
//   handshake made OpenSSL check the server's public value, ~14 ms of CPU for a 3072-bit group;
// - compression (when no accepted raw hello answered it yet), SSL 3 on its own only when the
//   old-versions hello picked TLS 1.0/1.1, and SSL 2 (last: the hello servers most often reset).
// Every ≤1.2 raw hello offers deflate + null, so the first accepted one answers compression.
// A suite a raw hello found joins the OpenSSL steps' suites when OpenSSL can offer it (the
// cipher-order steps offer it too); the others stay apart from the cipher-order reasoning.
//
// Invariants: at most `max_connections` steps; a step that fails without a TLS verdict (refused
// connection, 4xx, timeout, reset) ends the assessment: the items it would have answered and
// all items still open are Unknown with a reason, never guessed. Items are reported in TlsItem
// order; `found` always holds the worst accepted value of a Measured graded item.
// Threading: none (a value type).
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/scanner/tls_hello.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::scanner {

// Protocol versions as on the wire.
inline constexpr std::uint16_t kTls10 = 0x0301, kTls11 = 0x0302, kTls12 = 0x0303, kTls13 = 0x0304;

// One value the client can offer, with its §4 class.
struct OfferableSuite {
  std::string iana;     // "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256" (the name in `found`)
  std::string openssl;  // OpenSSL's name for the cipher list ("ECDHE-RSA-AES128-GCM-SHA256")
  bool tls13 = false;
  bool ecdhe = false;  // ECDHE key exchange (≤1.2)
  bool dhe = false;    // finite-field DHE key exchange (≤1.2)
  TlsQuality cls = TlsQuality::Insufficient;
};
struct OfferableNamed {
  std::string name;     // IANA group name / hash name, as in `found` ("secp224r1", "sha1")
  std::string openssl;  // for the OpenSSL list ("secp224r1", "RSA+SHA1:ECDSA+SHA1")
  TlsQuality cls = TlsQuality::Insufficient;
};
// What this client can offer (tls_offer.hpp builds it from OpenSSL; tests build small ones).
struct TlsCatalogue {
  std::vector<OfferableSuite> suites;
  std::vector<OfferableNamed> groups;   // ECDHE groups usable in TLS ≤1.2
  std::vector<OfferableNamed> sigalgs;  // one entry per hash
  const OfferableSuite* suite(std::string_view iana) const noexcept;
};

// The §4 class of a value the planner may offer, by its `found` name: verdict/tls_quality.hpp's
// tables (the one place that grades).
TlsQuality suite_class(std::string_view iana);
TlsQuality group_class(std::string_view name);
TlsQuality hash_class(std::string_view name);

// A hand-built hello (tls_hello.hpp) for what this OpenSSL cannot offer: SSL 2, SSL 3, TLS
// compression, legacy suites. The probe writes it after the 2xx to STARTTLS and reads one reply.
struct RawHello {
  bool sslv2 = false;                 // an SSL 2 CLIENT-HELLO offering every SSL 2 cipher kind
  std::uint16_t version = kTls12;     // client_version (SSL 3 = 0x0300: no extensions)
  std::vector<std::uint16_t> suites;  // IANA code points, preference order
  std::vector<std::uint8_t> compression = {tls_compression::null};
  // Read on past the ServerHello to the ServerKeyExchange (a hello offering only DHE suites):
  // the DH group without a completed handshake (tls_hello.hpp parse_dhe_key_exchange).
  bool key_exchange = false;
};

// The offer of one step: plain data.
struct TlsOffer {
  std::uint16_t min_version = kTls10, max_version = kTls13;
  std::vector<std::string> tls13_suites;  // IANA names, preference order
  std::vector<std::string> tls12_suites;  // OpenSSL names, preference order
  std::vector<std::string> groups;        // OpenSSL names; empty = library default
  std::vector<std::string> sigalgs;       // OpenSSL sigalg lists; empty = library default
  std::optional<RawHello> raw;            // set: a hand-built hello instead of OpenSSL's
};

enum class StepKind : std::uint8_t {
  OldVersions,   // TLS 1.1, 1.0, SSL 3 (raw hello, client_version TLS 1.1)
  Tls10,         // TLS 1.0 alone (after 1.1 was accepted)
  Tls13Suites,   // TLS 1.3 suites worse than the worst seen
  Tls12Suites,   // ≤1.2 suites worse than the worst seen (raw hello)
  Tls12Order,    // every ≤1.2 suite, worst class first (also: is ≤1.2 accepted at all)
  Tls12Reverse,  // every ≤1.2 suite, best class first (cipher order, second look)
  Tls12Better,   // only ≤1.2 suites better than both picks (cipher order, third look)
  Groups,        // ECDHE groups worse than the worst seen (≤1.2)
  KexHashes,     // signature hashes worse than the worst seen (TLS 1.2)
  Dhe,           // DHE suites only: the server's DH group
  // Raw hellos (tls_hello.hpp):
  Ssl3,         // client_version SSL 3.0, every ≤1.2 suite, deflate + null
  Compression,  // deflate + null with every ≤1.2 suite (also the ≤1.2 probe, see above)
  Ssl2,         // an SSL 2 CLIENT-HELLO
};
std::string_view to_string(StepKind k) noexcept;

struct TlsStep {
  StepKind kind = StepKind::OldVersions;
  int number = 0;     // 1-based, in order of connection
  std::string label;  // "step 3 (TLS 1.0/1.1)"
  TlsOffer offer;
};

// What one completed handshake showed (main probe or step).
struct HandshakeFacts {
  std::string version;              // "TLSv1.2"
  std::string suite;                // IANA name
  std::string group;                // ECDHE group, IANA name ("x25519"), "" when none
  std::string dh_group;             // "ffdhe2048", "dh-1024", "" when no finite-field DH
  std::optional<bool> compression;  // raw hellos offering deflate: did the server pick it
  std::string kex_hash;  // "sha256"..., "" when the key exchange was not signed (or TLS 1.3)
  std::optional<bool> ems, secure_renegotiation;        // ≤1.2 only
  std::vector<std::string> cert_keys, cert_signatures;  // every non-root certificate sent
};

enum class StepOutcome : std::uint8_t {
  Accepted,  // handshake completed: `facts`
  Refused,   // the server answered the offer with a TLS alert
  Failed,    // no TLS answer: refused connection, 4xx, timeout, reset (`failure` says which)
};
struct StepAnswer {
  StepOutcome outcome = StepOutcome::Failed;
  HandshakeFacts facts;
  std::string failure;
};

// What a raw-hello step's reply means: a ServerHello that picks the offered version (and a
// suite; or an SSL 2 SERVER-HELLO) = Accepted with the facts it shows; an alert, an SSL 2
// ERROR, or a close before any byte (`reply` empty) = Refused; a ServerHello choosing what was
// not offered, or anything unreadable = Failed with the reason (never guessed).
// A key_exchange hello (the DHE step) is Accepted only with the ServerKeyExchange's parameters
// (`key_exchange`), named `dh_group` by the caller (tls_offer.hpp dh_group_name); a
// ServerHello without them is Failed.
StepAnswer raw_step_answer(const TlsStep& step, const std::optional<ServerReply>& reply,
                           const std::optional<KeyExchangeReply>& key_exchange = std::nullopt,
                           std::string_view dh_group = {});

class TlsPlanner {
 public:
  // `main`: the main probe's completed handshake. `max_connections` ≥ 0.
  TlsPlanner(TlsCatalogue catalogue, HandshakeFacts main, int max_connections);

  std::optional<TlsStep> next();  // the next handshake; nullopt when done (or capped/stopped)
  void record(const TlsStep& step, const StepAnswer& answer);
  int connections() const noexcept { return connections_; }
  TlsAssessment result() const;

 private:
  enum class Tri : std::uint8_t { Unknown, Yes, No };
  struct Dim {  // one descent: done when refused or nothing worse is left
    bool done = false;
  };
  void harvest(const HandshakeFacts& f);
  void harvest_raw(const HandshakeFacts& f);
  std::vector<std::string> all_suites12() const;           // OpenSSL steps' and raw hellos' suites
  bool offers_every_dhe_suite(const TlsStep& step) const;  // a raw step, every catalogue DHE
  TlsQuality worst(const std::vector<std::string>& found, TlsQuality (*cls)(std::string_view),
                   TlsQuality floor) const;
  std::optional<TlsStep> plan();
  TlsStep make(StepKind k, std::string what, TlsOffer offer);
  std::vector<std::string> tls12_all(bool worst_first) const;
  TlsQuality tls12_best_seen() const;
  TlsQuality tls12_worst_seen() const;
  bool single_tls12_class() const;

  TlsCatalogue cat_;
  HandshakeFacts main_;
  int max_connections_;
  int connections_ = 0;
  bool stopped_ = false;  // a step failed: nothing more is tried
  bool capped_ = false;   // the cap stopped a step that was still needed
  std::string stop_reason_;

  std::vector<std::string> versions_;  // accepted, as "TLSv1.2"
  bool tls10_needed_ = false;
  Tri le12_ = Tri::Unknown;   // some version ≤ 1.2 accepted
  Tri tls12_ = Tri::Unknown;  // TLS 1.2 accepted
  std::vector<std::string> suites13_, suites12_, groups_, hashes_;
  std::string dh_group_;
  Tri dhe_ = Tri::Unknown;
  std::optional<bool> ems_, reneg_;
  bool old_done_ = false;
  Dim d13_, d12_, dgroups_, dhashes_;
  // cipher order: picks of the worst-first and best-first full offers
  std::optional<std::string> order_worst_first_, order_best_first_, order_better_;
  bool order_done_ = false;
  // raw hellos
  bool ssl2_done_ = false, ssl3_done_ = false;
  bool probe12_done_ = false;            // the ≤1.2 probe (a Compression step) was made
  std::vector<std::string> raw_suites_;  // ≤1.2 suites accepted in raw hellos
  std::optional<bool> compression_;      // deflate accepted
  bool compression_refused_ = false;     // the compression step was refused outright
};

}  // namespace nulmeting::scanner
