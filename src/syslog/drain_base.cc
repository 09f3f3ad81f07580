#include "syslog/drain_base.h"

#include "core/log.h"

namespace nozzle::syslog {

namespace {
constexpr std::chrono::milliseconds kSpoolLogInterval{10000};
// After a spool write fails, memory only for this long before the spool is tried again.
constexpr std::chrono::milliseconds kSpoolRetry{10000};
// How much one replay write reads from the spool: with its last record (at most 1 MiB) it stays
// under FrameBatch::kRetainedBytes, so the batch's buffer is reused, not faulted in anew.
constexpr std::size_t kReplayBatchBytes = 3u << 20;
static_assert(kReplayBatchBytes + (1u << 20) <= FrameBatch::kRetainedBytes);
}  // namespace

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
      if (spool_) maybe_request_spill(queue_.bytes(), queue_.frames());
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
  if (spool_) maybe_request_spill(taken.queued_bytes, taken.queued_frames);
}

void DrainBase::maybe_request_spill(std::size_t queued_bytes, std::size_t queued_frames) {
  if ((queued_bytes > high_water_bytes_ || queued_frames > high_water_frames_) &&
      !spill_requested_.exchange(true, std::memory_order_relaxed)) {
    request_spill();
  }
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
  if (queue_.take(rest) == 0) return;
  if (reason == DropReason::Shutdown && to_spool(rest)) return;
  batch_dropped(rest, reason);
}

std::size_t DrainBase::hand_over(FrameBatch& out) {
  if (queue_.frames() == 0) return 0;
  FrameBatch taken;
  const std::size_t frames = queue_.take(taken);
  if (frames == 0) return 0;
  counters_.handed_over.add(frames);
  counters_.queued_frames.add(-static_cast<std::int64_t>(frames));
  counters_.queued_bytes.add(-static_cast<std::int64_t>(taken.bytes.size()));
  out.bytes += taken.bytes;
  out.lengths.insert(out.lengths.end(), taken.lengths.begin(), taken.lengths.end());
  return frames;
}

std::string DrainBase::open_spool() {
  if (!config_.spool.enabled()) return "";
  auto spool = std::make_unique<Spool>(config_.spool);
  SpoolLoss loss;
  std::string error = spool->open(loss);
  if (!error.empty()) {
    counters_.spool_failed.set(1);
    return error;
  }
  // What an earlier run left counts as produced here: sent, dropped or still spooled later.
  counters_.recovered_frames.add(spool->frames());
  counters_.produced.add(spool->frames() + loss.corrupt_frames);
  spool_ = std::move(spool);
  high_water_bytes_ = static_cast<std::size_t>(config_.spool_high_water * static_cast<double>(config_.queue_max_bytes));
  high_water_frames_ = static_cast<std::size_t>(config_.spool_high_water * static_cast<double>(config_.queue_max_frames));
  account_spool_loss(loss);
  update_spool_gauges();
  return "";
}

void DrainBase::account_spool_loss(const SpoolLoss& loss) {
  if (loss.full_frames) counters_.dropped_spool_full.add(loss.full_frames);
  if (loss.corrupt_frames) counters_.dropped_spool_corrupt.add(loss.corrupt_frames);
  if (loss.io_frames) counters_.dropped_spool_io.add(loss.io_frames);
  if (loss.corrupt_frames) {
    log::write_limited("spool-corrupt:" + config_.name, kSpoolLogInterval, log::Level::Warn,
                       "damaged spool records skipped",
                       {{"drain", config_.name}, {"records", std::to_string(loss.corrupt_frames)}});
  }
}

void DrainBase::update_spool_gauges() {
  counters_.spool_frames.set(static_cast<std::int64_t>(spool_->frames()));
  counters_.spool_bytes.set(static_cast<std::int64_t>(spool_->bytes()));
  counters_.spool_segments.set(static_cast<std::int64_t>(spool_->segments()));
}

bool DrainBase::to_spool(FrameBatch& batch) {
  if (!spool_ || batch.empty() || std::chrono::steady_clock::now() < spool_retry_at_) return false;
  SpoolLoss loss;
  const std::string error = spool_->append(batch, loss);
  const std::size_t frames = batch.frames();
  counters_.spooled.add(frames - loss.io_frames);
  counters_.queued_frames.add(-static_cast<std::int64_t>(frames));
  counters_.queued_bytes.add(-static_cast<std::int64_t>(batch.bytes.size()));
  account_spool_loss(loss);
  update_spool_gauges();
  batch.clear();
  if (error.empty()) {
    counters_.spool_failed.set(0);
    return true;
  }
  // Disk full, a folder gone: memory only for a while, then the spool is tried again.
  counters_.spool_failed.set(1);
  spool_retry_at_ = std::chrono::steady_clock::now() + kSpoolRetry;
  counters_.set_last_error("spool: " + error);
  log::write_limited("spool-io:" + config_.name, kSpoolLogInterval, log::Level::Error,
                     "spool write failed; the drain keeps frames in memory only for now",
                     {{"drain", config_.name},
                      {"error", error},
                      {"frames_lost", std::to_string(loss.io_frames)}});
  return true;
}

void DrainBase::spill(bool ready) {
  if (!spool_) return;
  if (ready && queue_.bytes() <= high_water_bytes_ && queue_.frames() <= high_water_frames_) return;
  if (std::chrono::steady_clock::now() < spool_retry_at_) return;
  FrameBatch batch;
  if (queue_.take(batch) == 0) return;
  to_spool(batch);
}

std::size_t DrainBase::take_next(FrameBatch& batch) {
  if (spool_ && !spool_->empty()) {
    SpoolLoss loss;
    const std::size_t frames = spool_->read(batch, kReplayBatchBytes, loss);
    account_spool_loss(loss);
    if (frames > 0) {
      counters_.queued_frames.add(static_cast<std::int64_t>(frames));
      counters_.queued_bytes.add(static_cast<std::int64_t>(batch.bytes.size()));
      batch_from_spool_ = true;
      update_spool_gauges();
      return frames;
    }
    update_spool_gauges();
  }
  batch_from_spool_ = false;
  return queue_.take(batch);
}

void DrainBase::frames_sent(std::size_t frames, std::size_t bytes) {
  counters_.sent_frames.add(frames);
  counters_.sent_bytes.add(bytes);
  counters_.queued_frames.add(-static_cast<std::int64_t>(frames));
  counters_.queued_bytes.add(-static_cast<std::int64_t>(bytes));
}

void DrainBase::batch_delivered(FrameBatch& batch) {
  batch_sent(batch);
  batch_finished(batch);
}

void DrainBase::batch_finished(FrameBatch& batch) {
  if (batch_from_spool_) {
    counters_.replayed.add(batch.frames());
    spool_->commit();
    update_spool_gauges();
    batch_from_spool_ = false;
  }
  batch.clear();
}

bool DrainBase::batch_failed(FrameBatch& batch, DropReason reason) {
  if (batch_from_spool_ || config_.delivery == Delivery::AtLeastOnce) return true;
  batch_dropped(batch, reason);
  batch.clear();
  return false;
}

void DrainBase::batch_resending(const FrameBatch& batch) { counters_.resent.add(batch.frames()); }

void DrainBase::spill_for_shutdown(FrameBatch& kept, std::size_t delivered) {
  if (!kept.empty()) {
    if (batch_from_spool_) {
      // Still on disk: the next start reads it again, all but what was delivered, and but the
      // first records whose segments the byte bound removed meanwhile (the oldest frames: they
      // are dropped as spool_full, as the bound drops the oldest).
      const std::uint64_t gone = spool_->detached();
      const std::uint64_t lost = gone > delivered ? std::min<std::uint64_t>(gone - delivered, kept.frames()) : 0;
      const std::uint64_t skip = delivered > gone ? delivered - gone : 0;
      if (skip > 0) {
        spool_->commit_first(skip);
      } else {
        spool_->rewind();
      }
      if (lost > 0) counters_.dropped_spool_full.add(lost);
      counters_.queued_frames.add(-static_cast<std::int64_t>(kept.frames()));
      counters_.queued_bytes.add(-static_cast<std::int64_t>(kept.bytes.size()));
      batch_from_spool_ = false;
      update_spool_gauges();
      kept.clear();
    } else if (!to_spool(kept)) {
      batch_dropped(kept, DropReason::Shutdown);
      kept.clear();
    }
  }
  drop_queued(DropReason::Shutdown);
  if (spool_) spool_->sync();
}


}  // namespace nozzle::syslog
