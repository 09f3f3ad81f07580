// Loggregator's health end to end: cf-sim's dopplers, traffic controllers, reverse log proxies
// and agents report their ingress, egress and dropped counters on the firehose with a loss
// cf-sim was told; the syslog-nozzle binary, forwarding LogMessages only, shows that loss per
// component and overall on /metrics and /loggregator. v1 and v2 firehose, current and
// dropsonde-era names, an instance restarting on the way.
//
// Tolerance: cf-sim counts whole envelopes (each instance's dropped counter is the floor of its
// share of its ingress), and a scrape can fall between two counters of one emission; both move
// a ratio by well under 2 % of itself, so a ratio matches when it is within 2 % (relative) of
// what cf-sim was told. The test polls each scrape until it matches, within a deadline.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <cmath>

#include "simulator.h"
#include "support/nozzle_process.h"
#include "support/process.h"
#include "support/sink.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

constexpr double kDoppler = 0.02, kTrafficController = 0.005, kRlp = 0.01, kAgent = 0.001;

bool near(double got, double want) { return std::fabs(got - want) <= 0.02 * want + 1e-9; }

cfsim::SimulatorOptions sim_options(bool v1_names) {
  cfsim::SimulatorOptions o;
  o.foundation.apps = 10;
  o.workload.rate = 2000;
  o.workload.mix = {1, 0, 0, 0, 0, 0, 0};  // the workload is logs; counters come from the components
  o.workload.tagged_share = 1.0;
  o.loggregator.interval = 200ms;
  o.loggregator.v1_names = v1_names;
  o.loggregator.load[0] = {20000, kDoppler, 3};
  o.loggregator.load[1] = {15000, kTrafficController, 2};
  o.loggregator.load[2] = {15000, kRlp, 2};
  o.loggregator.load[3] = {30000, kAgent, 4};
  return o;
}

double lg(const std::string& metrics, const std::string& family, const std::string& component) {
  return NozzleProcess::metric(metrics, "loggregator_" + family + "{component=\"" + component + "\"}");
}

void check_health(const std::string& firehose, bool v1_names) {
  CAPTURE(firehose);
  CAPTURE(v1_names);
  cfsim::Simulator sim(sim_options(v1_names));
  sim.start();
  SyslogSink sink;
  TempDir dir("loggregator-health");
  auto args = sim_args(sim);
  args.insert(args.end(), {"--firehose", firehose, "--subscription-id", "health-" + firehose, "--events", "LogMessage",
                           "--drain", "syslog://127.0.0.1:" + std::to_string(sink.tcp_port())});
  NozzleProcess nozzle(dir, args);
  INFO(nozzle.process->describe());

  const bool v1 = firehose == "v1";
  // The dropsonde-era traffic controller reported no drops; the RLP has no dropsonde-era names.
  const double tc = v1_names ? 0.0 : kTrafficController;
  const double egress_ratio = v1 ? tc : kRlp;
  const double want_all = 1 - (1 - kAgent) * (1 - kDoppler) * (1 - egress_ratio);
  const std::string egress = v1 ? "traffic_controller" : "rlp";

  std::string metrics;
  const auto matches = [&] {
    metrics = nozzle.get("/metrics");
    return near(lg(metrics, "loss_ratio", "doppler"), kDoppler) && near(lg(metrics, "loss_ratio", "agent"), kAgent) &&
           near(lg(metrics, "loss_ratio", "rlp"), kRlp) &&
           (v1_names ? lg(metrics, "loss_ratio", "traffic_controller") == 0
                     : near(lg(metrics, "loss_ratio", "traffic_controller"), kTrafficController)) &&
           near(lg(metrics, "loss_ratio", "all"), want_all) &&
           near(NozzleProcess::metric(metrics, "loss_ratio{where=\"loggregator\"}"), want_all) &&
           NozzleProcess::metric(metrics, "loss_ratio{where=\"nozzle\"}") == 0 &&
           near(NozzleProcess::metric(metrics, "loss_ratio{where=\"all\"}"), want_all);
  };
  const bool ok = wait_until(matches, 30s, 200ms);
  INFO(metrics);
  REQUIRE(ok);
  for (const char* c : {"doppler", "traffic_controller", "rlp", "agent"}) {
    CAPTURE(c);
    CHECK(lg(metrics, "ingress_total", c) > 0);
    if (v1_names && std::string(c) == "traffic_controller") {
      CHECK(lg(metrics, "egress_total", c) == 0);  // it had no such counter
    } else {
      CHECK(lg(metrics, "egress_total", c) > 0);
    }
  }
  CHECK(lg(metrics, "dropped_total", "doppler") > 0);
  CHECK(lg(metrics, "ingress_total", "doppler") >=
        lg(metrics, "egress_total", "doppler") + lg(metrics, "dropped_total", "doppler") - 100);
  CHECK(NozzleProcess::metric(metrics, "loggregator_samples_dropped_total") == 0);
  // The counters were read, not forwarded: only LogMessages reached the formatter.
  CHECK(NozzleProcess::metric(metrics, "envelopes_received_total{type=\"CounterEvent\"}") > 0);
  CHECK(NozzleProcess::metric(metrics, "envelopes_formatted_total") <=
        NozzleProcess::metric(metrics, "envelopes_received_total{type=\"LogMessage\"}"));

  // /metrics is valid Prometheus text, by Prometheus' own checker.
  const RunResult promtool = promtool_check_metrics(dir, metrics);
  INFO(promtool.output);
  CHECK(promtool.exit_code == 0);

  // /loggregator: the same figures as JSON, with the window.
  rapidjson::Document page;
  std::string text;
  const bool page_ok = wait_until(
      [&] {
        text = nozzle.get("/loggregator");
        page.Parse(text.c_str());
        return !page.HasParseError() && page.IsObject() &&
               near(page["components"]["doppler"]["loss_ratio"].GetDouble(), kDoppler) &&
               near(page["components"][egress.c_str()]["loss_ratio"].GetDouble(), egress_ratio) &&
               near(page["loggregator"]["loss_ratio"].GetDouble(), want_all) &&
               near(page["all"]["loss_ratio"].GetDouble(), want_all);
      },
      10s, 200ms);
  INFO(text);
  REQUIRE(page_ok);
  CHECK(page["enabled"].GetBool());
  CHECK(std::string(page["firehose"].GetString()) == firehose);
  CHECK(page["window_seconds"].GetDouble() > 0);
  CHECK(page["window_seconds"].GetDouble() <= 300.5);
  CHECK(page["window_max_seconds"].GetInt() == 300);
  CHECK(page["components"]["doppler"]["reporting"].GetBool());
  CHECK(page["components"]["agent"]["on_path"].GetBool());
  CHECK(page["components"][egress.c_str()]["on_path"].GetBool());
  CHECK_FALSE(page["components"][v1 ? "rlp" : "traffic_controller"]["on_path"].GetBool());
  CHECK(page["nozzle"]["loss_ratio"].GetDouble() == 0);
  CHECK(page["components"]["doppler"]["ingress_total"].GetUint64() > 0);

  // A doppler restarts (its counters start again from 0): the totals keep growing, the ratio holds.
  const double before = lg(metrics, "ingress_total", "doppler");
  sim.restart_loggregator_instance(cfsim::SimComponent::Doppler, 0);
  const bool after = wait_until(
      [&] {
        metrics = nozzle.get("/metrics");
        return lg(metrics, "ingress_total", "doppler") > before + 20000 &&
               near(lg(metrics, "loss_ratio", "doppler"), kDoppler);
      },
      20s, 200ms);
  INFO(metrics);
  CHECK(after);
  // Everything the doppler reported, and nothing more, was counted (an emission may be on its way).
  const auto reported = sim.loggregator_reported(cfsim::SimComponent::Doppler);
  CHECK(lg(metrics, "ingress_total", "doppler") <= static_cast<double>(reported.ingress));
  CHECK(lg(metrics, "ingress_total", "doppler") >= static_cast<double>(reported.ingress) - 3 * 20000);

  CHECK(nozzle.process->stop(10s) == 0);
  sim.stop();
}

}  // namespace

TEST_CASE(
    "loggregator health: v1 firehose, LogMessages forwarded, the loss cf-sim's components report is on /metrics and "
    "/loggregator") {
  check_health("v1", false);
}

TEST_CASE(
    "loggregator health: v2 firehose, LogMessages forwarded, the loss cf-sim's components report is on /metrics and "
    "/loggregator") {
  check_health("v2", false);
}

TEST_CASE("loggregator health: dropsonde-era counter names on the v1 firehose") { check_health("v1", true); }

TEST_CASE("loggregator health: --loggregator-health false reads no counters and keeps v1's filter-type=logs") {
  cfsim::Simulator sim(sim_options(false));
  sim.start();
  SyslogSink sink;
  TempDir dir("loggregator-health-off");
  auto args = sim_args(sim);
  args.insert(args.end(),
              {"--firehose", "v1", "--subscription-id", "health-off", "--events", "LogMessage", "--loggregator-health",
               "false", "--drain", "syslog://127.0.0.1:" + std::to_string(sink.tcp_port())});
  NozzleProcess nozzle(dir, args);
  INFO(nozzle.process->describe());
  std::string metrics;
  // Long enough for several of cf-sim's counter emissions (every 200 ms) to have been sent.
  const bool flowing = wait_until(
      [&] {
        metrics = nozzle.get("/metrics");
        return NozzleProcess::metric(metrics, "envelopes_formatted_total") > 4000;
      },
      30s, 100ms);
  INFO(metrics);
  REQUIRE(flowing);
  CHECK(NozzleProcess::metric(metrics, "envelopes_received_total{type=\"CounterEvent\"}") == 0);  // filter-type=logs
  CHECK(lg(metrics, "ingress_total", "doppler") == 0);
  CHECK(lg(metrics, "loss_ratio", "all") == 0);
  CHECK(NozzleProcess::metric(metrics, "loss_ratio{where=\"nozzle\"}") == 0);
  const std::string page = nozzle.get("/loggregator");
  INFO(page);
  CHECK(page.find("\"enabled\":false") != std::string::npos);
  CHECK(nozzle.process->stop(10s) == 0);
  sim.stop();
}
