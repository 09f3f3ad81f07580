// TLS client setup for syslog-tls:// drains: TLS 1.2 or newer, the system trust store plus
// `ca=`, peer and host name verification on unless `skip-verify=true`, SNI, and a client
// certificate for mutual TLS. Only stream_drain.cc and tls_context.cc include Asio's SSL.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "syslog/drain_config.h"

namespace nozzle::syslog {

// Builds the context for one drain. Throws std::runtime_error naming the file and OpenSSL's
// reason when a CA, certificate or key cannot be loaded (a start-up error).
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const DrainConfig& config);

// Sets SNI and the expected peer name (DNS name or IP address) on one connection.
// Returns false when OpenSSL refuses the name.
bool configure_tls_peer(SSL* ssl, const DrainConfig& config);

// After a failed handshake: a sentence saying why, naming the certificate problem when peer
// verification failed (sets `verify_failed`).
std::string describe_handshake_failure(SSL* ssl, const std::string& transport_error,
                                       bool& verify_failed);

// The name the peer must present: server-name= or the host.
const std::string& expected_peer_name(const DrainConfig& config);

}  // namespace nozzle::syslog
