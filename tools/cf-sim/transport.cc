#include "transport.h"

#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace cfsim {
namespace {

using asio::ip::tcp;

std::string remote_of(const tcp::socket& s) {
  ErrorCode ec;
  const auto ep = s.remote_endpoint(ec);
  if (ec) return {};
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

class PlainTransport final : public Transport {
 public:
  PlainTransport(tcp::socket socket, Executor strand) : socket_(std::move(socket)), strand_(strand) {}
  void async_handshake(std::function<void(ErrorCode)> done) override {
    asio::post(strand_, [done = std::move(done)] { done({}); });
  }
  void async_read_some(asio::mutable_buffer b, Handler done) override { socket_.async_read_some(b, std::move(done)); }
  void async_write(asio::const_buffer b, Handler done) override { asio::async_write(socket_, b, std::move(done)); }
  void async_shutdown(std::chrono::milliseconds, std::function<void()> done) override {
    ErrorCode ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    asio::post(strand_, std::move(done));
  }
  void close() override {
    ErrorCode ec;
    socket_.close(ec);
  }
  [[nodiscard]] Executor executor() const override { return strand_; }
  [[nodiscard]] std::string remote_address() const override { return remote_of(socket_); }

 private:
  tcp::socket socket_;
  Executor strand_;
};

class TlsTransport final : public Transport {
 public:
  TlsTransport(tcp::socket socket, Executor strand, asio::ssl::context& tls)
      : stream_(std::move(socket), tls), strand_(strand), timer_(strand) {}
  void async_handshake(std::function<void(ErrorCode)> done) override {
    stream_.async_handshake(asio::ssl::stream_base::server, std::move(done));
  }
  void async_read_some(asio::mutable_buffer b, Handler done) override { stream_.async_read_some(b, std::move(done)); }
  void async_write(asio::const_buffer b, Handler done) override { asio::async_write(stream_, b, std::move(done)); }
  void async_shutdown(std::chrono::milliseconds deadline, std::function<void()> done) override {
    auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
    timer_.expires_after(deadline);
    timer_.async_wait([this](ErrorCode ec) {
      if (!ec) close();
    });
    stream_.async_shutdown([this, shared_done](ErrorCode) {
      timer_.cancel();
      close();
      if (*shared_done) (*shared_done)();
      *shared_done = nullptr;
    });
  }
  void close() override {
    ErrorCode ec;
    stream_.lowest_layer().close(ec);
  }
  [[nodiscard]] Executor executor() const override { return strand_; }
  [[nodiscard]] std::string remote_address() const override { return remote_of(stream_.next_layer()); }

 private:
  asio::ssl::stream<tcp::socket> stream_;
  Executor strand_;
  asio::steady_timer timer_;
};

}  // namespace

std::unique_ptr<Transport> make_plain_transport(tcp::socket socket, Executor strand) {
  return std::make_unique<PlainTransport>(std::move(socket), strand);
}

std::unique_ptr<Transport> make_tls_transport(tcp::socket socket, Executor strand, asio::ssl::context& tls) {
  return std::make_unique<TlsTransport>(std::move(socket), strand, tls);
}

}  // namespace cfsim
