// Loggregator v2 envelopes as the RLP gateway writes them: protojson (docs/WIRE.md,
// "protojson encoding") of the v1 envelope converted by loggregator's ToV2 with preferred tags
// (docs/WIRE.md, "v1 to v2"). int64 and uint64 are JSON strings, bytes are base64, enums are names,
// unset scalars and maps are still emitted, only the oneof member that is set appears.
#pragma once

#include <string>

#include "core/envelope.h"

namespace cfsim {

struct V2JsonStyle {
  bool camel_case = false;   // sourceId, instanceId, deprecatedTags (old jsonpb gateways)
  bool spaces = true;        // ", " and ": " as protojson sometimes emits them
};

// Appends one v2 Envelope JSON object to out. A v2 Event (env.type == Event) is written as a
// native event: source_id "cf-sim" unless the tag source_id says otherwise.
void append_v2_envelope(const nozzle::Envelope& env, const V2JsonStyle& style, std::string& out);

// Go's strconv.FormatFloat(v, 'g'-like shortest) as protojson prints doubles; NaN and
// infinities become the strings protojson uses.
void append_json_double(double v, std::string& out);
void append_json_string(std::string_view s, std::string& out);

}  // namespace cfsim
