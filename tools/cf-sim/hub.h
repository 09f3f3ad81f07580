// Subscription groups: how connections share the workload stream (docs/WIRE.md,
// "Sharding by subscription id" and "Egress selectors and sharding").
//
// Connections that join with the same key (v1: subscription id + filter-type; v2: shard_id +
// selectors) share one group: each claims the next run of sequence numbers, so every envelope
// goes to exactly one member. Different keys get groups of their own, each with the whole
// stream from seq 0. A group outlives its members (a reconnecting consumer continues where the
// group was), except a private group (empty key), which ends with its one member.
//
// Thread-safe: claim() is one atomic add (plus the rate limiter's mutex when a rate is set).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/envelope.h"

namespace cfsim {

struct Claim {
  std::uint64_t first = 0;
  std::uint64_t count = 0;  // 0: nothing to send now (rate limit or total reached)
  bool exhausted = false;   // the total has been handed out
};

class StreamGroup {
 public:
  using Clock = std::chrono::steady_clock;
  StreamGroup(std::uint64_t total, double rate) : total_(total), rate_(rate) {}

  Claim claim(std::uint64_t max, Clock::time_point now);
  // Platform envelopes (the slow-consumer counter) that one member of the group will send.
  void inject(const nozzle::Envelope& env);
  bool take_injection(nozzle::Envelope& out);
  [[nodiscard]] std::uint64_t claimed() const;

 private:
  const std::uint64_t total_;
  const double rate_;
  std::atomic<std::uint64_t> next_{0};
  std::mutex mutex_;  // rate limiter and injections
  double tokens_ = 0;
  Clock::time_point last_refill_{};
  std::atomic<bool> has_injection_{false};
  std::deque<nozzle::Envelope> injections_;
};

class Hub {
 public:
  Hub(std::uint64_t total, double rate) : total_(total), rate_(rate) {}
  // key "" makes a private group.
  std::shared_ptr<StreamGroup> join(const std::string& key);
  // Injects into every group.
  void inject_all(const nozzle::Envelope& env);
  // Called when a private group's member ends, so inject_all() stops feeding it.
  void leave(const std::shared_ptr<StreamGroup>& group);

 private:
  const std::uint64_t total_;
  const double rate_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<StreamGroup>> shared_;
  std::vector<std::weak_ptr<StreamGroup>> private_;
};

}  // namespace cfsim
