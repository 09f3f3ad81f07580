// What the two halves of StreamDrain (stream_drain.cc: connection and TCP/TLS writes;
// stream_drain_relp.cc: RELP's windowed writes and acknowledgements) share: the connection and
// the timing constants. Private to those two files.
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "syslog/stream_drain.h"
#include "syslog/tls_channel.h"

namespace nozzle::syslog {

namespace stream_drain_detail {
// How long a close_notify exchange may take at shutdown, within the shutdown deadline.
inline constexpr std::chrono::milliseconds kCloseNotifyTimeout{2000};
inline constexpr std::chrono::milliseconds kLogInterval{10000};
// The longest wait between connection attempts while frames are queued.
inline constexpr std::chrono::milliseconds kBusyRetryMax{500};
// RELP: how many bytes of frames one write carries at most (the window bounds it too).
inline constexpr std::size_t kRelpWriteBytes = 256u << 10;

inline std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }
}  // namespace stream_drain_detail

struct StreamDrain::Connection {
  Connection(boost::asio::io_context& ioc, std::shared_ptr<TlsChannel> channel) : tls(std::move(channel)), plain(ioc) {}
  boost::asio::ip::tcp::socket& lowest() { return tls ? tls->socket() : plain; }
  void close() {
    boost::system::error_code ignored;
    lowest().close(ignored);
  }

  std::shared_ptr<TlsChannel> tls;     // null for plain TCP
  boost::asio::ip::tcp::socket plain;  // used when there is no TLS
  std::array<char, 512> read_buf{};
  bool failed = false;
  bool closing = false;
  bool timed_out = false;
};

}  // namespace nozzle::syslog
