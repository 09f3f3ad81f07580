// RELP drains against rsyslog's own RELP input (imrelp, Debian's rsyslog-relp), plain and TLS:
// every frame arrives as sent and is acknowledged, and after `kill -9` of rsyslog in the middle
// of a stream and a restart, nothing is missing (frames written but not acknowledged before the
// kill may arrive twice; the test reports how many). The TLS input checks the drain's client
// certificate (tls.authmode certvalid), so relp-tls:// runs with mutual TLS here.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <thread>

#include "support/certs.h"
#include "support/rsyslog.h"
#include "support/test_drains.h"
#include "support/wait.h"
#include "syslog/drain_pool.h"
#include "syslog/drain_url.h"

using namespace nozzle::syslog;
using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

std::string message(int seq) {
  return "<13>1 2026-11-20T10:00:00.000000Z 10.0.0.5 vcap.rep 42 LogMessage "
         "[instance@47450 director=\"\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
         "{\"seq\":" + std::to_string(seq) + ",\"msg\":\"relp\"}\n";
}

DrainConfig relp_drain(bool tls, const Rsyslog& rsyslog) {
  const std::string url = tls ? "relp-tls://127.0.0.1:" + std::to_string(rsyslog.relp_tls_port()) +
                                    "?ca=" + test_certs().ca.string() + "&cert=" + test_certs().client.cert.string() +
                                    "&key=" + test_certs().client.key.string()
                              : "relp://127.0.0.1:" + std::to_string(rsyslog.relp_port());
  DrainConfig c = fast_drain(url);
  c.queue_max_frames = 300000;
  return c;
}

// The sequence number in each message rsyslog wrote, in its order.
std::vector<int> sequence_numbers(const Rsyslog& rsyslog) {
  std::vector<int> out;
  for (const std::string& line : rsyslog.raw_lines()) {
    const std::size_t at = line.find("\"seq\":");
    if (at != std::string::npos) out.push_back(std::atoi(line.c_str() + at + 6));
  }
  return out;
}

void check_accounting(DrainCounters& c) {
  INFO("produced " << c.produced.get() << " sent " << c.sent_frames.get() << " dropped " << c.dropped_total()
                   << " queued " << c.queued_frames.get());
  CHECK(c.produced.get() == c.sent_frames.get() + c.dropped_total() + static_cast<std::uint64_t>(c.queued_frames.get()));
}

}  // namespace

TEST_CASE("RELP: rsyslog's imrelp receives every frame as sent, each acknowledged (plain and TLS)") {
  for (const bool tls : {false, true}) {
    INFO(std::string(tls ? "relp-tls" : "relp"));
    Rsyslog rsyslog({.tls = false, .tcp = false, .relp = !tls, .relp_tls = tls});
    DrainPool pool;
    Drain& d = pool.add(relp_drain(tls, rsyslog));
    pool.start();
    constexpr int kFrames = 3000;
    for (int i = 0; i < kFrames; ++i) REQUIRE(d.push(message(i)));
    auto& c = d.counters();
    CHECK(wait_until([&] { return c.sent_frames.get() == kFrames; }, 20s));
    INFO("drain: " << c.last_error() << "\n" << rsyslog.describe() << rsyslog.log());
    CHECK(c.relp_in_flight.get() == 0);
    CHECK(rsyslog.wait_messages(kFrames, 10s));
    pool.stop(std::chrono::steady_clock::now() + 5s);
    check_accounting(c);
    CHECK(c.dropped_total() == 0);
    const std::vector<std::string> lines = rsyslog.raw_lines();
    REQUIRE(lines.size() == kFrames);
    for (int i = 0; i < kFrames; ++i) {
      std::string sent = message(i);
      sent.pop_back();  // RELP carries the message without its LF
      if (lines[static_cast<std::size_t>(i)] != sent) {
        FAIL_CHECK("message " << i << " arrived as " << lines[static_cast<std::size_t>(i)]);
        break;
      }
    }
    // rsyslog logs nothing about broken sessions: the drain closed with a RELP close.
    CHECK(rsyslog.log().find("error") == std::string::npos);
  }
}

TEST_CASE("RELP: kill -9 of rsyslog mid-stream of 200,000 frames and a restart lose nothing") {
  for (const bool tls : {false, true}) {
    INFO(std::string(tls ? "relp-tls" : "relp"));
    Rsyslog rsyslog({.tls = false, .tcp = false, .relp = !tls, .relp_tls = tls, .direct_queue = true, .raw_only = true});
    DrainPool pool;
    Drain& d = pool.add(relp_drain(tls, rsyslog));
    pool.start();
    constexpr int kFrames = 200000;
    for (int i = 0; i < kFrames; ++i) REQUIRE(d.push(message(i)));
    auto& c = d.counters();
    REQUIRE(wait_until([&] { return c.sent_frames.get() >= 40000; }, 60s));
    rsyslog.kill();
    const std::uint64_t acked_at_kill = c.sent_frames.get();
    CHECK(wait_until([&] { return c.connected.get() == 0; }, 10s));
    std::this_thread::sleep_for(1s);
    rsyslog.restart();
    CHECK(wait_until([&] { return c.sent_frames.get() == kFrames; }, 120s));
    pool.stop(std::chrono::steady_clock::now() + 5s);
    check_accounting(c);
    CHECK(c.dropped_total() == 0);
    CHECK(c.reconnects.get() >= 1);

    const std::vector<int> got = sequence_numbers(rsyslog);
    std::map<int, int> seen;
    for (int s : got) ++seen[s];
    int missing = 0;
    for (int i = 0; i < kFrames; ++i) missing += seen.count(i) == 0;
    const std::size_t duplicates = got.size() - seen.size();
    MESSAGE(std::string(tls ? "relp-tls" : "relp") << ": acknowledged before the kill " << acked_at_kill << ", resent "
                                        << c.resent.get() << ", received twice " << duplicates << ", missing "
                                        << missing);
    CHECK(missing == 0);
    CHECK(seen.size() == static_cast<std::size_t>(kFrames));
    // Every frame acknowledged before the kill was in the file: none of them was sent again.
    CHECK(duplicates <= c.resent.get());
  }
}
