// shard_plan.hpp — planning N shards of a domain list (`nulmeting plan`) and reading the plan
// back (`scan --shard I/N --plan PLAN`). Design and figures: docs/decisions/sharding.md.
//
// Why a plan: politeness across machines. One machine keeps its per-IP limits because it
// probes each MX host address from one scheduler; shards that split the list by domain hash
// would each probe a provider's shared MX host (N times the connections, N times the per-IP
// limit). The plan keeps every domain that shares an MX host or an MX host address with
// another in the same shard: the connected components of the graph domain — MX host — address
// (union-find), placed largest first on the least-loaded shard (ties: lower shard index; equal
// sizes: by the component's smallest domain name), so an address is probed by one shard only.
// A domain whose MX lookup failed in the plan goes to the shard of its name's hash.
// Deterministic: the same answers give the same plan whatever the list order; and every domain
// of the list is in exactly one shard (the plan lists each with its shard).
//
// The plan file (JSON) carries what a shard must match before it measures: the list's
// checksum, the digest of the scan options (plan and scan take the same options), the
// measurement contract version and N. Its own sha256 is the plan digest stored with each shard
// run; `merge` checks that all shards share it.
// Pure functions, any thread (the DNS half lives in commands_shard.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nulmeting::cli {

// One domain as the planner sees it.
struct PlanInput {
  std::string domain;              // A-label
  bool resolved = false;           // false: the MX lookup failed; placed by hash
  std::vector<std::string> links;  // its MX host names and their addresses
};

struct Assignment {
  std::vector<int> shard;          // per input, its shard
  std::vector<std::size_t> sizes;  // domains per shard
  std::size_t components = 0;      // of the resolved domains
  std::size_t largest = 0;         // domains in the largest component
  std::size_t by_hash = 0;         // unresolved domains placed by hash
};

Assignment assign_shards(const std::vector<PlanInput>& domains, int shards);

// FNV-1a 64 of a name: the shard of an unresolved domain is this modulo N.
std::uint64_t name_hash(std::string_view name);

struct ShardSpec {
  int index = 0;
  int count = 1;
};
// "I/N" with 0 <= I < N, 1 <= N <= 10000.
std::expected<ShardSpec, std::string> parse_shard_spec(std::string_view text);

inline constexpr int kPlanFormatVersion = 1;

struct ShardPlan {
  int contract_version = 0;
  int shards = 0;
  std::string list_checksum;   // "sha256:…" of the list file
  std::string list_path;       // for people
  std::string options_digest;  // "sha256:…" of the options JSON
  std::string created_at;
  nlohmann::ordered_json stats = nlohmann::ordered_json::object();  // figures of the plan
  std::vector<std::pair<std::string, int>> domains;                 // list order: domain, shard
};

std::string plan_to_text(const ShardPlan& plan);
std::expected<ShardPlan, std::string> plan_from_text(std::string_view text);

// "sha256:<hex>" of a file's bytes ("" when it cannot be read) and of a text.
std::string file_checksum(const std::string& path);
std::string text_checksum(std::string_view text);

}  // namespace nulmeting::cli
