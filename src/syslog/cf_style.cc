// The cf style, after loggregator-agent-release's src/pkg/egress/syslog/rfc5424.go, fed with
// what loggregator's v1->v2 conversion would have made of a v1 envelope (PROTOCOLS.md 5.1, 8.3).
#include "syslog/cf_style.h"

#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "syslog/appender.h"
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

// Byte order, as Go's sort.Strings. Keys are short SD-NAMEs: an inline loop beats a memcmp
// call (which measured at a tenth of the cf style's time).
bool key_less(std::string_view a, std::string_view b) {
  const std::size_t n = a.size() < b.size() ? a.size() : b.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  }
  return a.size() < b.size();
}

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
  // Adds a tag known to be absent from the envelope.
  void add(std::string_view key, std::string_view value) { add_param(key, value); }
  [[nodiscard]] bool empty() const { return params_.empty(); }

  // Writes "[tags@47450 k="v" ...]" with the keys sorted, as CF writes them.
  void put(Appender& a) {
    // Insertion sort: a handful of tags, stable, and no allocation (std::stable_sort may allocate).
    for (std::size_t i = 1; i < params_.size(); ++i) {
      const Param p = params_[i];
      std::size_t j = i;
      for (; j > 0 && key_less(p.key, params_[j - 1].key); --j) params_[j] = params_[j - 1];
      params_[j] = p;
    }
    a.reserve(bound_);
    char* p = syslog::put(a.cursor(), "[tags@47450");
    for (const Param& param : params_) {
      *p++ = ' ';
      p = syslog::put(p, param.key);
      p = syslog::put(p, "=\"");
      p = text::put_sd_value(param.value, p);
      *p++ = '"';
    }
    *p++ = ']';
    a.set_cursor(p);
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
    if (!is_valid_sd_name(key)) return;
    params_.push_back(Param{key, value});
    bound_ += key.size() + 4 + text::sd_value_bound(value);
  }

  const Envelope& env_;
  std::vector<Param>& params_;
  std::size_t bound_ = 16;
};

// Same as the pcf style: logs stamped only on the log itself keep their time.
std::int64_t header_time(const Envelope& env) {
  if (env.timestamp_ns == 0 && env.type == EventType::LogMessage) return env.log.timestamp_ns;
  return env.timestamp_ns;
}

// The tags the cf style reads, found in one pass over the envelope's tags.
struct KnownTags {
  std::optional<std::string_view> source_id, source_type, org_name, space_name, app_name;
  std::size_t value_bytes = 0;  // all tag values: bounds the hostname built from them

  explicit KnownTags(const Envelope& env) {
    for (std::size_t i = 0; i < env.tag_count; ++i) {
      const Tag& t = env.tags[i];
      value_bytes += t.value.size();
      if (is(t.key, "source_id")) source_id = t.value;
      else if (is(t.key, "source_type")) source_type = t.value;
      else if (is(t.key, "organization_name")) org_name = t.value;
      else if (is(t.key, "space_name")) space_name = t.value;
      else if (is(t.key, "app_name")) app_name = t.value;
    }
  }

 private:
  // A fixed-length compare that the compiler inlines.
  template <std::size_t N>
  static bool is(const std::string& key, const char (&name)[N]) {
    return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
  }
};

// org.space.app from the enrichment cache, else from the name tags modern CF stamps, else the
// origin VM's ip.
char* put_hostname(const Envelope& env, const AppInfo& app, const KnownTags& tags, char* p) {
  const bool named = !app.org_name.empty() || !app.space_name.empty() || !app.app_name.empty() ||
                     tags.org_name || tags.space_name || tags.app_name;
  if (!named) return text::put_header_field(env.ip, kHostnameMax, p);
  auto pick = [](std::string_view known, std::optional<std::string_view> tag) {
    return known.empty() && tag ? *tag : known;
  };
  // Three labels of at most 63 bytes from [-a-zA-Z0-9] and two dots: always within 255.
  p = text::put_cf_host_label(pick(app.org_name, tags.org_name), p);
  *p++ = '.';
  p = text::put_cf_host_label(pick(app.space_name, tags.space_name), p);
  *p++ = '.';
  return text::put_cf_host_label(pick(app.app_name, tags.app_name), p);
}

// APP-NAME: the v2 source_id, which is the app guid for app envelopes.
std::string_view app_name(const Envelope& env, const KnownTags& tags) {
  std::string_view name = tags.source_id.value_or(std::string_view{});
  if (name.empty()) name = env.app_id();
  if (name.empty()) name = env.origin;
  return name;
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
// Needs kProcIdMax bytes.
char* put_log_procid(std::string_view source_type, std::string_view instance, char* p) {
  // Parts are kept to 126 bytes: enough to decide each "too long" test exactly as on the
  // whole value.
  constexpr std::size_t kInner = kProcIdMax - 2;
  char type[kInner];
  char inst[kInner];
  std::size_t type_n = procid_part(source_type, true, type, kInner);
  std::size_t inst_n = procid_part(instance, false, inst, kInner);
  *p++ = '[';
  if (inst_n == 0) {
    p = syslog::put(p, std::string_view(type, type_n));
  } else {
    constexpr std::size_t kRoom = kInner - 1;  // the '/'
    if (type_n + inst_n > kRoom && inst_n > kSourceInstanceCut) inst_n = kSourceInstanceCut;
    if (type_n + inst_n > kRoom) type_n = kRoom - inst_n;
    p = syslog::put(p, std::string_view(type, type_n));
    *p++ = '/';
    p = syslog::put(p, std::string_view(inst, inst_n));
  }
  *p++ = ']';
  return p;
}

// "[instance]" for metrics. Needs kProcIdMax bytes.
char* put_metric_procid(std::string_view instance, char* p) {
  *p++ = '[';
  p = text::put_printusascii(instance, kProcIdMax - 2, p);
  *p++ = ']';
  return p;
}

// Writes "<PRI>1 TIMESTAMP HOSTNAME APP-NAME " and reserves room for the PROCID that follows.
void put_header_start(int pri, const Envelope& env, const AppInfo& app, const KnownTags& tags,
                      Appender& a) {
  const std::string_view name = app_name(env, tags);
  // The hostname is either the ip or three labels no longer than their sources (+ 2 dots).
  a.reserve(40 + text::kMaxTimestamp + env.ip.size() + app.org_name.size() +
            app.space_name.size() + app.app_name.size() + tags.value_bytes + name.size() +
            kProcIdMax);
  char* p = a.cursor();
  *p++ = '<';
  p = text::put_int(pri, p);
  p = syslog::put(p, ">1 ");
  p = text::put_timestamp_cf(header_time(env), p);
  *p++ = ' ';
  p = put_hostname(env, app, tags, p);
  *p++ = ' ';
  p = text::put_header_field(name, kAppNameMax, p);
  *p++ = ' ';
  a.set_cursor(p);
}

// Ends a message: commits it and records its span, or drops it when it is over the limit.
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
  a.Put(' ');
  const std::size_t used = a.size() - start;
  if (used + 1 > max) return drop_message(a, start, out);  // not even the LF fits
  const std::size_t room = max - used;  // payload and its LF
  const std::size_t need = 3 * payload.size() < room ? 3 * payload.size() : room;
  a.reserve(need + 1);
  char* const begin = a.cursor();
  bool complete = false;
  char* p = text::put_payload(payload, room, begin, &complete);
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
  put_header_start(log.message_type == LogMessage::Type::Err ? kPriErr : kPriInfo, env, app,
                   known, a);
  std::string_view source_type = log.source_type;
  if (source_type.empty()) source_type = known.source_type.value_or(std::string_view{});
  char* p = put_log_procid(source_type, log.source_instance, a.cursor());
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
  put_header_start(kPriErr, env, app, known, a);
  char* p = put_metric_procid(env.index, a.cursor());
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
    put_header_start(kPriInfo, env, app, known, a_);
    char* p = put_metric_procid(instance, a_.cursor());
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
