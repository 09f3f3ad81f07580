// Parses a drain URL into a DrainConfig. Pure code.
//
//   syslog-tls://host:6514?ca=FILE&cert=FILE&key=FILE&skip-verify=true&server-name=NAME
//   syslog://host:514?framing=lf&format=cf&max-message-bytes=16384&events=LogMessage&orgs=a,b
//   syslog-udp://[::1]:514
//
// Every problem is reported, each as one precise sentence naming the URL part at fault.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "syslog/drain_config.h"

namespace nozzle::syslog {

struct DrainUrlResult {
  std::optional<DrainConfig> config;  // set when errors is empty
  std::vector<std::string> errors;
};

DrainUrlResult parse_drain_url(std::string_view url);

}  // namespace nozzle::syslog
