// What every drain implementation shares: the queue, the counters and their accounting.
// Transport classes (StreamDrain, UdpDrain) add the connection on the pool's io thread.
#pragma once

#include <chrono>
#include <functional>

#include "syslog/drain.h"
#include "syslog/frame_queue.h"

namespace nozzle::syslog {

class DrainBase : public Drain {
 public:
  explicit DrainBase(DrainConfig config);

  [[nodiscard]] bool push(std::string_view message) final;
  [[nodiscard]] bool stage(std::string_view message, FrameBatch& batch) final;
  void push_batch(FrameBatch& batch) final;
  [[nodiscard]] const DrainConfig& config() const final { return config_; }
  [[nodiscard]] DrainCounters& counters() final { return counters_; }

  // Both are called on the io thread. stop() calls `done` exactly once, on the io thread, when
  // every frame is sent or counted as dropped and the connection is closed.
  virtual void start() = 0;
  virtual void stop(std::chrono::steady_clock::time_point deadline, std::function<void()> done) = 0;

 protected:
  // Called from a producer thread when the idle writer must look at the queue again.
  virtual void wake() = 0;

  // Accounts for a batch taken from the queue: sent, or dropped for `reason`.
  void batch_sent(const FrameBatch& batch);
  void batch_dropped(const FrameBatch& batch, DropReason reason);
  void frame_dropped(std::uint32_t length, DropReason reason);
  // Takes whatever is still queued and counts it as dropped for `reason`.
  void drop_queued(DropReason reason);

  DrainConfig config_;
  DrainCounters counters_;
  FrameQueue queue_;
};

}  // namespace nozzle::syslog
