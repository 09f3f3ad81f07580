#include "nozzle/sse_parser.h"

namespace nozzle {

void SseParser::reset() {
  partial_.clear();
  data_.clear();
  name_.clear();
  has_data_ = too_big_ = last_was_cr_ = false;
}

void SseParser::feed(std::string_view chunk, const Handler& on_event) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    if (last_was_cr_ && chunk[pos] == '\n') ++pos;  // the LF of a CRLF split across chunks
    last_was_cr_ = false;
    const std::size_t end = chunk.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) {
      if (partial_.size() + (chunk.size() - pos) > max_event_) {
        too_big_ = true;  // a runaway line: keep nothing more of it
        partial_.clear();
      } else {
        partial_.append(chunk.substr(pos));
      }
      return;
    }
    if (partial_.empty()) {
      line(chunk.substr(pos, end - pos), on_event);
    } else {
      partial_.append(chunk.substr(pos, end - pos));
      line(partial_, on_event);
      partial_.clear();
    }
    pos = end + 1;
    if (chunk[end] == '\r') {
      if (pos < chunk.size()) {
        if (chunk[pos] == '\n') ++pos;
      } else {
        last_was_cr_ = true;
      }
    }
  }
}

void SseParser::line(std::string_view l, const Handler& on_event) {
  if (l.empty()) {
    if (has_data_ && !too_big_) on_event(name_.empty() ? std::string_view("message") : name_, data_);
    if (too_big_) ++oversized_;
    data_.clear();
    name_.clear();
    has_data_ = too_big_ = false;
    return;
  }
  if (l.front() == ':') return;
  const std::size_t colon = l.find(':');
  const std::string_view field = l.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "data") {
    if (too_big_) return;
    if (has_data_) data_.push_back('\n');
    if (data_.size() + value.size() > max_event_) {
      too_big_ = true;
      data_.clear();
      return;
    }
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    name_.assign(value);
  }
  // "id", "retry" and old-style "heartbeat" lines carry nothing a nozzle needs.
}

}  // namespace nozzle
