// reader.hpp — read API of the results database: runs, and every DomainResult of a run.
//
// Who calls it: `nulmeting export`, `nulmeting runs`, `check`, and the reports library (which
// reads only through this header and the documented views). Opening migrates an older schema
// and refuses a newer one (database.hpp). Reading works while a scan writes (WAL): a reader
// sees only whole domains, because the writer commits every domain with all its rows at once.
// Memory: for_each_domain streams (one DomainResult at a time, plus a bounded cache of MX
// hosts that many domains share), so 100k domains need no big buffers.
// Threading: one Reader per thread (it owns one SQLite connection).
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/storage/database.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace nulmeting::storage {

// One row of v_run_verdicts: the verdicts of one domain in one run, without evidence.
struct VerdictRow {
  std::int64_t run_id = 0;
  std::string domain, display, organization;
  Sector sector = Sector::Overig;
  DomainVerdict verdict;
  bool implicit_mx = false;
  std::vector<std::string> mx;  // MX host names by preference (domain_mx order)
  std::vector<std::string> findings;
  std::vector<std::string> incomplete;  // DomainResult::incomplete
  std::vector<std::string> unmeasured;  // DomainResult::unmeasured
  // The §5 verdicts in `verdict` (spf ... tls_rpt) hold measured values; false for a run from
  // before they were measured (their columns are NULL).
  bool mail_standards_measured = false;
};

// One row of v_sector_summary (per run and sector; all five sectors always present).
struct SectorSummary {
  std::int64_t run_id = 0;
  Sector sector = Sector::Overig;
  std::int64_t domains = 0;
  std::int64_t mail_receives = 0, mail_null_mx = 0, mail_no_mail = 0, mail_error = 0;
  std::int64_t dnssec_secure = 0, dnssec_insecure = 0, dnssec_bogus = 0, dnssec_error = 0,
               dnssec_na = 0;
  std::int64_t starttls_all = 0, starttls_partial = 0, starttls_none = 0, starttls_unreachable = 0,
               starttls_na = 0;
  std::int64_t dane_valid = 0, dane_invalid = 0, dane_partial = 0, dane_untested = 0, dane_none = 0,
               dane_na = 0;
  std::int64_t rollover_yes = 0, rollover_no = 0, rollover_na = 0;
  std::int64_t protected_yes = 0, protected_no = 0;
};

// One row of v_mx_providers (per run and provider domain).
struct ProviderRow {
  std::int64_t run_id = 0;
  std::string provider;              // provider_domain() of the MX host names
  std::int64_t mx_hosts = 0;         // distinct host names
  std::int64_t hosts_with_tlsa = 0;  // hosts with a secure TLSA RRset with ≥1 usable record
  std::int64_t domains = 0;          // domains with at least one MX host of this provider
  std::int64_t domains_dane_valid = 0, domains_protected = 0;
  std::int64_t addresses_authenticated = 0, addresses_dane_failed = 0;
  std::string dane_status;  // "all", "partial" or "none" of its hosts have TLSA
};

class Reader {
 public:
  // Opens an existing database (never creates one). Missing file → NotFound; not a nulmeting
  // database → BadDatabase; newer schema → NewerSchema.
  static std::expected<Reader, StorageError> open(const std::string& path);

  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

  // All runs, oldest first, with domains_done counted.
  std::expected<std::vector<RunInfo>, StorageError> runs();
  std::expected<RunInfo, StorageError> run(std::int64_t id);
  // "latest" → the newest finished run; a decimal ID → that run (any status). NoSuchRun else.
  std::expected<RunInfo, StorageError> resolve_run(std::string_view spec);

  // Calls fn for every domain of the run, ordered by domain name, with all evidence. fn
  // returns false to stop early. Returns the number of domains passed to fn.
  std::expected<std::int64_t, StorageError> for_each_domain(
      std::int64_t run_id, const std::function<bool(const DomainResult&)>& fn);
  // One domain of one run; nullopt when that run has no result for it.
  std::expected<std::optional<DomainResult>, StorageError> domain(std::int64_t run_id,
                                                                  std::string_view name);

  // Verdict rows of a run (v_run_verdicts), ordered by domain name.
  std::expected<void, StorageError> for_each_verdict(
      std::int64_t run_id, const std::function<void(const VerdictRow&)>& fn);
  std::expected<std::vector<SectorSummary>, StorageError> sector_summary(std::int64_t run_id);
  // Ordered by domains descending, then provider.
  std::expected<std::vector<ProviderRow>, StorageError> mx_providers(std::int64_t run_id);

  // The raw connection, for ad-hoc queries on the documented views (read only by contract).
  sqlite3* handle();

 private:
  struct Impl;
  explicit Reader(std::unique_ptr<Impl>);
  std::unique_ptr<Impl> impl_;
};

}  // namespace nulmeting::storage
