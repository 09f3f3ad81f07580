// Loggregator's own counters, as a foundation's dopplers, traffic controllers, reverse log
// proxies and agents put them on the firehose (docs/WIRE.md, "Loggregator's own counters"), with
// a chosen ingress rate and drop share per component, so that a test can say "doppler drops
// 2 %, the traffic controller 0.5 %" and check what a nozzle makes of it.
//
// Each component has `instances` instances; every emission each instance reports its ingress,
// dropped and egress counters (egress = ingress - dropped) as CounterEvents, both delta and
// total set (as loggregator's agents send them after summing). Current names: origin
// loggregator.<component>, tag source_id, names ingress / dropped (tag direction=ingress) /
// egress. With `v1_names`, the dropsonde-era names instead, where the component had them
// (DopplerServer listeners.receivedEnvelopes / doppler.shedEnvelopes ...).
//
// `restart()` makes one instance start counting from 0 again, as a restarted VM would.
// Pure code: the Simulator calls emit() on a timer and injects the envelopes into every stream.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include "core/envelope.h"

namespace cfsim {

struct ComponentLoad {
  double ingress_per_second = 0;  // summed over the instances; 0: the component is silent
  double drop_share = 0;          // dropped / ingress, 0..1
  int instances = 2;
};

enum class SimComponent { Doppler, TrafficController, Rlp, Agent };

struct LoggregatorMetricsOptions {
  std::chrono::milliseconds interval{0};  // 0: no Loggregator counters at all
  std::array<ComponentLoad, 4> load{};    // by SimComponent
  bool v1_names = false;
};

class LoggregatorMetrics {
 public:
  explicit LoggregatorMetrics(const LoggregatorMetricsOptions& options);

  // The envelopes of one emission `elapsed_seconds` after the start, stamped now_ns.
  void emit(double elapsed_seconds, std::int64_t now_ns, std::vector<nozzle::Envelope>& out);
  // The instance starts again from 0 (its next emission's total is below the previous one).
  void restart(SimComponent c, int instance);

  // What was reported so far, summed over instances (what a reader should have counted).
  struct Totals {
    std::uint64_t ingress = 0, dropped = 0, egress = 0;
  };
  [[nodiscard]] Totals reported(SimComponent c) const;

 private:
  struct Instance {
    double counted_before_restart = 0;                               // ingress (by the rate) when it last restarted
    std::uint64_t ingress = 0, dropped = 0, egress = 0;              // totals it last reported
    std::uint64_t all_ingress = 0, all_dropped = 0, all_egress = 0;  // across restarts
  };
  LoggregatorMetricsOptions options_;
  std::array<std::vector<Instance>, 4> instances_;
  double last_elapsed_ = 0;
};

}  // namespace cfsim
