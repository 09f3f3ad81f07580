// The pcf style (the default), and the Formatter that picks a style.
//
// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [instance@47450 ...] {JSON}LF
// Everything is appended straight to FormattedMessages::bytes; once that buffer and the JSON
// writer's thread-local state are warm, formatting allocates nothing.
#include "syslog/rfc5424.h"

#include <utility>

#include "syslog/appender.h"
#include "syslog/cf_style.h"
#include "syslog/json_body.h"
#include "syslog/text.h"

namespace nozzle::syslog {
namespace {

// RFC 5424 header field limits.
constexpr std::size_t kHostnameMax = 255;
constexpr std::size_t kAppNameMax = 48;
constexpr std::size_t kMsgIdMax = 32;
constexpr std::string_view kAppNamePrefix = "vcap.";

// Some emitters leave the envelope's time unset on logs and only stamp the log itself.
std::int64_t header_time(const Envelope& env) {
  if (env.timestamp_ns == 0 && env.type == EventType::LogMessage) return env.log.timestamp_ns;
  return env.timestamp_ns;
}

// Writes "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [instance@47450 ...] ".
void put_pcf_header(const Envelope& env, const FormatOptions& options, Appender& a) {
  using namespace text;
  const std::string_view az = env.tag("az").value_or(std::string_view{});
  a.reserve(128 + kMaxTimestamp + env.ip.size() + env.origin.size() + kMsgIdMax +
            sd_value_bound(options.director) + sd_value_bound(env.deployment) +
            sd_value_bound(env.job) + sd_value_bound(az) + sd_value_bound(env.index));
  char* p = a.cursor();
  *p++ = '<';
  p = put_int(pcf_priority(env), p);
  p = put(p, ">1 ");
  p = put_timestamp_utc(header_time(env), p);
  *p++ = ' ';
  p = put_header_field(env.ip, kHostnameMax, p);
  *p++ = ' ';
  p = put(p, kAppNamePrefix);
  p = put_printusascii(env.origin, kAppNameMax - kAppNamePrefix.size(), p);
  *p++ = ' ';
  if (options.procid > 0) {
    p = put_int(options.procid, p);  // at most 10 digits: within PROCID's 128
  } else {
    *p++ = '-';
  }
  *p++ = ' ';
  p = put_header_field(event_type_name(env.type), kMsgIdMax, p);
  // syslog-release's BOSH platform log SD (docs/WIRE.md, "instance@47450"), params in its order.
  p = put(p, " [instance@47450 director=\"");
  p = put_sd_value(options.director, p);
  p = put(p, "\" deployment=\"");
  p = put_sd_value(env.deployment, p);
  p = put(p, "\" group=\"");
  p = put_sd_value(env.job, p);
  p = put(p, "\" az=\"");
  p = put_sd_value(az, p);
  p = put(p, "\" id=\"");
  p = put_sd_value(env.index, p);
  p = put(p, "\"] ");
  a.set_cursor(p);
}

void format_pcf(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                FormattedMessages& out) {
  Appender a(out.bytes);
  const std::size_t start = a.size();
  put_pcf_header(env, options, a);
  const std::size_t header = a.size() - start;
  BodyResult result = BodyResult::TooLarge;
  if (header < options.max_message_bytes) {
    result = append_json_body(env, app, options, options.max_message_bytes - header, a);
  }
  if (result == BodyResult::TooLarge) {
    a.truncate(start);
    a.commit();
    ++out.too_large;
    return;
  }
  a.commit();
  out.spans.push_back(FormattedMessages::Span{static_cast<std::uint32_t>(start),
                                              static_cast<std::uint32_t>(a.size() - start),
                                              result == BodyResult::Truncated});
}

}  // namespace

Formatter::Formatter(FormatOptions options) : options_(std::move(options)) {}

void Formatter::format(const Envelope& env, const AppInfo& app, FormattedMessages& out) const {
  if (options_.style == Style::Cf) {
    format_cf(env, app, options_, out);
  } else {
    format_pcf(env, app, options_, out);
  }
}

int pcf_priority(const Envelope& env) {
  constexpr int kUser = 1 * 8;
  constexpr int kErr = 3, kNotice = 5, kInfo = 6;
  switch (env.type) {
    case EventType::LogMessage:
      return kUser + (env.log.message_type == LogMessage::Type::Err ? kErr : kInfo);
    case EventType::Error:
      return kUser + kErr;
    default:
      return kUser + kNotice;
  }
}

}  // namespace nozzle::syslog
