// Drain groups (syslog/drain_group.h) against real rsyslog receivers over real sockets:
// failover over RELP with the first endpoint killed mid-stream and brought back, balance over
// TCP with one of three endpoints killed and brought back, and a group whose every endpoint is
// down spooling and replaying. Counted per sequence number; the accounting identity is checked
// for the group and for each endpoint.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "support/rsyslog.h"
#include "support/temp_dir.h"
#include "support/test_drains.h"
#include "support/wait.h"
#include "syslog/drain_group.h"
#include "syslog/drain_pool.h"

using namespace nozzle::syslog;
using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

std::string message(int seq, int app = 0) {
  return "<13>1 2026-11-20T10:00:00.000000Z 10.0.0.5 vcap.rep 42 LogMessage "
         "[instance@47450 director=\"\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
         "{\"app\":" +
         std::to_string(app) + ",\"seq\":" + std::to_string(seq) + ",\"msg\":\"group\"}\n";
}

struct Line {
  int app = 0;
  int seq = 0;
};

// What rsyslog wrote, in its order.
std::vector<Line> lines_of(const Rsyslog& r) {
  std::vector<Line> out;
  for (const std::string& line : r.raw_lines()) {
    const std::size_t a = line.find("\"app\":");
    const std::size_t s = line.find("\"seq\":");
    if (a != std::string::npos && s != std::string::npos) {
      out.push_back({std::atoi(line.c_str() + a + 6), std::atoi(line.c_str() + s + 6)});
    }
  }
  return out;
}

std::uint64_t u(std::int64_t v) { return static_cast<std::uint64_t>(v); }

void check_accounting(Drain& group) {
  auto& c = group.counters();
  INFO("group produced " << c.produced.get() << " sent " << c.sent_frames.get() << " dropped " << c.dropped_total()
                         << " queued " << c.queued_frames.get() << " spooled " << c.spool_frames.get());
  CHECK(c.produced.get() ==
        c.sent_frames.get() + c.dropped_total() + u(c.queued_frames.get()) + u(c.spool_frames.get()));
  for (std::size_t i = 0; i < group.endpoint_count(); ++i) {
    auto& e = group.endpoint(i).counters();
    INFO("endpoint " << i << " produced " << e.produced.get() << " sent " << e.sent_frames.get() << " dropped "
                     << e.dropped_total() << " queued " << e.queued_frames.get() << " spooled " << e.spool_frames.get()
                     << " handed over " << e.handed_over.get());
    CHECK(e.produced.get() == e.sent_frames.get() + e.dropped_total() + e.handed_over.get() + u(e.queued_frames.get()) +
                                  u(e.spool_frames.get()));
  }
}

std::string endpoint(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

TEST_CASE(
    "drain group failover over RELP: the first endpoint killed mid-stream, the second takes over, nothing is lost, the "
    "first takes back after failback-after") {
  Rsyslog first({.tls = false, .tcp = false, .relp = true, .direct_queue = true, .raw_only = true});
  Rsyslog second({.tls = false, .tcp = false, .relp = true, .direct_queue = true, .raw_only = true});
  DrainConfig cfg = fast_drain("relp://" + endpoint(first.relp_port()) + "," + endpoint(second.relp_port()) +
                               "?name=pair&mode=failover&failback-after=2s");
  cfg.queue_max_frames = 500000;
  DrainPool pool;
  Drain& d = pool.add(cfg);
  REQUIRE(d.endpoint_count() == 2);
  pool.start();

  // A steady stream until the test has seen the whole story.
  std::atomic<bool> done{false};
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; !done; ++i) {
      REQUIRE(d.push(message(i)));
      pushed = i + 1;
      if (i % 20 == 19) std::this_thread::sleep_for(1ms);
    }
  });
  auto& e0 = d.endpoint(0).counters();
  auto& e1 = d.endpoint(1).counters();
  CHECK(wait_until([&] { return e0.sent_frames.get() >= 10000; }, 30s));
  CHECK(e1.sent_frames.get() == 0);
  CHECK(d.endpoint_active(0));

  first.kill();
  CHECK(wait_until([&] { return d.endpoint_active(1); }, 10s));
  const int switched_at = pushed;
  CHECK(wait_until([&] { return e1.sent_frames.get() >= 10000; }, 30s));
  CHECK(d.counters().connected.get() == 1);  // the group is up while one endpoint is

  first.restart();
  CHECK(wait_until([&] { return e0.connected.get() == 1; }, 10s));
  const auto back_up = std::chrono::steady_clock::now();
  CHECK(d.endpoint_active(1));  // not before failback-after
  CHECK(wait_until([&] { return d.endpoint_active(0); }, 10s));
  const auto held = std::chrono::steady_clock::now() - back_up;
  const int back_at = pushed;
  const std::uint64_t e0_before = e0.sent_frames.get();
  CHECK(wait_until([&] { return e0.sent_frames.get() >= e0_before + 10000; }, 30s));
  done = true;
  producer.join();
  const int total = pushed;
  CHECK(wait_until([&] { return d.counters().sent_frames.get() == static_cast<std::uint64_t>(total); }, 60s));
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(d);
  CHECK(d.counters().dropped_total() == 0);
  CHECK(static_cast<const DrainGroup&>(d).switches() >= 2);

  std::map<int, int> seen;
  std::set<int> at_second;
  for (const Line& l : lines_of(first)) ++seen[l.seq];
  for (const Line& l : lines_of(second)) {
    ++seen[l.seq];
    at_second.insert(l.seq);
  }
  int missing = 0;
  for (int i = 0; i < total; ++i) missing += seen.count(i) == 0;
  MESSAGE("failover: " << total << " frames, switched at " << switched_at << ", back at " << back_at << " after "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(held).count()
                       << " ms up, at the second " << at_second.size() << ", resent " << d.counters().resent.get()
                       << ", handed over " << e0.handed_over.get() << ", received twice "
                       << (lines_of(first).size() + at_second.size() - seen.size()) << ", missing " << missing);
  CHECK(missing == 0);
  CHECK(seen.size() == static_cast<std::size_t>(total));
  CHECK(held >= 1500ms);  // the hold time, measured from when the test saw it up (a little late)
  CHECK(at_second.size() >= 10000);
  // What came after the switch back went to the first endpoint only.
  for (int i = back_at + 1000; i < total; ++i) CHECK_MESSAGE(at_second.count(i) == 0, "seq " << i);
}

TEST_CASE(
    "drain group balance over TCP: three endpoints, one killed, its apps move to the others, and come back, order kept "
    "per app at each endpoint") {
  std::vector<std::unique_ptr<Rsyslog>> rs;
  for (int i = 0; i < 3; ++i)
    rs.push_back(std::make_unique<Rsyslog>(RsyslogOptions{.tls = false, .tcp = true, .raw_only = true}));
  DrainPool pool;
  Drain& d = pool.add(fast_drain("syslog://" + endpoint(rs[0]->tcp_port()) + "," + endpoint(rs[1]->tcp_port()) + "," +
                                 endpoint(rs[2]->tcp_port()) + "?name=spread&mode=balance&failback-after=1s"));
  pool.start();
  REQUIRE(wait_until(
      [&] {
        return d.endpoint(0).counters().connected.get() + d.endpoint(1).counters().connected.get() +
                   d.endpoint(2).counters().connected.get() ==
               3;
      },
      10s));
  constexpr int kApps = 60;
  constexpr int kPerPhase = 100;  // lines per app per phase
  int next_seq = 0;
  const auto push_phase = [&] {
    for (int n = 0; n < kPerPhase; ++n) {
      FrameBatch batch;
      for (int a = 0; a < kApps; ++a)
        REQUIRE(d.stage_keyed(message(next_seq, a), "app-guid-" + std::to_string(a), batch));
      d.push_batch(batch);
      ++next_seq;
    }
  };
  const auto delivered = [&](std::uint64_t n) {
    return wait_until([&] { return d.counters().sent_frames.get() >= n; }, 30s);
  };
  const auto received = [&](std::size_t n) {
    return wait_until([&] { return rs[0]->raw_count() + rs[1]->raw_count() + rs[2]->raw_count() >= n; }, 30s);
  };
  // Which endpoints each app's lines of seq [from, to) went to.
  const auto placement = [&](int from, int to) {
    std::map<int, std::set<int>> where;
    for (int i = 0; i < 3; ++i) {
      for (const Line& l : lines_of(*rs[i])) {
        if (l.seq >= from && l.seq < to) where[l.app].insert(i);
      }
    }
    return where;
  };

  push_phase();  // seq 0..99: all three up
  CHECK(delivered(kApps * kPerPhase));
  CHECK(received(kApps * kPerPhase));
  const auto home = placement(0, kPerPhase);
  REQUIRE(home.size() == kApps);
  std::map<int, int> home_of;
  int per_endpoint[3] = {0, 0, 0};
  for (const auto& [app, ends] : home) {
    CHECK(ends.size() == 1);
    home_of[app] = *ends.begin();
    ++per_endpoint[*ends.begin()];
  }
  for (int i = 0; i < 3; ++i) CHECK(per_endpoint[i] > 0);

  rs[1]->kill();
  CHECK(wait_until([&] { return !d.endpoint_active(1); }, 10s));
  push_phase();  // seq 100..199: the middle one down
  CHECK(delivered(2 * kApps * kPerPhase));
  CHECK(received(2 * kApps * kPerPhase));
  const auto moved = placement(kPerPhase, 2 * kPerPhase);
  REQUIRE(moved.size() == kApps);
  for (const auto& [app, ends] : moved) {
    INFO("app " << app << " home " << home_of[app]);
    CHECK(ends.size() == 1);
    CHECK(ends.count(1) == 0);
    if (home_of[app] != 1) CHECK(ends.count(home_of[app]) == 1);  // only the dead endpoint's apps moved
  }

  rs[1]->restart();
  CHECK(wait_until([&] { return d.endpoint_active(1); }, 10s));
  push_phase();  // seq 200..299: back to their homes
  CHECK(delivered(3 * kApps * kPerPhase));
  CHECK(received(3 * kApps * kPerPhase));
  const auto back = placement(2 * kPerPhase, 3 * kPerPhase);
  for (const auto& [app, ends] : back) {
    CHECK(ends.size() == 1);
    CHECK(ends.count(home_of[app]) == 1);
  }
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(d);
  CHECK(d.counters().dropped_total() == 0);

  // Per app, at each endpoint: strictly increasing sequence numbers, and every line once.
  std::size_t total = 0;
  for (int i = 0; i < 3; ++i) {
    std::map<int, int> last;
    for (const Line& l : lines_of(*rs[i])) {
      ++total;
      if (last.count(l.app))
        CHECK_MESSAGE(l.seq > last[l.app], "endpoint " << i << " app " << l.app << " seq " << l.seq);
      last[l.app] = l.seq;
    }
  }
  CHECK(total == static_cast<std::size_t>(3 * kApps * kPerPhase));
  MESSAGE("balance: apps per endpoint " << per_endpoint[0] << "/" << per_endpoint[1] << "/" << per_endpoint[2]);
}

TEST_CASE("drain group with every endpoint down spools, and replays every frame when they return") {
  Rsyslog first({.tls = false, .tcp = true, .raw_only = true});
  Rsyslog second({.tls = false, .tcp = true, .raw_only = true});
  first.stop();
  second.stop();
  TempDir spool;
  DrainConfig cfg = fast_drain("syslog://" + endpoint(first.tcp_port()) + "," + endpoint(second.tcp_port()) +
                               "?name=both-down&mode=failover&failback-after=1s&spool-dir=" + spool.path().string());
  cfg.queue_max_bytes = 1u << 20;  // small, so that the outage reaches the disk
  cfg.spool.segment_bytes = 256u << 10;
  DrainPool pool;
  Drain& d = pool.add(cfg);
  pool.start();
  constexpr int kFrames = 50000;
  for (int i = 0; i < kFrames; ++i) {
    (void)d.push(message(i));
    if (i % 100 == 99) std::this_thread::sleep_for(1ms);
  }
  auto& c = d.counters();
  CHECK(wait_until([&] { return d.counters().spool_frames.get() > 0 && d.counters().queued_frames.get() == 0; }, 10s));
  CHECK(c.sent_frames.get() == 0);
  CHECK(c.connected.get() == 0);
  CHECK(c.dropped_total() == 0);
  check_accounting(d);

  first.restart();
  second.restart();
  CHECK(wait_until([&] { return d.counters().sent_frames.get() == kFrames; }, 60s));
  // rsyslog writes its file a little after it reads (its queue is not direct here).
  CHECK(wait_until([&] { return first.raw_count() + second.raw_count() >= kFrames; }, 30s));
  pool.stop(std::chrono::steady_clock::now() + 5s);
  check_accounting(d);
  CHECK(d.counters().dropped_total() == 0);
  CHECK(d.counters().replayed.get() > 0);
  std::map<int, int> seen;
  for (const Line& l : lines_of(first)) ++seen[l.seq];
  for (const Line& l : lines_of(second)) ++seen[l.seq];
  int missing = 0, twice = 0;
  for (int i = 0; i < kFrames; ++i) {
    missing += seen.count(i) == 0;
    twice += seen.count(i) != 0 && seen[i] > 1;
  }
  MESSAGE("all down: spooled " << d.counters().spooled.get() << ", replayed " << d.counters().replayed.get()
                               << ", missing " << missing << ", received twice " << twice);
  CHECK(missing == 0);
  CHECK(twice == 0);
}

TEST_CASE(
    "drain group failover over TCP with delivery=at-least-once: nothing after the switch is lost, only what went to "
    "the killed receiver before it") {
  // Direct queues: rsyslog writes each message to its file before it reads the next, so a kill
  // loses only what its kernel held.
  Rsyslog first({.tls = false, .tcp = true, .direct_queue = true, .raw_only = true});
  Rsyslog second({.tls = false, .tcp = true, .direct_queue = true, .raw_only = true});
  DrainConfig cfg = fast_drain("syslog://" + endpoint(first.tcp_port()) + "," + endpoint(second.tcp_port()) +
                               "?name=pair-tcp&mode=failover&failback-after=60s&delivery=at-least-once");
  cfg.queue_max_frames = 500000;
  DrainPool pool;
  Drain& d = pool.add(cfg);
  pool.start();
  std::atomic<bool> done{false};
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; !done; ++i) {
      REQUIRE(d.push(message(i)));
      pushed = i + 1;
      if (i % 20 == 19) std::this_thread::sleep_for(1ms);
    }
  });
  auto& e0 = d.endpoint(0).counters();
  auto& e1 = d.endpoint(1).counters();
  CHECK(wait_until([&] { return e0.sent_frames.get() >= 10000; }, 30s));
  const int killed_at = pushed;
  first.kill();
  CHECK(wait_until([&] { return d.endpoint_active(1); }, 10s));
  const int switched_at = pushed;
  CHECK(wait_until([&] { return e1.sent_frames.get() >= 10000; }, 30s));
  done = true;
  producer.join();
  const int total = pushed;
  // The first endpoint stays down: what it kept for a resend stays queued with it.
  CHECK(wait_until([&] { return e1.queued_frames.get() == 0; }, 30s));
  check_accounting(d);
  CHECK(d.counters().dropped_total() == 0);
  const std::uint64_t kept = u(e0.queued_frames.get());
  pool.stop(std::chrono::steady_clock::now() + 1s);
  check_accounting(d);
  const std::uint64_t after_kill = e1.sent_frames.get();
  CHECK(wait_until([&] { return second.raw_count() >= after_kill; }, 30s));

  std::map<int, int> seen;
  for (const Line& l : lines_of(first)) ++seen[l.seq];
  for (const Line& l : lines_of(second)) ++seen[l.seq];
  int missing = 0, first_missing = -1, last_missing = -1;
  for (int i = 0; i < total; ++i) {
    if (seen.count(i) != 0) continue;
    ++missing;
    if (first_missing < 0) first_missing = i;
    last_missing = i;
  }
  MESSAGE("TCP failover, at-least-once: " << total << " frames, killed at " << killed_at << ", switched at "
                                          << switched_at << ", kept by the dead endpoint " << kept << ", handed over "
                                          << e0.handed_over.get() << ", missing " << missing << " (seq "
                                          << first_missing << ".." << last_missing << ")");
  // Nothing pushed after the switch is missing; what is missing was written to the first
  // receiver before the kill, or kept by its endpoint for a resend that never came (the endpoint
  // did not return; counted as shutdown, or spooled when it has a spool).
  CHECK(last_missing < switched_at);
}
