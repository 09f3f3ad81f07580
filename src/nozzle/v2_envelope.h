// One loggregator v2 envelope as the RLP gateway's JSON gives it, before the v2->v1 rules turn
// it into Envelopes. Reused across envelopes: clear() keeps every string's capacity. Internal
// to src/nozzle (the v2 decoder fills it, v2_to_v1 reads it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/envelope.h"

namespace nozzle {

struct GaugeMetric {
  std::string name;
  std::string unit;
  double value = 0;
  bool is_null = false;  // "name": null, a nil GaugeValue in Go: never converted
};

struct V2Envelope {
  enum class Kind : std::uint8_t { None, Log, Counter, Gauge, Timer, Event };

  std::int64_t timestamp = 0;
  std::string source_id;
  std::string instance_id;
  // Both maps in arrival order; duplicates are resolved when converting (last one wins).
  std::vector<Tag> tags;
  std::size_t tag_count = 0;
  std::vector<Tag> deprecated_tags;  // Values already formatted as loggregator formats them
  std::size_t deprecated_count = 0;

  Kind kind = Kind::None;
  std::string payload;       // log (decoded bytes)
  bool log_out = true;       // log type: OUT, else ERR
  std::string name;          // counter, timer
  std::uint64_t delta = 0;   // counter
  std::uint64_t total = 0;   // counter
  std::int64_t start = 0;    // timer
  std::int64_t stop = 0;     // timer
  std::vector<GaugeMetric> metrics;  // gauge; names unique
  std::size_t metric_count = 0;
  std::string title;  // event
  std::string body;   // event

  void clear() {
    timestamp = 0;
    source_id.clear();
    instance_id.clear();
    tag_count = 0;
    deprecated_count = 0;
    kind = Kind::None;
    payload.clear();
    log_out = true;
    name.clear();
    delta = total = 0;
    start = stop = 0;
    metric_count = 0;
    title.clear();
    body.clear();
  }

  Tag& add_tag() { return next(tags, tag_count); }
  Tag& add_deprecated_tag() { return next(deprecated_tags, deprecated_count); }

  // The metric of that name (replacing its value: a JSON object may repeat a key), or a new one.
  GaugeMetric& metric(std::string_view metric_name) {
    for (std::size_t i = 0; i < metric_count; ++i) {
      if (metrics[i].name == metric_name) return metrics[i];
    }
    if (metric_count == metrics.size()) metrics.emplace_back();
    GaugeMetric& m = metrics[metric_count++];
    m.name.assign(metric_name);
    return m;
  }

  [[nodiscard]] const GaugeMetric* find_metric(std::string_view metric_name) const {
    for (std::size_t i = 0; i < metric_count; ++i) {
      if (metrics[i].name == metric_name) return &metrics[i];
    }
    return nullptr;
  }

 private:
  static Tag& next(std::vector<Tag>& v, std::size_t& count) {
    if (count == v.size()) v.emplace_back();
    return v[count++];
  }
};

}  // namespace nozzle
