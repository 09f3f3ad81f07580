// libFuzzer target: any byte string as an RLP gateway's event stream, through SseParser. The
// parser must never crash, must never hand out an event larger than its limit, and (while no
// line comes near the limit) must find the same events whether the bytes come whole or in
// reads whose sizes the input's first byte picks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nozzle/ingress/sse_parser.h"

namespace {

using Events = std::vector<std::pair<std::string, std::string>>;

Events parse(std::string_view stream, std::size_t chunk, std::size_t max_event, std::size_t& oversized) {
  nozzle::SseParser parser(max_event);
  Events events;
  const nozzle::SseParser::Handler on_event = [&](std::string_view name, std::string_view data) {
    if (data.size() > max_event) std::abort();
    events.emplace_back(name, data);
  };
  while (!stream.empty()) {
    const std::size_t n = chunk < stream.size() ? chunk : stream.size();
    parser.feed(stream.substr(0, n), on_event);
    stream.remove_prefix(n);
  }
  oversized = parser.oversized();
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  // A limit no input reaches: the split into reads must not matter.
  std::size_t oversized_whole = 0;
  std::size_t oversized_pieces = 0;
  const Events whole = parse(stream, stream.size() + 1, 1u << 20, oversized_whole);
  const Events pieces = parse(stream, chunk, 1u << 20, oversized_pieces);
  if (whole != pieces || oversized_whole != 0 || oversized_pieces != 0) std::abort();

  // A small limit: events past it are dropped and counted, never handed out (checked above).
  std::size_t oversized_small = 0;
  (void)parse(stream, chunk, 32, oversized_small);
  return 0;
}
