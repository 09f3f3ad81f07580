#include "syslog/stream_drain.h"

#include <openssl/ssl.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "core/log.h"
#include "syslog/tls_channel.h"
#include "syslog/stream_drain_connection.h"
#include "syslog/tls_context.h"

namespace nozzle::syslog {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace stream_drain_detail;  // NOLINT(google-build-using-namespace): this drain's own constants

StreamDrain::StreamDrain(asio::io_context& ioc, DrainConfig config)
    : DrainBase(std::move(config)),
      ioc_(ioc),
      resolver_(ioc),
      op_timer_(ioc),
      retry_timer_(ioc),
      stop_timer_(ioc),
      spool_timer_(ioc),
      ack_timer_(ioc),
      write_timer_(ioc),
      backoff_(config_.backoff_initial, config_.backoff_max, Backoff::system_random()),
      wake_fd_(ioc) {
  if (const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); fd >= 0) {
    error_code ec;
    wake_fd_.assign(fd, ec);
    if (ec) {
      ::close(fd);
    } else {
      wake_native_ = fd;
    }
  }
  if (uses_tls(config_.transport)) tls_ = make_tls_context(config_);
  if (is_relp(config_.transport)) relp_ = std::make_unique<RelpSession>(config_.relp_window);
}

StreamDrain::~StreamDrain() = default;

void StreamDrain::start() {
  if (wake_fd_.is_open()) wait_for_wake();
  connect();
  if (spooling()) spool_tick();
}

void StreamDrain::spool_tick() {
  if (finished_) return;
  spill(ready_);
  write_next();  // a spool left by an earlier run, or filled while down, waits for no producer
  spool_timer_.expires_after(kSpoolTick);
  spool_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->spool_tick();
  });
}

// A producer wakes the idle writer once per idle period (FrameQueue). asio::post() from
// another thread takes the io_context's mutex and interrupts its epoll_wait while holding it:
// the woken io thread then blocks on that mutex and is woken a second time (a futex wait and
// wake on both sides, per burst of envelopes at low rates). Writing to an eventfd the io thread
// watches wakes it once, and the reactor hands the read to the writer without that mutex.
//
// With --drain-thread shared the producer is the io thread itself: it writes at once, before
// it reads again (or sleeps for the read gather). No drain's handler is on the stack then: a
// drain never pushes to itself.
void StreamDrain::wake() {
  if (wake_inline_ && ioc_.get_executor().running_in_this_thread()) {
    write_next();
    return;
  }
  if (wake_native_ >= 0) {
    const std::uint64_t one = 1;
    if (::write(wake_native_, &one, sizeof one) == static_cast<ssize_t>(sizeof one)) return;
  }
  asio::post(ioc_, [self = shared_from_this()] { self->write_next(); });
}

void StreamDrain::wait_for_wake() {
  wake_fd_.async_read_some(asio::buffer(&wake_count_, sizeof wake_count_),
                           [self = shared_from_this()](const error_code& ec, std::size_t) {
                             if (ec || self->finished_) return;  // cancelled by finish()
                             self->write_next();
                             self->wait_for_wake();
                           });
}

void StreamDrain::request_spill() {
  asio::post(ioc_, [self = shared_from_this()] {
    self->spill_request_served();
    if (self->finished_) return;
    self->spill(self->ready_);
    self->write_next();
  });
}

void StreamDrain::connect() {
  if (finished_) return;
  resolver_.async_resolve(
      config_.host, std::to_string(config_.port),
      [self = shared_from_this()](const error_code& ec, const tcp::resolver::results_type& results) {
        self->on_resolved(ec, results);
      });
}

void StreamDrain::on_resolved(const error_code& ec, const tcp::resolver::results_type& results) {
  if (finished_) return;
  if (ec) {
    attempt_failed("cannot resolve " + config_.host + ": " + ec.message());
    return;
  }
  std::shared_ptr<TlsChannel> channel;
  if (tls_) {
    channel = TlsChannel::create(ioc_, tls_->native_handle());
    if (!channel) {
      attempt_failed("OpenSSL cannot create a TLS connection");
      return;
    }
  }
  conn_ = std::make_shared<Connection>(ioc_, std::move(channel));
  arm_deadline(config_.connect_timeout, conn_);
  asio::async_connect(conn_->lowest(), results,
                      [self = shared_from_this(), conn = conn_](const error_code& e, const tcp::endpoint&) {
                        self->on_connected(conn, e);
                      });
}

void StreamDrain::on_connected(const ConnectionPtr& conn, const error_code& ec) {
  if (finished_ || conn != conn_) return;
  if (ec) {
    op_timer_.cancel();
    attempt_failed(conn->timed_out ? "connect timed out after " + ms(config_.connect_timeout)
                                   : "cannot connect: " + ec.message());
    return;
  }
  error_code ignored;
  conn->lowest().set_option(tcp::no_delay(true), ignored);
  if (!conn->tls) {
    on_ready(conn);
    return;
  }
  if (!tls::configure_peer(conn->tls->native_handle(), expected_peer_name(config_), config_.skip_verify)) {
    op_timer_.cancel();
    attempt_failed("OpenSSL refused the peer name '" + expected_peer_name(config_) + "'");
    return;
  }
  arm_deadline(config_.connect_timeout, conn);
  conn->tls->async_handshake([self = shared_from_this(), conn](const error_code& e) { self->on_handshake(conn, e); });
}

void StreamDrain::on_handshake(const ConnectionPtr& conn, const error_code& ec) {
  if (finished_ || conn != conn_) return;
  if (ec) {
    op_timer_.cancel();
    bool verify_failed = false;
    std::string reason = conn->timed_out
                             ? "TLS handshake timed out after " + ms(config_.connect_timeout)
                             : tls::describe_handshake_failure(conn->tls->native_handle(), ec.message(),
                                                          verify_failed);
    if (verify_failed) {
      counters_.tls_verify_failures.add();
      reason += " (expected peer name '" + expected_peer_name(config_) + "')";
    }
    attempt_failed(reason);
    return;
  }
  on_ready(conn);
}

void StreamDrain::on_ready(const ConnectionPtr& conn) {
  op_timer_.cancel();
  ready_ = true;
  counters_.mark_up();
  if (ever_connected_) counters_.reconnects.add();
  ever_connected_ = true;
  log::info("drain connected", {{"drain", config_.name}});
  if (relp_) {
    // What was written and not acknowledged on the last connection goes out again.
    resend_until_ = std::max(resend_until_, sent_frames_);
    sent_frames_ = acked_frames_;
    sent_bytes_ = acked_bytes_;
    relp_open_sent_ = false;
    relp_closing_ = false;
  }
  read_watch(conn);
  if (conn->tls && !config_.cert_file.empty() && SSL_version(conn->tls->native_handle()) == TLS1_3_VERSION) {
    // Under TLS 1.3 the receiver checks our client certificate after the handshake has
    // completed on our side, and refuses it with an alert. Frames written before that alert
    // would be counted as sent and thrown away, so the first write waits for the alert's
    // window; the read watch turns an alert into a refused connection.
    awaiting_peer_verdict_ = true;
    retry_timer_.expires_after(config_.client_cert_verdict_window);
    retry_timer_.async_wait([self = shared_from_this(), conn](const error_code& ec) {
      if (ec || conn != self->conn_ || conn->failed) return;
      self->awaiting_peer_verdict_ = false;
      self->write_next();
    });
    return;
  }
  write_next();
}

void StreamDrain::read_watch(const ConnectionPtr& conn) {
  auto handler = [self = shared_from_this(), conn](const error_code& ec, std::size_t n) {
    if (!ec) {
      // A syslog receiver has nothing to say: what it sends is ignored. A RELP server answers.
      if (self->relp_ && !self->relp_on_read(conn, std::string_view(conn->read_buf.data(), n))) return;
      self->read_watch(conn);
      return;
    }
    // Closed by us: at shutdown, or by a deadline whose operation reports the cause itself.
    if (conn->closing || self->deadline_passed_ || conn->timed_out) return;
    const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    self->connection_lost(conn, closed ? "the drain closed the connection" : "read failed: " + ec.message());
  };
  if (conn->tls) {
    conn->tls->async_read_some(asio::buffer(conn->read_buf), std::move(handler));
  } else {
    conn->plain.async_read_some(asio::buffer(conn->read_buf), std::move(handler));
  }
}

void StreamDrain::write_next() {
  if (!ready_ || writing_ || finished_ || awaiting_peer_verdict_) return;
  if (relp_) {
    relp_write_next();
    return;
  }
  if (!batch_.empty()) {
    batch_resending(batch_);  // kept from a write that failed on an earlier connection
  } else {
    spill(true);
    if (take_next(batch_) == 0) {
      if (stopping_) close_gracefully(conn_);
      return;
    }
  }
  writing_ = true;
  start_write_deadline();
  if (conn_->tls) {
    // The whole batch is encrypted at once and goes out in one socket write (tls_channel.h).
    conn_->tls->async_write(batch_.bytes, [self = shared_from_this(), conn = conn_](const error_code& ec) {
      self->on_written(conn, ec);
    });
  } else {
    asio::async_write(conn_->plain, asio::buffer(batch_.bytes),
                      [self = shared_from_this(), conn = conn_](const error_code& ec, std::size_t) {
                        self->on_written(conn, ec);
                      });
  }
}

void StreamDrain::on_written(const ConnectionPtr& conn, const error_code& ec) {
  writing_ = false;
  if (!ec) {
    batch_delivered(batch_);
    if (conn->failed) {
      // The read watch saw the receiver go while this write was in flight; it left the
      // reconnect to us.
      connection_lost(conn, "");
      return;
    }
    backoff_.reset();
    write_next();
    return;
  }
  // The receiver may have got part of the batch; TCP cannot tell which part. At-most-once
  // counts the whole batch as dropped rather than sent twice; at-least-once, and a batch read
  // from the spool, keep it for the next connection.
  (void)batch_failed(batch_, deadline_passed_ ? DropReason::Shutdown : DropReason::WriteFailed);
  if (deadline_passed_) {
    finish();
    return;
  }
  connection_lost(conn, conn->timed_out ? "write timed out after " + ms(config_.write_timeout)
                                        : "write failed: " + ec.message());
}

void StreamDrain::attempt_failed(const std::string& reason) {
  counters_.connect_failures.add();
  counters_.set_last_error(reason);
  log::write_limited("drain-connect:" + config_.name, kLogInterval, log::Level::Warn,
                     "drain connection failed", {{"drain", config_.name}, {"reason", reason}});
  if (conn_) conn_->close();
  conn_.reset();
  schedule_reconnect();
}

void StreamDrain::connection_lost(const ConnectionPtr& conn, const std::string& reason) {
  if (conn != conn_) return;
  if (awaiting_peer_verdict_) {
    // Refused right after the handshake: the receiver did not accept our client certificate.
    awaiting_peer_verdict_ = false;
    counters_.connect_failures.add();
    counters_.tls_verify_failures.add();
    if (!conn->failed) {
      conn->failed = true;
      ready_ = false;
      counters_.mark_down();
      conn->close();
    }
    const std::string why = "the drain refused our client certificate (" + reason + ")";
    counters_.set_last_error(why);
    log::write_limited("drain-connect:" + config_.name, kLogInterval, log::Level::Warn, "drain connection failed",
                       {{"drain", config_.name}, {"reason", why}});
    conn_.reset();
    schedule_reconnect();
    return;
  }
  if (!conn->failed) {
    conn->failed = true;
    ready_ = false;
    counters_.mark_down();
    counters_.set_last_error(reason);
    queue_.set_writer_busy();
    conn->close();
    log::write_limited("drain-lost:" + config_.name, kLogInterval, log::Level::Warn,
                       "drain connection lost", {{"drain", config_.name}, {"reason", reason}});
  }
  if (writing_) return;  // on_written accounts for the batch, then calls back here
  conn_.reset();
  schedule_reconnect();
}

void StreamDrain::schedule_reconnect() {
  if (finished_) return;
  if (stopping_ && queue_.frames() == 0 && batch_.empty()) {
    finish();  // lost while flushing for shutdown, and nothing is left to send
    return;
  }
  auto delay = backoff_.next();
  // While flushing for shutdown, a receiver that comes back must not find us asleep.
  if (stopping_) delay = std::min<std::chrono::milliseconds>(delay, std::chrono::milliseconds(250));
  // While frames wait, the queue fills: at 20,000 frames/s its 64 MiB last about 3.7 s, so a
  // receiver back after a 3 s restart must not wait for a 2-4 s backoff step (the soak lost
  // 43,000-55,000 frames that way). An idle drain backs off as configured.
  if (queue_.frames() > 0 || !batch_.empty() || counters_.spool_frames.get() > 0) {
    delay = std::min<std::chrono::milliseconds>(delay, kBusyRetryMax);
  }
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([self = shared_from_this()](const error_code&) {
    // Cancelled by stop(): try at once, since a flush is wanted.
    if (!self->finished_ && !self->conn_) self->connect();
  });
}

void StreamDrain::stop(std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  done_ = std::move(done);
  if (finished_) {
    finish();
    return;
  }
  stopping_ = true;
  queue_.close();
  stop_timer_.expires_at(deadline);
  stop_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->deadline_passed();
  });
  if (ready_) {
    write_next();  // flushes, and closes once the queue is empty
  } else if (queue_.frames() == 0 && batch_.empty()) {
    // Down with nothing in memory to send: no reason to connect, or to wait for a connection
    // attempt, until the deadline. A spool keeps what it holds for the next start.
    finish();
  } else if (!conn_) {
    retry_timer_.cancel();  // between attempts: try once more now, without waiting
  }
}

void StreamDrain::close_gracefully(const ConnectionPtr& conn) {
  if (!conn || conn->closing) return;
  conn->closing = true;
  ready_ = false;
  counters_.mark_down();
  if (!conn->tls) {
    error_code ignored;
    conn->plain.shutdown(tcp::socket::shutdown_send, ignored);
    conn->close();
    finish();
    return;
  }
  // Cancel the read watch, then send close_notify. Receivers often close without answering
  // it; the timer bounds the wait.
  error_code ignored;
  conn->lowest().cancel(ignored);
  arm_deadline(kCloseNotifyTimeout, conn);
  conn->tls->async_shutdown([self = shared_from_this(), conn](const error_code&) {
    self->op_timer_.cancel();
    conn->close();
    self->finish();
  });
}

void StreamDrain::deadline_passed() {
  if (finished_) return;
  deadline_passed_ = true;
  if (conn_) conn_->close();
  if (writing_) return;  // on_written counts the batch as dropped, then finishes
  finish();
}

void StreamDrain::finish() {
  if (!finished_) {
    finished_ = true;
    // A kept batch and the queue go to the spool when there is one, else count as dropped.
    const std::size_t delivered = batch_.empty() ? 0 : acked_frames_;
    if (delivered > 0) {
      // Only what was not acknowledged is left to keep.
      batch_.bytes.erase(0, acked_bytes_);
      batch_.lengths.erase(batch_.lengths.begin(), batch_.lengths.begin() + static_cast<std::ptrdiff_t>(delivered));
    }
    acked_frames_ = acked_bytes_ = sent_frames_ = sent_bytes_ = resend_until_ = 0;
    counters_.relp_in_flight.set(0);
    spill_for_shutdown(batch_, delivered);
    ack_timer_.cancel();
    op_timer_.cancel();
    write_timer_.cancel();
    if (wake_fd_.is_open()) {
      error_code ignored;
      wake_fd_.cancel(ignored);  // a producer's later wake() adds to the eventfd, read by nobody
    }
    spool_timer_.cancel();
    retry_timer_.cancel();
    stop_timer_.cancel();
    resolver_.cancel();
    if (conn_) conn_->close();
    conn_.reset();
    ready_ = false;
    counters_.mark_down();
    log::info("drain closed", {{"drain", config_.name}});
  }
  if (done_) {
    auto done = std::move(done_);
    done_ = nullptr;
    done();
  }
}

void StreamDrain::arm_deadline(std::chrono::milliseconds timeout, const ConnectionPtr& conn) {
  conn->timed_out = false;
  op_timer_.expires_after(timeout);
  op_timer_.async_wait([conn](const error_code& ec) {
    if (ec) return;  // cancelled: the operation finished in time
    conn->timed_out = true;
    conn->close();
  });
}

// A write's deadline without a timer operation per write: arming a timer and cancelling it
// again cost two timerfd_settime calls and a completion per write, once per burst of envelopes
// at low rates. The write notes when it started; one timer watches, armed only when no watch
// is pending, and on expiry closes the connection when the write in flight is as old as
// write_timeout, else waits again for the rest of that write's time. A busy drain re-arms it
// about once per write_timeout, not once per write. A write never waits longer than with a
// timer of its own: the watch is due no later than the write's own deadline.
void StreamDrain::start_write_deadline() {
  write_started_ = std::chrono::steady_clock::now();
  conn_->timed_out = false;
  if (write_watched_) return;
  write_watched_ = true;
  write_timer_.expires_at(write_started_ + config_.write_timeout);
  watch_write();
}

void StreamDrain::watch_write() {
  write_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec) {
      self->write_watched_ = false;  // cancelled by finish()
      return;
    }
    if (!self->writing_ || !self->conn_ || self->finished_) {
      self->write_watched_ = false;  // the next write arms it again
      return;
    }
    const auto due = self->write_started_ + self->config_.write_timeout;
    if (std::chrono::steady_clock::now() < due) {
      self->write_timer_.expires_at(due);  // a later write: wait for the rest of its time
      self->watch_write();
      return;
    }
    self->write_watched_ = false;
    self->conn_->timed_out = true;
    self->conn_->close();
  });
}

}  // namespace nozzle::syslog
