// TlsChannel (the drain's TLS over memory BIOs) against syslog-sink's real TLS listener: a write
// larger than one chunk arrives byte for byte while a read watches the connection, handshake
// refusals carry the drain's error texts, a TLS 1.3 receiver that refuses the client after the
// client's handshake is over is seen by the read, and a receiver going away ends the read.
#include "syslog/tls_channel.h"

#include <doctest/doctest.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/error.hpp>
#include <optional>

#include "core/tls_client.h"
#include "support/certs.h"
#include "support/sink.h"

using namespace nozzle;
using namespace nozzle::test;
using nozzle::syslog::TlsChannel;
using boost::system::error_code;
namespace asio = boost::asio;

namespace {

std::string message(int seq, std::size_t padding) {
  return "<13>1 2026-11-20T10:00:00.000000Z 10.0.0.5 vcap.rep 42 LogMessage "
         "[instance@47450 director=\"\" deployment=\"cf\" group=\"diego-cell\" az=\"z1\" id=\"0\"] "
         "{\"seq\":" + std::to_string(seq) + ",\"msg\":\"" + std::string(padding, 'x') + "\"}\n";
}

// One channel on its own io_context, driven from the test thread.
struct Client {
  explicit Client(tls::ClientOptions options, std::uint16_t port, const std::string& peer_name = "127.0.0.1")
      : ctx(tls::make_client_context(options)), channel(TlsChannel::create(ioc, ctx->native_handle())) {
    REQUIRE(channel);
    channel->socket().connect({asio::ip::make_address("127.0.0.1"), port});
    REQUIRE(tls::configure_peer(channel->native_handle(), peer_name, options.skip_verify));
  }

  // Runs the io_context until `done` holds (or 20 s have passed).
  template <typename Done>
  void run_until(Done&& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    ioc.restart();
    while (!done() && std::chrono::steady_clock::now() < deadline) ioc.run_one_for(std::chrono::milliseconds(100));
    REQUIRE(done());
  }

  error_code handshake() {
    std::optional<error_code> result;
    channel->async_handshake([&](const error_code& ec) { result = ec; });
    run_until([&] { return result.has_value(); });
    return *result;
  }

  asio::io_context ioc;
  std::shared_ptr<asio::ssl::context> ctx;
  std::shared_ptr<TlsChannel> channel;
};

bool closed(const error_code& ec) { return ec == asio::error::eof || ec == asio::ssl::error::stream_truncated; }

}  // namespace

TEST_CASE("TlsChannel: a write of several chunks arrives byte for byte while a read watches the connection") {
  SyslogSink sink({.tcp = false, .tls = true});
  Client c({.ca_file = test_certs().ca.string()}, sink.tls_port());
  REQUIRE_MESSAGE(!c.handshake(), sink.describe());

  std::vector<std::string> sent;
  std::string bytes;
  for (int i = 0; bytes.size() < 3 * TlsChannel::kMaxPlaintextPerWrite + 1000; ++i) {
    sent.push_back(message(i, 100 + i % 400));
    bytes += std::to_string(sent.back().size()) + " " + sent.back();
  }

  std::array<char, 512> read_buf{};
  std::optional<error_code> read_result;
  c.channel->async_read_some(asio::buffer(read_buf), [&](const error_code& ec, std::size_t) { read_result = ec; });
  std::optional<error_code> write_result;
  c.channel->async_write(bytes, [&](const error_code& ec) { write_result = ec; });
  CHECK_FALSE(write_result.has_value());  // never from inside the call
  c.run_until([&] { return write_result.has_value(); });
  CHECK_FALSE(*write_result);
  CHECK_FALSE(read_result.has_value());  // the receiver had nothing to say

  // A second write on the same connection, after the first.
  std::string more;
  for (int i = 0; i < 100; ++i) {
    sent.push_back(message(100000 + i, 50));
    more += std::to_string(sent.back().size()) + " " + sent.back();
  }
  write_result.reset();
  c.channel->async_write(more, [&](const error_code& ec) { write_result = ec; });
  c.run_until([&] { return write_result.has_value(); });
  CHECK_FALSE(*write_result);

  REQUIRE_MESSAGE(sink.wait_frames(sent.size(), std::chrono::seconds(20)), sink.describe());
  CHECK(sink.status().invalid == 0);

  // close_notify: syslog-sink closes without answering it, which ends the read as well.
  std::optional<error_code> shutdown_result;
  c.channel->async_shutdown([&](const error_code& ec) { shutdown_result = ec; });
  c.run_until([&] { return shutdown_result.has_value() && read_result.has_value(); });
  CHECK_MESSAGE(closed(*read_result), read_result->message());
  CHECK_MESSAGE((!*shutdown_result || closed(*shutdown_result)), shutdown_result->message());

  sink.stop();
  CHECK(sink.raw_messages() == sent);
}

TEST_CASE("TlsChannel: a refused handshake reports the certificate problem as the drain's error text") {
  SUBCASE("a CA the client does not trust") {
    SyslogSink sink({.tcp = false, .tls = true});
    Client c({.ca_file = test_certs().other_ca.string()}, sink.tls_port());
    const error_code ec = c.handshake();
    REQUIRE(ec);
    bool verify_failed = false;
    const std::string why = tls::describe_handshake_failure(c.channel->native_handle(), ec.message(), verify_failed);
    CHECK(verify_failed);
    CHECK_MESSAGE(why.starts_with("TLS peer verification failed: "), why);
    CHECK_MESSAGE(why.find("certificate") != std::string::npos, why);
  }
  SUBCASE("another name") {
    SyslogSink sink({.tcp = false, .tls = true, .wrong_name_cert = true});
    Client c({.ca_file = test_certs().ca.string()}, sink.tls_port(), "localhost");
    const error_code ec = c.handshake();
    REQUIRE(ec);
    bool verify_failed = false;
    const std::string why = tls::describe_handshake_failure(c.channel->native_handle(), ec.message(), verify_failed);
    CHECK(verify_failed);
    CHECK_MESSAGE(why == "TLS peer verification failed: hostname mismatch", why);
  }
  SUBCASE("a receiver that is not TLS at all") {
    SyslogSink sink({.tcp = true});
    Client c({.ca_file = test_certs().ca.string()}, sink.tcp_port());
    const error_code ec = c.handshake();
    REQUIRE(ec);
    bool verify_failed = false;
    const std::string why = tls::describe_handshake_failure(c.channel->native_handle(), ec.message(), verify_failed);
    CHECK_FALSE(verify_failed);
    CHECK_MESSAGE(why.starts_with("TLS handshake failed: "), why);
  }
}

TEST_CASE("TlsChannel: under TLS 1.3 a client certificate refused after our handshake ends the read with the alert") {
  SyslogSink sink({.tcp = false, .tls = true, .require_client_cert = true});
  Client c({.ca_file = test_certs().ca.string()}, sink.tls_port());  // no client certificate
  REQUIRE(!c.handshake());
  REQUIRE(SSL_version(c.channel->native_handle()) == TLS1_3_VERSION);
  std::array<char, 512> read_buf{};
  std::optional<error_code> read_result;
  c.channel->async_read_some(asio::buffer(read_buf), [&](const error_code& ec, std::size_t) { read_result = ec; });
  c.run_until([&] { return read_result.has_value(); });
  REQUIRE(*read_result);
  CHECK_MESSAGE(read_result->category() == asio::error::get_ssl_category(), read_result->message());
  CHECK_MESSAGE(read_result->message().find("alert") != std::string::npos, read_result->message());

  // With the certificate it is let in and its frames arrive.
  Client ok({.ca_file = test_certs().ca.string(),
             .cert_file = test_certs().client.cert.string(),
             .key_file = test_certs().client.key.string()},
            sink.tls_port());
  REQUIRE(!ok.handshake());
  const std::string m = message(1, 10);
  const std::string frame = std::to_string(m.size()) + " " + m;
  std::optional<error_code> write_result;
  ok.channel->async_write(frame, [&](const error_code& ec) { write_result = ec; });
  ok.run_until([&] { return write_result.has_value(); });
  CHECK_FALSE(*write_result);
  CHECK(sink.wait_frames(1));
}

TEST_CASE("TlsChannel: a receiver that goes away ends the read, a closed socket ends every operation") {
  SyslogSink sink({.tcp = false, .tls = true});
  Client c({.ca_file = test_certs().ca.string()}, sink.tls_port());
  REQUIRE(!c.handshake());
  std::array<char, 512> read_buf{};
  std::optional<error_code> read_result;
  c.channel->async_read_some(asio::buffer(read_buf), [&](const error_code& ec, std::size_t) { read_result = ec; });
  sink.stop();
  c.run_until([&] { return read_result.has_value(); });
  CHECK_MESSAGE((closed(*read_result) || *read_result == asio::error::connection_reset), read_result->message());

  // The drain's deadlines close the socket under an operation.
  SyslogSink stalled({.tcp = false, .tls = true, .stall = true});
  Client s({.ca_file = test_certs().ca.string()}, stalled.tls_port());
  REQUIRE(!s.handshake());
  const std::string big(8u << 20, 'x');  // more than the socket buffers take from a receiver that never reads
  std::optional<error_code> write_result;
  s.channel->async_write(big, [&](const error_code& ec) { write_result = ec; });
  s.ioc.restart();
  s.ioc.run_for(std::chrono::milliseconds(300));  // the write fills the socket buffers and waits
  CHECK_FALSE(write_result.has_value());
  s.channel->socket().close();
  s.run_until([&] { return write_result.has_value(); });
  CHECK(*write_result == asio::error::operation_aborted);
}
