// Limits for noisy apps (--app-rate-limit, and rate-limit= on a drain URL): a token bucket per
// app guid over its LogMessages. Each firehose connection thread keeps its own buckets
// (AppRateLimiter, no lock on the hot path) with its share of the limit, 1/N of it for N
// connections: Loggregator spreads one subscription's envelopes evenly over its connections.
//
// What is over the limit is dropped and counted. The threads hand their drops, per app, to one
// RateLimitReport at each tick; the report keeps the totals of the busiest limited apps for
// /metrics (top N, bounded) and says when an app is due a notice: one LogMessage, at most once
// a minute per app and limit, that tells the app's own drains how many of its lines were
// dropped and why, as Cloud Foundry's own agent does for a drain that cannot keep up. At stop,
// every drop not yet told is told.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/envelope.h"

namespace nozzle {

struct RateLimit {
  double per_second = 0;  // 0: no limit
  double burst = 0;       // lines an idle app may send at once; 0 means one second's worth
  [[nodiscard]] bool enabled() const { return per_second > 0; }
  // This limit shared by `ways` threads.
  [[nodiscard]] RateLimit share(int ways) const;
};

// One app's names, kept by the limiter once the app is limited (for the report and the notice).
struct LimitedApp {
  std::string app_id, app_name, space_id, space_name, org_id, org_name;
  static LimitedApp of(const AppInfo& app);
  [[nodiscard]] AppInfo info() const { return AppInfo{app_id, app_name, space_id, space_name, org_id, org_name, {}}; }
};

struct Drops {
  LimitedApp app;
  std::uint64_t count = 0;
};

// Token buckets of one connection thread. Not thread-safe.
class AppRateLimiter {
 public:
  explicit AppRateLimiter(RateLimit limit) : limit_(limit) {}

  // True when one more line of `app` may pass at now_ns; false counts it as dropped.
  bool allow(const AppInfo& app, std::int64_t now_ns);
  // Moves the drops counted since the last call into `out`, and forgets apps idle for a minute
  // with nothing to tell.
  void take(std::vector<Drops>& out, std::int64_t now_ns);
  [[nodiscard]] std::size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t last_ns = 0;
    std::uint64_t dropped = 0;  // since the last take()
    std::unique_ptr<LimitedApp> names;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  RateLimit limit_;
  std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets_;
};

// What the threads report, for /metrics and the notices. Thread-safe.
class RateLimitReport {
 public:
  struct Notice {
    LimitedApp app;
    std::uint64_t dropped = 0;  // since the app's previous notice under this limit
  };
  struct Top {
    std::string scope;  // "global" or the drain's name
    LimitedApp app;
    std::uint64_t dropped = 0;  // since start
  };

  explicit RateLimitReport(std::chrono::nanoseconds notice_every = std::chrono::minutes(1), std::size_t top = 10)
      : notice_every_(notice_every.count()), top_(top) {}

  // Adds a thread's drops under `scope` and returns the notices due now (all of them when
  // `final`, at stop).
  std::vector<Notice> add(const std::string& scope, std::vector<Drops>& drops, std::int64_t now_ns, bool final);
  // The busiest limited apps since start, most drops first, at most `top`.
  [[nodiscard]] std::vector<Top> top() const;
  [[nodiscard]] std::uint64_t notices() const;

 private:
  struct Entry {
    LimitedApp app;
    std::uint64_t total = 0;
    std::uint64_t untold = 0;
    std::int64_t last_notice_ns = 0;
    std::int64_t last_drop_ns = 0;
    bool told = false;
  };
  mutable std::mutex mutex_;
  std::int64_t notice_every_;
  std::size_t top_;
  std::unordered_map<std::string, Entry> entries_;  // scope + '\n' + app id
  std::uint64_t notices_ = 0;
};

// The text of a notice: "syslog-nozzle: N log lines of this app were dropped ...".
std::string notice_text(std::uint64_t dropped, double per_second, std::string_view scope);

}  // namespace nozzle
