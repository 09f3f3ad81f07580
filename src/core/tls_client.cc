#include "core/tls_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace nozzle::tls {
namespace {

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + openssl_reason());
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_client_context(const ClientOptions& options) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) fail("cannot require TLS 1.2");
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);

  if (options.skip_verify) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer);
    if (SSL_CTX_set_default_verify_paths(native) != 1) fail("cannot load the system trust store");
    if (!options.ca_file.empty() &&
        SSL_CTX_load_verify_locations(native, options.ca_file.c_str(), nullptr) != 1) {
      fail("cannot load CA file '" + options.ca_file + "'");
    }
  }
  if (!options.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(native, options.cert_file.c_str()) != 1) {
      fail("cannot load client certificate '" + options.cert_file + "'");
    }
    if (SSL_CTX_use_PrivateKey_file(native, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      fail("cannot load client key '" + options.key_file + "'");
    }
    if (SSL_CTX_check_private_key(native) != 1) {
      fail("client key '" + options.key_file + "' does not match certificate '" + options.cert_file + "'");
    }
  }
  return ctx;
}

bool configure_peer(SSL* ssl, const std::string& name, bool skip_verify) {
  if (is_ip_address(name)) {
    // SNI carries host names only (RFC 6066 3); an address is checked against the SAN IPs.
    if (skip_verify) return true;
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
  }
  if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1) return false;
  if (skip_verify) return true;
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, name.c_str()) == 1;
}

std::string describe_handshake_failure(SSL* ssl, const std::string& transport_error,
                                       bool& verify_failed) {
  const long result = SSL_get_verify_result(ssl);
  verify_failed = result != X509_V_OK;
  if (verify_failed) {
    return std::string("TLS peer verification failed: ") + X509_verify_cert_error_string(result);
  }
  return "TLS handshake failed: " + transport_error;
}

}  // namespace nozzle::tls
