// The pcf style (the default), and the Formatter that picks a style.
//
// <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [instance@47450 ...] {JSON}LF
// Everything is appended straight to FormattedMessages::bytes; once that buffer and the JSON
// writer's thread-local state are warm, formatting allocates nothing.
#include "syslog/rfc5424.h"

#include <utility>

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

void append_pcf_header(const Envelope& env, const FormatOptions& options, std::string& b) {
  b.push_back('<');
  text::append_int(pcf_priority(env), b);
  b.append(">1 ");
  append_timestamp_utc(header_time(env), b);
  b.push_back(' ');
  append_header_field(env.ip, kHostnameMax, b);
  b.push_back(' ');
  b.append(kAppNamePrefix);
  text::append_printusascii(env.origin, kAppNameMax - kAppNamePrefix.size(), b);
  b.push_back(' ');
  if (options.procid > 0) {
    text::append_int(options.procid, b);  // at most 10 digits: within PROCID's 128
  } else {
    b.push_back('-');
  }
  b.push_back(' ');
  append_header_field(event_type_name(env.type), kMsgIdMax, b);
  // syslog-release's BOSH platform log SD (PROTOCOLS.md 9), params in its order.
  b.append(" [instance@47450 director=\"");
  append_sd_value(options.director, b);
  b.append("\" deployment=\"");
  append_sd_value(env.deployment, b);
  b.append("\" group=\"");
  append_sd_value(env.job, b);
  b.append("\" az=\"");
  append_sd_value(env.tag("az").value_or(std::string_view{}), b);
  b.append("\" id=\"");
  append_sd_value(env.index, b);
  b.append("\"] ");
}

void format_pcf(const Envelope& env, const AppInfo& app, const FormatOptions& options,
                FormattedMessages& out) {
  std::string& b = out.bytes;
  const std::size_t start = b.size();
  append_pcf_header(env, options, b);
  const std::size_t header = b.size() - start;
  BodyResult result = BodyResult::TooLarge;
  if (header < options.max_message_bytes) {
    result = append_json_body(env, app, options, options.max_message_bytes - header, b);
  }
  if (result == BodyResult::TooLarge) {
    b.resize(start);
    ++out.too_large;
    return;
  }
  out.spans.push_back(FormattedMessages::Span{static_cast<std::uint32_t>(start),
                                              static_cast<std::uint32_t>(b.size() - start),
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
