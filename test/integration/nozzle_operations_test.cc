// The syslog-nozzle binary as an operator runs it: how fast it stops, and what its HTTP server
// shows to whom. cf-sim -> syslog-nozzle -> a drain that is down, with real processes, sockets
// and signals.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "cfapi/http_client.h"
#include "simulator.h"
#include "support/certs.h"
#include "support/nozzle_process.h"
#include "support/ports.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/wait.h"

using namespace nozzle::test;
using namespace std::chrono_literals;

namespace {

// A firehose that keeps sending envelopes the nozzle is not asked for (no Event in the mix, and
// the nozzle forwards only Event): it stays connected and nothing is ever queued for a drain.
cfsim::SimulatorOptions unwanted_stream() {
  cfsim::SimulatorOptions o;
  o.foundation.orgs = 1;
  o.foundation.spaces = 1;
  o.foundation.apps = 4;
  o.workload.rate = 200;
  o.workload.mix = {100, 0, 0, 0, 0, 0, 0};  // LogMessage only
  return o;
}

// A TCP port that takes connections into its backlog and never reads: a receiver that hangs.
// The kernel completes the TCP handshake, so a TLS drain waits in its TLS handshake.
struct HungReceiver {
  HungReceiver() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("HungReceiver: cannot listen on 127.0.0.1");
    }
    port = ntohs(addr.sin_port);
  }
  ~HungReceiver() { ::close(fd); }
  HungReceiver(const HungReceiver&) = delete;
  HungReceiver& operator=(const HungReceiver&) = delete;

  int fd = -1;
  std::uint16_t port = 0;
};

}  // namespace

// A drain that is down with nothing queued has nothing to flush: SIGTERM must not wait for
// --shutdown-timeout (8 s here, as manifest.yml sets it) trying to reach it.
TEST_CASE("SIGTERM with a drain down and nothing queued: exit at once, not after --shutdown-timeout") {
  constexpr auto kShutdownTimeout = 8s;
  cfsim::Simulator sim(unwanted_stream());
  sim.start();
  TempDir dir("nozzle-stop-idle");
  HungReceiver hung;

  std::string drain;
  bool refused = true;  // else the connection hangs in the TLS handshake: no failure yet
  SUBCASE("nothing listens on the drain's port") {
    drain = "syslog://127.0.0.1:" + std::to_string(free_port(Protocol::Tcp));
  }
  SUBCASE("nothing listens, and the drain has a disk spool") {
    drain = "syslog://127.0.0.1:" + std::to_string(free_port(Protocol::Tcp)) +
            "?spool-dir=" + (dir / "spool").string();
  }
  SUBCASE("the receiver never answers the TLS handshake") {
    drain = "syslog-tls://127.0.0.1:" + std::to_string(hung.port) + "?ca=" + test_certs().ca.string();
    refused = false;
  }
  CAPTURE(drain);

  auto args = sim_args(sim);
  args.insert(args.end(), {"--events", "Event", "--drain", drain, "--shutdown-timeout", "8s"});
  NozzleProcess nozzle(dir, args);
  INFO(nozzle.process->describe());

  // The firehose is connected (it connects after the drains have started) and the drain is
  // down: refused and retrying, or waiting in its TLS handshake (10 s before it gives up).
  std::string health;
  const bool running = wait_until([&] {
    health = nozzle.get("/health");
    return health.find("\"firehose_connections\":1") != std::string::npos &&
           health.find("\"connected\":false") != std::string::npos &&
           (!refused || nozzle.process->stderr_text().find("drain connection failed") != std::string::npos);
  }, 30s);
  INFO(health);
  REQUIRE(running);

  ::kill(nozzle.process->pid(), SIGTERM);
  const auto signalled = std::chrono::steady_clock::now();
  // Half the timeout is a generous bound for "at once": firehose close, drains, snapshot, joins.
  const bool exited = nozzle.process->wait_exit(kShutdownTimeout / 2);
  if (!exited) nozzle.process->wait_exit(kShutdownTimeout + 5s);  // to say how long it took
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - signalled);
  INFO("exit took " << took.count() << " ms after SIGTERM");
  CHECK(exited);
  CHECK(nozzle.process->exit_code() == 0);
  sim.stop();
}

// /metrics and /stats/app tell whoever reaches the port about every app and the traffic of the
// foundation: off unless asked for. /health is always there, for the platform's health check.
TEST_CASE("HTTP server: /health always, /metrics and /stats/app only with --enable-stats-server") {
  cfsim::Simulator sim(unwanted_stream());
  sim.start();
  TempDir dir("nozzle-http");
  auto args = sim_args(sim);
  args.insert(args.end(), {"--events", "Event", "--drain",
                           "syslog://127.0.0.1:" + std::to_string(free_port(Protocol::Tcp))});

  SUBCASE("without the flag: /metrics and /stats/app are refused with 404") {
    NozzleProcess nozzle(dir, args, {}, StatsPaths::HealthOnly);
    INFO(nozzle.process->describe());
    REQUIRE(wait_until([&] { return nozzle.status("/health") == 200; }, 30s));
    CHECK(nozzle.status("/metrics") == 404);
    CHECK(nozzle.status("/stats/app") == 404);
    CHECK(nozzle.get("/").find("/metrics") == std::string::npos);
    CHECK(nozzle.process->stderr_text().find("\"paths\":\"/health\"") != std::string::npos);
    CHECK(nozzle.process->stop(15s) == 0);
  }
  SUBCASE("with --enable-stats-server: all three are served") {
    NozzleProcess nozzle(dir, args, {}, StatsPaths::All);
    INFO(nozzle.process->describe());
    REQUIRE(wait_until([&] { return nozzle.status("/health") == 200; }, 30s));
    CHECK(nozzle.status("/metrics") == 200);
    CHECK(nozzle.get("/metrics").find("syslog_nozzle_firehose_connected") != std::string::npos);
    CHECK(nozzle.status("/stats/app") == 200);
    CHECK(nozzle.get("/stats/app").find("\"consume\"") != std::string::npos);
    CHECK(nozzle.process->stderr_text().find("\"paths\":\"/health /metrics /stats/app /loggregator\"") != std::string::npos);
    CHECK(nozzle.process->stop(15s) == 0);
  }
  SUBCASE("ENABLE_STATS_SERVER=true, as firehose-to-syslog's manifests set it, does the same") {
    NozzleProcess nozzle(dir, args, {{"ENABLE_STATS_SERVER", "true"}}, StatsPaths::HealthOnly);
    INFO(nozzle.process->describe());
    REQUIRE(wait_until([&] { return nozzle.status("/health") == 200; }, 30s));
    CHECK(nozzle.status("/metrics") == 200);
    CHECK(nozzle.process->stop(15s) == 0);
  }
  sim.stop();
}

// On Cloud Foundry $PORT is set and STATS_ADDRESS is not: the platform's health check connects
// to the container's address, so /health listens on every interface there.
TEST_CASE("HTTP server on Cloud Foundry: $PORT without --stats-address listens on 0.0.0.0:$PORT") {
  cfsim::Simulator sim(unwanted_stream());
  sim.start();
  TempDir dir("nozzle-http-cf");
  const std::uint16_t port = free_port(Protocol::Tcp);
  std::vector<std::string> argv = {NOZZLE_SYSLOG_NOZZLE};
  const auto args = sim_args(sim);
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--events", "Event", "--drain", "syslog://127.0.0.1:" + std::to_string(free_port(Protocol::Tcp))});
  Process nozzle(ProcessOptions{.argv = argv,
                                .env = {{"PORT", std::to_string(port)}},
                                .stdout_path = dir / "nozzle.out",
                                .stderr_path = dir / "nozzle.err"});
  INFO(nozzle.describe());
  REQUIRE(wait_until([&] { return nozzle.stderr_text().find("stats server listening") != std::string::npos; }, 30s));
  CHECK(nozzle.stderr_text().find("\"address\":\"0.0.0.0:" + std::to_string(port) + "\"") != std::string::npos);
  nozzle::cfapi::HttpClient http({});
  CHECK(wait_until([&] { return http.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/health"}).status == 200; }, 30s));
  CHECK(http.send({.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics"}).status == 404);
  CHECK(nozzle.stop(15s) == 0);
  sim.stop();
}
