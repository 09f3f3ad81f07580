// cf-sim as a library: a simulated Cloud Foundry foundation on one loopback listener (API root,
// /v2/info, UAA, Cloud Controller v3, the v1 firehose websocket, the RLP gateway, and the
// control endpoint /sim/...). The nozzle's tests, benchmarks and --demo embed it:
//
//   cfsim::Simulator sim(options);
//   sim.start();                       // listening once it returns
//   run_nozzle("--api-url", sim.base_url(), "--ca-cert", sim.ca_file());
//   sim.rename_app(guid);              // or POST /sim/apps/<guid>/rename
//   CHECK(sim.counters().cc_requests() < 10);
//   sim.stop();
//
// The naming rule (naming.h) and the workload's sequence numbers (workload.h) let a receiver
// check what it got without asking the simulator. All methods are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "counters.h"
#include "faults.h"
#include "foundation.h"
#include "sim_options.h"
#include "workload.h"

namespace cfsim {

class Simulator {
 public:
  explicit Simulator(SimulatorOptions options);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Binds, writes the CA file, starts the threads. Throws std::runtime_error on failure.
  void start();
  // Closes the streams (websocket close 1000, SSE closing event), stops the threads. Idempotent.
  void stop();

  [[nodiscard]] unsigned short port() const;
  [[nodiscard]] std::string base_url() const;       // https://127.0.0.1:PORT (http:// if plain)
  [[nodiscard]] std::string websocket_url() const;  // wss://127.0.0.1:PORT (ws:// if plain)
  [[nodiscard]] std::string ca_file() const;        // "" when plain or given --cert/--key
  [[nodiscard]] const SimulatorOptions& options() const;
  [[nodiscard]] const Workload& workload() const;
  [[nodiscard]] const Foundation& foundation() const;

  [[nodiscard]] CountersSnapshot counters() const;

  bool rename_app(const std::string& guid, const std::string& new_name = {});
  bool delete_app(const std::string& guid);
  // A label on an app, a space or an org (or POST /sim/labels?guid=G&key=K[&value=V]; no value removes it).
  bool set_label(const std::string& guid, const std::string& key, const std::optional<std::string>& value);
  AppRecord add_app();
  void set_faults(const FaultSettings& faults);
  [[nodiscard]] FaultSettings faults() const;
  void set_token_expiry(int seconds);
  // Every open stream (v1 and v2) gets a TruncatingBuffer.DroppedMessages CounterEvent saying
  // that `dropped` envelopes were lost upstream, as an older doppler would send it.
  void report_upstream_drop(std::uint64_t dropped);
  // Loggregator's own counters (options().loggregator): one instance restarts from 0, and
  // what has been reported so far per component.
  void restart_loggregator_instance(SimComponent c, int instance);
  [[nodiscard]] LoggregatorMetrics::Totals loggregator_reported(SimComponent c) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cfsim
