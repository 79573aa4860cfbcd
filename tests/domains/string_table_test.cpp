// StringTable: exact interning with dense ids, through growth and hash-colliding inputs, and
// memory that stays near the texts' own size (what keeps the scan's RSS flat in list size).
#include <nulmeting/domains/string_table.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <unordered_set>

using namespace nulmeting;

TEST_CASE("StringTable interns exactly, with dense ids", "[domains][string_table]") {
  StringTable t;
  CHECK(t.empty());
  CHECK_FALSE(t.find("a.nl"));

  struct Row {
    std::string s;
    StringTable::Id id;
    bool added;
  };
  const Row rows[] =
      {
          {"a.nl", 0, true}, {"b.nl", 1, true}, {"a.nl", 0, false}, {"", 2, true},
          {"", 2, false},    {"a.n", 3, true},  {"a.nll", 4, true}, {"b.nl", 1, false},
          {"A.NL", 5, true},  // case matters: callers normalise first
      };
  for (const auto& r : rows) {
    INFO(r.s);
    const auto [id, added] = t.intern(r.s);
    CHECK(id == r.id);
    CHECK(added == r.added);
    CHECK(t.at(id) == r.s);
  }
  CHECK(t.size() == 6);
  CHECK(t.contains(""));
  CHECK(t.contains("a.n"));
  CHECK_FALSE(t.contains("a"));
  CHECK_FALSE(t.contains("b.n"));
  CHECK_THROWS(t.at(6));
}

TEST_CASE("StringTable keeps every string through growth", "[domains][string_table]") {
  StringTable t;
  constexpr int n = 100000;
  for (int i = 0; i < n; ++i) {
    const std::string s = "d" + std::to_string(i) + ".syn-signed.test";
    REQUIRE(t.intern(s) == std::pair<StringTable::Id, bool>{static_cast<StringTable::Id>(i), true});
  }
  REQUIRE(t.size() == n);
  // Prefixes of stored strings (d1 of d10...) and every stored one, found again by content.
  for (int i = 0; i < n; i += 7) {
    const std::string s = "d" + std::to_string(i) + ".syn-signed.test";
    REQUIRE(t.find(s) == static_cast<StringTable::Id>(i));
    REQUIRE(t.at(static_cast<StringTable::Id>(i)) == s);
    REQUIRE_FALSE(t.contains("d" + std::to_string(i) + ".syn-signed.tes"));
  }
  CHECK_FALSE(t.contains("d100000.syn-signed.test"));

  // The point of the type: about 16 bytes per string beyond its text (amortised growth may
  // double the arena and the slots), against ~100 for std::unordered_set<std::string>.
  std::size_t text = 0;
  for (StringTable::Id i = 0; i < t.size(); ++i) text += t.at(i).size();
  INFO("text " << text << " bytes, table " << t.memory_bytes() << " bytes");
  CHECK(t.memory_bytes() < 2 * text + 40 * static_cast<std::size_t>(n));
}
