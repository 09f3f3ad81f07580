#include "nozzle/decode/v1_decoder.h"

#include <bit>
#include <cstring>

#include "nozzle/decode/protobuf_wire.h"

namespace nozzle {
namespace {

using wire::Context;
using wire::Field;
using wire::kFixed64;
using wire::kLengthDelimited;
using wire::kVarint;

constexpr std::string_view kEnvelopeMsg = "Envelope";
constexpr std::string_view kTagsEntryMsg = "Envelope.TagsEntry";
constexpr std::string_view kLogMsg = "LogMessage";
constexpr std::string_view kValueMsg = "ValueMetric";
constexpr std::string_view kCounterMsg = "CounterEvent";
constexpr std::string_view kContainerMsg = "ContainerMetric";
constexpr std::string_view kHttpMsg = "HttpStartStop";
constexpr std::string_view kErrorMsg = "Error";
constexpr std::string_view kUuidMsg = "UUID";

// Field names by number, for error messages and the required-field check. Index 0 is unused.
constexpr std::string_view kEnvelopeFields[] = {"", "origin", "eventType"};
constexpr std::string_view kLogFields[] = {"", "message", "message_type", "timestamp"};
constexpr std::string_view kValueFields[] = {"", "name", "value", "unit"};
constexpr std::string_view kCounterFields[] = {"", "name", "delta"};
constexpr std::string_view kContainerFields[] = {"", "applicationId", "instanceIndex", "cpuPercentage",
                                                 "memoryBytes", "diskBytes"};
constexpr std::string_view kHttpFields[] = {"",           "startTimestamp", "stopTimestamp", "requestId",
                                            "peerType",   "method",         "uri",           "remoteAddress",
                                            "userAgent",  "statusCode",     "contentLength"};
constexpr std::string_view kErrorFields[] = {"", "source", "code", "message"};
constexpr std::string_view kUuidFields[] = {"", "low", "high"};

// Bit n set = field n seen. Required sets are fields 1..N of each message (proto2 declares them
// first in every dropsonde message), so "all required seen" is a mask of the low bits.
constexpr std::uint32_t required_mask(std::size_t names) { return ((1u << names) - 1) & ~1u; }

template <std::size_t N>
bool check_required(Context& ctx, std::string_view message, std::uint32_t seen,
                    const std::string_view (&names)[N]) {
  constexpr std::uint32_t mask = required_mask(N);
  if ((seen & mask) == mask) return true;
  for (std::size_t i = 1; i < N; ++i) {
    if ((seen & (1u << i)) == 0) {
      return ctx.fail(DecodeErrorKind::MissingField, message, static_cast<std::uint32_t>(i), names[i], 0,
                      ctx.base);
    }
  }
  return true;
}

std::uint32_t bit(std::uint32_t field_number) { return field_number < 32 ? 1u << field_number : 0; }

std::int32_t as_int32(std::uint64_t v) { return static_cast<std::int32_t>(static_cast<std::uint32_t>(v)); }

// A UUID accumulated across (possibly repeated, hence merged) occurrences of its field.
struct UuidParts {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  std::uint32_t seen = 0;
  bool present = false;
};

// go-loggregator's uuidToString: low and high as 8 little-endian bytes each, grouped 4-2-2-2-6.
void uuid_to_text(const UuidParts& u, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.resize(36);
  char* o = out.data();
  for (unsigned i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
    const auto b = static_cast<unsigned>(((i < 8 ? u.low : u.high) >> (8 * (i % 8))) & 0xff);
    *o++ = kHex[b >> 4];
    *o++ = kHex[b & 15];
  }
}

bool decode_uuid(Context& ctx, std::string_view data, UuidParts& u) {
  u.present = true;
  return wire::for_each_field(ctx, kUuidMsg, data, [&](const Field& f) {
    if (f.number != 1 && f.number != 2) return true;
    if (!ctx.expect(kUuidMsg, f, kVarint, kUuidFields[f.number])) return false;
    (f.number == 1 ? u.low : u.high) = f.value;
    u.seen |= bit(f.number);
    return true;
  });
}

// Per-decode bookkeeping: which fields of which sub-messages were seen.
struct Seen {
  std::uint32_t envelope = 0;
  std::uint32_t log = 0, value = 0, counter = 0, container = 0, http = 0, error = 0;
  bool has_log = false, has_value = false, has_counter = false, has_container = false, has_http = false,
       has_error = false;
  UuidParts request_id;
  UuidParts application_id;
};

// Assigns a string field after checking its wire type.
bool take_string(Context& ctx, std::string_view message, const Field& f, std::string_view name,
                 std::string& dst) {
  if (!ctx.expect(message, f, kLengthDelimited, name)) return false;
  dst.assign(f.bytes);
  return true;
}

bool take_varint(Context& ctx, std::string_view message, const Field& f, std::string_view name,
                 std::uint64_t& dst) {
  if (!ctx.expect(message, f, kVarint, name)) return false;
  dst = f.value;
  return true;
}

bool take_double(Context& ctx, std::string_view message, const Field& f, std::string_view name, double& dst) {
  if (!ctx.expect(message, f, kFixed64, name)) return false;
  dst = std::bit_cast<double>(f.value);
  return true;
}

bool decode_log(Context& ctx, std::string_view data, Envelope& env, Seen& seen) {
  LogMessage& m = env.log;
  return wire::for_each_field(ctx, kLogMsg, data, [&](const Field& f) {
    std::uint64_t v = 0;
    seen.log |= bit(f.number);
    switch (f.number) {
      case 1: return take_string(ctx, kLogMsg, f, "message", m.message);
      case 2:
        if (!take_varint(ctx, kLogMsg, f, "message_type", v)) return false;
        if (v != 1 && v != 2) return ctx.fail(DecodeErrorKind::BadEnumValue, kLogMsg, 2, "message_type", v, f.at);
        m.message_type = static_cast<LogMessage::Type>(v);
        return true;
      case 3:
        if (!take_varint(ctx, kLogMsg, f, "timestamp", v)) return false;
        m.timestamp_ns = static_cast<std::int64_t>(v);
        return true;
      case 4: return take_string(ctx, kLogMsg, f, "app_id", m.app_id);
      case 5: return take_string(ctx, kLogMsg, f, "source_type", m.source_type);
      case 6: return take_string(ctx, kLogMsg, f, "source_instance", m.source_instance);
      default: return true;
    }
  });
}

bool decode_value_metric(Context& ctx, std::string_view data, Envelope& env, Seen& seen) {
  ValueMetric& m = env.value_metric;
  return wire::for_each_field(ctx, kValueMsg, data, [&](const Field& f) {
    seen.value |= bit(f.number);
    switch (f.number) {
      case 1: return take_string(ctx, kValueMsg, f, "name", m.name);
      case 2: return take_double(ctx, kValueMsg, f, "value", m.value);
      case 3: return take_string(ctx, kValueMsg, f, "unit", m.unit);
      default: return true;
    }
  });
}

bool decode_counter(Context& ctx, std::string_view data, Envelope& env, Seen& seen) {
  CounterEvent& m = env.counter;
  return wire::for_each_field(ctx, kCounterMsg, data, [&](const Field& f) {
    seen.counter |= bit(f.number);
    switch (f.number) {
      case 1: return take_string(ctx, kCounterMsg, f, "name", m.name);
      case 2: return take_varint(ctx, kCounterMsg, f, "delta", m.delta);
      case 3: return take_varint(ctx, kCounterMsg, f, "total", m.total);
      default: return true;
    }
  });
}

bool decode_container(Context& ctx, std::string_view data, Envelope& env, Seen& seen) {
  ContainerMetric& m = env.container;
  return wire::for_each_field(ctx, kContainerMsg, data, [&](const Field& f) {
    std::uint64_t v = 0;
    seen.container |= bit(f.number);
    switch (f.number) {
      case 1: return take_string(ctx, kContainerMsg, f, "applicationId", m.application_id);
      case 2:
        if (!take_varint(ctx, kContainerMsg, f, "instanceIndex", v)) return false;
        m.instance_index = as_int32(v);
        return true;
      case 3: return take_double(ctx, kContainerMsg, f, "cpuPercentage", m.cpu_percentage);
      case 4: return take_varint(ctx, kContainerMsg, f, "memoryBytes", m.memory_bytes);
      case 5: return take_varint(ctx, kContainerMsg, f, "diskBytes", m.disk_bytes);
      case 6: return take_varint(ctx, kContainerMsg, f, "memoryBytesQuota", m.memory_bytes_quota);
      case 7: return take_varint(ctx, kContainerMsg, f, "diskBytesQuota", m.disk_bytes_quota);
      default: return true;
    }
  });
}

bool decode_http(Context& ctx, std::string_view data, Envelope& env, Seen& seen) {
  HttpStartStop& m = env.http;
  return wire::for_each_field(ctx, kHttpMsg, data, [&](const Field& f) {
    std::uint64_t v = 0;
    seen.http |= bit(f.number);
    switch (f.number) {
      case 1:
      case 2:
        if (!take_varint(ctx, kHttpMsg, f, kHttpFields[f.number], v)) return false;
        (f.number == 1 ? m.start_timestamp_ns : m.stop_timestamp_ns) = static_cast<std::int64_t>(v);
        return true;
      case 3:
        if (!ctx.expect(kHttpMsg, f, kLengthDelimited, "requestId")) return false;
        return decode_uuid(ctx, f.bytes, seen.request_id);
      case 4:
        if (!take_varint(ctx, kHttpMsg, f, "peerType", v)) return false;
        m.peer_type = (v == 1 || v == 2) ? static_cast<HttpStartStop::PeerType>(v)
                                         : HttpStartStop::PeerType::Unknown;
        return true;
      case 5:
      case 9:
      case 13:
        if (!take_varint(ctx, kHttpMsg, f, f.number == 5 ? "method" : f.number == 9 ? "statusCode" : "instanceIndex",
                         v)) {
          return false;
        }
        (f.number == 5 ? m.method : f.number == 9 ? m.status_code : m.instance_index) = as_int32(v);
        return true;
      case 6: return take_string(ctx, kHttpMsg, f, "uri", m.uri);
      case 7: return take_string(ctx, kHttpMsg, f, "remoteAddress", m.remote_address);
      case 8: return take_string(ctx, kHttpMsg, f, "userAgent", m.user_agent);
      case 10:
        if (!take_varint(ctx, kHttpMsg, f, "contentLength", v)) return false;
        m.content_length = static_cast<std::int64_t>(v);
        return true;
      case 12:
        if (!ctx.expect(kHttpMsg, f, kLengthDelimited, "applicationId")) return false;
        return decode_uuid(ctx, f.bytes, seen.application_id);
      case 14: return take_string(ctx, kHttpMsg, f, "instanceId", m.instance_id);
      case 15:
        if (!ctx.expect(kHttpMsg, f, kLengthDelimited, "forwarded")) return false;
        if (m.forwarded_count == m.forwarded.size()) m.forwarded.emplace_back();
        m.forwarded[m.forwarded_count++].assign(f.bytes);
        return true;
      default: return true;
    }
  });
}

bool decode_error_event(Context& ctx, std::string_view data, Envelope& env, Seen& seen) {
  ErrorEvent& m = env.error;
  return wire::for_each_field(ctx, kErrorMsg, data, [&](const Field& f) {
    std::uint64_t v = 0;
    seen.error |= bit(f.number);
    switch (f.number) {
      case 1: return take_string(ctx, kErrorMsg, f, "source", m.source);
      case 2:
        if (!take_varint(ctx, kErrorMsg, f, "code", v)) return false;
        m.code = as_int32(v);
        return true;
      case 3: return take_string(ctx, kErrorMsg, f, "message", m.message);
      default: return true;
    }
  });
}

// A map entry {1: key, 2: value}; a missing key or value is the empty string (protobuf rules).
bool decode_tag(Context& ctx, std::string_view data, Envelope& env) {
  std::string_view key;
  std::string_view value;
  const bool ok = wire::for_each_field(ctx, kTagsEntryMsg, data, [&](const Field& f) {
    if (f.number != 1 && f.number != 2) return true;
    if (!ctx.expect(kTagsEntryMsg, f, kLengthDelimited, f.number == 1 ? "key" : "value")) return false;
    (f.number == 1 ? key : value) = f.bytes;
    return true;
  });
  if (!ok) return false;
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    if (env.tags[i].key == key) {
      env.tags[i].value.assign(value);
      return true;
    }
  }
  env.add_tag(key, value);
  return true;
}

bool decode_envelope_fields(Context& ctx, std::string_view data, Envelope& env, Seen& seen) {
  return wire::for_each_field(ctx, kEnvelopeMsg, data, [&](const Field& f) {
    seen.envelope |= bit(f.number);
    switch (f.number) {
      case 1: return take_string(ctx, kEnvelopeMsg, f, "origin", env.origin);
      case 2: {
        std::uint64_t v = 0;
        if (!take_varint(ctx, kEnvelopeMsg, f, "eventType", v)) return false;
        if (v < 4 || v > 9) return ctx.fail(DecodeErrorKind::BadEnumValue, kEnvelopeMsg, 2, "eventType", v, f.at);
        env.type = static_cast<EventType>(v);
        return true;
      }
      case 6: {
        std::uint64_t v = 0;
        if (!take_varint(ctx, kEnvelopeMsg, f, "timestamp", v)) return false;
        env.timestamp_ns = static_cast<std::int64_t>(v);
        return true;
      }
      case 7:
        seen.has_http = true;
        return ctx.expect(kEnvelopeMsg, f, kLengthDelimited, "httpStartStop") && decode_http(ctx, f.bytes, env, seen);
      case 8:
        seen.has_log = true;
        return ctx.expect(kEnvelopeMsg, f, kLengthDelimited, "logMessage") && decode_log(ctx, f.bytes, env, seen);
      case 9:
        seen.has_value = true;
        return ctx.expect(kEnvelopeMsg, f, kLengthDelimited, "valueMetric") &&
               decode_value_metric(ctx, f.bytes, env, seen);
      case 10:
        seen.has_counter = true;
        return ctx.expect(kEnvelopeMsg, f, kLengthDelimited, "counterEvent") &&
               decode_counter(ctx, f.bytes, env, seen);
      case 11:
        seen.has_error = true;
        return ctx.expect(kEnvelopeMsg, f, kLengthDelimited, "error") && decode_error_event(ctx, f.bytes, env, seen);
      case 12:
        seen.has_container = true;
        return ctx.expect(kEnvelopeMsg, f, kLengthDelimited, "containerMetric") &&
               decode_container(ctx, f.bytes, env, seen);
      case 13: return take_string(ctx, kEnvelopeMsg, f, "deployment", env.deployment);
      case 14: return take_string(ctx, kEnvelopeMsg, f, "job", env.job);
      case 15: return take_string(ctx, kEnvelopeMsg, f, "index", env.index);
      case 16: return take_string(ctx, kEnvelopeMsg, f, "ip", env.ip);
      case 17:
        return ctx.expect(kEnvelopeMsg, f, kLengthDelimited, "tags") && decode_tag(ctx, f.bytes, env);
      default: return true;
    }
  });
}

// The sub-message the eventType names, and every sub-message present, must be complete.
bool check_envelope(Context& ctx, const Seen& seen, EventType type) {
  if (!check_required(ctx, kEnvelopeMsg, seen.envelope, kEnvelopeFields)) return false;
  static constexpr std::string_view kSubField[] = {"httpStartStop", "logMessage", "valueMetric",
                                                   "counterEvent",  "error",      "containerMetric"};
  const bool present[] = {seen.has_http, seen.has_log, seen.has_value, seen.has_counter, seen.has_error,
                          seen.has_container};
  const auto slot = static_cast<std::size_t>(type) - static_cast<std::size_t>(EventType::HttpStartStop);
  if (!present[slot]) {
    return ctx.fail(DecodeErrorKind::MissingField, kEnvelopeMsg, static_cast<std::uint32_t>(slot + 7),
                    kSubField[slot], 0, ctx.base);
  }
  if (seen.has_log && !check_required(ctx, kLogMsg, seen.log, kLogFields)) return false;
  if (seen.has_value && !check_required(ctx, kValueMsg, seen.value, kValueFields)) return false;
  if (seen.has_counter && !check_required(ctx, kCounterMsg, seen.counter, kCounterFields)) return false;
  if (seen.has_container && !check_required(ctx, kContainerMsg, seen.container, kContainerFields)) return false;
  if (seen.has_error && !check_required(ctx, kErrorMsg, seen.error, kErrorFields)) return false;
  if (seen.has_http) {
    if (!check_required(ctx, kHttpMsg, seen.http, kHttpFields)) return false;
    if (!check_required(ctx, kUuidMsg, seen.request_id.seen, kUuidFields)) return false;
    if (seen.application_id.present && !check_required(ctx, kUuidMsg, seen.application_id.seen, kUuidFields)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<DecodeError> decode_v1_envelope(std::string_view bytes, Envelope& env) {
  env.clear();
  Context ctx;
  ctx.base = reinterpret_cast<const unsigned char*>(bytes.data());
  Seen seen;
  if (!decode_envelope_fields(ctx, bytes, env, seen) || !check_envelope(ctx, seen, env.type)) {
    return ctx.error;
  }
  if (seen.request_id.present) uuid_to_text(seen.request_id, env.http.request_id);
  if (seen.application_id.present) uuid_to_text(seen.application_id, env.http.application_id);
  return std::nullopt;
}

}  // namespace nozzle
