// Drains with a disk spool and at-least-once delivery, against syslog-sink over real sockets:
// a receiver down for longer than the memory queue lasts, a shutdown while it is down and the
// next start, a spool that fills, a damaged segment, a disk that refuses writes, and a
// receiver that goes away mid-stream. The identity
// produced == sent + dropped + queued + spooled must hold exactly in every case.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "support/certs.h"
#include "support/ports.h"
#include "support/sink.h"
#include "support/temp_dir.h"
#include "support/test_drains.h"
#include "support/wait.h"
#include "syslog/drain_pool.h"
#include "syslog/drain_url.h"

using namespace nozzle::syslog;
using namespace nozzle::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string message(int seq, std::size_t padding = 0) { return numbered_message(seq, padding); }

// A drain whose memory queue holds little (1 MiB), so that an outage reaches the spool.
DrainConfig spooling_drain(const std::string& url, const fs::path& spool) {
  DrainConfig c = fast_drain(url);
  c.queue_max_bytes = 1u << 20;
  c.spool.dir = spool.string();
  c.spool.segment_bytes = 256u << 10;
  return c;
}

std::string tcp_url(std::uint16_t port) { return "syslog://127.0.0.1:" + std::to_string(port); }

std::uint64_t u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

void check_accounting(DrainCounters& c) {
  INFO("produced " << c.produced.get() << " sent " << c.sent_frames.get() << " dropped " << c.dropped_total()
                   << " queued " << c.queued_frames.get() << " spooled " << c.spool_frames.get());
  CHECK(c.produced.get() == c.sent_frames.get() + c.dropped_total() + u(c.queued_frames.get()) + u(c.spool_frames.get()));
}

std::size_t segment_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().extension() == ".seg";
  return n;
}

// Pushes frames first..first+count-1 at a steady pace.
void push_range(Drain& d, int first, int count, std::size_t padding = 200) {
  for (int i = first; i < first + count; ++i) {
    (void)d.push(message(i, padding));
    if (i % 100 == 99) std::this_thread::sleep_for(1ms);
  }
}

std::vector<std::string> expected(int first, int count, std::size_t padding = 200) {
  std::vector<std::string> v;
  for (int i = first; i < first + count; ++i) v.push_back(message(i, padding));
  return v;
}

}  // namespace

TEST_CASE("spool: a receiver down far longer than the memory queue lasts gets every frame, in order") {
  for (const bool tls : {false, true}) {
    INFO((tls ? "TLS" : "TCP"));
    TempDir dir("spool");
    const std::uint16_t port = free_port(Protocol::Tcp);
    const std::string url = tls ? "syslog-tls://127.0.0.1:" + std::to_string(port) + "?ca=" + test_certs().ca.string()
                                : tcp_url(port);
    DrainPool pool;
    Drain& d = pool.add(spooling_drain(url, dir / "drain"));
    pool.start();
    constexpr int kFrames = 20000;  // about 6 MiB: 6 times the memory queue
    push_range(d, 0, kFrames);
    auto& c = d.counters();
    CHECK(wait_until([&] { return c.spooled.get() > 0 && c.queued_frames.get() == 0; }, 10s));
    CHECK(c.dropped_total() == 0);
    CHECK(c.spool_frames.get() > 0);
    check_accounting(c);

    SyslogSink sink({.tcp = !tls, .tls = tls, .port = port});
    CHECK(sink.wait_frames(kFrames, 30s));
    CHECK(wait_until([&] { return c.sent_frames.get() == kFrames && c.spool_frames.get() == 0; }, 10s));
    CHECK(c.replayed.get() == c.spooled.get());
    CHECK(c.dropped_total() == 0);
    CHECK(wait_until([&] { return segment_files(dir / "drain") == 0; }, 5s));
    pool.stop(std::chrono::steady_clock::now() + 5s);
    check_accounting(c);
    CHECK(sink.raw_messages() == expected(0, kFrames));  // byte for byte, in order, each once
  }
}

TEST_CASE("spool: frames held at shutdown while the receiver is down go out after the next start") {
  TempDir dir("spool");
  const std::uint16_t port = free_port(Protocol::Tcp);
  constexpr int kFrames = 100000;
  {
    DrainPool pool;
    DrainConfig cfg = spooling_drain(tcp_url(port), dir / "drain");
    cfg.queue_max_bytes = 64u << 20;  // all of it in memory at the deadline
    cfg.queue_max_frames = kFrames;
    Drain& d = pool.add(cfg);
    pool.start();
    for (int i = 0; i < kFrames; ++i) REQUIRE(d.push(message(i, 20)));
    pool.stop(std::chrono::steady_clock::now() + 500ms);
    auto& c = d.counters();
    CHECK(c.dropped_total() == 0);
    CHECK(c.spool_frames.get() == kFrames);
    check_accounting(c);
  }
  SyslogSink sink({.tcp = true, .port = port});
  DrainPool pool;
  Drain& d = pool.add(spooling_drain(tcp_url(port), dir / "drain"));
  auto& c = d.counters();
  CHECK(c.recovered_frames.get() == kFrames);
  CHECK(c.produced.get() == kFrames);
  pool.start();
  CHECK(sink.wait_frames(kFrames, 30s));
  CHECK(wait_until([&] { return c.sent_frames.get() == kFrames; }, 10s));
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(c);
  CHECK(sink.raw_messages() == expected(0, kFrames, 20));
}

TEST_CASE("spool: when full, the oldest frames go, counted exactly, the newest arrive in order") {
  TempDir dir("spool");
  const std::uint16_t port = free_port(Protocol::Tcp);
  DrainPool pool;
  DrainConfig cfg = spooling_drain(tcp_url(port), dir / "drain");
  cfg.queue_max_bytes = 4u << 20;  // room for the pushes between spills on a loaded machine
  cfg.spool.max_bytes = 2u << 20;
  cfg.spool.segment_bytes = 256u << 10;
  Drain& d = pool.add(cfg);
  pool.start();
  constexpr int kFrames = 20000;  // about 6 MiB into a 2 MiB spool
  push_range(d, 0, kFrames);
  auto& c = d.counters();
  CHECK(wait_until([&] { return c.queued_frames.get() == 0; }, 10s));
  CHECK(c.dropped_spool_full.get() > 0);
  CHECK(c.dropped_total() == c.dropped_spool_full.get());
  CHECK(c.spool_bytes.get() <= static_cast<std::int64_t>(cfg.spool.max_bytes));
  check_accounting(c);

  SyslogSink sink({.tcp = true, .port = port});
  const auto lost = static_cast<int>(c.dropped_spool_full.get());
  CHECK(sink.wait_frames(kFrames - lost, 30s));
  CHECK(wait_until([&] { return c.spool_frames.get() == 0 && c.queued_frames.get() == 0; }, 10s));
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(c);
  CHECK(sink.raw_messages() == expected(lost, kFrames - lost));
}

TEST_CASE("spool: a torn tail left by a crash is counted, every intact record before it is delivered") {
  TempDir dir("spool");
  const std::uint16_t port = free_port(Protocol::Tcp);
  constexpr int kFrames = 5000;
  {
    DrainPool pool;
    DrainConfig cfg = spooling_drain(tcp_url(port), dir / "drain");
    cfg.queue_max_bytes = 64u << 20;
    Drain& d = pool.add(cfg);
    pool.start();
    for (int i = 0; i < kFrames; ++i) REQUIRE(d.push(message(i, 20)));
    pool.stop(std::chrono::steady_clock::now() + 300ms);  // down: the queue goes to the spool
    REQUIRE(d.counters().spool_frames.get() == kFrames);
  }
  // What a crash in the middle of a write leaves: a record header and part of its frame.
  fs::path last;
  for (const auto& e : fs::directory_iterator(dir / "drain")) {
    if (e.path().extension() == ".seg" && e.path() > last) last = e.path();
  }
  REQUIRE(!last.empty());
  std::ofstream(last, std::ios::app | std::ios::binary).write("\x40\x00\x00\x00\x00\x00\x00\x00<13>1 20", 16);

  SyslogSink sink({.tcp = true, .port = port});
  DrainPool pool;
  Drain& d = pool.add(spooling_drain(tcp_url(port), dir / "drain"));
  auto& c = d.counters();
  CHECK(c.dropped_spool_corrupt.get() == 1);
  CHECK(c.recovered_frames.get() == kFrames);
  pool.start();
  CHECK(sink.wait_frames(kFrames, 20s));
  CHECK(wait_until([&] { return c.sent_frames.get() == kFrames; }, 10s));
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(c);
  CHECK(sink.raw_messages() == expected(0, kFrames, 20));
}

TEST_CASE("spool: a disk that refuses writes is counted as spool_io, the drain keeps working from memory") {
  TempDir dir("spool");
  const std::uint16_t port = free_port(Protocol::Tcp);
  DrainPool pool;
  Drain& d = pool.add(spooling_drain(tcp_url(port), dir / "drain"));
  // The spool's first segment will be /dev/full: every write to it fails with ENOSPC.
  fs::create_symlink("/dev/full", dir / "drain" / "00000000000000000001.seg");
  pool.start();
  auto& c = d.counters();
  push_range(d, 0, 3000);
  CHECK(wait_until([&] { return c.dropped_spool_io.get() > 0; }, 10s));
  CHECK(c.spool_failed.get() == 1);
  check_accounting(c);

  // Memory only now: frames pushed after the failure wait in the queue and arrive; the queue is
  // small, so some may also be dropped as queue_full.
  push_range(d, 3000, 200);
  const std::uint64_t lost = c.dropped_total();
  SyslogSink sink({.tcp = true, .port = port});
  CHECK(sink.wait_frames(3200 - lost, 20s));
  CHECK(wait_until([&] { return c.queued_frames.get() == 0; }, 10s));
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(c);
  CHECK(c.sent_frames.get() == 3200 - lost);
  CHECK(c.dropped_total() == lost);
}

TEST_CASE("at-least-once: the batch in flight when the receiver goes is written again on the next connection") {
  SyslogSink first({.tcp = true});
  const std::uint16_t port = first.tcp_port();
  DrainPool pool;
  Drain& d = pool.add(fast_drain(tcp_url(port) + "?delivery=at-least-once"));
  pool.start();
  auto& c = d.counters();
  constexpr int kFrames = 30000;
  std::thread producer([&] { push_range(d, 0, kFrames, 100); });
  CHECK(first.wait_frames(3000, 20s));
  CHECK(first.stop() == 0);
  CHECK(wait_until([&] { return c.connected.get() == 0; }, 5s));
  SyslogSink second({.tcp = true, .port = port});
  producer.join();
  CHECK(wait_until([&] { return c.queued_frames.get() == 0; }, 20s));
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(c);
  CHECK(c.dropped_write_failed.get() == 0);
  INFO("resent " << c.resent.get() << ", dropped " << c.dropped_total());
  // What each receiver got, in order; a frame may arrive twice (the resent batch), and order
  // is kept for the first arrival of each.
  std::vector<std::string> got = first.raw_messages();
  const std::vector<std::string> later = second.raw_messages();
  got.insert(got.end(), later.begin(), later.end());
  std::set<std::string> seen(got.begin(), got.end());
  const std::vector<std::string> all = expected(0, kFrames, 100);
  std::size_t missing = 0;
  for (const auto& m : all) missing += seen.count(m) == 0;
  MESSAGE("frames received twice: " << got.size() - seen.size() << ", resent " << c.resent.get());
  // TCP cannot tell what a receiver read before it went: frames in its socket buffers when it
  // stopped are lost unless they were part of the batch in flight. The drain counts nothing as
  // lost; the test reports what the receiver missed.
  MESSAGE("frames the receivers missed: " << missing);
  CHECK(c.dropped_total() == 0);
  CHECK(c.sent_frames.get() == static_cast<std::uint64_t>(kFrames));
}
