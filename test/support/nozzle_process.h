// The syslog-nozzle binary (NOZZLE_SYSLOG_NOZZLE) as a child process for end-to-end tests,
// with its HTTP server on a free loopback port (with /metrics and /stats/app unless told
// otherwise), and the arguments that point it at a cf-sim.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "simulator.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace nozzle::test {

// Which paths the HTTP server serves: all (--enable-stats-server), or /health alone (the
// nozzle's default).
enum class StatsPaths { All, HealthOnly };

struct NozzleProcess {
  NozzleProcess(const TempDir& dir, std::vector<std::string> args,
                std::vector<std::pair<std::string, std::string>> env = {}, StatsPaths paths = StatsPaths::All);
  // GET on the stats server: the body of a 200 or 503, else "".
  [[nodiscard]] std::string get(const std::string& path) const;
  // GET on the stats server: the HTTP status, 0 when nothing answered.
  [[nodiscard]] int status(const std::string& path) const;
  // The value of one sample of /metrics, e.g. metric(text, "envelopes_formatted_total"); -1 when absent.
  static double metric(const std::string& text, const std::string& sample);
  // The child's resident set size in KiB (VmRSS), 0 once it has exited.
  [[nodiscard]] std::uint64_t rss_kib() const;

  std::uint16_t stats_port;
  std::unique_ptr<Process> process;
};

// `promtool check metrics` on a /metrics text (written to a file in `dir`): exit code 0 when
// Prometheus' own checker accepts it, its complaints in `output`.
RunResult promtool_check_metrics(const TempDir& dir, const std::string& metrics);

// --api-endpoint, --ca-cert and the client credentials of a cf-sim.
std::vector<std::string> sim_args(const cfsim::Simulator& sim);

}  // namespace nozzle::test
