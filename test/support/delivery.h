// Pushing formatted messages through the nozzle's real drain writers (DrainPool) in a test.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "syslog/drain.h"
#include "syslog/drain_config.h"

namespace nozzle::test {

// A drain URL parsed by parse_drain_url(); throws std::runtime_error listing its errors.
syslog::DrainConfig drain_config(std::string_view url);

// A drain's counters at one moment.
struct DrainSnapshot {
  std::uint64_t produced = 0;
  std::uint64_t sent_frames = 0;
  std::uint64_t dropped = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t tls_verify_failures = 0;
  std::string last_error;
};
DrainSnapshot snapshot(syslog::Drain& drain);
std::string describe(const DrainSnapshot& s);

// One DrainPool with one drain: start, push every message (each push must be accepted), then
// stop with `flush_timeout` to flush. Returns the counters after the stop.
DrainSnapshot deliver(syslog::DrainConfig config, const std::vector<std::string>& messages,
                      std::chrono::milliseconds flush_timeout = std::chrono::seconds(5));

}  // namespace nozzle::test
