// The app cache's thread: what to ask Cloud Controller next, and when. Misses first (events
// wait for them; during the warm-up, miss batches and warm-up pages alternate), then the
// warm-up, then refreshes (their old values are being served). One
// request at a time, paced by --cc-rps, paused by 429 Retry-After and by backoff after failures.
#include <algorithm>

#include "cfapi/app_cache.h"
#include "core/log.h"

namespace nozzle::cfapi {

using std::chrono::duration_cast;

void AppCache::start() {
  if (thread_.joinable() || stopped_) return;
  load_snapshot();
  thread_ = std::thread([this] { run_thread(); });
}

void AppCache::stop() {
  {
    std::lock_guard lock(incoming_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  const bool was_running = thread_.joinable();
  if (was_running) thread_.join();
  stopped_ = true;
  if (was_running) write_snapshot();
}

void AppCache::run_thread() {
  while (true) {
    const TimePoint next = run_once(clock_());
    std::unique_lock lock(incoming_mutex_);
    if (stopping_) return;
    // The injected clock may not be the steady clock: wait for the same span of real time.
    const auto span = next - clock_();
    if (span > std::chrono::steady_clock::duration::zero()) {
      wake_.wait_for(lock, span, [this] { return stopping_ || !incoming_.empty(); });
    }
    if (stopping_) return;
  }
}

AppCache::TimePoint AppCache::run_once(TimePoint now) {
  epoch_.store(static_cast<std::uint32_t>(duration_cast<std::chrono::seconds>(now - start_).count()),
               std::memory_order_relaxed);
  {
    std::lock_guard lock(incoming_mutex_);
    if (!incoming_.empty()) {
      if (misses_.empty()) misses_since_ = now;
      misses_.insert(misses_.end(), incoming_.begin(), incoming_.end());
      incoming_.clear();
    }
  }
  if (now >= next_sweep_) {
    sweep(now);
    reclaimer_.reclaim();  // what readers can no longer reach, and nothing this thread holds
    next_sweep_ = now + options_.sweep_interval;
  }
  if (!options_.cache_file.empty() && now >= next_snapshot_) {
    write_snapshot();
    next_snapshot_ = now + options_.snapshot_interval;
  }
  if (warm_state_ == Warm::Pending) {
    warm_state_ = Warm::Running;
    log::info("app cache warm-up started");
  }

  TimePoint wake = std::min(next_sweep_, options_.cache_file.empty() ? TimePoint::max() : next_snapshot_);
  const TimePoint allowed = std::max(pause_until_, limiter_.next_allowed());
  const bool misses_due = !misses_.empty() &&
                          (misses_.size() >= options_.max_batch || now - misses_since_ >= options_.collect_window);
  const bool refreshes_due = !refreshes_.empty() && (refreshes_.size() >= options_.max_batch ||
                                                     now - refreshes_since_ >= options_.refresh_window);
  const bool warm_due = warm_state_ == Warm::Running;
  if (now < allowed) {
    if (misses_due || refreshes_due || warm_due) return std::min(wake, allowed);
  } else if (misses_due && !(warm_due && warm_turn_)) {
    fetch_guids(misses_, misses_since_, false, now);
    warm_turn_ = true;
    return now;  // more may be due at once
  } else if (warm_due) {
    fetch_warm_page(now);
    warm_turn_ = false;
    return now;
  } else if (refreshes_due) {
    fetch_guids(refreshes_, refreshes_since_, true, now);
    return now;
  }
  if (!misses_.empty()) wake = std::min(wake, std::max(allowed, misses_since_ + options_.collect_window));
  if (!refreshes_.empty()) wake = std::min(wake, std::max(allowed, refreshes_since_ + options_.refresh_window));
  return wake;
}

void AppCache::fetch_guids(std::vector<GuidKey>& queue, TimePoint& since, bool refresh, TimePoint now) {
  const std::size_t n = std::min(queue.size(), std::max<std::size_t>(1, options_.max_batch));
  std::vector<GuidKey> batch(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
  queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
  std::vector<std::string> guids;
  guids.reserve(n);
  for (const auto& k : batch) guids.push_back(k.text());

  limiter_.record(now);
  counters_.requests.add();
  const FetchResult result = source_.apps_by_guid(guids);
  const TimePoint after = clock_();
  if (!result.ok()) {
    // Put the batch back in front: it is retried once the pause is over.
    queue.insert(queue.begin(), batch.begin(), batch.end());
    since = std::min(since, now);
    on_failure(result, after, refresh ? "app refresh" : "app lookup");
    return;
  }
  backoff_.reset();
  unavailable_.store(false, std::memory_order_relaxed);
  counters_.apps_received.add(result.page.apps.size());
  std::unordered_set<GuidKey, GuidKeyHash> answered;
  for (const auto& app : result.page.apps) {
    if (const auto key = GuidKey::parse(app.guid)) answered.insert(*key);
    install(app, after);
  }
  for (const auto& k : batch) {
    if (refresh) refresh_queued_.erase(k);
    if (!answered.contains(k)) install_missing(k, after);
  }
  if (!queue.empty()) since = now;  // the rest were collected at the latest by now
}

void AppCache::fetch_warm_page(TimePoint now) {
  limiter_.record(now);
  counters_.requests.add();
  ++warm_requests_;
  const FetchResult result = source_.list_apps(warm_next_);
  const TimePoint after = clock_();
  if (!result.ok()) {
    on_failure(result, after, "app cache warm-up");
    return;
  }
  backoff_.reset();
  unavailable_.store(false, std::memory_order_relaxed);
  counters_.apps_received.add(result.page.apps.size());
  // Only while there is room (as every install): the warm-up must not evict apps whose events
  // are flowing.
  for (const auto& app : result.page.apps) install(app, after);
  warm_apps_ += result.page.apps.size();
  warm_next_ = result.page.next_url;
  if (warm_next_.empty()) {
    warm_state_ = Warm::Done;
    warm_.store(true, std::memory_order_release);
    const std::string apps = std::to_string(warm_apps_);
    const std::string requests = std::to_string(warm_requests_);
    log::info("app cache warm-up done", {{"apps", apps}, {"requests", requests}});
  }
}

void AppCache::on_failure(const FetchResult& result, TimePoint now, const char* what) {
  counters_.failures.add();
  unavailable_.store(true, std::memory_order_relaxed);
  std::chrono::steady_clock::duration pause = backoff_.next();
  if (result.status == FetchStatus::RateLimited) {
    counters_.rate_limited.add();
    if (result.retry_after) pause = *result.retry_after;
  } else if (result.status == FetchStatus::Refused) {
    pause = options_.backoff_max;  // a 4xx will not go away by itself soon
  }
  pause_until_ = now + pause;
  const std::string ms = std::to_string(duration_cast<std::chrono::milliseconds>(pause).count());
  log::write_limited("app_cache.failure", std::chrono::seconds(30), log::Level::Warn,
                     "Cloud Controller request failed; names of new apps wait, known names are served",
                     {{"request", what}, {"error", result.error}, {"retry_in_ms", ms}});
}

}  // namespace nozzle::cfapi
