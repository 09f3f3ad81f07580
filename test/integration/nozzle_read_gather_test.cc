// The binary with a firehose that trickles (cf-sim's --tick-us: an envelope every 0.5 ms, as a
// Traffic Controller forwards them one by one at 2,000/s): --firehose-read-gather engages, and
// every envelope still arrives, once and in order; with the gather off it never engages. v1 and
// v2. What it saves in CPU is measured in bench/ (bench/RESULTS.md, "Low rates"), not here.
#include <doctest/doctest.h>

#include "simulator.h"
#include "support/nozzle_process.h"
#include "support/sequence.h"
#include "support/sink.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kTotal = 6000;  // 3 s at 2,000/s

struct Run {
  double gathers = -1;
  std::size_t unique = 0, duplicates = 0;
  bool in_order = true;
  bool all = false;
};

Run trickle(const std::string& firehose, const std::string& gather) {
  cfsim::SimulatorOptions o;
  o.foundation.apps = 10;
  o.workload.total = kTotal;
  o.workload.rate = 2000;
  o.workload.mix = {100, 0, 0, 0, 0, 0, 0};  // LogMessage only: each carries "seq=N"
  o.workload.tagged_share = 1.0;
  o.stream_tick = 500us;
  cfsim::Simulator sim(o);
  sim.start();
  SyslogSink sink({.tcp = true});
  TempDir dir("nozzle-gather");
  auto args = sim_args(sim);
  args.insert(args.end(),
              {"--firehose", firehose, "--events", "LogMessage", "--firehose-read-gather", gather, "--subscription-id",
               "gather-" + firehose, "--drain", "syslog://127.0.0.1:" + std::to_string(sink.tcp_port())});
  NozzleProcess nozzle(dir, args);
  Run r;
  r.all = sink.wait_frames(kTotal, 60s);
  r.gathers = NozzleProcess::metric(nozzle.get("/metrics"), "firehose_read_gathers_total");
  const SequenceOrder order = sequence_order(sink.raw_messages());
  r.unique = order.unique;
  r.duplicates = order.duplicates;
  r.in_order = order.in_order;
  sim.stop();
  return r;
}

}  // namespace

TEST_CASE("read gather: a trickling v1 and v2 firehose is gathered, every envelope arrives once and in order") {
  for (const std::string firehose : {"v1", "v2"}) {
    CAPTURE(firehose);
    const Run on = trickle(firehose, "2ms");
    CHECK(on.all);
    CHECK(on.unique == kTotal);
    CHECK(on.duplicates == 0);
    CHECK(on.in_order);
    MESSAGE(firehose << ": " << on.gathers << " gathering waits for " << kTotal << " envelopes");
    CHECK(on.gathers > 0);
    CHECK(on.gathers < static_cast<double>(kTotal));  // several envelopes per wait

    const Run off = trickle(firehose, "0");
    CHECK(off.all);
    CHECK(off.unique == kTotal);
    CHECK(off.in_order);
    CHECK(off.gathers == 0);
  }
}
