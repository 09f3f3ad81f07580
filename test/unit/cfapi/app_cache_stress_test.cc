// The app cache from several threads at once, with its own thread running: lookups, misses,
// refreshes, missing apps, evictions and snapshot writes all racing. Meant for ThreadSanitizer
// (scripts/test runs it in build-tsan/); in the other builds it checks the answers stay right.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "cfapi/app_cache.h"
#include "cfapi/app_cache_reader.h"
#include "fake_app_source.h"

using namespace std::chrono_literals;
using namespace nozzle::cfapi;
using nozzle::test::app_guid;
using nozzle::test::make_app;

namespace {

// Apps below kKnown exist; every answer renames them (app-<i>-g<n>), so refreshes replace
// entries all the time. Called on the cache's thread only.
class ChurningSource final : public AppSource {
 public:
  static constexpr std::uint64_t kKnown = 1500;
  std::atomic<std::uint64_t> calls{0};

  FetchResult list_apps(const std::string& page_url) override {
    const std::uint64_t page = page_url.empty() ? 0 : std::stoull(page_url);
    FetchResult r = answer_range(page * 500, std::min(kKnown, (page + 1) * 500));
    if ((page + 1) * 500 < kKnown) r.page.next_url = std::to_string(page + 1);
    return r;
  }
  FetchResult apps_by_guid(std::span<const std::string> guids) override {
    const auto n = calls.fetch_add(1);
    FetchResult r;
    if (n % 7 == 3) {
      r.status = FetchStatus::Failed;  // now and then a 5xx
      return r;
    }
    r.status = FetchStatus::Ok;
    for (const auto& g : guids) {
      const std::uint64_t i = std::stoull(g.substr(24), nullptr, 16);
      if (i >= kKnown) continue;
      auto a = make_app(i);
      a.name += "-g" + std::to_string(n);
      a.app_opted_out = i % 97 == 0;
      r.page.apps.push_back(std::move(a));
    }
    return r;
  }

 private:
  FetchResult answer_range(std::uint64_t from, std::uint64_t to) {
    calls.fetch_add(1);
    FetchResult r;
    r.status = FetchStatus::Ok;
    for (auto i = from; i < to; ++i) r.page.apps.push_back(make_app(i));
    return r;
  }
};

}  // namespace

TEST_CASE("app cache: lookups from several threads while the cache refreshes, evicts and snapshots") {
  ChurningSource source;
  AppCacheOptions o;
  o.warm_up = true;
  o.cc_rps = 0;
  o.cc_pull_time = 30ms;
  o.missing_app_ttl = 20ms;
  o.collect_window = 1ms;
  o.refresh_window = 1ms;
  o.sweep_interval = 5ms;
  o.backoff_initial = 1ms;
  o.backoff_max = 2ms;
  o.max_entries = 1200;  // below the apps in use: eviction and untracked misses happen too
  o.max_batch = 50;
  o.snapshot_interval = 20ms;
  o.cache_file = "/tmp/nozzle-stress-" + std::to_string(::getpid()) + ".snapshot";
  AppCache cache(o, source);
  cache.start();

  constexpr int kThreads = 4;
  std::atomic<std::uint64_t> wrong{0};
  std::atomic<std::uint64_t> found{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < kThreads; ++t) {
    readers.emplace_back([&, t] {
      AppCacheReader reader(cache, 256);  // small: slots collide and are replaced often
      std::uint64_t x = 0x9E3779B97F4A7C15ull * static_cast<std::uint64_t>(t + 1);
      // Until the cache has answered enough batches for every race to have happened many
      // times, with a cap so that a broken cache fails the checks instead of hanging.
      for (std::uint64_t n = 0; n < 3'000'000 && (n < 50'000 || source.calls.load() < 300); ++n) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const std::uint64_t i = x % 2000;
        const auto l = reader.lookup(app_guid(i));
        if (l.status == AppStatus::Found) {
          found.fetch_add(1, std::memory_order_relaxed);
          const std::string prefix = "app-" + std::to_string(i);
          if (i >= ChurningSource::kKnown || l.entry->name.compare(0, prefix.size(), prefix) != 0 ||
              l.entry->space->name != "space-" + std::to_string(i % 4) ||
              l.entry->space->org->name != "org-" + std::to_string(i % 2)) {
            wrong.fetch_add(1);
          }
        } else if (l.status == AppStatus::Missing && i < ChurningSource::kKnown) {
          wrong.fetch_add(1);
        }
      }
    });
  }
  for (auto& r : readers) r.join();
  cache.stop();
  CHECK(wrong.load() == 0);
  CHECK(found.load() > 0);
  CHECK(source.calls.load() >= 300);
  CHECK(cache.counters().refreshed.get() > 0);
  CHECK(cache.counters().missing.get() > 0);
  CHECK(cache.counters().snapshot_writes.get() > 0);
  CHECK(cache.size() <= o.max_entries);
  std::remove(o.cache_file.c_str());
}
