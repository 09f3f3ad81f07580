// The syslog-nozzle binary end to end: cf-sim (UAA, Cloud Controller, v1 and v2 firehose) ->
// syslog-nozzle -> rsyslog over TLS or syslog-sink, with real processes, sockets, TLS and
// signals.
#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <map>
#include <set>

#include "cfapi/http_client.h"
#include "simulator.h"
#include "support/certs.h"
#include "support/nozzle_process.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/receiver_checks.h"
#include "support/rsyslog.h"
#include "support/sink.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

cfsim::SimulatorOptions sim_options(std::uint64_t total) {
  cfsim::SimulatorOptions o;
  o.foundation.orgs = 3;
  o.foundation.spaces = 6;
  o.foundation.apps = 40;
  o.workload.total = total;
  o.workload.mix = {40, 15, 10, 10, 15, 10, 0};  // all six v1 types
  o.workload.tagged_share = 0.5;                 // half the app envelopes need Cloud Controller
  o.workload.seed = 11;
  return o;
}

// Names that follow from an app guid by cf-sim's rule: %08x(org)-%04x(space)-4000-a000-%012x(app).
void check_names(const rapidjson::Document& body, int& checked) {
  if (!body.HasMember("cf_app_id")) return;
  const std::string guid = body["cf_app_id"].GetString();
  REQUIRE(guid.size() == 36);
  const auto org = std::stoul(guid.substr(0, 8), nullptr, 16);
  const auto space = std::stoul(guid.substr(9, 4), nullptr, 16);
  const auto app = std::stoull(guid.substr(24, 12), nullptr, 16);
  REQUIRE(body.HasMember("cf_app_name"));
  CHECK(std::string(body["cf_app_name"].GetString()) == "app-" + std::to_string(app));
  CHECK(std::string(body["cf_space_name"].GetString()) == "space-" + std::to_string(space));
  CHECK(std::string(body["cf_org_name"].GetString()) == "org-" + std::to_string(org));
  ++checked;
}

void run_end_to_end(const std::string& firehose) {
  constexpr std::uint64_t kTotal = 2000;
  cfsim::Simulator sim(sim_options(kTotal));
  sim.start();
  Rsyslog rsyslog({.tls = true, .tcp = false});
  TempDir dir("nozzle-e2e");
  auto args = sim_args(sim);
  args.insert(args.end(),
              {"--firehose", firehose, "--subscription-id", "e2e-" + firehose, "--events",
               "LogMessage,ValueMetric,CounterEvent,ContainerMetric,HttpStartStop,Error", "--drain",
               "syslog-tls://localhost:" + std::to_string(rsyslog.tls_port()) + "?ca=" + test_certs().ca.string(),
               "--bosh-director", "bosh-e2e"});
  NozzleProcess nozzle(dir, args);
  const bool all = rsyslog.wait_messages(kTotal, 60s);
  INFO(nozzle.process->describe());
  REQUIRE(all);

  // Wait until the nozzle's own accounting is quiescent, then check it adds up exactly.
  std::string metrics;
  CHECK(wait_until(
      [&] {
        metrics = nozzle.get("/metrics");
        return NozzleProcess::metric(metrics, "drain_queue_frames{drain=\"syslog-tls://localhost:" +
                                                  std::to_string(rsyslog.tls_port()) + "\"}") == 0 &&
               NozzleProcess::metric(metrics, "envelopes_formatted_total") == kTotal;
      },
      10s));
  double received = 0;
  for (const char* t :
       {"LogMessage", "ValueMetric", "CounterEvent", "ContainerMetric", "HttpStartStop", "Error", "Event"}) {
    received += NozzleProcess::metric(metrics, std::string("envelopes_received_total{type=\"") + t + "\"}");
  }
  const double filtered = NozzleProcess::metric(metrics, "envelopes_filtered_total{reason=\"event_type\"}") +
                          NozzleProcess::metric(metrics, "envelopes_filtered_total{reason=\"org\"}") +
                          NozzleProcess::metric(metrics, "envelopes_filtered_total{reason=\"opt_out\"}") +
                          NozzleProcess::metric(metrics, "envelopes_filtered_total{reason=\"missing_app\"}");
  const double invalid = NozzleProcess::metric(metrics, "envelopes_invalid_total");
  const double formatted = NozzleProcess::metric(metrics, "envelopes_formatted_total");
  INFO(metrics);
  CHECK(received == kTotal);
  CHECK(received == invalid + filtered + formatted);
  const std::string drain = "{drain=\"syslog-tls://localhost:" + std::to_string(rsyslog.tls_port()) + "\"}";
  const double produced = NozzleProcess::metric(metrics, "drain_messages_produced_total" + drain);
  const double sent = NozzleProcess::metric(metrics, "drain_sent_frames_total" + drain);
  double dropped = 0;
  for (const char* r : {"queue_full", "too_large", "write_failed", "shutdown"}) {
    dropped += NozzleProcess::metric(metrics, "drain_dropped_total{drain=\"syslog-tls://localhost:" +
                                                  std::to_string(rsyslog.tls_port()) + "\",reason=\"" + r + "\"}");
  }
  CHECK(produced == sent + dropped + NozzleProcess::metric(metrics, "drain_queue_frames" + drain));
  CHECK(sent == kTotal);

  // /metrics is valid Prometheus text, by Prometheus' own checker.
  const RunResult promtool = promtool_check_metrics(dir, metrics);
  INFO(promtool.output);
  CHECK(promtool.exit_code == 0);

  // firehose-to-syslog's /stats/app keys, each counted; /health while all is well.
  rapidjson::Document stats;
  const std::string stats_text = nozzle.get("/stats/app");
  stats.Parse(stats_text.c_str());
  INFO(stats_text);
  REQUIRE_FALSE(stats.HasParseError());
  for (const char* key : {"consume", "consume_per_sec", "consume_fail", "consume_http_start_stop",
                          "consume_value_metric", "consume_counter_event", "consume_log_message", "consume_error",
                          "consume_container_metric", "consume_unknown", "ignored", "forwarded", "publish",
                          "publish_per_sec", "publish_fail", "slow_consumer_alert", "subinupt_buffer", "instance_id"}) {
    CHECK_MESSAGE(stats.HasMember(key), key);
  }
  CHECK(stats["consume"].GetInt64() == static_cast<std::int64_t>(kTotal));
  CHECK(stats["consume_log_message"].GetInt64() + stats["consume_value_metric"].GetInt64() +
            stats["consume_counter_event"].GetInt64() + stats["consume_container_metric"].GetInt64() +
            stats["consume_http_start_stop"].GetInt64() + stats["consume_error"].GetInt64() ==
        static_cast<std::int64_t>(kTotal));
  CHECK(stats["forwarded"].GetInt64() == static_cast<std::int64_t>(kTotal));
  CHECK(stats["publish"].GetInt64() == static_cast<std::int64_t>(kTotal));
  CHECK(stats["publish_fail"].GetInt64() == 0);
  CHECK(nozzle.get("/health").find("\"status\":\"ok\"") != std::string::npos);

  // SIGTERM: a clean exit.
  CHECK(nozzle.process->stop(15s) == 0);

  // Every envelope arrived once, in the pcf frame (docs/ARCHITECTURE.md, "The frame"), with the
  // right names.
  std::set<std::int64_t> seqs;
  std::size_t duplicates = 0;
  int named = 0;
  for (const ReceivedMessage& m : rsyslog.messages()) {
    CHECK(m.version == "1");
    CHECK(m.app_name.rfind("vcap.", 0) == 0);
    CHECK(m.param("instance@47450", "director") == "bosh-e2e");
    CHECK(m.param("instance@47450", "deployment") == "cf");
    rapidjson::Document body;
    const auto brace = m.msg.find('{');
    REQUIRE(brace != std::string::npos);
    body.Parse(m.msg.c_str() + brace);
    REQUIRE_FALSE(body.HasParseError());
    CHECK(m.msgid == body["event_type"].GetString());
    CHECK(std::string(body["cf_origin"].GetString()) == "firehose");
    check_names(body, named);
    const auto seq = pcf_seq(m.msg);
    CHECK(seq >= 0);
    if (!seqs.insert(seq).second) ++duplicates;
  }
  CHECK(duplicates == 0);
  CHECK(seqs.size() == kTotal);
  CHECK(*seqs.rbegin() == static_cast<std::int64_t>(kTotal - 1));
  CHECK(named > 500);
  sim.stop();
}

}  // namespace

TEST_CASE("end to end over v1: cf-sim -> syslog-nozzle -> rsyslog over TLS, enriched, counters exact") {
  run_end_to_end("v1");
}

TEST_CASE("end to end over v2: cf-sim -> syslog-nozzle -> rsyslog over TLS, enriched, counters exact") {
  run_end_to_end("v2");
}

TEST_CASE("a firehose-to-syslog manifest's env set runs the nozzle with no other setting") {
  constexpr std::uint64_t kTotal = 500;
  cfsim::SimulatorOptions o = sim_options(kTotal);
  o.workload.mix = {1, 0, 0, 0, 0, 0, 0};  // LogMessages, firehose-to-syslog's default EVENTS
  cfsim::Simulator sim(o);
  sim.start();
  SyslogSink sink({.tcp = false, .tls = true});
  TempDir dir("nozzle-env");
  NozzleProcess nozzle(dir, {},
                       {{"API_ENDPOINT", sim.base_url()},
                        {"FIREHOSE_CLIENT_ID", "nozzle"},
                        {"FIREHOSE_CLIENT_SECRET", "nozzle-secret"},
                        {"SYSLOG_ENDPOINT", "localhost:" + std::to_string(sink.tls_port())},
                        {"SYSLOG_PROTOCOL", "tcp+tls"},
                        {"CERT_PEM", test_certs().ca.string()},
                        {"EVENTS", "LogMessage"},
                        {"FIREHOSE_SUBSCRIPTION_ID", "f2s-manifest"},
                        {"SKIP_SSL_VALIDATION", "true"}});
  const bool all = sink.wait_frames(kTotal, 60s);
  INFO(nozzle.process->describe());
  CHECK(all);
  CHECK(sink.status().invalid == 0);
  CHECK(nozzle.process->stop(15s) == 0);
  sim.stop();
}

// In both --drain-thread modes: with shared, the stop runs the drains on the main thread
// (DrainPool::stop after the connection's thread has ended).
TEST_CASE("SIGTERM while frames are queued for a drain that is down: delivered before exit, with each drain thread") {
  for (const std::string mode : {"own", "shared"}) {
    CAPTURE(mode);
    constexpr std::uint64_t kTotal = 1500;
    cfsim::Simulator sim(sim_options(kTotal));
    sim.start();
    TempDir dir("nozzle-sigterm");
    const std::uint16_t port = free_port(Protocol::Tcp);
    auto args = sim_args(sim);
    args.insert(args.end(),
                {"--events", "LogMessage,ValueMetric,CounterEvent,ContainerMetric,HttpStartStop,Error", "--drain",
                 "syslog://127.0.0.1:" + std::to_string(port), "--shutdown-timeout", "20s", "--drain-thread", mode});
    NozzleProcess nozzle(dir, args);
    // Everything is formatted and queued: the drain has nowhere to go yet.
    std::string metrics;
    const bool queued = wait_until(
        [&] {
          metrics = nozzle.get("/metrics");
          return NozzleProcess::metric(
                     metrics, "drain_queue_frames{drain=\"syslog://127.0.0.1:" + std::to_string(port) + "\"}") ==
                 kTotal;
        },
        30s);
    INFO(metrics);
    INFO(nozzle.process->describe());
    REQUIRE(queued);
    // /health says the drain is down but not yet for long: still healthy.
    CHECK(nozzle.get("/health").find("\"connected\":false") != std::string::npos);
    CHECK(nozzle.process->stderr_text().find("\"drain_thread\":\"" + mode + "\"") != std::string::npos);

    ::kill(nozzle.process->pid(), SIGTERM);
    CHECK(wait_until([&] { return nozzle.process->stderr_text().find("signal received") != std::string::npos; }, 10s));
    SyslogSink sink({.tcp = true, .port = port});  // the receiver comes back during the shutdown
    CHECK(nozzle.process->wait_exit(25s));
    CHECK(nozzle.process->exit_code() == 0);
    CHECK(sink.wait_frames(kTotal, 5s));
    CHECK(sink.status().invalid == 0);
    sim.stop();
  }
}

TEST_CASE("bad configuration exits 2 and lists every problem with its flag and env var") {
  TempDir dir("nozzle-badcfg");
  const RunResult r = run({NOZZLE_SYSLOG_NOZZLE, "--api-endpoint", "ftp://api", "--events", "LogMessage,Bogus",
                           "--syslog-server", "h:514", "--syslog-protocol", "udp", "--cert-pem-syslog", "/ca.pem",
                           "--ca-cert", "/nonexistent/ca.pem", "--drain", "syslog-tls://h?key=/k.pem"},
                          dir.path());
  INFO(r.output);
  CHECK(r.exit_code == 2);
  for (const char* expected :
       {"--api-endpoint / API_ENDPOINT", "--client-id / FIREHOSE_CLIENT_ID", "--client-secret / FIREHOSE_CLIENT_SECRET",
        "--events / EVENTS: 'Bogus'", "--cert-pem-syslog / CERT_PEM: applies only to --syslog-protocol tcp+tls",
        "--ca-cert / CF_CA_CERT: cannot read '/nonexistent/ca.pem'", "'key' needs 'cert'"}) {
    CHECK(r.output.find(expected) != std::string::npos);
  }
}

TEST_CASE("--help explains every option with its env var and default, --check-config validates") {
  TempDir dir("nozzle-help");
  const RunResult help = run({NOZZLE_SYSLOG_NOZZLE, "--help"}, dir.path());
  CHECK(help.exit_code == 0);
  for (const char* env : {"API_ENDPOINT",
                          "FIREHOSE_CLIENT_ID",
                          "FIREHOSE_CLIENT_SECRET",
                          "FIREHOSE_SUBSCRIPTION_ID",
                          "SYSLOG_ENDPOINT",
                          "SYSLOG_PROTOCOL",
                          "CERT_PEM",
                          "SKIP_SSL_VALIDATION",
                          "EVENTS",
                          "LOGS_BUFFER_SIZE",
                          "ENABLE_STATS_SERVER",
                          "BOLTDB_PATH",
                          "CF_PULL_TIME",
                          "CF_RPS",
                          "EXTRA_FIELDS",
                          "ORGS",
                          "IGNORE_MISSING_APPS",
                          "DOPPLER_ENDPOINT",
                          "DEBUG",
                          "DRAINS",
                          "FIREHOSE_API",
                          "CF_CA_CERT"}) {
    CHECK_MESSAGE(help.output.find(env) != std::string::npos, env);
  }
  CHECK(help.output.find("=60s") != std::string::npos);  // defaults are shown
  const RunResult ok = run({NOZZLE_SYSLOG_NOZZLE, "--check-config", "--api-endpoint", "https://api.sys", "--client-id",
                            "n", "--client-secret", "s", "--drain", "syslog-udp://127.0.0.1:514"},
                           dir.path());
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("configuration OK") != std::string::npos);
}
