#include "nozzle/app/demo.h"

#include <time.h>

#include <cstdio>
#include <exception>
#include <thread>

#include "core/log.h"
#include "nozzle/app/nozzle.h"
#include "simulator.h"

namespace nozzle {

int run_demo(Config config, const sigset_t& signals) {
  cfsim::SimulatorOptions sim_options;
  sim_options.foundation.orgs = 2;
  sim_options.foundation.spaces = 4;
  sim_options.foundation.apps = 12;
  sim_options.workload.rate = 100;  // readable on a terminal
  sim_options.workload.tagged_share = 0.5;  // half the app envelopes need Cloud Controller
  cfsim::Simulator sim(sim_options);
  try {
    sim.start();
  } catch (const std::exception& e) {
    log::error("demo: cannot start the simulated foundation", {{"reason", e.what()}});
    return 1;
  }
  config.api_endpoint = sim.base_url();
  config.ca_cert = sim.ca_file();
  config.client_id = sim_options.uaa.client_id;
  config.client_secret = sim_options.uaa.client_secret;
  config.events = EventSet::all();
  if (config.drains.empty()) config.debug = true;
  // A free loopback port, unless the operator chose one (the container image does, for its
  // health check: scripts/check-container runs --demo there).
  if (!config.stats_address_given) config.stats_address = "127.0.0.1:0";
  log::info("demo: simulated foundation up", {{"api", sim.base_url()}});

  Nozzle nozzle(config);
  const auto started = std::chrono::steady_clock::now();
  std::thread([&nozzle, signals, seconds = config.demo_seconds] {
    int sig = 0;
    if (seconds > 0) {
      timespec timeout{static_cast<time_t>(seconds), static_cast<long>((seconds - static_cast<time_t>(seconds)) * 1e9)};
      sig = sigtimedwait(&signals, nullptr, &timeout);
    } else {
      sigwait(&signals, &sig);
    }
    nozzle.request_stop();
    if (sig > 0) {
      sigwait(&signals, &sig);
      std::_Exit(128 + sig);
    }
  }).detach();

  try {
    if (nozzle.start()) nozzle.wait();
  } catch (const std::exception& e) {
    log::error("demo: cannot start", {{"reason", e.what()}});
    return 1;
  }
  nozzle.stop(std::chrono::steady_clock::now() + config.shutdown_timeout);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const Nozzle::Totals t = nozzle.totals();
  const auto cc = sim.counters().cc_requests();
  sim.stop();

  std::fflush(stdout);
  std::fprintf(stderr,
               "\n== syslog-nozzle demo summary ==\n"
               "  envelopes received  %llu (%.0f/s over %.1f s)\n"
               "  app envelopes       %llu, enriched %llu (%.0f%%)\n"
               "  frames written      %llu%s\n"
               "  dropped             %llu\n"
               "  Cloud Controller    %llu requests\n",
               static_cast<unsigned long long>(t.received), elapsed > 0 ? t.received / elapsed : 0.0, elapsed,
               static_cast<unsigned long long>(t.app_envelopes), static_cast<unsigned long long>(t.enriched),
               t.app_envelopes == 0 ? 0.0 : 100.0 * static_cast<double>(t.enriched) / static_cast<double>(t.app_envelopes),
               static_cast<unsigned long long>(t.stdout_messages) + t.sent_frames,
               t.stdout_messages > 0 ? " (stdout)" : "", static_cast<unsigned long long>(t.dropped_frames),
               static_cast<unsigned long long>(cc));
  return 0;
}

}  // namespace nozzle
