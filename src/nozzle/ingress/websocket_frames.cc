// Websocket framing, RFC 6455 section 5. Pure code.
#include "nozzle/ingress/websocket_frames.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace nozzle::ws {

namespace {

constexpr std::size_t kMaxHeader = 14;  // 2 + 8 (64-bit length) + 4 (mask key)
constexpr std::size_t kMaxControlPayload = 125;

bool is_control(std::uint8_t opcode) { return (opcode & 0x8) != 0; }

bool known_opcode(std::uint8_t opcode) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::Continuation:
    case Opcode::Text:
    case Opcode::Binary:
    case Opcode::Close:
    case Opcode::Ping:
    case Opcode::Pong:
      return true;
  }
  return false;
}

// Codes an endpoint may send (7.4.1, and the IANA registry's 1012-1014); 1004-1006 and 1015
// are reserved and never appear on the wire.
bool valid_close_code(std::uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014);
}

std::uint64_t big_endian(const unsigned char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

std::string_view describe(FrameError error) {
  switch (error) {
    case FrameError::None: return "no error";
    case FrameError::ReservedBits: return "reserved bits set in a frame (no extension was negotiated)";
    case FrameError::MaskedFrame: return "masked frame from the server";
    case FrameError::UnknownOpcode: return "unknown opcode";
    case FrameError::FragmentedControl: return "fragmented control frame";
    case FrameError::ControlTooLong: return "control frame payload over 125 bytes";
    case FrameError::NonMinimalLength: return "payload length not in its shortest encoding";
    case FrameError::LengthTooLarge: return "64-bit payload length with the top bit set";
    case FrameError::UnexpectedContinuation: return "continuation frame outside a fragmented message";
    case FrameError::ExpectedContinuation: return "new message inside a fragmented message";
    case FrameError::MessageTooBig: return "message larger than the limit";
    case FrameError::BadCloseLength: return "close frame with a one-byte payload";
    case FrameError::BadCloseCode: return "close frame with an invalid code";
  }
  return "unknown error";
}

std::uint16_t close_code_for(FrameError error) { return error == FrameError::MessageTooBig ? 1009 : 1002; }

FrameReader::FrameReader(std::size_t max_message, std::size_t buffer_size)
    : max_message_(max_message), default_capacity_(std::max<std::size_t>(buffer_size, kMaxHeader)) {
  reallocate(default_capacity_);
}

void FrameReader::reallocate(std::size_t capacity) {
  auto fresh = std::make_unique_for_overwrite<char[]>(capacity);
  const std::size_t n = end_ - begin_;
  if (n > 0) std::memcpy(fresh.get(), buffer_.get() + begin_, n);
  buffer_ = std::move(fresh);
  capacity_ = capacity;
  begin_ = 0;
  end_ = n;
}

std::span<char> FrameReader::prepare() {
  if (begin_ == end_) {
    begin_ = end_ = 0;
    // A large message made the buffer grow; give the memory back once it is consumed.
    if (capacity_ > default_capacity_) reallocate(default_capacity_);
  } else if (begin_ > 0) {
    // Only the unfinished frame at the end moves: usually a few hundred bytes per read.
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (needed_ > capacity_) {
    reallocate(needed_);
  } else if (end_ == capacity_) {
    // Full of bytes that next() has not seen yet (append() of more than the buffer holds).
    reallocate(capacity_ * 2);
  }
  return {buffer_.get() + end_, capacity_ - end_};
}

void FrameReader::commit(std::size_t n) {
  assert(n <= capacity_ - end_);
  end_ += n;
}

void FrameReader::append(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::span<char> room = prepare();
    const std::size_t n = std::min(room.size(), bytes.size());
    std::memcpy(room.data(), bytes.data(), n);
    commit(n);
    bytes.remove_prefix(n);
  }
}

void FrameReader::reset() {
  begin_ = end_ = needed_ = 0;
  message_.clear();
  in_message_ = false;
  error_ = FrameError::None;
  if (capacity_ > default_capacity_) reallocate(default_capacity_);
}

Event FrameReader::fail(FrameError error) {
  error_ = error;
  Event e;
  e.kind = Event::Kind::Error;
  e.error = error;
  return e;
}

Event FrameReader::next() {
  if (error_ != FrameError::None) return fail(error_);
  for (;;) {
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.get() + begin_);
    const std::size_t available = end_ - begin_;
    if (available < 2) {
      needed_ = 2;
      return {};
    }
    const bool fin = (p[0] & 0x80) != 0;
    const std::uint8_t opcode = p[0] & 0x0F;
    if ((p[0] & 0x70) != 0) return fail(FrameError::ReservedBits);
    if ((p[1] & 0x80) != 0) return fail(FrameError::MaskedFrame);
    if (!known_opcode(opcode)) return fail(FrameError::UnknownOpcode);
    const bool control = is_control(opcode);
    if (control && !fin) return fail(FrameError::FragmentedControl);

    std::size_t header = 2;
    std::uint64_t length = p[1] & 0x7F;
    if (length == 126) {
      header = 4;
    } else if (length == 127) {
      header = 10;
    }
    if (control && length > kMaxControlPayload) return fail(FrameError::ControlTooLong);
    if (available < header) {
      needed_ = header;
      return {};
    }
    if (header == 4) {
      length = big_endian(p + 2, 2);
      if (length < 126) return fail(FrameError::NonMinimalLength);
    } else if (header == 10) {
      length = big_endian(p + 2, 8);
      if ((length >> 63) != 0) return fail(FrameError::LengthTooLarge);
      if (length <= 0xFFFF) return fail(FrameError::NonMinimalLength);
    }

    if (!control) {
      if (opcode == static_cast<std::uint8_t>(Opcode::Continuation)) {
        if (!in_message_) return fail(FrameError::UnexpectedContinuation);
      } else if (in_message_) {
        return fail(FrameError::ExpectedContinuation);
      }
      const std::size_t so_far = in_message_ ? message_.size() : 0;
      if (length > max_message_ - so_far) return fail(FrameError::MessageTooBig);
    }

    if (available - header < length) {
      needed_ = header + static_cast<std::size_t>(length);
      return {};
    }
    const std::string_view payload(buffer_.get() + begin_ + header, static_cast<std::size_t>(length));
    begin_ += header + static_cast<std::size_t>(length);
    needed_ = 0;

    Event e;
    if (control) {
      switch (static_cast<Opcode>(opcode)) {
        case Opcode::Ping:
          e.kind = Event::Kind::Ping;
          e.payload = payload;
          return e;
        case Opcode::Pong:
          e.kind = Event::Kind::Pong;
          e.payload = payload;
          return e;
        default:
          break;
      }
      e.kind = Event::Kind::Close;
      if (payload.empty()) {
        e.close_code = kNoStatusCode;
        return e;
      }
      if (payload.size() == 1) return fail(FrameError::BadCloseLength);
      e.close_code = static_cast<std::uint16_t>(big_endian(reinterpret_cast<const unsigned char*>(payload.data()), 2));
      if (!valid_close_code(e.close_code)) return fail(FrameError::BadCloseCode);
      e.payload = payload.substr(2);
      return e;
    }

    if (!in_message_) {
      if (fin) {
        e.kind = Event::Kind::Message;
        e.opcode = static_cast<Opcode>(opcode);
        e.payload = payload;
        return e;
      }
      in_message_ = true;
      message_opcode_ = static_cast<Opcode>(opcode);
      message_.assign(payload);
      continue;
    }
    message_.append(payload);
    if (!fin) continue;
    in_message_ = false;
    e.kind = Event::Kind::Message;
    e.opcode = message_opcode_;
    e.payload = message_;
    return e;
  }
}

std::string client_frame(Opcode opcode, std::string_view payload, MaskKey mask) {
  std::string out;
  out.reserve(kMaxHeader + payload.size());
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  for (std::uint8_t m : mask) out.push_back(static_cast<char>(m));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(payload[i]) ^ mask[i % 4]));
  }
  return out;
}

std::string client_close_frame(std::uint16_t code, std::string_view reason, MaskKey mask) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, kMaxControlPayload - 2));
  return client_frame(Opcode::Close, payload, mask);
}

}  // namespace nozzle::ws
