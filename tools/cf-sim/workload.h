// The deterministic workload: envelope number `seq` (0, 1, 2, ...) is a pure function of seq,
// the options and the time it is sent, so any connection can generate any part of the stream
// and a receiver can check loss, duplicates and enrichment without asking cf-sim.
//
// Sequence numbers. Every workload envelope carries the tag sim_seq=<seq> (decimal) and shows
// seq in a field that a pcf-style syslog frame's JSON body keeps:
//   LogMessage       message starts "seq=<seq> "          (JSON msg)
//   Error            message starts "seq=<seq> "          (JSON msg)
//   Event (v2 only)  body starts "seq=<seq> "             (JSON body)
//   ValueMetric      value = seq                          (JSON value)
//   CounterEvent     total = seq, delta = 1               (JSON total)
//   ContainerMetric  memory_bytes = seq                   (JSON memory_bytes)
//   HttpStartStop    content_length = seq                 (JSON content_length)
// App envelopes (LogMessage, ContainerMetric, HttpStartStop) belong to app (hash % apps), carry
// the tag source_id=<app guid> and, for tagged_share of them, app_id app_name space_id
// space_name organization_id organization_name with the names of naming.h (as at start; renames
// show only in Cloud Controller). The other types are platform envelopes without an app.
// A malformed seq (malformed_share) is sent as garbage bytes on v1 or a broken JSON batch on v2
// instead of an envelope. A seq whose type is Event is not sent on v1 (loggregator's ToV1 drops
// v2 events), so with the default mix (no events) the v1 stream has no gaps.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/envelope.h"

namespace cfsim {

struct WorkloadOptions {
  // Relative weights of: LogMessage, ValueMetric, CounterEvent, ContainerMetric, HttpStartStop,
  // Error, Event.
  std::array<double, 7> mix{50, 15, 10, 10, 12, 3, 0};
  double rate = 0;           // envelopes/s per subscription; 0 = as fast as possible
  std::uint64_t total = 0;   // envelopes per subscription; 0 = unlimited
  std::size_t payload_min = 64;   // LogMessage/Error/Event text size, uniform in [min, max]
  std::size_t payload_max = 256;
  double tagged_share = 0.5;      // app envelopes with the modern name tags
  double malformed_share = 0;
  // App envelopes that belong to app 0, the rest spread evenly over the other apps: one noisy
  // app among quiet ones (e.g. 0.975 at 20,500/s with 51 apps: app 0 at 20,000/s, 50 at 10/s).
  double hot_app_share = 0;
  std::uint64_t seed = 0;
};

class Workload {
 public:
  // apps: how many apps envelopes are spread over (the foundation's apps at start);
  // spaces/orgs: the foundation's counts, to derive guids and names.
  Workload(const WorkloadOptions& options, std::uint64_t apps, std::uint32_t spaces, std::uint32_t orgs);

  enum class Kind { Envelope, Malformed };
  // Fills env (reusing its capacity) with envelope seq, stamped with now_ns.
  Kind make(std::uint64_t seq, std::int64_t now_ns, nozzle::Envelope& env) const;
  // The type of seq without building it (Malformed seqs report LogMessage and kind Malformed).
  [[nodiscard]] Kind kind(std::uint64_t seq) const;
  [[nodiscard]] nozzle::EventType type(std::uint64_t seq) const;
  // The app index seq belongs to (meaningful for app envelope types).
  [[nodiscard]] std::uint64_t app(std::uint64_t seq) const;

  [[nodiscard]] const WorkloadOptions& options() const { return options_; }

 private:
  std::uint64_t hash(std::uint64_t seq, std::uint64_t salt) const;
  void set_app_tags(std::uint64_t app, bool named, nozzle::Envelope& env) const;
  void fill_text(std::uint64_t seq, std::string_view kind, std::string& out) const;

  WorkloadOptions options_;
  std::uint64_t apps_;
  std::uint32_t spaces_;
  std::uint32_t orgs_;
  std::array<double, 7> cumulative_{};
};

// The platform CounterEvent the Traffic Controller emits when it cuts off a slow consumer.
void make_slow_consumer_counter(std::int64_t now_ns, std::uint64_t total, nozzle::Envelope& env);
// The CounterEvent with which a doppler announced envelopes its buffer for a subscription
// dropped (docs/WIRE.md, "Loss signals"): `delta` dropped now, `total` so far.
void make_upstream_drop_counter(std::int64_t now_ns, std::uint64_t delta, std::uint64_t total,
                                nozzle::Envelope& env);

}  // namespace cfsim
