// Websocket framing (RFC 6455 section 5) for the client end of the v1 firehose: frames from the
// server parsed out of a byte buffer, and the few frames a client sends. Pure code: no I/O, no
// clock, no random source (the caller passes the mask key).
//
// The reader owns one buffer that the network reads into directly (prepare/commit), so a burst
// of small messages is decoded where it landed: a message in one frame is handed out as a view
// into that buffer, with no copy. A message in fragments (continuation frames, which Go's
// gorilla/websocket writes for messages larger than its write buffer) is joined in a second
// buffer; control frames may come between its fragments (RFC 6455 5.4).
//
// Server frames must not be masked and must not set reserved bits (no extension is
// negotiated). Any violation, or a message larger than max_message, is an error that sticks:
// the connection must be failed, with close_code_for(error). Text payloads and close reasons are
// not checked for UTF-8: the firehose sends binary messages only, and a reason is only logged.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace nozzle::ws {

enum class Opcode : std::uint8_t {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xA,
};

enum class FrameError : std::uint8_t {
  None,
  ReservedBits,            // RSV1-3 set, but no extension was negotiated
  MaskedFrame,             // the server masked a frame (5.1: it must not)
  UnknownOpcode,           // 0x3-0x7 or 0xB-0xF
  FragmentedControl,       // a control frame without FIN (5.5)
  ControlTooLong,          // a control frame's payload over 125 bytes (5.5)
  NonMinimalLength,        // a length in 16 or 64 bits that fits in fewer (5.2)
  LengthTooLarge,          // a 64-bit length with its top bit set (5.2)
  UnexpectedContinuation,  // a continuation frame with no message begun
  ExpectedContinuation,    // a new text or binary frame inside a fragmented message
  MessageTooBig,           // a message over max_message bytes
  BadCloseLength,          // a close payload of one byte (5.5.1)
  BadCloseCode,            // a close code that must not be sent (7.4)
};

// A short English description, for logs.
[[nodiscard]] std::string_view describe(FrameError error);
// The close code a client fails the connection with: 1009 for MessageTooBig, else 1002.
[[nodiscard]] std::uint16_t close_code_for(FrameError error);

// What the reader found next.
struct Event {
  enum class Kind : std::uint8_t { NeedMore, Message, Ping, Pong, Close, Error };
  Kind kind = Kind::NeedMore;
  Opcode opcode = Opcode::Binary;  // Message: Text or Binary
  std::string_view payload;        // Message, Ping, Pong: the payload; Close: the reason
  std::uint16_t close_code = 0;    // Close: the code, 1005 (none) for an empty close payload
  FrameError error = FrameError::None;
};

class FrameReader {
 public:
  static constexpr std::size_t kDefaultBufferSize = std::size_t{256} * 1024;
  static constexpr std::uint16_t kNoStatusCode = 1005;

  explicit FrameReader(std::size_t max_message = 64u << 20, std::size_t buffer_size = kDefaultBufferSize);

  // Free room at the end of the buffer for the next read from the network: never empty. It moves
  // an unfinished frame to the front, and grows the buffer when that frame cannot fit.
  [[nodiscard]] std::span<char> prepare();
  // `n` bytes were written at the start of the span prepare() returned.
  void commit(std::size_t n);
  // Copies bytes in (prepare and commit in a loop): bytes read with the HTTP response, tests.
  void append(std::string_view bytes);

  // The next complete message or control frame, NeedMore when the buffer holds no complete
  // one, or the (sticky) error. Views stay valid until the next call of next(), prepare(),
  // append() or reset().
  [[nodiscard]] Event next();

  // Bytes received and not yet consumed by next().
  [[nodiscard]] std::size_t buffered() const { return end_ - begin_; }
  // Forgets every byte and partial message (a new connection); keeps the error cleared.
  void reset();

 private:
  Event fail(FrameError error);
  void reallocate(std::size_t capacity);

  std::size_t max_message_;
  std::size_t default_capacity_;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;   // first byte not yet consumed
  std::size_t end_ = 0;     // one past the last byte received
  std::size_t needed_ = 0;  // bytes the frame at begin_ needs in all, once its header is known
  std::string message_;     // a fragmented message being joined
  Opcode message_opcode_ = Opcode::Binary;
  bool in_message_ = false;
  FrameError error_ = FrameError::None;
};

using MaskKey = std::array<std::uint8_t, 4>;

// One client frame, FIN set, masked with `mask` (a client must mask every frame, with a key
// the server cannot predict: RFC 6455 5.3). Control payloads must be at most 125 bytes.
[[nodiscard]] std::string client_frame(Opcode opcode, std::string_view payload, MaskKey mask);
// A close frame with `code` and `reason` (cut to the 123 bytes a control frame leaves for it).
[[nodiscard]] std::string client_close_frame(std::uint16_t code, std::string_view reason, MaskKey mask);

}  // namespace nozzle::ws
