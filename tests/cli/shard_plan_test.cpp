// The shard planner (cli/shard_plan.hpp): domains that share an MX host or an address stay in
// one shard, components are balanced largest first, the result does not depend on the list
// order, every domain is in exactly one shard, unresolved domains go by their name's hash;
// the --shard spec and the plan file read back.
#include "shard_plan.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace nulmeting::cli;

namespace {

PlanInput dom(std::string name, std::vector<std::string> links, bool resolved = true) {
  return {std::move(name), resolved, std::move(links)};
}

std::map<std::string, int> by_name(const std::vector<PlanInput>& in, const Assignment& a) {
  std::map<std::string, int> out;
  for (std::size_t i = 0; i < in.size(); ++i) out[in[i].domain] = a.shard[i];
  return out;
}

// A synthetic list: `providers` shared MX hosts (provider p serves every domain with i % 7 ==
// p for p < providers), the rest own hosts; some share an address across hosts.
std::vector<PlanInput> synthetic(std::size_t n) {
  std::vector<PlanInput> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string d = "d" + std::to_string(i) + ".test";
    if (i % 7 < 3) {
      const std::string mx = "mx.provider" + std::to_string(i % 7) + ".test";
      out.push_back(dom(d, {mx, "192.0.2." + std::to_string(i % 7)}));
    } else if (i % 11 == 0) {
      // Own host name, but an address shared by a hosting company's machines.
      out.push_back(dom(d, {"mail." + d, "198.51.100.9"}));
    } else if (i % 13 == 0) {
      out.push_back(dom(d, {}, false));  // MX lookup failed
    } else {
      out.push_back(dom(d, {"mail." + d, "203.0.113." + std::to_string(i % 250)}));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("planner: a shared MX host or address keeps its domains in one shard", "[shard]") {
  const std::vector<PlanInput> in{
      dom("a.test", {"mx.shared.test", "192.0.2.1"}),
      dom("b.test", {"mx.shared.test", "192.0.2.1"}),
      dom("c.test", {"mx.c.test", "192.0.2.3"}),
      dom("d.test", {"mx.d.test", "192.0.2.3"}),  // another name, the same address as c
      dom("e.test", {"mx.e.test", "192.0.2.5", "mx.shared.test"}),  // backup MX at the provider
      dom("f.test", {"mx.f.test", "192.0.2.6"}),
      dom("g.test", {}),  // null MX: nothing to share
  };
  const auto a = assign_shards(in, 3);
  const auto s = by_name(in, a);
  CHECK(s.at("a.test") == s.at("b.test"));
  CHECK(s.at("a.test") == s.at("e.test"));
  CHECK(s.at("c.test") == s.at("d.test"));
  CHECK(a.components == 4);  // {a,b,e} {c,d} {f} {g}
  CHECK(a.largest == 3);
  // Largest first on the least-loaded shard: {a,b,e} → 0, {c,d} → 1, then {f} and {g} → 2.
  CHECK(s.at("a.test") == 0);
  CHECK(s.at("c.test") == 1);
  CHECK(s.at("f.test") == 2);
  CHECK(s.at("g.test") == 2);
  CHECK(a.sizes == std::vector<std::size_t>{3, 2, 2});
}

TEST_CASE("planner: exactly once, no link in two shards, balanced, order-independent", "[shard]") {
  auto in = synthetic(5000);
  for (int n : {1, 2, 3, 4, 7}) {
    INFO("N = " << n);
    const auto a = assign_shards(in, n);
    REQUIRE(a.shard.size() == in.size());
    std::size_t total = 0;
    for (auto s : a.sizes) total += s;
    CHECK(total == in.size());
    std::map<std::string, std::set<int>> shards_of_link;
    for (std::size_t i = 0; i < in.size(); ++i) {
      CHECK((a.shard[i] >= 0 && a.shard[i] < n));
      for (const auto& l : in[i].links) shards_of_link[l].insert(a.shard[i]);
    }
    for (const auto& [link, shards] : shards_of_link) {
      INFO(link);
      CHECK(shards.size() == 1);
    }
    // Balance: no shard holds more than the largest component beyond an even share.
    const auto most = *std::max_element(a.sizes.begin(), a.sizes.end());
    CHECK(most <= in.size() / static_cast<std::size_t>(n) + a.largest);
    // Unresolved domains go by hash.
    for (std::size_t i = 0; i < in.size(); ++i)
      if (!in[i].resolved)
        CHECK(a.shard[i] == static_cast<int>(name_hash(in[i].domain) % static_cast<unsigned>(n)));
    // The same answers in another order give the same plan.
    auto shuffled = in;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(42));
    CHECK(by_name(shuffled, assign_shards(shuffled, n)) == by_name(in, a));
  }
}

TEST_CASE("planner: --shard I/N", "[shard]") {
  auto ok = parse_shard_spec("2/4");
  REQUIRE(ok);
  CHECK(ok->index == 2);
  CHECK(ok->count == 4);
  CHECK(parse_shard_spec("0/1"));
  for (const char* bad :
       {"4/4", "-1/4", "1/0", "1", "/4", "1/", "a/4", "1/4x", "1 /4", "0/10001"}) {
    INFO(bad);
    CHECK_FALSE(parse_shard_spec(bad));
  }
}

TEST_CASE("planner: the plan file reads back; a damaged one is refused", "[shard]") {
  ShardPlan p;
  p.contract_version = 2;
  p.shards = 3;
  p.list_checksum = "sha256:aa";
  p.list_path = "list.csv";
  p.options_digest = "sha256:bb";
  p.created_at = "2026-12-06T00:00:00Z";
  p.stats = {{"dns_questions", 12}};
  p.domains = {{"a.test", 0}, {"b.test", 2}, {"c.test", 0}};
  const auto text = plan_to_text(p);
  auto back = plan_from_text(text);
  REQUIRE(back);
  CHECK(back->contract_version == 2);
  CHECK(back->shards == 3);
  CHECK(back->list_checksum == p.list_checksum);
  CHECK(back->options_digest == p.options_digest);
  CHECK(back->domains == p.domains);
  CHECK(back->stats == p.stats);
  CHECK(text.find(R"("shard_domains":[2,0,1])") != std::string::npos);
  CHECK(text_checksum(text) == text_checksum(plan_to_text(*back)));

  CHECK_FALSE(plan_from_text("{}"));
  CHECK_FALSE(plan_from_text("not json"));
  auto wrong_shard = text;
  wrong_shard.replace(wrong_shard.find(R"(["b.test",2])"), 12, R"(["b.test",3])");
  CHECK_FALSE(plan_from_text(wrong_shard));
  CHECK(text_checksum("abc") ==
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
