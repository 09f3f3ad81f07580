// The syslog-sink server: TCP, TLS and UDP listeners on one io_context and one thread. Every
// message is deframed, validated as RFC 5424, counted, and optionally logged to raw-out.
//
// Thread contract: construct, start() and run the io_context on one thread; stop() and every
// handler run there too. After the io_context's run() returns, call finish() for the final
// flush and the summary.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "rfc5424_validator.h"
#include "sink_stats.h"

namespace sink {

// Filled from the command line and validated once in main.cc.
struct SinkConfig {
  std::string tcp;  // "ADDR:PORT", empty when that listener is off; port 0 = any free port
  std::string tls;
  std::string udp;
  std::string cert, key;  // TLS server certificate chain and key (PEM)
  std::string ca;         // CA for client certificates (PEM); empty = not asked for
  bool require_client_cert = false;
  std::string ready_file;
  std::string status_file;
  std::string raw_out;
  bool stall = false;
  std::uint64_t exit_after_frames = 0;  // 0 = never
  std::chrono::milliseconds duration{0};  // 0 = until a signal
  std::size_t max_message = 65536;
  bool latency = false;  // measure receipt time - TIMESTAMP per valid frame; SIGUSR1 restarts it
};

class SinkServer {
 public:
  // Throws std::exception when a listener cannot be bound or the TLS files cannot be loaded
  // (start-up only).
  SinkServer(boost::asio::io_context& io, SinkConfig config);
  ~SinkServer();

  // Writes the ready file and starts accepting. Throws if the ready file cannot be written.
  void start();
  // Closes the listeners and stops the io_context; safe to call more than once.
  void stop();
  // After run(): flushes raw-out, rewrites the status file, returns the summary JSON.
  std::string finish();

  [[nodiscard]] const SinkStats& stats() const { return stats_; }

 private:
  template <class Stream>
  class Session;
  using tcp = boost::asio::ip::tcp;
  using udp = boost::asio::ip::udp;

  void accept(tcp::acceptor& acceptor, Transport transport);
  void receive_udp();
  void tick();
  void write_status();
  void wait_restart_signal();

  // One message from any transport (`peer` unused for UDP: the sender is udp_sender_). False
  // once the sink is stopping (--exit-after-frames reached): feed it nothing more.
  bool on_message(Transport transport, std::string_view message, const std::string& peer);
  void note_latency();  // of the message the validator has just accepted
  void on_framing_error(Transport transport, const std::string& peer, std::string_view reason);
  void on_handshake_failure(const std::string& peer, std::string_view reason);

  boost::asio::io_context& io_;
  SinkConfig config_;
  std::optional<boost::asio::ssl::context> tls_context_;
  std::optional<tcp::acceptor> tcp_acceptor_;
  std::optional<tcp::acceptor> tls_acceptor_;
  std::optional<udp::socket> udp_socket_;
  udp::endpoint udp_sender_;
  std::unique_ptr<char[]> udp_buffer_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer duration_timer_;
  boost::asio::signal_set signals_;
  boost::asio::signal_set restart_signal_;  // SIGUSR1 with --latency
  std::vector<std::shared_ptr<void>> stalled_;  // --stall: connections held open, never read

  Rfc5424Validator validator_;
  TimestampReader timestamps_;
  SinkStats stats_;
  RawOut raw_out_;
  bool stopped_ = false;
};

}  // namespace sink
