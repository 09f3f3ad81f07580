// --drain-thread shared: the firehose connection's thread writes to the drains itself (the drain
// pool hands its io_context over, DrainPool::hand_over_thread()). The binary against cf-sim and
// syslog-sink over TLS, v1 and v2: every envelope arrives once and in order, the pool's own
// thread is gone; `auto` picks the mode its rule says. (A SIGTERM with the drain down, which
// in shared mode runs the drains on the main thread, is nozzle_e2e_test.cc's, for both modes.)
// What it saves in CPU is measured in bench/ (bench/RESULTS.md, "Third pass"), not here.
#include <doctest/doctest.h>

#include <filesystem>

#include "simulator.h"
#include "support/certs.h"
#include "support/nozzle_process.h"
#include "support/sequence.h"
#include "support/sink.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kTotal = 6000;  // 3 s at 2,000/s

cfsim::SimulatorOptions options(std::uint64_t total) {
  cfsim::SimulatorOptions o;
  o.foundation.apps = 10;
  o.workload.total = total;
  o.workload.rate = 2000;
  o.workload.mix = {100, 0, 0, 0, 0, 0, 0};  // LogMessage only: each carries "seq=N"
  o.workload.tagged_share = 1.0;
  return o;
}

std::size_t threads_of(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    ++n;
  }
  return n;
}

struct Run {
  bool all = false;
  std::size_t unique = 0, duplicates = 0;
  bool in_order = true;
  std::size_t threads = 0;
  double produced = -1, sent = -1;
  bool logged_mode = false;
  int exit_code = -1;
};

Run deliver(const std::string& firehose, const std::string& mode) {
  cfsim::Simulator sim(options(kTotal));
  sim.start();
  SyslogSink sink({.tcp = false, .tls = true});
  TempDir dir("nozzle-drain-thread");
  const std::string name = "syslog-tls://127.0.0.1:" + std::to_string(sink.tls_port());
  const std::string drain = name + "?ca=" + test_certs().ca.string();
  auto args = sim_args(sim);
  args.insert(args.end(), {"--firehose", firehose, "--events", "LogMessage", "--drain-thread", mode,
                           "--subscription-id", "drain-thread-" + firehose, "--drain", drain});
  NozzleProcess nozzle(dir, args);
  Run r;
  r.all = sink.wait_frames(kTotal, 60s);
  r.threads = threads_of(nozzle.process->pid());
  const std::string metrics = nozzle.get("/metrics");
  r.produced = NozzleProcess::metric(metrics, "drain_messages_produced_total{drain=\"" + name + "\"}");
  r.sent = NozzleProcess::metric(metrics, "drain_sent_frames_total{drain=\"" + name + "\"}");
  const SequenceOrder order = sequence_order(sink.raw_messages());
  r.unique = order.unique;
  r.duplicates = order.duplicates;
  r.in_order = order.in_order;
  r.exit_code = nozzle.process->stop(15s);
  r.logged_mode = nozzle.process->stderr_text().find("\"drain_thread\":\"" + mode + "\"") != std::string::npos;
  INFO(nozzle.process->describe());
  sim.stop();
  return r;
}

}  // namespace

TEST_CASE("drain thread shared: v1 and v2 over TLS, every envelope once and in order, without the pool's thread") {
  for (const std::string firehose : {"v1", "v2"}) {
    CAPTURE(firehose);
    const Run shared = deliver(firehose, "shared");
    CHECK(shared.all);
    CHECK(shared.unique == kTotal);
    CHECK(shared.duplicates == 0);
    CHECK(shared.in_order);
    CHECK(shared.produced == static_cast<double>(kTotal));
    CHECK(shared.sent == shared.produced);
    CHECK(shared.logged_mode);
    CHECK(shared.exit_code == 0);

    const Run own = deliver(firehose, "own");
    CHECK(own.all);
    CHECK(own.unique == kTotal);
    CHECK(own.logged_mode);
    // The drain pool's thread (and its resolver's) run no more: the connection's thread writes.
    MESSAGE(firehose << ": threads shared " << shared.threads << ", own " << own.threads);
    CHECK(shared.threads < own.threads);
  }
}

TEST_CASE("drain thread auto: shared with one connection and no spool, own with a spool or with two connections") {
  cfsim::Simulator sim(options(0));
  sim.start();
  SyslogSink sink({.tcp = true});
  const std::string drain = "syslog://127.0.0.1:" + std::to_string(sink.tcp_port());
  struct Case {
    std::vector<std::string> args;
    std::string want;
  };
  TempDir spool("nozzle-drain-thread-spool");
  const std::vector<Case> cases = {
      {{}, "shared"},
      {{"--spool-dir", spool.path().string()}, "own"},
      {{"--connections", "2"}, "own"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.want);
    TempDir dir("nozzle-drain-thread-auto");
    auto args = sim_args(sim);
    args.insert(args.end(), {"--events", "LogMessage", "--drain-thread", "auto", "--drain", drain});
    args.insert(args.end(), c.args.begin(), c.args.end());
    NozzleProcess nozzle(dir, args);
    const std::string line = "\"drain_thread\":\"" + c.want + "\"";
    CHECK(wait_until([&] { return nozzle.process->stderr_text().find(line) != std::string::npos; }, 20s));
    INFO(nozzle.process->describe());
    CHECK(nozzle.process->stop(15s) == 0);
  }
  sim.stop();
}
