// A syslog drain: a bounded queue in front of one connection to one destination.
//
// Thread contract: push() may be called from any thread and never blocks on the network; it
// takes only the queue's own lock. start() and stop() are called by the owner (DrainPool).
// Everything else happens on the pool's io_context thread.
#pragma once

#include <chrono>
#include <string_view>

#include "syslog/drain_config.h"
#include "syslog/drain_counters.h"

namespace nozzle::syslog {

class Drain {
 public:
  virtual ~Drain() = default;

  // Frames `message` (a whole SYSLOG-MSG) per the drain's framing and queues it. False when it
  // was dropped; the drain has already counted why (queue_full or too_large).
  [[nodiscard]] virtual bool push(std::string_view message) = 0;

  [[nodiscard]] virtual const DrainConfig& config() const = 0;
  [[nodiscard]] virtual DrainCounters& counters() = 0;
};

}  // namespace nozzle::syslog
