// Everything the app cache is configured with. Plain data: the nozzle's config fills it from
// flags and env vars and validates it; the cache trusts it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace nozzle::cfapi {

struct AppCacheOptions {
  // --cc-pull-time / CF_PULL_TIME (firehose-to-syslog: a duration, default 60s). Each entry
  // expires after this times a random factor in [0.75, 1.25] and is then refreshed in the
  // background while its old value keeps being served, if the app was seen since its last
  // answer (from 2 s up; lookups are dated in whole seconds); a quiet app's entry is kept and
  // served, and refreshed at the first expiry after it is seen again.
  std::chrono::milliseconds cc_pull_time{60'000};
  // --missing-app-ttl (default 5 min): how long an app Cloud Controller does not know is
  // remembered as missing, so its events cost no further request.
  std::chrono::milliseconds missing_app_ttl{300'000};
  // --cc-rps / CF_RPS (default 50): Cloud Controller requests per second at most; <= 0: no limit.
  double cc_rps = 50;
  // --cache-file, alias --boltdb-path / BOLTDB_PATH: the snapshot file; "" for none.
  std::string cache_file;
  // How often the snapshot is written (also once at stop()).
  std::chrono::milliseconds snapshot_interval{300'000};
  // List every app at start (/v3/apps?per_page=5000&include=space.organization, in the
  // background). Skipped when a snapshot was loaded: that is what the snapshot is for.
  bool warm_up = true;

  // Memory bound: at most this many apps (known, missing or pending). When full, the apps not
  // seen for longest are evicted by the next sweep, and new apps go unenriched until then.
  std::size_t max_entries = 500'000;
  // An app whose events have not been seen for this long is evicted instead of refreshed.
  std::chrono::milliseconds idle_eviction{30 * 60'000};

  // Misses are gathered this long (or until max_batch) into one /v3/apps?guids=... request.
  std::chrono::milliseconds collect_window{20};
  // Due refreshes are gathered this long (or until max_batch): they are not urgent.
  std::chrono::milliseconds refresh_window{1'000};
  // Guids per request: 100 keep the URL near 4 KB, under every router's limit.
  std::size_t max_batch = 100;
  // Backoff after 5xx and transport errors (and a 429 without Retry-After).
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  // How often expiry and eviction are checked, and retired entries freed.
  std::chrono::milliseconds sweep_interval{1'000};
};

}  // namespace nozzle::cfapi
