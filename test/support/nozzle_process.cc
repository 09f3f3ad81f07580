#include "support/nozzle_process.h"

#include <fstream>

#include "cfapi/http_client.h"
#include "support/ports.h"

namespace nozzle::test {

NozzleProcess::NozzleProcess(const TempDir& dir, std::vector<std::string> args,
                             std::vector<std::pair<std::string, std::string>> env, StatsPaths paths)
    : stats_port(free_port(Protocol::Tcp)) {
  std::vector<std::string> argv = {NOZZLE_SYSLOG_NOZZLE, "--stats-address", "127.0.0.1:" + std::to_string(stats_port)};
  if (paths == StatsPaths::All) argv.push_back("--enable-stats-server");
  argv.insert(argv.end(), args.begin(), args.end());
  process = std::make_unique<Process>(ProcessOptions{.argv = std::move(argv),
                                                     .env = std::move(env),
                                                     .stdout_path = dir / "nozzle.out",
                                                     .stderr_path = dir / "nozzle.err"});
}

std::string NozzleProcess::get(const std::string& path) const {
  nozzle::cfapi::HttpClient http({});
  const auto r = http.send({.url = "http://127.0.0.1:" + std::to_string(stats_port) + path});
  return r.success() || r.status == 503 ? r.body : "";
}

int NozzleProcess::status(const std::string& path) const {
  nozzle::cfapi::HttpClient http({});
  return static_cast<int>(http.send({.url = "http://127.0.0.1:" + std::to_string(stats_port) + path}).status);
}

double NozzleProcess::metric(const std::string& text, const std::string& sample) {
  const std::string key = "syslog_nozzle_" + sample + " ";
  const auto at = text.find("\n" + key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + 1 + key.size()));
}

std::uint64_t NozzleProcess::rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(process->pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

RunResult promtool_check_metrics(const TempDir& dir, const std::string& metrics) {
  const auto file = dir / "metrics.txt";
  write_file(file, metrics);
  return run({"sh", "-c", std::string(NOZZLE_PROMTOOL) + " check metrics < " + file.string()}, dir.path());
}

std::vector<std::string> sim_args(const cfsim::Simulator& sim) {
  return {"--api-endpoint", sim.base_url(), "--ca-cert", sim.ca_file(), "--client-id", "nozzle",
          "--client-secret", "nozzle-secret", "--cc-pull-time", "60s"};
}

}  // namespace nozzle::test
