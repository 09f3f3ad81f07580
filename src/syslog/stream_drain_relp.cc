// StreamDrain's RELP half (relp:// and relp-tls://): the session's frames written within the
// window, acknowledgements read and applied, and the wait for them bounded by write_timeout.
#include <boost/asio/write.hpp>

#include "core/log.h"
#include "syslog/stream_drain_connection.h"

namespace nozzle::syslog {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace stream_drain_detail;  // NOLINT(google-build-using-namespace): this drain's own constants

void StreamDrain::relp_write(std::string bytes) {
  relp_out_ = std::move(bytes);
  writing_ = true;
  start_write_deadline();
  auto on_written = [self = shared_from_this(), conn = conn_](const error_code& ec) {
    self->relp_on_written(conn, ec);
  };
  if (conn_->tls) {
    conn_->tls->async_write(relp_out_, std::move(on_written));
  } else {
    asio::async_write(conn_->plain, asio::buffer(relp_out_),
                      [on_written](const error_code& ec, std::size_t) { on_written(ec); });
  }
}

void StreamDrain::relp_write_next() {
  if (relp_closing_) return;
  if (!relp_open_sent_) {
    relp_open_sent_ = true;
    relp_write(relp_->start());
    return;
  }
  if (!relp_->is_open()) return;  // the open is not answered yet
  if (batch_.empty()) {
    spill(true);
    if (take_next(batch_) == 0) {
      if (stopping_) {
        relp_closing_ = true;
        relp_write(relp_->close_command());
      }
      return;
    }
    acked_frames_ = acked_bytes_ = sent_frames_ = sent_bytes_ = resend_until_ = 0;
  }
  std::string out;
  const std::size_t first = sent_frames_;
  while (sent_frames_ < batch_.frames() && out.size() < kRelpWriteBytes) {
    const std::uint32_t len = batch_.lengths[sent_frames_];
    if (!relp_->frame_syslog(std::string_view(batch_.bytes).substr(sent_bytes_, len), out)) break;
    sent_bytes_ += len;
    ++sent_frames_;
  }
  if (out.empty()) return;  // the window is full: acknowledgements call back here
  if (resend_until_ > first) counters_.resent.add(std::min(sent_frames_, resend_until_) - first);
  counters_.relp_in_flight.set(static_cast<std::int64_t>(relp_->in_flight()));
  relp_write(std::move(out));
}

void StreamDrain::relp_on_written(const ConnectionPtr& conn, const error_code& ec) {
  writing_ = false;
  if (ec) {
    if (deadline_passed_) {
      finish();
      return;
    }
    connection_lost(
        conn, conn->timed_out ? "write timed out after " + ms(config_.write_timeout) : "write failed: " + ec.message());
    return;
  }
  if (conn->failed) {
    connection_lost(conn, "");
    return;
  }
  if (relp_closing_) {
    // The server answers the close and then closes its side; wait for that, within bounds.
    ack_timer_.expires_after(kCloseNotifyTimeout);
    ack_timer_.async_wait([self = shared_from_this(), conn](const error_code& e) {
      if (!e) self->close_gracefully(conn);
    });
    return;
  }
  if (relp_->in_flight() > 0) relp_arm_ack_timer();
  write_next();
}

bool StreamDrain::relp_on_read(const ConnectionPtr& conn, std::string_view bytes) {
  if (conn != conn_ || conn->failed) return false;
  RelpSession::Progress progress;
  relp_->feed(bytes, progress);
  if (progress.acked > 0) relp_acked(progress.acked);
  if (!progress.error.empty()) {
    connection_lost(conn, progress.error);
    return false;
  }
  if (progress.closed) {
    if (relp_closing_) {
      ack_timer_.cancel();
      close_gracefully(conn);
    } else {
      connection_lost(conn, "the RELP server ended the session");
    }
    return false;
  }
  if (progress.opened || progress.acked > 0) write_next();
  return true;
}

void StreamDrain::relp_acked(std::size_t frames) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < frames; ++i) bytes += batch_.lengths[acked_frames_ + i];
  acked_frames_ += frames;
  acked_bytes_ += bytes;
  frames_sent(frames, bytes);
  counters_.relp_in_flight.set(static_cast<std::int64_t>(relp_->in_flight()));
  backoff_.reset();
  if (relp_->in_flight() > 0) {
    relp_arm_ack_timer();
  } else {
    ack_timer_.cancel();
  }
  if (acked_frames_ == batch_.frames()) {
    batch_finished(batch_);
    acked_frames_ = acked_bytes_ = sent_frames_ = sent_bytes_ = resend_until_ = 0;
  }
}

void StreamDrain::relp_arm_ack_timer() {
  ack_timer_.expires_after(config_.write_timeout);
  ack_timer_.async_wait([self = shared_from_this(), conn = conn_](const error_code& ec) {
    if (ec || conn != self->conn_ || conn->failed || self->relp_->in_flight() == 0) return;
    self->connection_lost(conn, "no RELP acknowledgement within " + ms(self->config_.write_timeout));
  });
}

}  // namespace nozzle::syslog
