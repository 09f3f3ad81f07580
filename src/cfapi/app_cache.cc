// The app cache's entries: lookups (any thread), and installing, sweeping, evicting and
// snapshotting entries (the cache's thread). Fetch scheduling is in app_cache_fetch.cc.
#include "cfapi/app_cache.h"

#include <algorithm>

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
      random_(std::move(random)),
      start_(clock_()),
      table_(reclaimer_),
      warm_state_(options_.warm_up ? Warm::Pending : Warm::Off),
      backoff_(duration_cast<Backoff::Duration>(options_.backoff_initial),
               duration_cast<Backoff::Duration>(options_.backoff_max), random_),
      limiter_(options_.cc_rps) {
  warm_.store(!options_.warm_up, std::memory_order_release);
  next_sweep_ = start_ + options_.sweep_interval;
  next_snapshot_ = start_ + options_.snapshot_interval;
}

AppCache::~AppCache() { stop(); }

const AppEntry* AppCache::find_or_request(const GuidKey& key) {
  if (const AppEntry* e = table_.find(key)) return e;
  auto pending = std::make_unique<AppEntry>();
  pending->key = key;
  pending->seen.store(epoch(), std::memory_order_relaxed);
  const auto [e, added] = table_.insert(std::move(pending), options_.max_entries);
  if (e == nullptr) {
    counters_.untracked.add();
    return nullptr;
  }
  if (!added) return e;  // another reader asked for it meanwhile
  counters_.entries.add(1);
  {
    std::lock_guard lock(incoming_mutex_);
    incoming_.push_back(key);
  }
  wake_.notify_one();
  return e;
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
  if (!org || org->name != app.org_name || org->opted_out != app.org_opted_out || org->labels != app.org_labels) {
    org = std::make_shared<const OrgInfo>(OrgInfo{app.org_guid, app.org_name, app.org_opted_out, app.org_labels});
  }
  auto& space = spaces_[app.space_guid];
  if (!space || space->name != app.space_name || space->opted_out != app.space_opted_out || space->org != org ||
      space->labels != app.space_labels) {
    space = std::make_shared<const SpaceInfo>(
        SpaceInfo{app.space_guid, app.space_name, app.space_opted_out, org, app.space_labels});
  }
  return space;
}

void AppCache::publish(std::unique_ptr<AppEntry> entry) {
  const GuidKey key = entry->key;
  const std::int64_t expires = entry->expires_ns;
  // Bounded for every writer: an answer to a miss replaces the app's Pending entry (which no
  // sweep removes), so the bound never costs it; an answer for an app evicted while its request
  // was queued (a refresh) is new, and is kept only while there is room.
  switch (table_.put(std::move(entry), options_.max_entries)) {
    case AppTable::Put::Full: return;
    case AppTable::Put::Added: counters_.entries.add(1); break;
    case AppTable::Put::Replaced: break;
  }
  schedule_.add(expires, key);
}

void AppCache::install(const CcApp& app, TimePoint now) {
  const auto key = GuidKey::parse(app.guid);
  if (!key) return;
  auto e = std::make_unique<AppEntry>();
  e->key = *key;
  e->state = AppState::Found;
  e->name = app.name;
  e->space = intern(app);
  e->labels = app.app_labels;
  // syslog-nozzle/forward=false (nearest level) opts out as f2s-disable-logging does.
  e->opted_out = app.app_opted_out || app.space_opted_out || app.org_opted_out ||
                 e->forward() == RoutingLabels::Forward::No;
  e->seen.store(epoch(), std::memory_order_relaxed);
  e->fetched = epoch();
  e->expires_ns = ns_of(now + jittered_pull_time());
  if (e->opted_out) opted_out_known_.store(true, std::memory_order_relaxed);
  publish(std::move(e));
}

void AppCache::install_missing(const GuidKey& key, TimePoint now) {
  auto e = std::make_unique<AppEntry>();
  e->key = key;
  e->state = AppState::Missing;
  e->seen.store(epoch(), std::memory_order_relaxed);
  e->expires_ns = ns_of(now + options_.missing_app_ttl);
  counters_.missing.add();
  publish(std::move(e));
}

// Lookups are dated in whole seconds: an app seen in the second of its answer cannot be told
// from one seen only before it. With a pull time this short, every app seen within the idle
// time is refreshed (as before quiet apps were skipped).
constexpr std::chrono::milliseconds kSkipQuietFrom{2'000};

void AppCache::sweep(TimePoint now) {
  const auto idle = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(options_.idle_eviction).count());
  const std::uint32_t current = epoch();
  schedule_.take_due(ns_of(now), [&](const ExpirySchedule::Item& due) {
    const AppEntry* e = table_.find(due.key);
    // Replaced since (it has an item of its own), evicted, or asked for again (Pending).
    if (e == nullptr || e->state == AppState::Pending || e->expires_ns != due.at_ns) return;
    const std::uint32_t seen = e->seen.load(std::memory_order_relaxed);
    if (e->state == AppState::Found && current - std::min(seen, current) < idle) {
      if (seen <= e->fetched && options_.cc_pull_time >= kSkipQuietFrom) {
        // Not seen since its answer (a quiet app, or one the warm-up or the snapshot brought):
        // no request; its names keep being served, and the next expiry after it is seen again
        // refreshes it. So refreshes follow the traffic, not the number of apps cached.
        e->expires_ns = ns_of(now + jittered_pull_time());
        schedule_.add(e->expires_ns, due.key);
        counters_.refresh_skipped.add();
        return;
      }
      if (refresh_queued_.insert(due.key).second) {
        if (refreshes_.empty()) refreshes_since_ = now;
        refreshes_.push_back(due.key);
        counters_.refreshed.add();
      }
      return;  // the old value is served until the refresh lands
    }
    // Missing past its TTL, or idle.
    if (e->state == AppState::Found) counters_.evicted_idle.add();
    if (table_.erase(e)) counters_.entries.add(-1);
  });
  if (size() >= options_.max_entries) evict_least_seen(options_.max_entries - options_.max_entries / 10);
  // Items of replaced and evicted entries wait in the schedule until their time; should they
  // come to outnumber the entries (a warm-up over a full cache, say), start afresh.
  if (schedule_.size() > 2 * size() + 4096) rebuild_schedule();
  // Spaces and orgs no entry uses any more.
  std::erase_if(spaces_, [](const auto& kv) { return kv.second.use_count() == 1; });
  std::erase_if(orgs_, [](const auto& kv) { return kv.second.use_count() == 1; });
}

void AppCache::rebuild_schedule() {
  std::vector<ExpirySchedule::Item> items;
  items.reserve(size());
  table_.for_each([&](const AppEntry& e) {
    if (e.state != AppState::Pending) items.push_back({e.expires_ns, e.key});
  });
  schedule_.rebuild(std::move(items));
}

void AppCache::evict_least_seen(std::size_t target) {
  std::vector<std::uint32_t> seen;
  seen.reserve(size());
  table_.for_each([&](const AppEntry& e) {
    if (e.state != AppState::Pending) seen.push_back(e.seen.load(std::memory_order_relaxed));
  });
  const std::size_t excess = size() > target ? size() - target : 0;
  if (excess == 0 || seen.empty()) return;
  const std::size_t nth = std::min(excess, seen.size()) - 1;
  std::nth_element(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(nth), seen.end());
  const std::uint32_t cutoff = seen[nth];
  std::vector<const AppEntry*> victims;
  table_.for_each([&](const AppEntry& e) {
    if (victims.size() < excess && e.state != AppState::Pending &&
        e.seen.load(std::memory_order_relaxed) <= cutoff) {
      victims.push_back(&e);
    }
  });
  std::size_t evicted = 0;
  for (const AppEntry* e : victims) {
    if (table_.erase(e)) ++evicted;
  }
  counters_.entries.add(-static_cast<std::int64_t>(evicted));
  counters_.evicted_full.add(evicted);
}

bool AppCache::write_snapshot() {
  if (options_.cache_file.empty()) return false;
  std::vector<CcApp> apps;
  apps.reserve(size());
  table_.for_each([&](const AppEntry& e) {
    if (e.state != AppState::Found) return;
    const SpaceInfo& space = *e.space;
    // The app's own f2s flag is not kept apart from the rest: it is what remains of opted_out.
    const bool by_label = e.forward() == RoutingLabels::Forward::No;
    apps.push_back(CcApp{e.key.text(), e.name, space.guid, space.name, space.org->guid, space.org->name,
                         e.opted_out && !by_label && !space.opted_out && !space.org->opted_out, space.opted_out,
                         space.org->opted_out, e.labels, space.labels, space.org->labels});
  });
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
    for (const auto& app : loaded->apps) install(app, now);
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
