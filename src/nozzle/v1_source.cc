// The v1 firehose: the Traffic Controller websocket, one dropsonde Envelope per binary frame
// (PROTOCOLS.md 2).
#include "nozzle/firehose_connection.h"  // first: it works around a Boost 1.74 include gap

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "core/log.h"
#include "nozzle/v1_decoder.h"

namespace nozzle {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using boost::system::error_code;

namespace {
constexpr std::string_view kSlowConsumerCounter = "doppler_proxy.slow_consumer";
constexpr std::string_view kTruncatingBufferCounter = "TruncatingBuffer.DroppedMessage";
}  // namespace

class V1Connection final : public FirehoseConnection {
 public:
  using FirehoseConnection::FirehoseConnection;
  ~V1Connection() override { stop(); }

 protected:
  asio::awaitable<SessionEnd> session(const std::string& token) override {
    if (ctx_.tls) {
      websocket::stream<TlsStream> ws(ioc_, *ctx_.tls);
      set_abort([&ws] { beast::get_lowest_layer(ws).close(); });
      std::string err = co_await connect(beast::get_lowest_layer(ws));
      if (err.empty()) err = co_await handshake(ws.next_layer());
      if (!err.empty()) co_return connect_failed(err);
      co_return co_await run(ws, token);
    }
    websocket::stream<beast::tcp_stream> ws(ioc_);
    set_abort([&ws] { beast::get_lowest_layer(ws).close(); });
    const std::string err = co_await connect(beast::get_lowest_layer(ws));
    if (!err.empty()) co_return connect_failed(err);
    co_return co_await run(ws, token);
  }

 private:
  template <class Ws>
  asio::awaitable<SessionEnd> run(Ws& ws, const std::string& token) {
    beast::get_lowest_layer(ws).expires_never();
    // The Traffic Controller pings every 15 s; a silent connection is dead after idle_timeout.
    ws.set_option(websocket::stream_base::timeout{ctx_.config.connect_timeout, ctx_.config.idle_timeout, false});
    const std::string origin = (ctx_.tls ? "https://" : "http://") + host_header();
    ws.set_option(websocket::stream_base::decorator([&token, &origin](websocket::request_type& req) {
      req.set(http::field::authorization, token);
      req.set(http::field::origin, origin);
      req.set(http::field::user_agent, "syslog-nozzle");
    }));
    ws.read_message_max(64u << 20);

    std::string target = ctx_.url.path_prefix + "/firehose/" + ctx_.config.subscription_id + "?";
    if (const std::string_view filter = v1_filter_type(ctx_.config.events); !filter.empty()) {
      target += "filter-type=";
      target += filter;
    }
    websocket::response_type response;
    error_code ec;
    co_await ws.async_handshake(response, host_header(), target, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (response.result() == http::status::unauthorized) {
        warn("firehose refused the token", response.body());
        co_return SessionEnd::AuthRefused;
      }
      co_return connect_failed(response.result_int() != 0
                           ? "websocket upgrade refused with HTTP " + std::to_string(response.result_int())
                           : "websocket handshake failed: " + ec.message());
    }
    session_up();
    set_abort([&ws] { ws.async_close(websocket::close_code::normal, [](const error_code&) {}); });

    for (;;) {
      buffer_.clear();
      co_await ws.async_read(buffer_, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      on_frame(std::string_view(static_cast<const char*>(buffer_.cdata().data()), buffer_.size()));
      ctx_.handler->on_batch_end();
    }
    if (stopping_) co_return SessionEnd::Stopped;
    if (ec == websocket::error::closed) {
      const auto reason = ws.reason();
      if (reason.code == websocket::close_code::policy_error) {
        // 1008: the Traffic Controller's keep-alive gave up on us (PROTOCOLS.md 2.2), which
        // nozzles read as "too slow".
        ctx_.counters->slow_consumer.add();
        warn("firehose closed the connection with 1008 (slow consumer)", std::string(reason.reason.data(), reason.reason.size()));
      } else {
        log::info("firehose closed the connection",
                  {{"code", std::to_string(reason.code)}, {"connection", std::to_string(ctx_.index)}});
      }
      co_return SessionEnd::Ended;
    }
    warn("firehose stream broke", ec.message());
    co_return SessionEnd::Failed;
  }

  void on_frame(std::string_view bytes) {
    ctx_.counters->frames.add();
    if (const auto error = decode_v1_envelope(bytes, env_)) {
      ctx_.counters->invalid.add();
      warn("invalid firehose envelope skipped", error->to_string());
      return;
    }
    if (env_.type == EventType::CounterEvent) notice_upstream_loss(env_);
    if (!passes_filter(ctx_.config.events, env_.type, *ctx_.counters)) return;
    ctx_.counters->envelopes.add();
    ctx_.handler->on_envelope(env_);
  }

  // Loss upstream of us is announced in-band (PROTOCOLS.md 2.4).
  void notice_upstream_loss(const Envelope& env) {
    const std::string& name = env.counter.name;
    if (name == kSlowConsumerCounter && env.counter.delta > 0) {
      ctx_.counters->slow_consumer.add();
      warn("Traffic Controller reports a slow consumer", name);
    } else if (name.find(kTruncatingBufferCounter) != std::string::npos) {
      ctx_.counters->upstream_dropped.add(env.counter.delta);
      warn("doppler dropped envelopes for this subscription", std::to_string(env.counter.delta));
    }
  }

  Envelope env_;
  beast::flat_buffer buffer_;
};

std::unique_ptr<FirehoseConnection> make_v1_connection(ConnectionContext ctx) {
  return std::make_unique<V1Connection>(std::move(ctx));
}

}  // namespace nozzle
