#include "syslog/json_body.h"

#include <rapidjson/writer.h>

#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "syslog/text.h"

namespace nozzle::syslog {
namespace {

// RapidJSON output stream appending straight to the caller's string: no StringBuffer, no copy.
class StringAppendStream {
 public:
  using Ch = char;
  void reset(std::string* s) { s_ = s; }
  void Put(char c) { s_->push_back(c); }
  void Flush() {}
  std::string& str() { return *s_; }

 private:
  std::string* s_ = nullptr;
};

using JsonWriter = rapidjson::Writer<StringAppendStream>;

constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;

// Byte index (0..7) of the first byte of w that JSON must escape (< 0x20, '"', '\'), or 8.
inline unsigned first_escape_byte(std::uint64_t w) {
  // Flags are exact for the lowest flagged byte, which is all that is asked for.
  const std::uint64_t control = (w - kLowBits * 0x20) & ~w & kHighBits;
  const std::uint64_t q = w ^ (kLowBits * '"');
  const std::uint64_t quote = (q - kLowBits) & ~q & kHighBits;
  const std::uint64_t b = w ^ (kLowBits * '\\');
  const std::uint64_t backslash = (b - kLowBits) & ~b & kHighBits;
  const std::uint64_t any = control | quote | backslash;
  return any == 0 ? 8 : static_cast<unsigned>(std::countr_zero(any)) / 8;
}

}  // namespace
}  // namespace nozzle::syslog

// RapidJSON copies an unescaped string byte by byte. This hook (the one RapidJSON itself
// specialises for SSE and StringBuffer) copies each run that needs no escaping in one append.
// Bytes >= 0x80 are copied as they are: values are valid UTF-8 before they reach the writer.
template <>
inline bool rapidjson::Writer<nozzle::syslog::StringAppendStream>::ScanWriteUnescapedString(
    rapidjson::StringStream& is, size_t length) {
  const char* p = is.src_;
  const char* const end = is.head_ + length;
  if (std::endian::native == std::endian::little) {
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, sizeof w);
      const unsigned i = nozzle::syslog::first_escape_byte(w);
      p += i;
      if (i < 8) break;
    }
  }
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c == '"' || c == '\\') break;
    ++p;
  }
  os_->str().append(is.src_, p);
  is.src_ = p;
  return p < end;
}

namespace nozzle::syslog {
namespace {

using rapidjson::SizeType;

// What follows a cut value: its closing quote, the truncated flag, the object's end and the LF.
constexpr std::string_view kTruncatedKey = "truncated";
constexpr std::string_view kTruncatedTail = "\",\"truncated\":true}\n";

struct JsonState {
  StringAppendStream stream;
  JsonWriter writer;
  std::string scratch;  // repaired copy of a value that was not valid UTF-8
};

JsonState& json_state() {
  thread_local JsonState state;
  return state;
}

// The keys one body has written, so that an extra field never repeats one.
class KeySet {
 public:
  void add(std::string_view k) {
    assert(size_ < keys_.size());
    keys_[size_++] = k;
  }
  [[nodiscard]] bool contains(std::string_view k) const {
    for (std::size_t i = 0; i < size_; ++i) {
      if (keys_[i] == k) return true;
    }
    return false;
  }

 private:
  std::array<std::string_view, 48> keys_{};
  std::size_t size_ = 0;
};

class BodyWriter {
 public:
  BodyWriter(JsonState& state, std::string& out) : w_(state.writer), scratch_(state.scratch) {
    state.stream.reset(&out);
    w_.Reset(state.stream);
  }

  void key(std::string_view k) {
    keys_.add(k);
    w_.Key(k.data(), static_cast<SizeType>(k.size()));
  }
  void string(std::string_view v) {
    if (text::valid_utf8_prefix(v) != v.size()) {
      scratch_.clear();
      append_valid_utf8(v, scratch_);
      v = scratch_;
    }
    w_.String(v.data(), static_cast<SizeType>(v.size()));
  }
  void field(std::string_view k, std::string_view v) {
    key(k);
    string(v);
  }
  void field_int(std::string_view k, std::int64_t v) {
    key(k);
    w_.Int64(v);
  }
  void field_uint(std::string_view k, std::uint64_t v) {
    key(k);
    w_.Uint64(v);
  }
  void field_double(std::string_view k, double v) {
    key(k);
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

 private:
  static bool is_reserved(std::string_view k, std::string_view reserved) {
    return !reserved.empty() && (k == reserved || k == kTruncatedKey);
  }

  JsonWriter& w_;
  std::string& scratch_;
  KeySet keys_;
};

void write_common(BodyWriter& b, const Envelope& env, const AppInfo& app) {
  b.field("cf_origin", "firehose");
  b.field("event_type", event_type_name(env.type));
  b.field("origin", env.origin);
  b.field("deployment", env.deployment);
  b.field("ip", env.ip);
  b.field("job", env.job);
  b.field("job_index", env.index);
  std::int64_t ts = env.timestamp_ns;
  if (env.type == EventType::LogMessage && env.log.timestamp_ns != 0) ts = env.log.timestamp_ns;
  b.field_int("timestamp", ts);

  const std::string_view app_id = env.app_id();
  // firehose-to-syslog always writes cf_app_id for container metrics, empty or not.
  if (app_id.empty() && env.type != EventType::ContainerMetric) return;
  b.field("cf_app_id", app_id);
  if (app_id.empty()) return;
  if (!app.app_name.empty()) b.field("cf_app_name", app.app_name);
  if (!app.space_id.empty()) b.field("cf_space_id", app.space_id);
  if (!app.space_name.empty()) b.field("cf_space_name", app.space_name);
  if (!app.org_id.empty()) b.field("cf_org_id", app.org_id);
  if (!app.org_name.empty()) b.field("cf_org_name", app.org_name);
}

void write_http(BodyWriter& b, const HttpStartStop& h) {
  b.field_int("start_timestamp", h.start_timestamp_ns);
  b.field_int("stop_timestamp", h.stop_timestamp_ns);
  // Unsigned difference: a broken pair of timestamps must not overflow.
  const auto diff = static_cast<std::uint64_t>(h.stop_timestamp_ns) -
                    static_cast<std::uint64_t>(h.start_timestamp_ns);
  b.field_int("duration_ms", static_cast<std::int64_t>(diff) / 1'000'000);
  b.field("request_id", h.request_id);
  b.field("peer_type", peer_type_name(h.peer_type));
  b.field("method", http_method_name(h.method));
  b.field("uri", h.uri);
  b.field("remote_addr", h.remote_address);
  b.field("user_agent", h.user_agent);
  b.field_int("status_code", h.status_code);
  b.field_int("content_length", h.content_length);
  b.field_int("instance_index", h.instance_index);
  b.field("instance_id", h.instance_id);
  b.key("forwarded");
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
BodyResult finish_with_cuttable(BodyWriter& b, std::string_view k, std::string_view value,
                                std::size_t base, std::size_t budget, std::string& out) {
  b.key(k);
  const std::size_t value_pos = out.size() + 2;  // after ':' and '"'
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
      static_cast<std::int64_t>(out.size() - base + 2) <= static_cast<std::int64_t>(budget)) {
    b.raw().EndObject();
    out.push_back('\n');
    return BodyResult::Ok;
  }
  if (cut_room < 0) {
    out.resize(base);
    return BodyResult::TooLarge;
  }
  const std::string_view escaped(out.data() + value_pos, out.size() - 1 - value_pos);
  out.resize(value_pos + cut_escaped(escaped, static_cast<std::size_t>(cut_room)));
  out.push_back('"');
  b.raw().Key(kTruncatedKey.data(), static_cast<SizeType>(kTruncatedKey.size()));
  b.raw().Bool(true);
  b.raw().EndObject();
  out.push_back('\n');
  assert(out.size() - base <= budget);
  return BodyResult::Truncated;
}

}  // namespace

BodyResult append_json_body(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                            std::size_t budget, std::string& out) {
  const std::size_t base = out.size();
  BodyWriter b(json_state(), out);
  b.raw().StartObject();
  write_common(b, env, app);

  switch (env.type) {
    case EventType::LogMessage:
      b.field("message_type", env.log.message_type == LogMessage::Type::Err ? "ERR" : "OUT");
      b.field("source_type", env.log.source_type);
      b.field("source_instance", env.log.source_instance);
      b.extras(options, "msg");
      return finish_with_cuttable(b, "msg", env.log.message, base, budget, out);
    case EventType::Error:
      b.field("source", env.error.source);
      b.field_int("code", env.error.code);
      b.extras(options, "msg");
      return finish_with_cuttable(b, "msg", env.error.message, base, budget, out);
    case EventType::Event:
      b.field("title", env.event.title);
      b.extras(options, "body");
      return finish_with_cuttable(b, "body", env.event.body, base, budget, out);
    case EventType::ValueMetric:
      b.field("name", env.value_metric.name);
      b.field_double("value", env.value_metric.value);
      b.field("unit", env.value_metric.unit);
      break;
    case EventType::CounterEvent:
      b.field("name", env.counter.name);
      b.field_uint("delta", env.counter.delta);
      b.field_uint("total", env.counter.total);
      break;
    case EventType::ContainerMetric:
      b.field_int("instance_index", env.container.instance_index);
      b.field_double("cpu_percentage", env.container.cpu_percentage);
      b.field_uint("memory_bytes", env.container.memory_bytes);
      b.field_uint("disk_bytes", env.container.disk_bytes);
      b.field_uint("memory_bytes_quota", env.container.memory_bytes_quota);
      b.field_uint("disk_bytes_quota", env.container.disk_bytes_quota);
      break;
    case EventType::HttpStartStop:
      write_http(b, env.http);
      break;
  }
  b.extras(options, {});
  b.raw().EndObject();
  out.push_back('\n');
  if (out.size() - base > budget) {
    out.resize(base);
    return BodyResult::TooLarge;
  }
  return BodyResult::Ok;
}

}  // namespace nozzle::syslog
