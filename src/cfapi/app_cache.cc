// The app cache's maps: lookups (any thread), and installing, sweeping, evicting and
// snapshotting entries (the cache's thread). Fetch scheduling is in app_cache_fetch.cc.
#include "cfapi/app_cache.h"

#include <algorithm>
#include <bit>

#include "cfapi/app_snapshot.h"
#include "core/log.h"

namespace nozzle::cfapi {

using std::chrono::duration_cast;
using std::chrono::nanoseconds;

namespace {

std::int64_t ns_of(AppCache::TimePoint t) { return duration_cast<nanoseconds>(t.time_since_epoch()).count(); }

}  // namespace

AppCache::AppCache(AppCacheOptions options, AppSource& source, Clock clock, Backoff::Random random)
    : options_(std::move(options)),
      source_(source),
      clock_(std::move(clock)),
      random_(random),
      start_(clock_()),
      warm_state_(options_.warm_up ? Warm::Pending : Warm::Off),
      backoff_(duration_cast<Backoff::Duration>(options_.backoff_initial),
               duration_cast<Backoff::Duration>(options_.backoff_max), random),
      limiter_(options_.cc_rps) {
  const std::size_t n = std::bit_ceil(std::max<std::size_t>(1, options_.shards));
  shards_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
  warm_.store(!options_.warm_up, std::memory_order_release);
  next_sweep_ = start_ + options_.sweep_interval;
  next_snapshot_ = start_ + options_.snapshot_interval;
}

AppCache::~AppCache() { stop(); }

AppCache::Shard& AppCache::shard_of(const GuidKey& key) const {
  return *shards_[(GuidKeyHash{}(key) >> 40) & (shards_.size() - 1)];
}

AppCache::Found AppCache::find_or_request(const GuidKey& key) {
  Shard& s = shard_of(key);
  {
    std::shared_lock lock(s.mutex);
    if (auto it = s.map.find(key); it != s.map.end()) return {it->second};
  }
  std::shared_ptr<const AppEntry> pending;
  {
    std::unique_lock lock(s.mutex);
    if (auto it = s.map.find(key); it != s.map.end()) return {it->second};
    if (size_.load(std::memory_order_relaxed) >= options_.max_entries) {
      counters_.untracked.add();
      return {nullptr};
    }
    auto e = std::make_shared<AppEntry>();
    e->created = epoch();
    e->seen.store(e->created, std::memory_order_relaxed);
    pending = e;
    s.map.emplace(key, pending);
    size_.fetch_add(1, std::memory_order_relaxed);
    counters_.entries.add(1);
  }
  {
    std::lock_guard lock(incoming_mutex_);
    incoming_.push_back(key);
  }
  wake_.notify_one();
  return {pending};
}

std::shared_ptr<const AppEntry> AppCache::peek(const GuidKey& key) const {
  const Shard& s = shard_of(key);
  std::shared_lock lock(s.mutex);
  const auto it = s.map.find(key);
  return it == s.map.end() ? nullptr : it->second;
}

std::string AppCache::snapshot_status() const {
  std::lock_guard lock(status_mutex_);
  return snapshot_status_;
}

std::chrono::steady_clock::duration AppCache::jittered_pull_time() {
  const double factor = 0.75 + 0.5 * random_();
  return duration_cast<std::chrono::steady_clock::duration>(options_.cc_pull_time * factor);
}

std::shared_ptr<const SpaceInfo> AppCache::intern(const CcApp& app) {
  auto& org = orgs_[app.org_guid];
  if (!org || org->name != app.org_name || org->opted_out != app.org_opted_out) {
    org = std::make_shared<const OrgInfo>(OrgInfo{app.org_guid, app.org_name, app.org_opted_out});
  }
  auto& space = spaces_[app.space_guid];
  if (!space || space->name != app.space_name || space->opted_out != app.space_opted_out || space->org != org) {
    space = std::make_shared<const SpaceInfo>(SpaceInfo{app.space_guid, app.space_name, app.space_opted_out, org});
  }
  return space;
}

void AppCache::publish(const GuidKey& key, std::shared_ptr<AppEntry> entry, bool only_if_room) {
  Shard& s = shard_of(key);
  std::shared_ptr<const AppEntry> old;
  {
    std::unique_lock lock(s.mutex);
    auto it = s.map.find(key);
    if (it == s.map.end()) {
      if (only_if_room && size_.load(std::memory_order_relaxed) >= options_.max_entries) return;
      s.map.emplace(key, std::move(entry));
      size_.fetch_add(1, std::memory_order_relaxed);
      counters_.entries.add(1);
      return;
    }
    // The app keeps its last-seen time across refreshes: eviction is about its events.
    entry->seen.store(it->second->seen.load(std::memory_order_relaxed), std::memory_order_relaxed);
    old = std::exchange(it->second, std::move(entry));
  }
  old->superseded.store(true, std::memory_order_release);
}

void AppCache::install(const CcApp& app, TimePoint now, bool only_if_room) {
  const auto key = GuidKey::parse(app.guid);
  if (!key) return;
  auto e = std::make_shared<AppEntry>();
  e->state = AppState::Found;
  e->name = app.name;
  e->space = intern(app);
  e->opted_out = app.app_opted_out || app.space_opted_out || app.org_opted_out;
  e->created = epoch();
  e->seen.store(e->created, std::memory_order_relaxed);
  e->expires_ns = ns_of(now + jittered_pull_time());
  if (e->opted_out) opted_out_known_.store(true, std::memory_order_relaxed);
  publish(*key, std::move(e), only_if_room);
}

void AppCache::install_missing(const GuidKey& key, TimePoint now) {
  auto e = std::make_shared<AppEntry>();
  e->state = AppState::Missing;
  e->created = epoch();
  e->seen.store(e->created, std::memory_order_relaxed);
  e->expires_ns = ns_of(now + options_.missing_app_ttl);
  counters_.missing.add();
  publish(key, std::move(e), false);
}

void AppCache::sweep(TimePoint now) {
  const std::int64_t now_ns = ns_of(now);
  const auto idle = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(options_.idle_eviction).count());
  const std::uint32_t current = epoch();
  std::vector<std::pair<GuidKey, std::shared_ptr<const AppEntry>>> drop;
  for (auto& sp : shards_) {
    Shard& s = *sp;
    drop.clear();
    {
      std::shared_lock lock(s.mutex);
      for (const auto& [key, e] : s.map) {
        if (e->state == AppState::Pending || e->expires_ns > now_ns) continue;
        const std::uint32_t seen = e->seen.load(std::memory_order_relaxed);
        if (e->state == AppState::Found && current - std::min(seen, current) < idle) {
          if (refresh_queued_.insert(key).second) {
            if (refreshes_.empty()) refreshes_since_ = now;
            refreshes_.push_back(key);
            counters_.refreshed.add();
          }
          continue;  // the old value is served until the refresh lands
        }
        drop.emplace_back(key, e);  // missing past its TTL, or idle
        if (e->state == AppState::Found) counters_.evicted_idle.add();
      }
    }
    if (drop.empty()) continue;
    std::unique_lock lock(s.mutex);
    for (const auto& [key, e] : drop) {
      auto it = s.map.find(key);
      if (it == s.map.end() || it->second != e) continue;  // replaced since
      s.map.erase(it);
      e->superseded.store(true, std::memory_order_release);
      size_.fetch_sub(1, std::memory_order_relaxed);
      counters_.entries.add(-1);
    }
  }
  if (size() >= options_.max_entries) evict_least_seen(options_.max_entries - options_.max_entries / 10);
  // Spaces and orgs no entry uses any more.
  std::erase_if(spaces_, [](const auto& kv) { return kv.second.use_count() == 1; });
  std::erase_if(orgs_, [](const auto& kv) { return kv.second.use_count() == 1; });
}

void AppCache::evict_least_seen(std::size_t target) {
  std::vector<std::uint32_t> seen;
  seen.reserve(size());
  for (auto& sp : shards_) {
    std::shared_lock lock(sp->mutex);
    for (const auto& [key, e] : sp->map) {
      if (e->state != AppState::Pending) seen.push_back(e->seen.load(std::memory_order_relaxed));
    }
  }
  const std::size_t excess = size() > target ? size() - target : 0;
  if (excess == 0 || seen.empty()) return;
  const std::size_t nth = std::min(excess, seen.size()) - 1;
  std::nth_element(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(nth), seen.end());
  const std::uint32_t cutoff = seen[nth];
  std::size_t evicted = 0;
  for (auto& sp : shards_) {
    std::unique_lock lock(sp->mutex);
    for (auto it = sp->map.begin(); it != sp->map.end() && evicted < excess;) {
      const auto& e = it->second;
      if (e->state != AppState::Pending && e->seen.load(std::memory_order_relaxed) <= cutoff) {
        e->superseded.store(true, std::memory_order_release);
        it = sp->map.erase(it);
        ++evicted;
        size_.fetch_sub(1, std::memory_order_relaxed);
        counters_.entries.add(-1);
      } else {
        ++it;
      }
    }
  }
  counters_.evicted_full.add(evicted);
}

bool AppCache::write_snapshot() {
  if (options_.cache_file.empty()) return false;
  std::vector<CcApp> apps;
  apps.reserve(size());
  for (auto& sp : shards_) {
    std::shared_lock lock(sp->mutex);
    for (const auto& [key, e] : sp->map) {
      if (e->state != AppState::Found) continue;
      const SpaceInfo& space = *e->space;
      apps.push_back(CcApp{key.text(), e->name, space.guid, space.name, space.org->guid, space.org->name,
                           e->opted_out && !space.opted_out && !space.org->opted_out, space.opted_out,
                           space.org->opted_out});
    }
  }
  const auto written = write_snapshot_file(options_.cache_file, format_snapshot(apps));
  if (!written) {
    counters_.snapshot_errors.add();
    log::write_limited("app_cache.snapshot", std::chrono::minutes(5), log::Level::Warn,
                       "app cache snapshot not written", {{"error", written.error()}});
    return false;
  }
  counters_.snapshot_writes.add();
  return true;
}

std::size_t AppCache::load_snapshot() {
  if (options_.cache_file.empty()) return 0;
  auto loaded = load_snapshot_file(options_.cache_file);
  std::string status;
  std::size_t count = 0;
  if (!loaded) {
    status = "ignored: " + loaded.error();
    log::warn("app cache snapshot ignored", {{"file", options_.cache_file}, {"error", loaded.error()}});
  } else if (loaded->absent) {
    status = "absent";
  } else {
    const TimePoint now = clock_();
    for (const auto& app : loaded->apps) install(app, now, true);
    count = loaded->apps.size();
    status = "loaded " + std::to_string(count) + " apps";
    const std::string n = std::to_string(count);
    log::info("app cache snapshot loaded", {{"file", options_.cache_file}, {"apps", n}});
    if (count > 0 && warm_state_ == Warm::Pending) {
      warm_state_ = Warm::Off;  // the snapshot is the warm-up; entries refresh as they expire
      warm_.store(true, std::memory_order_release);
    }
  }
  std::lock_guard lock(status_mutex_);
  snapshot_status_ = std::move(status);
  return count;
}

}  // namespace nozzle::cfapi
