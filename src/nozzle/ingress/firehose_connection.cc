#include "nozzle/ingress/firehose_connection.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.h"
#include "core/tls_client.h"

namespace nozzle {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::use_awaitable;
using boost::system::error_code;

FirehoseConnection::FirehoseConnection(ConnectionContext ctx)
    : ctx_(std::move(ctx)),
      own_ioc_(ctx_.config.shared_io != nullptr && ctx_.index == 0 ? nullptr
                                                                    : std::make_unique<asio::io_context>(1)),
      ioc_(own_ioc_ ? *own_ioc_ : *ctx_.config.shared_io),
      retry_timer_(ioc_),
      tick_timer_(ioc_),
      backoff_(ctx_.config.backoff_initial, ctx_.config.backoff_max, Backoff::system_random()) {}

FirehoseConnection::~FirehoseConnection() { stop(); }

void FirehoseConnection::start() {
  const auto done = [this](const std::exception_ptr&) { ++coroutines_done_; };
  asio::co_spawn(ioc_, loop(), done);
  asio::co_spawn(ioc_, ticks(), done);
  thread_ = std::thread([this] {
    if (own_ioc_) {
      ioc_.run();  // returns once both coroutines are done: nothing else is in it
    } else {
      // The drain pool's work stays in a shared io_context: run it until this connection's
      // coroutines are done; the pool's stop() runs what is left (DrainPool::stop).
      while (coroutines_done_ < 2 && ioc_.run_one() > 0) {
      }
    }
    ctx_.handler->on_stop();
  });
}

void FirehoseConnection::stop() {
  if (!thread_.joinable()) return;
  asio::post(ioc_, [this] {
    stopping_ = true;
    retry_timer_.cancel();
    tick_timer_.cancel();
    if (abort_) abort_();
  });
  thread_.join();
}

void FirehoseConnection::warn(std::string_view message, std::string_view reason) {
  const std::string key = "firehose:" + std::to_string(ctx_.index) + ":" + std::string(message);
  log::write_limited(key, std::chrono::seconds(10), log::Level::Warn, message,
                     {{"endpoint", ctx_.config.endpoint},
                      {"connection", std::to_string(ctx_.index)},
                      {"reason", reason}});
}

SessionEnd FirehoseConnection::connect_failed(const std::string& reason) {
  if (stopping_) return SessionEnd::Stopped;
  ctx_.counters->connect_failures.add();
  warn("firehose connection failed", reason);
  return SessionEnd::Failed;
}

std::string FirehoseConnection::host_header() const {
  const bool default_port = ctx_.url.port == (ctx_.url.tls ? 443 : 80);
  const std::string host =
      ctx_.url.host.find(':') != std::string::npos ? "[" + ctx_.url.host + "]" : ctx_.url.host;
  return default_port ? host : host + ":" + std::to_string(ctx_.url.port);
}

void FirehoseConnection::session_up() {
  up_ = true;
  gather_.reset();
  gather_wait_ = {};
  ctx_.counters->connects.add();
  if (ever_up_) ctx_.counters->reconnects.add();
  ever_up_ = true;
  ctx_.counters->connected.add(1);
  log::info("firehose connected",
            {{"endpoint", ctx_.config.endpoint}, {"connection", std::to_string(ctx_.index)}});
}

// The thread sleeps rather than waiting on a timer in its io_context: the socket stays in the
// io_context's epoll set, and every envelope that arrived meanwhile would wake the thread all
// the same (edge-triggered, once per arrival), which is the cost the wait is there to save.
// Nothing else needs the thread meanwhile: ticks, stop() and the idle watch wait at most the
// window (50 ms at most, 2 ms by default); with --drain-thread shared, so do the drains'
// completions (the hand-over before the wait has written the burst already).
void FirehoseConnection::gather_before_read() {
  if (gather_wait_ <= std::chrono::steady_clock::duration::zero() || stopping_) return;
  ctx_.counters->read_gathers.add();
  std::this_thread::sleep_for(gather_wait_);
  gather_wait_ = {};
  gather_.waited(std::chrono::steady_clock::now());
}

void FirehoseConnection::session_down() {
  if (!up_) return;
  up_ = false;
  ctx_.counters->connected.add(-1);
}

asio::awaitable<std::string> FirehoseConnection::connect(beast::tcp_stream& tcp) {
  error_code ec;
  asio::ip::tcp::resolver resolver(ioc_);
  const auto results = co_await resolver.async_resolve(
      ctx_.url.host, std::to_string(ctx_.url.port), asio::redirect_error(use_awaitable, ec));
  if (ec) co_return "cannot resolve " + ctx_.url.host + ": " + ec.message();
  tcp.expires_after(ctx_.config.connect_timeout);
  co_await tcp.async_connect(results, asio::redirect_error(use_awaitable, ec));
  if (ec) co_return "cannot connect to " + ctx_.url.host + ":" + std::to_string(ctx_.url.port) + ": " + ec.message();
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  co_return std::string();
}

asio::awaitable<std::string> FirehoseConnection::handshake(TlsStream& tls) {
  if (!tls::configure_peer(tls.native_handle(), ctx_.url.host, ctx_.config.tls.skip_verify)) {
    co_return "OpenSSL refused the peer name '" + ctx_.url.host + "'";
  }
  error_code ec;
  beast::get_lowest_layer(tls).expires_after(ctx_.config.connect_timeout);
  co_await tls.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    bool verify_failed = false;
    co_return tls::describe_handshake_failure(tls.native_handle(), ec.message(), verify_failed);
  }
  co_return std::string();
}

void FirehoseConnection::watch_idle(std::function<void()> on_idle) {
  on_idle_ = std::move(on_idle);
  activity_seen_ = activity_;
  activity_seen_at_ = std::chrono::steady_clock::now();
}

asio::awaitable<void> FirehoseConnection::ticks() {
  error_code ec;
  while (!stopping_) {
    tick_timer_.expires_after(ctx_.config.tick_interval);
    co_await tick_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopping_) break;
    if (on_idle_) {
      const auto now = std::chrono::steady_clock::now();
      if (activity_ != activity_seen_) {
        activity_seen_ = activity_;
        activity_seen_at_ = now;
      } else if (now - activity_seen_at_ >= ctx_.config.idle_timeout) {
        // Called once: the session ends, and the next one sets its own watch.
        std::exchange(on_idle_, nullptr)();
      }
    }
    ctx_.handler->on_tick();
  }
}

asio::awaitable<std::string> FirehoseConnection::await_token() {
  // The provider's own thread talks to UAA; this one only looks, once a tick, so that the
  // ticks() coroutine (held envelopes, idle checks) runs on while UAA is slow or down.
  std::uint64_t failures_seen = ctx_.tokens->fetch_failures();
  while (!stopping_) {
    if (auto token = ctx_.tokens->current()) co_return std::move(*token);
    if (const auto failures = ctx_.tokens->fetch_failures(); failures != failures_seen) {
      failures_seen = failures;
      ctx_.counters->connect_failures.add();
      warn("cannot get a UAA token", ctx_.tokens->last_error());
    }
    error_code ec;
    retry_timer_.expires_after(ctx_.config.tick_interval);
    co_await retry_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  co_return std::string();
}

asio::awaitable<void> FirehoseConnection::loop() {
  bool refused_last_time = false;
  while (!stopping_) {
    const std::string token = co_await await_token();
    if (stopping_) break;
    const auto started = std::chrono::steady_clock::now();
    const SessionEnd end = co_await session(token);
    session_down();
    set_abort(nullptr);
    watch_idle(nullptr);
    if (end == SessionEnd::AuthRefused) {
      ctx_.counters->auth_refusals.add();
      ctx_.tokens->invalidate(token);
    }
    if (stopping_ || end == SessionEnd::Stopped) break;

    const bool lived = std::chrono::steady_clock::now() - started >= ctx_.config.backoff_reset_after;
    if (lived || end == SessionEnd::Closing) backoff_.reset();
    std::chrono::milliseconds delay{0};
    if (end == SessionEnd::Closing || (end == SessionEnd::AuthRefused && !refused_last_time)) {
      delay = std::chrono::milliseconds(0);  // a new token, or the gateway's planned close
    } else {
      delay = backoff_.next();
    }
    refused_last_time = end == SessionEnd::AuthRefused;
    if (delay.count() > 0) {
      error_code ec;
      retry_timer_.expires_after(delay);
      co_await retry_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }
}

}  // namespace nozzle
