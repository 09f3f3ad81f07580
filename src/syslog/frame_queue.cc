#include "syslog/frame_queue.h"

#include <algorithm>
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

FrameQueue::AppendResult FrameQueue::append(FrameBatch& batch) {
  AppendResult result;
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      result.closed = true;
    } else {
      const std::size_t frame_room = max_frames_ - std::min(max_frames_, pending_.lengths.size());
      const std::size_t byte_room = max_bytes_ - std::min(max_bytes_, pending_.bytes.size());
      const std::size_t limit = std::min(batch.lengths.size(), frame_room);
      while (result.frames < limit && result.bytes + batch.lengths[result.frames] <= byte_room) {
        result.bytes += batch.lengths[result.frames++];
      }
      if (result.frames == batch.lengths.size() && pending_.empty()) {
        // The usual case with a keen writer: the batch becomes the queue, without a copy.
        std::swap(pending_.bytes, batch.bytes);
        std::swap(pending_.lengths, batch.lengths);
      } else if (result.frames > 0) {
        pending_.bytes.append(batch.bytes.data(), result.bytes);
        pending_.lengths.insert(pending_.lengths.end(), batch.lengths.begin(),
                                batch.lengths.begin() + static_cast<std::ptrdiff_t>(result.frames));
      }
      result.queued_bytes = pending_.bytes.size();
      result.queued_frames = pending_.lengths.size();
      if (result.frames > 0 && writer_idle_) {
        writer_idle_ = false;
        result.wake = true;
      }
    }
  }
  batch.clear();
  return result;
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
