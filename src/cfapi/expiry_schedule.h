// When the app cache's entries expire: a min-heap of (expiry, key), so that a sweep costs what is
// due, not a walk over every entry (4.6 % of the nozzle's CPU with 100,000 apps cached).
//
// Entries are not removed from it when they are replaced or evicted: an item is current only if
// the key's entry still expires at the item's time, and the caller skips the others as they come
// due. Each item comes due within the longest expiry (cc_pull_time x 1.25, or the missing-app
// TTL), which bounds the stale ones; rebuild() drops them all at once.
//
// Not thread-safe: the cache's thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "cfapi/app_entry.h"

namespace nozzle::cfapi {

class ExpirySchedule {
 public:
  struct Item {
    std::int64_t at_ns;  // steady-clock ns
    GuidKey key;
    bool operator>(const Item& o) const { return at_ns > o.at_ns; }
  };

  void add(std::int64_t at_ns, const GuidKey& key) {
    heap_.push_back(Item{at_ns, key});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>{});
  }

  // Removes the items due at `now_ns`, earliest first, and calls fn(const Item&) for each.
  template <class F>
  void take_due(std::int64_t now_ns, F&& fn) {
    while (!heap_.empty() && heap_.front().at_ns <= now_ns) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>{});
      const Item item = heap_.back();
      heap_.pop_back();
      fn(item);
    }
  }

  // Replaces every item by the ones given (the current entries' expiries).
  void rebuild(std::vector<Item> items) {
    heap_ = std::move(items);
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>{});
  }

  [[nodiscard]] std::size_t size() const { return heap_.size(); }
  [[nodiscard]] bool empty() const { return heap_.empty(); }

 private:
  std::vector<Item> heap_;
};

}  // namespace nozzle::cfapi
