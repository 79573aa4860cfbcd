// string_table.cpp — see string_table.hpp. Linear probing at a load factor of at most 1/2.
#include <nulmeting/domains/string_table.hpp>

#include <functional>
#include <limits>
#include <stdexcept>

namespace nulmeting {
namespace {
std::size_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }
}  // namespace

std::string_view StringTable::at(Id id) const {
  const std::size_t start = static_cast<std::size_t>(starts_.at(id));
  const std::size_t end =
      id + 1 < starts_.size() ? static_cast<std::size_t>(starts_[id + 1]) : arena_.size();
  return std::string_view(arena_).substr(start, end - start);
}

std::size_t StringTable::slot_of(std::string_view s) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash_of(s) & mask;; i = (i + 1) & mask) {
    const Id v = slots_[i];
    if (v == 0 || at(v - 1) == s) return i;
  }
}

std::optional<StringTable::Id> StringTable::find(std::string_view s) const {
  if (slots_.empty()) return std::nullopt;
  const Id v = slots_[slot_of(s)];
  if (v == 0) return std::nullopt;
  return v - 1;
}

void StringTable::grow() {
  const std::size_t n = slots_.empty() ? 64 : slots_.size() * 2;
  std::vector<Id> fresh(n, 0);
  const std::size_t mask = n - 1;
  for (Id id = 0; id < starts_.size(); ++id) {
    std::size_t i = hash_of(at(id)) & mask;
    while (fresh[i] != 0) i = (i + 1) & mask;
    fresh[i] = id + 1;
  }
  slots_ = std::move(fresh);
}

std::pair<StringTable::Id, bool> StringTable::intern(std::string_view s) {
  if (auto id = find(s)) return {*id, false};
  if (starts_.size() >= std::numeric_limits<Id>::max() - 1)
    throw std::length_error("StringTable: more than 2^32 strings");
  if (2 * (starts_.size() + 1) > slots_.size()) grow();
  const Id id = static_cast<Id>(starts_.size());
  starts_.push_back(arena_.size());
  arena_.append(s);
  slots_[slot_of(s)] = id + 1;
  return {id, true};
}

std::size_t StringTable::memory_bytes() const {
  return arena_.capacity() + starts_.capacity() * sizeof(std::uint64_t) +
         slots_.capacity() * sizeof(Id);
}

}  // namespace nulmeting
