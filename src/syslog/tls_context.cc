#include "syslog/tls_context.h"

#include <stdexcept>

namespace nozzle::syslog {

const std::string& expected_peer_name(const DrainConfig& config) {
  return config.server_name.empty() ? config.host : config.server_name;
}

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const DrainConfig& config) {
  try {
    return tls::make_client_context(
        {.ca_file = config.ca_file, .cert_file = config.cert_file, .key_file = config.key_file,
         .skip_verify = config.skip_verify});
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("drain " + config.name + ": " + e.what());
  }
}

}  // namespace nozzle::syslog
