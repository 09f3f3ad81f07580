// Endpoint discovery from the Cloud Controller API root (docs/WIRE.md, "Endpoint discovery").
//
// `GET /` gives links.uaa, links.logging (the v1 Traffic Controller, wss://doppler...) and
// links.log_stream (the RLP gateway); `GET /v2/info` is the fallback for what the root lacks
// (token_endpoint, doppler_logging_endpoint). Each endpoint can be overridden by the caller.
#pragma once

#include <string>
#include <string_view>

#include "cfapi/http_client.h"
#include "core/result.h"

namespace nozzle::cfapi {

struct Endpoints {
  std::string api;      // the Cloud Controller base URL, as configured
  std::string uaa;      // UAA base URL (no /oauth/token)
  std::string doppler;  // v1 firehose base, wss://...
  std::string rlp;      // RLP gateway base, https://...
};

// Fills the empty fields of `known` from the parsed bodies. Pure; exposed for tests.
// Returns the names of the fields still empty after the root and /v2/info ("uaa, doppler").
void apply_root_links(std::string_view root_json, Endpoints& known);
void apply_v2_info(std::string_view info_json, Endpoints& known);

// Discovers whatever `overrides` leaves empty. Fails with a message naming what could not be
// found (and why) when uaa, or both firehose endpoints, stay unknown.
Result<Endpoints> discover(HttpClient& http, Endpoints overrides);

}  // namespace nozzle::cfapi
