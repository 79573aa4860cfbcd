// tls_plan.cpp — see tls_plan.hpp.
#include <nulmeting/scanner/tls_plan.hpp>
#include <nulmeting/verdict/tls_quality.hpp>

#include <algorithm>
#include <array>

namespace nulmeting::scanner {
namespace {

bool has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
void add(std::vector<std::string>& v, const std::string& s) {
  if (!s.empty() && !has(v, s)) v.push_back(s);
}
bool worse(TlsQuality a, TlsQuality b) { return static_cast<int>(a) > static_cast<int>(b); }
// The ≤1.2 suites of the verdict module's table that `keep` selects, as code points, best class
// first or worst class first (the table's order within a class).
template <class Keep>
std::vector<std::uint16_t> table_suites12(Keep keep, bool worst_first) {
  std::vector<const verdict::SuiteInfo*> v;
  for (const auto& s : verdict::known_suites())
    if (!s.tls13 && keep(s)) v.push_back(&s);
  std::stable_sort(v.begin(), v.end(), [worst_first](const auto* a, const auto* b) {
    return worst_first ? worse(a->grade, b->grade) : worse(b->grade, a->grade);
  });
  std::vector<std::uint16_t> ids;
  for (const auto* s : v) ids.push_back(s->id);
  return ids;
}
// A ≤1.2 suite with an ephemeral finite-field DH key exchange: its ServerKeyExchange carries the
// group (static DH suites have none).
bool ephemeral_dh(std::string_view iana) {
  return iana.find("_DHE_") != std::string_view::npos ||
         iana.find("_DH_anon_") != std::string_view::npos;
}

TlsItemResult item(TlsItem i, TlsItemState st, std::vector<std::string> found = {}) {
  TlsItemResult r;
  r.item = i;
  r.state = st;
  r.found = std::move(found);
  return r;
}

}  // namespace

const OfferableSuite* TlsCatalogue::suite(std::string_view iana) const noexcept {
  for (const auto& s : suites)
    if (s.iana == iana) return &s;
  return nullptr;
}

// The verdict module grades; the planner only asks it which class a value it may offer has.
TlsQuality suite_class(std::string_view iana) { return verdict::grade_suite(iana); }
TlsQuality group_class(std::string_view name) { return verdict::grade_ecdhe_group(name); }
TlsQuality hash_class(std::string_view name) { return verdict::grade_kex_hash(name); }

std::string_view to_string(StepKind k) noexcept {
  switch (k) {
    case StepKind::OldVersions:
      return "TLS 1.0/1.1, SSL 3 (raw hello)";
    case StepKind::Tls10:
      return "TLS 1.0";
    case StepKind::Tls13Suites:
      return "TLS 1.3 suites";
    case StepKind::Tls12Suites:
      return "TLS <=1.2 suites (raw hello)";
    case StepKind::Tls12Order:
      return "TLS <=1.2 cipher order";
    case StepKind::Tls12Reverse:
      return "TLS <=1.2 cipher order, reversed";
    case StepKind::Tls12Better:
      return "TLS <=1.2 cipher order, better suites only";
    case StepKind::Groups:
      return "ECDHE groups";
    case StepKind::KexHashes:
      return "key-exchange hashes";
    case StepKind::Dhe:
      return "DHE group (raw hello)";
    case StepKind::Ssl3:
      return "SSL 3 (raw hello)";
    case StepKind::Compression:
      return "TLS compression (raw hello)";
    case StepKind::Ssl2:
      return "SSL 2 (raw hello)";
  }
  return "?";
}

TlsPlanner::TlsPlanner(TlsCatalogue catalogue, HandshakeFacts main, int max_connections)
    : cat_(std::move(catalogue)), main_(std::move(main)), max_connections_(max_connections) {
  harvest(main_);
  // The main probe offered everything up to TLS 1.3: its version is the server's highest.
  if (main_.version != "TLSv1.3" && main_.version != "TLSv1.2") tls12_ = Tri::No;
  // A server whose best is TLS 1.1 or lower already fails the version item: no step for it.
  if (main_.version == "TLSv1" || main_.version == "TLSv1.1") old_done_ = true;
}

TlsQuality TlsPlanner::worst(const std::vector<std::string>& found,
                             TlsQuality (*cls)(std::string_view), TlsQuality floor) const {
  TlsQuality w = floor;
  for (const auto& f : found)
    if (worse(cls(f), w)) w = cls(f);
  return w;
}

TlsQuality TlsPlanner::tls12_best_seen() const {
  TlsQuality b = TlsQuality::Insufficient;
  for (const auto& s : suites12_)
    if (worse(b, suite_class(s))) b = suite_class(s);
  return b;
}

bool TlsPlanner::single_tls12_class() const {
  return d12_.done && le12_ == Tri::Yes && tls12_worst_seen() == TlsQuality::Sufficient;
}

TlsQuality TlsPlanner::tls12_worst_seen() const {
  return worst(suites12_, suite_class, TlsQuality::Good);
}

void TlsPlanner::harvest(const HandshakeFacts& f) {
  if (f.version.empty()) return;
  add(versions_, f.version);
  if (f.group.rfind("ffdhe", 0) == 0) {
    dh_group_ = f.group;  // TLS 1.3 with a finite-field group
    dhe_ = Tri::Yes;
  } else {
    add(groups_, f.group);
  }
  if (f.version == "TLSv1.3") {
    add(suites13_, f.suite);
    return;
  }
  le12_ = Tri::Yes;
  add(suites12_, f.suite);
  if (!f.dh_group.empty()) {
    dh_group_ = f.dh_group;
    dhe_ = Tri::Yes;
  }
  // One handshake without the extension is enough to fail the item.
  if (f.secure_renegotiation) reneg_ = reneg_.value_or(true) && *f.secure_renegotiation;
  if (f.version == "TLSv1.2") {
    tls12_ = Tri::Yes;
    add(hashes_, f.kex_hash);
    if (f.ems) ems_ = ems_.value_or(true) && *f.ems;
  }
}

// A raw hello's facts: version, suite, compression choice and the ServerHello's EMS and
// renegotiation_info extensions. A TLS 1.0–1.2 suite this OpenSSL can offer joins the OpenSSL
// steps' suites (the cipher-order steps offer it too); the others (and SSL 2/3 picks) stay apart
// so the cipher-order reasoning covers only what its own offers can show.
void TlsPlanner::harvest_raw(const HandshakeFacts& f) {
  add(versions_, f.version);
  const bool tls = f.version == "TLSv1" || f.version == "TLSv1.1" || f.version == "TLSv1.2";
  if (tls && cat_.suite(f.suite))
    add(suites12_, f.suite);
  else
    add(raw_suites_, f.suite);
  if (f.compression) compression_ = compression_.value_or(false) || *f.compression;
  if (!tls) return;
  le12_ = Tri::Yes;
  if (f.secure_renegotiation) reneg_ = reneg_.value_or(true) && *f.secure_renegotiation;
  if (f.version == "TLSv1.2") {
    tls12_ = Tri::Yes;
    if (f.ems) ems_ = ems_.value_or(true) && *f.ems;
  }
}

bool TlsPlanner::offers_every_dhe_suite(const TlsStep& step) const {
  if (!step.offer.raw) return false;
  const auto& ids = step.offer.raw->suites;
  for (const auto& s : cat_.suites) {
    if (!s.dhe) continue;
    const auto* info = verdict::find_suite(s.iana);
    if (!info || std::find(ids.begin(), ids.end(), info->id) == ids.end()) return false;
  }
  return true;
}

std::vector<std::string> TlsPlanner::all_suites12() const {
  std::vector<std::string> v = suites12_;
  for (const auto& s : raw_suites_) add(v, s);
  return v;
}

std::vector<std::string> TlsPlanner::tls12_all(bool worst_first) const {
  std::vector<const OfferableSuite*> v;
  for (const auto& s : cat_.suites)
    if (!s.tls13) v.push_back(&s);
  std::stable_sort(v.begin(), v.end(), [&](const OfferableSuite* a, const OfferableSuite* b) {
    return worst_first ? worse(a->cls, b->cls) : worse(b->cls, a->cls);
  });
  std::vector<std::string> out;
  for (const auto* s : v) out.push_back(s->openssl);
  return out;
}

TlsStep TlsPlanner::make(StepKind k, std::string what, TlsOffer offer) {
  TlsStep s;
  s.kind = k;
  s.number = connections_ + 1;
  s.label = "step " + std::to_string(s.number) + " (" +
            (what.empty() ? std::string(to_string(k)) : what) + ")";
  s.offer = std::move(offer);
  return s;
}

std::optional<TlsStep> TlsPlanner::plan() {
  // A raw hello (tls_hello.hpp) for what this OpenSSL cannot offer. Each ≤1.2 one also offers
  // deflate, so whichever is accepted first answers the compression item.
  auto raw = [](std::uint16_t version, std::vector<std::uint16_t> suites) {
    TlsOffer o;
    o.min_version = o.max_version = version;
    RawHello h;
    h.version = version;
    h.suites = std::move(suites);
    h.compression = {tls_compression::deflate, tls_compression::null};
    o.raw = std::move(h);
    return o;
  };
  // Every ≤1.2 suite of the verdict module's table, best class first (so a server that follows
  // the client's order still completes with something it has).
  auto all12 = [] { return table_suites12([](const auto&) { return true; }, false); };
  // 1. TLS 1.1, TLS 1.0 and SSL 3 in one raw hello with client_version TLS 1.1: a server picks
  // its highest version not above the client's, so the answer names the best old version it
  // has (SSL 3 only when it has neither 1.0 nor 1.1), and a refusal rules out all three. A
  // pick of 1.1 leaves 1.0 for its own step, a pick of 1.0 or 1.1 leaves SSL 3 for its own.
  if (!old_done_) return make(StepKind::OldVersions, "", raw(tls_version::tls11, all12()));
  if (tls10_needed_) {
    TlsOffer o;
    o.min_version = o.max_version = kTls10;
    o.tls12_suites = tls12_all(false);
    return make(StepKind::Tls10, "", std::move(o));
  }
  // 2. TLS 1.3 suites worse than the worst seen, worst first.
  if (main_.version == "TLSv1.3" && !d13_.done) {
    const TlsQuality w = worst(suites13_, suite_class, TlsQuality::Good);
    TlsOffer o;
    o.min_version = o.max_version = kTls13;
    std::vector<const OfferableSuite*> c;
    for (const auto& s : cat_.suites)
      if (s.tls13 && worse(s.cls, w)) c.push_back(&s);
    std::stable_sort(c.begin(), c.end(),
                     [](const auto* a, const auto* b) { return worse(a->cls, b->cls); });
    for (const auto* s : c) o.tls13_suites.push_back(s->iana);
    if (!o.tls13_suites.empty()) return make(StepKind::Tls13Suites, "", std::move(o));
    d13_.done = true;
  }
  // 3. ≤1.2 suites worse than the worst seen (sufficient is the best class ≤1.2 has), worst
  // first, in one raw hello: every such suite of the verdict module's table, those this OpenSSL
  // can offer and those it cannot (3DES, RC4, EXPORT, NULL, anon, IDEA, SEED, static DH...).
  // The ServerHello names the suite; accepted = a finding, refused = none left. The DH group,
  // ECDHE group and hash of an accepted suite are the other descents' (and the DHE step's) job.
  const std::uint16_t v12 = has(versions_, "TLSv1.2") || tls12_ != Tri::No ? tls_version::tls12
                            : has(versions_, "TLSv1.1")                    ? tls_version::tls11
                                                                           : tls_version::tls10;
  if (le12_ != Tri::No && !d12_.done) {
    const TlsQuality w = worst(all_suites12(), suite_class, TlsQuality::Sufficient);
    auto ids = table_suites12([w](const auto& x) { return worse(x.grade, w); }, true);
    if (!ids.empty()) return make(StepKind::Tls12Suites, "", raw(v12, std::move(ids)));
    d12_.done = true;
  }
  // 3b. After a TLS 1.3 main probe and a refused descent: is ≤1.2 accepted at all, and is TLS 1.2?
  // Every ≤1.2 suite (best first) with deflate + null in one raw hello: the server picks its
  // highest version ≤1.2, the ServerHello shows it, the compression method, EMS and secure
  // renegotiation; a refusal means no version ≤1.2 (the descent found nothing weak, so the
  // server's suites ≤1.2, if any, are all one class: no cipher-order step is needed).
  if (d12_.done && tls12_ == Tri::Unknown && !probe12_done_ &&
      !worse(worst(all_suites12(), suite_class, TlsQuality::Sufficient), TlsQuality::Sufficient))
    return make(StepKind::Compression, "TLS <=1.2 and compression (raw hello)",
                raw(tls_version::tls12, all12()));
  // 4. Cipher order (and, after a TLS 1.3 main probe, whether ≤1.2 is accepted at all).
  if (le12_ != Tri::No && !order_done_) {
    // The descent found nothing worse than sufficient, the best class ≤1.2 has: one class.
    const bool single_class_known = single_tls12_class();
    if (!order_worst_first_ && !single_class_known) {
      TlsOffer o;
      o.min_version = kTls10;
      o.max_version = kTls12;
      o.tls12_suites = tls12_all(true);
      return make(StepKind::Tls12Order, "", std::move(o));
    }
    if (order_worst_first_ && !order_best_first_) {
      TlsOffer o;
      o.min_version = kTls10;
      o.max_version = kTls12;
      o.tls12_suites = tls12_all(false);
      return make(StepKind::Tls12Reverse, "", std::move(o));
    }
    // Both orders gave the same class and nothing better was ever seen: is there a better one
    // the server never picks (it prefers the weak one), or only one class (n/a)?
    if (order_best_first_ && !order_better_ && !order_best_first_->empty() &&
        !worse(tls12_worst_seen(), tls12_best_seen()) &&
        worse(suite_class(*order_best_first_), TlsQuality::Sufficient)) {
      const TlsQuality c = suite_class(*order_best_first_);
      TlsOffer o;
      o.min_version = kTls10;
      o.max_version = kTls12;
      for (const auto& x : cat_.suites)
        if (!x.tls13 && worse(c, x.cls)) o.tls12_suites.push_back(x.openssl);
      if (!o.tls12_suites.empty()) return make(StepKind::Tls12Better, "", std::move(o));
    }
    order_done_ = true;  // one class only: n/a
  }
  // 5. ECDHE groups worse than the worst seen (TLS ≤1.2: this OpenSSL offers weak curves there).
  if (le12_ == Tri::Yes && !dgroups_.done) {
    const TlsQuality w = worst(groups_, group_class, TlsQuality::Good);
    TlsOffer o;
    o.min_version = kTls10;
    o.max_version = kTls12;
    for (const auto& s : cat_.suites)
      if (!s.tls13 && s.ecdhe) o.tls12_suites.push_back(s.openssl);
    std::vector<const OfferableNamed*> c;
    for (const auto& g : cat_.groups)
      if (worse(g.cls, w)) c.push_back(&g);
    std::stable_sort(c.begin(), c.end(),
                     [](const auto* a, const auto* b) { return worse(a->cls, b->cls); });
    for (const auto* g : c) o.groups.push_back(g->openssl);
    if (!o.groups.empty() && !o.tls12_suites.empty())
      return make(StepKind::Groups, "", std::move(o));
    dgroups_.done = true;
  }
  // 6. Key-exchange signature hashes worse than the worst seen (TLS 1.2 has the extension).
  if (tls12_ == Tri::Yes && !dhashes_.done) {
    const TlsQuality w = worst(hashes_, hash_class, TlsQuality::Good);
    TlsOffer o;
    o.min_version = o.max_version = kTls12;
    for (const auto& s : cat_.suites)
      if (!s.tls13 && (s.ecdhe || s.dhe)) o.tls12_suites.push_back(s.openssl);
    std::vector<const OfferableNamed*> c;
    for (const auto& h : cat_.sigalgs)
      if (worse(h.cls, w)) c.push_back(&h);
    std::stable_sort(c.begin(), c.end(),
                     [](const auto* a, const auto* b) { return worse(a->cls, b->cls); });
    for (const auto* h : c) o.sigalgs.push_back(h->openssl);
    if (!o.sigalgs.empty() && !o.tls12_suites.empty())
      return make(StepKind::KexHashes, "", std::move(o));
    dhashes_.done = true;
  }
  // 7. The DH group, when no handshake so far used DHE: a raw hello with every ephemeral DH
  // suite (DHE and DH_anon; best first) at the highest version ≤1.2 seen, read on to the
  // ServerKeyExchange. No handshake is completed: OpenSSL's check of the server's public value
  // alone cost ~14 ms of CPU per 3072-bit group (docs/decisions/tls-connection-budget.md).
  if (le12_ == Tri::Yes && dhe_ == Tri::Unknown) {
    auto ids = table_suites12([](const auto& x) { return ephemeral_dh(x.iana); }, false);
    if (!ids.empty()) {
      TlsOffer o = raw(v12, std::move(ids));
      o.raw->key_exchange = true;
      return make(StepKind::Dhe, "", std::move(o));
    }
  }
  // 8. Raw hellos for what this OpenSSL cannot offer.
  // 8a. SSL 3 (client_version 3.0, every ≤1.2 suite), when the old-versions hello picked TLS 1.0
  // or 1.1 (a server with those never picks SSL 3 there) or was not needed.
  if (!ssl3_done_) return make(StepKind::Ssl3, "", raw(tls_version::ssl3, all12()));
  // 8b. Compression, when no accepted raw hello has answered it (TLS 1.3 has none).
  if (le12_ == Tri::Yes && !compression_ && !compression_refused_)
    return make(StepKind::Compression, "", raw(v12, all12()));
  // 8c. SSL 2 last: the hello servers most often answer with a reset (which ends the plan).
  if (!ssl2_done_) {
    TlsOffer o;
    o.min_version = o.max_version = tls_version::ssl2;
    RawHello h;
    h.sslv2 = true;
    h.version = tls_version::ssl2;
    h.compression.clear();
    o.raw = std::move(h);
    return make(StepKind::Ssl2, "", std::move(o));
  }
  return std::nullopt;
}

std::optional<TlsStep> TlsPlanner::next() {
  if (stopped_ || capped_) return std::nullopt;
  auto s = plan();
  if (!s) return std::nullopt;
  if (connections_ >= max_connections_) {
    capped_ = true;
    stop_reason_ = "connection cap " + std::to_string(max_connections_) + " reached before " +
                   std::string(to_string(s->kind));
    return std::nullopt;
  }
  ++connections_;
  return s;
}

void TlsPlanner::record(const TlsStep& step, const StepAnswer& a) {
  if (a.outcome == StepOutcome::Failed) {
    stopped_ = true;
    stop_reason_ = step.label + ": " + a.failure;
    return;
  }
  const bool ok = a.outcome == StepOutcome::Accepted;
  // Each descent step must move its dimension: a pick that is not worse ends it (no loop).
  auto descend = [&](Dim& d, const std::vector<std::string>& found,
                     TlsQuality (*cls)(std::string_view), TlsQuality floor) {
    const TlsQuality before = worst(found, cls, floor);
    if (ok) harvest(a.facts);
    if (!ok || !worse(worst(found, cls, floor), before)) d.done = true;
  };
  switch (step.kind) {
    case StepKind::OldVersions:
      old_done_ = true;
      // Refused: no TLS 1.1, 1.0 or SSL 3. A pick of SSL 3: no TLS 1.0/1.1 either.
      ssl3_done_ = true;
      if (ok) {
        harvest_raw(a.facts);
        tls10_needed_ = a.facts.version == "TLSv1.1";
        ssl3_done_ = a.facts.version == "SSLv3";
      }
      break;
    case StepKind::Tls10:
      tls10_needed_ = false;
      if (ok) harvest(a.facts);
      break;
    case StepKind::Tls13Suites:
      descend(d13_, suites13_, suite_class, TlsQuality::Good);
      break;
    case StepKind::Tls12Suites: {
      const TlsQuality before = worst(all_suites12(), suite_class, TlsQuality::Sufficient);
      if (ok) harvest_raw(a.facts);
      if (!ok || !worse(worst(all_suites12(), suite_class, TlsQuality::Sufficient), before))
        d12_.done = true;
      // Refused while offering every DHE suite this OpenSSL has: no DHE key exchange ≤1.2, so
      // the DHE step would only be refused too.
      if (!ok && dhe_ == Tri::Unknown && offers_every_dhe_suite(step)) dhe_ = Tri::No;
    } break;
    case StepKind::Groups:
      descend(dgroups_, groups_, group_class, TlsQuality::Good);
      break;
    case StepKind::KexHashes:
      descend(dhashes_, hashes_, hash_class, TlsQuality::Good);
      break;
    case StepKind::Dhe:  // a raw hello read on to its ServerKeyExchange
      if (ok) {
        harvest_raw(a.facts);
        dh_group_ = a.facts.dh_group;
        if (!a.facts.kex_hash.empty()) add(hashes_, a.facts.kex_hash);
      }
      if (dhe_ == Tri::Unknown) dhe_ = ok ? Tri::Yes : Tri::No;
      break;
    case StepKind::Tls12Order:
      if (!ok) {
        // Every ≤1.2 suite from TLS 1.0 to 1.2 refused: the server speaks TLS 1.3 only.
        if (le12_ == Tri::Unknown) le12_ = Tri::No;
        if (tls12_ == Tri::Unknown) tls12_ = Tri::No;
        order_done_ = true;
        break;
      }
      harvest(a.facts);
      // The server picks its highest version: a pick below 1.2 means no TLS 1.2.
      if (tls12_ == Tri::Unknown) tls12_ = a.facts.version == "TLSv1.2" ? Tri::Yes : Tri::No;
      order_worst_first_ = a.facts.suite;
      if (single_tls12_class()) order_done_ = true;
      // Offered worst class first, picked the best class it has: it enforces its own order.
      if (suite_class(a.facts.suite) == tls12_best_seen() &&
          worse(tls12_worst_seen(), tls12_best_seen()))
        order_done_ = true;
      break;
    case StepKind::Tls12Reverse:
      if (ok) harvest(a.facts);
      order_best_first_ = ok ? a.facts.suite : std::string();
      if (!ok) order_done_ = true;
      break;
    case StepKind::Tls12Better:
      if (ok) harvest(a.facts);
      order_better_ = ok ? a.facts.suite : std::string();
      order_done_ = true;
      break;
    case StepKind::Ssl3:
      ssl3_done_ = true;
      if (ok) harvest_raw(a.facts);
      break;
    case StepKind::Compression: {
      // Planned as the ≤1.2 probe (3b) while TLS 1.2 was unknown: every ≤1.2 suite offered, so
      // the server's pick is at its highest version ≤1.2, and a refusal means none.
      const bool probe = tls12_ == Tri::Unknown;
      probe12_done_ = true;
      if (ok) {
        harvest_raw(a.facts);
        if (probe && tls12_ == Tri::Unknown) tls12_ = Tri::No;  // picked below TLS 1.2
        if (probe && le12_ == Tri::Unknown) le12_ = Tri::No;    // picked SSL 3
      } else if (probe && le12_ == Tri::Unknown) {
        le12_ = Tri::No;
        tls12_ = Tri::No;
        order_done_ = true;
      } else {
        compression_refused_ = true;
      }
    } break;
    case StepKind::Ssl2:
      ssl2_done_ = true;
      if (ok) harvest_raw(a.facts);
      break;
  }
}

namespace {
std::string hex4(std::uint16_t v) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) s += d[(v >> shift) & 0xf];
  return s;
}
std::string version_name(std::uint16_t v) {
  switch (v) {
    case tls_version::ssl3:
      return "SSLv3";
    case tls_version::tls10:
      return "TLSv1";
    case tls_version::tls11:
      return "TLSv1.1";
    case tls_version::tls12:
      return "TLSv1.2";
    case tls_version::tls13:
      return "TLSv1.3";
    default:
      return hex4(v);
  }
}
StepAnswer failed(std::string why) {
  StepAnswer a;
  a.outcome = StepOutcome::Failed;
  a.failure = std::move(why);
  return a;
}
}  // namespace

StepAnswer raw_step_answer(const TlsStep& step, const std::optional<ServerReply>& reply,
                           const std::optional<KeyExchangeReply>& key_exchange,
                           std::string_view dh_group) {
  StepAnswer a;
  a.outcome = StepOutcome::Refused;
  if (!step.offer.raw) return failed("internal error: not a raw-hello step");
  const RawHello& h = *step.offer.raw;
  if (!reply) return a;  // closed right after the hello, before any byte: refused
  using K = ServerReply::Kind;
  switch (reply->kind) {
    case K::alert:
    case K::sslv2_error:
      return a;
    case K::need_more:
      return failed("raw hello: truncated reply");
    case K::garbage:
      return failed("raw hello: unreadable reply: " + reply->why);
    case K::sslv2_server_hello:
      if (!h.sslv2) return failed("raw hello: SSL 2 SERVER-HELLO to a TLS hello");
      a.outcome = StepOutcome::Accepted;
      a.facts.version = "SSLv2";
      return a;
    case K::server_hello:
      break;
  }
  const ServerHello& sh = reply->hello;
  // A TLS ServerHello to an SSL 2 hello, or one above SSL 3 to an SSL 3 hello: the server chose
  // a newer version, i.e. it declined the one offered (a fact, not a guess).
  if (h.sslv2 || (h.version == tls_version::ssl3 && sh.version > tls_version::ssl3)) return a;
  if (sh.hello_retry_request || sh.version > h.version)
    return failed("raw hello: server chose version " + version_name(sh.version) +
                  " above the offered " + version_name(h.version));
  if (std::find(h.suites.begin(), h.suites.end(), sh.cipher_suite) == h.suites.end())
    return failed("raw hello: server chose suite " + hex4(sh.cipher_suite) +
                  ", which was not offered");
  if (std::find(h.compression.begin(), h.compression.end(), sh.compression_method) ==
      h.compression.end())
    return failed("raw hello: server chose compression method " +
                  std::to_string(sh.compression_method) + ", which was not offered");
  const auto* info = verdict::find_suite(sh.cipher_suite);
  a.outcome = StepOutcome::Accepted;
  a.facts.version = version_name(sh.version);
  a.facts.suite = info ? std::string(info->iana) : hex4(sh.cipher_suite);
  if (std::find(h.compression.begin(), h.compression.end(), tls_compression::deflate) !=
      h.compression.end())
    a.facts.compression = sh.compression_method == tls_compression::deflate;
  // A TLS hello always signals secure renegotiation and EMS (tls_hello.hpp's defaults): the
  // ServerHello's extensions answer both, as they do for OpenSSL's own handshakes.
  if (sh.version > tls_version::ssl3) a.facts.secure_renegotiation = sh.renegotiation_info;
  if (sh.version == tls_version::tls12) a.facts.ems = sh.extended_master_secret;
  if (h.key_exchange) {  // the DHE step: the group (and the hash of its signature, TLS 1.2)
    if (!key_exchange || key_exchange->kind != KeyExchangeReply::Kind::dhe)
      return failed("raw hello: no DH parameters: " +
                    (key_exchange ? key_exchange->why : std::string("not read")));
    if (dh_group.empty()) return failed("internal error: raw hello: DH group not named");
    a.facts.dh_group = std::string(dh_group);
    const DheKeyExchange& kx = key_exchange->dhe;
    if (sh.version == tls_version::tls12 && kx.signed_params)
      a.facts.kex_hash = signature_hash_name(kx.signature_algorithm);
  }
  return a;
}

TlsAssessment TlsPlanner::result() const {
  TlsAssessment r;
  r.assessed = true;
  r.connections = connections_;
  r.preferred_suite = main_.suite;
  r.dh_group = dh_group_;
  static constexpr std::array<std::string_view, 6> order = {"SSLv2",   "SSLv3",   "TLSv1",
                                                            "TLSv1.1", "TLSv1.2", "TLSv1.3"};
  for (const auto v : order)
    if (has(versions_, v)) r.versions_accepted.emplace_back(v);
  for (const auto& v : versions_)
    if (!has(r.versions_accepted, v)) r.versions_accepted.push_back(v);

  using S = TlsItemState;
  const auto measured_or_unknown = [](bool known) { return known ? S::Measured : S::Unknown; };
  const auto found12 = all_suites12();
  const bool insuff12 =
      worst(found12, suite_class, TlsQuality::Sufficient) == TlsQuality::Insufficient;

  // protocol versions: the worst is known once TLS 1.0/1.1 are resolved and, without them,
  // whether TLS 1.2 is accepted beside 1.3 (good vs sufficient).
  const bool old_found = has(versions_, "TLSv1") || has(versions_, "TLSv1.1") ||
                         has(versions_, "SSLv3") || has(versions_, "SSLv2");
  const bool versions_known = old_found || (old_done_ && !tls10_needed_ &&
                                            (tls12_ != Tri::Unknown) && ssl2_done_ && ssl3_done_);
  r.items.push_back(
      item(TlsItem::ProtocolVersions, measured_or_unknown(versions_known), r.versions_accepted));

  if (main_.version != "TLSv1.3")
    r.items.push_back(item(TlsItem::Tls13Suites, S::NotApplicable));
  else
    r.items.push_back(
        item(TlsItem::Tls13Suites,
             measured_or_unknown(d13_.done || worst(suites13_, suite_class, TlsQuality::Good) ==
                                                  TlsQuality::Insufficient),
             suites13_));

  if (le12_ == Tri::No)
    r.items.push_back(item(TlsItem::Tls12Suites, S::NotApplicable));
  else
    r.items.push_back(item(TlsItem::Tls12Suites,
                           measured_or_unknown(le12_ == Tri::Yes && (d12_.done || insuff12)),
                           found12));

  // ECDHE groups: after a TLS 1.3-only server, what the main probe saw (this OpenSSL offers no
  // weak curve in TLS 1.3).
  const bool groups_worst =
      worst(groups_, group_class, TlsQuality::Good) == TlsQuality::Insufficient;
  if (le12_ == Tri::No || dgroups_.done || groups_worst)
    r.items.push_back(
        item(TlsItem::EcdheGroups, groups_.empty() ? S::NotApplicable : S::Measured, groups_));
  else
    r.items.push_back(item(TlsItem::EcdheGroups, S::Unknown, groups_));

  if (!dh_group_.empty())
    r.items.push_back(item(TlsItem::FfdheGroups, S::Measured, {dh_group_}));
  else if (le12_ == Tri::No || dhe_ == Tri::No)
    r.items.push_back(item(TlsItem::FfdheGroups, S::NotApplicable));
  else
    r.items.push_back(item(TlsItem::FfdheGroups, S::Unknown));

  const bool hashes_worst =
      worst(hashes_, hash_class, TlsQuality::Good) == TlsQuality::Insufficient;
  if (tls12_ == Tri::No)
    r.items.push_back(item(TlsItem::KexHashes, S::NotApplicable));
  else if (tls12_ == Tri::Yes && (dhashes_.done || hashes_worst))
    r.items.push_back(item(TlsItem::KexHashes, S::Measured, hashes_));  // empty: none weak
  else
    r.items.push_back(item(TlsItem::KexHashes, S::Unknown, hashes_));

  r.items.push_back(
      item(TlsItem::CertKeys, main_.cert_keys.empty() ? S::Unknown : S::Measured, main_.cert_keys));
  r.items.push_back(item(TlsItem::CertSignatures,
                         main_.cert_signatures.empty() ? S::Unknown : S::Measured,
                         main_.cert_signatures));

  // cipher order
  {
    const TlsQuality best = tls12_best_seen(), wst = tls12_worst_seen();
    if (le12_ == Tri::No) {
      r.items.push_back(item(TlsItem::CipherOrder, S::NotApplicable));
    } else if (!order_done_ || le12_ != Tri::Yes) {
      r.items.push_back(item(TlsItem::CipherOrder, S::Unknown));
    } else if (!worse(wst, best)) {
      r.items.push_back(item(TlsItem::CipherOrder, S::NotApplicable));  // one class
    } else if (order_worst_first_ && !order_best_first_) {
      r.items.push_back(item(TlsItem::CipherOrder, S::Measured));  // enforced, best class first
    } else if (!order_best_first_ || order_best_first_->empty()) {
      r.items.push_back(item(TlsItem::CipherOrder, S::Unknown));
    } else {
      const std::string& p = *order_worst_first_;
      const std::string& q = *order_best_first_;
      std::string strong;
      for (const auto& s : suites12_)
        if (suite_class(s) == best) {
          strong = s;
          break;
        }
      if (p != q && worse(suite_class(p), suite_class(q)))
        r.items.push_back(item(TlsItem::CipherOrder, S::Measured, {"client order followed"}));
      else
        r.items.push_back(
            item(TlsItem::CipherOrder, S::Measured, {"prefers " + p + " over " + strong}));
    }
  }

  // Compression: from the first accepted raw hello offering deflate (TLS 1.3 has none).
  if (compression_)
    r.items.push_back(
        item(TlsItem::Compression, S::Measured,
             *compression_ ? std::vector<std::string>{"deflate"} : std::vector<std::string>{}));
  else if (le12_ == Tri::No && !has(versions_, "SSLv3"))
    r.items.push_back(item(TlsItem::Compression, S::NotApplicable));
  else
    r.items.push_back(item(TlsItem::Compression, S::Unknown));

  if (le12_ == Tri::No)
    r.items.push_back(item(TlsItem::SecureRenegotiation, S::NotApplicable));
  else if (reneg_)
    r.items.push_back(
        item(TlsItem::SecureRenegotiation, S::Measured,
             *reneg_ ? std::vector<std::string>{} : std::vector<std::string>{"not supported"}));
  else
    r.items.push_back(item(TlsItem::SecureRenegotiation, S::Unknown));

  if (tls12_ == Tri::No)
    r.items.push_back(item(TlsItem::ExtendedMasterSecret, S::NotApplicable));
  else if (ems_)
    r.items.push_back(
        item(TlsItem::ExtendedMasterSecret, S::Measured,
             *ems_ ? std::vector<std::string>{} : std::vector<std::string>{"not supported"}));
  else
    r.items.push_back(item(TlsItem::ExtendedMasterSecret, S::Unknown));

  if (std::any_of(r.items.begin(), r.items.end(),
                  [](const TlsItemResult& i) { return i.state == S::Unknown; }))
    r.unknown_reasons.push_back(stop_reason_.empty() ? "not measured" : stop_reason_);
  if (compression_refused_ && !compression_)
    r.unknown_reasons.push_back("compression: the hello offering deflate was refused");
  return r;
}

}  // namespace nulmeting::scanner
