// The control endpoint, /sim/...: the same operations as the Simulator's methods, over HTTP,
// for scripts and for a nozzle run in another process. No authentication (loopback tool).
//
//   GET    /sim/counters                 counters as JSON (CountersSnapshot::to_json)
//   GET    /sim/info                     {"port","base_url","websocket_url","ca_file"}
//   POST   /sim/apps                     add an app; returns {"guid","name"}
//   POST   /sim/apps/<guid>/rename       rename (?name=N, default app-<i>-r<n>); 404 if unknown
//   DELETE /sim/apps/<guid>              delete; 204, or 404 if unknown
//   GET    /sim/faults                   the fault settings
//   POST   /sim/faults?k=v&...           change them (cc_latency_ms, cc_error_rate,
//                                        cc_rate_limit_rate, retry_after, cc_down_ms,
//                                        uaa_down_ms, drop_every_envelopes, drop_every_ms)
//   POST   /sim/token-expiry?seconds=N   expires_in of tokens issued from now on
#pragma once

#include "http_types.h"

namespace cfsim {

class Simulator;

HttpResponse handle_control(Simulator& sim, const HttpRequest& req);

}  // namespace cfsim
