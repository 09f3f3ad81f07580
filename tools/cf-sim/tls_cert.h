// A throw-away certificate authority and server certificate, made in memory at start with
// OpenSSL (EC P-256): the CA signs a server certificate for IP 127.0.0.1 and DNS localhost.
// The caller writes the CA to a file that the nozzle's --ca-cert can read.
#pragma once

#include <string>

namespace cfsim {

struct GeneratedTls {
  std::string ca_pem;
  std::string cert_pem;  // the server certificate
  std::string key_pem;   // its private key (never written to disk by cf-sim)
};

// Throws std::runtime_error when OpenSSL fails.
GeneratedTls generate_tls();

}  // namespace cfsim
