// Decoder for the classic (v1) firehose: one dropsonde `events.Envelope` protobuf message, as a
// Traffic Controller websocket binary frame carries it, into the internal Envelope.
//
// Pure code: no I/O, no clock, no allocation in the steady state (the Envelope passed in is
// cleared and its string capacity reused). Safe on any input: every length is checked against
// the buffer, and a malformed buffer yields a DecodeError, never a crash or an out-of-bounds
// read. Thread contract: a free function; each connection thread passes its own Envelope.
//
// Wire rules (docs/WIRE.md, "Dropsonde v1"):
// * fields are accepted in any order; unknown fields of every wire type, groups included, are
//   skipped; a repeated non-repeated field overrides (scalars) or merges (sub-messages), as
//   protobuf does; a known field with a wire type other than its declaration is an error;
// * proto2 required fields are enforced as the Go reference decoder (gogo sonde-go) enforces
//   them: a missing origin or eventType, a missing sub-message for the eventType, and a missing
//   required field inside any sub-message present make the frame invalid;
// * an eventType outside 4..9 and a LogMessage message_type outside OUT/ERR are errors; an
//   unknown PeerType decodes as PeerType::Unknown and a Method number is kept as is;
// * UUIDs become lowercase 8-4-4-4-12 text (low and high written little-endian);
// * the tags map keeps the last value of a key that appears twice, as a Go map would;
// * strings and bytes are copied as they are: invalid UTF-8 is the formatter's to repair.
#pragma once

#include <optional>
#include <string_view>

#include "core/envelope.h"
#include "nozzle/decode/decode_error.h"

namespace nozzle {

// Decodes `bytes` into `env` (which is cleared first). Returns nullopt on success; on error the
// content of `env` is unspecified until the next successful decode.
[[nodiscard]] std::optional<DecodeError> decode_v1_envelope(std::string_view bytes, Envelope& env);

}  // namespace nozzle
