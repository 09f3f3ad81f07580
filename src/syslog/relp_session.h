// The client side of one RELP session (the Reliable Event Logging Protocol of rsyslog's
// librelp; docs/WIRE.md, "RELP"), as pure code: it frames commands and reads the server's
// responses, and keeps the window of frames sent and not yet acknowledged. The drain owns the
// socket and the timers (stream_drain.cc).
//
//   frame    = TXNR SP COMMAND SP DATALEN [SP DATA] LF
//   client:  1 open 85 relp_version=0\nrelp_software=...\ncommands=syslog
//   server:  1 rsp 92 200 OK\nrelp_version=0\n...
//   client:  2 syslog 120 <13>1 ...              server: 2 rsp 6 200 OK
//   client:  N close 0                           server: N rsp 0, then 0 serverclose 0
//
// Transaction numbers start at 1 on each connection and are answered in order, so the window
// is a count: the oldest frame in flight is the next one acknowledged.
//
// Thread contract: one thread (the drain's io thread); no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nozzle::syslog {

class RelpSession {
 public:
  explicit RelpSession(std::size_t window = 1024) : window_(window) {}

  // A new connection: the open command to write first; nothing in flight.
  std::string start();

  // Appends one syslog command for `message` (a trailing LF is left out: the frame ends in its
  // own) when the window has room; false when it is full.
  bool frame_syslog(std::string_view message, std::string& out);
  // The close command, sent when the drain stops with nothing in flight.
  std::string close_command();

  // What the server said in the bytes fed so far.
  struct Progress {
    std::size_t acked = 0;  // syslog frames acknowledged (in the order they were sent)
    bool opened = false;    // the open command was accepted
    bool closed = false;    // the server ended the session (serverclose, or the answer to close)
    std::string error;      // a refusal or a protocol violation; the connection must go
  };
  // Reads responses from `bytes` (any split); what was acknowledged is added to `progress`.
  void feed(std::string_view bytes, Progress& progress);

  [[nodiscard]] bool is_open() const { return open_; }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_; }
  [[nodiscard]] bool window_full() const { return in_flight_ >= window_; }

  // The longest response data accepted (the open answer with its offers is the longest).
  static constexpr std::size_t kMaxResponseData = 64u << 10;

 private:
  void frame(std::string_view command, std::string_view data, std::string& out);
  void handle(std::uint64_t txnr, std::string_view command, std::string_view data, Progress& progress);

  std::size_t window_;
  std::uint64_t next_txnr_ = 1;
  std::uint64_t open_txnr_ = 0;
  std::uint64_t close_txnr_ = 0;
  std::uint64_t oldest_txnr_ = 0;  // the syslog frame acknowledged next
  std::size_t in_flight_ = 0;
  bool open_ = false;
  bool failed_ = false;
  std::string buffer_;  // an incomplete response
};

}  // namespace nozzle::syslog
