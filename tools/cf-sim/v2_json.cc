#include "v2_json.h"

#include <charconv>
#include <cmath>
#include <string_view>

#include "http_types.h"
#include "v1_encoder.h"

namespace cfsim {
namespace {

using nozzle::EventType;

std::string uuid_text(std::string_view text) {
  // Normalises to lowercase; cf-sim's uuids already are, this only validates.
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  if (!uuid_to_halves(text, lo, hi)) return {};
  std::string s(text);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class JsonOut {
 public:
  JsonOut(std::string& out, const V2JsonStyle& style) : out_(out), style_(style) {}
  void open() { out_.push_back('{'); first_ = true; }
  void close() { out_.push_back('}'); first_ = false; }
  void key(std::string_view k) {
    if (!first_) out_ += style_.spaces ? ", " : ",";
    first_ = false;
    append_json_string(k, out_);
    out_ += style_.spaces ? ":" : ":";
  }
  void str(std::string_view k, std::string_view v) { key(k); append_json_string(v, out_); }
  void int_str(std::string_view k, std::int64_t v) { key(k); out_ += '"'; out_ += std::to_string(v); out_ += '"'; }
  void uint_str(std::string_view k, std::uint64_t v) { key(k); out_ += '"'; out_ += std::to_string(v); out_ += '"'; }
  void dbl(std::string_view k, double v) { key(k); append_json_double(v, out_); }
  void obj(std::string_view k) { key(k); open(); }
  std::string& raw() { return out_; }
  const V2JsonStyle& style() const { return style_; }

 private:
  std::string& out_;
  const V2JsonStyle& style_;
  bool first_ = true;
};

struct KV {
  std::string_view k;
  std::string v;
};

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void append_json_double(double v, std::string& out) {
  if (std::isnan(v)) { out += "\"NaN\""; return; }
  if (std::isinf(v)) { out += v > 0 ? "\"Infinity\"" : "\"-Infinity\""; return; }
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_v2_envelope(const nozzle::Envelope& env, const V2JsonStyle& style, std::string& out) {
  // ToV2 with preferred tags: every v1 tag, then origin/deployment/job/index/ip and __v1_type.
  std::vector<KV> tags;
  std::string source_id;
  std::string instance_id;
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    if (env.tags[i].key == "source_id") {
      source_id = env.tags[i].value;
      continue;
    }
    tags.push_back({env.tags[i].key, env.tags[i].value});
  }
  if (env.type != EventType::Event) {
    tags.push_back({"origin", env.origin});
    tags.push_back({"deployment", env.deployment});
    tags.push_back({"job", env.job});
    tags.push_back({"index", env.index});
    tags.push_back({"ip", env.ip});
    tags.push_back({"__v1_type", std::string(nozzle::event_type_name(env.type))});
  }
  if (source_id.empty()) source_id = env.type == EventType::Event ? "cf-sim" : env.deployment + "/" + env.job;
  const auto tag_value = [&](std::string_view k) -> std::string {
    for (const auto& t : tags) {
      if (t.k == k) return t.v;
    }
    return {};
  };
  switch (env.type) {
    case EventType::LogMessage:
      tags.push_back({"source_type", env.log.source_type});
      instance_id = env.log.source_instance;
      if (!env.log.app_id.empty()) source_id = env.log.app_id;
      break;
    case EventType::HttpStartStop: {
      const auto& h = env.http;
      const auto app = uuid_text(h.application_id);
      if (!app.empty() && app != "00000000-0000-0000-0000-000000000000") source_id = app;
      instance_id = std::to_string(h.instance_index);
      std::string forwarded;
      for (std::size_t i = 0; i < h.forwarded_count && i < h.forwarded.size(); ++i) {
        if (i > 0) forwarded += '\n';
        forwarded += h.forwarded[i];
      }
      tags.push_back({"request_id", uuid_text(h.request_id)});
      tags.push_back({"peer_type", std::string(nozzle::peer_type_name(h.peer_type))});
      tags.push_back({"method", std::string(nozzle::http_method_name(h.method))});
      tags.push_back({"uri", h.uri});
      tags.push_back({"remote_address", h.remote_address});
      tags.push_back({"user_agent", h.user_agent});
      tags.push_back({"status_code", std::to_string(h.status_code)});
      tags.push_back({"content_length", std::to_string(h.content_length)});
      tags.push_back({"routing_instance_id", h.instance_id});
      tags.push_back({"forwarded", forwarded});
      break;
    }
    case EventType::ValueMetric:
    case EventType::CounterEvent:
      instance_id = tag_value("instance_id");
      if (env.type == EventType::CounterEvent) {
        std::erase_if(tags, [](const KV& t) { return t.k == "instance_id"; });
      }
      break;
    case EventType::ContainerMetric:
      source_id = env.container.application_id;
      instance_id = std::to_string(env.container.instance_index);
      break;
    case EventType::Error:
      tags.push_back({"source", env.error.source});
      tags.push_back({"code", std::to_string(env.error.code)});
      break;
    case EventType::Event:
      break;
  }

  JsonOut j(out, style);
  j.open();
  j.int_str("timestamp", env.timestamp_ns);
  j.str(style.camel_case ? "sourceId" : "source_id", source_id);
  j.str(style.camel_case ? "instanceId" : "instance_id", instance_id);
  j.obj(style.camel_case ? "deprecatedTags" : "deprecated_tags");
  j.close();
  j.obj("tags");
  for (const auto& t : tags) j.str(t.k, t.v);
  j.close();
  switch (env.type) {
    case EventType::LogMessage:
      j.obj("log");
      j.str("payload", base64_encode(env.log.message));
      j.str("type", env.log.message_type == nozzle::LogMessage::Type::Err ? "ERR" : "OUT");
      j.close();
      break;
    case EventType::Error:
      j.obj("log");
      j.str("payload", base64_encode(env.error.message));
      j.str("type", "OUT");
      j.close();
      break;
    case EventType::CounterEvent:
      j.obj("counter");
      j.str("name", env.counter.name);
      j.uint_str("delta", env.counter.delta);
      j.uint_str("total", env.counter.total);
      j.close();
      break;
    case EventType::ValueMetric:
      j.obj("gauge");
      j.obj("metrics");
      j.obj(env.value_metric.name);
      j.str("unit", env.value_metric.unit);
      j.dbl("value", env.value_metric.value);
      j.close();
      j.close();
      j.close();
      break;
    case EventType::ContainerMetric: {
      const auto& c = env.container;
      j.obj("gauge");
      j.obj("metrics");
      const auto metric = [&](std::string_view name, std::string_view unit, double v) {
        j.obj(name);
        j.str("unit", unit);
        j.dbl("value", v);
        j.close();
      };
      metric("cpu", "percentage", c.cpu_percentage);
      metric("memory", "bytes", static_cast<double>(c.memory_bytes));
      metric("disk", "bytes", static_cast<double>(c.disk_bytes));
      metric("memory_quota", "bytes", static_cast<double>(c.memory_bytes_quota));
      metric("disk_quota", "bytes", static_cast<double>(c.disk_bytes_quota));
      j.close();
      j.close();
      break;
    }
    case EventType::HttpStartStop:
      j.obj("timer");
      j.str("name", "http");
      j.int_str("start", env.http.start_timestamp_ns);
      j.int_str("stop", env.http.stop_timestamp_ns);
      j.close();
      break;
    case EventType::Event:
      j.obj("event");
      j.str("title", env.event.title);
      j.str("body", env.event.body);
      j.close();
      break;
  }
  j.close();
}

}  // namespace cfsim
