// The part that the firehose websocket and the RLP event stream share: one write in flight,
// filled by the subclass each time the previous one completes; a read loop that hands the
// client's bytes to the subclass; a periodic tick for keep-alive, heartbeats, faults and the
// slow-consumer check; an orderly close (final bytes, optionally wait for the peer's close,
// TLS close_notify) with a hard deadline.
//
// Threads: everything runs on the transport's strand. stop() may be called from any thread.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "counters.h"
#include "transport.h"

namespace cfsim {

class StreamSession : public std::enable_shared_from_this<StreamSession> {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~StreamSession() = default;

  // head: the bytes that open the stream (101 response, SSE response head); leftover: bytes the
  // HTTP server read past the request.
  void start(std::string head, std::string leftover);
  // Closes with the subclass's final bytes ("stopped").
  void stop();
  [[nodiscard]] const std::shared_ptr<ConnectionCounters>& counters() const { return conn_; }

 protected:
  // `tick` is at most SimulatorOptions::stream_tick. A paced stream sends what its rate allows
  // at each tick, stamping each envelope as it is sent, so the tick is the grain of its bursts:
  // 5 ms keeps the latency a receiver measures from the stream's timestamps about the receiver,
  // not about cf-sim.
  StreamSession(std::unique_ptr<Transport> transport, Counters& counters, std::shared_ptr<ConnectionCounters> conn,
                std::chrono::microseconds tick, std::chrono::milliseconds stall_timeout);

  // Appends the next bytes to send; appending nothing means idle until the next tick.
  virtual void fill(std::string& out, Clock::time_point now) = 0;
  virtual void on_bytes(std::string_view bytes, Clock::time_point now) = 0;
  virtual void on_tick(Clock::time_point now) = 0;
  // A write has been in flight for longer than stall_timeout.
  virtual void on_write_stalled(Clock::time_point now) = 0;
  // The bytes stop() sends.
  virtual std::string stop_bytes() = 0;

  // Sent ahead of the next data (ping, pong).
  void queue_control(std::string_view bytes) { control_ += bytes; }
  // Sends `final_bytes` after the write in flight, then closes. With wait_for_peer, the
  // connection stays open (reading) until peer_closed() or the close deadline.
  void begin_close(std::string_view reason, std::string final_bytes, bool wait_for_peer);
  // The peer finished its side of the close: shut down now.
  void peer_closed();
  [[nodiscard]] bool closing() const { return closing_; }
  [[nodiscard]] Clock::time_point started() const { return started_; }

  std::shared_ptr<ConnectionCounters> conn_;

 private:
  void pump();
  void read();
  void tick();
  void finish(std::string_view reason);
  void shutdown();

  std::unique_ptr<Transport> transport_;
  Counters& counters_;
  asio::steady_timer timer_;
  const std::chrono::microseconds tick_;
  const std::chrono::milliseconds stall_timeout_;
  std::string out_;
  std::string control_;
  std::string final_;
  char read_buffer_[4096];
  std::string close_reason_;
  Clock::time_point started_{};
  Clock::time_point write_started_{};
  Clock::time_point close_started_{};
  bool writing_ = false;
  bool in_pump_ = false;
  bool stalled_reported_ = false;
  bool closing_ = false;
  bool final_written_ = false;
  bool wait_for_peer_ = false;
  bool peer_closed_ = false;
  bool done_ = false;
};

}  // namespace cfsim
