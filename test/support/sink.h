// tools/syslog-sink (NOZZLE_SYSLOG_SINK) as a test receiver: it binds port 0 and reports its
// ports in a ready file, validates every frame, rewrites a status file every 100 ms and keeps
// every message in a raw file as LEN SP MSG.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace nozzle::test {

struct SinkOptions {
  bool tcp = true;
  bool tls = false;  // the server certificate of test_certs()
  bool udp = false;
  bool require_client_cert = false;  // with tls: clients must present a cert signed by the test CA
  bool stall = false;                // accept, never read
  // The TCP and TLS listeners' port: 0 lets the OS choose; a fixed port lets a test start a
  // receiver where a drain already points (a drain down at start, or restarted).
  std::uint16_t port = 0;
  bool wrong_name_cert = false;      // with tls: serve the certificate named wrong.example
};

struct SinkStatus {
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;
  std::uint64_t valid = 0;
  std::uint64_t invalid = 0;
  std::string json;  // the whole summary, for other keys and failure messages
};

class SyslogSink {
 public:
  // Starts the sink and waits for its ready file. Throws std::runtime_error with its output
  // when it exits or does not get ready.
  explicit SyslogSink(SinkOptions options = {});
  ~SyslogSink();
  SyslogSink(const SyslogSink&) = delete;
  SyslogSink& operator=(const SyslogSink&) = delete;

  [[nodiscard]] std::uint16_t tcp_port() const { return tcp_port_; }
  [[nodiscard]] std::uint16_t tls_port() const { return tls_port_; }
  [[nodiscard]] std::uint16_t udp_port() const { return udp_port_; }

  // The latest status file (all zero before the first one is written).
  [[nodiscard]] SinkStatus status() const;
  [[nodiscard]] std::uint64_t frames() const { return status().frames; }
  bool wait_frames(std::uint64_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Every complete message of the raw file, in order (flushed every 100 ms and at exit).
  [[nodiscard]] std::vector<std::string> raw_messages() const;

  // SIGTERM; the sink prints its summary and exits 0. Returns the exit code.
  int stop();
  // The summary the sink printed on its way out ("" before stop()).
  [[nodiscard]] std::string summary() const;
  [[nodiscard]] std::string describe() const;

 private:
  SinkOptions options_;
  TempDir dir_;
  std::unique_ptr<Process> process_;
  std::uint16_t tcp_port_ = 0;
  std::uint16_t tls_port_ = 0;
  std::uint16_t udp_port_ = 0;
};

// Splits "LEN SP MSG LEN SP MSG ..." into messages; an incomplete last frame is left out.
std::vector<std::string> parse_octet_frames(std::string_view bytes);

}  // namespace nozzle::test
