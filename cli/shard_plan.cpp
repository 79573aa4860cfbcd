#include "shard_plan.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <memory>
#include <numeric>
#include <unordered_map>

namespace nulmeting::cli {
namespace {

// Union-find over domains and link names, by size with path halving.
class DisjointSets {
 public:
  explicit DisjointSets(std::size_t n) : parent_(n), size_(n, 1) {
    std::iota(parent_.begin(), parent_.end(), std::size_t{0});
  }
  std::size_t add() {
    parent_.push_back(parent_.size());
    size_.push_back(1);
    return parent_.size() - 1;
  }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void join(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (size_[a] < size_[b]) std::swap(a, b);
    parent_[b] = a;
    size_[a] += size_[b];
  }

 private:
  std::vector<std::size_t> parent_, size_;
};

struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

std::string hex_digest(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, md, &len) != 1) return "";
  std::string out = "sha256:";
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

}  // namespace

std::uint64_t name_hash(std::string_view name) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

Assignment assign_shards(const std::vector<PlanInput>& domains, int shards) {
  Assignment out;
  const auto n_shards = static_cast<std::size_t>(std::max(shards, 1));
  out.shard.assign(domains.size(), 0);
  out.sizes.assign(n_shards, 0);
  DisjointSets sets(domains.size());
  std::unordered_map<std::string, std::size_t> link_node;
  for (std::size_t i = 0; i < domains.size(); ++i) {
    if (!domains[i].resolved) continue;
    for (const auto& l : domains[i].links) {
      auto [it, fresh] = link_node.try_emplace(l, 0);
      if (fresh) it->second = sets.add();
      sets.join(i, it->second);
    }
  }
  // Components of the resolved domains: members in input order, named by the smallest domain.
  struct Component {
    std::vector<std::size_t> members;
    std::string_view name;
  };
  std::unordered_map<std::size_t, std::size_t> component_of_root;
  std::vector<Component> components;
  for (std::size_t i = 0; i < domains.size(); ++i) {
    if (!domains[i].resolved) {
      // Unknown MX hosts: nothing to keep together; its name decides, stably.
      const auto s = static_cast<std::size_t>(name_hash(domains[i].domain) % n_shards);
      out.shard[i] = static_cast<int>(s);
      ++out.sizes[s];
      ++out.by_hash;
      continue;
    }
    auto [it, fresh] = component_of_root.try_emplace(sets.find(i), components.size());
    if (fresh) components.push_back({{}, domains[i].domain});
    Component& c = components[it->second];
    c.members.push_back(i);
    if (domains[i].domain < c.name) c.name = domains[i].domain;
  }
  std::sort(components.begin(), components.end(), [](const Component& a, const Component& b) {
    if (a.members.size() != b.members.size()) return a.members.size() > b.members.size();
    return a.name < b.name;
  });
  out.components = components.size();
  for (const auto& c : components) {
    out.largest = std::max(out.largest, c.members.size());
    const auto least = static_cast<std::size_t>(
        std::min_element(out.sizes.begin(), out.sizes.end()) - out.sizes.begin());
    for (std::size_t m : c.members) out.shard[m] = static_cast<int>(least);
    out.sizes[least] += c.members.size();
  }
  return out;
}

std::expected<ShardSpec, std::string> parse_shard_spec(std::string_view text) {
  const auto bad = [&] {
    return std::unexpected("--shard '" + std::string(text) +
                           "': expected I/N with 0 <= I < N (e.g. 0/4 ... 3/4)");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  ShardSpec s;
  const auto a = text.substr(0, slash), b = text.substr(slash + 1);
  auto r1 = std::from_chars(a.data(), a.data() + a.size(), s.index);
  auto r2 = std::from_chars(b.data(), b.data() + b.size(), s.count);
  if (a.empty() || b.empty() || r1.ec != std::errc() || r1.ptr != a.data() + a.size() ||
      r2.ec != std::errc() || r2.ptr != b.data() + b.size())
    return bad();
  if (s.count < 1 || s.count > 10000 || s.index < 0 || s.index >= s.count) return bad();
  return s;
}

std::string plan_to_text(const ShardPlan& p) {
  nlohmann::ordered_json domains = nlohmann::ordered_json::array();
  for (const auto& [d, s] : p.domains) domains.push_back({d, s});
  std::vector<std::size_t> sizes(static_cast<std::size_t>(std::max(p.shards, 0)), 0);
  for (const auto& [d, s] : p.domains)
    if (s >= 0 && s < p.shards) ++sizes[static_cast<std::size_t>(s)];
  nlohmann::ordered_json j{{"format", "nulmeting-shard-plan"},
                           {"version", kPlanFormatVersion},
                           {"contract_version", p.contract_version},
                           {"shards", p.shards},
                           {"list_checksum", p.list_checksum},
                           {"list_path", p.list_path},
                           {"options_digest", p.options_digest},
                           {"created_at", p.created_at},
                           {"shard_domains", sizes},
                           {"stats", p.stats},
                           {"domains", std::move(domains)}};
  return j.dump() + "\n";
}

std::expected<ShardPlan, std::string> plan_from_text(std::string_view text) {
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::unexpected("not a JSON object");
  if (j.value("format", "") != "nulmeting-shard-plan")
    return std::unexpected("not a nulmeting shard plan (format)");
  if (j.value("version", 0) != kPlanFormatVersion)
    return std::unexpected("plan format version " + std::to_string(j.value("version", 0)) +
                           ", this nulmeting reads " + std::to_string(kPlanFormatVersion));
  ShardPlan p;
  try {
    p.contract_version = j.at("contract_version").get<int>();
    p.shards = j.at("shards").get<int>();
    p.list_checksum = j.at("list_checksum").get<std::string>();
    p.list_path = j.value("list_path", "");
    p.options_digest = j.at("options_digest").get<std::string>();
    p.created_at = j.value("created_at", "");
    if (j.contains("stats")) p.stats = j.at("stats");
    if (p.shards < 1) return std::unexpected("shards must be at least 1");
    for (const auto& e : j.at("domains")) {
      auto name = e.at(0).get<std::string>();
      const int s = e.at(1).get<int>();
      if (s < 0 || s >= p.shards)
        return std::unexpected("domain " + name + " is in shard " + std::to_string(s) + " of " +
                               std::to_string(p.shards));
      p.domains.emplace_back(std::move(name), s);
    }
  } catch (const nlohmann::json::exception& e) {
    return std::unexpected(std::string("malformed plan: ") + e.what());
  }
  return p;
}

std::string file_checksum(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!in || !ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return "";
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf, static_cast<std::size_t>(in.gcount()));
  }
  return hex_digest(ctx.get());
}

std::string text_checksum(std::string_view text) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return "";
  EVP_DigestUpdate(ctx.get(), text.data(), text.size());
  return hex_digest(ctx.get());
}

}  // namespace nulmeting::cli
