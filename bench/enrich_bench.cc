// Enrichment cost per envelope and memory per cached app.
//
// Per envelope: the enrich stage's process() for an untagged app LogMessage whose app is in the
// cache, (a) with a hot set of 1,000 apps (the per-thread front cache answers), (b) cycling over
// all 100,000 cached apps (most lookups go to the shared, sharded map), and (c) a tagged
// envelope (no lookup). The emit callback only counts.
// Memory: allocator bytes in use (mallinfo2) before and after a 100,000-app warm-up, divided by
// the apps; the warm-up's pages are freed by then, so what remains is the cache itself.
//
// Cache thread: its CPU time per second of (injected) cache time with 100,000 apps, when
// nothing is due (what the once-a-second sweep costs by itself) and while every app is
// refreshed once per 45-75 s (the sweep, plus batching, fetching from the generator, installing).
//
// Usage: bench_enrich [seconds-per-round] [rounds]   (defaults: 1 s, 5 rounds)
// Time is the thread's CPU time, so that a shared machine's other load does not count.
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "cfapi/app_cache.h"
#include "nozzle/pipeline/caching_enricher.h"

using namespace nozzle;

namespace {

constexpr std::uint64_t kApps = 100'000;

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string guid(std::uint64_t i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4000-a000-%012llx", static_cast<unsigned>(i % 50),
                static_cast<unsigned>(i % 2000), static_cast<unsigned long long>(i));
  return buf;
}

// Cloud Controller as a generator: 2,000 spaces in 50 orgs, realistic name lengths.
cfapi::CcApp generated_app(std::uint64_t i) {
  cfapi::CcApp a;
  a.guid = guid(i);
  a.name = "billing-api-" + std::to_string(i);  // 17-18 characters: past the SSO buffer
  a.space_guid = "00000000-0000-4000-9000-" + std::to_string(100000000000 + i % 2000);
  a.space_name = "space-" + std::to_string(i % 2000);
  a.org_guid = "00000000-0000-4000-8000-" + std::to_string(100000000000 + i % 50);
  a.org_name = "org-" + std::to_string(i % 50);
  return a;
}

class GeneratedSource final : public cfapi::AppSource {
 public:
  cfapi::FetchResult list_apps(const std::string& page_url) override {
    const std::uint64_t page = page_url.empty() ? 0 : std::stoull(page_url);
    cfapi::FetchResult r;
    r.status = cfapi::FetchStatus::Ok;
    for (std::uint64_t i = page * 5000; i < std::min(kApps, (page + 1) * 5000); ++i) {
      r.page.apps.push_back(generated_app(i));
    }
    if ((page + 1) * 5000 < kApps) r.page.next_url = std::to_string(page + 1);
    return r;
  }
  // Refreshes: every app still exists (its index is the guid's last 12 digits).
  cfapi::FetchResult apps_by_guid(std::span<const std::string> guids) override {
    cfapi::FetchResult r;
    r.status = cfapi::FetchStatus::Ok;
    for (const auto& g : guids) r.page.apps.push_back(generated_app(std::stoull(g.substr(24), nullptr, 16)));
    return r;
  }
};

Envelope make_log(std::uint64_t app, bool tagged) {
  Envelope e;
  e.type = EventType::LogMessage;
  e.origin = "rep";
  e.log.app_id = guid(app);
  e.log.message = std::string(200, 'x');
  e.add_tag("source_id", e.log.app_id);
  e.add_tag("instance_id", "0");
  e.add_tag("process_type", "web");
  e.add_tag("source_type", "APP/PROC/WEB");
  if (tagged) {
    e.add_tag("app_id", e.log.app_id);
    e.add_tag("app_name", "billing-api");
    e.add_tag("space_id", "s");
    e.add_tag("space_name", "production");
    e.add_tag("organization_id", "o");
    e.add_tag("organization_name", "acme");
  }
  return e;
}

// The decoder hands the enrich stage the Envelope it just filled, hot in the cache: so one
// Envelope is reused and only its app id changes (a 36-byte copy, counted in the figure).
double median_ns(CachingEnricher& enricher, Envelope& env, const std::vector<std::string>& ids, double seconds,
                 int rounds) {
  std::uint64_t sink = 0;
  const Enricher::Emit emit = [&](Envelope&, const AppInfo& a) { sink += a.app_name.size(); };
  std::vector<double> results;
  for (int r = 0; r < rounds; ++r) {
    std::uint64_t n = 0;
    const double start = thread_cpu_seconds();
    double now = start;
    while (now - start < seconds) {
      for (const auto& id : ids) {
        env.log.app_id.assign(id);
        enricher.process(env, emit);
      }
      n += ids.size();
      now = thread_cpu_seconds();
    }
    results.push_back((now - start) * 1e9 / static_cast<double>(n));
  }
  std::sort(results.begin(), results.end());
  if (sink == 0) std::puts("(nothing enriched?)");
  return results[results.size() / 2];
}

// The cache's own thread, on an injected clock stepped by one second (one sweep each) over
// `span` seconds after a 100,000-app warm-up: its CPU time per second of cache time.
double cache_thread_us_per_second(std::chrono::milliseconds pull_time, int span) {
  GeneratedSource source;
  cfapi::AppCacheOptions o;
  o.cc_rps = 0;
  o.cc_pull_time = pull_time;
  auto now = std::chrono::steady_clock::now();
  cfapi::AppCache cache(o, source, [&now] { return now; });
  while (!cache.warm()) cache.run_once(now);
  const double start = thread_cpu_seconds();
  for (int s = 0; s < span; ++s) {
    now += std::chrono::seconds(1);
    for (int i = 0; i < 10'000 && cache.run_once(now) <= now; ++i) {
    }
  }
  if (cache.size() != kApps) std::printf("(the cache lost apps: %zu)\n", cache.size());
  return (thread_cpu_seconds() - start) * 1e6 / span;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;

  GeneratedSource source;
  cfapi::AppCacheOptions o;
  o.cc_rps = 0;
  o.cc_pull_time = std::chrono::hours(24);  // nothing expires during the run
  const std::size_t before = mallinfo2().uordblks;
  auto cache = std::make_unique<cfapi::AppCache>(o, source);
  auto now = std::chrono::steady_clock::now();
  while (!cache->warm()) cache->run_once(now);
  const std::size_t after = mallinfo2().uordblks;
  if (cache->size() != kApps) {
    std::printf("warm-up gave %zu apps\n", cache->size());
    return 1;
  }

  EnrichCounters counters;
  EnrichOptions eo;
  CachingEnricher enricher(eo, *cache, counters);
  std::vector<std::string> hot, all;
  for (std::uint64_t i = 0; i < 1000; ++i) hot.push_back(guid(i * 97 % kApps));
  for (std::uint64_t i = 0; i < kApps; ++i) all.push_back(guid(i * 7919 % kApps));
  Envelope untagged = make_log(0, false);
  Envelope tagged = make_log(0, true);

  std::printf("| case | ns/envelope |\n|---|---:|\n");
  std::printf("| cache hit, 1,000 hot apps (front cache) | %.1f |\n",
              median_ns(enricher, untagged, hot, seconds, rounds));
  std::printf("(front cache misses so far: %llu)\n", static_cast<unsigned long long>(enricher.front_misses()));
  std::printf("| cache hit, cycling over 100,000 apps (shared map) | %.1f |\n",
              median_ns(enricher, untagged, all, seconds, rounds));
  std::printf("| tagged envelope (no lookup) | %.1f |\n", median_ns(enricher, tagged, hot, seconds, rounds));
  std::printf("\nmemory: %zu apps, %.1f MB allocated by the cache, %.0f bytes per app\n", cache->size(),
              static_cast<double>(after - before) / 1e6, static_cast<double>(after - before) / kApps);

  // The sweep alone (nothing is due for 24 h), then a steady refresh: with a 60 s pull time each
  // entry expires within [45 s, 75 s] and is fetched again, so 150 s hold two rounds.
  std::printf("\ncache thread, 100,000 apps: %.0f us of CPU per second with nothing due (the sweep alone)\n",
              cache_thread_us_per_second(std::chrono::hours(24), 30));
  std::printf("cache thread, 100,000 apps: %.0f us of CPU per second refreshing every app each 45-75 s\n",
              cache_thread_us_per_second(std::chrono::seconds(60), 150));
  if (counters.from_cache.get() == 0) return 1;
  return 0;
}
