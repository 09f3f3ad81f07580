// What every drain implementation shares: the queue, the counters and their accounting.
// Transport classes (StreamDrain, UdpDrain) add the connection on the pool's io thread.
#pragma once

#include <chrono>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "syslog/drain.h"
#include "syslog/frame_queue.h"
#include "syslog/spool.h"

namespace nozzle::syslog {

class DrainBase : public Drain {
 public:
  explicit DrainBase(DrainConfig config);

  [[nodiscard]] bool push(std::string_view message) final;
  [[nodiscard]] bool stage(std::string_view message, FrameBatch& batch) final;
  [[nodiscard]] bool stage_keyed(std::string_view message, std::string_view, FrameBatch& batch) final {
    return DrainBase::stage(message, batch);
  }
  void push_batch(FrameBatch& batch) final;
  [[nodiscard]] const DrainConfig& config() const final { return config_; }
  [[nodiscard]] DrainCounters& counters() final { return counters_; }

  // Opens the drain's spool, when it has one, and counts what an earlier run left in it as
  // produced. Called once by the owner before start(); an error means the spool is off (the
  // drain keeps working from memory) and says why.
  [[nodiscard]] std::string open_spool();

  // Drain groups (drain_group.h), io thread, while this endpoint is down: moves everything in
  // the memory queue into `out` and counts it as handed_over (the batch in flight and the spool
  // stay). Returns the frames moved.
  std::size_t hand_over(FrameBatch& out);

  // DrainPool::hand_over_thread(): the thread that produces also runs the io_context, and
  // wake() called on it writes at once instead of waking (set before that thread starts).
  void set_wake_inline() { wake_inline_ = true; }

  // Both are called on the io thread. stop() calls `done` exactly once, on the io thread, when
  // every frame is sent or counted as dropped and the connection is closed.
  virtual void start() = 0;
  virtual void stop(std::chrono::steady_clock::time_point deadline, std::function<void()> done) = 0;

 protected:
  // Called from a producer thread when the idle writer must look at the queue again.
  virtual void wake() = 0;
  // Called from a producer thread when a spooling drain's queue passed its high-water mark:
  // the io thread should call spill() soon, before the queue fills (once per request).
  virtual void request_spill() {}
  // The io thread takes the request it is about to serve.
  void spill_request_served() { spill_requested_.store(false, std::memory_order_relaxed); }

  // Accounts for a batch taken from the queue: sent, or dropped for `reason`.
  void batch_sent(const FrameBatch& batch);
  // Accounts for `frames` frames of `bytes` bytes of the batch being written as sent (RELP:
  // acknowledged one by one); batch_finished() then ends a batch whose frames are all accounted.
  void frames_sent(std::size_t frames, std::size_t bytes);
  void batch_finished(FrameBatch& batch);
  void batch_dropped(const FrameBatch& batch, DropReason reason);
  void frame_dropped(std::uint32_t length, DropReason reason);
  // Takes whatever is still queued and counts it as dropped for `reason`. With a working
  // spool, moves it there instead (shutdown: the next start sends it).
  void drop_queued(DropReason reason);

  // The writer's side of the spool (io thread). take_next() fills `batch` with the next frames
  // to write: from the spool while it holds any (older than anything in memory), else from the
  // memory queue. batch_delivered() accounts for a batch written in full (and commits it in
  // the spool); batch_failed() for one whose write failed: kept for a resend when it came from
  // the spool or the drain is at-least-once (true), else counted as dropped for `reason`.
  std::size_t take_next(FrameBatch& batch);
  void batch_delivered(FrameBatch& batch);
  [[nodiscard]] bool batch_failed(FrameBatch& batch, DropReason reason);
  // Counts a kept batch as written again (resent) when it goes out on a new connection.
  void batch_resending(const FrameBatch& batch);
  // Moves the memory queue to the spool when the drain is down (`ready` false) or the queue is
  // above its high-water mark. Called on every spool tick and before each write.
  void spill(bool ready);
  // At the shutdown deadline: what a kept batch and the queue still hold goes to the spool.
  // `delivered` frames of the kept batch's beginning were already delivered and removed from it
  // (RELP: acknowledged); a batch read from the spool is committed up to them.
  void spill_for_shutdown(FrameBatch& kept, std::size_t delivered = 0);
  [[nodiscard]] bool spooling() const { return spool_ != nullptr; }
  // How often the transport calls spill() while it has a spool.
  static constexpr std::chrono::milliseconds kSpoolTick{100};

  DrainConfig config_;
  DrainCounters counters_;
  FrameQueue queue_;
  bool wake_inline_ = false;

 private:
  void account_spool_loss(const SpoolLoss& loss);
  void update_spool_gauges();
  bool to_spool(FrameBatch& batch);

  void maybe_request_spill(std::size_t queued_bytes, std::size_t queued_frames);

  std::unique_ptr<Spool> spool_;
  std::size_t high_water_bytes_ = 0;
  std::size_t high_water_frames_ = 0;
  std::atomic<bool> spill_requested_{false};
  bool batch_from_spool_ = false;  // the batch being written was read from the spool
  std::chrono::steady_clock::time_point spool_retry_at_{};  // spool off until then after an I/O error
};

}  // namespace nozzle::syslog
