// A UDP drain (RFC 5426): one datagram per message, sent from the pool's io thread on a
// connected socket. UDP gives no delivery report; what the kernel refuses (for example an
// ICMP port-unreachable reported on the next send) is counted as write_failed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "core/backoff.h"
#include "syslog/drain_base.h"

namespace nozzle::syslog {

class UdpDrain final : public DrainBase, public std::enable_shared_from_this<UdpDrain> {
 public:
  UdpDrain(boost::asio::io_context& ioc, DrainConfig config);

  void start() override;
  void stop(std::chrono::steady_clock::time_point deadline, std::function<void()> done) override;

 private:
  void wake() override;
  void open();
  void write_next();
  void send_from(std::size_t frame, std::size_t offset);
  void finish();

  boost::asio::io_context& ioc_;
  boost::asio::ip::udp::resolver resolver_;
  boost::asio::ip::udp::socket socket_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer stop_timer_;
  Backoff backoff_;
  FrameBatch batch_;
  std::size_t next_frame_ = 0;  // first frame of batch_ not yet sent or counted
  bool open_ = false;
  bool sending_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  std::function<void()> done_;
};

}  // namespace nozzle::syslog
