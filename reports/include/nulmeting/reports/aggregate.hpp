// aggregate.hpp — the one aggregation layer: builds a ReportModel from what storage read back.
//
// Called by load_report() (source.hpp, which reads the storage API) and by tests with
// hand-built inputs. Pure functions of their inputs: no I/O, deterministic order.
//
// Definitions (also shown in the report):
// - Cause (model.hpp) of a domain with mail = receives and not protected, first match wins:
//   1 tlsa_lookup_failure  an MX host has status tlsa_error (TLSA answer of class fail);
//                      such a host is not probed, so this precedes "unreachable"
//   2 unreachable      starttls = unreachable
//   3 no_starttls      starttls none/partial, and some reached address did not complete
//                      STARTTLS for a reason other than a failed TLS handshake
//   4 tls_failure      starttls none/partial, and every such address failed the handshake
//   5 tlsa_mismatch    dane = invalid (a reached address failed DANE authentication)
//   6 insecure_zone    dnssec of the MX answer is not secure
//   7 no_tlsa          dane = none or partial
//   8 other            anything else (dane = untested: an MX host with TLSA not reached)
// - Provider: storage::provider_domain() of an MX host name (the registrable domain, the
//   same grouping as the v_mx_providers view, so SQL and report agree). A provider's DANE status:
//   invalid when any host had a TLSA lookup failure or any address failed DANE; valid when every
//   host has usable secure TLSA and every probed address authenticated; partial when some host has
//   usable TLSA; none.
// - Change: the level (model.hpp level_of) in the compared run against this run.
#pragma once

#include <nulmeting/domains/measurement.hpp>
#include <nulmeting/reports/model.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nulmeting::reports {

// The verdicts of one domain in one run (enough for comparisons and trends).
struct DomainSummary {
  DomainEntry entry;
  DomainVerdict verdict;
};

struct RunSummary {
  RunInfo info;
  std::vector<DomainSummary> domains;
};

struct AggregateInput {
  RunInfo run;
  std::vector<DomainResult> results;  // the reported run, with evidence
  std::optional<RunSummary> compare;  // --compare
  std::vector<RunSummary> history;    // every run in the database (for trends), any order
  std::string tool_version;
};

ReportModel build_model(const AggregateInput&);

// The same, streamed: load_report() feeds one DomainResult at a time (100k domains with their
// evidence are never held at once) and one TrendPoint per run (counted while reading). The
// report row of each domain goes straight to the model's spool (model.hpp DomainList), so the
// memory held grows with the sectors, providers and runs, not with the domains. Exception:
// --compare keeps the compared run's verdict rows (RunSummary) and the changes in memory.
class Aggregator {
 public:
  Aggregator(RunInfo run, std::string tool_version);
  ~Aggregator();
  Aggregator(Aggregator&&) noexcept;
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  void add(const DomainResult&);     // a domain of the reported run
  void set_compare(RunSummary);      // --compare
  void add_trend_point(TrendPoint);  // any order
  ReportModel finish() &&;

 private:
  struct State;
  std::unique_ptr<State> st_;
};

// Counts one domain's verdicts into a trend point (sector and total).
void count_into(TrendPoint&, Sector, const DomainVerdict&);

// Exposed for tests and for the CLI's explanation of single domains.
std::optional<Cause> cause_of(const DomainResult&);
std::string reason_of(const DomainResult&, const std::optional<Cause>&);

}  // namespace nulmeting::reports
