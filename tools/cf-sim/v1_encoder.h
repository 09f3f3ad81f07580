// Dropsonde (v1) encoding, by hand: cf-sim must not share the nozzle's decoders, and writing the
// bytes directly (no libprotobuf objects) is what lets one connection send over a million
// envelopes a second. Fields come out in field-number order, as Go's marshaller writes them;
// the golden vectors of docs/WIRE.md ("v1 golden vectors") are reproduced byte for byte
// (test/unit/cf_sim).
//
// Optional envelope fields (timestamp, deployment, job, index, ip) are written only when
// non-empty / non-zero; every field of the sub-message is written (the required ones must be,
// and the optional ones cf-sim always sets). Tags are written in the envelope's order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/envelope.h"

namespace cfsim {

// Appends the marshalled events.Envelope to out. env.type selects the sub-message; Event (v2
// only) has no v1 form and appends nothing (returns false).
bool encode_v1(const nozzle::Envelope& env, std::string& out);

// UUID text (8-4-4-4-12 hex) to dropsonde's {low, high} (docs/WIRE.md, "UUIDs"). False if
// malformed.
bool uuid_to_halves(std::string_view text, std::uint64_t& low, std::uint64_t& high);

}  // namespace cfsim
