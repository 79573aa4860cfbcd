// commands_shard.cpp — `nulmeting plan` (the cheap first phase of a sharded scan: every
// domain's MX answer and its MX hosts' A/AAAA answers, once, with the scan's DNS client) and
// `nulmeting merge` (shard databases of one plan into one finished run).
// Design and figures: docs/decisions/sharding.md; the planner: shard_plan.hpp; the merge:
// storage/merge.hpp.
#include "options.hpp"
#include "scan_config.hpp"
#include "shard_plan.hpp"

#include <nulmeting/domains/list_reader.hpp>
#include <nulmeting/scanner/dns_client.hpp>
#include <nulmeting/storage/database.hpp>
#include <nulmeting/storage/merge.hpp>
#include <nulmeting/verdict/dns.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <unordered_map>

namespace nulmeting::cli {
namespace {

// The DNS half of the plan: MX of every domain, A and AAAA of every distinct MX host (asked
// once however many domains name it), on one loop with the scan's DNS client and options.
class PlanResolver {
 public:
  PlanResolver(scanner::DnsClient& dns, std::size_t max_mx) : dns_(dns), max_mx_(max_mx) {}

  void add(const std::string& domain) {
    const std::size_t i = inputs_.size();
    inputs_.push_back({domain, false, {}});
    hosts_of_.emplace_back();
    ++pending_;
    dns_.resolve(domain, 15, [this, i](DnsAnswer a) { on_mx(i, a); });
  }
  bool done() const { return pending_ == 0; }

  // The planner's input: each domain linked to its hosts and their addresses.
  std::vector<PlanInput> inputs() {
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      for (const auto& h : hosts_of_[i]) {
        inputs_[i].links.push_back(h);
        for (const auto& a : addresses_[h]) inputs_[i].links.push_back(a);
      }
    }
    return std::move(inputs_);
  }
  std::size_t mx_failed() const { return mx_failed_; }
  std::size_t hosts() const { return addresses_.size(); }

 private:
  void on_mx(std::size_t i, const DnsAnswer& a) {
    --pending_;
    const auto plan = verdict::mx_plan(a, inputs_[i].domain, max_mx_);
    switch (plan.kind) {
      case verdict::MxKind::Fail:
      case verdict::MxKind::Unreadable:
        ++mx_failed_;
        return;  // placed by hash
      case verdict::MxKind::NoDomain:
      case verdict::MxKind::NullMx:
        inputs_[i].resolved = true;  // no host: a component of its own
        return;
      case verdict::MxKind::Implicit:
      case verdict::MxKind::Hosts:
        inputs_[i].resolved = true;
        for (const auto& [pref, host] : plan.hosts) {
          hosts_of_[i].push_back(host);
          lookup_host(host);
        }
        return;
    }
  }
  void lookup_host(const std::string& host) {
    auto [it, fresh] = addresses_.try_emplace(host);
    if (!fresh) return;
    for (std::uint16_t qtype : {std::uint16_t{1}, std::uint16_t{28}}) {
      ++pending_;
      dns_.resolve(
          host, qtype,
          [this, host](DnsAnswer a) {
            --pending_;
            if (verdict::has_data(a))
              for (auto& r : a.records) addresses_[host].push_back(std::move(r));
          },
          scanner::DnsPriority::High);
    }
  }

  scanner::DnsClient& dns_;
  std::size_t max_mx_;
  std::vector<PlanInput> inputs_;
  std::vector<std::vector<std::string>> hosts_of_;
  std::unordered_map<std::string, std::vector<std::string>> addresses_;  // host -> A, AAAA
  std::size_t pending_ = 0;
  std::size_t mx_failed_ = 0;
};

// Writes text to path through a temporary file and a rename: a plan is whole or absent.
bool write_whole_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

int run_plan(const PlanOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  // 1. The list, checked as `scan` checks it (the shards will read the same rows).
  const ListSummary list = check_list_file(o.domains_file);
  for (const auto& p : list.problems)
    if (p.severity == Severity::Error && !o.skip_invalid) spdlog::error("{}", format_problem(p));
  if (!list.ok() && !o.skip_invalid) {
    spdlog::error("{}: {} error(s); no plan written (fix the list, or use --skip-invalid)",
                  o.domains_file, list.errors);
    return kBadInput;
  }
  if (list.entries == 0) {
    spdlog::error("{}: no valid domain to plan", o.domains_file);
    return kBadInput;
  }
  // 2. The scan's options: validated as the scan validates them; their digest goes in the plan.
  auto cfg = engine_config(o.probe);
  if (!cfg) {
    spdlog::error("{}", cfg.error());
    return kBadInput;
  }
  scanner::UvLoop loop;
  auto dns = scanner::DnsClient::create(loop.get(), cfg->dns);
  if (!dns) {
    spdlog::error("{}", dns.error());
    return kBadInput;
  }
  std::optional<std::expected<void, std::string>> anchor;
  (*dns)->check_trust_anchor([&anchor](std::expected<void, std::string> r) { anchor = r; });
  while (!anchor && loop.run(UV_RUN_ONCE) != 0) {
  }
  if (!anchor || !*anchor) {
    (*dns)->close();
    loop.close();
    spdlog::error("trust anchor: {}", anchor ? anchor->error() : "no answer to the check");
    return kBadInput;
  }
  const std::uint64_t questions_before = (*dns)->stats().submitted;

  // 3. MX and host addresses of every domain.
  PlanResolver resolver(**dns, cfg->max_mx.value_or(0));
  {
    std::ifstream in(o.domains_file, std::ios::binary);
    ListReader reader(in, o.domains_file);
    while (auto row = reader.next())
      if (row->entry) resolver.add(row->entry->domain);
  }
  while (!resolver.done() && loop.run(UV_RUN_ONCE) != 0) {
  }
  const bool complete = resolver.done();
  const std::uint64_t questions = (*dns)->stats().submitted - questions_before;
  (*dns)->close();
  dns->reset();
  if (loop.close() != 0) spdlog::error("event loop did not close cleanly (a handle leaked)");
  if (!complete) {
    spdlog::error("plan: the DNS client stopped before every answer came back");
    return kInternal;
  }

  // 4. Components, shards, the file.
  const std::size_t hosts = resolver.hosts(), mx_failed = resolver.mx_failed();
  const auto inputs = resolver.inputs();
  const Assignment a = assign_shards(inputs, static_cast<int>(o.shards));
  ShardPlan plan;
  plan.contract_version = storage::kContractVersion;
  plan.shards = static_cast<int>(o.shards);
  plan.list_checksum = file_checksum(o.domains_file);
  plan.list_path = o.domains_file;
  plan.options_digest = text_checksum(options_json(o.probe));
  plan.created_at = storage::now_iso8601();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  plan.stats = {{"domains", inputs.size()},       {"mx_hosts", hosts},
                {"mx_failed", mx_failed},         {"components", a.components},
                {"largest_component", a.largest}, {"placed_by_hash", a.by_hash},
                {"dns_questions", questions},     {"seconds", seconds}};
  for (std::size_t i = 0; i < inputs.size(); ++i)
    plan.domains.emplace_back(inputs[i].domain, a.shard[i]);
  if (!write_whole_file(o.output, plan_to_text(plan))) {
    spdlog::error("cannot write the plan {}", o.output);
    return kInternal;
  }
  std::string sizes;
  for (auto s : a.sizes) sizes += (sizes.empty() ? "" : " ") + std::to_string(s);
  spdlog::info(
      "plan {}: {} domains in {} shards (domains per shard: {}); {} components over {} MX "
      "hosts, the largest {} domains; {} placed by hash (MX lookup failed); {} DNS questions "
      "in {:.1f} s",
      o.output, inputs.size(), o.shards, sizes, a.components, hosts, a.largest, a.by_hash,
      questions, seconds);
  return kOk;
}

int run_merge(const MergeOptions& o) {
  storage::MergeRequest req;
  req.shard_paths = o.shard_files;
  if (!o.label.empty()) req.label = o.label;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = storage::merge_shards(o.db_file, req);
  if (!r) {
    spdlog::error("merge: {}", r.error().message);
    return exit_code_for(r.error());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (r->already_merged) {
    spdlog::info("merge: these {} shards are run {} of {} already ({} domains); nothing changed",
                 r->shards, r->run_id, o.db_file, r->domains);
    return kOk;
  }
  spdlog::info(
      "merge: run {} of {}: {} domains from {} shards in {:.2f} s ({} MX host and {} probe "
      "results found in more than one shard, stored once)",
      r->run_id, o.db_file, r->domains, r->shards, seconds, r->hosts_shared, r->probes_shared);
  return kOk;
}

}  // namespace nulmeting::cli
