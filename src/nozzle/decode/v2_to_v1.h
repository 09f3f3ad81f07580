// Loggregator's v2->v1 conversion (go-loggregator conversion.ToV1, docs/WIRE.md, "v2 to v1"), from
// a parsed V2Envelope into the internal Envelope, except that a v2 Event is kept as an
// EventType::Event instead of being dropped. Pure code; internal to src/nozzle.
#pragma once

#include <cstddef>
#include <vector>

#include "core/envelope.h"
#include "nozzle/decode/v2_envelope.h"

namespace nozzle {

// A reusable run of Envelopes: items [0, count) are in use; the rest keep their capacity.
struct EnvelopeRun {
  std::vector<Envelope> items;
  std::size_t count = 0;

  // A cleared Envelope at the end of the run. References into `items` do not survive it.
  Envelope& append() {
    if (count == items.size()) items.emplace_back();
    Envelope& e = items[count++];
    e.clear();
    return e;
  }
};

// Appends the 0..n Envelopes `in` converts to (a gauge of several metrics gives one ValueMetric
// each; a gauge of no metric gives none; an envelope of kind None gives none). Returns how many.
// A log's payload is moved out of `in` (swapped with the Envelope's old message, so that both
// strings keep their capacity).
std::size_t convert_v2_to_v1(V2Envelope& in, EnvelopeRun& out);

}  // namespace nozzle
