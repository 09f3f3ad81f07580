// The app cache's shared map, guid key -> entry: an open-addressing table (linear probing) whose
// readers take no lock and write nothing, not even a reference count. It replaced a sharded
// unordered_map under shared_mutexes holding shared_ptrs, whose lock words, reference counts and
// node chains cost about 900 ns a lookup over 100,000 apps (bench/RESULTS.md, Enrichment).
//
// A slot holds the key's hash and a pointer to an immutable entry. Readers load the pointer
// (acquire), use the hash as a filter and decide on the entry's own key, so a slot caught
// between two writes can make a lookup miss a key being added at that moment, never return the
// wrong entry. Erasing leaves a tombstone; when tombstones and entries fill half the slots the
// table is rebuilt into a new array, and readers still on the old one see it as it was.
//
// Replaced and erased entries, and old arrays, go to the QuiescentReclaimer: a pointer that
// find() returned stays valid until the calling reader's next quiescent point.
//
// Threads: find() from any reader (a Participant of the reclaimer) and from the reclaiming
// thread. Writers (insert, put, erase) are serialised by the table's mutex; they are the cache's
// thread and readers adding a Pending entry on a miss. for_each() from the reclaiming thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "cfapi/app_entry.h"
#include "cfapi/quiescent_reclaimer.h"

namespace nozzle::cfapi {

class AppTable {
 public:
  explicit AppTable(QuiescentReclaimer& reclaimer, std::size_t initial_slots = 1024);
  // Frees the entries still in the table. No reader may be using it.
  ~AppTable();
  AppTable(const AppTable&) = delete;
  AppTable& operator=(const AppTable&) = delete;

  // The entry under `key`, or null.
  const AppEntry* find(const GuidKey& key) const {
    const Array* a = array_.load(std::memory_order_acquire);
    const std::uint64_t h = GuidKeyHash{}(key);
    for (std::size_t i = h & a->mask;; i = (i + 1) & a->mask) {
      const Slot& s = a->slots[i];
      const AppEntry* e = s.entry.load(std::memory_order_acquire);
      if (e == nullptr) return nullptr;
      if (e != &erased_ && s.hash.load(std::memory_order_relaxed) == h && e->key == key) return e;
    }
  }

  // Adds `entry` under entry->key unless the key is present or the table holds `limit` entries.
  // Returns the entry now under the key (null when full) and whether it is the one given.
  std::pair<const AppEntry*, bool> insert(std::unique_ptr<AppEntry> entry, std::size_t limit);
  enum class Put { Added, Replaced, Full };
  // Adds `entry`, or replaces the key's entry with it. A replaced entry hands its last-seen time
  // on (eviction is about an app's events, not its refreshes), is flagged superseded, so that
  // front caches let go of it, and is retired. Full: absent, and the table holds `limit`.
  Put put(std::unique_ptr<AppEntry> entry, std::size_t limit);
  // Removes `expected` if it is still its key's entry; it is flagged superseded and retired.
  bool erase(const AppEntry* expected);

  // Every entry in the table, in no order. Entries added or removed meanwhile may be missed.
  template <class F>
  void for_each(F&& fn) const {
    const Array* a = array_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i <= a->mask; ++i) {
      const AppEntry* e = a->slots[i].entry.load(std::memory_order_acquire);
      if (e != nullptr && e != &erased_) fn(*e);
    }
  }

  [[nodiscard]] std::size_t size() const { return size_.load(std::memory_order_relaxed); }
  // Slots in the current array (for the memory figure and tests).
  [[nodiscard]] std::size_t capacity() const { return array_.load(std::memory_order_relaxed)->mask + 1; }

 private:
  // 16 bytes: four slots to a cache line.
  struct alignas(16) Slot {
    std::atomic<std::uint64_t> hash{0};
    std::atomic<const AppEntry*> entry{nullptr};  // null: never used; &erased_: a tombstone
  };
  struct Array {
    explicit Array(std::size_t n) : mask(n - 1), slots(std::make_unique<Slot[]>(n)) {}
    std::size_t mask;
    std::unique_ptr<Slot[]> slots;
  };
  // Writers only, under mutex_: the slot holding `key`, else the first free one on its path.
  Slot* locate(const GuidKey& key, std::uint64_t h, bool& found) const;
  // Makes room for one more entry (rebuilding the array when half of it is used).
  void reserve_one();
  void place(Slot& slot, std::uint64_t h, const AppEntry* e);

  static const AppEntry erased_;

  QuiescentReclaimer& reclaimer_;
  std::atomic<Array*> array_;
  std::atomic<std::size_t> size_{0};
  std::mutex mutex_;
  std::size_t used_ = 0;  // entries and tombstones in the current array; under mutex_
};

}  // namespace nozzle::cfapi
