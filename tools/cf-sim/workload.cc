#include "workload.h"

#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "naming.h"

namespace cfsim {
namespace {

using nozzle::EventType;

constexpr EventType kMixTypes[7] = {EventType::LogMessage, EventType::ValueMetric, EventType::CounterEvent,
                                    EventType::ContainerMetric, EventType::HttpStartStop, EventType::Error,
                                    EventType::Event};

void set(std::string& s, std::string_view v) { s.assign(v.data(), v.size()); }

void set_number(std::string& s, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.assign(buf, r.ptr);
}

constexpr std::string_view kWords =
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip "
    "ex ea commodo consequat duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore ";

void platform(nozzle::Envelope& env, std::string_view origin, std::string_view job, std::uint64_t h) {
  set(env.origin, origin);
  set(env.deployment, "cf");
  set(env.job, job);
  static constexpr std::string_view kIndexes[4] = {
      "7f3e0b51-6c9e-4d0a-9a57-1d0c2b3a4f60", "0c3a9e5d-2b1f-4c6e-8d7a-5e4f3a2b1c0d",
      "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"};
  set(env.index, kIndexes[h % 4]);
  env.ip = "10.0.16.";
  env.ip += static_cast<char>('1' + h % 4);
}

}  // namespace

Workload::Workload(const WorkloadOptions& options, std::uint64_t apps, std::uint32_t spaces, std::uint32_t orgs)
    : options_(options), apps_(apps), spaces_(spaces), orgs_(orgs) {
  double sum = 0;
  for (std::size_t i = 0; i < 7; ++i) {
    if (options.mix[i] < 0) throw std::invalid_argument("event mix weights must be >= 0");
    sum += options.mix[i];
    cumulative_[i] = sum;
  }
  if (sum <= 0) throw std::invalid_argument("event mix is empty");
  for (auto& c : cumulative_) c /= sum;
  if (options.payload_max < options.payload_min) throw std::invalid_argument("payload max < min");
  if (apps_ == 0) throw std::invalid_argument("the workload needs at least one app");
}

std::uint64_t Workload::hash(std::uint64_t seq, std::uint64_t salt) const {
  return mix64(seq ^ mix64(options_.seed + salt));
}

Workload::Kind Workload::kind(std::uint64_t seq) const {
  if (options_.malformed_share <= 0) return Kind::Envelope;
  const double u = static_cast<double>(hash(seq, 1) >> 11) * 0x1.0p-53;
  return u < options_.malformed_share ? Kind::Malformed : Kind::Envelope;
}

EventType Workload::type(std::uint64_t seq) const {
  const double u = static_cast<double>(hash(seq, 2) >> 11) * 0x1.0p-53;
  for (std::size_t i = 0; i < 7; ++i) {
    if (u < cumulative_[i]) return kMixTypes[i];
  }
  return EventType::LogMessage;
}

std::uint64_t Workload::app(std::uint64_t seq) const {
  const std::uint64_t h = hash(seq, 3);
  if (options_.hot_app_share <= 0 || apps_ < 2) return h % apps_;
  // The top 53 bits as a fraction in [0, 1) decide hot or not; the hash picks a quiet app.
  const double u = static_cast<double>(hash(seq, 17) >> 11) * 0x1.0p-53;
  return u < options_.hot_app_share ? 0 : 1 + h % (apps_ - 1);
}

void Workload::fill_text(std::uint64_t seq, std::string_view kind, std::string& out) const {
  out = "seq=";
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, seq).ptr);
  out += ' ';
  out += kind;
  out += ' ';
  const std::size_t span = options_.payload_max - options_.payload_min + 1;
  const std::size_t size = options_.payload_min + hash(seq, 4) % span;
  std::size_t offset = hash(seq, 5) % kWords.size();
  while (out.size() < size) {
    const std::size_t n = std::min(size - out.size(), kWords.size() - offset);
    out.append(kWords.substr(offset, n));
    offset = 0;
  }
}

void Workload::set_app_tags(std::uint64_t app, bool named, nozzle::Envelope& env) const {
  const auto space = static_cast<std::uint32_t>(app % spaces_);
  const auto org = space % orgs_;
  char guid[36];
  write_app_guid(org, space, app, guid);
  env.add_tag("source_id", std::string_view(guid, 36));
  if (!named) return;
  env.add_tag("app_id", std::string_view(guid, 36));
  env.add_tag("app_name", app_name(app));
  env.add_tag("space_id", space_guid(org, space));
  env.add_tag("space_name", space_name(space));
  env.add_tag("organization_id", org_guid(org));
  env.add_tag("organization_name", org_name(org));
}

Workload::Kind Workload::make(std::uint64_t seq, std::int64_t now_ns, nozzle::Envelope& env) const {
  env.clear();
  if (kind(seq) == Kind::Malformed) return Kind::Malformed;
  const EventType t = type(seq);
  env.type = t;
  env.timestamp_ns = now_ns;
  const std::uint64_t h = hash(seq, 6);
  char seq_text[24];
  const std::string_view seq_sv(seq_text, static_cast<std::size_t>(std::to_chars(seq_text, seq_text + 24, seq).ptr - seq_text));
  const std::uint64_t app_index = app(seq);
  const bool named = static_cast<double>(hash(seq, 7) % 1000000) < options_.tagged_share * 1000000.0;
  const auto app_guid_text = [&] {
    const auto space = static_cast<std::uint32_t>(app_index % spaces_);
    return app_guid(space % orgs_, space, app_index);
  };
  switch (t) {
    case EventType::LogMessage: {
      platform(env, "rep", "diego-cell", app_index);
      auto& l = env.log;
      fill_text(seq, "app log line", l.message);
      l.message_type = h % 10 == 0 ? nozzle::LogMessage::Type::Err : nozzle::LogMessage::Type::Out;
      l.timestamp_ns = now_ns;
      l.app_id = app_guid_text();
      set(l.source_type, h % 20 == 1 ? "RTR" : h % 20 == 2 ? "STG" : "APP/PROC/WEB");
      set_number(l.source_instance, h % 3);
      set_app_tags(app_index, named, env);
      break;
    }
    case EventType::ValueMetric: {
      static constexpr std::string_view kNames[3] = {"latency", "numGoRoutines", "memoryStats.numBytesAllocated"};
      static constexpr std::string_view kUnits[3] = {"ms", "count", "bytes"};
      platform(env, "gorouter", "router", h);
      set(env.value_metric.name, kNames[h % 3]);
      set(env.value_metric.unit, kUnits[h % 3]);
      env.value_metric.value = static_cast<double>(seq);
      break;
    }
    case EventType::CounterEvent: {
      // Not Loggregator's own ingress/egress/dropped: those are loggregator_metrics.h's, with
      // totals that mean something.
      static constexpr std::string_view kNames[3] = {"total_requests", "responses.2xx", "responses.5xx"};
      platform(env, "gorouter", "router", h);
      set(env.counter.name, kNames[h % 3]);
      env.counter.delta = 1;
      env.counter.total = seq;
      break;
    }
    case EventType::ContainerMetric: {
      platform(env, "rep", "diego-cell", app_index);
      auto& c = env.container;
      c.application_id = app_guid_text();
      c.instance_index = static_cast<std::int32_t>(h % 3);
      c.cpu_percentage = static_cast<double>(h % 10000) / 100.0;
      c.memory_bytes = seq;
      c.disk_bytes = 134217728;
      c.memory_bytes_quota = 1073741824;
      c.disk_bytes_quota = 1073741824;
      set_app_tags(app_index, named, env);
      break;
    }
    case EventType::HttpStartStop: {
      static constexpr int kStatus[4] = {200, 200, 404, 503};
      platform(env, "gorouter", "router", h);
      auto& x = env.http;
      x.start_timestamp_ns = now_ns - static_cast<std::int64_t>(1000000 + h % 50000000);
      x.stop_timestamp_ns = now_ns;
      // A request id that differs per seq: the seq in the last group.
      x.request_id = "5eed0000-0000-4000-8000-000000000000";
      char hex[13];
      std::snprintf(hex, sizeof hex, "%012llx", static_cast<unsigned long long>(seq & 0xffffffffffffULL));
      x.request_id.replace(24, 12, hex);
      x.peer_type = nozzle::HttpStartStop::PeerType::Server;
      x.method = h % 4 == 0 ? 2 : 1;
      x.uri = "http://" + app_name(app_index) + ".apps.cf-sim.invalid/items/";
      x.uri += seq_sv;
      set(x.remote_address, "10.0.32.7:51234");
      set(x.user_agent, "curl/7.88.1");
      x.status_code = kStatus[h % 4];
      x.content_length = static_cast<std::int64_t>(seq);
      x.application_id = app_guid_text();
      x.instance_index = static_cast<std::int32_t>(h % 3);
      set(x.instance_id, "6c8e1f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b");
      if (x.forwarded.empty()) x.forwarded.resize(1);
      set(x.forwarded[0], "203.0.113.9");
      x.forwarded_count = 1;
      set_app_tags(app_index, named, env);
      break;
    }
    case EventType::Error:
      platform(env, "cloud_controller", "api", h);
      set(env.error.source, "cf-sim");
      env.error.code = 500;
      fill_text(seq, "platform error", env.error.message);
      break;
    case EventType::Event:
      set(env.origin, "cf-sim");
      set(env.event.title, "cf-sim event");
      fill_text(seq, "event body", env.event.body);
      break;
  }
  env.add_tag("sim_seq", seq_sv);
  return Kind::Envelope;
}

void make_slow_consumer_counter(std::int64_t now_ns, std::uint64_t total, nozzle::Envelope& env) {
  env.clear();
  env.type = EventType::CounterEvent;
  env.timestamp_ns = now_ns;
  platform(env, "loggregator.trafficcontroller", "log-api", 0);
  set(env.counter.name, "doppler_proxy.slow_consumer");
  env.counter.delta = 1;
  env.counter.total = total;
  env.add_tag("source_id", "traffic_controller");
}

void make_upstream_drop_counter(std::int64_t now_ns, std::uint64_t delta, std::uint64_t total,
                                nozzle::Envelope& env) {
  env.clear();
  env.type = EventType::CounterEvent;
  env.timestamp_ns = now_ns;
  platform(env, "DopplerServer", "doppler", 0);
  set(env.counter.name, "TruncatingBuffer.DroppedMessages");
  env.counter.delta = delta;
  env.counter.total = total;
  env.add_tag("source_id", "doppler");
}

}  // namespace cfsim
