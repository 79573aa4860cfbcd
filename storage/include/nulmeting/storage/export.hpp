// export.hpp — the machine exports of one run (`nulmeting export`) and the runs table
// (`nulmeting runs`).
//
// JSONL: one object per domain, the fields of interface.md in its order (plus `unmeasured`
// after `incomplete`, then the §5 verdicts spf, spf_policy, dmarc, dmarc_policy, dkim, tls_rpt
// and their evidence object `mail_standards`, all null for a run from before they were
// measured); every field present; null for unknown or not applicable (per address:
// dane, dane_reason, dane_depth, pkix when not checked; tls_version, cipher, group without a
// handshake; tlsa when no TLSA lookup was made; base when no candidate answered). Domain
// verdict values are measurement.md's names, including their "n/a". CSV: one row per domain,
// columns kCsvColumns (README, "The results database"), through the one CSV writer.
// Both stream through Reader::for_each_domain: constant memory in the number of domains.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/storage/reader.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <expected>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace nulmeting::storage {

// The JSONL object of one domain in one run (interface.md), keys in the documented order.
nlohmann::ordered_json domain_json(std::int64_t run_id, const DomainResult& r);

// The v2 columns are appended (not placed beside starttls) so that positional readers keep
// working; the §5 columns (spf ... tls_rpt) are empty for a run from before they were measured.
inline constexpr std::array<std::string_view, 25> kCsvColumns{
    "run",        "domain",      "display",      "organization", "sector",
    "mail",       "dnssec",      "starttls",     "dane",         "dane_rollover",
    "protected",  "implicit_mx", "mx_count",     "mx_hosts",     "findings",
    "incomplete", "unmeasured",  "tls_quality",  "mta_sts",      "spf",
    "spf_policy", "dmarc",       "dmarc_policy", "dkim",         "tls_rpt"};

// Write every domain of the run; return the number of domains written.
std::expected<std::int64_t, StorageError> export_jsonl(Reader& reader, std::int64_t run_id,
                                                       std::ostream& out);
std::expected<std::int64_t, StorageError> export_csv(Reader& reader, std::int64_t run_id,
                                                     std::ostream& out);

// The `nulmeting runs` table: ID, LABEL, STARTED, FINISHED, STATUS, DONE/TOTAL.
std::string format_runs_table(const std::vector<RunInfo>& runs);

}  // namespace nulmeting::storage
