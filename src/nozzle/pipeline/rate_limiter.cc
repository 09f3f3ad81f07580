#include "nozzle/pipeline/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace nozzle {
namespace {

constexpr std::int64_t kIdleNs = 60'000'000'000;  // a bucket idle this long and full is forgotten
// Report entries with nothing left to tell and no drop for this long are forgotten once the
// report holds more than kReportEntries.
constexpr std::int64_t kReportIdleNs = 600'000'000'000;
constexpr std::size_t kReportEntries = 10000;

}  // namespace

RateLimit RateLimit::share(int ways) const {
  const double n = std::max(ways, 1);
  const double burst_total = burst > 0 ? burst : per_second;
  return RateLimit{per_second / n, std::max(1.0, burst_total / n)};
}

LimitedApp LimitedApp::of(const AppInfo& app) {
  return LimitedApp{std::string(app.app_id),     std::string(app.app_name), std::string(app.space_id),
                    std::string(app.space_name), std::string(app.org_id),   std::string(app.org_name)};
}

bool AppRateLimiter::allow(const AppInfo& app, std::int64_t now_ns) {
  auto it = buckets_.find(app.app_id);
  if (it == buckets_.end()) {
    it = buckets_.emplace(std::string(app.app_id), Bucket{limit_.burst, now_ns, 0, nullptr}).first;
  }
  Bucket& b = it->second;
  if (now_ns > b.last_ns) {
    b.tokens = std::min(limit_.burst, b.tokens + static_cast<double>(now_ns - b.last_ns) * 1e-9 * limit_.per_second);
    b.last_ns = now_ns;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  if (b.dropped++ == 0 && !b.names) b.names = std::make_unique<LimitedApp>(LimitedApp::of(app));
  return false;
}

void AppRateLimiter::take(std::vector<Drops>& out, std::int64_t now_ns) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Bucket& b = it->second;
    if (b.dropped > 0) {
      out.push_back(Drops{*b.names, std::exchange(b.dropped, 0)});
    } else if (now_ns - b.last_ns > kIdleNs) {
      it = buckets_.erase(it);
      continue;
    }
    ++it;
  }
}

std::vector<RateLimitReport::Notice> RateLimitReport::add(const std::string& scope, std::vector<Drops>& drops,
                                                          std::int64_t now_ns, bool final) {
  std::vector<Notice> due;
  std::lock_guard lock(mutex_);
  for (Drops& d : drops) {
    Entry& e = entries_[scope + '\n' + d.app.app_id];
    if (e.app.app_id.empty()) e.app = std::move(d.app);
    e.total += d.count;
    e.untold += d.count;
    e.last_drop_ns = now_ns;
  }
  drops.clear();
  std::vector<std::string> idle;
  for (auto& [key, e] : entries_) {
    if (e.untold > 0 && (final || !e.told || now_ns - e.last_notice_ns >= notice_every_)) {
      due.push_back(Notice{e.app, std::exchange(e.untold, 0)});
      e.told = true;
      e.last_notice_ns = now_ns;
      ++notices_;
    } else if (e.untold == 0 && now_ns - e.last_drop_ns > kReportIdleNs) {
      idle.push_back(key);
    }
  }
  if (entries_.size() > kReportEntries) {
    for (const auto& key : idle) entries_.erase(key);
  }
  return due;
}

std::vector<RateLimitReport::Top> RateLimitReport::top() const {
  std::vector<Top> out;
  std::lock_guard lock(mutex_);
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_) out.push_back(Top{key.substr(0, key.find('\n')), e.app, e.total});
  const std::size_t n = std::min(top_, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                    [](const Top& a, const Top& b) { return a.dropped > b.dropped; });
  out.resize(n);
  return out;
}

std::uint64_t RateLimitReport::notices() const {
  std::lock_guard lock(mutex_);
  return notices_;
}

std::string notice_text(std::uint64_t dropped, double per_second, std::string_view scope) {
  std::string s = "syslog-nozzle: " + std::to_string(dropped) +
                  " log lines of this app were dropped: over the limit of " +
                  std::to_string(static_cast<std::uint64_t>(std::llround(per_second))) + " lines/s per app";
  s += scope == "global" ? " (--app-rate-limit)" : " of drain " + std::string(scope) + " (rate-limit=)";
  return s;
}

}  // namespace nozzle
