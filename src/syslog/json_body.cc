// The JSON body: firehose-to-syslog's keys through RapidJSON's Writer (json_writer.h adapts it
// to the formatter's buffer), and the cut of the last field when the message would be too long.
#include "syslog/json_body.h"

#include <rapidjson/document.h>

#include <cassert>
#include <cmath>
#include <cstdint>

#include "syslog/appender.h"
#include "syslog/json_writer.h"
#include "syslog/text.h"

namespace nozzle::syslog {
namespace {

using rapidjson::SizeType;

// A key known at compile time, kept with its JSON form ("name") so that writing it is one copy.
template <std::size_t N>
struct KeyName {
  char quoted[N + 1]{};
  consteval KeyName(const char (&s)[N]) {  // NOLINT: implicit, for key<"name">()
    quoted[0] = '"';
    for (std::size_t i = 0; i + 1 < N; ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) throw "key needs escaping";
      quoted[i + 1] = s[i];
    }
    quoted[N] = '"';
  }
  [[nodiscard]] constexpr std::string_view json() const { return {quoted, N + 1}; }
  [[nodiscard]] constexpr std::string_view name() const { return {quoted + 1, N - 1}; }
};

// What follows a cut value: its closing quote, the truncated flag, the object's end and the LF.
constexpr std::string_view kTruncatedKey = "truncated";
constexpr std::string_view kTruncatedTail = "\",\"truncated\":true}\n";

struct JsonState {
  JsonWriter writer;
};

JsonState& json_state() {
  thread_local JsonState state;
  return state;
}

// The keys one body has written, so that an extra field never repeats one. The entries are
// left uninitialised (a zeroed array of 48 string_views cost a 768-byte fill per body).
class KeySet {
 public:
  void add(std::string_view k) {
    assert(size_ < kCapacity);
    keys_[size_++] = Entry{k.data(), k.size()};
  }
  [[nodiscard]] bool contains(std::string_view k) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (std::string_view(keys_[i].data, keys_[i].size) == k) return true;
    }
    return false;
  }

 private:
  struct Entry {
    const char* data;
    std::size_t size;
  };
  static constexpr std::size_t kCapacity = 48;
  Entry keys_[kCapacity];
  std::size_t size_ = 0;
};

class BodyWriter {
 public:
  BodyWriter(JsonState& state, Appender& out) : os_(out), w_(state.writer) { w_.Reset(os_); }
  BodyWriter(const BodyWriter&) = delete;
  BodyWriter& operator=(const BodyWriter&) = delete;

  // Constant keys go in through RawValue: the writer still places every ',' and ':'.
  template <KeyName K>
  void key() {
    keys_.add(K.name());
    w_.RawValue(K.json().data(), K.json().size(), rapidjson::kStringType);
  }
  // Any bytes: invalid UTF-8 is repaired as the string is written (json_writer.h).
  void string(std::string_view v) { w_.String(v.data(), static_cast<SizeType>(v.size())); }
  template <KeyName K>
  void field(std::string_view v) {
    key<K>();
    string(v);
  }
  template <KeyName K>
  void field_int(std::int64_t v) {
    key<K>();
    w_.Int64(v);
  }
  template <KeyName K>
  void field_uint(std::uint64_t v) {
    key<K>();
    w_.Uint64(v);
  }
  template <KeyName K>
  void field_double(double v) {
    key<K>();
    if (std::isfinite(v)) {
      w_.Double(v);
    } else {
      w_.Null();  // NaN and infinities have no JSON form
    }
  }
  // Extra fields come from config; they are checked anyway, and skipped when they would repeat
  // a key this body writes (`reserved` are written after them).
  void extras(const FormatOptions& options, std::string_view reserved) {
    const auto& extra = options.extra_fields;
    for (std::size_t i = 0; i < extra.size(); ++i) {
      const std::string_view k = extra[i].first;
      if (keys_.contains(k) || is_reserved(k, reserved)) continue;
      bool repeated = false;
      for (std::size_t j = 0; j < i && !repeated; ++j) repeated = extra[j].first == k;
      if (repeated) continue;
      string(k);  // a key: no KeySet entry needed, earlier extras are checked above
      string(extra[i].second);
    }
  }
  JsonWriter& raw() { return w_; }
  JsonStream& stream() { return os_; }

 private:
  static bool is_reserved(std::string_view k, std::string_view reserved) {
    return !reserved.empty() && (k == reserved || k == kTruncatedKey);
  }

  JsonStream os_;
  JsonWriter& w_;
  KeySet keys_;
};

void write_common(BodyWriter& b, const Envelope& env, const AppInfo& app) {
  b.field<"cf_origin">("firehose");
  b.field<"event_type">(event_type_name(env.type));
  b.field<"origin">(env.origin);
  b.field<"deployment">(env.deployment);
  b.field<"ip">(env.ip);
  b.field<"job">(env.job);
  b.field<"job_index">(env.index);
  std::int64_t ts = env.timestamp_ns;
  if (env.type == EventType::LogMessage && env.log.timestamp_ns != 0) ts = env.log.timestamp_ns;
  b.field_int<"timestamp">(ts);

  const std::string_view app_id = env.app_id();
  // firehose-to-syslog always writes cf_app_id for container metrics, empty or not.
  if (app_id.empty() && env.type != EventType::ContainerMetric) return;
  b.field<"cf_app_id">(app_id);
  if (app_id.empty()) return;
  if (!app.app_name.empty()) b.field<"cf_app_name">(app.app_name);
  if (!app.space_id.empty()) b.field<"cf_space_id">(app.space_id);
  if (!app.space_name.empty()) b.field<"cf_space_name">(app.space_name);
  if (!app.org_id.empty()) b.field<"cf_org_id">(app.org_id);
  if (!app.org_name.empty()) b.field<"cf_org_name">(app.org_name);
}

void write_http(BodyWriter& b, const HttpStartStop& h) {
  b.field_int<"start_timestamp">(h.start_timestamp_ns);
  b.field_int<"stop_timestamp">(h.stop_timestamp_ns);
  // Unsigned difference: a broken pair of timestamps must not overflow.
  const auto diff = static_cast<std::uint64_t>(h.stop_timestamp_ns) -
                    static_cast<std::uint64_t>(h.start_timestamp_ns);
  b.field_int<"duration_ms">(static_cast<std::int64_t>(diff) / 1'000'000);
  b.field<"request_id">(h.request_id);
  b.field<"peer_type">(peer_type_name(h.peer_type));
  b.field<"method">(http_method_name(h.method));
  b.field<"uri">(h.uri);
  b.field<"remote_addr">(h.remote_address);
  b.field<"user_agent">(h.user_agent);
  b.field_int<"status_code">(h.status_code);
  b.field_int<"content_length">(h.content_length);
  b.field_int<"instance_index">(h.instance_index);
  b.field<"instance_id">(h.instance_id);
  b.key<"forwarded">();
  b.raw().StartArray();
  const std::size_t n = h.forwarded_count < h.forwarded.size() ? h.forwarded_count : h.forwarded.size();
  for (std::size_t i = 0; i < n; ++i) b.string(h.forwarded[i]);
  b.raw().EndArray();
}

// The longest prefix of escaped JSON string content, at most `room` bytes, that ends neither
// inside an escape nor inside a UTF-8 character.
std::size_t cut_escaped(std::string_view s, std::size_t room) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 1;
    if (c == '\\') {
      n = s[i + 1] == 'u' ? 6 : 2;
    } else if (c >= 0xF0) {
      n = 4;
    } else if (c >= 0xE0) {
      n = 3;
    } else if (c >= 0xC0) {
      n = 2;
    }
    if (i + n > room) break;
    i += n;
  }
  return i;
}

// Writes the cuttable last field (`msg` or `body`), closes the object and adds the LF.
// Positions are relative to the stream, which holds the body from `base` on.
template <KeyName K>
BodyResult finish_with_cuttable(BodyWriter& b, std::string_view value, std::size_t base,
                                std::size_t budget) {
  JsonStream& os = b.stream();
  b.key<K>();
  const std::size_t value_pos = os.size() + 2;  // after ':' and '"'
  const auto used = static_cast<std::int64_t>(value_pos - base);
  const std::int64_t full_room = static_cast<std::int64_t>(budget) - used - 3;  // "}LF
  const std::int64_t cut_room = static_cast<std::int64_t>(budget) - used -
                                static_cast<std::int64_t>(kTruncatedTail.size());
  std::string_view input = value;
  if (static_cast<std::int64_t>(value.size()) > full_room) {
    // It will be cut. A character that starts before cut_room ends within 4 bytes of it, and
    // escaping never shortens, so nothing past this prefix can reach the output.
    const std::int64_t keep = cut_room < 0 ? 0 : cut_room + 4;
    if (static_cast<std::int64_t>(input.size()) > keep) input = input.substr(0, static_cast<std::size_t>(keep));
  }
  b.string(input);
  if (input.size() == value.size() &&
      static_cast<std::int64_t>(os.size() - base + 2) <= static_cast<std::int64_t>(budget)) {
    b.raw().EndObject();
    os.Put('\n');
    return BodyResult::Ok;
  }
  if (cut_room < 0) return BodyResult::TooLarge;
  const std::string_view escaped(os.data() + value_pos, os.size() - 1 - value_pos);
  os.truncate(value_pos + cut_escaped(escaped, static_cast<std::size_t>(cut_room)));
  os.Put('"');
  b.key<"truncated">();
  b.raw().Bool(true);
  b.raw().EndObject();
  os.Put('\n');
  assert(os.size() - base <= budget);
  return BodyResult::Truncated;
}

// A payload that is one JSON object, no deeper than this, may be nested (json-logs=true).
constexpr int kMaxJsonLogDepth = 32;

// True when `s` (after leading blanks) starts an object and never nests deeper than
// kMaxJsonLogDepth: checked before parsing, so that neither the parser nor the writer recurse
// deeply on hostile input.
bool json_object_candidate(std::string_view s) {
  std::size_t i = s.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || s[i] != '{') return false;
  int depth = 0;
  bool in_string = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonLogDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// json-logs=true: writes "log": the payload's object, re-serialized (so the body is valid JSON
// whatever the payload was), closes the body and adds the LF. False, with the stream as it was,
// when the payload is not one valid JSON object in UTF-8 or the body would not fit the budget:
// the caller then writes "msg" as a string.
bool write_json_log(BodyWriter& b, std::string_view payload, std::size_t base, std::size_t budget) {
  if (!json_object_candidate(payload)) return false;
  rapidjson::Document doc;
  // Anything after the object (a second value, garbage) is a parse error: not one object.
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  JsonStream& os = b.stream();
  const std::size_t mark = os.size();
  b.key<"log">();
  doc.Accept(b.raw());
  if (os.size() - base + 2 > budget) {  // "}" and LF must fit too
    os.truncate(mark);  // the writer's member count stays even: the next key is written right
    return false;
  }
  b.raw().EndObject();
  os.Put('\n');
  return true;
}

BodyResult write_body(BodyWriter& b, const Envelope& env, const AppInfo& app,
                      const FormatOptions& options, std::size_t base, std::size_t budget) {
  b.raw().StartObject();
  write_common(b, env, app);

  switch (env.type) {
    case EventType::LogMessage:
      b.field<"message_type">(env.log.message_type == LogMessage::Type::Err ? "ERR" : "OUT");
      b.field<"source_type">(env.log.source_type);
      b.field<"source_instance">(env.log.source_instance);
      b.extras(options, "msg");
      if (options.json_logs && write_json_log(b, env.log.message, base, budget)) return BodyResult::Ok;
      return finish_with_cuttable<"msg">(b, env.log.message, base, budget);
    case EventType::Error:
      b.field<"source">(env.error.source);
      b.field_int<"code">(env.error.code);
      b.extras(options, "msg");
      return finish_with_cuttable<"msg">(b, env.error.message, base, budget);
    case EventType::Event:
      b.field<"title">(env.event.title);
      b.extras(options, "body");
      return finish_with_cuttable<"body">(b, env.event.body, base, budget);
    case EventType::ValueMetric:
      b.field<"name">(env.value_metric.name);
      b.field_double<"value">(env.value_metric.value);
      b.field<"unit">(env.value_metric.unit);
      break;
    case EventType::CounterEvent:
      b.field<"name">(env.counter.name);
      b.field_uint<"delta">(env.counter.delta);
      b.field_uint<"total">(env.counter.total);
      break;
    case EventType::ContainerMetric:
      b.field_int<"instance_index">(env.container.instance_index);
      b.field_double<"cpu_percentage">(env.container.cpu_percentage);
      b.field_uint<"memory_bytes">(env.container.memory_bytes);
      b.field_uint<"disk_bytes">(env.container.disk_bytes);
      b.field_uint<"memory_bytes_quota">(env.container.memory_bytes_quota);
      b.field_uint<"disk_bytes_quota">(env.container.disk_bytes_quota);
      break;
    case EventType::HttpStartStop:
      write_http(b, env.http);
      break;
  }
  b.extras(options, {});
  b.raw().EndObject();
  b.stream().Put('\n');
  return b.stream().size() - base > budget ? BodyResult::TooLarge : BodyResult::Ok;
}

}  // namespace

BodyResult append_json_body(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                            std::size_t budget, Appender& out) {
  const std::size_t base = out.size();
  BodyWriter b(json_state(), out);
  const BodyResult result = write_body(b, env, app, options, base, budget);
  if (result == BodyResult::TooLarge) out.truncate(base);
  return result;
}

BodyResult append_json_body(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                            std::size_t budget, std::string& out) {
  Appender a(out);
  const BodyResult result = append_json_body(env, app, options, budget, a);
  a.commit();
  return result;
}

}  // namespace nozzle::syslog
