// A TLS client connection over a TCP socket, for the drain writer. OpenSSL works on two memory
// BIOs and the channel moves ciphertext between them and the socket itself, so a large write
// is encrypted in one go and reaches the kernel as one socket write. (Asio's ssl::stream runs
// OpenSSL over a 17 KiB BIO pair: each record of at most 16 KiB became a send() and a
// completion of its own, with an epoll_wait in between.)
//
// Contract: everything runs on the socket's io thread. At most one handshake, one write, one
// read and one shutdown are outstanding at a time; a read may run alongside a write or a
// shutdown. Handlers never run inside the call that starts them. Closing or cancelling the
// socket ends the outstanding operations with operation_aborted. Error codes are Asio's: SSL
// errors in asio::error::get_ssl_category(), the peer's close_notify as asio::error::eof, a TCP
// close without close_notify as asio::ssl::error::stream_truncated. Outstanding operations
// keep the channel alive (it is always held by a shared_ptr).
#pragma once

#include <openssl/types.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string_view>

namespace nozzle::syslog {

class TlsChannel : public std::enable_shared_from_this<TlsChannel> {
 public:
  using Handler = std::function<void(const boost::system::error_code&)>;
  using ReadHandler = std::function<void(const boost::system::error_code&, std::size_t)>;

  // Plaintext encrypted per socket write. A drain's batch at a steady 50,000 frames/s is about
  // 50 KiB; a backlog batch (up to the queue's byte bound) goes out in writes of this size, so
  // that the write BIO and the ciphertext buffer stay this small (each keeps its capacity).
  static constexpr std::size_t kMaxPlaintextPerWrite = 256u << 10;

  // A client connection using `ctx` (trust, verification mode and client certificate come from
  // there; SNI and the peer name are set on native_handle() before the handshake). Null when
  // OpenSSL cannot allocate it.
  static std::shared_ptr<TlsChannel> create(boost::asio::io_context& ioc, SSL_CTX* ctx);
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  [[nodiscard]] boost::asio::ip::tcp::socket& socket() { return socket_; }
  [[nodiscard]] SSL* native_handle() { return ssl_; }

  // The client handshake, on the connected socket. Its last flight is written before the
  // handler runs.
  void async_handshake(Handler handler);
  // Encrypts `data` and writes it; `data` must stay valid until the handler runs, which is
  // when every byte has been handed to the kernel.
  void async_write(std::string_view data, Handler handler);
  // Reads application data; TLS 1.3 post-handshake messages (tickets, key updates) are
  // processed on the way. An alert from the peer ends the read with the alert's error.
  void async_read_some(boost::asio::mutable_buffer buffer, ReadHandler handler);
  // Sends close_notify and waits for the peer's, or for the peer closing the connection.
  void async_shutdown(Handler handler);

 private:
  // What runs once every byte of ciphertext so far is written.
  enum class AfterFlush { Nothing, HandshakeDone, HandshakeFailed, WriteChunk, ShutdownRead };

  TlsChannel(boost::asio::io_context& ioc, SSL* ssl);

  void handshake_step(bool initiating);
  void write_chunk(bool initiating);
  void read_step(bool initiating);
  void shutdown_step();
  void want_input();
  void on_input(const boost::system::error_code& ec, std::size_t n);
  void flush(AfterFlush then, bool initiating);
  void pump();
  void on_flushed(const boost::system::error_code& ec);
  void complete(Handler& handler, const boost::system::error_code& ec, bool initiating);
  void complete_read(const boost::system::error_code& ec, std::size_t n, bool initiating);
  [[nodiscard]] boost::system::error_code input_error() const;

  boost::asio::ip::tcp::socket socket_;
  SSL* ssl_;
  BIO* rbio_;  // ciphertext from the peer; owned by ssl_
  BIO* wbio_;  // ciphertext for the peer; owned by ssl_

  Handler handshake_handler_;
  Handler write_handler_;
  Handler shutdown_handler_;
  ReadHandler read_handler_;
  boost::asio::mutable_buffer read_buffer_;
  std::string_view write_rest_;  // of the write in flight, not yet given to SSL_write
  boost::system::error_code handshake_error_;
  bool shutdown_reading_ = false;  // our close_notify is out; waiting for the peer's
  AfterFlush after_flush_ = AfterFlush::Nothing;

  // Ciphertext being written to the socket, moved out of wbio_ so that SSL calls made while
  // the write is in flight (the read side's) cannot move it.
  std::unique_ptr<char[]> out_;
  std::size_t out_capacity_ = 0;
  bool sending_ = false;
  boost::system::error_code write_error_;  // sticky: nothing more can be written

  std::array<char, 8192> in_{};  // ciphertext read from the socket
  bool receiving_ = false;
  boost::system::error_code input_error_;  // sticky: EOF or a read error
};

}  // namespace nozzle::syslog
