// The bounded queue in front of one drain connection.
//
// Producers (firehose threads) push framed messages; the drain's writer (the io thread) takes
// everything queued at once as one batch and writes it in one go, so queued frames coalesce
// into large writes. Bounded in frames and in bytes; a push beyond either bound fails and the
// caller counts the drop. One mutex, held only for a memcpy; never held across I/O.
//
// The writer is woken at most once per idle period: push() returns Wake when the writer had
// declared itself idle (take() found nothing) and nobody has woken it since.
//
// A firehose thread hands over frames a burst at a time: it frames them into a FrameBatch of
// its own (no lock), then append() moves the whole batch in under one lock, with at most one
// wake-up, instead of a lock, three counter updates and possibly a wake-up per frame.
//
// Later a spilling queue (disk spool) can take this class's place behind the same methods.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "syslog/framing.h"

namespace nozzle::syslog {

// Frames taken by the writer, laid end to end, with each frame's length (UDP needs them).
struct FrameBatch {
  // Capacity kept across batches. A backlog (a drain outage) grows a batch far beyond it; that
  // memory is given back when the batch is cleared, so the peak does not stay in RSS for good.
  static constexpr std::size_t kRetainedBytes = 4u << 20;

  std::string bytes;
  std::vector<std::uint32_t> lengths;
  // A drain group in mode=balance only: one key hash per frame (stage_keyed); empty otherwise.
  std::vector<std::uint64_t> keys;
  [[nodiscard]] std::size_t frames() const { return lengths.size(); }
  [[nodiscard]] bool empty() const { return lengths.empty(); }
  void clear() {
    if (bytes.capacity() > kRetainedBytes) {
      std::string().swap(bytes);
      std::vector<std::uint32_t>().swap(lengths);
      keys.clear();
      return;
    }
    bytes.clear();
    lengths.clear();
    keys.clear();
  }
};

class FrameQueue {
 public:
  enum class PushResult { Queued, QueuedWake, Full, TooLarge, Closed };
  struct AppendResult {
    std::size_t frames = 0;  // taken into the queue: the batch's first `frames` frames
    std::size_t bytes = 0;   // their bytes, framing included
    bool wake = false;       // the writer is idle: wake it
    bool closed = false;     // nothing taken because the queue is closed
    std::size_t queued_bytes = 0;   // what the queue holds after the append
    std::size_t queued_frames = 0;
  };

  FrameQueue(std::size_t max_frames, std::size_t max_bytes);

  // Frames `message` and appends it. Thread-safe.
  [[nodiscard]] PushResult push(std::string_view message, Framing framing);

  // Moves the frames of `batch` (framed with append_frame) into the queue: as many as the
  // bounds allow, from the front; the rest are the caller's to count as dropped. Leaves `batch`
  // empty, with buffers to reuse. Thread-safe.
  AppendResult append(FrameBatch& batch);

  // Writer side: swaps everything queued into `batch` (which must be empty) and returns the
  // number of frames. When nothing is queued, marks the writer idle and returns 0.
  std::size_t take(FrameBatch& batch);
  // Writer side: the writer stops taking for now (disconnected); pushes will not wake it.
  void set_writer_busy();

  // Further pushes return Closed. What is queued stays until taken.
  void close();

  [[nodiscard]] std::size_t frames() const;
  [[nodiscard]] std::size_t bytes() const;

 private:
  const std::size_t max_frames_;
  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  FrameBatch pending_;
  bool writer_idle_ = false;
  bool closed_ = false;
};

}  // namespace nozzle::syslog
