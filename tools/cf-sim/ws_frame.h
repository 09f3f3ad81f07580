// Server-side websocket framing (RFC 6455), by hand: the firehose writes many binary messages
// per socket write, which a message-at-a-time websocket library cannot do. Pure code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cfsim {

enum WsOpcode : unsigned { kWsContinuation = 0, kWsText = 1, kWsBinary = 2, kWsClose = 8, kWsPing = 9, kWsPong = 10 };

// Appends an unmasked, final frame header for a payload of len bytes.
void append_ws_header(std::string& out, unsigned opcode, std::size_t len);
// A complete close frame with a status code and reason.
std::string ws_close_frame(std::uint16_t code, std::string_view reason);
// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key.
std::string websocket_accept(std::string_view key);

struct WsFrame {
  unsigned opcode = 0;
  bool fin = true;
  std::string payload;  // unmasked
};

// Reassembles client frames from the byte stream. Client frames must be masked (RFC 6455 5.1);
// an unmasked one, a control frame over 125 bytes or a message over max_message is an error.
class WsFrameReader {
 public:
  explicit WsFrameReader(std::size_t max_message = 1 << 20) : max_(max_message) {}
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // Takes the next complete frame out of the buffer. False when none is complete yet.
  bool next(WsFrame& frame);
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  std::size_t max_;
  std::string buffer_;
  bool failed_ = false;
};

// The status code of a close frame payload (1005 when it has none).
std::uint16_t ws_close_code(std::string_view payload);

}  // namespace cfsim
