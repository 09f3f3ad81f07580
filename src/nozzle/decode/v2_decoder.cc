#include "nozzle/decode/v2_decoder.h"

#include <cstring>
#include <vector>

// First: it sets the RapidJSON SIMD macro that every RapidJSON include here must see.
#include "nozzle/decode/v2_batch_handler.h"

#include <rapidjson/error/en.h>

#include "nozzle/decode/v2_to_v1.h"

namespace nozzle {

// RapidJSON's SIMD scanners load aligned 16-byte blocks up to the one holding the terminating
// NUL; this much room after it keeps every load inside the buffer.
constexpr std::size_t kPadding = 16;

struct V2Decoder::Impl {
  rapidjson::Reader reader;  // keeps its stack's memory between batches
  V2BatchHandler handler;
  EnvelopeRun out;
  std::vector<char> text;  // the batch being parsed, NUL-terminated and padded; reused
};

V2Decoder::V2Decoder() : impl_(std::make_unique<Impl>()) {}
V2Decoder::~V2Decoder() = default;

V2BatchResult V2Decoder::decode_batch(std::string_view json) {
  Impl& s = *impl_;
  if (s.text.size() < json.size() + 1 + kPadding) s.text.resize(json.size() + 1 + kPadding);
  auto parse = [&s, json](rapidjson::InsituStringStream& stream, bool recursive) {
    if (!json.empty()) std::memcpy(s.text.data(), json.data(), json.size());  // in situ: a fresh copy
    s.text[json.size()] = '\0';
    stream = rapidjson::InsituStringStream(s.text.data());
    s.out.count = 0;
    return s.handler.parse(s.reader, stream, s.out, recursive);
  };
  rapidjson::InsituStringStream stream(s.text.data());
  rapidjson::ParseResult ok = parse(stream, true);
  // Rare: not JSON, not a batch, or nested deeper than the recursive parser may go. The
  // iterative parser decides, and its result (or error) is the one reported.
  if (!ok) ok = parse(stream, false);

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
