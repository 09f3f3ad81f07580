// Certificates for TLS tests, made at run time with the openssl CLI (RSA 2048, valid two days),
// once per test process, in a temporary directory removed at exit. No key is ever committed.
#pragma once

#include <filesystem>

namespace nozzle::test {

struct CertPair {
  std::filesystem::path cert;  // PEM
  std::filesystem::path key;   // PEM, unencrypted
};

struct TestCerts {
  std::filesystem::path ca;        // the CA receivers and drains trust (CA:TRUE, critical)
  std::filesystem::path other_ca;  // an unrelated CA that nobody trusts

  CertPair server;             // CN localhost, SAN DNS:localhost,IP:127.0.0.1, serverAuth; by ca
  CertPair server_wrong_name;  // SAN DNS:wrong.example only, serverAuth; by ca
  CertPair client;             // CN nozzle-client, clientAuth; by ca
  CertPair other_ca_client;    // CN nozzle-client, clientAuth; by other_ca (right name, wrong CA)
  CertPair intruder_client;    // CN intruder, clientAuth; by ca (trusted CA, wrong name)
};

// Makes the set on first use (thread-safe); throws std::runtime_error with openssl's output
// when a step fails.
const TestCerts& test_certs();

}  // namespace nozzle::test
