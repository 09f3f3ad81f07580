// Minimal blocking senders of hand-built bytes, independent of the nozzle's drains: they let a
// test check that a receiver captures what the harness expects before it proves a drain.
// Every call has a deadline; errors come back as a message ("" on success).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace nozzle::test {

struct RawTlsOptions {
  std::filesystem::path ca;    // trust anchor to verify the receiver with (name "localhost")
  std::filesystem::path cert;  // optional client certificate
  std::filesystem::path key;
};

// Connects to 127.0.0.1:port, writes `bytes`, closes (TLS: with close_notify).
std::string send_tcp(std::uint16_t port, std::string_view bytes);
std::string send_tls(std::uint16_t port, std::string_view bytes, const RawTlsOptions& options);
// One datagram.
std::string send_udp(std::uint16_t port, std::string_view datagram);

// "LEN SP MSG": the octet-counted frame of RFC 6587 3.4.1 / RFC 5425.
std::string octet_frame(std::string_view message);

}  // namespace nozzle::test
