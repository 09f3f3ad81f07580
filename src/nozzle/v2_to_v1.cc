#include "nozzle/v2_to_v1.h"

#include <array>
#include <string_view>
#include <utility>

#include "nozzle/json_scalars.h"

namespace nozzle {
namespace {

using namespace std::string_view_literals;

// Tags that become Envelope fields, and the marker that says how to read a log; never kept.
constexpr std::array kReservedTags = {"__v1_type"sv, "origin"sv, "deployment"sv, "job"sv, "index"sv, "ip"sv};
constexpr std::array kLogTags = {"source_type"sv};
constexpr std::array kErrorTags = {"source"sv, "code"sv};
constexpr std::array kTimerTags = {"request_id"sv,     "peer_type"sv,      "method"sv,
                                   "uri"sv,            "remote_address"sv, "user_agent"sv,
                                   "status_code"sv,    "content_length"sv, "routing_instance_id"sv,
                                   "forwarded"sv};
constexpr std::array kContainerMetrics = {"cpu"sv, "memory"sv, "disk"sv, "memory_quota"sv, "disk_quota"sv};

void set_tag(Envelope& env, std::string_view key, std::string_view value) {
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    if (env.tags[i].key == key) {
      env.tags[i].value.assign(value);
      return;
    }
  }
  env.add_tag(key, value);
}

template <std::size_t N>
bool listed(std::string_view key, const std::array<std::string_view, N>& keys) {
  for (std::string_view k : keys) {
    if (k == key) return true;
  }
  return false;
}

// Removes the reserved tags and `extra`, keeping the order of the rest (and every string's
// capacity: entries are swapped, never destroyed).
template <std::size_t N>
void drop_tags(Envelope& env, const std::array<std::string_view, N>& extra) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    const std::string_view key = env.tags[i].key;
    if (listed(key, kReservedTags) || listed(key, extra)) continue;
    if (kept != i) std::swap(env.tags[kept], env.tags[i]);
    ++kept;
  }
  env.tag_count = kept;
}

std::string_view tag_or_empty(const Envelope& env, std::string_view key) { return env.tag(key).value_or(""); }

// The fields every output shares: tags (deprecated ones first, so plain tags win a clash, as
// getV2Tag prefers them), source_id, and the five base fields read from the tags.
void fill_base(const V2Envelope& in, Envelope& env) {
  env.timestamp_ns = in.timestamp;
  for (std::size_t i = 0; i < in.deprecated_count; ++i) {
    set_tag(env, in.deprecated_tags[i].key, in.deprecated_tags[i].value);
  }
  for (std::size_t i = 0; i < in.tag_count; ++i) set_tag(env, in.tags[i].key, in.tags[i].value);
  if (!in.source_id.empty()) set_tag(env, "source_id", in.source_id);
  env.origin.assign(tag_or_empty(env, "origin"));
  env.deployment.assign(tag_or_empty(env, "deployment"));
  env.job.assign(tag_or_empty(env, "job"));
  env.index.assign(tag_or_empty(env, "index"));
  env.ip.assign(tag_or_empty(env, "ip"));
}

void copy_header(const Envelope& from, Envelope& to) {
  to.origin = from.origin;
  to.timestamp_ns = from.timestamp_ns;
  to.deployment = from.deployment;
  to.job = from.job;
  to.index = from.index;
  to.ip = from.ip;
  for (std::size_t i = 0; i < from.tag_count; ++i) to.add_tag(from.tags[i].key, from.tags[i].value);
}

void convert_log(const V2Envelope& in, Envelope& env) {
  if (tag_or_empty(env, "__v1_type") == "Error") {
    env.type = EventType::Error;
    env.error.source.assign(tag_or_empty(env, "source"));
    env.error.code = static_cast<std::int32_t>(json::atoi_or_zero(tag_or_empty(env, "code")));
    env.error.message.assign(in.payload);
    drop_tags(env, kErrorTags);
    return;
  }
  env.type = EventType::LogMessage;
  env.log.message.assign(in.payload);
  env.log.message_type = in.log_out ? LogMessage::Type::Out : LogMessage::Type::Err;
  env.log.timestamp_ns = in.timestamp;
  env.log.app_id.assign(in.source_id);
  env.log.source_type.assign(tag_or_empty(env, "source_type"));
  env.log.source_instance.assign(in.instance_id);
  drop_tags(env, kLogTags);
}

void convert_timer(const V2Envelope& in, Envelope& env) {
  env.type = EventType::HttpStartStop;
  HttpStartStop& h = env.http;
  h.start_timestamp_ns = in.start;
  h.stop_timestamp_ns = in.stop;
  json::normalize_uuid(tag_or_empty(env, "request_id"), h.request_id);
  json::normalize_uuid(in.source_id, h.application_id);
  const std::string_view peer = tag_or_empty(env, "peer_type");
  h.peer_type = peer == "Client"   ? HttpStartStop::PeerType::Client
                : peer == "Server" ? HttpStartStop::PeerType::Server
                                   : HttpStartStop::PeerType::Unknown;
  const std::string_view method = tag_or_empty(env, "method");
  h.method = 0;
  for (std::int32_t m = 1; !method.empty() && !http_method_name(m).empty(); ++m) {
    if (http_method_name(m) == method) {
      h.method = m;
      break;
    }
  }
  h.uri.assign(tag_or_empty(env, "uri"));
  h.remote_address.assign(tag_or_empty(env, "remote_address"));
  h.user_agent.assign(tag_or_empty(env, "user_agent"));
  h.status_code = static_cast<std::int32_t>(json::atoi_or_zero(tag_or_empty(env, "status_code")));
  h.content_length = json::atoi_or_zero(tag_or_empty(env, "content_length"));
  h.instance_index = static_cast<std::int32_t>(json::atoi_or_zero(in.instance_id));
  h.instance_id.assign(tag_or_empty(env, "routing_instance_id"));
  // An absent or empty tag means no forwarded addresses (not one empty one).
  std::string_view forwarded = tag_or_empty(env, "forwarded");
  while (!forwarded.empty()) {
    const std::size_t nl = forwarded.find('\n');
    if (h.forwarded_count == h.forwarded.size()) h.forwarded.emplace_back();
    h.forwarded[h.forwarded_count++].assign(forwarded.substr(0, nl));
    if (nl == std::string_view::npos) break;
    forwarded.remove_prefix(nl + 1);
  }
  drop_tags(env, kTimerTags);
}

// Container metrics: more than one metric, and each of the five present and non-empty (a unit
// or a non-zero value), as go-loggregator's isContainerMetric decides.
bool is_container_metric(const V2Envelope& in) {
  if (in.metric_count <= 1) return false;
  for (std::string_view name : kContainerMetrics) {
    const GaugeMetric* m = in.find_metric(name);
    if (m == nullptr || m->is_null || (m->unit.empty() && m->value == 0)) return false;
  }
  return true;
}

void convert_container(const V2Envelope& in, Envelope& env) {
  env.type = EventType::ContainerMetric;
  ContainerMetric& c = env.container;
  c.application_id.assign(in.source_id);
  const GaugeMetric* index = in.find_metric("instance_index");
  c.instance_index = index != nullptr && !index->is_null
                         ? json::double_to_int32(index->value)
                         : static_cast<std::int32_t>(json::atoi_or_zero(in.instance_id));
  c.cpu_percentage = in.find_metric("cpu")->value;
  c.memory_bytes = json::double_to_uint64(in.find_metric("memory")->value);
  c.disk_bytes = json::double_to_uint64(in.find_metric("disk")->value);
  c.memory_bytes_quota = json::double_to_uint64(in.find_metric("memory_quota")->value);
  c.disk_bytes_quota = json::double_to_uint64(in.find_metric("disk_quota")->value);
  drop_tags(env, std::array<std::string_view, 0>{});
}

std::size_t convert_value_metrics(const V2Envelope& in, EnvelopeRun& out, std::size_t base_slot) {
  {
    Envelope& base = out.items[base_slot];
    drop_tags(base, std::array<std::string_view, 0>{});
    if (!in.instance_id.empty()) set_tag(base, "instance_id", in.instance_id);
  }
  std::size_t produced = 0;
  for (std::size_t i = 0; i < in.metric_count; ++i) {
    const GaugeMetric& m = in.metrics[i];
    if (m.is_null) continue;
    std::size_t slot = base_slot;
    if (produced > 0) {
      out.append();  // may move the items: index, never hold references across it
      slot = out.count - 1;
      copy_header(out.items[base_slot], out.items[slot]);
    }
    Envelope& env = out.items[slot];
    env.type = EventType::ValueMetric;
    env.value_metric.name.assign(m.name);
    env.value_metric.unit.assign(m.unit);
    env.value_metric.value = m.value;
    ++produced;
  }
  if (produced == 0) --out.count;  // nothing to say: drop the base
  return produced;
}

}  // namespace

std::size_t convert_v2_to_v1(const V2Envelope& in, EnvelopeRun& out) {
  const std::size_t base_slot = out.count;
  Envelope& env = out.append();
  fill_base(in, env);
  switch (in.kind) {
    case V2Envelope::Kind::Log:
      convert_log(in, env);
      return 1;
    case V2Envelope::Kind::Counter:
      env.type = EventType::CounterEvent;
      env.counter.name.assign(in.name);
      env.counter.delta = in.delta;
      env.counter.total = in.total;
      drop_tags(env, std::array<std::string_view, 0>{});
      if (!in.instance_id.empty()) set_tag(env, "instance_id", in.instance_id);
      return 1;
    case V2Envelope::Kind::Gauge:
      if (is_container_metric(in)) {
        convert_container(in, env);
        return 1;
      }
      return convert_value_metrics(in, out, base_slot);
    case V2Envelope::Kind::Timer:
      convert_timer(in, env);
      return 1;
    case V2Envelope::Kind::Event:
      env.type = EventType::Event;
      env.event.title.assign(in.title);
      env.event.body.assign(in.body);
      drop_tags(env, std::array<std::string_view, 0>{});
      return 1;
    case V2Envelope::Kind::None:
      break;
  }
  --out.count;
  return 0;
}

}  // namespace nozzle
