// Incremental syslog stream deframer for one TCP/TLS connection.
//
// Framing is detected per frame, from its first byte:
//   digit  octet counting, `MSG-LEN SP SYSLOG-MSG` (RFC 5425, RFC 6587 3.4.1);
//          MSG-LEN = NONZERO-DIGIT *DIGIT, so a leading `0` is an error.
//   `<`    non-transparent framing (RFC 6587 3.4.2): the message runs up to an LF, which is the
//          trailer and is not part of the message. Only LF is accepted as the trailer; a CR
//          before it stays in the message, where the validator will see it.
// Anything else is a framing error. After an error the parser stays failed: the caller is
// expected to close the connection, since the stream can no longer be resynchronised.
//
// Zero copy: a frame wholly inside the chunk being fed is returned as a view into that chunk.
// Only a frame split across chunks is assembled in an internal buffer (reused, so it allocates
// only while growing to the largest split frame seen).
//
// Use:
//   parser.feed(chunk);
//   for (;;) {
//     auto r = parser.next();
//     if (r.status == FrameParser::Status::Frame) use(r.message);
//     else if (r.status == FrameParser::Status::NeedMore) break;
//     else { report(parser.error()); close(); break; }
//   }
// `r.message` stays valid until the next call to next() or feed(), and the chunk must stay
// alive (and unchanged) until next() has returned NeedMore. Not thread-safe; one per connection.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sink {

class FrameParser {
 public:
  enum class Status { Frame, NeedMore, Error };
  enum class Framing { OctetCounting, LineFeed };

  struct Result {
    Status status;
    std::string_view message;  // only for Status::Frame
    Framing framing = Framing::OctetCounting;
  };

  // `max_message` bounds MSG-LEN for octet counting and the message length for LF framing.
  explicit FrameParser(std::size_t max_message);

  // Sets the next chunk. The previous chunk must have been consumed (next() returned NeedMore).
  void feed(std::string_view chunk);

  // Returns the next complete frame, NeedMore when the chunk is consumed, or Error.
  [[nodiscard]] Result next();

  // To call when the peer closed the stream: false (and error() set) when the stream ended
  // inside a frame.
  [[nodiscard]] bool finish();

  // Why the parser failed; empty while it has not.
  [[nodiscard]] std::string_view error() const { return error_; }
  [[nodiscard]] bool failed() const { return state_ == State::Failed; }
  // True between frames (nothing buffered, no length digits pending).
  [[nodiscard]] bool at_frame_boundary() const { return state_ == State::Start; }

 private:
  enum class State { Start, Length, Body, Line, Failed };

  Result fail(std::string reason);
  Result fail_near(std::string_view reason, std::size_t pos);
  Result too_long();

  std::size_t max_message_;
  State state_ = State::Start;
  std::string_view chunk_;
  std::size_t pos_ = 0;
  std::size_t length_ = 0;     // MSG-LEN being read, or still needed for the body
  std::size_t line_start_ = 0; // in chunk_, for an LF frame that began in this chunk
  std::string partial_;        // a frame split across chunks
  bool release_partial_ = false;
  std::string error_;
};

}  // namespace sink
