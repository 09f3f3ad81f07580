// Faults on demand: Cloud Controller and UAA latency, 5xx and 429 shares, Cloud Controller or
// UAA down for a period, firehose connections dropped every N envelopes or every N milliseconds.
//
// Thread-safe. Shares are applied deterministically (request n fails when the running count of
// failures would fall behind share * n), so a test with share 0.5 sees exactly every other
// request fail, not a random number of them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "http_types.h"

namespace cfsim {

struct FaultSettings {
  std::chrono::milliseconds cc_latency{0};
  double cc_error_rate = 0;       // share of CC requests answered 500
  double cc_rate_limit_rate = 0;  // share of CC requests answered 429
  int retry_after_seconds = 1;    // Retry-After on those 429s
  std::chrono::milliseconds cc_down_for{0};   // from the moment it is set; 0 = up
  std::chrono::milliseconds uaa_down_for{0};  // from the moment it is set; 0 = up
  // UAA token answers wait this long; longer than a client's timeout is a UAA that hangs.
  std::chrono::milliseconds uaa_latency{0};
  std::uint64_t drop_every_envelopes = 0;     // per firehose connection; 0 = never
  std::chrono::milliseconds drop_every{0};    // per firehose connection; 0 = never
};

// Fills `s` from control-endpoint query parameters (cc_latency_ms, cc_error_rate,
// cc_rate_limit_rate, retry_after, cc_down_ms, uaa_down_ms, uaa_latency_ms,
// drop_every_envelopes, drop_every_ms). Parameters not given keep their value. Returns "" or an
// error message.
std::string apply_fault_query(const Query& q, FaultSettings& s);

class Faults {
 public:
  using Clock = std::chrono::steady_clock;
  enum class CcOutcome { Ok, Down, ServerError, RateLimited };

  void set(const FaultSettings& s);
  [[nodiscard]] FaultSettings get() const;

  // Decides the fate of one Cloud Controller request (and counts it for the shares).
  CcOutcome next_cc_request();
  [[nodiscard]] std::chrono::milliseconds cc_latency() const;
  [[nodiscard]] int retry_after_seconds() const;
  [[nodiscard]] bool uaa_down() const;
  [[nodiscard]] std::chrono::milliseconds uaa_latency() const;

  // Read per batch by firehose sessions.
  [[nodiscard]] std::uint64_t drop_every_envelopes() const { return drop_every_envelopes_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::chrono::milliseconds drop_every() const {
    return std::chrono::milliseconds(drop_every_ms_.load(std::memory_order_relaxed));
  }

 private:
  mutable std::mutex mutex_;
  FaultSettings settings_;
  Clock::time_point cc_down_until_{};
  Clock::time_point uaa_down_until_{};
  std::uint64_t cc_requests_ = 0;
  std::uint64_t cc_errors_ = 0;
  std::uint64_t cc_limited_ = 0;
  std::atomic<std::uint64_t> drop_every_envelopes_{0};
  std::atomic<std::int64_t> drop_every_ms_{0};
};

// The canned responses a fault produces.
HttpResponse gorouter_bad_gateway();  // what gorouter says when the backend is down: 502
HttpResponse cc_server_error();       // 500 CF UnknownError
HttpResponse cc_rate_limited(int retry_after_seconds);  // 429 CF-RateLimitExceeded

}  // namespace cfsim
