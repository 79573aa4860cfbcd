// tls_plan_test.cpp — the TLS-quality planner against simulated servers: which steps it plans,
// how many connections each kind of server costs, and what it reports (measurement.md §4).
#include <nulmeting/scanner/tls_plan.hpp>
#include <nulmeting/verdict/tls_quality.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace nulmeting;
using namespace nulmeting::scanner;

namespace {

TlsCatalogue catalogue() {
  TlsCatalogue c;
  auto suite = [&](std::string iana, std::string ossl, bool t13, bool ecdhe, bool dhe) {
    c.suites.push_back({iana, ossl, t13, ecdhe, dhe, suite_class(iana)});
  };
  suite("TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true, false, false);
  suite("TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true, false, false);
  suite("TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256", true, false, false);
  suite("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false, true, false);
  suite("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", false, true, false);
  suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false, true, false);
  suite("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", false, false, true);
  suite("TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", false, false, false);
  for (const char* g : {"x25519", "secp256r1", "secp224r1", "secp192r1"})
    c.groups.push_back({g, g, group_class(g)});
  for (const char* h : {"sha256", "sha224", "sha1"})
    c.sigalgs.push_back({h, std::string("list-") + h, hash_class(h)});
  return c;
}

// A server as the planner's steps see it. Test code: picks like OpenSSL's server does.
struct Server {
  std::vector<std::string> versions;  // accepted, "TLSv1".."TLSv1.3"
  std::vector<std::string> suites;    // IANA, in the server's preference order
  std::vector<std::string> groups = {"x25519", "secp256r1"};
  std::vector<std::string> hashes = {"sha256"};
  std::string dh = "";  // DH group of DHE suites
  bool server_order = true;
  bool ems = true, reneg = true;
  // What only a raw hello sees: SSL 2/3, suites OpenSSL cannot offer (IANA names, after
  // `suites` in the server's order), deflate.
  bool ssl2 = false, ssl3 = false, deflate = false;
  std::vector<std::string> legacy;
  int fail_from = 0;  // 1-based step from which every connection gets a 421 (0: never)
  std::vector<std::string> cert_keys = {"rsa-4096"}, cert_sigs = {"sha256-rsa"};
};

const std::map<std::uint16_t, std::string> kVersionName = {
    {kTls10, "TLSv1"}, {kTls11, "TLSv1.1"}, {kTls12, "TLSv1.2"}, {kTls13, "TLSv1.3"}};

bool in(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// The reply a server gives a raw hello (like OpenSSL's server: an alert when nothing fits).
std::optional<ServerReply> raw_reply(const Server& srv, const RawHello& h) {
  ServerReply r;
  if (h.sslv2) {
    if (!srv.ssl2) return std::nullopt;  // closes
    r.kind = ServerReply::Kind::sslv2_server_hello;
    return r;
  }
  r.kind = ServerReply::Kind::alert;
  r.alert = {2, 40};
  std::uint16_t v = 0;
  if (h.version == tls_version::ssl3) {
    if (!srv.ssl3) return r;
    v = tls_version::ssl3;
  } else {
    for (std::uint16_t x = h.version; x >= kTls10 && v == 0; --x)
      if (in(srv.versions, kVersionName.at(x))) v = x;
    if (v == 0 && srv.ssl3) v = tls_version::ssl3;  // its highest version below the client's
    if (v == 0) return r;
  }
  std::vector<std::uint16_t> mine;  // the server's suites ≤1.2, in its order
  for (const auto* list : {&srv.suites, &srv.legacy})
    for (const auto& name : *list) {
      const auto* info = verdict::find_suite(name);
      if (info && !info->tls13) mine.push_back(info->id);
    }
  auto in_ids = [](const std::vector<std::uint16_t>& ids, std::uint16_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  for (const std::uint16_t id : srv.server_order ? mine : h.suites) {
    if (!in_ids(mine, id) || !in_ids(h.suites, id)) continue;
    r.kind = ServerReply::Kind::server_hello;
    r.hello.version = r.hello.legacy_version = v;
    r.hello.cipher_suite = id;
    const bool deflate = std::find(h.compression.begin(), h.compression.end(),
                                   tls_compression::deflate) != h.compression.end();
    r.hello.compression_method = srv.deflate && deflate ? tls_compression::deflate : 0;
    // The extensions a TLS ServerHello answers the hello's renegotiation_info and EMS with.
    r.hello.renegotiation_info = v > tls_version::ssl3 && srv.reneg;
    r.hello.extended_master_secret = v == tls_version::tls12 && srv.ems;
    return r;
  }
  return r;
}

// What follows a raw hello's ServerHello when the hello reads on to the ServerKeyExchange
// (the DHE step): the server's DH prime (its size; the caller names it `srv.dh`), signed with
// its first hash (TLS 1.2, unless DH_anon); a suite without ServerKeyExchange is garbage.
std::optional<KeyExchangeReply> key_exchange(const Server& srv, const ServerReply& reply) {
  KeyExchangeReply kx;
  const auto* info = verdict::find_suite(reply.hello.cipher_suite);
  const std::string iana = info ? std::string(info->iana) : "";
  const bool anon = iana.find("_DH_anon_") != std::string::npos;
  if (srv.dh.empty() || (!anon && iana.find("_DHE_") == std::string::npos)) {
    kx.why = "ServerHelloDone before any ServerKeyExchange (not a DHE suite)";
    return kx;
  }
  kx.kind = KeyExchangeReply::Kind::dhe;
  const auto bits = std::stoul(srv.dh.substr(srv.dh.find_first_of("0123456789")));
  kx.dhe.p.assign(bits / 8, 0xff);
  kx.dhe.g = {2};
  kx.dhe.signed_params = !anon;
  const std::map<std::string, std::uint16_t> code = {
      {"sha1", 0x0201}, {"sha224", 0x0301}, {"sha256", 0x0401}, {"sha384", 0x0501}};
  if (!anon && reply.hello.version == tls_version::tls12 && !srv.hashes.empty())
    kx.dhe.signature_algorithm = code.at(srv.hashes.front());
  return kx;
}

StepAnswer answer(const Server& srv, const TlsCatalogue& cat, const TlsStep& step) {
  StepAnswer a;
  if (srv.fail_from > 0 && step.number >= srv.fail_from) {
    a.failure = "421 too many connections";
    return a;
  }
  if (step.offer.raw) {
    const auto reply = raw_reply(srv, *step.offer.raw);
    if (!step.offer.raw->key_exchange || !reply || reply->kind != ServerReply::Kind::server_hello)
      return raw_step_answer(step, reply);
    const auto kx = key_exchange(srv, *reply);
    return raw_step_answer(step, reply, kx,
                           kx->kind == KeyExchangeReply::Kind::dhe ? srv.dh : std::string());
  }
  a.outcome = StepOutcome::Refused;
  const TlsOffer& o = step.offer;
  for (std::uint16_t v = o.max_version; v >= o.min_version; --v) {
    const std::string vn = kVersionName.at(v);
    if (!in(srv.versions, vn)) continue;
    // the server's highest common version; then a suite it can complete
    std::vector<std::string> offered;
    if (v == kTls13) {
      offered = o.tls13_suites.empty()
                    ? std::vector<std::string>{"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"}
                    : o.tls13_suites;
    } else {
      for (const auto& n : o.tls12_suites)
        for (const auto& s : cat.suites)
          if (s.openssl == n && !s.tls13) offered.push_back(s.iana);
    }
    const auto groups_offered =
        o.groups.empty() ? std::vector<std::string>{"x25519", "secp256r1"} : o.groups;
    std::string group;
    for (const auto& g : groups_offered)
      if (in(srv.groups, g)) group = group.empty() ? g : group;
    std::string hash;
    for (const auto& h : srv.hashes) {
      const bool offered_h =
          o.sigalgs.empty() ? (h == "sha256" || h == "sha384") : in(o.sigalgs, "list-" + h);
      if (offered_h && hash.empty()) hash = h;
    }
    auto usable = [&](const std::string& iana) {
      if (!in(srv.suites, iana) || !in(offered, iana)) return false;
      if (v == kTls13) return !group.empty();
      const auto* s = cat.suite(iana);
      if (s->ecdhe && group.empty()) return false;
      if (s->dhe && srv.dh.empty()) return false;
      if ((s->ecdhe || s->dhe) && v == kTls12 && hash.empty()) return false;
      return true;
    };
    std::string pick;
    for (const auto& s : srv.server_order ? srv.suites : offered)
      if (pick.empty() && usable(s)) pick = s;
    if (pick.empty()) return a;
    a.outcome = StepOutcome::Accepted;
    a.facts.version = vn;
    a.facts.suite = pick;
    const auto* s = cat.suite(pick);
    if (v == kTls13 || s->ecdhe) a.facts.group = group;
    if (v != kTls13 && s->dhe) a.facts.dh_group = srv.dh;
    if (v == kTls12 && (s->ecdhe || s->dhe)) a.facts.kex_hash = hash;
    if (v != kTls13) {
      a.facts.ems = v == kTls12 ? std::optional<bool>(srv.ems) : std::optional<bool>(false);
      a.facts.secure_renegotiation = srv.reneg;
    }
    return a;
  }
  return a;
}

HandshakeFacts main_facts(const Server& srv, const TlsCatalogue& cat) {
  TlsStep s;
  s.number = 0;
  s.offer.min_version = kTls10;
  s.offer.max_version = kTls13;
  for (const auto& x : cat.suites)
    if (!x.tls13) s.offer.tls12_suites.push_back(x.openssl);
  Server no_fail = srv;
  no_fail.fail_from = 0;
  auto a = answer(no_fail, cat, s);
  REQUIRE(a.outcome == StepOutcome::Accepted);
  a.facts.cert_keys = srv.cert_keys;
  a.facts.cert_signatures = srv.cert_sigs;
  return a.facts;
}

struct Run {
  TlsAssessment result;
  std::vector<StepKind> steps;
};

Run assess(const Server& srv, int cap = 16) {
  const auto cat = catalogue();
  TlsPlanner p(cat, main_facts(srv, cat), cap);
  Run r;
  for (int guard = 0; guard < 100; ++guard) {
    auto step = p.next();
    if (!step) break;
    r.steps.push_back(step->kind);
    p.record(*step, answer(srv, cat, *step));
  }
  r.result = p.result();
  return r;
}

const TlsItemResult& get(const TlsAssessment& a, TlsItem i) {
  return a.items.at(static_cast<std::size_t>(i));
}

Server modern() {
  Server s;
  s.versions = {"TLSv1.2", "TLSv1.3"};
  s.suites = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
              "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"};
  return s;
}

}  // namespace

TEST_CASE("tls plan: a modern server costs at most 8 connections and every item is decided",
          "[tls_plan]") {
  const auto r = assess(modern());
  INFO("connections " << r.result.connections);
  // Issue 15's budget. TLS 1.0/1.1 + SSL 3 (one raw hello, refused), TLS 1.3 suites (accepted,
  // then refused), weak ≤1.2 suites (one raw hello, refused: also no DHE), the ≤1.2 probe
  // (raw: TLS 1.2, compression, EMS, renegotiation), groups, hashes (refused), SSL 2 (refused).
  CHECK(r.result.connections <= 8);
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Dhe) == 0);
  CHECK(r.result.connections == static_cast<int>(r.steps.size()));
  REQUIRE(r.result.items.size() == 12);
  for (std::size_t i = 0; i < r.result.items.size(); ++i) {
    CHECK(r.result.items[i].item == static_cast<TlsItem>(i));
    CHECK(r.result.items[i].state != TlsItemState::Unknown);
  }
  CHECK(r.result.unknown_reasons.empty());
  CHECK(r.result.versions_accepted == std::vector<std::string>{"TLSv1.2", "TLSv1.3"});
  CHECK(get(r.result, TlsItem::Tls13Suites).found ==
        std::vector<std::string>{"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"});
  CHECK(get(r.result, TlsItem::Tls12Suites).found ==
        std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"});
  CHECK(get(r.result, TlsItem::CipherOrder).state == TlsItemState::NotApplicable);  // one class
  CHECK(get(r.result, TlsItem::FfdheGroups).state == TlsItemState::NotApplicable);
  // No OpenSSL handshake ≤1.2 completed (the probe is raw): no hash seen, none weak accepted.
  CHECK(get(r.result, TlsItem::KexHashes).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::KexHashes).found.empty());
  CHECK(get(r.result, TlsItem::ExtendedMasterSecret).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::ExtendedMasterSecret).found.empty());
  CHECK(get(r.result, TlsItem::SecureRenegotiation).found.empty());
  CHECK(get(r.result, TlsItem::CertKeys).found == std::vector<std::string>{"rsa-4096"});
  CHECK(r.result.preferred_suite == "TLS_AES_256_GCM_SHA384");
}

TEST_CASE("tls plan: a modern TLS 1.2-only server costs at most 8 connections", "[tls_plan]") {
  Server s = modern();
  s.versions = {"TLSv1.2"};
  const auto r = assess(s);
  INFO("connections " << r.result.connections);
  CHECK(r.result.connections <= 8);
  for (const auto& i : r.result.items) CHECK(i.state != TlsItemState::Unknown);
  CHECK(get(r.result, TlsItem::KexHashes).found == std::vector<std::string>{"sha256"});
  CHECK(r.result.versions_accepted == std::vector<std::string>{"TLSv1.2"});
}

TEST_CASE("tls plan: the raw hellos' ServerHello extensions decide EMS and renegotiation",
          "[tls_plan]") {
  Server s = modern();
  s.ems = false;
  s.reneg = false;
  const auto r = assess(s);
  CHECK(get(r.result, TlsItem::ExtendedMasterSecret).found ==
        std::vector<std::string>{"not supported"});
  CHECK(get(r.result, TlsItem::SecureRenegotiation).found ==
        std::vector<std::string>{"not supported"});
}

TEST_CASE("tls plan: a refused weak-suite hello that offered every DHE suite saves the DHE step",
          "[tls_plan]") {
  // With a DHE suite the descent accepts it, so the DHE step still learns the group.
  Server s = modern();
  s.versions = {"TLSv1.2"};
  s.suites.push_back("TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
  s.dh = "ffdhe3072";
  const auto r = assess(s);
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Dhe) == 1);
  CHECK(get(r.result, TlsItem::FfdheGroups).found == std::vector<std::string>{"ffdhe3072"});
  const auto m = assess(modern());
  CHECK(get(m.result, TlsItem::FfdheGroups).state == TlsItemState::NotApplicable);
}

TEST_CASE("tls plan: SSL 3 beside TLS 1.0: the old-versions hello finds 1.0, SSL 3 its own",
          "[tls_plan]") {
  Server s = modern();
  s.versions = {"TLSv1", "TLSv1.2", "TLSv1.3"};
  s.suites.push_back("TLS_RSA_WITH_AES_128_CBC_SHA");
  s.ssl3 = true;
  const auto r = assess(s);
  CHECK(get(r.result, TlsItem::ProtocolVersions).found ==
        std::vector<std::string>{"SSLv3", "TLSv1", "TLSv1.2", "TLSv1.3"});
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Ssl3) == 1);
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Tls10) == 0);
}

TEST_CASE("tls plan: a TLS 1.3-only server: the ≤1.2 items are n/a in a few connections",
          "[tls_plan]") {
  Server s = modern();
  s.versions = {"TLSv1.3"};
  const auto r = assess(s);
  CHECK(r.result.connections <= 6);
  CHECK(get(r.result, TlsItem::ProtocolVersions).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::Compression).state == TlsItemState::NotApplicable);
  CHECK(get(r.result, TlsItem::ProtocolVersions).found == std::vector<std::string>{"TLSv1.3"});
  for (auto i : {TlsItem::Tls12Suites, TlsItem::FfdheGroups, TlsItem::KexHashes,
                 TlsItem::CipherOrder, TlsItem::SecureRenegotiation, TlsItem::ExtendedMasterSecret})
    CHECK(get(r.result, i).state == TlsItemState::NotApplicable);
  CHECK(get(r.result, TlsItem::EcdheGroups).found == std::vector<std::string>{"x25519"});
}

TEST_CASE("tls plan: each descent offers only what is worse than the worst seen", "[tls_plan]") {
  Server s = modern();
  s.suites.push_back("TLS_AES_128_CCM_8_SHA256");
  s.suites.push_back("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384");  // phase_out
  s.suites.push_back("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");     // insufficient
  s.groups.push_back("secp224r1");
  s.hashes.push_back("sha1");
  const auto r = assess(s);
  CHECK(r.result.connections <= 16);
  const auto& t13 = get(r.result, TlsItem::Tls13Suites);
  CHECK(t13.state == TlsItemState::Measured);
  CHECK(std::find(t13.found.begin(), t13.found.end(), "TLS_AES_128_CCM_8_SHA256") !=
        t13.found.end());
  const auto& t12 = get(r.result, TlsItem::Tls12Suites);
  CHECK(std::find(t12.found.begin(), t12.found.end(), "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA") !=
        t12.found.end());
  const auto& g = get(r.result, TlsItem::EcdheGroups);
  CHECK(std::find(g.found.begin(), g.found.end(), "secp224r1") != g.found.end());
  const auto& h = get(r.result, TlsItem::KexHashes);
  CHECK(std::find(h.found.begin(), h.found.end(), "sha1") != h.found.end());
  // The server enforces its order, strongest first: cipher order passes.
  CHECK(get(r.result, TlsItem::CipherOrder).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::CipherOrder).found.empty());
}

TEST_CASE("tls plan: a legacy server (TLS 1.0–1.2, static RSA, DHE 1024, client order)",
          "[tls_plan]") {
  Server s;
  s.versions = {"TLSv1", "TLSv1.1", "TLSv1.2"};
  s.suites = {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
              "TLS_RSA_WITH_AES_128_CBC_SHA"};
  s.server_order = false;
  s.dh = "dh-1024";
  s.ems = false;
  s.reneg = false;
  s.hashes = {"sha256", "sha1"};
  const auto r = assess(s);
  INFO("connections " << r.result.connections);
  CHECK(r.result.connections <= 16);
  CHECK(r.result.versions_accepted == std::vector<std::string>{"TLSv1", "TLSv1.1", "TLSv1.2"});
  CHECK(get(r.result, TlsItem::Tls13Suites).state == TlsItemState::NotApplicable);
  CHECK(get(r.result, TlsItem::FfdheGroups).found == std::vector<std::string>{"dh-1024"});
  CHECK(get(r.result, TlsItem::CipherOrder).found ==
        std::vector<std::string>{"client order followed"});
  CHECK(get(r.result, TlsItem::ExtendedMasterSecret).found ==
        std::vector<std::string>{"not supported"});
  CHECK(get(r.result, TlsItem::SecureRenegotiation).found ==
        std::vector<std::string>{"not supported"});
  const auto& h = get(r.result, TlsItem::KexHashes);
  CHECK(std::find(h.found.begin(), h.found.end(), "sha1") != h.found.end());
  CHECK(r.result.unknown_reasons.empty());
}

TEST_CASE("tls plan: a server that prefers a weak class fails cipher order by name", "[tls_plan]") {
  Server s = modern();
  s.versions = {"TLSv1.2"};
  s.suites = {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"};
  const auto r = assess(s);
  // The main probe (strongest first) got the weak suite: the server prefers it.
  CHECK(get(r.result, TlsItem::CipherOrder).found ==
        std::vector<std::string>{"prefers TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA over "
                                 "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"});
}

TEST_CASE(
    "tls plan: a rate-limiting server: one failed step ends the assessment, unknown "
    "items say why",
    "[tls_plan]") {
  Server s = modern();
  s.fail_from = 2;
  const auto r = assess(s);
  CHECK(r.result.connections == 2);
  CHECK(r.steps.size() == 2);
  CHECK(get(r.result, TlsItem::Tls13Suites).state == TlsItemState::Unknown);
  CHECK(get(r.result, TlsItem::Tls12Suites).state == TlsItemState::Unknown);
  CHECK(get(r.result, TlsItem::CertKeys).state == TlsItemState::Measured);  // from the main probe
  REQUIRE(r.result.unknown_reasons.size() == 1);
  CHECK(r.result.unknown_reasons[0] == "step 2 (TLS 1.3 suites): 421 too many connections");
}

TEST_CASE("tls plan: the connection cap leaves the rest unknown, never guessed", "[tls_plan]") {
  const auto r = assess(modern(), 3);
  CHECK(r.result.connections == 3);
  CHECK(get(r.result, TlsItem::EcdheGroups).state == TlsItemState::Unknown);
  REQUIRE(r.result.unknown_reasons.size() == 1);
  CHECK(r.result.unknown_reasons[0].find("connection cap 3") == 0);
  const auto none = assess(modern(), 0);
  CHECK(none.result.connections == 0);
  CHECK(get(none.result, TlsItem::ProtocolVersions).state == TlsItemState::Unknown);
}

TEST_CASE("tls plan: the classes it plans with are the verdict module's", "[tls_plan]") {
  CHECK(suite_class("TLS_AES_128_CCM_8_SHA256") == TlsQuality::Insufficient);
  CHECK(suite_class("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384") == TlsQuality::PhaseOut);
  CHECK(suite_class("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == TlsQuality::Sufficient);
  CHECK(group_class("secp224r1") == TlsQuality::PhaseOut);
  CHECK(group_class("secp192r1") == TlsQuality::Insufficient);
  CHECK(hash_class("sha224") == TlsQuality::PhaseOut);
  CHECK(hash_class("sha1") == TlsQuality::Insufficient);
}

TEST_CASE("tls plan: raw hellos on a modern server: SSL 2/3 and legacy suites refused, no deflate",
          "[tls_plan]") {
  const auto r = assess(modern());
  // SSL 3 is answered by the old-versions hello; the weak ≤1.2 suites (OpenSSL's and the
  // legacy ones) by one raw descent hello.
  for (auto k :
       {StepKind::OldVersions, StepKind::Tls12Suites, StepKind::Compression, StepKind::Ssl2})
    CHECK(std::count(r.steps.begin(), r.steps.end(), k) == 1);
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Ssl3) == 0);
  CHECK(get(r.result, TlsItem::Compression).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::Compression).found.empty());
  CHECK(get(r.result, TlsItem::ProtocolVersions).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::Tls12Suites).state == TlsItemState::Measured);
}

TEST_CASE("tls plan: a legacy server accepting SSL 3, 3DES and deflate: findings, shared hellos",
          "[tls_plan]") {
  Server s = modern();
  s.ssl3 = true;
  s.deflate = true;
  s.legacy = {"TLS_RSA_WITH_3DES_EDE_CBC_SHA"};
  const auto r = assess(s);
  INFO("connections " << r.result.connections);
  CHECK(get(r.result, TlsItem::ProtocolVersions).found ==
        std::vector<std::string>{"SSLv3", "TLSv1.2", "TLSv1.3"});
  CHECK(get(r.result, TlsItem::ProtocolVersions).state == TlsItemState::Measured);
  const auto& f12 = get(r.result, TlsItem::Tls12Suites).found;
  CHECK(std::count(f12.begin(), f12.end(), "TLS_RSA_WITH_3DES_EDE_CBC_SHA") == 1);
  CHECK(get(r.result, TlsItem::Tls12Suites).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::Compression).state == TlsItemState::Measured);
  CHECK(get(r.result, TlsItem::Compression).found == std::vector<std::string>{"deflate"});
  // The old-versions hello (client_version TLS 1.1) got SSL 3 with deflate: it answers SSL 3
  // and compression, no step of their own. It picked the server's first suite (not 3DES), so
  // one weak-suites hello finds 3DES.
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Compression) == 0);
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Ssl3) == 0);
  CHECK(std::count(r.steps.begin(), r.steps.end(), StepKind::Tls12Suites) == 1);
  CHECK(r.result.connections == 9);
}

TEST_CASE("tls plan: 3DES at TLS 1.2 only, SSL 2: the legacy hello and the SSL 2 hello find them",
          "[tls_plan]") {
  Server s = modern();
  s.ssl2 = true;
  s.legacy = {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"};
  const auto r = assess(s);
  CHECK(get(r.result, TlsItem::ProtocolVersions).found ==
        std::vector<std::string>{"SSLv2", "TLSv1.2", "TLSv1.3"});
  const auto& f12 = get(r.result, TlsItem::Tls12Suites).found;
  CHECK(std::count(f12.begin(), f12.end(), "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA") == 1);
  CHECK(get(r.result, TlsItem::Compression).found.empty());
  CHECK(get(r.result, TlsItem::Compression).state == TlsItemState::Measured);
}

TEST_CASE("tls plan: raw replies: what is evidence and what is unknown", "[tls_plan]") {
  TlsStep st;
  st.kind = StepKind::Tls12Suites;
  RawHello h;
  h.version = tls_version::tls12;
  h.suites = {0x000a};
  h.compression = {tls_compression::deflate, tls_compression::null};
  st.offer.raw = h;
  ServerReply r;
  r.kind = ServerReply::Kind::server_hello;
  r.hello.version = tls_version::tls12;
  r.hello.cipher_suite = 0x000a;
  auto a = raw_step_answer(st, r);
  CHECK(a.outcome == StepOutcome::Accepted);
  CHECK(a.facts.suite == "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
  CHECK(a.facts.compression == std::optional<bool>(false));
  r.hello.cipher_suite = 0x002f;  // not offered: never taken as evidence
  CHECK(raw_step_answer(st, r).outcome == StepOutcome::Failed);
  r.hello.cipher_suite = 0x000a;
  r.hello.version = tls_version::tls13;  // above the offer
  CHECK(raw_step_answer(st, r).outcome == StepOutcome::Failed);
  CHECK(raw_step_answer(st, std::nullopt).outcome == StepOutcome::Refused);  // closed
  r.kind = ServerReply::Kind::alert;
  CHECK(raw_step_answer(st, r).outcome == StepOutcome::Refused);
  r.kind = ServerReply::Kind::garbage;
  r.why = "not a TLS record";
  CHECK(raw_step_answer(st, r).outcome == StepOutcome::Failed);
  CHECK(raw_step_answer(st, r).failure.find("not a TLS record") != std::string::npos);
}
