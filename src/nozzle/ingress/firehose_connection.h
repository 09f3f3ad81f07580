// One firehose connection: its own thread and io_context, a reconnect loop with capped jittered
// backoff, and one session at a time (V1Connection: websocket; V2Connection: SSE). Internal to the
// sources; only v1_source.cc, v2_source.cc and firehose_connection.cc include it (Beast).
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/backoff.h"
#include "nozzle/ingress/endpoint_url.h"
#include "nozzle/ingress/firehose_source.h"
#include "nozzle/ingress/read_gather.h"

namespace nozzle {

// How one session ended, which decides how soon the next one starts.
enum class SessionEnd {
  Failed,       // could not connect, or the stream broke: back off
  AuthRefused,  // the token was refused: one immediate retry with a new token, then back off
  Ended,        // the server ended a healthy stream: back off unless it lived long
  Closing,      // the server announced the end (RLP "closing"): reconnect at once
  Stopped,      // stop() was called
};

struct ConnectionContext {
  int index = 0;
  SourceConfig config;
  EndpointUrl url;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null when the endpoint is plain
  cfapi::TokenProvider* tokens = nullptr;
  EnvelopeHandler* handler = nullptr;
  SourceCounters* counters = nullptr;
};

class FirehoseConnection {
 public:
  explicit FirehoseConnection(ConnectionContext ctx);
  virtual ~FirehoseConnection();

  void start();
  void stop();  // thread-safe; joins the thread

 protected:
  // One connection attempt and, if it succeeds, its whole stream.
  virtual boost::asio::awaitable<SessionEnd> session(const std::string& token) = 0;

  // Opens TCP (and TLS, with SNI and verification) to the endpoint, within connect_timeout.
  // On failure, counts it and returns the reason.
  using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  boost::asio::awaitable<std::string> connect(boost::beast::tcp_stream& tcp);
  boost::asio::awaitable<std::string> handshake(TlsStream& tls);
  // Opens the endpoint's stream (TLS or plain, as its scheme says), makes stop() close it, and
  // hands it to `run(stream)`, which returns the session's awaitable for either stream type.
  template <class Run>
  boost::asio::awaitable<SessionEnd> with_stream(Run run) {
    if (ctx_.tls) {
      TlsStream stream(ioc_, *ctx_.tls);
      set_abort([&stream] { boost::beast::get_lowest_layer(stream).close(); });
      std::string err = co_await connect(boost::beast::get_lowest_layer(stream));
      if (err.empty()) err = co_await handshake(stream);
      if (!err.empty()) co_return connect_failed(err);
      co_return co_await run(stream);
    }
    boost::beast::tcp_stream stream(ioc_);
    set_abort([&stream] { stream.close(); });
    const std::string err = co_await connect(stream);
    if (!err.empty()) co_return connect_failed(err);
    co_return co_await run(stream);
  }

  // The session marks the stream up/down, so the gauge and reconnect counters stay exact.
  void session_up();
  void session_down();
  // What stop() calls to end the current stream (set by the session; run on the io thread).
  void set_abort(std::function<void()> abort) { abort_ = std::move(abort); }
  // Idle detection without a timer per read: the session calls note_activity() after each
  // read (a counter bump), and the tick timer calls `on_idle` once no read has come for
  // idle_timeout. watch_idle(nullptr) ends the watch; a session's end ends it too.
  void watch_idle(std::function<void()> on_idle);
  void note_activity() { ++activity_; }
  // More of the stream already waits in the kernel's buffer: the burst goes on, and its
  // envelopes are better handed to the drains together (one writer wake-up per burst).
  static bool more_waiting(boost::beast::tcp_stream& tcp) {
    boost::system::error_code ec;
    return tcp.socket().available(ec) > 0 && !ec;
  }
  void warn(std::string_view message, std::string_view reason);
  // A connection attempt failed: counted and logged (or Stopped when stop() caused it).
  SessionEnd connect_failed(const std::string& reason);
  // host[:port] as the Host header wants it (the port only when not the scheme's default).
  [[nodiscard]] std::string host_header() const;

  // A trickling stream is left to gather before the next read (read_gather.h): the session
  // calls gather_.on_read() after each read, batch_handed_over() after each hand-over to the
  // drains, and calls gather_before_read() before each read (it may sleep the window).
  void batch_handed_over() { gather_wait_ = gather_.on_batch_end(std::chrono::steady_clock::now()); }
  void gather_before_read();

  // --drain-thread shared (this thread also runs the drains): the session calls note_read()
  // for every read, and before the next read co_awaits a post when drains_turn() says so.
  // The post lets the io_context run what is ready first, the drains' write completions
  // included. Without it, a firehose that always has data is read back to back while the
  // drains' next writes wait behind it, and a burst fills their queues (queue_full drops that
  // the pool's own thread does not have). Only under load, 64 KiB or more since the last
  // read: at low rates the hand-over has written the burst already.
  void note_read(std::size_t n) { read_since_turn_ += n; }
  [[nodiscard]] bool drains_turn() {
    const bool turn = !own_ioc_ && read_since_turn_ >= ReadGather::kSmallBatch;
    read_since_turn_ = 0;
    return turn;
  }

  ConnectionContext ctx_;
  // Its own, or (SourceConfig::shared_io) the drain pool's, run by this connection's thread.
  std::unique_ptr<boost::asio::io_context> own_ioc_;
  boost::asio::io_context& ioc_;
  bool stopping_ = false;  // io thread only
  ReadGather gather_{ctx_.config.read_gather};

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> ticks();
  // A UAA token from the provider's cache, waited for on the retry timer (never by blocking
  // the thread); "" when stop() came first.
  boost::asio::awaitable<std::string> await_token();

  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer tick_timer_;
  std::chrono::steady_clock::duration gather_wait_{};
  Backoff backoff_;
  std::function<void()> abort_;
  std::function<void()> on_idle_;
  std::uint64_t activity_ = 0;
  std::uint64_t activity_seen_ = 0;
  std::chrono::steady_clock::time_point activity_seen_at_;
  bool up_ = false;
  bool ever_up_ = false;
  int coroutines_done_ = 0;  // of loop() and ticks(); io thread only
  std::size_t read_since_turn_ = 0;
  std::thread thread_;
};

}  // namespace nozzle
