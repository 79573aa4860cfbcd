// source.cpp — load_report(): storage Reader → AggregateInput → ReportModel.
#include <nulmeting/reports/aggregate.hpp>
#include <nulmeting/reports/source.hpp>
#include <nulmeting/storage/reader.hpp>

namespace nulmeting::reports {
namespace {

RunInfo info_of(const storage::RunInfo& r) {
  return {r.id, r.started_at, r.finished_at.value_or(""), std::string(storage::to_string(r.status)),
          r.label};
}

std::expected<RunSummary, storage::StorageError> summary_of(storage::Reader& rd,
                                                            const storage::RunInfo& run) {
  RunSummary s{info_of(run), {}};
  auto ok = rd.for_each_verdict(run.id, [&](const storage::VerdictRow& v) {
    DomainEntry e;
    e.domain = v.domain;
    e.display = v.display;
    e.organization = v.organization;
    e.sector = v.sector;
    s.domains.push_back({std::move(e), v.verdict});
  });
  if (!ok) return std::unexpected(ok.error());
  return s;
}

}  // namespace

std::expected<ReportModel, storage::StorageError> load_report(
    const std::string& db_path, std::string_view run_spec,
    const std::optional<std::string>& compare_spec, const std::string& tool_version) {
  auto rd = storage::Reader::open(db_path);
  if (!rd) return std::unexpected(rd.error());
  auto run = rd->resolve_run(run_spec);
  if (!run) return std::unexpected(run.error());

  Aggregator agg(info_of(*run), tool_version);
  auto n = rd->for_each_domain(run->id, [&](const DomainResult& r) {
    agg.add(r);
    return true;
  });
  if (!n) return std::unexpected(n.error());

  if (compare_spec) {
    auto cmp = rd->resolve_run(*compare_spec);
    if (!cmp) return std::unexpected(cmp.error());
    auto s = summary_of(*rd, *cmp);
    if (!s) return std::unexpected(s.error());
    agg.set_compare(std::move(*s));
  }

  auto runs = rd->runs();
  if (!runs) return std::unexpected(runs.error());
  for (const auto& r : *runs) {
    if (r.status != storage::RunStatus::Finished && r.id != run->id) continue;
    TrendPoint p;
    p.run = info_of(r);
    auto ok = rd->for_each_verdict(
        r.id, [&](const storage::VerdictRow& v) { count_into(p, v.sector, v.verdict); });
    if (!ok) return std::unexpected(ok.error());
    agg.add_trend_point(std::move(p));
  }
  ReportModel m = std::move(agg).finish();
  if (auto e = m.domains.error())
    return std::unexpected(storage::StorageError{storage::StorageError::Kind::Io, *e});
  return m;
}

}  // namespace nulmeting::reports
