// A firehose thread's handle on the app cache: a direct-mapped front cache of entries in front
// of the shared, sharded map. A hit costs a guid parse, one slot compare and one atomic load
// (is the entry superseded?), with no lock and no write to a shared cache line, which is what
// keeps enrichment near 20 ns per envelope (bench/RESULTS.md, Enrichment).
//
// Not thread-safe: one reader per thread (each Enricher owns one). The entry a lookup returns
// stays valid until the next lookup on the same reader.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "cfapi/app_cache.h"

namespace nozzle::cfapi {

enum class AppStatus : std::uint8_t {
  Found,        // entry holds the names
  Missing,      // Cloud Controller does not know the app
  Pending,      // being looked up; the answer should come soon
  Unavailable,  // being looked up, but Cloud Controller is failing: do not wait for it
  Untracked,    // the cache is full; the app is not being looked up
  Invalid,      // not a guid
};

struct AppLookup {
  AppStatus status = AppStatus::Invalid;
  const AppEntry* entry = nullptr;  // Found and Missing only
};

class AppCacheReader {
 public:
  // slots: front cache size, rounded up to a power of two.
  explicit AppCacheReader(AppCache& cache, std::size_t slots = 4096);

  // Never blocks on the network; a miss queues a lookup.
  AppLookup lookup(std::string_view guid);
  // Like lookup(), but a miss queues nothing (and reports Untracked).
  AppLookup peek(std::string_view guid);

  AppCache& cache() { return cache_; }

 private:
  struct Slot {
    GuidKey key;
    std::shared_ptr<const AppEntry> entry;
  };
  AppLookup from_entry(const AppEntry& e) const;
  AppLookup find(std::string_view guid, bool request);

  AppCache& cache_;
  std::vector<Slot> slots_;
  std::size_t mask_;
};

}  // namespace nozzle::cfapi
