// Drain writers under faults, against syslog-sink over real sockets and real TLS: a receiver
// that is down at start, one that goes away mid-stream, certificates that do not verify, a
// receiver that never reads, and UDP with nobody listening. The accounting identity
// produced == sent + dropped + queued must hold exactly in every case.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "support/certs.h"
#include "support/ports.h"
#include "support/sink.h"
#include "support/test_drains.h"
#include "support/wait.h"
#include "syslog/drain_pool.h"
#include "syslog/drain_url.h"

using namespace nozzle::syslog;
using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

std::string message(int seq, std::size_t padding = 0) { return numbered_message(seq, padding); }

DrainConfig drain(const std::string& url) { return fast_drain(url); }

std::string tls_url(std::uint16_t port, const std::string& host = "127.0.0.1") {
  return "syslog-tls://" + host + ":" + std::to_string(port) + "?ca=" + test_certs().ca.string();
}

std::uint64_t queued(DrainCounters& c) { return static_cast<std::uint64_t>(c.queued_frames.get()); }

void check_accounting(DrainCounters& c) {
  INFO("produced " << c.produced.get() << " sent " << c.sent_frames.get() << " dropped " << c.dropped_total()
                   << " queued " << c.queued_frames.get());
  CHECK(c.produced.get() == c.sent_frames.get() + c.dropped_total() + queued(c));
}

}  // namespace

TEST_CASE("a drain that is down at start gets every queued frame once it comes up") {
  for (const bool tls : {false, true}) {
    INFO((tls ? "TLS" : "TCP"));
    const std::uint16_t port = free_port(Protocol::Tcp);
    DrainPool pool;
    Drain& d = pool.add(drain(tls ? tls_url(port) : "syslog://127.0.0.1:" + std::to_string(port)));
    pool.start();
    constexpr int kFrames = 2000;
    std::vector<std::string> sent;
    for (int i = 0; i < kFrames; ++i) {
      sent.push_back(message(i));
      REQUIRE(d.push(sent.back()));
    }
    auto& c = d.counters();
    CHECK(wait_until([&] { return c.connect_failures.get() >= 2; }, 10s));
    CHECK(c.sent_frames.get() == 0);
    CHECK(queued(c) == kFrames);

    SyslogSink sink({.tcp = !tls, .tls = tls, .port = port});
    CHECK(sink.wait_frames(kFrames, 15s));
    CHECK(wait_until([&] { return c.sent_frames.get() == kFrames; }, 5s));
    CHECK(c.dropped_total() == 0);
    CHECK(c.connected.get() == 1);
    CHECK(sink.status().invalid == 0);
    pool.stop(std::chrono::steady_clock::now() + 5s);
    check_accounting(c);
    CHECK(sink.raw_messages() == sent);  // byte for byte, in order, each once
  }
}

TEST_CASE("a drain that goes away mid-stream is reconnected and the accounting stays exact") {
  SyslogSink first({.tls = false});
  const std::uint16_t port = first.tcp_port();
  DrainPool pool;
  Drain& d = pool.add(drain("syslog://127.0.0.1:" + std::to_string(port)));
  pool.start();
  auto& c = d.counters();

  constexpr int kFrames = 30000;
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; i < kFrames; ++i) {
      (void)d.push(message(i, 100));
      pushed = i + 1;
      if (i % 100 == 99) std::this_thread::sleep_for(1ms);  // a steady stream, not one burst
    }
  });
  CHECK(first.wait_frames(3000, 20s));
  const int stop_exit = first.stop();  // the receiver goes away while frames keep coming
  CHECK(stop_exit == 0);
  const std::uint64_t first_got = first.status().frames;
  CHECK(wait_until([&] { return c.connected.get() == 0; }, 5s));

  SyslogSink second({.tls = false, .port = port});
  producer.join();
  CHECK(wait_until([&] { return queued(c) == 0; }, 20s));
  pool.stop(std::chrono::steady_clock::now() + 5s);

  CHECK(c.produced.get() == kFrames);
  check_accounting(c);
  CHECK(c.reconnects.get() >= 1);
  CHECK(second.wait_frames(1, 5s));
  // Every frame the receivers got was written by a write that completed, or by one that failed
  // when the first receiver went (those are counted as write_failed: TCP cannot tell how much
  // of a failed write arrived).
  const std::uint64_t received = first_got + second.status().frames;
  CHECK(received <= c.sent_frames.get() + c.dropped_write_failed.get());
  CHECK(c.sent_frames.get() >= second.status().frames);
  CHECK(second.status().invalid == 0);
}

TEST_CASE("a receiver whose certificate does not verify is refused with a clear error and counted") {
  SUBCASE("certificate from a CA the drain does not trust") {
    SyslogSink sink({.tcp = false, .tls = true});
    DrainPool pool;
    Drain& d = pool.add(
        drain("syslog-tls://127.0.0.1:" + std::to_string(sink.tls_port()) + "?ca=" + test_certs().other_ca.string()));
    pool.start();
    REQUIRE(d.push(message(1)));
    auto& c = d.counters();
    CHECK(wait_until([&] { return c.tls_verify_failures.get() >= 2; }, 10s));
    const std::string error = c.last_error();
    INFO(error);
    CHECK(error.find("TLS peer verification failed") != std::string::npos);
    CHECK(error.find("certificate") != std::string::npos);
    CHECK(c.sent_frames.get() == 0);
    CHECK(c.connected.get() == 0);
    pool.stop(std::chrono::steady_clock::now() + 1s);
    CHECK(c.dropped_shutdown.get() == 1);
    check_accounting(c);
    CHECK(sink.frames() == 0);
  }
  SUBCASE("certificate for another name") {
    SyslogSink sink({.tcp = false, .tls = true, .wrong_name_cert = true});
    DrainPool pool;
    Drain& d = pool.add(drain(tls_url(sink.tls_port(), "localhost")));
    pool.start();
    REQUIRE(d.push(message(1)));
    auto& c = d.counters();
    CHECK(wait_until([&] { return c.tls_verify_failures.get() >= 2; }, 10s));
    const std::string error = c.last_error();
    INFO(error);
    CHECK(error.find("TLS peer verification failed: hostname mismatch") != std::string::npos);
    CHECK(error.find("expected peer name 'localhost'") != std::string::npos);
    pool.stop(std::chrono::steady_clock::now() + 1s);
    check_accounting(c);
    CHECK(sink.frames() == 0);
  }
  SUBCASE("the right name and CA are accepted (positive control)") {
    SyslogSink sink({.tcp = false, .tls = true});
    DrainPool pool;
    Drain& d = pool.add(drain(tls_url(sink.tls_port(), "localhost")));
    pool.start();
    REQUIRE(d.push(message(1)));
    CHECK(sink.wait_frames(1, 10s));
    CHECK(d.counters().tls_verify_failures.get() == 0);
    pool.stop(std::chrono::steady_clock::now() + 2s);
  }
}

TEST_CASE("a receiver that never reads fills its queue, drops are counted and other drains keep flowing") {
  SyslogSink stalled({.tcp = false, .tls = true, .stall = true});
  SyslogSink healthy({.tcp = false, .tls = true});
  DrainPool pool;
  DrainConfig stuck_cfg = drain(tls_url(stalled.tls_port()));
  stuck_cfg.queue_max_frames = 5000;
  stuck_cfg.queue_max_bytes = 1u << 20;
  stuck_cfg.write_timeout = 60s;  // the stall must not be cut short by the write deadline here
  Drain& stuck = pool.add(stuck_cfg);
  Drain& good = pool.add(drain(tls_url(healthy.tls_port())));
  pool.start();

  constexpr int kFrames = 100000;
  int accepted_by_stuck = 0;
  for (int i = 0; i < kFrames; ++i) {
    const std::string m = message(i, 150);
    accepted_by_stuck += stuck.push(m) ? 1 : 0;
    REQUIRE(good.push(m));
    if (i % 2000 == 1999) std::this_thread::sleep_for(1ms);  // give the healthy drain's writes room
  }
  // The healthy drain on the same io thread delivers everything while the other one is stuck.
  CHECK(healthy.wait_frames(kFrames, 60s));
  auto& s = stuck.counters();
  CHECK(s.dropped_queue_full.get() > 0);
  CHECK(s.dropped_queue_full.get() == static_cast<std::uint64_t>(kFrames - accepted_by_stuck));
  check_accounting(s);
  CHECK(stalled.frames() == 0);

  // Shutdown cannot flush the stuck drain: at the deadline its frames are counted, not lost.
  const auto t0 = std::chrono::steady_clock::now();
  pool.stop(t0 + 1s);
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK(queued(s) == 0);
  CHECK(s.dropped_shutdown.get() > 0);
  check_accounting(s);
  check_accounting(good.counters());
  CHECK(good.counters().sent_frames.get() == kFrames);
}

TEST_CASE("a write that takes longer than its deadline counts the batch and reconnects") {
  SyslogSink stalled({.tcp = true, .stall = true});
  DrainPool pool;
  DrainConfig cfg = drain("syslog://127.0.0.1:" + std::to_string(stalled.tcp_port()));
  cfg.write_timeout = 300ms;
  Drain& d = pool.add(cfg);
  pool.start();
  // More than the socket buffers hold, so a write blocks.
  for (int i = 0; i < 40000; ++i) (void)d.push(message(i, 200));
  auto& c = d.counters();
  CHECK(wait_until([&] { return c.dropped_write_failed.get() > 0 && c.reconnects.get() >= 1; }, 15s));
  CHECK(c.last_error().find("write timed out") != std::string::npos);
  pool.stop(std::chrono::steady_clock::now() + 1s);
  check_accounting(c);
}

TEST_CASE("the write deadline still cuts a write that stalls after writes that finished in time") {
  // A plain TCP receiver that reads the first `kReadBytes` bytes and then stops reading (the
  // connection stays open). The first writes finish at once and leave the deadline's watch
  // armed; the stalled write that follows must be cut by its own deadline, not be forgotten.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  constexpr int kEarly = 20;
  std::atomic<std::size_t> received{0};
  std::atomic<bool> done{false};
  std::thread receiver([&] {
    const int conn = ::accept(listener, nullptr, nullptr);
    if (conn < 0) return;
    char buf[4096];
    // Reads while it has fewer bytes than the early frames hold, then never again.
    while (received.load() < static_cast<std::size_t>(kEarly) * message(0).size()) {
      const ssize_t n = ::read(conn, buf, sizeof buf);
      if (n <= 0) break;
      received += static_cast<std::size_t>(n);
    }
    while (!done.load()) std::this_thread::sleep_for(10ms);
    ::close(conn);
  });

  DrainPool pool;
  DrainConfig cfg = drain("syslog://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  cfg.write_timeout = 300ms;
  Drain& d = pool.add(cfg);
  pool.start();
  auto& c = d.counters();
  for (int i = 0; i < kEarly; ++i) {
    REQUIRE(d.push(message(i)));
    REQUIRE(wait_until([&] { return c.sent_frames.get() == static_cast<std::uint64_t>(i + 1); }, 10s));
  }
  CHECK(wait_until([&] { return received.load() >= static_cast<std::size_t>(kEarly) * message(0).size(); }, 10s));
  // More than the socket buffers hold, so this write blocks.
  for (int i = kEarly; i < 40000; ++i) (void)d.push(message(i, 200));
  CHECK(wait_until([&] { return c.dropped_write_failed.get() > 0; }, 15s));
  CHECK(c.last_error().find("write timed out") != std::string::npos);
  CHECK(c.sent_frames.get() >= static_cast<std::uint64_t>(kEarly));
  pool.stop(std::chrono::steady_clock::now() + 1s);
  check_accounting(c);
  done = true;
  receiver.join();
  ::close(listener);
}

TEST_CASE("UDP: one datagram per message, sends refused by the kernel are counted") {
  SyslogSink sink({.tcp = false, .udp = true});
  DrainPool pool;
  Drain& d = pool.add(drain("syslog-udp://127.0.0.1:" + std::to_string(sink.udp_port())));
  const std::uint16_t closed = free_port(Protocol::Udp);
  Drain& nobody = pool.add(drain("syslog-udp://127.0.0.1:" + std::to_string(closed)));
  pool.start();
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    sent.push_back(message(i));
    REQUIRE(d.push(sent.back()));
    REQUIRE(nobody.push(sent.back()));
    if (i % 20 == 19) std::this_thread::sleep_for(1ms);  // loopback UDP drops bursts silently
  }
  CHECK(sink.wait_frames(200, 10s));
  CHECK(sink.raw_messages() == sent);
  CHECK(wait_until([&] { return nobody.counters().queued_frames.get() == 0; }, 5s));
  pool.stop(std::chrono::steady_clock::now() + 2s);
  check_accounting(d.counters());
  check_accounting(nobody.counters());
  // Port unreachable comes back as ICMP and fails the next send on the connected socket.
  CHECK(nobody.counters().dropped_write_failed.get() > 0);
  CHECK(nobody.counters().last_error().find("send failed") != std::string::npos);
}

// --drain-thread shared at the pool's level (DrainPool::hand_over_thread()): the pool's thread
// stops, another runs the io_context and pushes from inside its handlers (as a firehose
// connection does: written before push() returns), a third thread pushes and wakes it, and after that thread
// stops, stop() flushes what is still queued on the calling thread. In the TSan build too.
TEST_CASE(
    "a pool handed over to another thread: its own pushes, a third thread's and those queued at stop all arrive") {
  for (const bool tls : {false, true}) {
    INFO((tls ? "TLS" : "TCP"));
    SyslogSink sink({.tcp = true, .tls = true});
    DrainPool pool;
    Drain& d = pool.add(
        drain(tls ? tls_url(sink.tls_port(), "localhost") : "syslog://127.0.0.1:" + std::to_string(sink.tcp_port())));
    pool.start();
    boost::asio::io_context& ioc = pool.hand_over_thread();
    constexpr int kProbe = 1, kOwn = 500, kOther = 500, kAtStop = 200;
    constexpr int kTotal = kProbe + kOwn + kOther + kAtStop;
    auto& c = d.counters();
    std::atomic<bool> done{false};
    std::atomic<int> refused{0};
    std::thread runner([&] {
      while (!done.load()) ioc.run_one_for(std::chrono::milliseconds(20));
    });
    REQUIRE(wait_until([&] { return c.connected.get() == 1; }, 10s));
    // A push on the running thread writes before it returns: the receiver has the frame while
    // the handler still runs. Had it only woken the writer, the write would wait for this
    // handler to end (the runner is the io_context's only thread), and the wait would fail.
    std::promise<bool> probe;
    boost::asio::post(ioc, [&] {
      refused += d.push(message(0)) ? 0 : 1;
      probe.set_value(wait_until([&] { return sink.frames() >= kProbe; }, 10s));
    });
    CHECK(probe.get_future().get());
    boost::asio::post(ioc, [&] {
      for (int i = 0; i < kOwn; ++i) refused += d.push(message(kProbe + i)) ? 0 : 1;
    });
    std::thread other([&] {
      for (int i = 0; i < kOther; ++i) refused += d.push(message(kProbe + kOwn + i)) ? 0 : 1;
    });
    other.join();
    CHECK(sink.wait_frames(kProbe + kOwn + kOther, 20s));
    done = true;
    runner.join();
    // Nobody runs the io_context now: these wait in the queue until stop() runs it here.
    for (int i = 0; i < kAtStop; ++i) refused += d.push(message(kProbe + kOwn + kOther + i)) ? 0 : 1;
    pool.stop(std::chrono::steady_clock::now() + 10s);
    CHECK(refused.load() == 0);
    CHECK(c.produced.get() == kTotal);
    CHECK(c.sent_frames.get() == kTotal);
    check_accounting(c);
    CHECK(sink.wait_frames(kTotal, 10s));
    CHECK(sink.status().invalid == 0);
  }
}
