#include "ws_frame.h"

#include <openssl/sha.h>

#include "http_types.h"

namespace cfsim {

void append_ws_header(std::string& out, unsigned opcode, std::size_t len) {
  char h[10];
  h[0] = static_cast<char>(0x80 | opcode);
  if (len < 126) {
    h[1] = static_cast<char>(len);
    out.append(h, 2);
  } else if (len <= 0xffff) {
    h[1] = 126;
    h[2] = static_cast<char>(len >> 8);
    h[3] = static_cast<char>(len);
    out.append(h, 4);
  } else {
    h[1] = 127;
    for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<char>(static_cast<std::uint64_t>(len) >> (56 - 8 * i));
    out.append(h, 10);
  }
}

std::string ws_close_frame(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason.substr(0, 123));
  std::string out;
  append_ws_header(out, kWsClose, payload.size());
  out += payload;
  return out;
}

std::string websocket_accept(std::string_view key) {
  std::string text(key);
  text += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

bool WsFrameReader::next(WsFrame& frame) {
  if (failed_ || buffer_.size() < 2) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data());
  const bool fin = (b[0] & 0x80) != 0;
  const unsigned opcode = b[0] & 0x0f;
  const bool masked = (b[1] & 0x80) != 0;
  std::uint64_t len = b[1] & 0x7f;
  std::size_t pos = 2;
  if (len == 126) {
    if (buffer_.size() < 4) return false;
    len = (std::uint64_t{b[2]} << 8) | b[3];
    pos = 4;
  } else if (len == 127) {
    if (buffer_.size() < 10) return false;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
    pos = 10;
  }
  if (!masked || len > max_ || (opcode >= 8 && (len > 125 || !fin))) {
    failed_ = true;
    return false;
  }
  if (buffer_.size() < pos + 4 + len) return false;
  const unsigned char* mask = b + pos;
  pos += 4;
  frame.opcode = opcode;
  frame.fin = fin;
  frame.payload.assign(buffer_.data() + pos, len);
  for (std::size_t i = 0; i < len; ++i) frame.payload[i] = static_cast<char>(frame.payload[i] ^ mask[i % 4]);
  buffer_.erase(0, pos + len);
  return true;
}

std::uint16_t ws_close_code(std::string_view payload) {
  if (payload.size() < 2) return 1005;
  return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                    static_cast<unsigned char>(payload[1]));
}

}  // namespace cfsim
