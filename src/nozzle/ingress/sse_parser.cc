#include "nozzle/ingress/sse_parser.h"

#include <cstring>

namespace nozzle {
namespace {

// The first CR or LF at or after `pos`, or npos. Two memchr scans of the rest of the chunk:
// find_first_of("\r\n") calls memchr on the two-character set once per byte of the chunk,
// which was an eighth of a v2 connection's time (bench/RESULTS.md, End to end).
std::size_t find_line_end(std::string_view s, std::size_t pos) {
  const char* begin = s.data() + pos;
  const std::size_t n = s.size() - pos;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', n));
  const std::size_t before_lf = lf != nullptr ? static_cast<std::size_t>(lf - begin) : n;
  if (const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', before_lf))) {
    return pos + static_cast<std::size_t>(cr - begin);
  }
  return lf != nullptr ? pos + before_lf : std::string_view::npos;
}

}  // namespace

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
    const std::size_t end = find_line_end(chunk, pos);
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
