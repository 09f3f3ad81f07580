// When to wait before the next firehose read: a stream that trickles (envelopes a fraction of a
// millisecond apart, as a Traffic Controller or RLP gateway forwards them one by one at low
// rates) would wake the connection's thread, and then the drain writer's, once per envelope.
// Each wake-up of an idle thread costs tens of microseconds of CPU, far more than the envelope
// (bench/RESULTS.md, "Low rates"). So once a stream is seen to trickle, the connection waits
// `window` after each hand-over and then reads everything that came meanwhile: one wake-up per
// window instead of one per envelope, and an envelope waits at most `window` longer.
//
// A stream trickles when a small batch (under kSmallBatch bytes) ends less than half `window`
// (and more than kSameBurst) after the one before: a wait then gathers at least two batches.
// A wait lasts `window`; a stream fast enough to fill 3/4 of kSmallBatch within it waits that
// long, and at most kFastStreamWait.
// It stops trickling when a wait brought nothing (the read after it had to wait for data) or a
// batch is large (full load: reads are big and nothing is gained). Streams that come in bursts
// further apart than half `window` (or are idle) are never held back: a wait would hold a whole
// burst back for about one interval and gather nothing more.
//
// Pure: the caller passes the time and does the waiting. One per connection, its thread only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace nozzle {

class ReadGather {
 public:
  using Clock = std::chrono::steady_clock;
  // A batch this large is not a trickle.
  static constexpr std::size_t kSmallBatch = 64u << 10;
  // Batches that end this close together are pieces of one burst (TLS records, TCP segments
  // of one write), not a trickle.
  static constexpr Clock::duration kSameBurst = std::chrono::microseconds(200);
  // A fast stream's wait lasts until its pace would bring this much: what a wait gathers stays
  // a small batch, so the gathering goes on.
  static constexpr std::size_t kFastStreamFill = kSmallBatch / 4 * 3;
  // The longest wait of a fast stream (see on_batch_end()). At 50,000 envelopes/s in a trickle,
  // waits of 2 ms cost less CPU per envelope than both shorter and longer ones
  // (bench/RESULTS.md, "Fifth pass").
  static constexpr Clock::duration kFastStreamWait = std::chrono::milliseconds(2);
  // A read that completes this soon after the wait ended found its data already there.
  static constexpr Clock::duration kImmediate = std::chrono::microseconds(300);

  explicit ReadGather(Clock::duration window) : window_(window) {}

  // A read completed with `bytes`.
  void on_read(Clock::time_point now, std::size_t bytes) {
    if (after_wait_) {
      found_after_wait_ = now - wait_end_ < kImmediate;
      after_wait_ = false;
    }
    batch_bytes_ += bytes;
  }

  // What was read has been handed over (nothing more waits in the socket). Returns how long to
  // wait before the next read; zero: read at once.
  [[nodiscard]] Clock::duration on_batch_end(Clock::time_point now) {
    const bool small = batch_bytes_ < kSmallBatch;
    const Clock::duration gap = now - last_batch_end_;
    const bool soon = any_batch_ && gap >= kSameBurst && gap < window_ / 2;
    // At this batch's pace, how long until a wait would have gathered kFastStreamFill. A stream
    // that brings it within the window is a fast one: it waits that long, and at most
    // kFastStreamWait.
    const Clock::duration fill = batch_bytes_ == 0
                                     ? window_
                                     : Clock::duration(static_cast<Clock::rep>(static_cast<double>(gap.count()) *
                                                                               static_cast<double>(kFastStreamFill) /
                                                                               static_cast<double>(batch_bytes_)));
    const Clock::duration wait = fill >= window_ ? window_ : std::min(fill, kFastStreamWait);
    any_batch_ = true;
    last_batch_end_ = now;
    batch_bytes_ = 0;
    if (window_ <= Clock::duration::zero() || !small) {
      gathering_ = false;
    } else if (gathering_) {
      gathering_ = found_after_wait_;
    } else {
      gathering_ = soon;
    }
    return gathering_ ? wait : Clock::duration::zero();
  }

  // The wait asked for by on_batch_end() is over.
  void waited(Clock::time_point now) {
    wait_end_ = now;
    after_wait_ = true;
    found_after_wait_ = false;
  }

  // A new session: the stream's past says nothing of it.
  void reset() { *this = ReadGather(window_); }

 private:
  Clock::duration window_;
  Clock::time_point last_batch_end_{};
  Clock::time_point wait_end_{};
  std::size_t batch_bytes_ = 0;
  bool any_batch_ = false;
  bool gathering_ = false;
  bool after_wait_ = false;
  bool found_after_wait_ = false;
};

}  // namespace nozzle
