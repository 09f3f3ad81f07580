// The nozzle's Loggregator health (README, "Loggregator health"): the nozzle's own loss
// figures, the taps' readings folded into the aggregator, and the /loggregator JSON page. The
// Prometheus families are rendered with the rest in nozzle_stats.cc.
#include <cstdio>
#include <string>

#include "nozzle/app/nozzle.h"
#include "syslog/drain_pool.h"

namespace nozzle {

NozzleLossTotals Nozzle::nozzle_loss_totals() const {
  NozzleLossTotals n;
  if (source_) {
    const auto& s = source_->counters();
    for (const auto& c : s.received_by_type) n.received += c.get();
    n.invalid = s.invalid.get();
  }
  if (drains_) {
    for (std::size_t i = 0; i < drains_->size(); ++i) {
      const auto& c = drains_->at(i).counters();
      n.drain_produced += c.produced.get();
      n.drain_dropped += c.dropped_total();
    }
  }
  n.too_large = pipeline_counters_.messages_too_large.get();
  return n;
}

HealthReport Nozzle::update_health() const {
  const NozzleLossTotals nozzle = nozzle_loss_totals();
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(health_mutex_);
  if (!health_) {
    // --loggregator-health false (or not started yet): the nozzle's own share only, since start.
    static const HealthAggregator none(LgComponent::TrafficController);
    return none.report(now, nozzle);
  }
  health_buffer_.clear();
  health_taps_->drain(health_buffer_);
  for (const LgObservation& o : health_buffer_) health_->add(o, now);
  health_->sample(now, nozzle);
  HealthReport r = health_->report(now, nozzle);
  r.enabled = true;
  r.samples_dropped = health_taps_->overflowed();
  return r;
}

std::string Nozzle::render_loggregator() const {
  const HealthReport h = update_health();
  char num[64];
  const auto ratio = [&](double v) {
    std::snprintf(num, sizeof num, "%.6g", v);
    return std::string(num);
  };
  std::string out = "{\"enabled\":";
  out += h.enabled ? "true" : "false";
  out += ",\"firehose\":\"";
  out += config_.firehose == FirehoseApi::V1 ? "v1" : "v2";
  out += "\",\"window_seconds\":" + ratio(h.window_seconds);
  out += ",\"window_max_seconds\":" + ratio(h.enabled ? h.window_max_seconds : 0);
  out += ",\"components\":{";
  for (std::size_t c = 0; c < kLgComponents; ++c) {
    if (c > 0) out += ',';
    out += '"';
    out += lg_component_name(static_cast<LgComponent>(c));
    out += "\":{";
    for (std::size_t k = 0; k < kLgKinds; ++k) {
      out += '"';
      out += lg_kind_name(static_cast<LgKind>(k));
      out += "_total\":" + std::to_string(h.totals[c][k]) + ",";
    }
    out += "\"window\":{";
    for (std::size_t k = 0; k < kLgKinds; ++k) {
      if (k > 0) out += ',';
      out += '"';
      out += lg_kind_name(static_cast<LgKind>(k));
      out += "\":" + std::to_string(h.window[c][k]);
    }
    out += "},\"loss_ratio\":" + ratio(h.component_ratio[c]);
    out += std::string(",\"reporting\":") + (h.component_seen[c] ? "true" : "false");
    out += std::string(",\"on_path\":") + (h.on_path[c] ? "true" : "false") + "}";
  }
  out += "},\"loggregator\":{\"loss_ratio\":" + ratio(h.loggregator_ratio) + "}";
  const NozzleLossTotals& n = h.nozzle_window;
  out += ",\"nozzle\":{\"loss_ratio\":" + ratio(h.nozzle_ratio) +
         ",\"window\":{\"received\":" + std::to_string(n.received) + ",\"invalid\":" + std::to_string(n.invalid) +
         ",\"drain_produced\":" + std::to_string(n.drain_produced) +
         ",\"drain_dropped\":" + std::to_string(n.drain_dropped) + ",\"too_large\":" + std::to_string(n.too_large) +
         "}}";
  out += ",\"all\":{\"loss_ratio\":" + ratio(h.all_ratio) + "}";
  out += ",\"series\":" + std::to_string(h.series);
  out += ",\"samples_dropped\":" + std::to_string(h.samples_dropped) + "}\n";
  return out;
}

}  // namespace nozzle
