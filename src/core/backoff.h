// Capped, jittered exponential backoff (full jitter), reset after a success.
//
// The random source is injected so that tests are deterministic. Not thread-safe: each
// connection owns its own Backoff.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace nozzle {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;
  // Returns a uniformly distributed value in [0, 1).
  using Random = std::function<double()>;

  Backoff(Duration initial, Duration max, Random random);

  // The delay before the next attempt: uniform in [base/2, base], base doubling from `initial`
  // up to `max` with each call.
  Duration next();
  // Back to `initial` (after a connection has proven healthy).
  void reset() { attempt_ = 0; }
  [[nodiscard]] unsigned attempts() const { return attempt_; }

  // A Random seeded from the OS, for production use.
  static Random system_random();

 private:
  Duration initial_;
  Duration max_;
  Random random_;
  unsigned attempt_ = 0;
};

}  // namespace nozzle
