#include "nozzle/ingress/websocket_frames.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using namespace nozzle::ws;

namespace {

enum class Length { Shortest, Force16, Force64 };

// A server frame as the wire carries it (unmasked unless `mask_bit`).
std::string server_frame(bool fin, std::uint8_t opcode, std::string_view payload, Length form = Length::Shortest,
                         std::uint8_t extra_b0 = 0, bool mask_bit = false) {
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0) | extra_b0 | opcode));
  const std::uint64_t n = payload.size();
  const std::uint8_t m = mask_bit ? 0x80 : 0;
  if (form == Length::Force64 || (form == Length::Shortest && n > 0xFFFF)) {
    out.push_back(static_cast<char>(m | 127));
    for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<char>(n >> s));
  } else if (form == Length::Force16 || n >= 126) {
    out.push_back(static_cast<char>(m | 126));
    for (int s = 8; s >= 0; s -= 8) out.push_back(static_cast<char>(n >> s));
  } else {
    out.push_back(static_cast<char>(m | n));
  }
  if (mask_bit) out.append(4, '\0');
  out.append(payload);
  return out;
}

std::string binary(std::string_view payload) { return server_frame(true, 2, payload); }
std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string p{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return p.append(reason);
}

// Every event as one comparable line.
std::string show(const Event& e) {
  switch (e.kind) {
    case Event::Kind::NeedMore: return "need-more";
    case Event::Kind::Message:
      return (e.opcode == Opcode::Text ? "text:" : "binary:") + std::string(e.payload);
    case Event::Kind::Ping: return "ping:" + std::string(e.payload);
    case Event::Kind::Pong: return "pong:" + std::string(e.payload);
    case Event::Kind::Close: return "close:" + std::to_string(e.close_code) + ":" + std::string(e.payload);
    case Event::Kind::Error: return "error:" + std::string(describe(e.error));
  }
  return "?";
}

std::vector<std::string> drain(FrameReader& r) {
  std::vector<std::string> out;
  for (;;) {
    const Event e = r.next();
    if (e.kind == Event::Kind::NeedMore) return out;
    out.push_back(show(e));
    if (e.kind == Event::Kind::Error) return out;
  }
}

// Reads `wire` the way the source does: into prepare()'s span, at most `chunk` bytes a time,
// decoding everything after each read.
std::vector<std::string> read_in_chunks(std::string_view wire, std::size_t chunk, std::size_t buffer_size = 256 * 1024,
                                        std::size_t max_message = 64u << 20) {
  FrameReader r(max_message, buffer_size);
  std::vector<std::string> out;
  while (!wire.empty()) {
    const auto room = r.prepare();
    REQUIRE(!room.empty());
    const std::size_t n = std::min({room.size(), chunk, wire.size()});
    std::memcpy(room.data(), wire.data(), n);
    r.commit(n);
    wire.remove_prefix(n);
    for (auto& line : drain(r)) out.push_back(std::move(line));
  }
  return out;
}

FrameError error_of(std::string_view wire, std::size_t max_message = 64u << 20) {
  FrameReader r(max_message);
  r.append(wire);
  const Event e = r.next();
  return e.kind == Event::Kind::Error ? e.error : FrameError::None;
}

}  // namespace

TEST_CASE("websocket frames: payload lengths in 7, 16 and 64 bits") {
  const std::string small(125, 'a'), medium(126, 'b'), large(65535, 'c'), huge(65536, 'd');
  FrameReader r;
  r.append(binary(small) + binary(medium) + binary(large) + binary(huge) + binary(""));
  CHECK(drain(r) == std::vector<std::string>{"binary:" + small, "binary:" + medium, "binary:" + large,
                                             "binary:" + huge, "binary:"});
  CHECK(r.buffered() == 0);
  CHECK(binary(medium).size() == 4 + 126);
  CHECK(binary(huge).size() == 10 + 65536);
}

TEST_CASE("websocket frames: a message in one frame is a view into the read buffer, not a copy") {
  FrameReader r;
  const auto room = r.prepare();
  const std::string wire = binary("envelope-1") + binary("envelope-2");
  std::memcpy(room.data(), wire.data(), wire.size());
  r.commit(wire.size());
  const Event first = r.next();
  REQUIRE(first.kind == Event::Kind::Message);
  CHECK(first.payload.data() == room.data() + 2);
  CHECK(r.next().payload == "envelope-2");
  CHECK(r.next().kind == Event::Kind::NeedMore);
}

TEST_CASE("websocket frames: fragmented messages with control frames between the fragments") {
  const std::string wire = server_frame(false, 2, "frag-1,") + server_frame(true, 9, "p1") +
                           server_frame(false, 0, "frag-2,") + server_frame(true, 10, "") +
                           server_frame(false, 0, "") + server_frame(true, 0, "frag-3") + binary("whole") +
                           server_frame(false, 1, "te") + server_frame(true, 0, "xt") +
                           server_frame(true, 8, close_payload(1008, "Client did not respond"));
  const std::vector<std::string> expected{"ping:p1", "pong:", "binary:frag-1,frag-2,frag-3", "binary:whole",
                                          "text:text", "close:1008:Client did not respond"};
  FrameReader r;
  r.append(wire);
  CHECK(drain(r) == expected);

  SUBCASE("fed one byte at a time, and in every chunk size up to the whole") {
    for (std::size_t chunk = 1; chunk <= wire.size(); ++chunk) {
      INFO("chunk " << chunk);
      CHECK(read_in_chunks(wire, chunk) == expected);
    }
  }
  SUBCASE("through a buffer smaller than one frame, which grows and shrinks back") {
    CHECK(read_in_chunks(wire, 3, 16) == expected);
    CHECK(read_in_chunks(wire, 1000, 16) == expected);
  }
}

TEST_CASE("websocket frames: large messages fed a byte at a time, and one larger than the buffer") {
  std::string big(70000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  const std::string wire = binary("x") + binary(big) + server_frame(false, 2, big.substr(0, 300)) +
                           server_frame(true, 0, big.substr(300, 400)) + binary("y");
  const std::vector<std::string> expected{"binary:x", "binary:" + big, "binary:" + big.substr(0, 700), "binary:y"};
  CHECK(read_in_chunks(wire, 1) == expected);
  CHECK(read_in_chunks(wire, 4096, 1024) == expected);

  FrameReader r(64u << 20, 1024);
  r.append(wire);
  CHECK(drain(r) == expected);
  (void)r.prepare();  // consumed: the buffer shrinks back, and still reads
  r.append(binary("after"));
  CHECK(drain(r) == std::vector<std::string>{"binary:after"});
}

TEST_CASE("websocket frames: close codes and reasons") {
  FrameReader r;
  r.append(server_frame(true, 8, ""));
  CHECK(drain(r) == std::vector<std::string>{"close:1005:"});
  for (std::uint16_t code : {1000, 1001, 1003, 1007, 1011, 1012, 1014, 3000, 4999}) {
    FrameReader ok;
    ok.append(server_frame(true, 8, close_payload(code, "why")));
    CHECK(drain(ok) == std::vector<std::string>{"close:" + std::to_string(code) + ":why"});
  }
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    INFO("code " << code);
    CHECK(error_of(server_frame(true, 8, close_payload(code, ""))) == FrameError::BadCloseCode);
  }
  CHECK(error_of(server_frame(true, 8, std::string(1, '\x03'))) == FrameError::BadCloseLength);
}

TEST_CASE("websocket frames: protocol violations are precise errors, and they stick") {
  CHECK(error_of(server_frame(true, 2, "x", Length::Shortest, 0, true)) == FrameError::MaskedFrame);
  CHECK(error_of(server_frame(true, 2, "x", Length::Shortest, 0x40)) == FrameError::ReservedBits);
  CHECK(error_of(server_frame(true, 2, "x", Length::Shortest, 0x20)) == FrameError::ReservedBits);
  CHECK(error_of(server_frame(true, 2, "x", Length::Shortest, 0x10)) == FrameError::ReservedBits);
  CHECK(error_of(server_frame(true, 3, "x")) == FrameError::UnknownOpcode);
  CHECK(error_of(server_frame(true, 0xB, "x")) == FrameError::UnknownOpcode);
  CHECK(error_of(server_frame(false, 9, "x")) == FrameError::FragmentedControl);
  CHECK(error_of(server_frame(true, 9, std::string(126, 'p'))) == FrameError::ControlTooLong);
  CHECK(error_of(server_frame(true, 2, "short", Length::Force16)) == FrameError::NonMinimalLength);
  CHECK(error_of(server_frame(true, 2, std::string(1000, 'x'), Length::Force64)) == FrameError::NonMinimalLength);
  CHECK(error_of(std::string("\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10)) == FrameError::LengthTooLarge);
  CHECK(error_of(server_frame(true, 0, "x")) == FrameError::UnexpectedContinuation);
  CHECK(error_of(server_frame(false, 2, "a") + server_frame(true, 2, "b")) == FrameError::ExpectedContinuation);
  CHECK(error_of(server_frame(false, 2, "a") + server_frame(true, 1, "b")) == FrameError::ExpectedContinuation);

  SUBCASE("a message over the limit fails on its header, before its payload arrives") {
    CHECK(error_of(binary(std::string(100, 'x')), 100) == FrameError::None);
    CHECK(error_of(server_frame(true, 2, std::string(101, 'x')).substr(0, 4), 100) == FrameError::MessageTooBig);
    const std::string parts = server_frame(false, 2, std::string(60, 'x')) + server_frame(true, 0, std::string(41, 'x'));
    CHECK(error_of(parts.substr(0, 62 + 2), 100) == FrameError::MessageTooBig);
    CHECK(close_code_for(FrameError::MessageTooBig) == 1009);
    CHECK(close_code_for(FrameError::MaskedFrame) == 1002);
  }
  SUBCASE("after an error, next() repeats it, and reset() starts over") {
    FrameReader r;
    r.append(binary("ok") + server_frame(true, 2, "x", Length::Shortest, 0, true) + binary("lost"));
    CHECK(drain(r) == std::vector<std::string>{"binary:ok", "error:masked frame from the server"});
    CHECK(r.next().error == FrameError::MaskedFrame);
    r.reset();
    r.append(binary("new"));
    CHECK(drain(r) == std::vector<std::string>{"binary:new"});
  }
}

TEST_CASE("websocket frames: client frames are masked with the given key, lengths encoded shortest") {
  const MaskKey mask{0x37, 0xfa, 0x21, 0x3d};
  // RFC 6455 5.7: a masked "Hello".
  CHECK(client_frame(Opcode::Text, "Hello", mask) == std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
  CHECK(client_frame(Opcode::Pong, "", mask) == std::string("\x8a\x80\x37\xfa\x21\x3d", 6));

  auto unmask = [](std::string_view frame, std::size_t header) {
    std::string out(frame.substr(header + 4));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(out[i] ^ frame[header + i % 4]);
    return out;
  };
  const std::string medium(300, 'm'), large(70000, 'l');
  const std::string f16 = client_frame(Opcode::Binary, medium, mask);
  CHECK(static_cast<unsigned char>(f16[1]) == (0x80 | 126));
  CHECK(unmask(f16, 4) == medium);
  const std::string f64 = client_frame(Opcode::Binary, large, mask);
  CHECK(static_cast<unsigned char>(f64[1]) == (0x80 | 127));
  CHECK(unmask(f64, 10) == large);

  const std::string close = client_close_frame(1000, "bye", mask);
  CHECK(static_cast<unsigned char>(close[0]) == 0x88);
  CHECK(unmask(close, 2) == close_payload(1000, "bye"));
  const std::string long_close = client_close_frame(1002, std::string(200, 'r'), mask);
  CHECK(static_cast<unsigned char>(long_close[1]) == (0x80 | 125));
}
