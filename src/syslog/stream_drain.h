// A TCP, TLS or RELP drain: one connection, one write in flight that carries every frame queued
// since the last write, deadlines on connect, handshake and write, reconnect with capped
// jittered backoff, and a read that watches for the receiver closing the connection (a write
// to a half-closed socket would succeed and lose its frames).
//
// RELP (relp://, relp-tls://) runs a RelpSession on the same connection: every frame is
// acknowledged by the receiver, at most `relp_window` are in flight, and what was not
// acknowledged when a connection breaks goes out again on the next one (counted as resent).
//
// Everything but push() runs on the pool's io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "core/backoff.h"
#include "syslog/drain_base.h"
#include "syslog/relp_session.h"

namespace nozzle::syslog {

class StreamDrain final : public DrainBase, public std::enable_shared_from_this<StreamDrain> {
 public:
  StreamDrain(boost::asio::io_context& ioc, DrainConfig config);
  ~StreamDrain() override;

  void start() override;
  void stop(std::chrono::steady_clock::time_point deadline, std::function<void()> done) override;

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;

  void wake() override;
  void wait_for_wake();
  void request_spill() override;
  void connect();
  void on_resolved(const boost::system::error_code& ec,
                   const boost::asio::ip::tcp::resolver::results_type& results);
  void on_connected(const ConnectionPtr& conn, const boost::system::error_code& ec);
  void on_handshake(const ConnectionPtr& conn, const boost::system::error_code& ec);
  void on_ready(const ConnectionPtr& conn);
  void read_watch(const ConnectionPtr& conn);
  void write_next();
  void on_written(const ConnectionPtr& conn, const boost::system::error_code& ec);
  void attempt_failed(const std::string& reason);
  void connection_lost(const ConnectionPtr& conn, const std::string& reason);
  void schedule_reconnect();
  void close_gracefully(const ConnectionPtr& conn);
  void deadline_passed();
  void finish();
  void arm_deadline(std::chrono::milliseconds timeout, const ConnectionPtr& conn);
  // The deadline of the write being started (write_timeout): see watch_write().
  void start_write_deadline();
  void watch_write();
  void spool_tick();
  // RELP: the writer, the responses read, and the end of a session.
  void relp_write_next();
  void relp_write(std::string bytes);
  void relp_on_written(const ConnectionPtr& conn, const boost::system::error_code& ec);
  bool relp_on_read(const ConnectionPtr& conn, std::string_view bytes);
  void relp_acked(std::size_t frames);
  void relp_arm_ack_timer();

  boost::asio::io_context& ioc_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // null for plain TCP
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer op_timer_;     // deadline of connect, handshake or write
  boost::asio::steady_timer retry_timer_;  // backoff between attempts
  boost::asio::steady_timer stop_timer_;   // shutdown deadline
  boost::asio::steady_timer spool_timer_;
  boost::asio::steady_timer ack_timer_;    // RELP: acknowledgements due  // moves the memory queue to the spool (when there is one)
  boost::asio::steady_timer write_timer_;  // the write deadline's watch, armed lazily
  Backoff backoff_;
  // How a producer wakes the idle writer: it adds to this eventfd, which the io thread reads
  // (see wake()). -1 when the eventfd could not be made: then wake() posts.
  boost::asio::posix::stream_descriptor wake_fd_;
  int wake_native_ = -1;  // wake_fd_'s descriptor, set once in the constructor (producers read it)
  std::uint64_t wake_count_ = 0;

  ConnectionPtr conn_;  // the current connection, ready or being set up; null between attempts
  bool ready_ = false;  // conn_ is connected (and handshaken) and not failed
  bool writing_ = false;
  std::chrono::steady_clock::time_point write_started_{};  // of the write in flight
  bool write_watched_ = false;  // write_timer_ is armed
  bool awaiting_peer_verdict_ = false;  // TLS 1.3 mutual TLS: first write held (see on_ready)
  bool ever_connected_ = false;
  bool stopping_ = false;
  bool deadline_passed_ = false;
  bool finished_ = false;
  // The write in flight; after a failed write, the batch kept for a resend (batch_failed).
  FrameBatch batch_;
  std::function<void()> done_;

  // RELP only (null otherwise). batch_ is acknowledged up to acked_*, written up to sent_*;
  // frames before resend_until_ were written on an earlier connection.
  std::unique_ptr<RelpSession> relp_;
  std::string relp_out_;  // the write in flight
  bool relp_open_sent_ = false;
  bool relp_closing_ = false;
  std::size_t acked_frames_ = 0, acked_bytes_ = 0;
  std::size_t sent_frames_ = 0, sent_bytes_ = 0;
  std::size_t resend_until_ = 0;
};

}  // namespace nozzle::syslog
