#include "sink_server.h"

#include <csignal>
#include <ctime>
#include <stdexcept>
#include <type_traits>

#include <boost/asio/ssl/stream.hpp>
#include <openssl/ssl.h>

#include "core/log.h"
#include "frame_parser.h"

namespace sink {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kReadSize = 64 * 1024;
constexpr std::size_t kUdpBufferSize = 64 * 1024;  // above the largest IPv4/IPv6 UDP payload
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kTickInterval = 100ms;
constexpr auto kAcceptRetryDelay = 50ms;  // after EMFILE and the like: no busy loop

template <class Endpoint>
std::string endpoint_text(const Endpoint& e) {
  return e.address().to_string() + ":" + std::to_string(e.port());
}

// "ADDR:PORT" (validated in main) into host and port; "[::1]:0" is accepted for IPv6.
std::pair<std::string, std::string> split_host_port(const std::string& spec) {
  const auto colon = spec.rfind(':');
  std::string host = spec.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return {host, spec.substr(colon + 1)};
}

template <class Protocol>
typename Protocol::endpoint resolve(asio::io_context& io, const std::string& spec) {
  const auto [host, port] = split_host_port(spec);
  typename Protocol::resolver resolver(io);
  const auto results = resolver.resolve(host, port, Protocol::resolver::passive);
  if (results.empty()) throw std::runtime_error(spec + ": no address");
  return results.begin()->endpoint();
}

asio::ip::tcp::acceptor listen_tcp(asio::io_context& io, const std::string& spec) {
  try {
    const auto endpoint = resolve<asio::ip::tcp>(io, spec);
    asio::ip::tcp::acceptor acceptor(io, endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor;
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(spec + ": " + e.what());
  }
}

// Runs a TLS set-up step; an error names the file it was about.
template <class Step>
void tls_step(const std::string& what, Step step) {
  try {
    step();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
}

}  // namespace

// One TCP or TLS connection: (handshake,) then read, deframe and hand each message over.
template <class Stream>
class SinkServer::Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kIsTls = !std::is_same_v<Stream, tcp::socket>;

 public:
  Session(SinkServer& server, Stream stream, Transport transport, std::string peer)
      : server_(server),
        stream_(std::move(stream)),
        transport_(transport),
        peer_(std::move(peer)),
        parser_(server.config_.max_message),
        buffer_(new char[kReadSize]),
        handshake_timer_(server.io_) {}

  void start() {
    if constexpr (kIsTls) {
      auto self = this->shared_from_this();
      handshake_timer_.expires_after(kHandshakeTimeout);
      handshake_timer_.async_wait([self](error_code ec) {
        if (ec) return;
        self->timed_out_ = true;
        self->close();  // the handshake then completes with an error and is counted
      });
      stream_.async_handshake(ssl::stream_base::server, [self](error_code ec) {
        self->handshake_timer_.cancel();
        if (ec) {
          self->server_.on_handshake_failure(
              self->peer_, self->timed_out_ ? "handshake timed out" : ec.message());
          self->close();
          return;
        }
        self->serve();
      });
    } else {
      serve();
    }
  }

 private:
  void serve() {
    if (server_.config_.stall) {
      server_.stalled_.push_back(this->shared_from_this());
      return;
    }
    read();
  }

  void read() {
    stream_.async_read_some(asio::buffer(buffer_.get(), kReadSize),
                            [self = this->shared_from_this()](error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(error_code ec, std::size_t n) {
    if (n > 0) {
      parser_.feed(std::string_view(buffer_.get(), n));
      for (;;) {
        const FrameParser::Result r = parser_.next();
        if (r.status == FrameParser::Status::Frame) {
          if (!server_.on_message(transport_, r.message, peer_)) return;
        } else if (r.status == FrameParser::Status::NeedMore) {
          break;
        } else {
          server_.on_framing_error(transport_, peer_, parser_.error());
          close();
          return;
        }
      }
    }
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // EOF, a TLS stream without close_notify, a reset: the peer is gone. Ending inside a
      // frame means a frame was lost, which is a framing error.
      if (!parser_.finish()) server_.on_framing_error(transport_, peer_, parser_.error());
      close();
      return;
    }
    read();
  }

  void close() {
    error_code ignored;
    if constexpr (kIsTls) {
      stream_.lowest_layer().close(ignored);
    } else {
      stream_.close(ignored);
    }
  }

  SinkServer& server_;
  Stream stream_;
  Transport transport_;
  std::string peer_;
  FrameParser parser_;
  std::unique_ptr<char[]> buffer_;
  asio::steady_timer handshake_timer_;
  bool timed_out_ = false;
};

SinkServer::SinkServer(asio::io_context& io, SinkConfig config)
    : io_(io),
      config_(std::move(config)),
      tick_timer_(io),
      duration_timer_(io),
      signals_(io, SIGINT, SIGTERM),
      restart_signal_(io) {
  stats_.latency_on = config_.latency;
  if (!config_.raw_out.empty()) {
    if (std::string e = raw_out_.open(config_.raw_out); !e.empty()) throw std::runtime_error(e);
  }
  if (!config_.tls.empty()) {
    tls_context_.emplace(ssl::context::tls_server);
    auto& ctx = *tls_context_;
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1) {
      throw std::runtime_error("cannot set TLS 1.2 as the minimum version");
    }
    tls_step("--cert " + config_.cert, [&] { ctx.use_certificate_chain_file(config_.cert); });
    tls_step("--key " + config_.key, [&] { ctx.use_private_key_file(config_.key, ssl::context::pem); });
    if (!config_.ca.empty()) {
      tls_step("--ca " + config_.ca, [&] { ctx.load_verify_file(config_.ca); });
      // With --ca alone a client certificate is optional but verified when sent.
      ctx.set_verify_mode(ssl::verify_peer | (config_.require_client_cert
                                                  ? ssl::verify_fail_if_no_peer_cert
                                                  : ssl::verify_none));
    }
    tls_acceptor_.emplace(listen_tcp(io_, config_.tls));
  }
  if (!config_.tcp.empty()) tcp_acceptor_.emplace(listen_tcp(io_, config_.tcp));
  if (!config_.udp.empty()) {
    try {
      const auto endpoint = resolve<udp>(io_, config_.udp);
      udp_socket_.emplace(io_, endpoint.protocol());
      error_code ignored;  // the kernel may cap it (net.core.rmem_max); smaller still works
      udp_socket_->set_option(asio::socket_base::receive_buffer_size(8 << 20), ignored);
      udp_socket_->bind(endpoint);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(config_.udp + ": " + e.what());
    }
    udp_buffer_.reset(new char[kUdpBufferSize]);
  }
}

SinkServer::~SinkServer() = default;

void SinkServer::start() {
  write_status();  // exists before the ready file says the sink is up
  if (!config_.ready_file.empty()) {
    std::string ready = "{";
    const auto add = [&ready](const char* name, unsigned short port) {
      if (ready.size() > 1) ready += ',';
      ready += std::string("\"") + name + "\":" + std::to_string(port);
    };
    if (tcp_acceptor_) add("tcp", tcp_acceptor_->local_endpoint().port());
    if (tls_acceptor_) add("tls", tls_acceptor_->local_endpoint().port());
    if (udp_socket_) add("udp", udp_socket_->local_endpoint().port());
    ready += "}";
    if (std::string e = write_file_atomically(config_.ready_file, ready); !e.empty()) {
      throw std::runtime_error(e);
    }
    nozzle::log::info("syslog-sink ready", {{"ports", ready}});
  }
  if (tcp_acceptor_) accept(*tcp_acceptor_, Transport::Tcp);
  if (tls_acceptor_) accept(*tls_acceptor_, Transport::Tls);
  if (udp_socket_) receive_udp();
  signals_.async_wait([this](error_code ec, int) {
    if (!ec) stop();
  });
  if (config_.latency) {
    restart_signal_.add(SIGUSR1);
    wait_restart_signal();
  }
  if (config_.duration.count() > 0) {
    duration_timer_.expires_after(config_.duration);
    duration_timer_.async_wait([this](error_code ec) {
      if (!ec) stop();
    });
  }
  tick();
}

void SinkServer::stop() {
  if (stopped_) return;
  stopped_ = true;
  error_code ignored;
  if (tcp_acceptor_) tcp_acceptor_->close(ignored);
  if (tls_acceptor_) tls_acceptor_->close(ignored);
  if (udp_socket_) udp_socket_->close(ignored);
  tick_timer_.cancel();
  duration_timer_.cancel();
  signals_.cancel(ignored);
  restart_signal_.cancel(ignored);
  // Connections are not drained: whatever arrives after the stop is not counted.
  io_.stop();
}

std::string SinkServer::finish() {
  raw_out_.flush();
  write_status();
  return stats_.to_json();
}

void SinkServer::accept(tcp::acceptor& acceptor, Transport transport) {
  acceptor.async_accept([this, &acceptor, transport](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopped_) return;
    if (ec) {
      nozzle::log::write_limited("accept", 1s, nozzle::log::Level::Warn, "accept failed",
                                 {{"error", ec.message()}});
      auto timer = std::make_shared<asio::steady_timer>(io_, kAcceptRetryDelay);
      timer->async_wait([this, &acceptor, transport, timer](error_code wait_ec) {
        if (!wait_ec && !stopped_) accept(acceptor, transport);
      });
      return;
    }
    ++stats_.connections;
    error_code peer_ec;
    const auto remote = socket.remote_endpoint(peer_ec);
    std::string peer = peer_ec ? "unknown" : endpoint_text(remote);
    if (transport == Transport::Tls) {
      using TlsStream = ssl::stream<tcp::socket>;
      std::make_shared<Session<TlsStream>>(*this, TlsStream(std::move(socket), *tls_context_),
                                           transport, std::move(peer))
          ->start();
    } else {
      std::make_shared<Session<tcp::socket>>(*this, std::move(socket), transport, std::move(peer))
          ->start();
    }
    accept(acceptor, transport);
  });
}

void SinkServer::receive_udp() {
  udp_socket_->async_receive_from(
      asio::buffer(udp_buffer_.get(), kUdpBufferSize), udp_sender_,
      [this](error_code ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || stopped_) return;
        // Other errors (an ICMP error reported on the socket) do not end a UDP listener.
        if (!ec && !on_message(Transport::Udp, std::string_view(udp_buffer_.get(), n), {})) return;
        receive_udp();
      });
}

// A benchmark starts its measuring window (after a warm-up) with SIGUSR1.
void SinkServer::wait_restart_signal() {
  restart_signal_.async_wait([this](error_code ec, int) {
    if (ec) return;
    stats_.latency.clear();
    wait_restart_signal();
  });
}

void SinkServer::tick() {
  // raw-out first: a test that sees N frames in the status file finds them in raw-out.
  raw_out_.flush();
  write_status();
  tick_timer_.expires_after(kTickInterval);
  tick_timer_.async_wait([this](error_code ec) {
    if (!ec) tick();
  });
}

void SinkServer::write_status() {
  if (config_.status_file.empty()) return;
  if (std::string e = write_file_atomically(config_.status_file, stats_.to_json()); !e.empty()) {
    nozzle::log::write_limited("status-file", 10s, nozzle::log::Level::Error,
                               "cannot write the status file", {{"error", e}});
  }
}

bool SinkServer::on_message(Transport transport, std::string_view message,
                            const std::string& peer) {
  if (stopped_) return false;
  ++stats_.frames;
  stats_.bytes += message.size();
  ++stats_.by_transport[static_cast<std::size_t>(transport)];
  if (const std::string_view error = validator_.validate(message); error.empty()) {
    ++stats_.valid;
    if (config_.latency) note_latency();
  } else {
    ++stats_.invalid;
    if (stats_.first_errors.size() < SinkStats::kMaxErrors) {
      stats_.note_invalid(transport, transport == Transport::Udp ? endpoint_text(udp_sender_) : peer,
                          error, validator_.error_offset(), message);
    }
  }
  if (raw_out_.is_open()) raw_out_.write(message);
  if (config_.exit_after_frames != 0 && stats_.frames >= config_.exit_after_frames) {
    stop();
    return false;
  }
  return true;
}

void SinkServer::note_latency() {
  const auto sent = timestamps_.micros(validator_.message().timestamp);
  if (!sent) {
    stats_.latency.add_unparsed();
    return;
  }
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  stats_.latency.add(static_cast<std::int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000 - *sent);
}

void SinkServer::on_framing_error(Transport transport, const std::string& peer,
                                  std::string_view reason) {
  ++stats_.framing_errors;
  stats_.note_error("framing (" + std::string(transport_name(transport)) + " " + peer +
                    "): " + std::string(reason));
}

void SinkServer::on_handshake_failure(const std::string& peer, std::string_view reason) {
  ++stats_.tls_handshake_failures;
  stats_.note_error("tls handshake (" + peer + "): " + std::string(reason));
}

}  // namespace sink
