// The app cache driven by hand: a fake Cloud Controller, a manual clock, run_once() as the
// cache's thread. No threads, no sleeps.
#include <doctest/doctest.h>

#include <set>

#include "cfapi/app_cache.h"
#include "cfapi/app_cache_reader.h"
#include "fake_app_source.h"

using namespace std::chrono_literals;
using namespace nozzle;
using namespace nozzle::cfapi;
using nozzle::test::app_guid;
using nozzle::test::FakeAppSource;
using nozzle::test::ManualClock;

namespace {

AppCacheOptions quick_options() {
  AppCacheOptions o;
  o.warm_up = false;
  o.cc_rps = 0;
  o.collect_window = 20ms;
  o.cc_pull_time = 60s;
  o.missing_app_ttl = 300s;
  o.sweep_interval = 1s;
  o.backoff_initial = 500ms;
  o.backoff_max = 8s;
  return o;
}

// Runs the cache's loop at the current time until it has nothing more to do right now.
void drive(AppCache& cache, ManualClock& clock) {
  for (int i = 0; i < 1000 && cache.run_once(clock.now) <= clock.now; ++i) {
  }
}

// Advances time in small steps, running the cache at each, like its thread would.
void run_for(AppCache& cache, ManualClock& clock, std::chrono::milliseconds span, std::chrono::milliseconds step = 10ms) {
  for (auto t = 0ms; t < span; t += step) {
    clock.advance(step);
    drive(cache, clock);
  }
}

}  // namespace

TEST_CASE("app cache: a miss is pending, then found after one batched request") {
  FakeAppSource cc;
  cc.add(0, 10);
  ManualClock clock;
  AppCache cache(quick_options(), cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);

  CHECK(reader.lookup(app_guid(3)).status == AppStatus::Pending);
  CHECK(reader.lookup(app_guid(3)).status == AppStatus::Pending);  // coalesced
  drive(cache, clock);
  CHECK(cc.calls() == 0);  // still inside the collection window
  run_for(cache, clock, 30ms);
  REQUIRE(cc.by_guid_calls.size() == 1);
  CHECK(cc.by_guid_calls[0] == std::vector<std::string>{app_guid(3)});
  const auto found = reader.lookup(app_guid(3));
  REQUIRE(found.status == AppStatus::Found);
  CHECK(found.entry->name == "app-3");
  CHECK(found.entry->space->name == "space-3");
  CHECK(found.entry->space->org->name == "org-1");
  CHECK(found.entry->space->org->guid == "00000001-0000-4000-8000-000000000000");
}

TEST_CASE("app cache: misses from many readers are coalesced and batched by max_batch") {
  FakeAppSource cc;
  cc.add(0, 250);
  ManualClock clock;
  AppCache cache(quick_options(), cc, clock.fn(), [] { return 0.5; });
  AppCacheReader a(cache), b(cache);
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t i = 0; i < 250; ++i) {
      a.lookup(app_guid(i));
      b.lookup(app_guid(249 - i));
    }
  }
  run_for(cache, clock, 50ms);
  REQUIRE(cc.by_guid_calls.size() == 3);  // 100 + 100 + 50
  std::set<std::string> asked;
  for (const auto& call : cc.by_guid_calls) {
    CHECK(call.size() <= 100);
    asked.insert(call.begin(), call.end());
  }
  CHECK(asked.size() == 250);
  for (std::uint64_t i = 0; i < 250; ++i) CHECK(a.lookup(app_guid(i)).status == AppStatus::Found);
}

TEST_CASE("app cache: an app Cloud Controller does not know costs one request per missing-app TTL") {
  FakeAppSource cc;
  ManualClock clock;
  auto o = quick_options();
  o.missing_app_ttl = 10s;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  reader.lookup(app_guid(7));
  run_for(cache, clock, 50ms);
  CHECK(reader.lookup(app_guid(7)).status == AppStatus::Missing);
  CHECK(cache.counters().missing.get() == 1);
  for (int s = 0; s < 9; ++s) {
    run_for(cache, clock, 1000ms, 100ms);
    CHECK(reader.lookup(app_guid(7)).status == AppStatus::Missing);
  }
  CHECK(cc.by_guid_calls.size() == 1);
  run_for(cache, clock, 2000ms, 100ms);  // past the TTL: forgotten, asked again on the next event
  CHECK(reader.lookup(app_guid(7)).status == AppStatus::Pending);
  run_for(cache, clock, 50ms);
  CHECK(cc.by_guid_calls.size() == 2);
}

TEST_CASE("app cache: an expired entry is refreshed in the background while its old names are served") {
  FakeAppSource cc;
  cc.add(0, 5);
  ManualClock clock;
  auto o = quick_options();
  o.cc_pull_time = 10s;
  o.refresh_window = 1s;
  double r = 0.5;
  AppCache cache(o, cc, clock.fn(), [&] { return r; });
  AppCacheReader reader(cache);
  reader.lookup(app_guid(1));
  run_for(cache, clock, 50ms);
  REQUIRE(reader.lookup(app_guid(1)).status == AppStatus::Found);
  cc.apps[app_guid(1)].name = "app-1-r1";

  run_for(cache, clock, 5000ms, 100ms);
  reader.lookup(app_guid(1));            // seen since its answer: refreshed when it expires
  run_for(cache, clock, 4500ms, 100ms);  // factor 1.0: expires at 10 s
  CHECK(cc.by_guid_calls.size() == 1);
  run_for(cache, clock, 1000ms, 100ms);  // expired, queued; the refresh window has not passed
  CHECK(reader.lookup(app_guid(1)).entry->name == "app-1");
  run_for(cache, clock, 1500ms, 100ms);
  CHECK(cc.by_guid_calls.size() == 2);
  CHECK(cache.counters().refreshed.get() == 1);
  CHECK(reader.lookup(app_guid(1)).entry->name == "app-1-r1");  // the front cache let go of the old one
}

TEST_CASE("app cache: an app not seen since its answer is not asked for again until it is seen") {
  FakeAppSource cc;
  cc.add(0, 3);
  ManualClock clock;
  auto o = quick_options();
  o.cc_pull_time = 10s;
  o.idle_eviction = 600s;
  o.refresh_window = 0ms;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });  // factor 1.0: every expiry after 10 s
  AppCacheReader reader(cache);
  for (int i = 0; i < 3; ++i) reader.lookup(app_guid(i));
  run_for(cache, clock, 50ms);
  REQUIRE(cc.by_guid_calls.size() == 1);
  // 45 s: app 0 logs every second; apps 1 and 2 have gone quiet.
  for (int s = 0; s < 45; ++s) {
    reader.lookup(app_guid(0));
    run_for(cache, clock, 1000ms, 100ms);
  }
  const auto asked = [&](int app) {
    std::size_t n = 0;
    for (const auto& call : cc.by_guid_calls) n += std::count(call.begin(), call.end(), app_guid(app));
    return n;
  };
  CHECK(asked(0) == 5);  // the first answer and a refresh about every 10 s
  CHECK(asked(1) == 1);  // only the first answer
  CHECK(asked(2) == 1);
  CHECK(cache.counters().refresh_skipped.get() == 8);  // apps 1 and 2, at each of their 4 expiries
  // The quiet apps are still served, from their first answer, with no request.
  CHECK(reader.lookup(app_guid(1)).status == AppStatus::Found);
  CHECK(reader.lookup(app_guid(1)).entry->name == "app-1");
  // App 1 logs again (the lookup above marked it seen): its next expiry (about 10 s after the
  // last skip) refreshes it.
  cc.apps[app_guid(1)].name = "app-1-renamed";
  run_for(cache, clock, 11000ms, 100ms);
  CHECK(asked(1) == 2);
  CHECK(asked(2) == 1);
  CHECK(reader.lookup(app_guid(1)).entry->name == "app-1-renamed");
}

TEST_CASE("app cache: expiry is jittered within [0.75, 1.25] of the pull time") {
  for (const double r : {0.0, 0.999}) {
    FakeAppSource cc;
    cc.add(0, 1);
    ManualClock clock;
    auto o = quick_options();
    o.cc_pull_time = 40s;
    o.refresh_window = 0ms;
    o.sweep_interval = 100ms;
    AppCache cache(o, cc, clock.fn(), [&] { return r; });
    AppCacheReader reader(cache);
    reader.lookup(app_guid(0));
    run_for(cache, clock, 50ms);
    const auto expiry = std::chrono::duration_cast<std::chrono::milliseconds>(40s * (0.75 + 0.5 * r));
    CHECK(expiry >= 30s);
    CHECK(expiry <= 50s);
    run_for(cache, clock, expiry - 500ms, 100ms);
    CHECK(cc.by_guid_calls.size() == 1);
    reader.lookup(app_guid(0));  // seen: refreshed rather than evicted
    run_for(cache, clock, 1500ms, 100ms);
    CHECK(cc.by_guid_calls.size() == 2);
  }
}

TEST_CASE("app cache: 429 Retry-After pauses every request for that long") {
  FakeAppSource cc;
  cc.add(0, 5);
  cc.failures.push_back(FakeAppSource::failure(FetchStatus::RateLimited, 2));
  ManualClock clock;
  AppCache cache(quick_options(), cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  reader.lookup(app_guid(1));
  run_for(cache, clock, 30ms);
  REQUIRE(cc.by_guid_calls.size() == 1);
  CHECK(cache.unavailable());
  CHECK(reader.lookup(app_guid(1)).status == AppStatus::Unavailable);
  CHECK(cache.counters().rate_limited.get() == 1);
  reader.lookup(app_guid(2));
  run_for(cache, clock, 1950ms);
  CHECK(cc.by_guid_calls.size() == 1);
  run_for(cache, clock, 100ms);
  REQUIRE(cc.by_guid_calls.size() == 2);
  CHECK(cc.by_guid_calls[1].size() == 2);  // the failed guid again, with the one that came meanwhile
  CHECK_FALSE(cache.unavailable());
  CHECK(reader.lookup(app_guid(1)).status == AppStatus::Found);
}

TEST_CASE("app cache: 5xx backs off, known names keep being served, pending apps are answered once back") {
  FakeAppSource cc;
  cc.add(0, 5);
  ManualClock clock;
  auto o = quick_options();
  o.cc_pull_time = 2s;
  o.refresh_window = 0ms;
  o.sweep_interval = 100ms;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  reader.lookup(app_guid(1));
  run_for(cache, clock, 50ms);
  REQUIRE(reader.lookup(app_guid(1)).status == AppStatus::Found);
  for (int i = 0; i < 4; ++i) cc.failures.push_back(FakeAppSource::failure(FetchStatus::Failed));
  reader.lookup(app_guid(2));
  run_for(cache, clock, 50ms);
  CHECK(cache.unavailable());
  // Backoff (r = 0.5: 0.75 of the base): 375 ms, 750 ms, 1.5 s, 3 s between the attempts.
  std::vector<std::size_t> calls;
  for (int step = 0; step < 70; ++step) {
    run_for(cache, clock, 100ms, 10ms);
    reader.lookup(app_guid(1));
    CHECK(reader.lookup(app_guid(1)).status == AppStatus::Found);  // last known names while down
    calls.push_back(cc.by_guid_calls.size());
  }
  CHECK(calls[2] == 2);   // first retry after 375 ms
  CHECK(calls[9] <= 4);
  CHECK(reader.lookup(app_guid(2)).status == AppStatus::Found);
  CHECK_FALSE(cache.unavailable());
  CHECK(cache.counters().failures.get() == 4);
}

TEST_CASE("app cache: --cc-rps spaces requests") {
  FakeAppSource cc;
  cc.add(0, 300);
  ManualClock clock;
  auto o = quick_options();
  o.cc_rps = 10;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  for (std::uint64_t i = 0; i < 300; ++i) reader.lookup(app_guid(i));
  run_for(cache, clock, 30ms);  // a full batch goes at once (t = 10 ms)
  CHECK(cc.by_guid_calls.size() == 1);
  run_for(cache, clock, 70ms);
  CHECK(cc.by_guid_calls.size() == 1);
  run_for(cache, clock, 10ms);  // t = 110 ms
  CHECK(cc.by_guid_calls.size() == 2);
  run_for(cache, clock, 100ms);
  CHECK(cc.by_guid_calls.size() == 3);
}

TEST_CASE("app cache: warm-up lists every app by pages of 5000 and then needs no request per lookup") {
  FakeAppSource cc;
  cc.add(0, 12000);
  ManualClock clock;
  auto o = quick_options();
  o.warm_up = true;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  CHECK_FALSE(cache.warm());
  run_for(cache, clock, 50ms);
  CHECK(cache.warm());
  CHECK(cc.list_calls == std::vector<std::string>{"", "1", "2"});
  AppCacheReader reader(cache);
  for (std::uint64_t i = 0; i < 12000; i += 7) CHECK(reader.lookup(app_guid(i)).status == AppStatus::Found);
  run_for(cache, clock, 50ms);
  CHECK(cc.calls() == 3);
}

TEST_CASE("app cache: a steady stream of misses does not starve the warm-up") {
  FakeAppSource cc;
  cc.add(0, 20000);
  ManualClock clock;
  auto o = quick_options();
  o.warm_up = true;
  o.cc_rps = 100;  // one request per 10 ms
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  // Each 10 ms, a full batch of apps not seen before misses.
  std::uint64_t next = 0;
  for (int step = 0; step < 20 && !cache.warm(); ++step) {
    for (std::size_t i = 0; i < o.max_batch; ++i) reader.lookup(app_guid(19999 - next++));
    clock.advance(10ms);
    drive(cache, clock);
  }
  // Four pages of 5000 with miss batches in between: warm within 8 requests, not after 200.
  CHECK(cache.warm());
  CHECK(cc.list_calls.size() == 4);
  CHECK(cc.by_guid_calls.size() >= 3);
}

TEST_CASE("app cache: bounded entries, the least recently seen go first") {
  FakeAppSource cc;
  cc.add(0, 100);
  ManualClock clock;
  auto o = quick_options();
  o.max_entries = 20;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  for (std::uint64_t i = 0; i < 20; ++i) {
    reader.lookup(app_guid(i));
    if (i < 19) run_for(cache, clock, 1000ms, 100ms);  // one app per second: distinct seen times
  }
  CHECK(cache.size() == 20);
  CHECK(reader.lookup(app_guid(50)).status == AppStatus::Untracked);
  CHECK(cache.counters().untracked.get() == 1);
  run_for(cache, clock, 1000ms, 100ms);  // the sweep evicts down to 90 %
  CHECK(cache.size() == 18);
  CHECK(cache.counters().evicted_full.get() == 2);
  CHECK(cache.peek(*GuidKey::parse(app_guid(0))) == nullptr);
  CHECK(cache.peek(*GuidKey::parse(app_guid(19))) != nullptr);
}

TEST_CASE("app cache: an app not seen for the idle time is evicted instead of refreshed") {
  FakeAppSource cc;
  cc.add(0, 2);
  ManualClock clock;
  auto o = quick_options();
  o.cc_pull_time = 10s;
  o.idle_eviction = 20s;
  o.refresh_window = 0ms;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  reader.lookup(app_guid(0));
  reader.lookup(app_guid(1));
  run_for(cache, clock, 50ms);
  for (int s = 0; s < 35; ++s) {
    reader.lookup(app_guid(0));  // app 0 keeps logging, app 1 went quiet
    run_for(cache, clock, 1000ms, 100ms);
  }
  CHECK(cache.counters().evicted_idle.get() == 1);
  CHECK(cache.peek(*GuidKey::parse(app_guid(1))) == nullptr);
  CHECK(cache.peek(*GuidKey::parse(app_guid(0))) != nullptr);
}

TEST_CASE("app cache: opt-out on the app, its space or its org") {
  FakeAppSource cc;
  cc.add(0, 4);
  cc.apps[app_guid(1)].app_opted_out = true;
  cc.apps[app_guid(2)].space_opted_out = true;
  cc.apps[app_guid(3)].org_opted_out = true;
  ManualClock clock;
  AppCache cache(quick_options(), cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  CHECK_FALSE(cache.has_opted_out());
  for (int i = 0; i < 4; ++i) reader.lookup(app_guid(i));
  run_for(cache, clock, 50ms);
  CHECK_FALSE(reader.lookup(app_guid(0)).entry->opted_out);
  CHECK(reader.lookup(app_guid(1)).entry->opted_out);
  CHECK(reader.lookup(app_guid(2)).entry->opted_out);
  CHECK(reader.lookup(app_guid(3)).entry->opted_out);
  CHECK(cache.has_opted_out());
}

TEST_CASE("app cache: not a guid is invalid and asks nothing") {
  FakeAppSource cc;
  ManualClock clock;
  AppCache cache(quick_options(), cc, clock.fn(), [] { return 0.5; });
  AppCacheReader reader(cache);
  CHECK(reader.lookup("not-a-guid").status == AppStatus::Invalid);
  CHECK(reader.lookup("00000000-0000-4000-a000-00000000000g").status == AppStatus::Invalid);
  run_for(cache, clock, 50ms);
  CHECK(cc.calls() == 0);
  CHECK(reader.lookup("0000000A-0000-4000-A000-00000000000B").status == AppStatus::Pending);
  run_for(cache, clock, 50ms);
  REQUIRE(cc.by_guid_calls.size() == 1);
  CHECK(cc.by_guid_calls[0][0] == "0000000a-0000-4000-a000-00000000000b");  // canonical
}
