// A real syslog-ng (Debian's syslog-ng-core, unpacked by scripts/setup into
// NOZZLE_SYSLOG_NG_DIR, since it cannot be installed beside rsyslog) on loopback.
//
// Each instance runs in the foreground with its own config, pid, persist and control files in a
// TempDir. syslog-ng cannot report the port it bound, so the helper picks free ports, waits
// until syslog-ng itself holds them, and starts again on new ports if another process took one
// first. Every message received is written to:
//   raw.log      ${RAWMSG} per line, for people (NOZZLE_KEEP_TEMP=1); syslog-ng keeps an LF
//                inside a message as is, so lines are not messages
//   fields.jsonl $(format-json): RAWMSG, the parsed header and every ${.SDATA.*} parameter;
//                what messages() reads
// syslog-ng's own messages (connections, errors) go to internal.log: log().
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

struct SyslogNgOptions {
  bool tls = true;  // syslog() transport("tls"), peer-verify(optional-untrusted)
  bool tcp = true;  // syslog() transport("tcp"): octet counting
  bool udp = false;
};

class SyslogNg {
 public:
  // Checks the config (--syntax-only), starts syslog-ng and waits until it holds its ports.
  // Throws std::runtime_error with its output when a step fails.
  explicit SyslogNg(SyslogNgOptions options = {});
  ~SyslogNg();
  SyslogNg(const SyslogNg&) = delete;
  SyslogNg& operator=(const SyslogNg&) = delete;

  [[nodiscard]] std::uint16_t tls_port() const { return tls_port_; }
  [[nodiscard]] std::uint16_t tcp_port() const { return tcp_port_; }
  [[nodiscard]] std::uint16_t udp_port() const { return udp_port_; }

  [[nodiscard]] std::vector<ReceivedMessage> messages() const;
  bool wait_messages(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // syslog-ng's internal() messages and its stderr.
  [[nodiscard]] std::string log() const;
  [[nodiscard]] std::string describe() const;

  void stop();

 private:
  bool try_start();  // false when a port was taken before syslog-ng bound it

  SyslogNgOptions options_;
  TempDir dir_;
  std::unique_ptr<Process> process_;
  std::uint16_t tls_port_ = 0;
  std::uint16_t tcp_port_ = 0;
  std::uint16_t udp_port_ = 0;
};

}  // namespace nozzle::test
