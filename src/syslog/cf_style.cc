// The cf style, after loggregator-agent-release's src/pkg/egress/syslog/rfc5424.go, fed with
// what loggregator's v1->v2 conversion would have made of a v1 envelope (PROTOCOLS.md 5.1, 8.3).
#include "syslog/cf_style.h"

#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "syslog/text.h"

namespace nozzle::syslog {
namespace {

constexpr std::size_t kHostnameMax = 255;
constexpr std::size_t kAppNameMax = 48;
constexpr std::size_t kProcIdMax = 128;
// CF cuts a long source instance to this before it cuts the source type.
constexpr std::size_t kSourceInstanceCut = 36;

constexpr int kPriInfo = 8 + 6;  // user.info: OUT logs and every metric
constexpr int kPriErr = 8 + 3;   // user.err: ERR logs and Error events

struct Param {
  std::string_view key;
  std::string_view value;
};

// A tags@47450 element in the making. The vector is thread-local so that it keeps its capacity.
class TagList {
 public:
  explicit TagList(const Envelope& env) : env_(env), params_(storage()) {
    params_.clear();
    for (std::size_t i = 0; i < env.tag_count; ++i) add_param(env.tags[i].key, env.tags[i].value);
  }
  // Adds a tag the v1->v2 conversion would add, unless the envelope carries one of that name.
  void add_derived(std::string_view key, std::string_view value) {
    if (!env_.tag(key)) add_param(key, value);
  }
  [[nodiscard]] bool empty() const { return params_.empty(); }

  // Appends "[tags@47450 k="v" ...]" with the keys sorted, as CF writes them.
  void append(std::string& b) {
    // Insertion sort: a handful of tags, stable, and no allocation (std::stable_sort may allocate).
    for (std::size_t i = 1; i < params_.size(); ++i) {
      const Param p = params_[i];
      std::size_t j = i;
      for (; j > 0 && p.key < params_[j - 1].key; --j) params_[j] = params_[j - 1];
      params_[j] = p;
    }
    b.append("[tags@47450");
    for (const Param& p : params_) {
      b.push_back(' ');
      b.append(p.key);
      b.append("=\"");
      append_sd_value(p.value, b);
      b.push_back('"');
    }
    b.push_back(']');
  }

 private:
  static std::vector<Param>& storage() {
    thread_local std::vector<Param> params;
    return params;
  }
  // Tag keys that are not valid SD-NAMEs are skipped. CF's marshaller allows names longer than
  // 32 characters (allowLongSdNames); we keep RFC 5424's limit so that strict receivers accept
  // every frame.
  void add_param(std::string_view key, std::string_view value) {
    if (is_valid_sd_name(key)) params_.push_back(Param{key, value});
  }

  const Envelope& env_;
  std::vector<Param>& params_;
};

// Same as the pcf style: logs stamped only on the log itself keep their time.
std::int64_t header_time(const Envelope& env) {
  if (env.timestamp_ns == 0 && env.type == EventType::LogMessage) return env.log.timestamp_ns;
  return env.timestamp_ns;
}

// org.space.app from the enrichment cache, else from the name tags modern CF stamps, else the
// origin VM's ip.
void append_hostname(const Envelope& env, const AppInfo& app, std::string& b) {
  std::optional<std::string_view> org_tag, space_tag, app_tag;
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    const Tag& t = env.tags[i];
    if (t.key == "organization_name") org_tag = t.value;
    if (t.key == "space_name") space_tag = t.value;
    if (t.key == "app_name") app_tag = t.value;
  }
  const bool named = !app.org_name.empty() || !app.space_name.empty() || !app.app_name.empty() ||
                     org_tag || space_tag || app_tag;
  if (!named) {
    append_header_field(env.ip, kHostnameMax, b);
    return;
  }
  auto pick = [](std::string_view known, std::optional<std::string_view> tag) {
    return known.empty() && tag ? *tag : known;
  };
  // Three labels of at most 63 bytes from [-a-zA-Z0-9] and two dots: always within 255.
  text::append_cf_host_label(pick(app.org_name, org_tag), b);
  b.push_back('.');
  text::append_cf_host_label(pick(app.space_name, space_tag), b);
  b.push_back('.');
  text::append_cf_host_label(pick(app.app_name, app_tag), b);
}

// APP-NAME: the v2 source_id, which is the app guid for app envelopes.
void append_app_name(const Envelope& env, std::string& b) {
  std::string_view name = env.tag("source_id").value_or(std::string_view{});
  if (name.empty()) name = env.app_id();
  if (name.empty()) name = env.origin;
  append_header_field(name, kAppNameMax, b);
}

// A PROCID part: whitespace becomes '-', bytes outside PRINTUSASCII are dropped; at most
// `max` bytes are kept.
std::size_t procid_part(std::string_view in, bool upper, char* dst, std::size_t max) {
  std::size_t n = 0;
  for (const char ch : in) {
    if (n == max) break;
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || (c >= '\t' && c <= '\r')) c = '-';
    if (c < 33 || c > 126) continue;
    if (upper && c >= 'a' && c <= 'z') c = static_cast<unsigned char>(c - 'a' + 'A');
    dst[n++] = static_cast<char>(c);
  }
  return n;
}

// "[SOURCE_TYPE/instance]" or "[SOURCE_TYPE]", fitted into 128 bytes the way CF fits it.
void append_log_procid(std::string_view source_type, std::string_view instance, std::string& b) {
  // Parts are kept to 126 bytes: enough to decide each "too long" test exactly as on the
  // whole value.
  constexpr std::size_t kInner = kProcIdMax - 2;
  char type[kInner];
  char inst[kInner];
  std::size_t type_n = procid_part(source_type, true, type, kInner);
  std::size_t inst_n = procid_part(instance, false, inst, kInner);
  b.push_back('[');
  if (inst_n == 0) {
    b.append(type, type_n);
  } else {
    constexpr std::size_t kRoom = kInner - 1;  // the '/'
    if (type_n + inst_n > kRoom && inst_n > kSourceInstanceCut) inst_n = kSourceInstanceCut;
    if (type_n + inst_n > kRoom) type_n = kRoom - inst_n;
    b.append(type, type_n);
    b.push_back('/');
    b.append(inst, inst_n);
  }
  b.push_back(']');
}

// "[instance]" for metrics.
void append_metric_procid(std::string_view instance, std::string& b) {
  b.push_back('[');
  text::append_printusascii(instance, kProcIdMax - 2, b);
  b.push_back(']');
}

// "<PRI>1 TIMESTAMP HOSTNAME APP-NAME " (PROCID follows).
void append_header_start(int pri, const Envelope& env, const AppInfo& app, std::string& b) {
  b.push_back('<');
  text::append_int(pri, b);
  b.append(">1 ");
  append_timestamp_cf(header_time(env), b);
  b.push_back(' ');
  append_hostname(env, app, b);
  b.push_back(' ');
  append_app_name(env, b);
  b.push_back(' ');
}

void push_span(FormattedMessages& out, std::size_t start, bool truncated) {
  out.spans.push_back(FormattedMessages::Span{static_cast<std::uint32_t>(start),
                                              static_cast<std::uint32_t>(out.bytes.size() - start),
                                              truncated});
}

void drop(FormattedMessages& out, std::size_t start) {
  out.bytes.resize(start);
  ++out.too_large;
}

// Ends a message whose header and SD are written: " " + payload + LF, cut to fit.
void finish_log(std::string_view payload, const FormatOptions& options, FormattedMessages& out,
                std::size_t start) {
  std::string& b = out.bytes;
  b.push_back(' ');
  const std::size_t used = b.size() - start;
  if (used + 1 > options.max_message_bytes) return drop(out, start);
  const std::size_t room = options.max_message_bytes - used;  // payload and its LF
  const std::size_t payload_start = b.size();
  bool truncated = !text::append_payload(payload, room, b);
  auto ends_with_lf = [&] { return b.size() > payload_start && b.back() == '\n'; };
  if (!ends_with_lf()) {
    if (b.size() - payload_start + 1 > room) {
      const std::string_view written(b.data() + payload_start, b.size() - payload_start);
      b.resize(payload_start + text::utf8_floor(written, room - 1));
      truncated = true;
    }
    if (!ends_with_lf()) b.push_back('\n');
  }
  push_span(out, start, truncated);
}

void format_log(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                FormattedMessages& out) {
  std::string& b = out.bytes;
  const std::size_t start = b.size();
  const LogMessage& log = env.log;
  append_header_start(log.message_type == LogMessage::Type::Err ? kPriErr : kPriInfo, env, app, b);
  std::string_view source_type = log.source_type;
  if (source_type.empty()) source_type = env.tag("source_type").value_or(std::string_view{});
  append_log_procid(source_type, log.source_instance, b);
  b.append(" - ");
  TagList tags(env);
  if (!log.source_type.empty()) tags.add_derived("source_type", log.source_type);
  if (tags.empty()) {
    b.push_back('-');
  } else {
    tags.append(b);
  }
  finish_log(log.message, options, out, start);
}

// v1 Errors have no v2 form; CF would carry one as a log tagged with its source and code.
void format_error(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                  FormattedMessages& out) {
  std::string& b = out.bytes;
  const std::size_t start = b.size();
  append_header_start(kPriErr, env, app, b);
  append_metric_procid(env.index, b);
  b.append(" - ");
  char code[16];
  const auto r = std::to_chars(code, code + sizeof code, env.error.code);
  TagList tags(env);
  tags.add_derived("error_source", env.error.source);
  tags.add_derived("error_code", std::string_view(code, static_cast<std::size_t>(r.ptr - code)));
  tags.append(b);
  finish_log(env.error.message, options, out, start);
}

// A metric message: header, the type element, the tags element if any, and an empty MSG.
class MetricMessage {
 public:
  MetricMessage(const Envelope& env, const AppInfo& app, std::string_view instance,
                FormattedMessages& out)
      : out_(out), start_(out.bytes.size()) {
    append_header_start(kPriInfo, env, app, out.bytes);
    append_metric_procid(instance, out.bytes);
    out.bytes.append(" - [");
  }
  std::string& bytes() { return out_.bytes; }
  void param(std::string_view name, std::string_view value) {
    out_.bytes.push_back(' ');
    out_.bytes.append(name);
    out_.bytes.append("=\"");
    append_sd_value(value, out_.bytes);
    out_.bytes.push_back('"');
  }
  void float_param(std::string_view name, double value) {
    out_.bytes.push_back(' ');
    out_.bytes.append(name);
    out_.bytes.append("=\"");
    append_go_float(value, out_.bytes);
    out_.bytes.push_back('"');
  }
  template <typename Int>
  void int_param(std::string_view name, Int value) {
    out_.bytes.push_back(' ');
    out_.bytes.append(name);
    out_.bytes.append("=\"");
    text::append_int(value, out_.bytes);
    out_.bytes.push_back('"');
  }
  void finish(TagList& tags, std::size_t max_message_bytes) {
    out_.bytes.push_back(']');
    if (!tags.empty()) tags.append(out_.bytes);
    out_.bytes.append(" \n");
    if (out_.bytes.size() - start_ > max_message_bytes) return drop(out_, start_);
    push_span(out_, start_, false);
  }

 private:
  FormattedMessages& out_;
  std::size_t start_;
};

void format_gauge(const Envelope& env, const AppInfo& app, std::string_view instance,
                  std::string_view name, double value, std::string_view unit,
                  std::size_t max_message_bytes, FormattedMessages& out) {
  MetricMessage m(env, app, instance, out);
  m.bytes().append("gauge@47450");
  m.param("name", name);
  m.float_param("value", value);
  m.param("unit", unit);
  TagList tags(env);
  m.finish(tags, max_message_bytes);
}

void format_container_metric(const Envelope& env, const AppInfo& app, std::size_t max,
                             FormattedMessages& out) {
  const ContainerMetric& c = env.container;
  char index[16];
  const auto r = std::to_chars(index, index + sizeof index, c.instance_index);
  const std::string_view instance(index, static_cast<std::size_t>(r.ptr - index));
  // loggregator's v1->v2 names, units and order; the byte counts become gauge doubles.
  format_gauge(env, app, instance, "cpu", c.cpu_percentage, "percentage", max, out);
  format_gauge(env, app, instance, "memory", static_cast<double>(c.memory_bytes), "bytes", max, out);
  format_gauge(env, app, instance, "disk", static_cast<double>(c.disk_bytes), "bytes", max, out);
  format_gauge(env, app, instance, "memory_quota", static_cast<double>(c.memory_bytes_quota),
               "bytes", max, out);
  format_gauge(env, app, instance, "disk_quota", static_cast<double>(c.disk_bytes_quota), "bytes",
               max, out);
}

void format_timer(const Envelope& env, const AppInfo& app, std::size_t max, FormattedMessages& out) {
  const HttpStartStop& h = env.http;
  char index[16];
  auto r = std::to_chars(index, index + sizeof index, h.instance_index);
  MetricMessage m(env, app, std::string_view(index, static_cast<std::size_t>(r.ptr - index)), out);
  m.bytes().append("timer@47450 name=\"http\"");
  m.int_param("start", h.start_timestamp_ns);
  m.int_param("stop", h.stop_timestamp_ns);

  // The request's details travel as tags after loggregator's v1->v2 conversion.
  char status[16], length[24];
  r = std::to_chars(status, status + sizeof status, h.status_code);
  const std::string_view status_sv(status, static_cast<std::size_t>(r.ptr - status));
  r = std::to_chars(length, length + sizeof length, h.content_length);
  const std::string_view length_sv(length, static_cast<std::size_t>(r.ptr - length));
  thread_local std::string forwarded;
  forwarded.clear();
  const std::size_t n = h.forwarded_count < h.forwarded.size() ? h.forwarded_count : h.forwarded.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) forwarded.push_back('\n');
    forwarded.append(h.forwarded[i]);
  }
  TagList tags(env);
  tags.add_derived("request_id", h.request_id);
  tags.add_derived("peer_type", peer_type_name(h.peer_type));
  tags.add_derived("method", http_method_name(h.method));
  tags.add_derived("uri", h.uri);
  tags.add_derived("remote_address", h.remote_address);
  tags.add_derived("user_agent", h.user_agent);
  tags.add_derived("status_code", status_sv);
  tags.add_derived("content_length", length_sv);
  if (!h.instance_id.empty()) tags.add_derived("routing_instance_id", h.instance_id);
  if (!forwarded.empty()) tags.add_derived("forwarded", forwarded);
  m.finish(tags, max);
}

}  // namespace

void format_cf(const Envelope& env, const AppInfo& app, const FormatOptions& options,
               FormattedMessages& out) {
  const std::size_t max = options.max_message_bytes;
  switch (env.type) {
    case EventType::LogMessage:
      return format_log(env, app, options, out);
    case EventType::Error:
      return format_error(env, app, options, out);
    case EventType::ValueMetric: {
      const ValueMetric& v = env.value_metric;
      return format_gauge(env, app, env.index, v.name, v.value, v.unit, max, out);
    }
    case EventType::CounterEvent: {
      MetricMessage m(env, app, env.index, out);
      m.bytes().append("counter@47450");
      m.param("name", env.counter.name);
      m.int_param("total", env.counter.total);
      m.int_param("delta", env.counter.delta);
      TagList tags(env);
      return m.finish(tags, max);
    }
    case EventType::ContainerMetric:
      return format_container_metric(env, app, max, out);
    case EventType::HttpStartStop:
      return format_timer(env, app, max, out);
    case EventType::Event: {
      MetricMessage m(env, app, env.index, out);
      m.bytes().append("event@47450");
      m.param("title", env.event.title);
      m.param("body", env.event.body);
      TagList tags(env);
      return m.finish(tags, max);
    }
  }
}

}  // namespace nozzle::syslog
