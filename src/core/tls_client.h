// TLS client setup shared by the firehose connections and the syslog drains: TLS 1.2 or
// newer, the system trust store plus an optional CA file, peer and host name verification on
// unless skip_verify is set, SNI, and an optional client certificate (mutual TLS).
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace nozzle::tls {

struct ClientOptions {
  std::string ca_file;       // extra trust anchors, besides the system store
  std::string cert_file;     // client certificate chain (mutual TLS)
  std::string key_file;      // its private key
  bool skip_verify = false;  // no peer verification at all; only when asked
};

// Throws std::runtime_error "<what>: <OpenSSL reason>" naming the file that could not be
// loaded (a start-up error).
std::shared_ptr<boost::asio::ssl::context> make_client_context(const ClientOptions& options);

// Sets SNI (host names only) and the name or IP address the peer certificate must match.
// Returns false when OpenSSL refuses the name.
bool configure_peer(SSL* ssl, const std::string& name, bool skip_verify);

// After a failed handshake: why, naming the certificate problem when peer verification failed
// (and then sets `verify_failed`).
std::string describe_handshake_failure(SSL* ssl, const std::string& transport_error,
                                       bool& verify_failed);

}  // namespace nozzle::tls
