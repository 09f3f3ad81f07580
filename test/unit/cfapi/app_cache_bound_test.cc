// The app cache's memory bound (AppCacheOptions::max_entries) against the one path that could
// add entries past it: an answer from Cloud Controller for an app the cache let go of while the
// request was queued. Driven by hand, like app_cache_test.cc: no threads, no sleeps.
#include <doctest/doctest.h>

#include <algorithm>

#include "cfapi/app_cache.h"
#include "cfapi/app_cache_reader.h"
#include "fake_app_source.h"

using namespace std::chrono_literals;
using namespace nozzle::cfapi;
using nozzle::test::app_guid;
using nozzle::test::FakeAppSource;
using nozzle::test::ManualClock;

namespace {

// Runs the cache's loop in small steps of time, like its thread, and returns the largest size
// it had after any step.
std::size_t run_for(AppCache& cache, ManualClock& clock, std::chrono::milliseconds span) {
  std::size_t largest = cache.size();
  for (auto t = 0ms; t < span; t += 100ms) {
    clock.advance(100ms);
    for (int i = 0; i < 1000 && cache.run_once(clock.now) <= clock.now; ++i) {
      largest = std::max(largest, cache.size());
    }
    largest = std::max(largest, cache.size());
  }
  return largest;
}

}  // namespace

TEST_CASE("app cache: refresh answers for apps evicted meanwhile do not take the cache past max_entries") {
  FakeAppSource cc;
  cc.add(0, 100);
  ManualClock clock;
  AppCacheOptions o;
  o.warm_up = false;
  o.cc_rps = 0;
  o.collect_window = 20ms;
  o.cc_pull_time = 2s;         // random 0.5: every entry expires after exactly 2 s
  o.refresh_window = 5s;       // expired entries wait in the refresh queue for a while ...
  o.sweep_interval = 1s;       // ... during which sweeps find the cache full and evict
  o.max_entries = 10;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);

  for (std::uint64_t i = 0; i < 9; ++i) reader.lookup(app_guid(i));
  std::size_t largest = run_for(cache, clock, 1500ms);  // found
  for (std::uint64_t i = 0; i < 9; ++i) reader.lookup(app_guid(i));  // seen since: refreshed at expiry
  largest = std::max(largest, run_for(cache, clock, 2000ms));          // expired (2.1 s), queued (3 s sweep)
  REQUIRE(cache.counters().refreshed.get() == 9);
  // New apps keep the cache full, so each sweep evicts some of the apps waiting for a refresh.
  for (std::uint64_t i = 9; i < 20; ++i) {
    reader.lookup(app_guid(i));
    largest = std::max(largest, run_for(cache, clock, 500ms));
  }
  largest = std::max(largest, run_for(cache, clock, 6s));  // the refresh batch is answered
  CHECK(cache.counters().evicted_full.get() > 0);
  CHECK(largest <= o.max_entries);
  CHECK(cache.size() <= o.max_entries);
}
