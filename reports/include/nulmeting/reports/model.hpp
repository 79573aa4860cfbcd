// model.hpp — the report model: every figure a report shows, computed once (aggregate.hpp).
//
// The renderers (render.hpp) only format what is in a ReportModel; none of them counts or
// divides on its own, so HTML, XLSX, CSV, Markdown and JSON cannot disagree. Percentages are
// computed by `percent()` below and nowhere else.
//
// Denominators are explicit: every share is "x of n" with n stored beside x. The shares of
// STARTTLS, DANE, DNSSEC and `protected` are of the domains that receive mail
// (`mail = receives`); domains with a null MX, without mail, or whose MX lookup failed are
// counted in their own columns and never silently dropped.
//
// Invariants: sectors holds one row per Sector in kAllSectors order followed by the total
// row (sector == nullopt); causes the same. Plain values, no threading concerns.
#pragma once

#include <nulmeting/domains/domain_list.hpp>
#include <nulmeting/domains/measurement.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::reports {

enum class Lang { Nl, En };
std::optional<Lang> parse_lang(std::string_view);  // "nl", "en"

struct RunInfo {
  std::int64_t id = 0;
  std::string started;   // ISO 8601 UTC as stored
  std::string finished;  // "" while unfinished
  std::string status;    // as stored ("finished", "running", "interrupted", ...)
  std::string label;
};

// Verdict counts of a set of domains (one sector, or all).
struct Counts {
  std::int64_t domains = 0;  // measured in the run
  // mail (sums to domains)
  std::int64_t receives = 0, null_mx = 0, no_mail = 0, mail_error = 0;
  // of receives: starttls (sums to receives)
  std::int64_t starttls_all = 0, starttls_partial = 0, starttls_none = 0, unreachable = 0;
  // of receives: dane (sums to receives)
  std::int64_t dane_valid = 0, dane_invalid = 0, dane_partial = 0, dane_untested = 0, dane_none = 0;
  // of receives: dnssec of the MX answer (sums to receives)
  std::int64_t dnssec_secure = 0, dnssec_insecure = 0, dnssec_bogus = 0, dnssec_error = 0;
  std::int64_t rollover_yes = 0;  // of receives
  std::int64_t protected_ = 0;    // of receives
  // of receives: tls_quality (the six sum to receives); tls_conform = good + sufficient, the
  // "STARTTLS conform NCSC" share (docs/decisions/reports.md: phase_out is not conform)
  std::int64_t tls_good = 0, tls_sufficient = 0, tls_phase_out = 0, tls_insufficient = 0,
               tls_incomplete = 0, tls_na = 0;
  std::int64_t tls_conform = 0;
  std::int64_t mta_sts_enforce = 0;  // of receives: MTA-STS policy valid, mode enforce (§5)
  // §5, only for domains whose mail standards were measured (docs/decisions/reports.md):
  // standards_base = measured with mail not error, the denominator of spf_strict,
  // dmarc_enforced (p=quarantine or reject) and dkim_present; tls_rpt_valid and agreements
  // ("voldoet aan de e-mailafspraken") are of receives.
  std::int64_t standards_base = 0, spf_strict = 0, dmarc_enforced = 0, dkim_present = 0;
  std::int64_t tls_rpt_valid = 0, agreements = 0;
};

// Adds one domain's verdicts to c. The one place where verdicts become counts.
// `standards_measured`: the §5 verdicts are a measurement (false for runs before schema 6).
void count_verdict(Counts& c, const DomainVerdict& v, bool standards_measured);

// The percentage n/d with one decimal (0 when d == 0). The one place shares are computed.
double percent(std::int64_t n, std::int64_t d);

struct SectorRow {
  std::optional<Sector> sector;  // nullopt: all sectors
  Counts counts;
};

// Why a domain that receives mail is not protected: the first cause in this order applies
// (so each such domain has exactly one cause, and the causes of a sector add up). Defined
// from stored verdicts and evidence in aggregate.cpp (see cause_of()).
enum class Cause : std::uint8_t {
  TlsaLookupFailure,  // a TLSA lookup failed (fail class: bogus, servfail, timeout); such a
                      // host is unusable, so this comes before "unreachable"
  Unreachable,        // starttls = unreachable: no MX address answered at all
  NoStarttls,         // some reached address did not offer STARTTLS or refused it
  TlsFailure,         // some reached address failed the TLS handshake after STARTTLS
  TlsaMismatch,       // TLSA published but the certificate did not match (dane = invalid)
  InsecureZone,       // the MX answer is not DNSSEC-secure (unsigned, bogus or failed)
  NoTlsa,             // signed, but no usable TLSA on some or all MX hosts (dane none/partial)
  Other,              // none of the above (e.g. dane = untested because an address timed out)
};
inline constexpr Cause kAllCauses[] = {
    Cause::TlsaLookupFailure, Cause::Unreachable,  Cause::NoStarttls, Cause::TlsFailure,
    Cause::TlsaMismatch,      Cause::InsecureZone, Cause::NoTlsa,     Cause::Other};
inline constexpr std::size_t kCauseCount = std::size(kAllCauses);
std::string_view to_string(Cause);  // "unreachable", "no_starttls", ... (JSON/CSV keys)

struct CauseRow {
  std::optional<Sector> sector;    // nullopt: all sectors
  std::int64_t not_protected = 0;  // receiving mail and not protected (the denominator)
  std::array<std::int64_t, kCauseCount> counts{};  // indexed by Cause
};

// DANE status of a mail provider over all its MX hosts in the run.
enum class ProviderDane : std::uint8_t {
  Valid,    // every host publishes usable TLSA and every probed address authenticated
  Partial,  // some hosts publish usable TLSA, none failed
  Invalid,  // some address failed DANE, or a TLSA lookup failed
  None,     // no host publishes usable TLSA
};
std::string_view to_string(ProviderDane);

struct ProviderRow {
  std::string provider;              // registrable domain of the MX hosts (e.g. "provider.nl")
  std::vector<std::string> hosts;    // MX host names, sorted
  std::int64_t hosts_with_tlsa = 0;  // hosts with a secure TLSA RRset with a usable record
  std::int64_t domains = 0;          // measured domains with at least one MX host here
  std::int64_t protected_domains = 0;
  std::array<std::int64_t, std::size(kAllSectors)> domains_per_sector{};
  ProviderDane dane = ProviderDane::None;
};

struct DomainRow {
  std::string domain;   // A-label
  std::string display;  // U-label
  std::string organization;
  Sector sector = Sector::Overig;
  DomainVerdict verdict;
  std::optional<Cause> cause;   // set when mail = receives and not protected
  std::string reason;           // evidence in short: which host/address and what happened
  std::vector<std::string> mx;  // MX host names by preference
};

// The per-organisation rows of a report, in report order (sector, organisation, domain).
// Two ways to hold them, one interface: a list built by hand (tests) lives in a vector; the
// Aggregator spools its rows to a private temporary SQLite file as they arrive and reads them
// back sorted through an index, so a 100,000-domain report never holds its rows in memory
// (docs/decisions/reports.md, "Reports at scale"). Copies share the spool; a spooled list is
// read-only except push_back, which first loads it into memory (only hand-built tests do).
// Iteration yields one row at a time (an input range: each begin() reads from the start).
class DomainList {
 public:
  class Spool;  // domain_list.cpp

  DomainList() = default;
  DomainList(std::vector<DomainRow> rows);  // NOLINT(google-explicit-constructor): tests assign
  explicit DomainList(std::shared_ptr<const Spool>);

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  bool spooled() const { return spool_ != nullptr; }
  DomainRow front() const { return (*this)[0]; }
  DomainRow operator[](std::size_t) const;  // by value: a spooled row is read on demand
  void push_back(DomainRow);
  // Calls fn for every row in order; stops when fn returns false.
  void for_each(const std::function<bool(const DomainRow&)>& fn) const;
  // A spool that could not be written or read (disk full): its first error; a report built on
  // it is incomplete and must not be written.
  std::optional<std::string> error() const;

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = DomainRow;
    using difference_type = std::ptrdiff_t;
    using pointer = const DomainRow*;
    using reference = const DomainRow&;
    Iterator() = default;
    const DomainRow& operator*() const { return *cur_; }
    const DomainRow* operator->() const { return cur_; }
    Iterator& operator++();
    bool operator==(const Iterator& o) const { return cur_ == o.cur_; }  // only end compares

   private:
    friend class DomainList;
    struct Cursor;
    std::shared_ptr<Cursor> cursor_;
    const DomainRow* cur_ = nullptr;  // nullptr at the end
  };
  Iterator begin() const;
  Iterator end() const { return {}; }

 private:
  std::vector<DomainRow> rows_;
  std::shared_ptr<const Spool> spool_;
};

// improved / regressed compare the level: 3 protected, 2 dane valid, 1 starttls all, 0 else.
enum class ChangeKind : std::uint8_t { Improved, Regressed, Added, Removed };
std::string_view to_string(ChangeKind);
int level_of(const DomainVerdict&);

struct ChangeRow {
  ChangeKind kind = ChangeKind::Improved;
  std::string domain, display, organization;
  Sector sector = Sector::Overig;
  std::optional<DomainVerdict> before, after;
};

struct TrendPoint {
  RunInfo run;
  std::array<Counts, std::size(kAllSectors)> sectors{};  // by kAllSectors order
  Counts total;
};

// Per sector: how many receiving domains have some starttls_ok address whose §4 item is
// phase_out or insufficient, per item (a domain counts once per item). The most common failing
// items of a sector are its largest counts.
struct TlsItemRow {
  std::optional<Sector> sector;            // nullopt: all sectors
  std::int64_t assessed = 0;               // receiving domains with at least one assessed address
  std::array<std::int64_t, 12> failing{};  // indexed by TlsItem
};

struct ReportModel {
  RunInfo run;
  std::optional<RunInfo> compare;
  std::string tool_version;            // "nulmeting x.y.z" (shown in the footer)
  std::vector<SectorRow> sectors;      // 5 sectors + total (last)
  std::vector<CauseRow> causes;        // 5 sectors + total (last)
  std::vector<TlsItemRow> tls_items;   // 5 sectors + total (last)
  std::vector<ProviderRow> providers;  // most dependent domains first
  DomainList domains;                  // by sector, organisation, domain
  std::vector<ChangeRow> changes;      // by kind, sector, domain (empty without compare)
  std::vector<TrendPoint> trend;       // every run in the database, oldest first

  const Counts& total() const { return sectors.back().counts; }
};

}  // namespace nulmeting::reports
