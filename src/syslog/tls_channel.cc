#include "syslog/tls_channel.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <utility>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

namespace nozzle::syslog {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// The error of a failed SSL call, as Asio's SSL engine reports it (same category, same text).
error_code ssl_error(int ssl_get_error) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code != 0) return {static_cast<int>(code), asio::error::get_ssl_category()};
  if (ssl_get_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  return asio::ssl::error::unspecified_system_error;
}

}  // namespace

std::shared_ptr<TlsChannel> TlsChannel::create(asio::io_context& ioc, SSL_CTX* ctx) {
  SSL* ssl = SSL_new(ctx);
  if (ssl == nullptr) return nullptr;
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  if (rbio == nullptr || wbio == nullptr) {
    BIO_free(rbio);
    BIO_free(wbio);
    SSL_free(ssl);
    return nullptr;
  }
  // An empty read BIO means "wait for the socket" (SSL_ERROR_WANT_READ), never EOF.
  BIO_set_mem_eof_return(rbio, -1);
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_connect_state(ssl);
  return std::shared_ptr<TlsChannel>(new TlsChannel(ioc, ssl));
}

TlsChannel::TlsChannel(asio::io_context& ioc, SSL* ssl)
    : socket_(ioc), ssl_(ssl), rbio_(SSL_get_rbio(ssl)), wbio_(SSL_get_wbio(ssl)) {}

TlsChannel::~TlsChannel() { SSL_free(ssl_); }

// --- handshake

void TlsChannel::async_handshake(Handler handler) {
  handshake_handler_ = std::move(handler);
  handshake_step(true);
}

void TlsChannel::handshake_step(bool initiating) {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    flush(AfterFlush::HandshakeDone, initiating);
    return;
  }
  const int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ) {
    pump();  // our flight, if this step made one
    if (write_error_ || input_error_) {
      complete(handshake_handler_, write_error_ ? write_error_ : input_error(), initiating);
      return;
    }
    want_input();
    return;
  }
  // Like Asio, send the alert that tells the peer why before reporting the failure.
  handshake_error_ = ssl_error(err);
  flush(AfterFlush::HandshakeFailed, initiating);
}

// --- write

void TlsChannel::async_write(std::string_view data, Handler handler) {
  write_handler_ = std::move(handler);
  write_rest_ = data;
  write_chunk(true);
}

void TlsChannel::write_chunk(bool initiating) {
  const std::string_view chunk = write_rest_.substr(0, kMaxPlaintextPerWrite);
  write_rest_.remove_prefix(chunk.size());
  ERR_clear_error();
  std::size_t written = 0;
  // A memory BIO takes any amount: SSL_write encrypts the whole chunk, record by record.
  if (!chunk.empty() && SSL_write_ex(ssl_, chunk.data(), chunk.size(), &written) != 1) {
    write_rest_ = {};
    complete(write_handler_, ssl_error(SSL_get_error(ssl_, 0)), initiating);
    return;
  }
  flush(AfterFlush::WriteChunk, initiating);
}

// --- read

void TlsChannel::async_read_some(asio::mutable_buffer buffer, ReadHandler handler) {
  read_buffer_ = buffer;
  read_handler_ = std::move(handler);
  read_step(true);
}

void TlsChannel::read_step(bool initiating) {
  ERR_clear_error();
  std::size_t n = 0;
  const int r = SSL_read_ex(ssl_, read_buffer_.data(), read_buffer_.size(), &n);
  const int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_, r);
  const error_code ec = err == SSL_ERROR_NONE || err == SSL_ERROR_WANT_READ ? error_code() : ssl_error(err);
  pump();  // what reading made us say, e.g. the answer to a key update
  if (err == SSL_ERROR_NONE) {
    complete_read({}, n, initiating);
  } else if (err == SSL_ERROR_WANT_READ) {
    if (input_error_) {
      complete_read(input_error(), 0, initiating);
    } else {
      want_input();
    }
  } else {
    complete_read(err == SSL_ERROR_ZERO_RETURN ? error_code(asio::error::eof) : ec, 0, initiating);
  }
}

// --- shutdown

void TlsChannel::async_shutdown(Handler handler) {
  shutdown_handler_ = std::move(handler);
  ERR_clear_error();
  const int r = SSL_shutdown(ssl_);  // queues our close_notify
  if (r < 0) {
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      complete(shutdown_handler_, ssl_error(err), true);
      return;
    }
  }
  flush(AfterFlush::ShutdownRead, true);
}

void TlsChannel::shutdown_step() {
  std::array<char, 1024> discard;  // a receiver has nothing to say
  for (;;) {
    if ((SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0) break;
    ERR_clear_error();
    std::size_t n = 0;
    const int r = SSL_read_ex(ssl_, discard.data(), discard.size(), &n);
    if (r == 1) continue;
    const int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_ZERO_RETURN) break;
    if (err == SSL_ERROR_WANT_READ && !input_error_) {
      want_input();
      return;
    }
    shutdown_reading_ = false;
    complete(shutdown_handler_, err == SSL_ERROR_WANT_READ ? input_error() : ssl_error(err), false);
    return;
  }
  shutdown_reading_ = false;
  complete(shutdown_handler_, {}, false);
}

// --- ciphertext from the socket

void TlsChannel::want_input() {
  if (receiving_) return;  // one read at a time; its completion serves every reader
  receiving_ = true;
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](const error_code& ec, std::size_t n) {
    self->on_input(ec, n);
  });
}

void TlsChannel::on_input(const error_code& ec, std::size_t n) {
  receiving_ = false;
  const bool aborted = ec == asio::error::operation_aborted;
  if (!ec) {
    BIO_write(rbio_, in_.data(), static_cast<int>(n));
  } else if (!aborted) {
    input_error_ = ec;
  }
  if (handshake_handler_) {
    if (aborted) {
      complete(handshake_handler_, ec, false);
    } else {
      handshake_step(false);
    }
    return;
  }
  if (read_handler_) {
    if (aborted) {
      complete_read(ec, 0, false);
    } else {
      read_step(false);
    }
  }
  if (shutdown_reading_) {
    // A cancel() that ended the read started before the shutdown is not the shutdown's end;
    // a closed socket (the caller's deadline) is.
    if (!aborted) {
      shutdown_step();
    } else if (socket_.is_open()) {
      want_input();
    } else {
      shutdown_reading_ = false;
      complete(shutdown_handler_, ec, false);
    }
  }
}

error_code TlsChannel::input_error() const {
  if (input_error_ != asio::error::eof) return input_error_;
  return (SSL_get_shutdown(ssl_) & SSL_RECEIVED_SHUTDOWN) != 0 ? error_code(asio::error::eof)
                                                                 : error_code(asio::ssl::error::stream_truncated);
}

// --- ciphertext to the socket

void TlsChannel::flush(AfterFlush then, bool initiating) {
  after_flush_ = then;
  if (sending_) return;  // pump() comes back here when the write in flight is done
  if (write_error_ || BIO_ctrl_pending(wbio_) == 0) {
    if (initiating) {
      // Checked again when it runs: a read may have made output in between.
      asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (self->after_flush_ != AfterFlush::Nothing) self->flush(self->after_flush_, false);
      });
    } else {
      on_flushed(write_error_);
    }
    return;
  }
  pump();
}

void TlsChannel::pump() {
  if (sending_ || write_error_) return;
  const std::size_t pending = BIO_ctrl_pending(wbio_);
  if (pending == 0) {
    if (after_flush_ != AfterFlush::Nothing) on_flushed({});
    return;
  }
  if (pending > out_capacity_) {
    out_ = std::make_unique_for_overwrite<char[]>(pending);
    out_capacity_ = pending;
  }
  const int got = BIO_read(wbio_, out_.get(), static_cast<int>(pending));
  sending_ = true;
  asio::async_write(socket_, asio::buffer(out_.get(), static_cast<std::size_t>(std::max(got, 0))),
                    [self = shared_from_this()](const error_code& ec, std::size_t) {
                      self->sending_ = false;
                      if (ec) {
                        self->write_error_ = ec;
                        if (self->after_flush_ != AfterFlush::Nothing) self->on_flushed(ec);
                        return;
                      }
                      self->pump();
                    });
}

void TlsChannel::on_flushed(const error_code& ec) {
  const AfterFlush then = std::exchange(after_flush_, AfterFlush::Nothing);
  switch (then) {
    case AfterFlush::Nothing:
      break;
    case AfterFlush::HandshakeDone:
      complete(handshake_handler_, ec, false);
      break;
    case AfterFlush::HandshakeFailed:
      complete(handshake_handler_, handshake_error_, false);
      break;
    case AfterFlush::WriteChunk:
      if (ec || write_rest_.empty()) {
        write_rest_ = {};
        complete(write_handler_, ec, false);
      } else {
        write_chunk(false);
      }
      break;
    case AfterFlush::ShutdownRead:
      if (ec) {
        complete(shutdown_handler_, ec, false);
      } else {
        shutdown_reading_ = true;
        shutdown_step();
      }
      break;
  }
}

// --- handlers

void TlsChannel::complete(Handler& handler, const error_code& ec, bool initiating) {
  Handler h = std::move(handler);
  handler = nullptr;
  if (initiating) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), h = std::move(h), ec] { h(ec); });
  } else {
    h(ec);
  }
}

void TlsChannel::complete_read(const error_code& ec, std::size_t n, bool initiating) {
  ReadHandler h = std::move(read_handler_);
  read_handler_ = nullptr;
  if (initiating) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), h = std::move(h), ec, n] { h(ec, n); });
  } else {
    h(ec, n);
  }
}

}  // namespace nozzle::syslog
