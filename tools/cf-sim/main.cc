// cf-sim: a simulated Cloud Foundry foundation (UAA, Cloud Controller v3, v1 firehose, RLP
// gateway) on one loopback listener, for syslog-nozzle's tests, benchmarks and demo.
//
// Exit codes: 0 after SIGINT/SIGTERM or --duration; 1 when start-up fails; 2 for bad arguments.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "simulator.h"
#include "v2_json.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << text;
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int main(int argc, char** argv) {
  cfsim::SimulatorOptions o;
  std::string ready_file;
  double duration = 0;
  bool plain = false;
  std::string mix;
  long ping_ms = 15000, keepalive_ms = 30000, slow_ms = 5000, heartbeat_ms = 15000;
  long stream_timeout_s = 14 * 60;
  long lgr_interval_ms = 0;
  std::array<std::string, 4> lgr_load;

  CLI::App app{
      "cf-sim: a simulated Cloud Foundry foundation for syslog-nozzle.\n"
      "One listener serves GET / and /v2/info, UAA POST /oauth/token, Cloud Controller /v3/apps,\n"
      "/v3/spaces, /v3/organizations, the v1 firehose websocket /firehose/<subscription-id>, the\n"
      "RLP gateway GET /v2/read (server-sent events) and the control endpoint /sim/... (counters,\n"
      "rename/delete/add apps, faults; see tools/cf-sim/README.md).\n"
      "Names: org k = org-<k>, space j = space-<j> (org j % orgs), app i = app-<i> (space i % spaces);\n"
      "guids encode the indices. Every envelope has the tag sim_seq=<n>."};
  app.option_defaults()->always_capture_default();
  app.add_option("--address", o.address, "listen address");
  app.add_option("--port", o.port, "listen port (0: the OS chooses; see --ready-file)");
  app.add_flag("--plain", plain, "plain HTTP and ws:// instead of TLS");
  app.add_option("--cert", o.cert_file, "TLS certificate chain (PEM) instead of a generated one")->check(CLI::ExistingFile);
  app.add_option("--key", o.key_file, "TLS private key (PEM), with --cert")->check(CLI::ExistingFile);
  app.add_option("--ca-out", o.ca_file, "where to write the generated CA certificate (default: a temp file)");
  app.add_option("--ready-file", ready_file,
                 "once listening, write {\"port\",\"base_url\",\"websocket_url\",\"ca_file\",\"pid\"} here (atomically)");
  app.add_option("--threads", o.threads, "server threads")->check(CLI::Range(1, 64));
  app.add_option("--duration", duration, "exit after this many seconds (0: until a signal)");

  app.add_option("--orgs", o.foundation.orgs, "number of orgs")->check(CLI::Range(1u, 1000000u));
  app.add_option("--spaces", o.foundation.spaces, "number of spaces (spread over the orgs)")->check(CLI::Range(1u, 65535u));
  app.add_option("--apps", o.foundation.apps, "number of apps (spread over the spaces)")->check(CLI::Range(1ul, 100000000ul));
  app.add_option("--opted-out-share", o.foundation.opted_out_share,
                 "share of apps annotated f2s-disable-logging: \"true\"")->check(CLI::Range(0.0, 1.0));

  app.add_option("--mix", mix,
                 "event mix weights log,value,counter,container,http,error,event (default 50,15,10,10,12,3,0; "
                 "events exist on v2 only)");
  app.add_option("--rate", o.workload.rate, "envelopes/s per subscription (0: as fast as possible)")->check(CLI::NonNegativeNumber);
  app.add_option("--total", o.workload.total, "envelopes per subscription (0: unlimited)");
  app.add_option("--payload-min", o.workload.payload_min, "smallest log/error/event text in bytes");
  app.add_option("--payload-max", o.workload.payload_max, "largest log/error/event text in bytes");
  app.add_option("--tagged-share", o.workload.tagged_share,
                 "share of app envelopes with app/space/org name tags (the rest need Cloud Controller)")->check(CLI::Range(0.0, 1.0));
  app.add_option("--malformed-share", o.workload.malformed_share,
                 "share of frames sent as garbage (v1) or broken JSON batches (v2)")->check(CLI::Range(0.0, 1.0));
  app.add_option("--hot-app-share", o.workload.hot_app_share,
                 "share of app envelopes that belong to app 0 (one noisy app among quiet ones)")->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", o.workload.seed, "workload seed");

  app.add_option("--client-id", o.uaa.client_id, "UAA client for client_credentials");
  app.add_option("--client-secret", o.uaa.client_secret, "its secret");
  app.add_option("--username", o.uaa.username, "UAA user for the password grant (client cf, empty secret)");
  app.add_option("--password", o.uaa.password, "that user's password");
  app.add_option("--token-expires-in", o.uaa.expires_in_seconds, "expires_in of issued tokens, seconds")->check(CLI::Range(0, 86400 * 365));

  std::int64_t tick_us = o.stream_tick.count();
  app.add_option("--tick-us", tick_us, "paced streams send what their rate allows every this many microseconds (the grain of bursts)")
      ->check(CLI::Range(100, 1000000));
  app.add_option("--ping-interval-ms", ping_ms, "firehose: after a pong, ping again after this long");
  app.add_option("--keepalive-timeout-ms", keepalive_ms, "firehose: no pong for this long closes with 1008");
  app.add_option("--slow-consumer-ms", slow_ms, "firehose: a write blocked this long cuts the consumer off (1000)");
  app.add_option("--heartbeat-ms", heartbeat_ms, "RLP: heartbeat event after this long without data");
  app.add_option("--stream-timeout-s", stream_timeout_s, "RLP: 'event: closing' after this long");
  app.add_option("--rlp-batch", o.rlp_batch_size, "RLP: envelopes per SSE event")->check(CLI::Range(1, 100000));
  app.add_flag("--camel-case", o.json_style.camel_case, "RLP: sourceId/instanceId/deprecatedTags (old jsonpb gateways)");
  app.add_option("--write-bytes", o.write_bytes, "stream bytes per socket write")->check(CLI::Range(1024, 64 << 20));

  app.add_option("--loggregator-interval-ms", lgr_interval_ms,
                 "Loggregator's own ingress/dropped/egress counters on every stream this often (0: none)");
  const char* lgr_names[4] = {"doppler", "traffic-controller", "rlp", "agent"};
  for (std::size_t i = 0; i < 4; ++i) {
    app.add_option(std::string("--lgr-") + lgr_names[i], lgr_load[i],
                   std::string("RATE[:DROP_SHARE[:INSTANCES]] of the ") + lgr_names[i] +
                       "'s counters: envelopes/s it receives, the share it drops (e.g. 10000:0.02:2)");
  }
  app.add_flag("--lgr-v1-names", o.loggregator.v1_names,
               "Loggregator counters under their dropsonde-era names (DopplerServer listeners.receivedEnvelopes ...)");

  CLI11_PARSE(app, argc, argv);
  o.loggregator.interval = std::chrono::milliseconds(lgr_interval_ms);
  for (std::size_t i = 0; i < 4; ++i) {
    if (lgr_load[i].empty()) continue;
    cfsim::ComponentLoad& l = o.loggregator.load[i];
    const std::string& v = lgr_load[i];
    try {
      std::size_t p1 = v.find(':');
      l.ingress_per_second = std::stod(v.substr(0, p1));
      if (p1 != std::string::npos) {
        std::size_t p2 = v.find(':', p1 + 1);
        l.drop_share = std::stod(v.substr(p1 + 1, p2 - p1 - 1));
        if (p2 != std::string::npos) l.instances = std::stoi(v.substr(p2 + 1));
      }
    } catch (...) {
      std::cerr << "cf-sim: --lgr-" << lgr_names[i] << " takes RATE[:DROP_SHARE[:INSTANCES]], not '" << v << "'\n";
      return 2;
    }
    if (l.ingress_per_second < 0 || l.drop_share < 0 || l.drop_share > 1 || l.instances < 1 || l.instances > 1000) {
      std::cerr << "cf-sim: --lgr-" << lgr_names[i] << ": rate >= 0, drop share 0..1, instances 1..1000\n";
      return 2;
    }
  }
  if (o.loggregator.interval.count() < 0) {
    std::cerr << "cf-sim: --loggregator-interval-ms must be >= 0\n";
    return 2;
  }
  o.tls = !plain;
  if (!o.cert_file.empty() != !o.key_file.empty()) {
    std::cerr << "cf-sim: --cert and --key go together\n";
    return 2;
  }
  if (!mix.empty()) {
    std::array<double, 7> w{};
    std::size_t i = 0;
    std::size_t pos = 0;
    bool ok = true;
    while (ok && i < 7) {
      const auto comma = mix.find(',', pos);
      try {
        w[i++] = std::stod(mix.substr(pos, comma - pos));
      } catch (...) {
        ok = false;
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    if (!ok || i != 7) {
      std::cerr << "cf-sim: --mix needs 7 comma-separated weights\n";
      return 2;
    }
    o.workload.mix = w;
  }
  o.ping_interval = std::chrono::milliseconds(ping_ms);
  o.stream_tick = std::chrono::microseconds(tick_us);
  o.keepalive_timeout = std::chrono::milliseconds(keepalive_ms);
  o.slow_consumer_timeout = std::chrono::milliseconds(slow_ms);
  o.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
  o.stream_timeout = std::chrono::seconds(stream_timeout_s);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    cfsim::Simulator sim(o);
    sim.start();
    std::string info = "{\"port\":" + std::to_string(sim.port()) + ",\"base_url\":";
    cfsim::append_json_string(sim.base_url(), info);
    info += ",\"websocket_url\":";
    cfsim::append_json_string(sim.websocket_url(), info);
    info += ",\"ca_file\":";
    cfsim::append_json_string(sim.ca_file(), info);
    info += ",\"pid\":" + std::to_string(::getpid()) + "}\n";
    if (!ready_file.empty()) write_atomically(ready_file, info);
    std::cerr << "cf-sim listening: " << info;
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(duration);
    while (!g_stop && (duration <= 0 || std::chrono::steady_clock::now() < end)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    sim.stop();
    std::cout << sim.counters().to_json() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "cf-sim: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
