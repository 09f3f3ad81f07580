#include <doctest/doctest.h>

#include "syslog/drain_base.h"
#include "syslog/frame_queue.h"

using namespace nozzle::syslog;
using PR = FrameQueue::PushResult;

TEST_CASE("frame queue frames, coalesces and is bounded in frames and bytes") {
  FrameQueue q(3, 40);
  CHECK(q.push("<1>1 a\n", Framing::OctetCounting) == PR::Queued);  // "7 <1>1 a\n" = 9 bytes
  CHECK(q.push("<1>1 bb\n", Framing::OctetCounting) == PR::Queued);  // 10 bytes
  CHECK(q.frames() == 2);
  CHECK(q.bytes() == 19);
  CHECK(q.push(std::string(25, 'x'), Framing::Lf) == PR::Full);  // 26 bytes: 45 > 40
  CHECK(q.push("<1>1 c\n", Framing::OctetCounting) == PR::Queued);
  CHECK(q.push("<1>1 d\n", Framing::OctetCounting) == PR::Full);  // 4th frame
  CHECK(q.push(std::string(41, 'x'), Framing::Datagram) == PR::TooLarge);

  FrameBatch batch;
  CHECK(q.take(batch) == 3);
  CHECK(batch.bytes == "7 <1>1 a\n8 <1>1 bb\n7 <1>1 c\n");
  CHECK(batch.lengths == std::vector<std::uint32_t>{9, 10, 9});
  CHECK(q.frames() == 0);
  CHECK(q.bytes() == 0);
}

TEST_CASE("frame queue wakes an idle writer once") {
  FrameQueue q(10, 1000);
  CHECK(q.push("a", Framing::Lf) == PR::Queued);  // writer has not declared itself idle yet
  FrameBatch batch;
  CHECK(q.take(batch) == 1);
  batch.clear();
  CHECK(q.take(batch) == 0);  // now idle
  CHECK(q.push("b", Framing::Lf) == PR::QueuedWake);
  CHECK(q.push("c", Framing::Lf) == PR::Queued);  // already woken
  CHECK(q.take(batch) == 2);
  CHECK(batch.bytes == "b\nc\n");
  batch.clear();
  CHECK(q.take(batch) == 0);
  q.set_writer_busy();  // disconnected: pushes must not wake it
  CHECK(q.push("d", Framing::Lf) == PR::Queued);
}

TEST_CASE("a closed queue refuses pushes but keeps what it holds") {
  FrameQueue q(10, 1000);
  CHECK(q.push("a", Framing::Datagram) == PR::Queued);
  q.close();
  CHECK(q.push("b", Framing::Datagram) == PR::Closed);
  FrameBatch batch;
  CHECK(q.take(batch) == 1);
  CHECK(batch.bytes == "a");
}

namespace {
// A drain with no transport: records wakes, lets the test play the writer.
class RecordingDrain final : public DrainBase {
 public:
  using DrainBase::DrainBase;
  void start() override {}
  void stop(std::chrono::steady_clock::time_point, std::function<void()> done) override {
    queue_.close();
    drop_queued(DropReason::Shutdown);
    done();
  }
  int wakes = 0;
  std::size_t write_all(bool ok) {
    FrameBatch b;
    const std::size_t n = queue_.take(b);
    if (n > 0) {
      if (ok) batch_sent(b);
      else batch_dropped(b, DropReason::WriteFailed);
    }
    return n;
  }

 private:
  void wake() override { ++wakes; }
};

void check_invariant(DrainCounters& c) {
  CHECK(c.produced.get() ==
        c.sent_frames.get() + c.dropped_total() + static_cast<std::uint64_t>(c.queued_frames.get()));
}
}  // namespace

TEST_CASE("drain accounting: produced == sent + dropped + queued at every step") {
  DrainConfig cfg;
  cfg.framing = Framing::OctetCounting;
  cfg.queue_max_frames = 2;
  cfg.format.max_message_bytes = 600;
  RecordingDrain d(cfg);
  auto& c = d.counters();

  CHECK(d.push("<13>1 one\n"));
  CHECK(d.push("<13>1 two\n"));
  CHECK_FALSE(d.push("<13>1 three\n"));  // queue full
  CHECK(c.dropped_queue_full.get() == 1);
  CHECK_FALSE(d.push(std::string(601, 'x')));  // over max-message-bytes
  CHECK(c.dropped_too_large.get() == 1);
  CHECK(c.queued_frames.get() == 2);
  CHECK(c.queued_bytes.get() == 26);
  check_invariant(c);

  CHECK(d.write_all(true) == 2);
  CHECK(c.sent_frames.get() == 2);
  CHECK(c.sent_bytes.get() == 26);
  CHECK(c.queued_frames.get() == 0);
  CHECK(c.queued_bytes.get() == 0);
  check_invariant(c);

  CHECK(d.write_all(true) == 0);  // writer idle now
  CHECK(d.push("<13>1 four\n"));
  CHECK(d.wakes == 1);
  CHECK(d.write_all(false) == 1);
  CHECK(c.dropped_write_failed.get() == 1);
  check_invariant(c);

  CHECK(d.push("<13>1 five\n"));
  bool done = false;
  d.stop({}, [&] { done = true; });
  CHECK(done);
  CHECK(c.dropped_shutdown.get() == 1);
  CHECK_FALSE(d.push("<13>1 six\n"));
  CHECK(c.dropped_shutdown.get() == 2);
  check_invariant(c);
  CHECK(c.produced.get() == 7);
}

TEST_CASE("append moves a producer's batch in at once: a prefix within the bounds, one wake") {
  FrameQueue q(4, 40);
  FrameBatch mine;
  append_frame(Framing::OctetCounting, "<1>1 a\n", mine.bytes);  // 9 bytes
  mine.lengths.push_back(9);
  append_frame(Framing::OctetCounting, "<1>1 bb\n", mine.bytes);  // 10 bytes
  mine.lengths.push_back(10);

  FrameBatch writer;
  CHECK(q.take(writer) == 0);  // the writer is idle
  auto r = q.append(mine);
  CHECK(r.frames == 2);
  CHECK(r.bytes == 19);
  CHECK(r.wake);
  CHECK_FALSE(r.closed);
  CHECK(mine.empty());
  CHECK(mine.bytes.empty());

  // Bounded in bytes: 19 queued + 9 + 10 fit in 40, the next 10 does not.
  for (const char* m : {"<1>1 c\n", "<1>1 dd\n", "<1>1 ee\n"}) {
    const std::string_view msg(m);
    append_frame(Framing::OctetCounting, msg, mine.bytes);
    mine.lengths.push_back(static_cast<std::uint32_t>(msg.size() + frame_overhead(Framing::OctetCounting, msg)));
  }
  r = q.append(mine);
  CHECK(r.frames == 2);
  CHECK(r.bytes == 19);
  CHECK_FALSE(r.wake);  // already woken, not yet taken
  CHECK(mine.empty());  // the rest is the caller's to count

  CHECK(q.take(writer) == 4);
  CHECK(writer.bytes == "7 <1>1 a\n8 <1>1 bb\n7 <1>1 c\n8 <1>1 dd\n");
  CHECK(writer.lengths == std::vector<std::uint32_t>{9, 10, 9, 10});

  // Bounded in frames.
  FrameQueue small(1, 1000);
  for (int i = 0; i < 3; ++i) {
    append_frame(Framing::Lf, "x", mine.bytes);
    mine.lengths.push_back(2);
  }
  r = small.append(mine);
  CHECK(r.frames == 1);
  CHECK(small.frames() == 1);

  small.close();
  append_frame(Framing::Lf, "y", mine.bytes);
  mine.lengths.push_back(2);
  r = small.append(mine);
  CHECK(r.closed);
  CHECK(r.frames == 0);
  CHECK(mine.empty());
}

TEST_CASE("drain accounting holds for staged batches: too large at stage, queue_full and shutdown at push") {
  DrainConfig cfg;
  cfg.framing = Framing::OctetCounting;
  cfg.queue_max_frames = 3;
  cfg.format.max_message_bytes = 600;
  RecordingDrain d(cfg);
  auto& c = d.counters();
  FrameBatch mine;

  CHECK(d.write_all(true) == 0);  // the writer is idle
  CHECK(d.stage("<13>1 one\n", mine));
  CHECK(d.stage("<13>1 two\n", mine));
  CHECK_FALSE(d.stage(std::string(601, 'x'), mine));
  CHECK(c.dropped_too_large.get() == 1);
  CHECK(c.produced.get() == 1);  // staged frames are not the drain's yet
  check_invariant(c);
  CHECK(d.wakes == 0);

  d.push_batch(mine);
  CHECK(mine.empty());
  CHECK(d.wakes == 1);
  CHECK(c.produced.get() == 3);
  CHECK(c.queued_frames.get() == 2);
  CHECK(c.queued_bytes.get() == 26);
  check_invariant(c);

  for (const char* m : {"<13>1 3\n", "<13>1 4\n", "<13>1 5\n"}) CHECK(d.stage(m, mine));
  d.push_batch(mine);  // one fits (3 frames at most)
  CHECK(d.wakes == 1);
  CHECK(c.queued_frames.get() == 3);
  CHECK(c.dropped_queue_full.get() == 2);
  check_invariant(c);

  CHECK(d.write_all(true) == 3);
  CHECK(c.sent_frames.get() == 3);
  CHECK(c.queued_bytes.get() == 0);
  check_invariant(c);

  bool done = false;
  d.stop({}, [&] { done = true; });
  CHECK(done);
  CHECK(d.stage("<13>1 late\n", mine));
  d.push_batch(mine);
  CHECK(c.dropped_shutdown.get() == 1);
  CHECK(c.queued_frames.get() == 0);
  check_invariant(c);
  CHECK(c.produced.get() == 7);
}
