#include "syslog/drain_base.h"

namespace nozzle::syslog {

DrainBase::DrainBase(DrainConfig config)
    : config_(std::move(config)), queue_(config_.queue_max_frames, config_.queue_max_bytes) {
  counters_.mark_down();  // down until the first connection is up
}

bool DrainBase::push(std::string_view message) {
  counters_.produced.add();
  if (message.size() > config_.format.max_message_bytes) {
    counters_.dropped_too_large.add();
    return false;
  }
  // The gauge goes up before the frame is visible to the writer, so that it never dips below
  // zero when the writer sends the frame first.
  counters_.queued_frames.add(1);
  switch (queue_.push(message, config_.framing)) {
    case FrameQueue::PushResult::QueuedWake:
      wake();
      [[fallthrough]];
    case FrameQueue::PushResult::Queued:
      counters_.queued_bytes.add(static_cast<std::int64_t>(message.size() + frame_overhead(config_.framing, message)));
      return true;
    case FrameQueue::PushResult::Full:
      counters_.queued_frames.add(-1);
      counters_.dropped_queue_full.add();
      return false;
    case FrameQueue::PushResult::TooLarge:
      counters_.queued_frames.add(-1);
      counters_.dropped_too_large.add();
      return false;
    case FrameQueue::PushResult::Closed:
      counters_.queued_frames.add(-1);
      counters_.dropped_shutdown.add();
      return false;
  }
  return false;
}

bool DrainBase::stage(std::string_view message, FrameBatch& batch) {
  const std::size_t size = message.size() + frame_overhead(config_.framing, message);
  if (message.size() > config_.format.max_message_bytes || size > config_.queue_max_bytes || size > UINT32_MAX) {
    counters_.produced.add();
    counters_.dropped_too_large.add();
    return false;
  }
  append_frame(config_.framing, message, batch.bytes);
  batch.lengths.push_back(static_cast<std::uint32_t>(size));
  return true;
}

void DrainBase::push_batch(FrameBatch& batch) {
  const std::size_t frames = batch.frames();
  if (frames == 0) return;
  const std::size_t bytes = batch.bytes.size();
  counters_.produced.add(frames);
  // Up before the frames are visible to the writer, as in push().
  counters_.queued_frames.add(static_cast<std::int64_t>(frames));
  counters_.queued_bytes.add(static_cast<std::int64_t>(bytes));
  const FrameQueue::AppendResult taken = queue_.append(batch);
  if (taken.frames < frames) {
    counters_.queued_frames.add(-static_cast<std::int64_t>(frames - taken.frames));
    counters_.queued_bytes.add(-static_cast<std::int64_t>(bytes - taken.bytes));
    counters_.dropped(taken.closed ? DropReason::Shutdown : DropReason::QueueFull).add(frames - taken.frames);
  }
  if (taken.wake) wake();
}

void DrainBase::batch_sent(const FrameBatch& batch) {
  counters_.sent_frames.add(batch.frames());
  counters_.sent_bytes.add(batch.bytes.size());
  counters_.queued_frames.add(-static_cast<std::int64_t>(batch.frames()));
  counters_.queued_bytes.add(-static_cast<std::int64_t>(batch.bytes.size()));
}

void DrainBase::batch_dropped(const FrameBatch& batch, DropReason reason) {
  counters_.dropped(reason).add(batch.frames());
  counters_.queued_frames.add(-static_cast<std::int64_t>(batch.frames()));
  counters_.queued_bytes.add(-static_cast<std::int64_t>(batch.bytes.size()));
}

void DrainBase::frame_dropped(std::uint32_t length, DropReason reason) {
  counters_.dropped(reason).add();
  counters_.queued_frames.add(-1);
  counters_.queued_bytes.add(-static_cast<std::int64_t>(length));
}

void DrainBase::drop_queued(DropReason reason) {
  FrameBatch rest;
  if (queue_.take(rest) > 0) batch_dropped(rest, reason);
}

}  // namespace nozzle::syslog
