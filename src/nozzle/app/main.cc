// syslog-nozzle: reads the Cloud Foundry firehose and writes RFC 5424 syslog to drains.
//
// Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT) or --help/--version/--check-config;
// 1 when start-up fails for a reason retrying cannot fix; 2 for a bad configuration (every
// problem listed); 128+N when a second signal N cuts the shutdown short.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

#include "core/log.h"
#include "nozzle/app/config.h"
#include "nozzle/app/demo.h"
#include "nozzle/app/nozzle.h"

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

nozzle::log::Level level(const std::string& name) {
  if (name == "debug") return nozzle::log::Level::Debug;
  if (name == "warn") return nozzle::log::Level::Warn;
  if (name == "error") return nozzle::log::Level::Error;
  return nozzle::log::Level::Info;
}

std::string summary(const nozzle::Config& c) {
  std::string s = "configuration OK: firehose ";
  s += c.firehose == nozzle::FirehoseApi::V1 ? "v1" : "v2";
  s += ", subscription '" + c.subscription_id + "', " + std::to_string(c.connections) + " connection(s), events";
  for (nozzle::EventType t : nozzle::kAllEventTypes) {
    if (c.events.contains(t)) s += " " + std::string(nozzle::event_type_name(t));
  }
  s += "\n";
  for (const auto& d : c.drains) {
    s += "  drain " + d.name;
    if (d.group.enabled()) {  // a drain group: its mode, endpoints in order and hold time
      s += d.group.mode == nozzle::syslog::GroupMode::Failover ? ": failover over " : ": balance over ";
      for (std::size_t i = 0; i < d.group.endpoints.size(); ++i) {
        s += (i > 0 ? ", " : "") + nozzle::syslog::endpoint_label(d.group.endpoints[i]);
      }
      s += " (failback-after " + std::to_string(d.group.failback_after.count()) + " ms)";
    }
    s += "\n";
  }
  if (c.debug) s += "  frames to stdout (--debug)\n";
  s += "  http " + c.stats_address + ": /health" +
       (c.enable_stats_server ? " /metrics /stats/app /loggregator\n"
                              : " (/metrics and /stats/app off: --enable-stats-server; /loggregator too)\n");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  // Buffers of 1 MiB and more (drain batches after a backlog, firehose frames) get their own
  // mappings, returned to the system when freed. glibc's default threshold rises after such a
  // free, and the buffers then come from the heaps and stay in RSS: 135-140 MiB instead of
  // 30 MiB at 20,000 envelopes/s (bench/RESULTS.md, Memory).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // Signals are taken by one thread with sigwait: block them before any other thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  nozzle::ConfigResult parsed = nozzle::parse_config(argc, argv, &env);
  if (parsed.action == nozzle::ConfigResult::Action::Exit) {
    std::fputs(parsed.output.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  nozzle::Config& config = parsed.config;
  nozzle::log::set_min_level(level(config.log_level));
  for (const auto& w : parsed.warnings) nozzle::log::warn(w);
  if (config.check_config) {
    std::fputs(summary(config).c_str(), stdout);
    return 0;
  }
  if (config.demo) return nozzle::run_demo(config, signals);

  nozzle::Nozzle nozzle(config);
  std::thread([&nozzle, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    nozzle::log::info("signal received: shutting down", {{"signal", std::to_string(sig)}});
    nozzle.request_stop();
    sigwait(&signals, &sig);
    nozzle::log::warn("second signal: exiting at once", {{"signal", std::to_string(sig)}});
    std::_Exit(128 + sig);
  }).detach();

  try {
    if (nozzle.start()) nozzle.wait();
  } catch (const std::exception& e) {
    nozzle::log::error("cannot start", {{"reason", e.what()}});
    return 1;
  }
  nozzle.stop(std::chrono::steady_clock::now() + config.shutdown_timeout);
  return 0;
}
