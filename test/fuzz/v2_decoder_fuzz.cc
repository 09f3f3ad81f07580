// libFuzzer target: any byte string through the v2 (RLP gateway protojson) decoder. It must
// count envelopes and invalid ones, never crash, and never hand out more Envelopes than it says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "nozzle/decode/v2_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static nozzle::V2Decoder decoder;  // reused across inputs, as a connection reuses it
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const nozzle::V2BatchResult r = decoder.decode_batch(json);
  if (decoder.envelopes().size() != r.envelopes) std::abort();
  if (r.first_error) {
    if (r.first_error->offset > size) std::abort();
    (void)r.first_error->to_string();
  } else if (r.invalid != 0) {
    std::abort();
  }
  for (const nozzle::Envelope& e : decoder.envelopes()) {
    if (e.tag_count > e.tags.size() || e.http.forwarded_count > e.http.forwarded.size()) std::abort();
  }
  return 0;
}
