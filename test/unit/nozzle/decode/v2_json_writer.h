// A small protojson writer for the v2 decoder tests, written by hand from docs/WIRE.md,
// "protojson encoding", with the variations a decoder must accept: lowerCamel keys, 64-bit integers
// as bare numbers, unpadded or URL-safe base64, enum numbers, and whitespace after every token.
#pragma once

#include <cstdio>
#include <string>

#include "loggregator/v2.pb.h"

namespace nozzle::test {

struct JsonStyle {
  bool camel = false;          // sourceId, instanceId, deprecatedTags
  bool bare_int64 = false;     // "timestamp":123 instead of "timestamp":"123"
  bool raw_base64 = false;     // no padding
  bool url_base64 = false;     // - and _ instead of + and /
  bool enum_numbers = false;   // "type":1 instead of "type":"ERR"
  std::string space;           // written after every ',' and ':' and around braces
};

inline std::string base64(const std::string& in, bool url, bool pad) {
  const char* abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += abc[v >> 18];
    out += abc[v >> 12 & 63];
    out += abc[v >> 6 & 63];
    out += abc[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += abc[v >> 18];
    out += abc[v >> 12 & 63];
    if (i + 1 < in.size()) out += abc[v >> 6 & 63];
    if (pad) out += i + 1 < in.size() ? "=" : "==";
  }
  return out;
}

inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

inline std::string json_double(double v) {
  if (v != v) return "\"NaN\"";
  if (v > 1.7976931348623157e308) return "\"Infinity\"";
  if (v < -1.7976931348623157e308) return "\"-Infinity\"";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline std::string to_protojson(const loggregator::v2::Envelope& e, const JsonStyle& st = {}) {
  const std::string& sp = st.space;
  auto key = [&](const char* snake, const char* camel) {
    return sp + json_string(st.camel ? camel : snake) + sp + ":" + sp;
  };
  auto i64 = [&](long long v) { return st.bare_int64 ? std::to_string(v) : "\"" + std::to_string(v) + "\""; };
  auto u64 = [&](unsigned long long v) { return st.bare_int64 ? std::to_string(v) : "\"" + std::to_string(v) + "\""; };
  std::string j = "{" + key("timestamp", "timestamp") + i64(e.timestamp()) + ",";
  j += key("source_id", "sourceId") + json_string(e.source_id()) + ",";
  j += key("instance_id", "instanceId") + json_string(e.instance_id()) + ",";
  j += key("deprecated_tags", "deprecatedTags") + "{";
  bool first = true;
  for (const auto& [k, v] : e.deprecated_tags()) {
    j += (first ? "" : ",") + sp + json_string(k) + sp + ":" + sp + "{";
    if (v.has_text()) j += key("text", "text") + json_string(v.text());
    if (v.has_integer()) j += key("integer", "integer") + i64(v.integer());
    if (v.has_decimal()) j += key("decimal", "decimal") + json_double(v.decimal());
    j += sp + "}";
    first = false;
  }
  j += sp + "}," + key("tags", "tags") + "{";
  first = true;
  for (const auto& [k, v] : e.tags()) {
    j += (first ? "" : ",") + sp + json_string(k) + sp + ":" + sp + json_string(v);
    first = false;
  }
  j += sp + "}";
  if (e.has_log()) {
    j += "," + key("log", "log") + "{" + key("payload", "payload") +
         json_string(base64(e.log().payload(), st.url_base64, !st.raw_base64)) + "," + key("type", "type") +
         (st.enum_numbers ? std::to_string(e.log().type()) : json_string(e.log().type() == 0 ? "OUT" : "ERR")) + sp +
         "}";
  } else if (e.has_counter()) {
    j += "," + key("counter", "counter") + "{" + key("name", "name") + json_string(e.counter().name()) + "," +
         key("delta", "delta") + u64(e.counter().delta()) + "," + key("total", "total") + u64(e.counter().total()) +
         sp + "}";
  } else if (e.has_gauge()) {
    j += "," + key("gauge", "gauge") + "{" + key("metrics", "metrics") + "{";
    first = true;
    for (const auto& [name, v] : e.gauge().metrics()) {
      j += (first ? "" : ",") + sp + json_string(name) + sp + ":" + sp + "{" + key("unit", "unit") +
           json_string(v.unit()) + "," + key("value", "value") + json_double(v.value()) + sp + "}";
      first = false;
    }
    j += sp + "}" + sp + "}";
  } else if (e.has_timer()) {
    j += "," + key("timer", "timer") + "{" + key("name", "name") + json_string(e.timer().name()) + "," +
         key("start", "start") + i64(e.timer().start()) + "," + key("stop", "stop") + i64(e.timer().stop()) + sp + "}";
  } else if (e.has_event()) {
    j += "," + key("event", "event") + "{" + key("title", "title") + json_string(e.event().title()) + "," +
         key("body", "body") + json_string(e.event().body()) + sp + "}";
  }
  return j + sp + "}";
}

inline std::string batch_of(const std::string& envelopes_json, const std::string& sp = "") {
  return "{" + sp + "\"batch\"" + sp + ":" + sp + "[" + envelopes_json + sp + "]" + sp + "}";
}

}  // namespace nozzle::test
