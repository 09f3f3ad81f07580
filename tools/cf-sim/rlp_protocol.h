// The RLP gateway's request query and response stream (docs/WIRE.md, "/v2/read query",
// "Errors and authorization", "Event stream"). Pure code.
#pragma once

#include <string>
#include <vector>

#include "core/envelope.h"
#include "http_types.h"

namespace cfsim {

struct RlpSelectors {
  std::string shard_id;
  std::vector<std::string> source_ids;  // empty: every source
  bool log = false;
  bool counter = false;
  bool gauge = false;
  bool timer = false;
  bool event = false;
  std::vector<std::string> counter_names;  // counter.name=...
  std::vector<std::string> gauge_names;    // gauge.name=... (all must be present; simplified to any)

  // Whether an envelope of this v1 type with this v2 source_id is selected.
  [[nodiscard]] bool matches(nozzle::EventType type, std::string_view source_id, std::string_view name) const;
  // "log,counter,..." for the counters, and the group key suffix.
  [[nodiscard]] std::string describe() const;
};

// Parses /v2/read's query. On error returns the gateway's 400 response in `error`.
bool parse_rlp_query(std::string_view query, RlpSelectors& out, HttpResponse& error);

// The gateway's error body, sent via Go's http.Error: text/plain, JSON text, trailing newline.
HttpResponse rlp_error(int status, std::string_view error, std::string_view message);

// Chunked transfer encoding (the gateway is a Go http server that flushes per event).
void append_chunk(std::string& out, std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Response head of the event stream.
std::string sse_response_head();

}  // namespace cfsim
