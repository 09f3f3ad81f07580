#include "nozzle/decode/v2_to_v1.h"

#include <array>
#include <cstdint>
#include <string_view>

#include "nozzle/decode/json_scalars.h"

namespace nozzle {
namespace {

using namespace std::string_view_literals;

constexpr std::array kContainerMetrics = {"cpu"sv, "memory"sv, "disk"sv, "memory_quota"sv, "disk_quota"sv};

constexpr std::uint32_t bit(TagId id) { return std::uint32_t{1} << static_cast<unsigned>(id); }

// Tags that become Envelope fields, and the marker that says how to read a log; never kept.
constexpr std::uint32_t kReservedTags =
    bit(TagId::V1Type) | bit(TagId::Origin) | bit(TagId::Deployment) | bit(TagId::Job) | bit(TagId::Index) | bit(TagId::Ip);
// Tags each output type turns into fields of its own, and removes.
constexpr std::uint32_t kLogTags = bit(TagId::SourceType);
constexpr std::uint32_t kErrorTags = bit(TagId::Source) | bit(TagId::Code);
constexpr std::uint32_t kTimerTags = bit(TagId::RequestId) | bit(TagId::PeerType) | bit(TagId::Method) | bit(TagId::Uri) |
                                     bit(TagId::RemoteAddress) | bit(TagId::UserAgent) | bit(TagId::StatusCode) |
                                     bit(TagId::ContentLength) | bit(TagId::RoutingInstanceId) | bit(TagId::Forwarded);
static_assert(static_cast<unsigned>(TagId::Count_) <= 32);

// The tags as getV2Tag sees them: deprecated ones first, so that plain tags win a clash (in
// the position of the deprecated entry), without duplicates; and the value of every known key.
class MergedTags {
 public:
  explicit MergedTags(V2Envelope& in) {
    if (in.deprecated_tags.size() == 0) {
      list_ = &in.tags;
    } else {
      // Rare (modern gateways send none): merge into the envelope's scratch list.
      TagList& merged = in.merged_tags;
      merged.clear();
      for (std::size_t i = 0; i < in.deprecated_tags.size(); ++i) {
        const TagView& t = in.deprecated_tags[i];
        merged.put(t.key, t.value, t.id);
      }
      for (std::size_t i = 0; i < in.tags.size(); ++i) {
        const TagView& t = in.tags[i];
        merged.put(t.key, t.value, t.id);
      }
      list_ = &merged;
    }
    for (std::size_t i = 0; i < list_->size(); ++i) {
      const TagView& t = (*list_)[i];
      if (t.id == TagId::Other) continue;
      known_[static_cast<std::size_t>(t.id)] = t.value;
      present_ |= bit(t.id);
    }
  }

  [[nodiscard]] const TagList& list() const { return *list_; }
  [[nodiscard]] std::string_view get(TagId id) const { return known_[static_cast<std::size_t>(id)]; }
  [[nodiscard]] bool has(TagId id) const { return (present_ & bit(id)) != 0; }

 private:
  const TagList* list_ = nullptr;
  std::array<std::string_view, static_cast<std::size_t>(TagId::Count_)> known_{};
  std::uint32_t present_ = 0;
};

// The fields every output shares, and the tags it keeps: all but the reserved ones and
// `dropped`, in order, `source_id` set to the envelope's (replacing a tag of that name in its
// place, else appended), then `instance_id` likewise when `instance_tag` is set.
void fill_base(const V2Envelope& in, const MergedTags& tags, std::uint32_t dropped, bool instance_tag, Envelope& env) {
  env.timestamp_ns = in.timestamp;
  env.origin.assign(tags.get(TagId::Origin));
  env.deployment.assign(tags.get(TagId::Deployment));
  env.job.assign(tags.get(TagId::Job));
  env.index.assign(tags.get(TagId::Index));
  env.ip.assign(tags.get(TagId::Ip));
  dropped |= kReservedTags;
  const bool set_source = !in.source_id.empty();
  const bool set_instance = instance_tag && !in.instance_id.empty();
  const TagList& list = tags.list();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const TagView& t = list[i];
    if ((dropped & bit(t.id)) != 0) continue;
    std::string_view value = t.value;
    if (t.id == TagId::SourceId && set_source) value = in.source_id;
    if (t.id == TagId::InstanceId && set_instance) value = in.instance_id;
    env.add_tag(t.key, value);
  }
  if (set_source && !tags.has(TagId::SourceId)) env.add_tag("source_id", in.source_id);
  if (set_instance && !tags.has(TagId::InstanceId)) env.add_tag("instance_id", in.instance_id);
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

// The payload moves into the Envelope; the Envelope's old string, with its capacity, becomes
// the next payload's buffer.
void convert_log(V2Envelope& in, const MergedTags& tags, Envelope& env) {
  if (tags.get(TagId::V1Type) == "Error") {
    fill_base(in, tags, kErrorTags, false, env);
    env.type = EventType::Error;
    env.error.source.assign(tags.get(TagId::Source));
    env.error.code = static_cast<std::int32_t>(json::atoi_or_zero(tags.get(TagId::Code)));
    env.error.message.swap(in.payload);
    return;
  }
  fill_base(in, tags, kLogTags, false, env);
  env.type = EventType::LogMessage;
  env.log.message.swap(in.payload);
  env.log.message_type = in.log_out ? LogMessage::Type::Out : LogMessage::Type::Err;
  env.log.timestamp_ns = in.timestamp;
  env.log.app_id.assign(in.source_id);
  env.log.source_type.assign(tags.get(TagId::SourceType));
  env.log.source_instance.assign(in.instance_id);
}

void convert_timer(const V2Envelope& in, const MergedTags& tags, Envelope& env) {
  fill_base(in, tags, kTimerTags, false, env);
  env.type = EventType::HttpStartStop;
  HttpStartStop& h = env.http;
  h.start_timestamp_ns = in.start;
  h.stop_timestamp_ns = in.stop;
  json::normalize_uuid(tags.get(TagId::RequestId), h.request_id);
  json::normalize_uuid(in.source_id, h.application_id);
  const std::string_view peer = tags.get(TagId::PeerType);
  h.peer_type = peer == "Client"   ? HttpStartStop::PeerType::Client
                : peer == "Server" ? HttpStartStop::PeerType::Server
                                   : HttpStartStop::PeerType::Unknown;
  const std::string_view method = tags.get(TagId::Method);
  h.method = 0;
  for (std::int32_t m = 1; !method.empty() && !http_method_name(m).empty(); ++m) {
    if (http_method_name(m) == method) {
      h.method = m;
      break;
    }
  }
  h.uri.assign(tags.get(TagId::Uri));
  h.remote_address.assign(tags.get(TagId::RemoteAddress));
  h.user_agent.assign(tags.get(TagId::UserAgent));
  h.status_code = static_cast<std::int32_t>(json::atoi_or_zero(tags.get(TagId::StatusCode)));
  h.content_length = json::atoi_or_zero(tags.get(TagId::ContentLength));
  h.instance_index = static_cast<std::int32_t>(json::atoi_or_zero(in.instance_id));
  h.instance_id.assign(tags.get(TagId::RoutingInstanceId));
  // An absent or empty tag means no forwarded addresses (not one empty one).
  std::string_view forwarded = tags.get(TagId::Forwarded);
  while (!forwarded.empty()) {
    const std::size_t nl = forwarded.find('\n');
    if (h.forwarded_count == h.forwarded.size()) h.forwarded.emplace_back();
    h.forwarded[h.forwarded_count++].assign(forwarded.substr(0, nl));
    if (nl == std::string_view::npos) break;
    forwarded.remove_prefix(nl + 1);
  }
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

void convert_container(const V2Envelope& in, const MergedTags& tags, Envelope& env) {
  fill_base(in, tags, 0, false, env);
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
}

std::size_t convert_value_metrics(const V2Envelope& in, const MergedTags& tags, EnvelopeRun& out, std::size_t base_slot) {
  fill_base(in, tags, 0, true, out.items[base_slot]);
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

std::size_t convert_v2_to_v1(V2Envelope& in, EnvelopeRun& out) {
  if (in.kind == V2Envelope::Kind::None) return 0;
  const MergedTags tags(in);
  const std::size_t base_slot = out.count;
  Envelope& env = out.append();
  switch (in.kind) {
    case V2Envelope::Kind::Log:
      convert_log(in, tags, env);
      return 1;
    case V2Envelope::Kind::Counter:
      fill_base(in, tags, 0, true, env);
      env.type = EventType::CounterEvent;
      env.counter.name.assign(in.name);
      env.counter.delta = in.delta;
      env.counter.total = in.total;
      return 1;
    case V2Envelope::Kind::Gauge:
      if (is_container_metric(in)) {
        convert_container(in, tags, env);
        return 1;
      }
      return convert_value_metrics(in, tags, out, base_slot);
    case V2Envelope::Kind::Timer:
      convert_timer(in, tags, env);
      return 1;
    case V2Envelope::Kind::Event:
      fill_base(in, tags, 0, false, env);
      env.type = EventType::Event;
      env.event.title.assign(in.title);
      env.event.body.assign(in.body);
      return 1;
    case V2Envelope::Kind::None:
      break;
  }
  --out.count;
  return 0;
}

}  // namespace nozzle
