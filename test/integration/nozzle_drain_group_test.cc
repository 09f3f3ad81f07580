// Drain groups through the syslog-nozzle binary: cf-sim -> syslog-nozzle -> a balance group of
// three rsyslog receivers (every envelope arrives once, each app at one endpoint, the
// per-endpoint metrics add up and pass promtool), and --check-config naming the group or every
// mistake in one (exit 2).
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "simulator.h"
#include "support/nozzle_process.h"
#include "support/process.h"
#include "support/rsyslog.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

std::string endpoint(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// The app guid of each line that has one.
std::vector<std::string> app_guids(const Rsyslog& r) {
  std::vector<std::string> out;
  for (const std::string& line : r.raw_lines()) {
    const std::size_t at = line.find("\"cf_app_id\":\"");
    out.push_back(at == std::string::npos ? "" : line.substr(at + 13, 36));
  }
  return out;
}

}  // namespace

TEST_CASE(
    "nozzle with a balance drain group: every envelope once, each app at one endpoint, per-endpoint metrics add up") {
  constexpr std::uint64_t kTotal = 3000;
  cfsim::SimulatorOptions o;
  o.foundation.orgs = 2;
  o.foundation.spaces = 4;
  o.foundation.apps = 30;
  o.workload.total = kTotal;
  o.workload.mix = {60, 10, 10, 10, 10, 0, 0};
  o.workload.tagged_share = 1.0;
  o.workload.seed = 14;
  cfsim::Simulator sim(o);
  sim.start();
  std::vector<std::unique_ptr<Rsyslog>> rs;
  for (int i = 0; i < 3; ++i)
    rs.push_back(std::make_unique<Rsyslog>(RsyslogOptions{.tls = false, .tcp = true, .raw_only = true}));
  TempDir dir("nozzle-group");
  auto args = sim_args(sim);
  const std::string url = "syslog://" + endpoint(rs[0]->tcp_port()) + "," + endpoint(rs[1]->tcp_port()) + "," +
                          endpoint(rs[2]->tcp_port()) + "?name=spread&mode=balance&failback-after=1s";
  args.insert(args.end(), {"--firehose", "v1", "--subscription-id", "group-e2e", "--events",
                           "LogMessage,ValueMetric,CounterEvent,ContainerMetric,HttpStartStop", "--drain", url});
  NozzleProcess nozzle(dir, args);
  const auto received = [&] { return rs[0]->raw_count() + rs[1]->raw_count() + rs[2]->raw_count(); };
  const bool all = wait_until([&] { return received() >= kTotal; }, 60s);
  INFO(nozzle.process->describe());
  REQUIRE(all);

  std::string metrics;
  CHECK(wait_until(
      [&] {
        metrics = nozzle.get("/metrics");
        return NozzleProcess::metric(metrics, "drain_queue_frames{drain=\"spread\"}") == 0 &&
               NozzleProcess::metric(metrics, "drain_sent_frames_total{drain=\"spread\"}") == kTotal;
      },
      10s));
  INFO(metrics);
  CHECK(received() == kTotal);
  double sent = 0, produced = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string labels = "{drain=\"spread\",endpoint=\"" + endpoint(rs[i]->tcp_port()) + "\"}";
    CHECK(NozzleProcess::metric(metrics, "drain_endpoint_up" + labels) == 1);
    CHECK(NozzleProcess::metric(metrics, "drain_endpoint_active" + labels) == 1);
    const double s = NozzleProcess::metric(metrics, "drain_endpoint_sent_frames_total" + labels);
    CHECK(s == static_cast<double>(rs[i]->raw_count()));
    CHECK(s > 0);
    sent += s;
    produced += NozzleProcess::metric(metrics, "drain_endpoint_produced_total" + labels);
  }
  CHECK(sent == kTotal);
  CHECK(produced == kTotal);
  CHECK(NozzleProcess::metric(metrics, "drain_messages_produced_total{drain=\"spread\"}") == kTotal);
  CHECK(NozzleProcess::metric(metrics, "drain_group_switches_total{drain=\"spread\"}") == 0);

  // Each app's lines at one endpoint only.
  std::map<std::string, std::set<int>> where;
  std::size_t app_lines = 0;
  for (int i = 0; i < 3; ++i) {
    for (const std::string& guid : app_guids(*rs[i])) {
      if (guid.empty()) continue;
      where[guid].insert(i);
      ++app_lines;
    }
  }
  CHECK(app_lines > kTotal / 2);
  CHECK(where.size() >= 20);
  for (const auto& [guid, ends] : where) CHECK_MESSAGE(ends.size() == 1, guid);

  const RunResult promtool = promtool_check_metrics(dir, metrics);
  INFO(promtool.output);
  CHECK(promtool.exit_code == 0);
}

TEST_CASE("--check-config shows a drain group's mode and endpoints, and names every mistake in one (exit 2)") {
  TempDir dir("nozzle-group-config");
  const std::vector<std::string> base{NOZZLE_SYSLOG_NOZZLE, "--check-config",
                                      "--api-endpoint",     "https://api.sys",
                                      "--client-id",        "n",
                                      "--client-secret",    "s"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), more.begin(), more.end());
    return run(argv, dir.path());
  };
  const RunResult ok =
      with({"--drain", "syslog-tls://a.example.com:6514,b.example.com?name=team-a&mode=failover&failback-after=10s"});
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK(
      ok.output.find("drain team-a: failover over a.example.com:6514, b.example.com:6514 (failback-after 10000 ms)") !=
      std::string::npos);

  const RunResult help = run({NOZZLE_SYSLOG_NOZZLE, "--help"}, dir.path());
  CHECK(help.output.find("mode=failover|balance") != std::string::npos);

  // DRAINS with two URLs: a group whose list stays whole, and a second drain.
  const RunResult listed =
      run({"sh", "-c",
           "DRAINS='syslog://a:514,b:514?mode=balance&orgs=x,y syslog://c:514' " + std::string(NOZZLE_SYSLOG_NOZZLE) +
               " --check-config --api-endpoint https://api.sys --client-id n --client-secret s"},
          dir.path());
  INFO(listed.output);
  CHECK(listed.exit_code == 0);
  CHECK(listed.output.find("balance over a:514, b:514") != std::string::npos);
  CHECK(listed.output.find("drain syslog://c:514") != std::string::npos);

  const RunResult bad = with({"--drain", "syslog://a:514,b:514", "--drain", "syslog://c:514,d:514?mode=round-robin",
                              "--drain", "syslog://e:514,f:514?mode=failover&failback-after=soon", "--drain",
                              "syslog://g:514?mode=balance", "--drain", "syslog-udp://h:514,i:514?mode=balance"});
  INFO(bad.output);
  CHECK(bad.exit_code == 2);
  for (const char* needle :
       {"need mode=failover or mode=balance", "mode='round-robin' is not one of failover, balance",
        "failback-after='soon' is not a duration", "mode= needs several endpoints", "do not apply to syslog-udp://"}) {
    CHECK_MESSAGE(bad.output.find(needle) != std::string::npos, needle);
  }
}
