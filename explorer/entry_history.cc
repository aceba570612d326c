#include "explorer/entry_history.h"

#include <algorithm>

namespace ptx {

EntryHistories::EntryHistories(const Tables& t, std::span<const Update> updates)
    : g_(t.geometry), n_(updates.size()) {
  const NptImage& before = t.memory;
  for (uint32_t i = 0; i < updates.size(); ++i) {
    const Update& u = updates[i];
    const int level = t.key_level(u.kind);
    const EntryKey k = g_.key(level, u.entry);
    auto it = index_.find(k);
    if (it == index_.end()) {
      it = index_.emplace(k, static_cast<uint32_t>(entries_.size())).first;
      EntryHistory e;
      e.level = level;
      e.entry = u.entry & ~uint64_t{7};
      e.before = before.read(level, e.entry);
      e.values.push_back(e.before);
      entries_.push_back(std::move(e));
    }
    EntryHistory& e = entries_[it->second];
    e.writes.emplace_back(i, u.new_value);
    if (std::find(e.values.begin(), e.values.end(), u.new_value) == e.values.end()) {
      e.values.push_back(u.new_value);
    }
  }
}

const EntryHistory* EntryHistories::find(int level, uint64_t entry) const {
  auto it = index_.find(g_.key(level, entry));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

}  // namespace ptx
