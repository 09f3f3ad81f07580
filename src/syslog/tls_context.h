// TLS for syslog-tls:// drains: the shared client setup (core/tls_client.h) applied to a
// drain's options. Only stream_drain.cc, tls_channel.cc and tls_context.cc include Asio's SSL.
#pragma once

#include <memory>
#include <string>

#include "core/tls_client.h"
#include "syslog/drain_config.h"

namespace nozzle::syslog {

// Throws std::runtime_error naming the drain and the file when a CA, certificate or key cannot
// be loaded (a start-up error).
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const DrainConfig& config);

// The name the peer must present: server-name= or the host.
const std::string& expected_peer_name(const DrainConfig& config);

}  // namespace nozzle::syslog
