#include "syslog/udp_drain.h"

#include <boost/asio/post.hpp>

#include "core/log.h"

namespace nozzle::syslog {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

UdpDrain::UdpDrain(asio::io_context& ioc, DrainConfig config)
    : DrainBase(std::move(config)),
      ioc_(ioc),
      resolver_(ioc),
      socket_(ioc),
      retry_timer_(ioc),
      stop_timer_(ioc),
      backoff_(config_.backoff_initial, config_.backoff_max, Backoff::system_random()) {}

void UdpDrain::start() { open(); }

void UdpDrain::wake() {
  if (wake_inline_ && ioc_.get_executor().running_in_this_thread()) {  // as StreamDrain::wake()
    write_next();
    return;
  }
  asio::post(ioc_, [self = shared_from_this()] { self->write_next(); });
}

void UdpDrain::open() {
  if (finished_) return;
  resolver_.async_resolve(
      config_.host, std::to_string(config_.port),
      [self = shared_from_this()](const error_code& ec, const udp::resolver::results_type& results) {
        if (self->finished_) return;
        error_code e = ec;
        if (!e && results.empty()) e = asio::error::host_not_found;
        if (!e) {
          const udp::endpoint endpoint = results.begin()->endpoint();
          self->socket_.open(endpoint.protocol(), e);
          if (!e) self->socket_.connect(endpoint, e);
          if (!e) self->socket_.non_blocking(true, e);
        }
        if (e) {
          self->counters_.connect_failures.add();
          self->counters_.set_last_error("cannot open UDP socket to " + self->config_.host + ": " + e.message());
          log::write_limited("drain-connect:" + self->config_.name, std::chrono::seconds(10), log::Level::Warn,
                             "drain connection failed",
                             {{"drain", self->config_.name}, {"reason", e.message()}});
          error_code ignored;
          self->socket_.close(ignored);
          if (self->stopping_) {
            self->finish();
            return;
          }
          self->retry_timer_.expires_after(self->backoff_.next());
          self->retry_timer_.async_wait([self](const error_code&) { self->open(); });
          return;
        }
        self->open_ = true;
        self->counters_.mark_up();
        self->write_next();
      });
}

void UdpDrain::write_next() {
  if (!open_ || sending_ || finished_) return;
  if (queue_.take(batch_) == 0) {
    if (stopping_) finish();
    return;
  }
  sending_ = true;
  next_frame_ = 0;
  send_from(0, 0);
}

// Sends the batch's frames from index `frame` (whose bytes start at `offset`). A full socket
// buffer waits for writability instead of dropping.
void UdpDrain::send_from(std::size_t frame, std::size_t offset) {
  for (; frame < batch_.frames(); offset += batch_.lengths[frame], ++frame) {
    const std::uint32_t len = batch_.lengths[frame];
    error_code ec;
    socket_.send(asio::buffer(batch_.bytes.data() + offset, len), 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      next_frame_ = frame;
      socket_.async_wait(udp::socket::wait_write, [self = shared_from_this(), frame, offset](const error_code& e) {
        if (e || self->finished_) {
          self->sending_ = false;
          return;
        }
        self->send_from(frame, offset);
      });
      return;
    }
    if (ec) {
      frame_dropped(len, DropReason::WriteFailed);
      counters_.set_last_error("send failed: " + ec.message());
      log::write_limited("drain-send:" + config_.name, std::chrono::seconds(10), log::Level::Warn,
                         "drain send failed", {{"drain", config_.name}, {"reason", ec.message()}});
    } else {
      counters_.sent_frames.add();
      counters_.sent_bytes.add(len);
      counters_.queued_frames.add(-1);
      counters_.queued_bytes.add(-static_cast<std::int64_t>(len));
    }
  }
  batch_.clear();
  sending_ = false;
  write_next();
}

void UdpDrain::stop(std::chrono::steady_clock::time_point deadline, std::function<void()> done) {
  done_ = std::move(done);
  stopping_ = true;
  queue_.close();
  // Sends never wait on the receiver, but opening the socket may still be under way (a resolve
  // in flight, or a retry after a failed one): the deadline bounds that.
  stop_timer_.expires_at(deadline);
  stop_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->finish();
  });
  if (open_) {
    if (!sending_) write_next();
  } else {
    retry_timer_.cancel();  // between attempts: try again at once; a resolve in flight goes on
  }
}

void UdpDrain::finish() {
  if (!finished_) {
    finished_ = true;
    // Frames of a batch interrupted while waiting for socket space.
    for (std::size_t i = next_frame_; i < batch_.frames(); ++i) {
      frame_dropped(batch_.lengths[i], DropReason::Shutdown);
    }
    batch_.clear();
    drop_queued(DropReason::Shutdown);
    retry_timer_.cancel();
    stop_timer_.cancel();
    resolver_.cancel();
    error_code ignored;
    socket_.close(ignored);
    open_ = false;
    counters_.mark_down();
  }
  if (done_) {
    auto done = std::move(done_);
    done_ = nullptr;
    done();
  }
}

}  // namespace nozzle::syslog
