#include "syslog/frame_queue.h"

#include <utility>

namespace nozzle::syslog {

FrameQueue::FrameQueue(std::size_t max_frames, std::size_t max_bytes)
    : max_frames_(max_frames), max_bytes_(max_bytes) {}

FrameQueue::PushResult FrameQueue::push(std::string_view message, Framing framing) {
  const std::size_t size = message.size() + frame_overhead(framing, message);
  if (size > max_bytes_ || size > UINT32_MAX) return PushResult::TooLarge;
  std::lock_guard lock(mutex_);
  if (closed_) return PushResult::Closed;
  if (pending_.lengths.size() >= max_frames_ || pending_.bytes.size() + size > max_bytes_) {
    return PushResult::Full;
  }
  append_frame(framing, message, pending_.bytes);
  pending_.lengths.push_back(static_cast<std::uint32_t>(size));
  if (writer_idle_) {
    writer_idle_ = false;
    return PushResult::QueuedWake;
  }
  return PushResult::Queued;
}

std::size_t FrameQueue::take(FrameBatch& batch) {
  std::lock_guard lock(mutex_);
  if (pending_.empty()) {
    writer_idle_ = true;
    return 0;
  }
  // Swapping keeps both buffers' capacity: the two ping-pong without allocating.
  std::swap(batch.bytes, pending_.bytes);
  std::swap(batch.lengths, pending_.lengths);
  writer_idle_ = false;
  return batch.lengths.size();
}

void FrameQueue::set_writer_busy() {
  std::lock_guard lock(mutex_);
  writer_idle_ = false;
}

void FrameQueue::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

std::size_t FrameQueue::frames() const {
  std::lock_guard lock(mutex_);
  return pending_.lengths.size();
}

std::size_t FrameQueue::bytes() const {
  std::lock_guard lock(mutex_);
  return pending_.bytes.size();
}

}  // namespace nozzle::syslog
