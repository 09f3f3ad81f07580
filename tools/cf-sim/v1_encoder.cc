#include "v1_encoder.h"

#include <cstring>

namespace cfsim {
namespace {

enum Wire : unsigned { kVarint = 0, kFixed64 = 1, kLen = 2 };

class Out {
 public:
  explicit Out(std::string& s) : s_(s) {}

  void varint(std::uint64_t v) {
    char buf[10];
    int n = 0;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    s_.append(buf, static_cast<std::size_t>(n));
  }
  void tag(unsigned field, Wire wire) { varint((field << 3) | wire); }
  void uint_field(unsigned field, std::uint64_t v) {
    tag(field, kVarint);
    varint(v);
  }
  // int32/int64 negative values are sign-extended to 10 bytes, as protobuf does.
  void int_field(unsigned field, std::int64_t v) { uint_field(field, static_cast<std::uint64_t>(v)); }
  void double_field(unsigned field, double d) {
    tag(field, kFixed64);
    char buf[8];
    std::memcpy(buf, &d, 8);  // x86-64 and aarch64 are little-endian, as the wire is
    s_.append(buf, 8);
  }
  void bytes_field(unsigned field, std::string_view v) {
    tag(field, kLen);
    varint(v.size());
    s_.append(v);
  }
  void opt_bytes(unsigned field, std::string_view v) {
    if (!v.empty()) bytes_field(field, v);
  }
  // Starts a nested message; returns the mark to pass to end(). One length byte is reserved
  // and widened afterwards if the message is 128 bytes or longer.
  std::size_t begin(unsigned field) {
    tag(field, kLen);
    s_.push_back('\0');
    return s_.size();
  }
  void end(std::size_t mark) {
    const std::size_t len = s_.size() - mark;
    char buf[10];
    int n = 0;
    std::uint64_t v = len;
    while (v >= 0x80) {
      buf[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buf[n++] = static_cast<char>(v);
    if (n > 1) s_.insert(mark, static_cast<std::size_t>(n - 1), '\0');
    std::memcpy(s_.data() + mark - 1, buf, static_cast<std::size_t>(n));
  }

 private:
  std::string& s_;
};

void uuid_field(Out& o, unsigned field, std::string_view text) {
  std::uint64_t low = 0;
  std::uint64_t high = 0;
  if (!uuid_to_halves(text, low, high)) return;
  const auto m = o.begin(field);
  o.uint_field(1, low);
  o.uint_field(2, high);
  o.end(m);
}

}  // namespace

bool uuid_to_halves(std::string_view text, std::uint64_t& low, std::uint64_t& high) {
  if (text.size() != 36) return false;
  unsigned char bytes[16];
  int n = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '-') {
      if (i != 8 && i != 13 && i != 18 && i != 23) return false;
      ++i;
      continue;
    }
    int v = 0;
    for (int k = 0; k < 2; ++k, ++i) {
      const char c = text[i];
      const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                     : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0 || i >= text.size()) return false;
      v = v * 16 + d;
    }
    if (n == 16) return false;
    bytes[n++] = static_cast<unsigned char>(v);
  }
  if (n != 16) return false;
  low = 0;
  high = 0;
  for (int i = 7; i >= 0; --i) low = (low << 8) | bytes[i];
  for (int i = 15; i >= 8; --i) high = (high << 8) | bytes[i];
  return true;
}

bool encode_v1(const nozzle::Envelope& env, std::string& out) {
  using nozzle::EventType;
  if (env.type == EventType::Event) return false;
  Out o(out);
  o.bytes_field(1, env.origin);
  o.uint_field(2, static_cast<unsigned>(env.type));
  if (env.timestamp_ns != 0) o.int_field(6, env.timestamp_ns);
  switch (env.type) {
    case EventType::HttpStartStop: {
      const auto& h = env.http;
      const auto m = o.begin(7);
      o.int_field(1, h.start_timestamp_ns);
      o.int_field(2, h.stop_timestamp_ns);
      uuid_field(o, 3, h.request_id);
      o.uint_field(4, static_cast<unsigned>(h.peer_type));
      o.int_field(5, h.method);
      o.bytes_field(6, h.uri);
      o.bytes_field(7, h.remote_address);
      o.bytes_field(8, h.user_agent);
      o.int_field(9, h.status_code);
      o.int_field(10, h.content_length);
      if (!h.application_id.empty()) uuid_field(o, 12, h.application_id);
      o.int_field(13, h.instance_index);
      o.opt_bytes(14, h.instance_id);
      for (std::size_t i = 0; i < h.forwarded_count && i < h.forwarded.size(); ++i) o.bytes_field(15, h.forwarded[i]);
      o.end(m);
      break;
    }
    case EventType::LogMessage: {
      const auto& l = env.log;
      const auto m = o.begin(8);
      o.bytes_field(1, l.message);
      o.uint_field(2, static_cast<unsigned>(l.message_type));
      o.int_field(3, l.timestamp_ns);
      o.opt_bytes(4, l.app_id);
      o.opt_bytes(5, l.source_type);
      o.opt_bytes(6, l.source_instance);
      o.end(m);
      break;
    }
    case EventType::ValueMetric: {
      const auto m = o.begin(9);
      o.bytes_field(1, env.value_metric.name);
      o.double_field(2, env.value_metric.value);
      o.bytes_field(3, env.value_metric.unit);
      o.end(m);
      break;
    }
    case EventType::CounterEvent: {
      const auto m = o.begin(10);
      o.bytes_field(1, env.counter.name);
      o.uint_field(2, env.counter.delta);
      o.uint_field(3, env.counter.total);
      o.end(m);
      break;
    }
    case EventType::Error: {
      const auto m = o.begin(11);
      o.bytes_field(1, env.error.source);
      o.int_field(2, env.error.code);
      o.bytes_field(3, env.error.message);
      o.end(m);
      break;
    }
    case EventType::ContainerMetric: {
      const auto& c = env.container;
      const auto m = o.begin(12);
      o.bytes_field(1, c.application_id);
      o.int_field(2, c.instance_index);
      o.double_field(3, c.cpu_percentage);
      o.uint_field(4, c.memory_bytes);
      o.uint_field(5, c.disk_bytes);
      o.uint_field(6, c.memory_bytes_quota);
      o.uint_field(7, c.disk_bytes_quota);
      o.end(m);
      break;
    }
    case EventType::Event:
      break;
  }
  o.opt_bytes(13, env.deployment);
  o.opt_bytes(14, env.job);
  o.opt_bytes(15, env.index);
  o.opt_bytes(16, env.ip);
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    const auto m = o.begin(17);
    o.bytes_field(1, env.tags[i].key);
    o.bytes_field(2, env.tags[i].value);
    o.end(m);
  }
  return true;
}

}  // namespace cfsim
