// Server-sent events (the RLP gateway's stream, docs/WIRE.md, "Event stream"), parsed incrementally
// from arbitrary chunks. Pure code.
//
// Lines end in LF, CRLF or CR. "data:" lines of one event are joined with LF; a blank line
// dispatches the event; ":" lines are comments; "event:" names the event (default "message");
// old gateways' "heartbeat: ..." lines are ignored. An event whose data grows past `max_event`
// bytes is dropped and reported, so a broken stream cannot exhaust memory.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace nozzle {

class SseParser {
 public:
  // name: the event field ("message" when absent); data: the joined data lines.
  using Handler = std::function<void(std::string_view name, std::string_view data)>;

  explicit SseParser(std::size_t max_event = 64u << 20) : max_event_(max_event) {}

  void feed(std::string_view chunk, const Handler& on_event);
  // Events dropped because they exceeded max_event.
  [[nodiscard]] std::size_t oversized() const { return oversized_; }
  void reset();

 private:
  void line(std::string_view l, const Handler& on_event);

  std::size_t max_event_;
  std::string partial_;  // an unfinished line carried over between chunks
  std::string data_;
  std::string name_;
  bool has_data_ = false;
  bool too_big_ = false;
  bool last_was_cr_ = false;
  std::size_t oversized_ = 0;
};

}  // namespace nozzle
