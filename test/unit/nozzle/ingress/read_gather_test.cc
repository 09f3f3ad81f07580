// ReadGather on made-up times: when a connection waits before its next read, and when it stops.
#include <doctest/doctest.h>

#include "nozzle/ingress/read_gather.h"

using namespace std::chrono_literals;
using nozzle::ReadGather;
using Clock = ReadGather::Clock;

namespace {

constexpr Clock::duration kZero = Clock::duration::zero();

// One read of `bytes` at `at`, handed over at once; what the gather asks for after it.
Clock::duration batch(ReadGather& g, Clock::time_point at, std::size_t bytes = 400) {
  g.on_read(at, bytes);
  return g.on_batch_end(at);
}

}  // namespace

TEST_CASE("read gather: bursts further apart than the window are never held back") {
  ReadGather g(2ms);
  Clock::time_point t{};
  for (int i = 0; i < 100; ++i) {
    t += 5ms;  // cf-sim's grain: a burst every 5 ms
    CHECK(batch(g, t, 4000) == kZero);
  }
}

TEST_CASE("read gather: bursts as far apart as the window, or more than half of it, are not held back") {
  // The default window and cf-sim's grain: bursts 5 ms apart, with the jitter of a real clock.
  ReadGather g(5ms);
  Clock::time_point t{};
  for (int i = 0; i < 100; ++i) {
    t += i % 2 == 0 ? 4900us : 5100us;
    CHECK(batch(g, t, 4000) == kZero);
  }
  for (int i = 0; i < 20; ++i) {
    t += 2600us;  // just over half the window: a wait would gather no second batch
    CHECK(batch(g, t, 400) == kZero);
  }
  t += 2400us;  // under half: a trickle
  CHECK(batch(g, t, 400) == 5ms);
}

TEST_CASE("read gather: a fast stream waits until its pace fills 3/4 of a large batch, and at most 2 ms") {
  ReadGather g(5ms);
  Clock::time_point t{};
  (void)batch(g, t);
  t += 300us;
  // 8 KiB in 0.3 ms: 48 KiB come in 1.8 ms, so the wait is 1.8 ms, not the window's 5.
  CHECK(batch(g, t, 8u << 10) == 1800us);
  t += 1800us;
  g.waited(t);
  t += 10us;
  // The wait's read, 16 KiB, 1.81 ms after the last batch ended: 48 KiB in 5.43 ms, slow
  // enough for the whole window.
  CHECK(batch(g, t, 16u << 10) == 5ms);
  t += 5ms;
  g.waited(t);
  t += 10us;
  // 24 KiB in 5.01 ms: 48 KiB in 10.02 ms, the window again.
  CHECK(batch(g, t, 24u << 10) == 5ms);
  t += 5ms;
  g.waited(t);
  t += 10us;
  // 60 KiB in 5.01 ms: 48 KiB in 4 ms, a fast stream: 2 ms.
  CHECK(batch(g, t, 60u << 10) == ReadGather::kFastStreamWait);
}

TEST_CASE("read gather: a trickle waits the window after each hand-over while waits bring data") {
  ReadGather g(2ms);
  Clock::time_point t{};
  CHECK(batch(g, t) == kZero);  // the first batch: nothing to compare with
  t += 500us;
  REQUIRE(batch(g, t) == 2ms);  // 0.5 ms after the last: a trickle
  for (int i = 0; i < 10; ++i) {
    t += 2ms;
    g.waited(t);
    t += 20us;  // the read after the wait finds data at once (four envelopes came meanwhile)
    CHECK(batch(g, t, 1600) == 2ms);
  }
  // A wait that brought nothing: the read had to wait for the next envelope.
  t += 2ms;
  g.waited(t);
  t += 30ms;
  CHECK(batch(g, t) == kZero);
  // Quiet again: the next lone envelope is not held back either.
  t += 40ms;
  CHECK(batch(g, t) == kZero);
}

TEST_CASE("read gather: a read split over several TLS records counts from the first after the wait") {
  ReadGather g(2ms);
  Clock::time_point t{};
  (void)batch(g, t);
  t += 500us;
  REQUIRE(batch(g, t) == 2ms);
  t += 2ms;
  g.waited(t);
  g.on_read(t + 10us, 300);   // the first record, at once
  g.on_read(t + 900us, 300);  // later records do not decide
  CHECK(g.on_batch_end(t + 1ms) == 2ms);
}

TEST_CASE("read gather: the pieces of one burst are not a trickle") {
  ReadGather g(2ms);
  Clock::time_point t{};
  for (int i = 0; i < 100; ++i) {
    t += 5ms;
    CHECK(batch(g, t, 2000) == kZero);
    CHECK(batch(g, t + 40us, 2000) == kZero);  // the rest of the burst, a TLS record later
  }
}

TEST_CASE("read gather: large batches (full load) are never held back") {
  ReadGather g(2ms);
  Clock::time_point t{};
  for (int i = 0; i < 50; ++i) {
    t += 100us;
    CHECK(batch(g, t, ReadGather::kSmallBatch) == kZero);
  }
  // Gathering that meets a large batch stops.
  t += 500us;
  REQUIRE(batch(g, t) == 2ms);
  t += 2ms;
  g.waited(t);
  CHECK(batch(g, t + 10us, 200u << 10) == kZero);
}

TEST_CASE("read gather: a zero window never waits, and reset() forgets the stream") {
  ReadGather off(Clock::duration::zero());
  Clock::time_point t{};
  for (int i = 0; i < 20; ++i) {
    t += 100us;
    CHECK(batch(off, t) == kZero);
  }
  ReadGather g(2ms);
  (void)batch(g, t);
  g.reset();  // a new session
  CHECK(batch(g, t + 100us) == kZero);
}
