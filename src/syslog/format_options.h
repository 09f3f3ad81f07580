// How a drain wants its messages formatted. Plain data, validated by the drain URL parser and
// the nozzle's config before it reaches the formatter.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace nozzle::syslog {

enum class Style {
  Pcf,  // default: HOSTNAME = origin ip, APP-NAME vcap.<origin>, [instance@47450 ...], JSON body
  Cf,   // what CF's own app syslog drains write (docs/WIRE.md, "CF app drain format")
};

inline constexpr std::size_t kDefaultStreamMaxMessageBytes = 8192;  // RFC 5425's SHOULD
inline constexpr std::size_t kDefaultUdpMaxMessageBytes = 2048;     // RFC 5426's SHOULD
inline constexpr std::size_t kMinMaxMessageBytes = 480;             // RFC 5424 6.1's MUST

struct FormatOptions {
  Style style = Style::Pcf;
  // The whole SYSLOG-MSG (header, SD, MSG and its trailing LF) is kept within this many bytes;
  // framing is not counted.
  std::size_t max_message_bytes = kDefaultStreamMaxMessageBytes;
  std::string director;  // instance@47450 director="..." (--bosh-director)
  // Constant keys added to every JSON body (--extra-fields k:v,...), in order.
  std::vector<std::pair<std::string, std::string>> extra_fields;
  int procid = 0;  // PROCID of the pcf style: the nozzle's process id
  // json-logs=true (pcf style): a LogMessage whose payload is one JSON object goes into the body
  // as the nested object "log" instead of the string "msg" (json_body.cc, write_json_log).
  bool json_logs = false;
};

}  // namespace nozzle::syslog
