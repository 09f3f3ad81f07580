#include "stream_session.h"

#include <boost/asio/post.hpp>

namespace cfsim {
namespace {
// How long a closing connection may take to take its final bytes and answer the close. Long
// enough for a consumer that was cut off while stalled to resume reading and see the close.
constexpr std::chrono::seconds kCloseDeadline{10};
}  // namespace

StreamSession::StreamSession(std::unique_ptr<Transport> transport, Counters& counters,
                             std::shared_ptr<ConnectionCounters> conn, std::chrono::microseconds tick,
                             std::chrono::milliseconds stall_timeout)
    : conn_(std::move(conn)),
      transport_(std::move(transport)),
      counters_(counters),
      timer_(transport_->executor()),
      tick_(tick),
      stall_timeout_(stall_timeout) {}

void StreamSession::start(std::string head, std::string leftover) {
  started_ = Clock::now();
  out_ = std::move(head);
  writing_ = true;
  write_started_ = started_;
  transport_->async_write(asio::buffer(out_), [self = shared_from_this()](ErrorCode ec, std::size_t) {
    self->writing_ = false;
    if (self->done_) return;
    if (ec) return self->finish("client");
    self->pump();
  });
  if (!leftover.empty()) on_bytes(leftover, started_);
  read();
  tick();
}

void StreamSession::stop() {
  asio::post(transport_->executor(), [self = shared_from_this()] {
    if (!self->closing_ && !self->done_) self->begin_close("stopped", self->stop_bytes(), false);
  });
}

void StreamSession::begin_close(std::string_view reason, std::string final_bytes, bool wait_for_peer) {
  if (closing_ || done_) return;
  closing_ = true;
  close_reason_ = reason;
  final_ = std::move(final_bytes);
  wait_for_peer_ = wait_for_peer;
  close_started_ = Clock::now();
  if (!writing_ && !in_pump_) pump();
}

void StreamSession::peer_closed() {
  peer_closed_ = true;
  if (closing_ && final_written_) shutdown();
}

void StreamSession::pump() {
  if (writing_ || done_) return;
  out_.clear();
  out_.swap(control_);
  const auto now = Clock::now();
  if (closing_) {
    if (final_written_) {
      if (!wait_for_peer_ || peer_closed_) shutdown();
      return;
    }
    out_ += final_;
    final_written_ = true;
  } else {
    // fill() may begin a close (a fault); its final bytes then follow the data at once.
    in_pump_ = true;
    fill(out_, now);
    in_pump_ = false;
    if (closing_ && !final_written_) {
      out_ += final_;
      final_written_ = true;
    }
  }
  if (out_.empty()) return;  // idle: the tick calls pump() again
  writing_ = true;
  write_started_ = now;
  stalled_reported_ = false;
  transport_->async_write(asio::buffer(out_), [self = shared_from_this()](ErrorCode ec, std::size_t n) {
    self->writing_ = false;
    if (self->done_) return;
    if (ec) return self->finish(self->closing_ ? std::string_view(self->close_reason_) : "client");
    self->conn_->bytes.add(n);
    self->pump();
  });
}

void StreamSession::read() {
  transport_->async_read_some(asio::buffer(read_buffer_), [self = shared_from_this()](ErrorCode ec, std::size_t n) {
    if (self->done_) return;
    if (ec) {
      if (self->closing_) return self->finish(self->close_reason_);
      return self->finish("client");
    }
    self->on_bytes(std::string_view(self->read_buffer_, n), Clock::now());
    if (!self->done_ && !self->peer_closed_) self->read();
  });
}

void StreamSession::tick() {
  timer_.expires_after(tick_);
  timer_.async_wait([self = shared_from_this()](ErrorCode ec) {
    if (ec || self->done_) return;
    const auto now = Clock::now();
    if (self->closing_) {
      if (now - self->close_started_ > kCloseDeadline) return self->finish(self->close_reason_);
    } else {
      if (self->writing_ && !self->stalled_reported_ && now - self->write_started_ > self->stall_timeout_) {
        self->stalled_reported_ = true;
        self->on_write_stalled(now);
      }
      if (!self->closing_) self->on_tick(now);
    }
    if (!self->writing_) self->pump();
    if (!self->done_) self->tick();
  });
}

void StreamSession::shutdown() {
  if (done_) return;
  done_ = true;
  timer_.cancel();
  counters_.close_connection(*conn_, close_reason_.empty() ? "client" : close_reason_);
  transport_->async_shutdown(std::chrono::seconds(1), [self = shared_from_this()] {});
}

void StreamSession::finish(std::string_view reason) {
  if (done_) return;
  done_ = true;
  timer_.cancel();
  counters_.close_connection(*conn_, reason);
  transport_->close();
}

}  // namespace cfsim
