// Cloud Controller's unauthenticated discovery documents (docs/WIRE.md, "Endpoint discovery").
// Every link points back at cf-sim's one listener: UAA, login, Cloud Controller v3, the Traffic
// Controller (wss://) and the RLP gateway all live on the same host and port.
#pragma once

#include <string>

#include "http_types.h"

namespace cfsim {

// base_url: "https://127.0.0.1:PORT" (or http:// with --plain).
HttpResponse root_document(const std::string& base_url);
HttpResponse v2_info_document(const std::string& base_url);
// "wss://127.0.0.1:PORT" (ws:// with --plain).
std::string websocket_url(const std::string& base_url);

}  // namespace cfsim
