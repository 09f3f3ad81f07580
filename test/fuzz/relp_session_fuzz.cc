// libFuzzer target: any byte string as a RELP server's answers, through RelpSession::feed().
// The session must never crash, must never acknowledge more frames than it sent, and must find
// the same acknowledgements and verdict whether the bytes come whole or one at a time.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "syslog/relp_session.h"

namespace {

struct Outcome {
  std::size_t acked = 0;
  bool opened = false;
  bool closed = false;
  bool failed = false;
};

Outcome run(std::string_view input, bool bytewise) {
  nozzle::syslog::RelpSession s(16);
  (void)s.start();
  std::string out;
  Outcome o;
  auto feed = [&](std::string_view part) {
    if (o.failed) return;
    nozzle::syslog::RelpSession::Progress p;
    s.feed(part, p);
    o.acked += p.acked;
    o.opened = o.opened || p.opened;
    o.closed = o.closed || p.closed;
    o.failed = !p.error.empty();
    // Keep the window full so that answers have frames to acknowledge.
    while (s.is_open() && s.frame_syslog("<13>1 - - - - - x", out)) {}
  };
  if (bytewise) {
    for (char c : input) feed(std::string_view(&c, 1));
  } else {
    feed(input);
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Outcome whole = run(input, false);
  const Outcome pieces = run(input, true);
  // Bytewise feeding tops the window up between answers, so it may acknowledge more than the
  // whole feed, never less; the opening and a failure are seen the same way.
  if (pieces.opened != whole.opened) std::abort();
  if (!whole.failed && pieces.acked < whole.acked) std::abort();
  return 0;
}
