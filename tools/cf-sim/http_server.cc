// The only translation unit that includes Beast: its HTTP request parser.
#include "http_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>

#include "core/log.h"

namespace cfsim {
namespace {

namespace http = boost::beast::http;
using asio::ip::tcp;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::unique_ptr<Transport> t, const RequestHandler& handler)
      : transport_(std::move(t)), handler_(handler), timer_(transport_->executor()) {}

  void start() {
    arm(std::chrono::seconds(10));
    transport_->async_handshake([self = shared_from_this()](ErrorCode ec) {
      if (ec) return self->transport_->close();
      self->next_request();
    });
  }

 private:
  void arm(std::chrono::seconds d) {
    timer_.expires_after(d);
    timer_.async_wait([weak = weak_from_this()](ErrorCode ec) {
      if (ec) return;
      if (auto self = weak.lock(); self && !self->handed_over_) self->transport_->close();
    });
  }

  void next_request() {
    parser_.emplace();
    parser_->body_limit(1 << 20);
    parser_->header_limit(64 * 1024);
    arm(std::chrono::seconds(60));
    consume();
  }

  // Feeds buffered bytes to the parser; reads more when it needs them.
  void consume() {
    while (buffer_.size() > 0 && !parser_->is_done()) {
      boost::beast::error_code ec;
      const auto n = parser_->put(buffer_.data(), ec);
      buffer_.consume(n);
      if (ec == http::error::need_more) break;
      if (ec) {
        HttpResponse r = HttpResponse::text(400, "bad request\n");
        return respond(r, false);
      }
    }
    if (parser_->is_done()) return dispatch();
    auto space = buffer_.prepare(16 * 1024);
    transport_->async_read_some(space, [self = shared_from_this()](ErrorCode ec, std::size_t n) {
      if (ec) return self->transport_->close();
      self->buffer_.commit(n);
      self->consume();
    });
  }

  void dispatch() {
    auto msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string().data(), msg.method_string().size());
    const std::string_view target(msg.target().data(), msg.target().size());
    const auto q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) req.query = std::string(target.substr(q + 1));
    for (const auto& f : msg) {
      std::string name(f.name_string().data(), f.name_string().size());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      req.headers.emplace_back(std::move(name), std::string(f.value().data(), f.value().size()));
    }
    req.body = std::move(msg.body());
    const bool keep_alive = msg.keep_alive();
    Route route = handler_(req);
    if (route.take_over) {
      handed_over_ = true;
      timer_.cancel();
      std::string leftover(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      route.take_over(std::move(transport_), std::move(leftover));
      return;
    }
    if (route.response.delay.count() > 0) {
      timer_.expires_after(route.response.delay);
      timer_.async_wait([self = shared_from_this(), r = std::move(route.response), keep_alive](ErrorCode ec) {
        if (ec) return self->transport_->close();
        self->respond(r, keep_alive);
      });
      return;
    }
    respond(route.response, keep_alive);
  }

  void respond(const HttpResponse& r, bool keep_alive) {
    out_ = render_response(r, keep_alive);
    arm(std::chrono::seconds(30));
    transport_->async_write(asio::buffer(out_), [self = shared_from_this(), keep_alive](ErrorCode ec, std::size_t) {
      if (ec || !keep_alive) {
        return self->transport_->async_shutdown(std::chrono::seconds(1), [self] {});
      }
      self->next_request();
    });
  }

  std::unique_ptr<Transport> transport_;
  const RequestHandler& handler_;
  asio::steady_timer timer_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;
  bool handed_over_ = false;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, asio::ssl::context* tls, RequestHandler handler)
    : io_(io), tls_(tls), handler_(std::move(handler)), acceptor_(io) {}

unsigned short HttpServer::listen(const std::string& address, unsigned short port) {
  const tcp::endpoint ep(asio::ip::make_address(address), port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  accept();
  return acceptor_.local_endpoint().port();
}

void HttpServer::stop() {
  asio::post(io_, [this] {
    ErrorCode ec;
    acceptor_.close(ec);
  });
}

void HttpServer::accept() {
  auto strand = asio::make_strand(io_);
  acceptor_.async_accept(strand, [this, strand](ErrorCode ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      ErrorCode ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto t = tls_ != nullptr ? make_tls_transport(std::move(socket), strand, *tls_)
                               : make_plain_transport(std::move(socket), strand);
      std::make_shared<Connection>(std::move(t), handler_)->start();
    } else {
      nozzle::log::write_limited("cf-sim-accept", std::chrono::seconds(5), nozzle::log::Level::Warn,
                                 "accept failed", {{"error", ec.message()}});
    }
    accept();
  });
}

}  // namespace cfsim
