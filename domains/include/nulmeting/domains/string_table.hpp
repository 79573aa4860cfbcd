// string_table.hpp — a compact set of strings that gives each one a dense id (interning).
//
// Who calls: the list reader (the domains seen so far, for duplicate detection, and the
// organisation names of their first rows), `domains check`'s organisation count and the
// scan's resume set (domains a run already measured).
//
// Why not std::unordered_set<std::string>: a node per string (next pointer, cached hash,
// a 32-byte std::string, usually a second heap block for the text, malloc headers) costs
// about 100 bytes more than the text itself; for a 100,000-row list that was 20 MiB of the
// scan's peak RSS and made memory grow with the list (docs/decisions/domain-lists.md, "Memory").
// Here the texts live back to back in one arena and the index is an open-addressing table of
// 32-bit ids: about 16 bytes per string beyond its text. Exact (the text is compared, not
// only a hash). Ids are stable and dense (0, 1, 2, ... in insertion order); strings are
// never removed. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nulmeting {

class StringTable {
 public:
  using Id = std::uint32_t;

  // The id of `s`, adding it when new; `second` is true when it was added. `s` must not view
  // this table's own storage (at()'s result): adding may move the arena.
  std::pair<Id, bool> intern(std::string_view s);
  std::optional<Id> find(std::string_view s) const;
  bool contains(std::string_view s) const { return find(s).has_value(); }
  std::string_view at(Id id) const;
  std::size_t size() const { return starts_.size(); }
  bool empty() const { return starts_.empty(); }
  // Bytes held (capacity, not size): what a benchmark or a test of flat memory looks at.
  std::size_t memory_bytes() const;

 private:
  std::size_t slot_of(std::string_view s) const;  // the slot holding s, or the empty one
  void grow();

  std::string arena_;                  // every string, back to back
  std::vector<std::uint64_t> starts_;  // id -> offset in arena_ (end = next start or size)
  std::vector<Id> slots_;              // id + 1; 0 = empty; size a power of two
};

}  // namespace nulmeting
