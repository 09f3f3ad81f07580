// The app metadata cache: app guid -> app, space and org names and the opt-out flag, filled from
// Cloud Controller in the background and shared by every firehose connection.
//
// Threads. Readers on any thread call find_or_request() / peek() through an AppCacheReader,
// which adds a per-thread front cache and is a participant of the cache's reclaimer. A lookup
// takes no lock and touches no reference count (AppTable), and never waits on the network. A
// miss inserts a Pending entry (so a guid is asked for once, however many threads see it) and
// wakes the cache's own thread, which owns everything else: it batches misses after a short
// collection window, runs the warm-up, refreshes expired entries while the old ones keep being
// served, evicts, and writes the snapshot. Entries are immutable once published; a replaced or
// evicted entry is flagged `superseded` so front caches let go of it, and is freed by the
// cache's thread once every reader has passed a quiescent point (QuiescentReclaimer).
//
// Sweeps cost what is due: expiries are kept in a schedule (ExpirySchedule), and an entry is
// refreshed, or evicted when idle or missing, when its expiry comes; only a full cache walks
// every entry (to find the least recently seen).
//
// Failures: 429 pauses requests for Retry-After; 5xx and transport errors back off (capped,
// jittered); meanwhile unavailable() is true, known names keep being served, and pending apps
// stay queued until Cloud Controller answers again.
//
// The clock and the random source are injected; tests drive run_once() by hand instead of
// start(), with a fake AppSource.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cfapi/app_cache_options.h"
#include "cfapi/app_entry.h"
#include "cfapi/app_table.h"
#include "cfapi/cc_client.h"
#include "cfapi/expiry_schedule.h"
#include "cfapi/quiescent_reclaimer.h"
#include "cfapi/rate_limiter.h"
#include "core/backoff.h"
#include "core/counter.h"

namespace nozzle::cfapi {

struct AppCacheCounters {
  Counter requests;        // Cloud Controller requests sent (warm-up pages, batches)
  Counter failures;        // of which failed (5xx, transport, refused, unreadable)
  Counter rate_limited;    // of which answered 429
  Counter apps_received;   // app records received
  Counter missing;         // apps found missing (then remembered for missing_app_ttl)
  Counter refreshed;       // apps asked for again because their entry expired
  Counter refresh_skipped;  // expired entries of apps not seen since their answer: kept, not asked for
  Counter evicted_idle;    // not seen for idle_eviction
  Counter evicted_full;    // evicted because max_entries was reached
  Counter untracked;       // misses not tracked because the cache was full
  Counter snapshot_writes;
  Counter snapshot_errors;
  Gauge entries;           // entries now (known, missing and pending)
};

class AppCache {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Clock = std::function<TimePoint()>;

  AppCache(AppCacheOptions options, AppSource& source, Clock clock = std::chrono::steady_clock::now,
           Backoff::Random random = Backoff::system_random());
  ~AppCache();
  AppCache(const AppCache&) = delete;
  AppCache& operator=(const AppCache&) = delete;

  // Loads the snapshot (when configured), then starts the cache's thread. The stream need not
  // wait for anything: lookups work at once.
  void start();
  // Stops the thread (waiting for a request in flight, at most its timeout), then writes the
  // snapshot. Idempotent.
  void stop();

  // --- readers: participants of reclaimer() (AppCacheReader), or the cache's own thread -------
  // An entry returned is valid until the caller's next quiescent point.
  //
  // The entry of `key`; on a miss a Pending entry is created and the guid queued for a lookup.
  // Null: not tracked (the cache is full).
  const AppEntry* find_or_request(const GuidKey& key);
  // The entry of `key`, or null; never queues a lookup.
  [[nodiscard]] const AppEntry* peek(const GuidKey& key) const { return table_.find(key); }
  QuiescentReclaimer& reclaimer() { return reclaimer_; }
  // Cloud Controller is failing or has asked us to wait: pending apps will not be answered soon.
  [[nodiscard]] bool unavailable() const { return unavailable_.load(std::memory_order_relaxed); }
  // Seconds since the cache was made; what AppEntry::seen holds.
  [[nodiscard]] std::uint32_t epoch() const { return epoch_.load(std::memory_order_relaxed); }
  // The warm-up is over (done, off, or replaced by a snapshot).
  [[nodiscard]] bool warm() const { return warm_.load(std::memory_order_acquire); }
  // Some known app opted out: only then do tagged envelopes need a peek at the cache.
  [[nodiscard]] bool has_opted_out() const { return opted_out_known_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t size() const { return table_.size(); }
  // "", "absent", "loaded N apps" or "ignored: <why>" after start() / load_snapshot().
  [[nodiscard]] std::string snapshot_status() const;
  AppCacheCounters& counters() { return counters_; }
  [[nodiscard]] const AppCacheOptions& options() const { return options_; }

  // --- the cache's thread; public so that tests can drive it by hand ---------------------------
  // Takes in misses, sweeps, writes the snapshot when due, and sends at most one request.
  // Returns when it wants to run next (earlier if a miss arrives).
  TimePoint run_once(TimePoint now);
  // Reads the snapshot file (start() does this). Returns the apps loaded.
  std::size_t load_snapshot();
  // Writes the snapshot file now. False (and logged) on failure or when no file is configured.
  bool write_snapshot();

 private:
  // Cache thread only.
  // Adds or replaces the app's entry; a new entry only while the cache holds fewer than
  // max_entries.
  void install(const CcApp& app, TimePoint now);
  void install_missing(const GuidKey& key, TimePoint now);
  void publish(std::unique_ptr<AppEntry> entry);
  std::shared_ptr<const SpaceInfo> intern(const CcApp& app);
  std::chrono::steady_clock::duration jittered_pull_time();
  void sweep(TimePoint now);
  void evict_least_seen(std::size_t target);
  void rebuild_schedule();
  void fetch_guids(std::vector<GuidKey>& queue, TimePoint& since, bool refresh, TimePoint now);
  void fetch_warm_page(TimePoint now);
  void on_failure(const FetchResult& result, TimePoint now, const char* what);
  void run_thread();

  AppCacheOptions options_;
  AppSource& source_;
  Clock clock_;
  Backoff::Random random_;
  TimePoint start_;

  // Declared before the table: retired entries outlive it, and both outlive every reader.
  QuiescentReclaimer reclaimer_;
  AppTable table_;
  std::atomic<std::uint32_t> epoch_{0};
  std::atomic<bool> unavailable_{false};
  std::atomic<bool> warm_{false};
  std::atomic<bool> opted_out_known_{false};
  AppCacheCounters counters_;

  // Misses handed from readers to the cache's thread.
  std::mutex incoming_mutex_;
  std::condition_variable wake_;
  std::vector<GuidKey> incoming_;
  bool stopping_ = false;  // guarded by incoming_mutex_

  // The cache's thread only.
  std::vector<GuidKey> misses_;
  TimePoint misses_since_{};
  std::vector<GuidKey> refreshes_;
  std::unordered_set<GuidKey, GuidKeyHash> refresh_queued_;
  TimePoint refreshes_since_{};
  enum class Warm { Off, Pending, Running, Done } warm_state_;
  std::string warm_next_;
  std::size_t warm_apps_ = 0;
  std::size_t warm_requests_ = 0;
  // While the warm-up runs, miss batches and warm-up pages take turns: misses alone would
  // starve it on a busy firehose, and a page of 5000 apps answers more misses than a batch.
  bool warm_turn_ = false;
  TimePoint pause_until_{};
  Backoff backoff_;
  RateLimiter limiter_;
  ExpirySchedule schedule_;  // expiries of Found and Missing entries
  TimePoint next_sweep_{};
  TimePoint next_snapshot_{};
  std::unordered_map<std::string, std::shared_ptr<const SpaceInfo>> spaces_;
  std::unordered_map<std::string, std::shared_ptr<const OrgInfo>> orgs_;

  mutable std::mutex status_mutex_;
  std::string snapshot_status_;

  std::thread thread_;
  bool stopped_ = false;
};

}  // namespace nozzle::cfapi
