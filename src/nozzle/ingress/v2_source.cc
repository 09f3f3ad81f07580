// The v2 firehose: the RLP gateway's GET /v2/read, server-sent events carrying JSON batches
// (docs/WIRE.md, "RLP gateway").
#include "nozzle/ingress/firehose_connection.h"  // first: it works around a Boost 1.74 include gap

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "core/log.h"
#include "nozzle/ingress/ingest.h"
#include "nozzle/ingress/sse_parser.h"

namespace nozzle {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using boost::system::error_code;

class V2Connection final : public FirehoseConnection {
 public:
  using FirehoseConnection::FirehoseConnection;
  ~V2Connection() override { stop(); }

 protected:
  asio::awaitable<SessionEnd> session(const std::string& token) override {
    return with_stream([this, &token](auto& stream) { return run(stream, token); });
  }

 private:
  template <class Stream>
  asio::awaitable<SessionEnd> run(Stream& stream, const std::string& token) {
    http::request<http::empty_body> req{
        http::verb::get,
        ctx_.url.path_prefix + "/v2/read?" + v2_read_query(stream_events(ctx_.config), ctx_.config.subscription_id),
        11};
    req.set(http::field::host, host_header());
    req.set(http::field::authorization, token);
    req.set(http::field::accept, "text/event-stream");
    req.set(http::field::cache_control, "no-cache");
    req.set(http::field::user_agent, "syslog-nozzle");

    error_code ec;
    beast::get_lowest_layer(stream).expires_after(ctx_.config.connect_timeout);
    co_await http::async_write(stream, req, asio::redirect_error(use_awaitable, ec));
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec) co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return connect_failed("RLP gateway request failed: " + ec.message());
    const unsigned status = parser.get().result_int();
    if (status == 404) {
      // The gateway answers every auth failure with 404 (docs/WIRE.md, "Errors and authorization").
      warn("RLP gateway refused the token (404)", "");
      co_return SessionEnd::AuthRefused;
    }
    if (status != 200) co_return connect_failed("RLP gateway answered HTTP " + std::to_string(status));
    session_up();
    // Heartbeats come after 15 s of silence; idle_timeout without a byte means a dead peer.
    // Checked from the tick timer, as on v1, rather than by a deadline re-armed per read.
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_never();
    tcp.socket().non_blocking(true, ec);  // for read_buffered(); asynchronous operations are unaffected
    if (ec) co_return connect_failed("cannot make the socket non-blocking: " + ec.message());
    bool idle = false;
    watch_idle([&tcp, &idle] {
      idle = true;
      tcp.close();
    });

    sse_.reset();
    closing_ = false;
    while (!parser.is_done()) {
      parser.get().body().data = chunk_.data();
      parser.get().body().size = chunk_.size();
      // read_some, not read: read would wait until the 64 KiB buffer is full, holding back the
      // batches that have arrived.
      if (drains_turn()) co_await asio::post(ioc_, use_awaitable);
      gather_before_read();
      if (stopping_) break;
      co_await http::async_read_some(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      if (ec) break;
      note_activity();
      // The gateway flushes each event: one TLS record, one chunk. An asynchronous read returns
      // one record, or one piece of a chunk, and a read that needs no socket I/O still completes
      // through the io_context (a post, an epoll_wait and a resume, about 1.4 per envelope at
      // 2,000/s). What is already here is read now, without the io_context: the socket is
      // non-blocking, so a read that would wait returns would_block instead.
      if (!parser.is_done()) ec = read_buffered(stream, buffer, parser);
      const std::size_t n = chunk_.size() - parser.get().body().size;
      gather_.on_read(std::chrono::steady_clock::now(), n);
      note_read(n);
      sse_.feed(std::string_view(chunk_.data(), n),
                [this](std::string_view name, std::string_view data) { on_event(name, data); });
      // As on v1: while more of the burst waits in the kernel, read it before handing over.
      if (closing_ || stopping_ || ec || !more_waiting(tcp)) {
        ctx_.handler->on_batch_end();
        batch_handed_over();
      }
      if (closing_) co_return SessionEnd::Closing;
      if (ec) break;
    }
    if (stopping_) co_return SessionEnd::Stopped;
    if (!ec) {
      log::info("RLP gateway ended the stream", {{"connection", std::to_string(ctx_.index)}});
      co_return SessionEnd::Ended;
    }
    warn("firehose stream broke",
         idle ? "no byte for " + std::to_string(ctx_.config.idle_timeout.count()) + " ms" : ec.message());
    co_return SessionEnd::Failed;
  }

  // Reads into the body buffer whatever can be read without waiting: bytes left in `buffer`,
  // TLS records already received, bytes in the socket. Stops when the body buffer is full, the
  // response is complete or a read would wait; returns any other error.
  template <class Stream, class Parser>
  static error_code read_buffered(Stream& stream, beast::flat_buffer& buffer, Parser& parser) {
    while (!parser.is_done() && parser.get().body().size > 0) {
      error_code ec;
      const std::size_t room = parser.get().body().size;
      const std::size_t buffered = buffer.size();
      http::read_some(stream, buffer, parser, ec);
      if (ec == http::error::need_buffer) return {};
      if (ec == asio::error::would_block || ec == asio::error::try_again) return {};
      if (ec) return ec;
      if (parser.get().body().size == room && buffer.size() == buffered) return {};  // no progress
    }
    return {};
  }

  void on_event(std::string_view name, std::string_view data) {
    if (name == "closing") {
      ctx_.counters->stream_closings.add();
      closing_ = true;
      return;
    }
    if (name != "message") return;  // heartbeat
    ingest_.v2_batch(data);
  }

  std::array<char, std::size_t{64} * 1024> chunk_{};
  SseParser sse_;
  // Decoding and everything up to the handler: the step v1 and v2 share.
  Ingest ingest_{ctx_.config, ctx_.index, *ctx_.counters, *ctx_.handler};
  bool closing_ = false;
};

std::unique_ptr<FirehoseConnection> make_v2_connection(ConnectionContext ctx) {
  return std::make_unique<V2Connection>(std::move(ctx));
}

}  // namespace nozzle
