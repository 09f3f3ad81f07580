// libFuzzer target: any byte string as a server's websocket stream, through the frame reader.
// The reader must never crash or read out of bounds, must keep its limits, and must find the
// same messages, control frames and error however the bytes are split into reads: here once
// whole, and once in reads whose sizes the input's first byte picks, into a buffer small
// enough to grow and shrink.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "nozzle/ingress/websocket_frames.h"

namespace {

constexpr std::size_t kMaxMessage = 4096;

// Consumes every event the reader holds, appending a line for each to `out`. False after an error.
bool drain(nozzle::ws::FrameReader& reader, std::vector<std::string>& out) {
  using Kind = nozzle::ws::Event::Kind;
  for (;;) {
    const nozzle::ws::Event e = reader.next();
    if (e.kind == Kind::NeedMore) return true;
    if (e.kind == Kind::Message && e.payload.size() > kMaxMessage) std::abort();
    if ((e.kind == Kind::Ping || e.kind == Kind::Pong) && e.payload.size() > 125) std::abort();
    if (e.kind == Kind::Close && e.payload.size() > 123) std::abort();
    std::string line(1, static_cast<char>('0' + static_cast<int>(e.kind)));
    line += std::to_string(static_cast<int>(e.opcode)) + "/" + std::to_string(e.close_code) + "/" +
            std::to_string(static_cast<int>(e.error)) + "/";
    line.append(e.payload);
    out.push_back(std::move(line));
    if (e.kind == Kind::Error) return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<std::string> whole;
  {
    nozzle::ws::FrameReader reader(kMaxMessage, 32);
    reader.append(wire);
    drain(reader, whole);
  }

  std::vector<std::string> pieces;
  nozzle::ws::FrameReader reader(kMaxMessage, 32);
  std::string_view rest = wire;
  bool ok = true;
  while (ok && !rest.empty()) {
    const auto room = reader.prepare();
    if (room.empty()) std::abort();
    const std::size_t n = std::min({room.size(), chunk, rest.size()});
    std::memcpy(room.data(), rest.data(), n);
    reader.commit(n);
    rest.remove_prefix(n);
    ok = drain(reader, pieces);
  }
  if (whole != pieces) std::abort();
  return 0;
}
