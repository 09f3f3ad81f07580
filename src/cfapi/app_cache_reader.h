// A firehose thread's handle on the app cache: a two-way set-associative front cache of entries
// in front of the shared table. A hit costs a guid-text hash, a 36-byte compare and one atomic
// load (is the entry superseded?); a front miss parses the guid and probes the table. For an app
// the cache holds, neither takes a lock or counts a reference (only an app seen for the first
// time takes the table's writer lock), which keeps enrichment near 35 ns per envelope for a hot
// set and near 250 ns cycling over 100,000 apps, where two misses to memory (table slot, entry)
// are most of it (bench/RESULTS.md, Enrichment).
//
// The reader is a participant of the cache's reclaimer: each lookup starts with a quiescent
// point, which is why the entry a lookup returns stays valid only until the next lookup on the
// same reader. When the epoch has moved on there, the front cache is emptied: its pointers may
// be to entries about to be freed.
//
// Not thread-safe: one reader per thread (each Enricher owns one). It must be destroyed before
// the cache.
#pragma once

#include <cstddef>
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
  // A quiescent point without a lookup: the entry of the last lookup is no longer used. For a
  // reader that may go a while without lookups (an idle connection ticks), so that it does not
  // hold back the freeing of replaced entries.
  void quiescent();

  AppCache& cache() { return cache_; }
  // Lookups the front cache could not answer (went to the shared map).
  [[nodiscard]] std::uint64_t front_misses() const { return front_misses_; }

 private:
  // Keyed by the guid's text as the envelope carries it: a hit needs no parse, one hash of two
  // words and a 36-byte compare. Two ways per set, the older replaced: a direct-mapped table
  // thrashed on a fifth of a 1,000-app hot set (birthday collisions).
  struct Slot {
    char text[36] = {};
    std::uint32_t stamp = 0;  // when last used, to pick the way to replace
    const AppEntry* entry = nullptr;
  };
  static std::size_t text_hash(std::string_view guid);
  AppLookup from_entry(const AppEntry& e) const;
  AppLookup find(std::string_view guid, bool request);

  AppCache& cache_;
  QuiescentReclaimer::Participant participant_;
  std::vector<Slot> slots_;  // sets of two
  std::size_t set_mask_;
  std::uint32_t clock_ = 0;
  std::uint64_t front_misses_ = 0;
};

}  // namespace nozzle::cfapi
