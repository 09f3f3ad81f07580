// Envelopes and app infos shared by the formatter tests.
#pragma once

#include <string>
#include <string_view>

#include "core/envelope.h"
#include "syslog/format_options.h"
#include "syslog/rfc5424.h"

namespace nozzle::syslog::testing {

inline constexpr std::string_view kAppGuid = "5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11";
inline constexpr std::int64_t kTs = 1485350703183770000;  // 2017-01-25T13:25:03.183770Z

// An envelope from a diego cell with the BOSH fields set.
inline Envelope platform_envelope(EventType type) {
  Envelope e;
  e.type = type;
  e.origin = "rep";
  e.timestamp_ns = kTs;
  e.deployment = "cf";
  e.job = "diego-cell";
  e.index = "0c3a";
  e.ip = "10.0.0.5";
  return e;
}

inline Envelope app_log(std::string_view message) {
  Envelope e = platform_envelope(EventType::LogMessage);
  e.add_tag("az", "z1");
  e.log.message = std::string(message);
  e.log.message_type = LogMessage::Type::Out;
  e.log.timestamp_ns = 1485350702539694548;
  e.log.app_id = std::string(kAppGuid);
  e.log.source_type = "APP/PROC/WEB";
  e.log.source_instance = "0";
  return e;
}

inline AppInfo billing_app() {
  AppInfo a;
  a.app_name = "billing";
  a.space_id = "space-guid";
  a.space_name = "prod";
  a.org_id = "org-guid";
  a.org_name = "acme";
  return a;
}

inline FormatOptions pcf_options() {
  FormatOptions o;
  o.director = "bosh-1";
  o.procid = 4242;
  return o;
}

// Formats one envelope and returns its single message ("" when none or several).
inline std::string format_one(const FormatOptions& options, const Envelope& env,
                              const AppInfo& app = {}) {
  FormattedMessages out;
  Formatter(options).format(env, app, out);
  return out.size() == 1 ? std::string(out.message(0)) : std::string();
}

}  // namespace nozzle::syslog::testing
