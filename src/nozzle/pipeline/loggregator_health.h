// Loggregator's health as Loggregator itself reports it: the ingress, egress and dropped
// counters that dopplers, traffic controllers, reverse log proxies and agents put on the
// firehose (docs/WIRE.md, "Loggregator's own counters"), turned into per-component totals and
// loss ratios over a sliding window.
//
// Three parts, so that the firehose threads never wait and never share a map:
//   - classify(): pure, says whether an envelope is one of those counters (most are rejected by
//     their type alone) and what it counts.
//   - HealthTap: one per firehose connection, a single-producer single-consumer ring. The
//     connection's thread pushes an Observation (two atomic operations); whoever aggregates
//     drains it. A full ring drops the observation and counts it.
//   - HealthAggregator: single-threaded (the caller serialises it). It turns each instance's
//     counter into steps that never go negative (a restarted instance starts again from 0),
//     sums them per component, and keeps one sample a second for the window.
//
// Pure code (no Asio, no clock of its own): unit-tested in test/unit/nozzle/pipeline/.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/envelope.h"

namespace nozzle {

enum class LgComponent : std::uint8_t { Doppler, TrafficController, Rlp, Agent };
inline constexpr std::size_t kLgComponents = 4;
enum class LgKind : std::uint8_t { Ingress, Egress, Dropped };
inline constexpr std::size_t kLgKinds = 3;

// The label values of /metrics and the keys of /loggregator.
std::string_view lg_component_name(LgComponent c);
std::string_view lg_kind_name(LgKind k);

// One counter reading of one series (one instance's counter with one set of tags).
struct LgObservation {
  std::uint64_t series = 0;  // hash of origin, source_id, deployment, job, index, name, tags
  std::uint64_t total = 0;
  std::uint64_t delta = 0;
  std::int64_t timestamp_ns = 0;
  LgComponent component = LgComponent::Doppler;
  LgKind kind = LgKind::Ingress;
  bool legacy = false;  // a dropsonde-era name (DopplerServer listeners.receivedEnvelopes, ...)
};

// Whether `env` is one of Loggregator's own loss counters, and which. Cheap for every other
// envelope: anything but a CounterEvent is rejected by its type.
std::optional<LgObservation> classify_loggregator_counter(const Envelope& env);

// One connection's ring (single producer: the connection's thread; single consumer: the
// aggregator's caller).
class HealthTap {
 public:
  static constexpr std::size_t kCapacity = 4096;

  // On the connection's thread, for every decoded envelope, before the event filter.
  void observe(const Envelope& env) {
    if (env.type != EventType::CounterEvent) return;
    if (auto o = classify_loggregator_counter(env)) push(*o);
  }
  void push(const LgObservation& o);
  // On the consumer's thread: appends what is waiting, oldest first; returns how many.
  std::size_t drain(std::vector<LgObservation>& out);
  // Observations lost to a full ring (the consumer did not drain for too long).
  [[nodiscard]] std::uint64_t overflowed() const { return overflow_.load(std::memory_order_relaxed); }

 private:
  std::array<LgObservation, kCapacity> ring_{};
  alignas(64) std::atomic<std::uint64_t> head_{0};  // next slot the producer writes
  alignas(64) std::atomic<std::uint64_t> tail_{0};  // next slot the consumer reads
  alignas(64) std::atomic<std::uint64_t> overflow_{0};
};

// A fixed set of taps, one per connection, made before the connections start.
class HealthTaps {
 public:
  explicit HealthTaps(std::size_t connections);
  [[nodiscard]] std::size_t size() const { return taps_.size(); }
  HealthTap& at(std::size_t i) { return *taps_.at(i); }
  std::size_t drain(std::vector<LgObservation>& out);
  [[nodiscard]] std::uint64_t overflowed() const;

 private:
  std::vector<std::unique_ptr<HealthTap>> taps_;
};

// The step one reading adds to its series' sum, and the series' new state. Pure, for the unit
// tests: a first reading adds its delta (the increase since the instance's previous emission;
// 0 for a scraped cumulative counter); a later one adds total - previous total, or the whole
// total when the counter went down (the instance restarted and counts from 0 again); a
// delta-only counter (total 0, delta above 0) adds its delta; a reading older than the last
// one is ignored.
struct LgSeriesState {
  bool seen = false;  // a reading with a total has been taken
  std::uint64_t last_total = 0;
  std::int64_t last_timestamp_ns = 0;
  std::int64_t last_seen_ms = 0;  // the aggregator's clock, for expiry
};
std::uint64_t lg_step(LgSeriesState* state, const LgObservation& o);

// The nozzle's own counts the window needs, cumulative.
struct NozzleLossTotals {
  std::uint64_t received = 0;        // decoded envelopes (before the event filter)
  std::uint64_t invalid = 0;         // failed to decode
  std::uint64_t drain_produced = 0;  // messages offered to the drains (all drains)
  std::uint64_t drain_dropped = 0;   // of those, dropped (every reason)
  std::uint64_t too_large = 0;       // messages the formatter could not fit
};

using LgTotals = std::array<std::array<std::uint64_t, kLgKinds>, kLgComponents>;

struct HealthReport {
  bool enabled = false;       // --loggregator-health (set by the caller)
  double window_seconds = 0;  // what the window actually covers (up to the configured window)
  double window_max_seconds = 0;
  std::uint64_t samples_dropped = 0;  // HealthTaps::overflowed() (set by the caller)
  LgTotals totals{};                  // cumulative since start
  LgTotals window{};                  // increase over the window
  std::array<double, kLgComponents> component_ratio{};
  std::array<bool, kLgComponents> component_seen{};  // ingress counted within the window
  std::array<bool, kLgComponents> on_path{};         // part of the "all" product
  double loggregator_ratio = 0;                      // component "all", where="loggregator"
  NozzleLossTotals nozzle_window{};
  double nozzle_ratio = 0;
  double all_ratio = 0;
  std::uint64_t series = 0;
};

class HealthAggregator {
 public:
  using Clock = std::chrono::steady_clock;
  // `egress`: the component the nozzle's stream leaves Loggregator through (TrafficController
  // for the v1 firehose, Rlp for v2); with Agent and Doppler it makes the path of "all".
  explicit HealthAggregator(LgComponent egress, std::chrono::seconds window = std::chrono::seconds(300));

  void add(const LgObservation& o, Clock::time_point now);
  // Records a window point (at most one a second is kept) and forgets series silent for an hour.
  void sample(Clock::time_point now, const NozzleLossTotals& nozzle);
  // The figures over the window ending now (`nozzle` the current cumulative counts).
  [[nodiscard]] HealthReport report(Clock::time_point now, const NozzleLossTotals& nozzle) const;
  [[nodiscard]] const LgTotals& totals() const { return totals_; }
  [[nodiscard]] std::chrono::seconds window() const { return window_; }

 private:
  struct Sample {
    Clock::time_point at;
    LgTotals totals;
    NozzleLossTotals nozzle;
  };
  static std::int64_t ms(Clock::time_point t);

  LgComponent egress_;
  std::chrono::seconds window_;
  LgTotals totals_{};
  std::array<bool, kLgComponents> modern_seen_{};
  std::unordered_map<std::uint64_t, LgSeriesState> series_;
  std::deque<Sample> samples_;
  Clock::time_point last_expiry_{};
};

// 1 - prod(1 - r): the share lost by a chain of stages that each lose share r.
double chain_loss(std::initializer_list<double> ratios);

}  // namespace nozzle
