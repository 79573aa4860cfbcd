// fixture.hpp — a deterministic fixture database for tests of storage, export and reports.
//
// Test support (library nulmeting_test_support, linked only by tests): who calls it are
// tests/storage, tests/reports, and tests/cli through test_storage's hidden "[.make-fixture]"
// case. Everything is fixed: timestamps, run labels, domains, evidence, so golden files stay
// stable; the verdicts are decided from the evidence by the scanner's verdict rules. Contents (run ids are 1..4 in a fresh file):
// - run 1 "nightly" finished 2026-09-01, run 2 "nightly" finished 2026-10-01, run 3 "nightly"
//   finished 2026-11-01 (trend across three runs; some domains improve, some regress between
//   2 and 3), run 4 "nightly" aborted 2026-11-02 (status aborted, half the domains).
// - all five sectors; 25 domains in runs 2 and 3 (24 in run 1: "dane-expired.nl" joins
//   the list in run 2), 12 in run 4; every value of every verdict field (mail, dnssec,
//   starttls, dane, dane_rollover, protected true/false) occurs in run 3; every ProbeOutcome,
//   DaneCheck, DaneFailReason, Pkix, HostStatus and DnsClass occurs in run 3, and so do a
//   domain with `incomplete` (no IPv6 route), domains with `unmeasured`, and confirmed DNS
//   failures (attempts 3). Runs 3 and 4 carry a route check (IPv4 yes, IPv6 no).
// - shared MX hosts of two providers (mail.provider-a.nl, mx*.provider-b.co.uk) behind many
//   domains; an organisation named `<script>alert(1)</script>` and one with quotes, commas and
//   non-ASCII text (CSV and HTML escaping).
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/storage/database.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

namespace nulmeting::storage::testing {

struct FixtureInfo {
  std::vector<std::int64_t> finished_runs;  // oldest first
  std::int64_t aborted_run = 0;
};

// The domain results of fixture run `run_index` (0, 1, 2 finished; 3 aborted), in list order.
std::vector<DomainResult> fixture_results(int run_index);

// Writes the fixture into a NEW database file at path (an existing file is an error).
std::expected<FixtureInfo, StorageError> make_fixture_db(const std::string& path);

}  // namespace nulmeting::storage::testing
