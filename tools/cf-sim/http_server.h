// cf-sim's one listener: accepts connections (TLS or plain), reads HTTP/1.1 requests with
// keep-alive, and hands each to a RequestHandler. A handler either answers (after an optional
// delay) or takes the connection over (the firehose websocket, the RLP event stream).
//
// Threads: the io_context runs on the simulator's threads; each connection lives on its own
// strand. Every read has a deadline (idle 60 s, handshake 10 s).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <string>

#include "http_types.h"
#include "transport.h"

namespace cfsim {

struct Route {
  HttpResponse response;
  // When set, the connection is handed over: the transport, and any bytes read past the request.
  std::function<void(std::unique_ptr<Transport>, std::string leftover)> take_over;
};
using RequestHandler = std::function<Route(const HttpRequest&)>;

class HttpServer {
 public:
  // tls == nullptr: plain HTTP.
  HttpServer(asio::io_context& io, asio::ssl::context* tls, RequestHandler handler);
  // Binds and starts accepting; returns the bound port. Throws on bind errors.
  unsigned short listen(const std::string& address, unsigned short port);
  // Stops accepting (connections end with the io_context).
  void stop();

 private:
  void accept();

  asio::io_context& io_;
  asio::ssl::context* tls_;
  RequestHandler handler_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace cfsim
