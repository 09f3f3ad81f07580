// The app cache's lock-free table: insert, replace, erase, tombstones and rebuilds, alone and
// with readers on other threads (also run under ThreadSanitizer, in app_cache_tsan_tests).
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cfapi/app_table.h"

using namespace nozzle::cfapi;

namespace {

GuidKey key(std::uint64_t i) { return GuidKey{i * 0x100000001ull, i}; }

std::unique_ptr<AppEntry> entry(std::uint64_t i, int version = 0) {
  auto e = std::make_unique<AppEntry>();
  e->key = key(i);
  e->state = AppState::Found;
  e->name = "app-" + std::to_string(i) + "-v" + std::to_string(version);
  return e;
}

constexpr std::size_t kNoLimit = SIZE_MAX;

}  // namespace

TEST_CASE("app table: insert, find, replace and erase") {
  QuiescentReclaimer reclaimer;
  AppTable table(reclaimer, 16);
  CHECK(table.find(key(1)) == nullptr);

  auto [e1, added] = table.insert(entry(1), kNoLimit);
  REQUIRE(added);
  CHECK(table.find(key(1)) == e1);
  CHECK(table.size() == 1);
  auto [again, added_again] = table.insert(entry(1, 9), kNoLimit);
  CHECK_FALSE(added_again);
  CHECK(again == e1);  // the present entry wins
  CHECK(again->name == "app-1-v0");

  e1->seen.store(42);
  CHECK(table.put(entry(1, 1), kNoLimit) == AppTable::Put::Replaced);
  const AppEntry* e1b = table.find(key(1));
  CHECK(e1b->name == "app-1-v1");
  CHECK(e1b->seen.load() == 42);  // the last-seen time carries over
  CHECK(e1->superseded.load());   // still readable: retired, not freed
  CHECK(reclaimer.pending() == 1);

  CHECK(table.put(entry(2), kNoLimit) == AppTable::Put::Added);
  CHECK(table.size() == 2);
  CHECK_FALSE(table.erase(e1));  // not the current entry any more
  CHECK(table.erase(e1b));
  CHECK(e1b->superseded.load());
  CHECK(table.find(key(1)) == nullptr);
  CHECK(table.find(key(2))->name == "app-2-v0");
  CHECK(table.size() == 1);
}

TEST_CASE("app table: the limit refuses new keys, not replacements") {
  QuiescentReclaimer reclaimer;
  AppTable table(reclaimer);
  CHECK(table.insert(entry(1), 2).second);
  CHECK(table.put(entry(2), 2) == AppTable::Put::Added);
  CHECK(table.insert(entry(3), 2).first == nullptr);
  CHECK(table.put(entry(3), 2) == AppTable::Put::Full);
  CHECK(table.put(entry(2, 1), 2) == AppTable::Put::Replaced);
  CHECK(table.size() == 2);
}

TEST_CASE("app table: grows, reuses tombstones, and rebuilds without them") {
  QuiescentReclaimer reclaimer;
  AppTable table(reclaimer, 16);
  for (std::uint64_t i = 0; i < 5000; ++i) REQUIRE(table.insert(entry(i), kNoLimit).second);
  CHECK(table.size() == 5000);
  CHECK(table.capacity() >= 10000);
  CHECK(table.capacity() <= 16384);
  for (std::uint64_t i = 0; i < 5000; ++i) REQUIRE(table.find(key(i)) != nullptr);
  CHECK(table.find(key(5000)) == nullptr);

  // Churn: erase most, add new ones; the table neither fills with tombstones nor loses keys.
  for (std::uint64_t round = 0; round < 20; ++round) {
    for (std::uint64_t i = round * 5000; i < round * 5000 + 4900; ++i) REQUIRE(table.erase(table.find(key(i))));
    for (std::uint64_t i = (round + 1) * 5000; i < (round + 2) * 5000; ++i) REQUIRE(table.insert(entry(i), kNoLimit).second);
  }
  std::size_t seen = 0;
  table.for_each([&](const AppEntry& e) {
    ++seen;
    CHECK(table.find(e.key) == &e);
  });
  CHECK(seen == table.size());
  CHECK(table.size() == 20 * 100 + 5000);
  CHECK(table.capacity() <= 32768);
  reclaimer.reclaim();
  reclaimer.reclaim();
  CHECK(reclaimer.pending() == 0);
}

TEST_CASE("app table: readers on other threads always find the right key while it is rewritten") {
  QuiescentReclaimer reclaimer;
  AppTable table(reclaimer, 16);
  constexpr std::uint64_t kKeys = 3000;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> wrong{0};
  std::atomic<std::uint64_t> found{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      QuiescentReclaimer::Participant me(reclaimer);
      std::uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(t + 1);
      while (!done.load(std::memory_order_relaxed)) {
        me.quiescent();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const std::uint64_t i = x % kKeys;
        if (const AppEntry* e = table.find(key(i))) {
          const std::string prefix = "app-" + std::to_string(i) + "-v";
          if (!(e->key == key(i)) || e->name.compare(0, prefix.size(), prefix) != 0) wrong.fetch_add(1);
          found.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  // One writer: inserts (growing from 16 slots), replaces, erases and re-inserts, and frees
  // what the readers have left behind as it goes.
  for (int round = 0; round < 30; ++round) {
    for (std::uint64_t i = 0; i < kKeys; ++i) {
      switch ((i + static_cast<std::uint64_t>(round)) % 3) {
        case 0: (void)table.put(entry(i, round), kNoLimit); break;
        case 1:
          if (const AppEntry* e = table.find(key(i))) table.erase(e);
          break;
        default: (void)table.insert(entry(i, round), kNoLimit); break;
      }
    }
    reclaimer.reclaim();
  }
  done = true;
  for (auto& r : readers) r.join();
  CHECK(wrong.load() == 0);
  CHECK(found.load() > 0);
  reclaimer.reclaim();
  reclaimer.reclaim();
  CHECK(reclaimer.pending() == 0);
}
