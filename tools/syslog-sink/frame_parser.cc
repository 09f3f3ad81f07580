#include "frame_parser.h"

#include <algorithm>
#include <cstring>

namespace sink {
namespace {

// The bytes around a framing error, printable, so a report shows what the peer sent.
std::string excerpt(std::string_view bytes, std::size_t max_len = 32) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.substr(0, max_len)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

FrameParser::FrameParser(std::size_t max_message) : max_message_(max_message) {}

void FrameParser::feed(std::string_view chunk) {
  if (release_partial_) {
    partial_.clear();
    release_partial_ = false;
  }
  chunk_ = chunk;
  pos_ = 0;
}

FrameParser::Result FrameParser::fail(std::string reason) {
  state_ = State::Failed;
  error_ = std::move(reason);
  return {Status::Error, {}};
}

FrameParser::Result FrameParser::fail_near(std::string_view reason, std::size_t pos) {
  return fail(std::string(reason) + " at \"" + excerpt(chunk_.substr(pos)) + "\"");
}

FrameParser::Result FrameParser::too_long() {
  return fail("MSG-LEN exceeds the maximum of " + std::to_string(max_message_) + " octets");
}

FrameParser::Result FrameParser::next() {
  if (release_partial_) {
    partial_.clear();
    release_partial_ = false;
  }
  const std::size_t size = chunk_.size();
  while (state_ != State::Failed && pos_ < size) {
    switch (state_) {
      case State::Start: {
        const char c = chunk_[pos_];
        if (c >= '1' && c <= '9') {
          length_ = static_cast<std::size_t>(c - '0');
          if (length_ > max_message_) return too_long();
          state_ = State::Length;
          ++pos_;
        } else if (c == '<') {
          // Not consumed: the Line state must see at least this byte, so that a line whose
          // '<' ends a chunk is copied into partial_.
          line_start_ = pos_;
          state_ = State::Line;
        } else if (c == '0') {
          return fail_near("MSG-LEN starts with '0'", pos_);
        } else {
          return fail_near("frame starts with neither a digit (octet counting) nor '<' (LF framing)",
                           pos_);
        }
        break;
      }
      case State::Length: {
        while (pos_ < size) {
          const char c = chunk_[pos_];
          if (c >= '0' && c <= '9') {
            length_ = length_ * 10 + static_cast<std::size_t>(c - '0');
            if (length_ > max_message_) return too_long();
            ++pos_;
          } else if (c == ' ') {
            ++pos_;
            state_ = State::Body;
            break;
          } else {
            return fail_near("MSG-LEN not followed by SP", pos_);
          }
        }
        break;
      }
      case State::Body: {
        const std::size_t avail = size - pos_;
        if (partial_.empty()) {
          if (avail >= length_) {
            const std::string_view message = chunk_.substr(pos_, length_);
            pos_ += length_;
            state_ = State::Start;
            return {Status::Frame, message, Framing::OctetCounting};
          }
          partial_.reserve(length_);
        }
        const std::size_t take = std::min(avail, length_ - partial_.size());
        partial_.append(chunk_.data() + pos_, take);
        pos_ += take;
        if (partial_.size() == length_) {
          state_ = State::Start;
          release_partial_ = true;
          return {Status::Frame, partial_, Framing::OctetCounting};
        }
        break;
      }
      case State::Line: {
        const auto* lf =
            static_cast<const char*>(std::memchr(chunk_.data() + pos_, '\n', size - pos_));
        // A line that began in this chunk has nothing buffered: the '<' is always copied.
        const std::size_t from = partial_.empty() ? line_start_ : pos_;
        const std::size_t end = lf != nullptr ? static_cast<std::size_t>(lf - chunk_.data()) : size;
        if (partial_.size() + (end - from) > max_message_) {
          return fail("LF-framed message exceeds the maximum of " + std::to_string(max_message_) +
                      " octets");
        }
        if (lf == nullptr) {
          partial_.append(chunk_.data() + from, end - from);
          pos_ = size;
          break;
        }
        pos_ = end + 1;
        state_ = State::Start;
        if (partial_.empty()) {
          return {Status::Frame, chunk_.substr(from, end - from), Framing::LineFeed};
        }
        partial_.append(chunk_.data() + from, end - from);
        release_partial_ = true;
        return {Status::Frame, partial_, Framing::LineFeed};
      }
      case State::Failed:
        break;
    }
  }
  return {state_ == State::Failed ? Status::Error : Status::NeedMore, {}};
}

bool FrameParser::finish() {
  switch (state_) {
    case State::Start:
      return true;
    case State::Failed:
      return false;
    case State::Length:
      error_ = "stream ended inside MSG-LEN";
      break;
    case State::Body:
      error_ = "stream ended inside an octet-counted frame (" + std::to_string(partial_.size()) +
               " of " + std::to_string(length_) + " octets received)";
      break;
    case State::Line:
      error_ = "stream ended inside an LF-framed message (no trailing LF after " +
               std::to_string(partial_.size()) + " octets)";
      break;
  }
  state_ = State::Failed;
  return false;
}

}  // namespace sink
