// A real rsyslogd on loopback, for proving that drains' frames are parsed as sent.
//
// Each instance runs in the foreground with its own config, pid file and work directory in a
// TempDir, on ports the OS picks (TCP and TLS report theirs through listenPortFileName, UDP is
// read from /proc). It writes every message it receives on its inputs to two files:
//   raw.log     %rawmsg% per line, for people (NOZZLE_KEEP_TEMP=1)
//   fields.jsonl one JSON object per message: rawmsg, rsyslog's parse of the header, and the
//               SD parameters as mmpstrucdata parses them; what messages() reads
// rsyslog's own messages (refused peers, TLS errors) go to its stderr: log().
//
// What rsyslog does to a message: a trailing LF is dropped on reception, and a
// control character inside is stored as #ooo (e.g. #012, #011).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/received_message.h"
#include "support/temp_dir.h"

namespace nozzle::test {

struct RsyslogOptions {
  enum class TlsAuth { Anon, X509Name };

  bool tls = true;  // imtcp with the gtls driver, the server certificate of test_certs()
  TlsAuth tls_auth = TlsAuth::Anon;
  std::vector<std::string> permitted_peers;  // X509Name: the client names let in
  bool tcp = true;   // plain imtcp (octet counting and LF framing)
  bool udp = false;  // imudp
  // imrelp (Debian's rsyslog-relp) on ports chosen before start (imrelp cannot report its
  // own), so that a restarted rsyslog listens where the drain points.
  bool relp = false;
  bool relp_tls = false;  // imrelp with TLS, the server certificate of test_certs()
  // The main queue in Direct mode: the output is written inside the input's hand-over, so
  // imrelp acknowledges a frame only after it is in the file.
  bool direct_queue = false;
  // Only raw.log (no fields.jsonl, no mmpstrucdata): a third of the CPU, for long runs that
  // only count and order messages (raw_lines(), raw_count(); messages() finds nothing).
  bool raw_only = false;
};

class Rsyslog {
 public:
  // Validates the config with `rsyslogd -N1`, starts rsyslogd and waits until it holds its
  // ports. Throws std::runtime_error with rsyslog's output when any step fails.
  explicit Rsyslog(RsyslogOptions options = {});
  ~Rsyslog();
  Rsyslog(const Rsyslog&) = delete;
  Rsyslog& operator=(const Rsyslog&) = delete;

  [[nodiscard]] std::uint16_t tls_port() const { return tls_port_; }
  [[nodiscard]] std::uint16_t tcp_port() const { return tcp_port_; }
  [[nodiscard]] std::uint16_t udp_port() const { return udp_port_; }
  [[nodiscard]] std::uint16_t relp_port() const { return relp_port_; }
  [[nodiscard]] std::uint16_t relp_tls_port() const { return relp_tls_port_; }

  // Every message received so far, in the order rsyslog wrote them.
  [[nodiscard]] std::vector<ReceivedMessage> messages() const;
  // True once at least `count` messages have been written.
  bool wait_messages(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // rsyslog's own log: its stderr.
  [[nodiscard]] std::string log() const;
  // Config, process state, log and the output so far, for a failure message.
  [[nodiscard]] std::string describe() const;

  // SIGTERM and wait; the files stay readable until the object is destroyed.
  void stop();
  // SIGKILL: no flush, no goodbye.
  void kill();
  // Starts rsyslog again with the same config, ports and files (after stop() or kill()).
  void restart();
  // Every raw message written so far (raw.log, one per line), cheaper than messages().
  [[nodiscard]] std::vector<std::string> raw_lines() const;
  // How many complete lines raw.log holds (cheaper still: each call reads only what was
  // appended since the last, so polling a file of hundreds of MiB costs the test nothing).
  [[nodiscard]] std::size_t raw_count() const;

 private:
  void start();

  RsyslogOptions options_;
  TempDir dir_;
  std::unique_ptr<Process> process_;
  std::uint16_t tls_port_ = 0;
  std::uint16_t tcp_port_ = 0;
  std::uint16_t udp_port_ = 0;
  std::uint16_t relp_port_ = 0;
  std::uint16_t relp_tls_port_ = 0;
  // raw_count()'s place in raw.log: the bytes counted and the complete lines in them.
  mutable std::uint64_t raw_counted_bytes_ = 0;
  mutable std::size_t raw_counted_lines_ = 0;
};

}  // namespace nozzle::test
