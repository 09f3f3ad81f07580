// The --cc-rps pace: requests at least 1/rps apart (a token bucket of one token, so a burst
// never exceeds the rate either). Pure: the caller passes the time and does the waiting.
#pragma once

#include <chrono>

namespace nozzle::cfapi {

class RateLimiter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // per_second <= 0: no limit.
  explicit RateLimiter(double per_second)
      : interval_(per_second > 0 ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(1.0 / per_second))
                                 : std::chrono::steady_clock::duration::zero()) {}

  // The earliest time the next request may go.
  [[nodiscard]] TimePoint next_allowed() const { return next_; }
  [[nodiscard]] bool ready(TimePoint now) const { return now >= next_; }
  // A request went out at `now`.
  void record(TimePoint now) { next_ = now + interval_; }

 private:
  std::chrono::steady_clock::duration interval_;
  TimePoint next_{};
};

}  // namespace nozzle::cfapi
