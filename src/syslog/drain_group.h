// A drain group: several endpoints (receivers) behind one named drain (README "Drain groups").
//
//   mode=failover  the first healthy endpoint, in the URL's order, takes everything; when it
//                  fails the next healthy one does, and an endpoint that failed takes its
//                  traffic back once it has been up for failback-after (30 s by default).
//   mode=balance   each message goes to one endpoint chosen by its key (the app guid, or for an
//                  envelope of no app the VM it came from) by rendezvous hashing over the healthy
//                  endpoints: one app's lines go to one endpoint, in order; a failed endpoint's
//                  keys move to the others (only its keys move), and come back after
//                  failback-after.
//
// Each endpoint is an ordinary drain (StreamDrain) with its own queue, connection, spool and
// counters. The group frames messages itself (every endpoint shares its options) and hands a
// producer's batch to the endpoint(s) that take it.
//
// Health comes from the endpoints' own counters: an endpoint that was up and went down, whose
// connection attempt failed, or that reconnected since the last look, has failed; it is healthy
// again once it has been up for failback-after. An endpoint still making its first connection
// counts as healthy, so the first endpoint keeps its place at start. When the selection
// changes, what an endpoint that leaves the members at that moment, and is down, still holds in
// memory moves to an endpoint that takes traffic and is up (counted as handed_over there), under
// the same exclusive lock that makes the switch, so it comes before any newer frame. The batch in flight at the failure
// and what the endpoint's spool holds stay with that endpoint and leave when it returns (or at shutdown go to its
// spool, or are counted as dropped). When no endpoint is healthy, failover stays on the endpoint it had and balance
// keeps each key on its own endpoint: each queues and spools what it would have sent.
//
// Accounting, at any moment, for the group (what counters() returns, summed over endpoints):
//   produced == sent + dropped + queued + spooled
// and for each endpoint: produced == sent + dropped + queued + spooled + handed_over.
//
// Thread contract: stage(), stage_keyed(), push_batch() and push() from any producer thread;
// tick() on the drain pool's io thread; counters() from any thread (the stats server).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <vector>

#include "syslog/drain.h"
#include "syslog/drain_base.h"

namespace nozzle::syslog {

// Pure: which endpoints take traffic, from what their counters say over time.
class GroupSelector {
 public:
  using Clock = std::chrono::steady_clock;
  struct Observation {
    bool up = false;                     // connected now
    std::uint64_t connect_failures = 0;  // the endpoint's counter
    std::uint64_t reconnects = 0;        // the endpoint's counter
  };

  GroupSelector(GroupMode mode, std::size_t endpoints, std::chrono::milliseconds failback_after);

  // Takes one observation per endpoint. True when the selection changed.
  bool update(std::span<const Observation> now_seen, Clock::time_point now);

  // Bit i set: endpoint i takes traffic. Failover: exactly one bit (the active endpoint).
  [[nodiscard]] std::uint32_t members() const { return members_; }
  [[nodiscard]] bool failed(std::size_t i) const { return state_.at(i).failed; }
  [[nodiscard]] bool up(std::size_t i) const { return state_.at(i).up_since.has_value(); }

 private:
  struct State {
    bool failed = false;
    std::optional<Clock::time_point> up_since;
    std::uint64_t connect_failures = 0;
    std::uint64_t reconnects = 0;
  };
  [[nodiscard]] std::uint32_t select() const;

  GroupMode mode_;
  std::chrono::milliseconds failback_after_;
  std::vector<State> state_;
  std::uint32_t members_ = 0;
};

// The endpoint a key goes to among `members` (a bit mask, not 0): the highest rendezvous score.
[[nodiscard]] std::size_t balance_pick(std::uint64_t key_hash, std::uint32_t members);
[[nodiscard]] std::uint64_t group_key_hash(std::string_view key);

class DrainGroup final : public Drain {
 public:
  // `endpoints` are the group's drains, one per endpoint of config.group, in order.
  DrainGroup(DrainConfig config, std::vector<std::shared_ptr<DrainBase>> endpoints);

  [[nodiscard]] bool push(std::string_view message) override;
  [[nodiscard]] bool stage(std::string_view message, FrameBatch& batch) override;
  [[nodiscard]] bool stage_keyed(std::string_view message, std::string_view key, FrameBatch& batch) override;
  void push_batch(FrameBatch& batch) override;
  [[nodiscard]] const DrainConfig& config() const override { return config_; }
  // The group's counters: the endpoints' summed (see above), brought up to date on each call.
  [[nodiscard]] DrainCounters& counters() override;

  [[nodiscard]] std::size_t endpoint_count() const override { return endpoints_.size(); }
  [[nodiscard]] Drain& endpoint(std::size_t i) override { return *endpoints_.at(i); }
  [[nodiscard]] bool endpoint_active(std::size_t i) const override {
    return ((members_.load(std::memory_order_relaxed) >> i) & 1u) != 0;
  }
  // Times the selection changed (an endpoint failed or came back).
  [[nodiscard]] std::uint64_t switches() const { return switches_.get(); }

  // Io thread: looks at the endpoints' health and switches when it must. The pool calls it every
  // kTick.
  void tick(std::chrono::steady_clock::time_point now);
  static constexpr std::chrono::milliseconds kTick{50};

 private:
  void refresh_counters();

  DrainConfig config_;
  std::vector<std::shared_ptr<DrainBase>> endpoints_;
  GroupSelector selector_;  // io thread
  // Producers hold it shared while they hand a batch to the endpoints; tick() holds it
  // exclusively while it switches and moves a failed endpoint's frames.
  std::shared_mutex switch_mutex_;
  std::atomic<std::uint32_t> members_;
  Counter too_large_;  // dropped by the group's own stage()
  Counter switches_;
  std::mutex counters_mutex_;
  DrainCounters aggregate_;
};

}  // namespace nozzle::syslog
