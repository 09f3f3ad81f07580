// Parses a drain URL into a DrainConfig. Pure code.
//
//   syslog-tls://host:6514?ca=FILE&cert=FILE&key=FILE&skip-verify=true&server-name=NAME
//   syslog://host:514?framing=lf&format=cf&max-message-bytes=16384&events=LogMessage&orgs=a,b
//   syslog-udp://[::1]:514
//   syslog-tls://host:6514?spool-dir=/var/vcap/data/nozzle/spool/a&spool-max-bytes=1GiB&delivery=at-least-once
//   syslog-tls://a.example.com:6514,b.example.com:6514?name=team-a&mode=failover&failback-after=30s
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
  std::vector<std::string> given;  // the options the URL names (the rest take the defaults)
};

// "1048576", "512KiB", "64MiB", "1GiB" (also K, M, G, KB, MB, GB: all powers of 1024).
std::optional<std::uint64_t> parse_byte_size(std::string_view text);
std::optional<SpoolFsync> parse_spool_fsync(std::string_view text);  // never, segment, always
std::optional<Delivery> parse_delivery(std::string_view text);       // at-most-once, at-least-once

DrainUrlResult parse_drain_url(std::string_view url);

// "1000/s" or "1000": lines per second (0 turns a limit off); false for anything else.
bool parse_rate(std::string_view text, double& per_second);
// A whole number of lines (a burst), at least 1.
bool parse_burst(std::string_view text, double& lines);

}  // namespace nozzle::syslog
