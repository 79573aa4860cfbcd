// reader.cpp — read API (see reader.hpp). Every public call converts internal exceptions
// (SqlError, JSON parse errors of a damaged row) into a StorageError value.
#include "codec.hpp"
#include "schema.hpp"
#include "sqlite.hpp"

#include <nulmeting/storage/reader.hpp>

#include <charconv>
#include <unordered_map>

namespace nulmeting::storage {
namespace {

using detail::Stmt;

template <class Enum>
Enum parse_or_throw(std::string_view text, const char* column) {
  auto v = parse_enum<Enum>(text);
  if (!v)
    throw detail::StorageFailure(
        {StorageError::Kind::BadDatabase,
         std::string("unknown value '") + std::string(text) + "' in column " + column});
  return *v;
}

// The six §5 verdict columns spf, spf_policy, dmarc, dmarc_policy, dkim, tls_rpt from `first`.
void read_mail_verdicts(const Stmt& s, int first, DomainVerdict& v) {
  v.spf = parse_or_throw<SpfVerdict>(s.text(first), "spf");
  v.spf_policy = parse_or_throw<SpfPolicy>(s.text(first + 1), "spf_policy");
  v.dmarc = parse_or_throw<DmarcVerdict>(s.text(first + 2), "dmarc");
  v.dmarc_policy = parse_or_throw<DmarcPolicy>(s.text(first + 3), "dmarc_policy");
  v.dkim = parse_or_throw<DkimVerdict>(s.text(first + 4), "dkim");
  v.tls_rpt = parse_or_throw<TlsRptVerdict>(s.text(first + 5), "tls_rpt");
}

Sector sector_or_throw(std::string_view text) {
  auto s = parse_sector(text);
  if (!s)
    throw detail::StorageFailure(
        {StorageError::Kind::BadDatabase, "unknown sector '" + std::string(text) + "'"});
  return *s;
}

constexpr std::size_t kHostCache = 4096;

}  // namespace

struct Reader::Impl {
  detail::SqlitePtr db;
  std::unordered_map<std::int64_t, MxHostResult> hosts;  // bounded cache of shared hosts
  std::optional<Stmt> s_mta_sts;                         // schema step: mta-sts
  std::optional<Stmt> s_answers_domain, s_answers_host, s_domain_mx, s_host, s_tlsa, s_addresses,
      s_tls_items;

  void prepare() {
    sqlite3* d = db.get();
    constexpr const char* kAnswerCols =
        "qname, qtype, class, reason, rcode, why_bogus, records, cname_chain, canonical_name, "
        "attempts";
    s_mta_sts.emplace(d,
                      "SELECT txt, host_lookups, fetch, ip, http_status, content_type, "
                      "fetch_error, policy_text, policy_id, mode, max_age, mx_patterns, "
                      "mx_not_matching, reason FROM mta_sts WHERE domain_result_id = ?1");
    s_answers_domain.emplace(d, std::string("SELECT ") + kAnswerCols +
                                    " FROM dns_answers WHERE domain_result_id = ?1 AND "
                                    "purpose = 'mx' ORDER BY position");
    s_answers_host.emplace(d, std::string("SELECT ") + kAnswerCols +
                                  " FROM dns_answers WHERE mx_host_id = ?1 AND purpose = ?2 "
                                  "ORDER BY position");
    s_domain_mx.emplace(d,
                        "SELECT mx_host_id, preference FROM domain_mx WHERE domain_result_id = ?1 "
                        "ORDER BY position");
    s_host.emplace(d,
                   "SELECT name, name_is_ip_literal, status, address_dnssec, tlsa_looked_up, "
                   "tlsa_status, tlsa_base, tlsa_usable FROM mx_hosts WHERE id = ?1");
    s_tlsa.emplace(d,
                   "SELECT usage, selector, matching_type, data, usable FROM tlsa_records "
                   "WHERE mx_host_id = ?1 ORDER BY position");
    s_addresses.emplace(
        d,
        "SELECT p.ip, p.outcome, p.tls_version, p.cipher, p.tls_group, p.dane, p.dane_reason, "
        "p.dane_depth, p.dane_matched, p.pkix, p.pkix_error, p.error, p.transcript, p.chain, "
        "p.leaf_der, p.sni, p.attempts, p.duration_ms, p.tls_quality, p.tls, p.id FROM addresses a "
        "JOIN probes p ON p.id = a.probe_id WHERE a.mx_host_id = ?1 ORDER BY a.position");
    s_tls_items.emplace(d,
                        "SELECT item, state, value, found FROM tls_items WHERE probe_id = ?1 "
                        "ORDER BY position");
  }

  static DnsAnswer read_answer(const Stmt& s) {
    DnsAnswer a;
    a.qname = s.text(0);
    a.qtype = static_cast<std::uint16_t>(s.i64(1));
    a.cls = parse_or_throw<DnsClass>(s.text(2), "dns_answers.class");
    a.reason = parse_or_throw<DnsReason>(s.text(3), "dns_answers.reason");
    a.rcode = s.i32(4);
    a.why_bogus = s.text(5);
    a.records = detail::strings_from_json(s.text(6));
    a.cname_chain = detail::strings_from_json(s.text(7));
    a.canonical_name = s.text(8);
    a.attempts = s.i32(9);
    return a;
  }

  std::vector<DnsAnswer> host_answers(std::int64_t host_id, const char* purpose) {
    std::vector<DnsAnswer> out;
    auto& s = *s_answers_host;
    s.bind(1, host_id).bind(2, purpose);
    while (s.step()) out.push_back(read_answer(s));
    s.reset();
    return out;
  }

  MxHostResult load_host(std::int64_t id) {
    MxHostResult h;
    auto& s = *s_host;
    s.bind(1, id);
    if (!s.step()) {
      s.reset();
      throw detail::StorageFailure({StorageError::Kind::BadDatabase, "missing mx host row"});
    }
    h.name = s.text(0);
    h.name_is_ip_literal = s.i64(1) != 0;
    h.status = parse_or_throw<HostStatus>(s.text(2), "mx_hosts.status");
    h.address_dnssec = parse_or_throw<DnsClass>(s.text(3), "mx_hosts.address_dnssec");
    bool looked_up = s.i64(4) != 0;
    std::optional<TlsaInfo> tlsa;
    if (looked_up) {
      tlsa.emplace();
      tlsa->status = parse_or_throw<DnsClass>(s.text(5), "mx_hosts.tlsa_status");
      tlsa->base = s.text(6);
      tlsa->usable = s.i32(7);
    }
    s.reset();
    h.address_lookups = host_answers(id, "address");
    if (tlsa) {
      tlsa->lookups = host_answers(id, "tlsa");
      auto& t = *s_tlsa;
      t.bind(1, id);
      while (t.step()) {
        TlsaRecord r;
        r.usage = static_cast<std::uint8_t>(t.i64(0));
        r.selector = static_cast<std::uint8_t>(t.i64(1));
        r.matching_type = static_cast<std::uint8_t>(t.i64(2));
        r.data = t.blob(3);
        r.usable = t.i64(4) != 0;
        tlsa->records.push_back(std::move(r));
      }
      t.reset();
    }
    h.tlsa = std::move(tlsa);
    auto& a = *s_addresses;
    a.bind(1, id);
    while (a.step()) {
      ProbeResult p;
      p.ip = a.text(0);
      p.outcome = parse_or_throw<ProbeOutcome>(a.text(1), "probes.outcome");
      p.tls_version = a.text(2);
      p.cipher = a.text(3);
      p.group = a.text(4);
      p.dane = parse_or_throw<DaneCheck>(a.text(5), "probes.dane");
      p.dane_reason = parse_or_throw<DaneFailReason>(a.text(6), "probes.dane_reason");
      p.dane_depth = a.i32(7);
      p.dane_matched = a.text(8);
      p.pkix = parse_or_throw<Pkix>(a.text(9), "probes.pkix");
      p.pkix_error = a.text(10);
      p.error = a.opt_text(11);
      p.transcript = a.text(12);
      p.chain = detail::chain_from_json(a.text(13));
      p.leaf_der = a.blob(14);
      p.sni = a.text(15);
      p.attempts = a.i32(16);
      p.duration_ms = a.f64(17);
      p.tls.quality = parse_or_throw<TlsQuality>(a.text(18), "probes.tls_quality");
      if (auto tls = a.opt_text(19)) {
        p.tls.assessed = true;
        detail::tls_from_json(*tls, p.tls);
        auto& t = *s_tls_items;
        t.bind(1, a.i64(20));
        while (t.step()) {
          TlsItemResult item;
          item.item = parse_or_throw<TlsItem>(t.text(0), "tls_items.item");
          item.state = parse_or_throw<TlsItemState>(t.text(1), "tls_items.state");
          item.value = parse_or_throw<TlsQuality>(t.text(2), "tls_items.value");
          item.found = detail::strings_from_json(t.text(3));
          p.tls.items.push_back(std::move(item));
        }
        t.reset();
      }
      h.addresses.push_back(std::move(p));
    }
    a.reset();
    return h;
  }

  const MxHostResult& host(std::int64_t id) {
    if (auto it = hosts.find(id); it != hosts.end()) return it->second;
    if (hosts.size() >= kHostCache) hosts.clear();
    return hosts.emplace(id, load_host(id)).first->second;
  }

  // Columns: see kResultSelect.
  DomainResult read_result(const Stmt& s) {
    DomainResult r;
    std::int64_t result_id = s.i64(0);
    r.entry.domain = s.text(1);
    r.entry.display = s.text(2);
    r.entry.organization = s.text(3);
    r.entry.sector = sector_or_throw(s.text(4));
    r.entry.tags = detail::tags_from_json(s.text(5));
    r.entry.line = static_cast<std::size_t>(s.i64(6));
    r.verdict.mail = parse_or_throw<MailVerdict>(s.text(7), "mail");
    r.verdict.dnssec = parse_or_throw<DnssecVerdict>(s.text(8), "dnssec");
    r.verdict.starttls = parse_or_throw<StarttlsVerdict>(s.text(9), "starttls");
    r.verdict.dane = parse_or_throw<DaneVerdict>(s.text(10), "dane");
    r.verdict.dane_rollover = parse_or_throw<RolloverVerdict>(s.text(11), "dane_rollover");
    r.verdict.protected_ = s.i64(12) != 0;
    r.implicit_mx = s.i64(13) != 0;
    r.findings = detail::strings_from_json(s.text(14));
    r.incomplete = detail::strings_from_json(s.text(15));
    r.unmeasured = detail::strings_from_json(s.text(16));
    r.verdict.tls_quality = parse_or_throw<TlsQuality>(s.text(17), "tls_quality");
    r.verdict.mta_sts = parse_or_throw<MtaStsVerdict>(s.text(18), "mta_sts");
    auto& ms = *s_mta_sts;
    ms.bind(1, result_id);
    if (ms.step()) {
      MtaStsEvidence& m = r.mta_sts;
      m.looked_up = true;
      m.txt = detail::answer_from_json(ms.text(0));
      m.host_lookups = detail::answers_from_json(ms.text(1));
      m.fetch = parse_or_throw<MtaStsFetch>(ms.text(2), "mta_sts.fetch");
      m.ip = ms.text(3);
      m.http_status = ms.i32(4);
      m.content_type = ms.text(5);
      m.fetch_error = ms.text(6);
      m.policy_text = ms.text(7);
      m.id = ms.text(8);
      m.mode = ms.text(9);
      if (!ms.is_null(10)) m.max_age = ms.i64(10);
      m.mx_patterns = detail::strings_from_json(ms.text(11));
      m.mx_not_matching = detail::strings_from_json(ms.text(12));
      m.reason = ms.text(13);
    }
    ms.reset();
    if (auto evidence = s.opt_text(19)) {  // NULL: a run from before the §5 standards
      r.mail_standards = detail::mail_standards_from_json(*evidence);
      read_mail_verdicts(s, 20, r.verdict);
    }

    auto& a = *s_answers_domain;
    a.bind(1, result_id);
    if (a.step()) r.mx_lookup = read_answer(a);
    a.reset();

    std::vector<std::pair<std::int64_t, std::uint16_t>> links;
    auto& m = *s_domain_mx;
    m.bind(1, result_id);
    while (m.step()) links.emplace_back(m.i64(0), static_cast<std::uint16_t>(m.i64(1)));
    m.reset();
    for (auto [host_id, pref] : links) {
      MxHostResult h = host(host_id);
      h.preference = pref;
      r.mx.push_back(std::move(h));
    }
    return r;
  }
};

namespace {

constexpr const char* kResultSelect =
    "SELECT r.id, d.name, r.display, coalesce(o.name, ''), r.sector, r.tags, r.list_line, "
    "r.mail, r.dnssec, r.starttls, r.dane, r.dane_rollover, r.protected, r.implicit_mx, "
    "r.findings, r.incomplete, r.unmeasured, r.tls_quality, r.mta_sts, r.mail_standards, r.spf, "
    "r.spf_policy, r.dmarc, r.dmarc_policy, r.dkim, r.tls_rpt FROM domain_results r "
    "JOIN domains d ON d.id = r.domain_id "
    "LEFT JOIN organisations o ON o.id = r.organisation_id ";

constexpr const char* kRunSelect =
    "SELECT id, started_at, finished_at, status, label, list_path, list_checksum, options, "
    "versions, summary, domain_total, resumes, "
    "(SELECT count(*) FROM domain_results r WHERE r.run_id = runs.id), routes FROM runs ";

RunInfo read_run(const Stmt& s) {
  RunInfo r;
  r.id = s.i64(0);
  r.started_at = s.text(1);
  r.finished_at = s.opt_text(2);
  auto st = parse_run_status(s.text(3));
  if (!st) throw detail::StorageFailure({StorageError::Kind::BadDatabase, "unknown run status"});
  r.status = *st;
  r.label = s.text(4);
  r.list_path = s.text(5);
  r.list_checksum = s.text(6);
  r.options_json = s.text(7);
  r.versions_json = s.text(8);
  r.summary_json = s.opt_text(9);
  r.domain_total = s.i64(10);
  r.resumes = s.i64(11);
  r.domains_done = s.i64(12);
  if (!s.is_null(13)) r.routes = detail::routes_from_json(s.text(13));
  return r;
}

template <class F>
auto guarded(F&& f) -> std::expected<decltype(f()), StorageError> {
  try {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      return {};
    } else {
      return f();
    }
  } catch (const std::exception& e) {
    return std::unexpected(detail::to_storage_error(e));
  }
}

}  // namespace

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

std::expected<Reader, StorageError> Reader::open(const std::string& path) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->db = detail::open_database(path, detail::OpenMode::ExistingSchema);
    impl->prepare();
    return Reader(std::move(impl));
  } catch (const std::exception& e) {
    return std::unexpected(detail::to_storage_error(e));
  }
}

sqlite3* Reader::handle() { return impl_->db.get(); }

std::expected<std::vector<RunInfo>, StorageError> Reader::runs() {
  return guarded([&] {
    std::vector<RunInfo> out;
    Stmt s(impl_->db.get(), std::string(kRunSelect) + "ORDER BY id");
    while (s.step()) out.push_back(read_run(s));
    return out;
  });
}

std::expected<RunInfo, StorageError> Reader::run(std::int64_t id) {
  auto r = guarded([&]() -> std::optional<RunInfo> {
    Stmt s(impl_->db.get(), std::string(kRunSelect) + "WHERE id = ?1");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_run(s);
  });
  if (!r) return std::unexpected(r.error());
  if (!*r)
    return std::unexpected(
        StorageError{StorageError::Kind::NoSuchRun, "no run " + std::to_string(id)});
  return **r;
}

std::expected<RunInfo, StorageError> Reader::resolve_run(std::string_view spec) {
  if (spec == "latest") {
    auto id = guarded([&]() -> std::optional<std::int64_t> {
      Stmt s(impl_->db.get(), "SELECT max(id) FROM runs WHERE status = 'finished'");
      s.step();
      if (s.is_null(0)) return std::nullopt;
      return s.i64(0);
    });
    if (!id) return std::unexpected(id.error());
    if (!*id)
      return std::unexpected(StorageError{StorageError::Kind::NoSuchRun,
                                          "no finished run in this database (see `nulmeting "
                                          "runs`; pass --run ID for an unfinished one)"});
    return run(**id);
  }
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), id);
  if (ec != std::errc{} || p != spec.data() + spec.size() || id <= 0)
    return std::unexpected(
        StorageError{StorageError::Kind::NoSuchRun,
                     "bad run '" + std::string(spec) + "': expected 'latest' or a run ID"});
  return run(id);
}

std::expected<std::int64_t, StorageError> Reader::for_each_domain(
    std::int64_t run_id, const std::function<bool(const DomainResult&)>& fn) {
  return guarded([&] {
    std::int64_t n = 0;
    impl_->hosts.clear();
    Stmt s(impl_->db.get(), std::string(kResultSelect) + "WHERE r.run_id = ?1 ORDER BY d.name");
    s.bind(1, run_id);
    while (s.step()) {
      DomainResult r = impl_->read_result(s);
      ++n;
      if (!fn(r)) break;
    }
    impl_->hosts.clear();
    return n;
  });
}

std::expected<std::optional<DomainResult>, StorageError> Reader::domain(std::int64_t run_id,
                                                                        std::string_view name) {
  return guarded([&]() -> std::optional<DomainResult> {
    Stmt s(impl_->db.get(), std::string(kResultSelect) + "WHERE r.run_id = ?1 AND d.name = ?2");
    s.bind(1, run_id).bind(2, name);
    if (!s.step()) return std::nullopt;
    return impl_->read_result(s);
  });
}

std::expected<void, StorageError> Reader::for_each_verdict(
    std::int64_t run_id, const std::function<void(const VerdictRow&)>& fn) {
  return guarded([&] {
    Stmt s(impl_->db.get(),
           "SELECT v.run_id, v.domain, v.display, coalesce(v.organisation, ''), v.sector, v.mail, "
           "v.dnssec, v.starttls, v.dane, v.dane_rollover, v.protected, v.implicit_mx, "
           "v.findings, v.incomplete, v.unmeasured, (SELECT json_group_array(name) FROM (SELECT "
           "h.name FROM domain_mx m "
           "JOIN mx_hosts h ON h.id = m.mx_host_id JOIN domain_results dr ON "
           "dr.id = m.domain_result_id WHERE dr.run_id = v.run_id AND dr.domain_id = v.domain_id "
           "ORDER BY m.position)), v.tls_quality, v.mta_sts, v.spf, v.spf_policy, v.dmarc, "
           "v.dmarc_policy, v.dkim, v.tls_rpt FROM v_run_verdicts v WHERE v.run_id = ?1 "
           "ORDER BY v.domain");
    s.bind(1, run_id);
    while (s.step()) {
      VerdictRow r;
      r.run_id = s.i64(0);
      r.domain = s.text(1);
      r.display = s.text(2);
      r.organization = s.text(3);
      r.sector = sector_or_throw(s.text(4));
      r.verdict.mail = parse_or_throw<MailVerdict>(s.text(5), "mail");
      r.verdict.dnssec = parse_or_throw<DnssecVerdict>(s.text(6), "dnssec");
      r.verdict.starttls = parse_or_throw<StarttlsVerdict>(s.text(7), "starttls");
      r.verdict.dane = parse_or_throw<DaneVerdict>(s.text(8), "dane");
      r.verdict.dane_rollover = parse_or_throw<RolloverVerdict>(s.text(9), "dane_rollover");
      r.verdict.protected_ = s.i64(10) != 0;
      r.implicit_mx = s.i64(11) != 0;
      r.findings = detail::strings_from_json(s.text(12));
      r.incomplete = detail::strings_from_json(s.text(13));
      r.unmeasured = detail::strings_from_json(s.text(14));
      r.mx = detail::strings_from_json(s.text(15));
      r.verdict.tls_quality = parse_or_throw<TlsQuality>(s.text(16), "tls_quality");
      r.verdict.mta_sts = parse_or_throw<MtaStsVerdict>(s.text(17), "mta_sts");
      r.mail_standards_measured = s.opt_text(18).has_value();
      if (r.mail_standards_measured) read_mail_verdicts(s, 18, r.verdict);
      fn(r);
    }
  });
}

std::expected<std::vector<SectorSummary>, StorageError> Reader::sector_summary(
    std::int64_t run_id) {
  return guarded([&] {
    std::vector<SectorSummary> out;
    Stmt s(impl_->db.get(),
           "SELECT run_id, sector, domains, mail_receives, mail_null_mx, mail_no_mail, mail_error, "
           "dnssec_secure, dnssec_insecure, dnssec_bogus, dnssec_error, dnssec_na, starttls_all, "
           "starttls_partial, starttls_none, starttls_unreachable, starttls_na, dane_valid, "
           "dane_invalid, dane_partial, dane_untested, dane_none, dane_na, rollover_yes, "
           "rollover_no, rollover_na, protected_yes, protected_no FROM v_sector_summary "
           "WHERE run_id = ?1 ORDER BY sector_order");
    s.bind(1, run_id);
    while (s.step()) {
      SectorSummary r;
      int c = 0;
      r.run_id = s.i64(c++);
      r.sector = sector_or_throw(s.text(c++));
      for (std::int64_t* f : {&r.domains,         &r.mail_receives,
                              &r.mail_null_mx,    &r.mail_no_mail,
                              &r.mail_error,      &r.dnssec_secure,
                              &r.dnssec_insecure, &r.dnssec_bogus,
                              &r.dnssec_error,    &r.dnssec_na,
                              &r.starttls_all,    &r.starttls_partial,
                              &r.starttls_none,   &r.starttls_unreachable,
                              &r.starttls_na,     &r.dane_valid,
                              &r.dane_invalid,    &r.dane_partial,
                              &r.dane_untested,   &r.dane_none,
                              &r.dane_na,         &r.rollover_yes,
                              &r.rollover_no,     &r.rollover_na,
                              &r.protected_yes,   &r.protected_no})
        *f = s.i64(c++);
      out.push_back(r);
    }
    return out;
  });
}

std::expected<std::vector<ProviderRow>, StorageError> Reader::mx_providers(std::int64_t run_id) {
  return guarded([&] {
    std::vector<ProviderRow> out;
    Stmt s(impl_->db.get(),
           "SELECT run_id, provider, mx_hosts, hosts_with_tlsa, domains, domains_dane_valid, "
           "domains_protected, addresses_authenticated, addresses_dane_failed, dane_status "
           "FROM v_mx_providers WHERE run_id = ?1 ORDER BY domains DESC, provider");
    s.bind(1, run_id);
    while (s.step()) {
      ProviderRow r;
      r.run_id = s.i64(0);
      r.provider = s.text(1);
      r.mx_hosts = s.i64(2);
      r.hosts_with_tlsa = s.i64(3);
      r.domains = s.i64(4);
      r.domains_dane_valid = s.i64(5);
      r.domains_protected = s.i64(6);
      r.addresses_authenticated = s.i64(7);
      r.addresses_dane_failed = s.i64(8);
      r.dane_status = s.text(9);
      out.push_back(std::move(r));
    }
    return out;
  });
}

}  // namespace nulmeting::storage
