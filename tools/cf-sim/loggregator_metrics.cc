#include "loggregator_metrics.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace cfsim {

namespace {

struct Names {
  const char* origin;
  const char* job;
  const char* source_id;
  const char* ingress;
  const char* dropped;  // nullptr: the component had no such counter under these names
  const char* egress;
};

// docs/WIRE.md, "Loggregator's own counters".
constexpr Names kModern[4] = {
    {"loggregator.doppler", "doppler", "doppler", "ingress", "dropped", "egress"},
    {"loggregator.trafficcontroller", "log-api", "traffic_controller", "ingress", "dropped", "egress"},
    {"loggregator.rlp", "log-api", "reverse_log_proxy", "ingress", "dropped", "egress"},
    {"loggregator.metron", "diego-cell", "metron", "ingress", "dropped", "egress"},
};
constexpr Names kLegacy[4] = {
    {"DopplerServer", "doppler", "", "listeners.receivedEnvelopes", "doppler.shedEnvelopes",
     "httpServer.receivedMessages"},
    {"LoggregatorTrafficController", "log-api", "", "listeners.receivedEnvelopes", nullptr, nullptr},
    {"loggregator.rlp", "log-api", "reverse_log_proxy", "ingress", "dropped", "egress"},  // no dropsonde-era RLP
    {"MetronAgent", "diego-cell", "", "dropsondeAgentListener.receivedMessageCount", "grpc.sendErrorCount",
     "grpc.sentMessageCount"},
};

std::string instance_guid(int component, int instance) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-1090-4000-8000-%012x", 0x1a000000 + component, instance);
  return buf;
}

}  // namespace

LoggregatorMetrics::LoggregatorMetrics(const LoggregatorMetricsOptions& options) : options_(options) {
  for (std::size_t c = 0; c < 4; ++c) {
    const ComponentLoad& l = options.load[c];
    if (l.drop_share < 0 || l.drop_share > 1) throw std::invalid_argument("a drop share is between 0 and 1");
    if (l.ingress_per_second < 0) throw std::invalid_argument("an ingress rate is >= 0");
    if (l.instances < 1 || l.instances > 1000) throw std::invalid_argument("instances are 1..1000");
    instances_[c].resize(static_cast<std::size_t>(l.instances));
  }
}

void LoggregatorMetrics::restart(SimComponent c, int instance) {
  auto& list = instances_[static_cast<std::size_t>(c)];
  Instance& in = list.at(static_cast<std::size_t>(instance));
  const ComponentLoad& l = options_.load[static_cast<std::size_t>(c)];
  in.counted_before_restart = l.ingress_per_second / l.instances * last_elapsed_;
  in.ingress = in.dropped = in.egress = 0;
}

void LoggregatorMetrics::emit(double elapsed, std::int64_t now_ns, std::vector<nozzle::Envelope>& out) {
  last_elapsed_ = elapsed;
  for (std::size_t c = 0; c < 4; ++c) {
    const ComponentLoad& l = options_.load[c];
    if (l.ingress_per_second <= 0) continue;
    const Names& n = options_.v1_names ? kLegacy[c] : kModern[c];
    for (std::size_t i = 0; i < instances_[c].size(); ++i) {
      Instance& in = instances_[c][i];
      const double counted = l.ingress_per_second / l.instances * elapsed - in.counted_before_restart;
      const auto ingress = static_cast<std::uint64_t>(std::floor(std::max(0.0, counted)));
      const auto dropped = static_cast<std::uint64_t>(std::floor(static_cast<double>(ingress) * l.drop_share));
      const std::uint64_t egress = ingress - dropped;
      const auto one = [&](const char* name, std::uint64_t total, std::uint64_t& last, std::uint64_t& all,
                           const char* direction) {
        const std::uint64_t delta = total >= last ? total - last : total;
        all += delta;
        last = total;
        if (name == nullptr) return;
        nozzle::Envelope& env = out.emplace_back();
        env.type = nozzle::EventType::CounterEvent;
        env.timestamp_ns = now_ns;
        env.origin = n.origin;
        env.deployment = "cf";
        env.job = n.job;
        env.index = instance_guid(static_cast<int>(c), static_cast<int>(i));
        env.ip = "10.0.8." + std::to_string(c * 16 + i + 1);
        env.counter.name = name;
        env.counter.delta = delta;
        env.counter.total = total;
        if (*n.source_id != '\0') env.add_tag("source_id", n.source_id);
        env.add_tag("instance_id", env.index);
        if (!options_.v1_names || c == 2) env.add_tag("metric_version", "2.0");
        if (direction != nullptr) env.add_tag("direction", direction);
      };
      one(n.ingress, ingress, in.ingress, in.all_ingress, nullptr);
      one(n.dropped, dropped, in.dropped, in.all_dropped, options_.v1_names && c != 2 ? nullptr : "ingress");
      one(n.egress, egress, in.egress, in.all_egress, nullptr);
    }
  }
}

LoggregatorMetrics::Totals LoggregatorMetrics::reported(SimComponent c) const {
  Totals t;
  for (const Instance& in : instances_[static_cast<std::size_t>(c)]) {
    t.ingress += in.all_ingress;
    t.dropped += in.all_dropped;
    t.egress += in.all_egress;
  }
  return t;
}

}  // namespace cfsim
