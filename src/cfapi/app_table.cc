#include "cfapi/app_table.h"

#include <algorithm>
#include <bit>

namespace nozzle::cfapi {

const AppEntry AppTable::erased_{};

AppTable::AppTable(QuiescentReclaimer& reclaimer, std::size_t initial_slots)
    : reclaimer_(reclaimer), array_(new Array(std::bit_ceil(std::max<std::size_t>(16, initial_slots)))) {}

AppTable::~AppTable() {
  Array* a = array_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i <= a->mask; ++i) {
    const AppEntry* e = a->slots[i].entry.load(std::memory_order_relaxed);
    if (e != nullptr && e != &erased_) delete e;
  }
  delete a;
}

AppTable::Slot* AppTable::locate(const GuidKey& key, std::uint64_t h, bool& found) const {
  const Array* a = array_.load(std::memory_order_relaxed);
  Slot* free = nullptr;
  for (std::size_t i = h & a->mask;; i = (i + 1) & a->mask) {
    Slot& s = a->slots[i];
    const AppEntry* e = s.entry.load(std::memory_order_relaxed);
    if (e == nullptr) {
      found = false;
      return free != nullptr ? free : &s;
    }
    if (e == &erased_) {
      if (free == nullptr) free = &s;
    } else if (e->key == key) {
      found = true;
      return &s;
    }
  }
}

void AppTable::place(Slot& slot, std::uint64_t h, const AppEntry* e) {
  // The hash first: a reader that loads the new pointer (acquire) then sees the new hash.
  slot.hash.store(h, std::memory_order_relaxed);
  slot.entry.store(e, std::memory_order_release);
}

void AppTable::reserve_one() {
  Array* old = array_.load(std::memory_order_relaxed);
  if ((used_ + 1) * 2 <= old->mask + 1) return;
  // Rebuild: twice the entries' room, so that after it at most a quarter to a half is used.
  // Tombstones are dropped; when they were most of the load, the size stays or shrinks.
  const std::size_t live = size_.load(std::memory_order_relaxed);
  auto fresh = std::make_unique<Array>(std::bit_ceil(std::max<std::size_t>(16, 2 * (live + 1) + 1)));
  for (std::size_t i = 0; i <= old->mask; ++i) {
    const Slot& s = old->slots[i];
    const AppEntry* e = s.entry.load(std::memory_order_relaxed);
    if (e == nullptr || e == &erased_) continue;
    const std::uint64_t h = s.hash.load(std::memory_order_relaxed);
    std::size_t j = h & fresh->mask;
    while (fresh->slots[j].entry.load(std::memory_order_relaxed) != nullptr) j = (j + 1) & fresh->mask;
    fresh->slots[j].hash.store(h, std::memory_order_relaxed);
    fresh->slots[j].entry.store(e, std::memory_order_relaxed);
  }
  used_ = live;
  array_.store(fresh.release(), std::memory_order_release);  // publishes the slots written above
  reclaimer_.retire(std::unique_ptr<Array>(old));
}

std::pair<const AppEntry*, bool> AppTable::insert(std::unique_ptr<AppEntry> entry, std::size_t limit) {
  const std::uint64_t h = GuidKeyHash{}(entry->key);
  std::lock_guard lock(mutex_);
  bool found = false;
  Slot* slot = locate(entry->key, h, found);
  if (found) return {slot->entry.load(std::memory_order_relaxed), false};
  if (size_.load(std::memory_order_relaxed) >= limit) return {nullptr, false};
  reserve_one();
  slot = locate(entry->key, h, found);
  if (slot->entry.load(std::memory_order_relaxed) == nullptr) ++used_;
  const AppEntry* e = entry.release();
  place(*slot, h, e);
  size_.fetch_add(1, std::memory_order_relaxed);
  return {e, true};
}

AppTable::Put AppTable::put(std::unique_ptr<AppEntry> entry, std::size_t limit) {
  const std::uint64_t h = GuidKeyHash{}(entry->key);
  std::unique_ptr<const AppEntry> old;
  {
    std::lock_guard lock(mutex_);
    bool found = false;
    Slot* slot = locate(entry->key, h, found);
    if (found) {
      old.reset(slot->entry.load(std::memory_order_relaxed));
      entry->seen.store(old->seen.load(std::memory_order_relaxed), std::memory_order_relaxed);
      place(*slot, h, entry.release());
    } else {
      if (size_.load(std::memory_order_relaxed) >= limit) return Put::Full;
      reserve_one();
      slot = locate(entry->key, h, found);
      if (slot->entry.load(std::memory_order_relaxed) == nullptr) ++used_;
      place(*slot, h, entry.release());
      size_.fetch_add(1, std::memory_order_relaxed);
      return Put::Added;
    }
  }
  old->superseded.store(true, std::memory_order_release);
  reclaimer_.retire(std::move(old));
  return Put::Replaced;
}

bool AppTable::erase(const AppEntry* expected) {
  const std::uint64_t h = GuidKeyHash{}(expected->key);
  {
    std::lock_guard lock(mutex_);
    bool found = false;
    Slot* slot = locate(expected->key, h, found);
    if (!found || slot->entry.load(std::memory_order_relaxed) != expected) return false;
    slot->entry.store(&erased_, std::memory_order_release);  // not null: probing goes on past it
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
  expected->superseded.store(true, std::memory_order_release);
  reclaimer_.retire(std::unique_ptr<const AppEntry>(expected));
  return true;
}

}  // namespace nozzle::cfapi
