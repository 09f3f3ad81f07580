#include "nozzle/v2_decoder.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "nozzle/v2_batch_handler.h"
#include "nozzle/v2_to_v1.h"

namespace nozzle {

// Iterative: the parser's depth is bounded by heap, not by the thread's stack, whatever the
// nesting of a hostile payload. Numbers as strings: int64/uint64/double are read exactly by
// json_scalars from the same text whether they came quoted or not. No encoding validation:
// payload bytes pass through (the formatter repairs UTF-8).
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;

struct V2Decoder::Impl {
  rapidjson::Reader reader;  // keeps its stack's memory between batches
  V2BatchHandler handler;
  EnvelopeRun out;
};

V2Decoder::V2Decoder() : impl_(std::make_unique<Impl>()) {}
V2Decoder::~V2Decoder() = default;

V2BatchResult V2Decoder::decode_batch(std::string_view json) {
  Impl& s = *impl_;
  s.out.count = 0;
  rapidjson::MemoryStream stream(json.data(), json.size());
  s.handler.reset(s.out, stream);
  const rapidjson::ParseResult ok = s.reader.Parse<kParseFlags>(stream, s.handler);

  V2BatchResult result;
  // The stream reads a NUL byte as its end, so a parse that stops early met one: not JSON.
  const bool trailing_nul = ok && stream.Tell() != json.size();
  if (!ok || trailing_nul) {
    s.out.count = 0;
    result.invalid = 1;
    if (s.handler.batch_error()) {
      result.first_error = s.handler.batch_error();
    } else {
      result.first_error = DecodeError{DecodeErrorKind::InvalidJson, "EnvelopeBatch",
                                       trailing_nul ? "NUL byte in the payload" : rapidjson::GetParseError_En(ok.Code()),
                                       0, 0, trailing_nul ? stream.Tell() : ok.Offset()};
    }
    return result;
  }
  result.envelopes = s.out.count;
  result.invalid = s.handler.invalid();
  result.first_error = s.handler.first_error();
  return result;
}

std::span<Envelope> V2Decoder::envelopes() {
  return std::span<Envelope>(impl_->out.items.data(), impl_->out.count);
}

}  // namespace nozzle
