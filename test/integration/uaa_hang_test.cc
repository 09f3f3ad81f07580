// A UAA that hangs must stall nothing but the token itself: the syslog-nozzle binary against
// cf-sim with UAA answering after a minute, while envelopes wait for their app's names and
// while SIGTERM arrives. The firehose thread that needs a new token still releases what it
// holds on time, and the shutdown ends within its deadline.
#include <doctest/doctest.h>
#include <signal.h>

#include "simulator.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/sink.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

TEST_CASE("a hanging UAA holds up neither held envelopes nor the shutdown") {
  constexpr std::uint64_t kTotal = 400;
  constexpr auto kEnrichWait = 1s;
  constexpr auto kShutdownTimeout = 3s;
  cfsim::SimulatorOptions o;
  o.foundation = {.orgs = 2, .spaces = 4, .apps = 50};
  o.workload.total = kTotal;
  o.workload.rate = 400;                  // a second of stream
  o.workload.mix = {1, 0, 0, 0, 0, 0, 0};  // app logs only
  o.workload.tagged_share = 0;            // every one needs Cloud Controller for its names
  // The stream outlives the token's renewal time (half its life): a reconnect wants a new one.
  o.uaa.expires_in_seconds = 2;
  cfsim::Simulator sim(o);
  sim.start();
  cfsim::FaultSettings faults;
  faults.cc_latency = 2000ms;              // names come late: envelopes are held for --enrich-wait
  faults.drop_every_envelopes = kTotal;    // the stream ends after its last envelope: reconnect
  sim.set_faults(faults);

  SyslogSink sink({.tcp = true});
  TempDir dir("nozzle-uaa-hang");
  const std::uint16_t stats_port = free_port(Protocol::Tcp);
  Process nozzle(ProcessOptions{
      .argv = {NOZZLE_SYSLOG_NOZZLE, "--api-endpoint", sim.base_url(), "--ca-cert", sim.ca_file(), "--client-id",
               "nozzle", "--client-secret", "nozzle-secret", "--firehose", "v1", "--subscription-id", "uaa-hang",
               "--events", "LogMessage", "--drain", "syslog://127.0.0.1:" + std::to_string(sink.tcp_port()),
               "--enrich-wait", "1s", "--shutdown-timeout", "3s", "--cc-pull-time", "60s", "--stats-address",
               "127.0.0.1:" + std::to_string(stats_port)},
      .stdout_path = dir / "nozzle.out",
      .stderr_path = dir / "nozzle.err"});
  INFO(nozzle.describe());

  // The first token comes at once; from then on UAA takes a minute to answer.
  REQUIRE(wait_until([&] { return sim.counters().tokens_issued >= 1; }, 15s, 1ms));
  faults.uaa_latency = 60s;
  sim.set_faults(faults);

  // The whole stream has been sent, and the connection is dropped and wants a new token.
  REQUIRE(wait_until([&] { return sim.counters().envelopes_sent() >= kTotal; }, 15s));
  // Each envelope waits at most --enrich-wait for names, whatever the token: all are out soon.
  CHECK(sink.wait_frames(kTotal, kEnrichWait + 2s));
  CHECK(sim.counters().tokens_issued >= 2);  // a new token was asked for (and is not answered)

  ::kill(nozzle.pid(), SIGTERM);
  const auto signalled = std::chrono::steady_clock::now();
  const bool exited = nozzle.wait_exit(kShutdownTimeout + 10s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - signalled);
  INFO("exit took " << took.count() << " ms");
  REQUIRE(exited);
  CHECK(nozzle.exit_code() == 0);
  CHECK(took <= kShutdownTimeout + 1s);  // a second for what follows the drains (cache snapshot, joins)
  CHECK(sink.frames() == kTotal);
  sim.stop();
}
