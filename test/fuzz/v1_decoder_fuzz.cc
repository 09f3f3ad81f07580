// libFuzzer target: any byte string through the v1 (dropsonde protobuf) decoder. The decoder
// must return an Envelope or a DecodeError, never crash or read out of bounds; a success must
// leave the Envelope self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nozzle/decode/v1_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static nozzle::Envelope env;  // reused across inputs, as a connection reuses it
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (const auto err = nozzle::decode_v1_envelope(bytes, env)) {
    if (err->offset > size) std::abort();
    (void)err->to_string();
    return 0;
  }
  if (env.tag_count > env.tags.size() || env.http.forwarded_count > env.http.forwarded.size()) std::abort();
  if (env.type < nozzle::EventType::HttpStartStop || env.type > nozzle::EventType::ContainerMetric) std::abort();
  if (env.type == nozzle::EventType::HttpStartStop && env.http.request_id.size() != 36) std::abort();
  return 0;
}
