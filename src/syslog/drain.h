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
#include "syslog/frame_queue.h"

namespace nozzle::syslog {

class Drain {
 public:
  virtual ~Drain() = default;

  // Frames `message` (a whole SYSLOG-MSG) per the drain's framing and queues it. False when it
  // was dropped; the drain has already counted why (queue_full or too_large).
  [[nodiscard]] virtual bool push(std::string_view message) = 0;

  // The batched form of push(), for a producer with many messages at once. stage() frames
  // `message` into the producer's own `batch` without touching the drain (false, counted as
  // produced and too_large, when it can never be sent); push_batch() then hands the whole batch
  // to the queue at once (one lock, at most one wake-up of the writer), counts it, and leaves
  // `batch` empty. Frames of a batch the queue cannot take are counted as queue_full (or
  // shutdown). Any thread; one batch per producer.
  [[nodiscard]] virtual bool stage(std::string_view message, FrameBatch& batch) = 0;
  virtual void push_batch(FrameBatch& batch) = 0;
  // stage() for a producer that knows what the message belongs to: `key` is the app guid (or,
  // for an envelope of no app, the VM it came from). A drain group in mode=balance keeps one
  // key's messages on one endpoint; every other drain ignores it.
  [[nodiscard]] virtual bool stage_keyed(std::string_view message, std::string_view key, FrameBatch& batch) {
    (void)key;
    return stage(message, batch);
  }

  // A drain group's endpoints (drain_group.h), each a drain of its own; none for a single drain.
  [[nodiscard]] virtual std::size_t endpoint_count() const { return 0; }
  [[nodiscard]] virtual Drain& endpoint(std::size_t i) {
    (void)i;
    return *this;
  }
  // 1 while endpoint `i` takes traffic (failover: the active one; balance: in the hash ring).
  [[nodiscard]] virtual bool endpoint_active(std::size_t i) const {
    (void)i;
    return true;
  }

  [[nodiscard]] virtual const DrainConfig& config() const = 0;
  [[nodiscard]] virtual DrainCounters& counters() = 0;
};

}  // namespace nozzle::syslog
