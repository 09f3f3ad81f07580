// Splits a firehose endpoint URL (wss://doppler.sys:443, https://log-stream.sys) into what a
// connection needs. Pure code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace nozzle {

struct EndpointUrl {
  bool tls = true;
  std::string host;
  std::uint16_t port = 443;
  std::string path_prefix;  // without a trailing '/', possibly empty
};

// Accepts ws, wss, http and https; the default port follows the scheme.
Result<EndpointUrl> parse_endpoint_url(std::string_view url);

}  // namespace nozzle
