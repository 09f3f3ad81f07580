// Decoder for the v2 firehose: one RLP gateway server-sent-event `data:` payload, a protojson
// `{"batch":[...]}` of loggregator v2 envelopes (docs/WIRE.md, "protojson encoding"), converted by
// loggregator's v2->v1 rules (docs/WIRE.md, "v2 to v1") into internal Envelopes, v2 Events kept as
// EventType::Event.
//
// Accepted spellings: snake_case json_names and lowerCamel keys (`sourceId`, `instanceId`,
// `deprecatedTags`); 64-bit integers as strings or numbers; doubles as numbers or as "NaN",
// "Infinity", "-Infinity" (or numeric strings); bytes in standard or URL-safe base64, padded or
// not; enums by name or number; any whitespace; unknown keys of any type are ignored; `null`
// means "not set". Strings are not checked for UTF-8: bytes pass through, the formatter repairs.
//
// Errors: an envelope that does not fit the schema (a wrong JSON type for a known key, a bad
// number or base64, an unknown enum name, two or no message members) is counted as invalid and
// skipped, and the rest of the batch is kept. A payload that is not well-formed JSON, or whose
// root is not an object or whose `batch` is not an array, is one invalid batch: none of its
// envelopes is kept. Nothing in the input can crash the decoder; nesting depth is not limited by
// the stack (a batch nested deeper than a few dozen levels is parsed by the iterative parser).
//
// Thread contract: one V2Decoder per connection thread; not shareable. It owns all of its
// buffers (including a copy of the batch, parsed in situ), so after warm-up decoding allocates
// nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/envelope.h"
#include "nozzle/decode/decode_error.h"

namespace nozzle {

struct V2BatchResult {
  std::size_t envelopes = 0;  // Envelopes produced (a gauge of several metrics gives several)
  std::size_t invalid = 0;    // v2 envelopes skipped; a batch that cannot be read counts as 1
  std::optional<DecodeError> first_error;  // why the first of them was skipped, for the log
};

class V2Decoder {
 public:
  V2Decoder();
  ~V2Decoder();
  V2Decoder(const V2Decoder&) = delete;
  V2Decoder& operator=(const V2Decoder&) = delete;

  // Decodes one batch. The Envelopes are then in envelopes(), until the next call.
  V2BatchResult decode_batch(std::string_view json);

  // The Envelopes of the last batch, in batch order. The caller may modify them (an enricher
  // adding tags, say); they are cleared and reused by the next decode_batch.
  [[nodiscard]] std::span<Envelope> envelopes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nozzle
