// A connection's byte stream, plain TCP or TLS, behind one small interface so that the HTTP,
// firehose and RLP code is written once. Not thread-safe: every call and every completion
// handler runs on the connection's strand (executor()).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace cfsim {

namespace asio = boost::asio;
using Executor = asio::strand<asio::io_context::executor_type>;
using ErrorCode = boost::system::error_code;

class Transport {
 public:
  using Handler = std::function<void(ErrorCode, std::size_t)>;
  virtual ~Transport() = default;

  // Server-side TLS handshake (immediate success for plain TCP).
  virtual void async_handshake(std::function<void(ErrorCode)> done) = 0;
  virtual void async_read_some(asio::mutable_buffer buffer, Handler done) = 0;
  // Writes the whole buffer (which must stay valid until done runs).
  virtual void async_write(asio::const_buffer buffer, Handler done) = 0;
  // TLS close_notify (bounded by `deadline`), then the socket is closed; done always runs.
  virtual void async_shutdown(std::chrono::milliseconds deadline, std::function<void()> done) = 0;
  // Cancels everything and closes the socket at once.
  virtual void close() = 0;
  [[nodiscard]] virtual Executor executor() const = 0;
  [[nodiscard]] virtual std::string remote_address() const = 0;
};

// The socket must have been created on a strand of the io_context.
std::unique_ptr<Transport> make_plain_transport(asio::ip::tcp::socket socket, Executor strand);
std::unique_ptr<Transport> make_tls_transport(asio::ip::tcp::socket socket, Executor strand,
                                              asio::ssl::context& tls);

}  // namespace cfsim
