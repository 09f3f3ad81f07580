// The v1 firehose: the Traffic Controller websocket, one dropsonde Envelope per binary message
// (docs/WIRE.md, "v1 firehose").
//
// The websocket is read here, not with beast::websocket: one read_some fills a large buffer
// with a burst of messages, and all of them are decoded before the next read. Beast's stream
// completes every message through the scheduler (an epoll_wait each) and re-arms its timeout
// timer per read; at 50,000 envelopes/s that was 8-10 % of the nozzle's CPU (bench/RESULTS.md).
#include "nozzle/ingress/firehose_connection.h"  // first: it works around a Boost 1.74 include gap

#include <openssl/rand.h>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <random>

#include "core/log.h"
#include "nozzle/ingress/ingest.h"
#include "nozzle/ingress/websocket_frames.h"
#include "nozzle/ingress/websocket_handshake.h"

namespace nozzle {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using boost::system::error_code;

namespace {
constexpr std::size_t kMaxMessage = 64u << 20;
constexpr std::uint16_t kCloseNormal = 1000;
// The TC's keep-alive gave up (docs/WIRE.md, "Status and close codes").
constexpr std::uint16_t kClosePolicy = 1008;
// A close frame or pong is a few bytes; a peer that cannot take them in this long is gone.
constexpr std::chrono::seconds kControlWriteTimeout{2};

// A client's nonce and mask keys must be unpredictable to the server (RFC 6455 5.3, 10.3).
template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
  std::array<std::uint8_t, N> out{};
  if (RAND_bytes(out.data(), static_cast<int>(N)) != 1) {
    std::random_device rd;
    for (auto& b : out) b = static_cast<std::uint8_t>(rd());
  }
  return out;
}
}  // namespace

class V1Connection final : public FirehoseConnection {
 public:
  using FirehoseConnection::FirehoseConnection;
  ~V1Connection() override { stop(); }

 protected:
  asio::awaitable<SessionEnd> session(const std::string& token) override {
    return with_stream([this, &token](auto& stream) { return run(stream, token); });
  }

 private:
  // The HTTP upgrade (RFC 6455 4.1), then the stream.
  template <class Stream>
  asio::awaitable<SessionEnd> run(Stream& stream, const std::string& token) {
    auto& tcp = beast::get_lowest_layer(stream);
    std::string target = ctx_.url.path_prefix + "/firehose/" + ctx_.config.subscription_id + "?";
    if (const std::string_view filter = v1_filter_type(stream_events(ctx_.config)); !filter.empty()) {
      target += "filter-type=";
      target += filter;
    }
    const std::string key = ws::handshake_key(random_bytes<16>());
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host_header());
    req.set(http::field::upgrade, "websocket");
    req.set(http::field::connection, "Upgrade");
    req.set(http::field::sec_websocket_key, key);
    req.set(http::field::sec_websocket_version, "13");
    req.set(http::field::authorization, token);
    req.set(http::field::origin, (ctx_.tls ? "https://" : "http://") + host_header());
    req.set(http::field::user_agent, "syslog-nozzle");

    error_code ec;
    tcp.expires_after(ctx_.config.connect_timeout);
    co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
    beast::flat_buffer head;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::size_t{64} * 1024);
    if (!ec) co_await http::async_read_header(stream, head, parser, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return connect_failed("websocket handshake failed: " + ec.message());
    const unsigned status = parser.get().result_int();
    if (status == 401) {
      co_await http::async_read(stream, head, parser, asio::redirect_error(use_awaitable, ec));
      warn("firehose refused the token", parser.get().body());
      co_return SessionEnd::AuthRefused;
    }
    if (status != 101) co_return connect_failed("websocket upgrade refused with HTTP " + std::to_string(status));
    const auto header = [&parser](http::field f) {
      const auto v = parser.get()[f];
      return std::string_view(v.data(), v.size());
    };
    if (auto why = ws::check_upgrade_response(header(http::field::upgrade), header(http::field::connection),
                                              header(http::field::sec_websocket_accept), key)) {
      co_return connect_failed("websocket handshake failed: " + *why);
    }
    tcp.expires_never();
    tcp.socket().non_blocking(true, ec);  // for read_buffered(); asynchronous operations are unaffected
    if (ec) co_return connect_failed("cannot make the socket non-blocking: " + ec.message());

    // Bytes that came with the response are the first frames (the TC pings at once).
    reader_.reset();
    const auto early = head.cdata();
    reader_.append(std::string_view(static_cast<const char*>(early.data()), early.size()));
    session_up();
    // stop(): the pending read ends, and the loop says goodbye with close 1000.
    set_abort([&tcp] { tcp.cancel(); });
    bool idle = false;
    watch_idle([&tcp, &idle] {
      idle = true;
      tcp.close();
    });
    co_return co_await stream_frames(stream, idle);
  }

  template <class Stream>
  asio::awaitable<SessionEnd> stream_frames(Stream& stream, const bool& idle) {
    error_code ec;
    for (;;) {
      // Every complete message received so far, then one hand-over for the whole burst.
      ws::Event event;
      bool ping = false;
      for (;;) {
        event = reader_.next();
        if (event.kind == ws::Event::Kind::Message) {
          ingest_.v1_message(event.payload);
        } else if (event.kind == ws::Event::Kind::Ping) {
          ping = true;  // one pong answers every ping of the burst (RFC 6455 5.5.3)
          pong_payload_.assign(event.payload);
        } else if (event.kind != ws::Event::Kind::Pong) {
          break;
        }
      }
      // A TLS read returns one record (~16 KiB); when more of the burst is waiting, read it
      // first, so that the whole burst goes to the drains at once. The pipeline bounds what it
      // holds back meanwhile.
      if (event.kind != ws::Event::Kind::NeedMore || stopping_ || !more_waiting(beast::get_lowest_layer(stream))) {
        ctx_.handler->on_batch_end();
        batch_handed_over();
      }

      if (event.kind == ws::Event::Kind::Close) {
        const std::string reason(event.payload);
        if (event.close_code == kClosePolicy) {
          // Nozzles read 1008 as "too slow" (docs/WIRE.md, "Loss signals").
          ctx_.counters->slow_consumer.add();
          warn("firehose closed the connection with 1008 (slow consumer)", reason);
        } else {
          log::info("firehose closed the connection",
                    {{"code", std::to_string(event.close_code)}, {"connection", std::to_string(ctx_.index)}});
        }
        // Echo the code, as RFC 6455 5.5.1 asks; the server closes the TCP connection then.
        const std::uint16_t echo = event.close_code == ws::FrameReader::kNoStatusCode ? kCloseNormal : event.close_code;
        co_await write_control(stream, ws::client_close_frame(echo, "", random_bytes<4>()));
        co_return stopping_ ? SessionEnd::Stopped : SessionEnd::Ended;
      }
      if (event.kind == ws::Event::Kind::Error) {
        warn("firehose sent an invalid websocket frame", ws::describe(event.error));
        co_await write_control(stream, ws::client_close_frame(ws::close_code_for(event.error), "", random_bytes<4>()));
        co_return stopping_ ? SessionEnd::Stopped : SessionEnd::Failed;
      }
      if (ping) {
        ec = co_await write_control(stream, ws::client_frame(ws::Opcode::Pong, pong_payload_, random_bytes<4>()));
        if (ec) break;
      }

      if (drains_turn()) co_await asio::post(ioc_, use_awaitable);
      gather_before_read();  // a stop() asked for meanwhile is seen below, at most the window later
      if (stopping_) {
        co_await write_control(stream, ws::client_close_frame(kCloseNormal, "", random_bytes<4>()));
        break;
      }
      const std::span<char> room = reader_.prepare();
      const std::size_t n =
          co_await stream.async_read_some(asio::buffer(room.data(), room.size()), asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (stopping_ && ec == asio::error::operation_aborted) {
          // stop() cancelled the read: the stream is still whole, so close it properly.
          co_await write_control(stream, ws::client_close_frame(kCloseNormal, "", random_bytes<4>()));
        }
        break;
      }
      reader_.commit(n);
      note_activity();
      gather_.on_read(std::chrono::steady_clock::now(), n);
      note_read(n);
      read_buffered(stream);
    }
    if (stopping_) co_return SessionEnd::Stopped;
    if (idle) {
      warn("firehose stream broke", "no frame or ping for " + std::to_string(ctx_.config.idle_timeout.count()) + " ms");
    } else {
      warn("firehose stream broke", ec.message());
    }
    co_return SessionEnd::Failed;
  }

  // An asynchronous TLS read returns one record, and a read that needs no socket I/O still
  // completes through the io_context (a post, an epoll_wait and a resume): once per envelope
  // when the Traffic Controller sends them one by one. What is already here (records the TLS
  // layer holds, bytes in the socket) is read now, without the io_context, up to the reader's
  // usual buffer: the socket is non-blocking, so a read that would wait returns would_block.
  // Any other error is left to the next asynchronous read, which meets it again and reports it.
  template <class Stream>
  void read_buffered(Stream& stream) {
    while (reader_.buffered() < ws::FrameReader::kDefaultBufferSize) {
      const std::span<char> room = reader_.prepare();
      error_code ec;
      const std::size_t n = stream.read_some(asio::buffer(room.data(), room.size()), ec);
      if (ec || n == 0) return;
      reader_.commit(n);
      gather_.on_read(std::chrono::steady_clock::now(), n);
      note_read(n);
    }
  }

  // A pong or close, within kControlWriteTimeout. Only between reads: one write at a time, and
  // the timeout set here never lands on a read.
  template <class Stream>
  asio::awaitable<error_code> write_control(Stream& stream, std::string frame) {
    auto& tcp = beast::get_lowest_layer(stream);
    error_code ec;
    tcp.expires_after(kControlWriteTimeout);
    co_await asio::async_write(stream, asio::buffer(frame), asio::redirect_error(use_awaitable, ec));
    tcp.expires_never();
    co_return ec;
  }

  // Decoding and everything up to the handler: the step v1 and v2 share.
  Ingest ingest_{ctx_.config, ctx_.index, *ctx_.counters, *ctx_.handler};
  ws::FrameReader reader_{kMaxMessage};
  std::string pong_payload_;
};

std::unique_ptr<FirehoseConnection> make_v1_connection(ConnectionContext ctx) {
  return std::make_unique<V1Connection>(std::move(ctx));
}

}  // namespace nozzle
