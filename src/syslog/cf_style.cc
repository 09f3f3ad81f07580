// The cf style's messages, after loggregator-agent-release's src/pkg/egress/syslog/rfc5424.go,
// fed with what loggregator's v1->v2 conversion would have made of a v1 envelope
// (docs/WIRE.md, "v1 to v2" and "CF app drain format"). Header fields and SD elements: cf_fields.h.
#include "syslog/cf_style.h"

#include <cstring>
#include <string>

#include "syslog/appender.h"
#include "syslog/cf_fields.h"
#include "syslog/text.h"

namespace nozzle::syslog {
namespace {

using cf::KnownTags;
using cf::TagList;
using cf::kPriErr;
using cf::kPriInfo;

void drop_message(Appender& a, std::size_t start, FormattedMessages& out) {
  a.truncate(start);
  a.commit();
  ++out.too_large;
}

void end_message(Appender& a, std::size_t start, bool truncated, std::size_t max,
                 FormattedMessages& out) {
  if (a.size() - start > max) return drop_message(a, start, out);
  a.commit();
  out.spans.push_back(FormattedMessages::Span{static_cast<std::uint32_t>(start),
                                              static_cast<std::uint32_t>(a.size() - start),
                                              truncated});
}

// Ends a message whose header and SD are written: " " + payload + LF, cut to fit.
void finish_log(std::string_view payload, std::size_t max, Appender& a, std::size_t start,
                FormattedMessages& out) {
  // CF removes NUL bytes from the raw payload; what is left is then read as UTF-8 (a NUL
  // between the bytes of a character does not break it).
  if (std::memchr(payload.data(), 0, payload.size()) != nullptr) {
    thread_local std::string without_nul;
    without_nul.clear();
    for (const char c : payload) {
      if (c != '\0') without_nul.push_back(c);
    }
    payload = without_nul;
  }
  a.Put(' ');
  const std::size_t used = a.size() - start;
  if (used + 1 > max) return drop_message(a, start, out);  // not even the LF fits
  const std::size_t room = max - used;  // payload and its LF
  const std::size_t need = 3 * payload.size() < room ? 3 * payload.size() : room;
  a.reserve(need + 1);
  char* const begin = a.cursor();
  bool complete = false;
  char* p = text::put_repaired(payload, room, begin, &complete);
  bool truncated = !complete;
  if (p == begin || p[-1] != '\n') {
    if (static_cast<std::size_t>(p - begin) + 1 > room) {
      const std::string_view written(begin, static_cast<std::size_t>(p - begin));
      p = begin + text::utf8_floor(written, room - 1);
      truncated = true;
    }
    if (p == begin || p[-1] != '\n') *p++ = '\n';
  }
  a.set_cursor(p);
  end_message(a, start, truncated, max, out);
}

void format_log(const Envelope& env, const AppInfo& app, const KnownTags& known,
                const FormatOptions& options, FormattedMessages& out) {
  Appender a(out.bytes);
  const std::size_t start = a.size();
  const LogMessage& log = env.log;
  cf::put_header_start(log.message_type == LogMessage::Type::Err ? kPriErr : kPriInfo, env, app,
                   known, a);
  std::string_view source_type = log.source_type;
  if (source_type.empty()) source_type = known.source_type.value_or(std::string_view{});
  char* p = cf::put_log_procid(source_type, log.source_instance, a.cursor());
  a.set_cursor(syslog::put(p, " - "));
  TagList tags(env);
  if (!log.source_type.empty() && !known.source_type) tags.add("source_type", log.source_type);
  if (tags.empty()) {
    a.Put('-');
  } else {
    tags.put(a);
  }
  finish_log(log.message, options.max_message_bytes, a, start, out);
}

// v1 Errors have no v2 form; CF would carry one as a log tagged with its source and code.
void format_error(const Envelope& env, const AppInfo& app, const KnownTags& known,
                  const FormatOptions& options, FormattedMessages& out) {
  Appender a(out.bytes);
  const std::size_t start = a.size();
  cf::put_header_start(kPriErr, env, app, known, a);
  char* p = cf::put_metric_procid(env.index, a.cursor());
  a.set_cursor(syslog::put(p, " - "));
  char code[text::kMaxInt];
  const std::string_view code_sv(code, static_cast<std::size_t>(text::put_int(env.error.code, code) - code));
  TagList tags(env);
  tags.add_derived("error_source", env.error.source);
  tags.add_derived("error_code", code_sv);
  tags.put(a);
  finish_log(env.error.message, options.max_message_bytes, a, start, out);
}

// A metric message: header, the type element, the tags element if any, and an empty MSG.
class MetricMessage {
 public:
  MetricMessage(const Envelope& env, const AppInfo& app, const KnownTags& known,
                std::string_view instance, std::string_view sd_id, FormattedMessages& out)
      : out_(out), a_(out.bytes), start_(a_.size()) {
    cf::put_header_start(kPriInfo, env, app, known, a_);
    char* p = cf::put_metric_procid(instance, a_.cursor());
    p = syslog::put(p, " - [");
    a_.set_cursor(p);
    a_.write(sd_id);
  }
  void param(std::string_view name, std::string_view value) {
    a_.reserve(name.size() + 4 + text::sd_value_bound(value));
    char* p = begin_param(name);
    p = text::put_sd_value(value, p);
    *p++ = '"';
    a_.set_cursor(p);
  }
  void float_param(std::string_view name, double value) {
    a_.reserve(name.size() + 4 + text::kMaxGoFloat);
    char* p = begin_param(name);
    p = text::put_go_float(value, p);
    *p++ = '"';
    a_.set_cursor(p);
  }
  template <typename Int>
  void int_param(std::string_view name, Int value) {
    a_.reserve(name.size() + 4 + text::kMaxInt);
    char* p = begin_param(name);
    p = text::put_int(value, p);
    *p++ = '"';
    a_.set_cursor(p);
  }
  void finish(TagList& tags, std::size_t max_message_bytes) {
    a_.Put(']');
    if (!tags.empty()) tags.put(a_);
    a_.write(" \n", 2);
    end_message(a_, start_, false, max_message_bytes, out_);
  }

 private:
  char* begin_param(std::string_view name) {
    char* p = a_.cursor();
    *p++ = ' ';
    p = syslog::put(p, name);
    return syslog::put(p, "=\"");
  }

  FormattedMessages& out_;
  Appender a_;
  std::size_t start_;
};

void format_gauge(const Envelope& env, const AppInfo& app, const KnownTags& known,
                  std::string_view instance,
                  std::string_view name, double value, std::string_view unit,
                  std::size_t max_message_bytes, FormattedMessages& out) {
  MetricMessage m(env, app, known, instance, "gauge@47450", out);
  m.param("name", name);
  m.float_param("value", value);
  m.param("unit", unit);
  TagList tags(env);
  m.finish(tags, max_message_bytes);
}

void format_container_metric(const Envelope& env, const AppInfo& app, const KnownTags& known,
                             std::size_t max, FormattedMessages& out) {
  const ContainerMetric& c = env.container;
  char index[text::kMaxInt];
  const std::string_view instance(index, static_cast<std::size_t>(text::put_int(c.instance_index, index) - index));
  // loggregator's v1->v2 names, units and order; the byte counts become gauge doubles.
  format_gauge(env, app, known, instance, "cpu", c.cpu_percentage, "percentage", max, out);
  format_gauge(env, app, known, instance, "memory", static_cast<double>(c.memory_bytes), "bytes", max, out);
  format_gauge(env, app, known, instance, "disk", static_cast<double>(c.disk_bytes), "bytes", max, out);
  format_gauge(env, app, known, instance, "memory_quota", static_cast<double>(c.memory_bytes_quota),
               "bytes", max, out);
  format_gauge(env, app, known, instance, "disk_quota", static_cast<double>(c.disk_bytes_quota), "bytes",
               max, out);
}

void format_timer(const Envelope& env, const AppInfo& app, const KnownTags& known, std::size_t max,
                  FormattedMessages& out) {
  const HttpStartStop& h = env.http;
  char index[text::kMaxInt];
  const std::string_view instance(index, static_cast<std::size_t>(text::put_int(h.instance_index, index) - index));
  MetricMessage m(env, app, known, instance, "timer@47450", out);
  m.param("name", "http");
  m.int_param("start", h.start_timestamp_ns);
  m.int_param("stop", h.stop_timestamp_ns);

  // The request's details travel as tags after loggregator's v1->v2 conversion.
  char status[text::kMaxInt], length[text::kMaxInt];
  const std::string_view status_sv(status, static_cast<std::size_t>(text::put_int(h.status_code, status) - status));
  const std::string_view length_sv(length, static_cast<std::size_t>(text::put_int(h.content_length, length) - length));
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
  const KnownTags known(env);
  switch (env.type) {
    case EventType::LogMessage:
      return format_log(env, app, known, options, out);
    case EventType::Error:
      return format_error(env, app, known, options, out);
    case EventType::ValueMetric: {
      const ValueMetric& v = env.value_metric;
      return format_gauge(env, app, known, env.index, v.name, v.value, v.unit, max, out);
    }
    case EventType::CounterEvent: {
      MetricMessage m(env, app, known, env.index, "counter@47450", out);
      m.param("name", env.counter.name);
      m.int_param("total", env.counter.total);
      m.int_param("delta", env.counter.delta);
      TagList tags(env);
      return m.finish(tags, max);
    }
    case EventType::ContainerMetric:
      return format_container_metric(env, app, known, max, out);
    case EventType::HttpStartStop:
      return format_timer(env, app, known, max, out);
    case EventType::Event: {
      MetricMessage m(env, app, known, env.index, "event@47450", out);
      m.param("title", env.event.title);
      m.param("body", env.event.body);
      TagList tags(env);
      return m.finish(tags, max);
    }
  }
}

}  // namespace nozzle::syslog
