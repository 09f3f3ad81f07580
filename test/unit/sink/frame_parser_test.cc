#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "syslog-sink/frame_parser.h"

using sink::FrameParser;
using Status = FrameParser::Status;
using Framing = FrameParser::Framing;

namespace {

struct Outcome {
  std::vector<std::string> frames;
  std::vector<Framing> framings;
  std::string error;  // empty when the stream parsed (and ended) cleanly
};

// Feeds `stream` in chunks of `chunk` bytes, then finish().
Outcome parse(std::string_view stream, std::size_t chunk, std::size_t max = 8192) {
  FrameParser parser(max);
  Outcome out;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    parser.feed(stream.substr(at, chunk));
    for (;;) {
      const auto r = parser.next();
      if (r.status == Status::Frame) {
        out.frames.emplace_back(r.message);
        out.framings.push_back(r.framing);
      } else if (r.status == Status::NeedMore) {
        break;
      } else {
        out.error = std::string(parser.error());
        return out;
      }
    }
  }
  if (!parser.finish()) out.error = std::string(parser.error());
  return out;
}

bool points_into(std::string_view inner, std::string_view outer) {
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

const std::string kCfMessage =
    "<14>1 1970-01-01T00:00:00.012345+00:00 test-hostname test-app-id [MY-TASK/2] - "
    "[tags@47450 source_type=\"MY TASK\"] just a test\n";

}  // namespace

TEST_CASE("sink frame parser: octet-counted CF frame, length counts the trailing LF") {
  const std::string stream = std::to_string(kCfMessage.size()) + " " + kCfMessage;
  FrameParser parser(8192);
  parser.feed(stream);
  const auto r = parser.next();
  REQUIRE(r.status == Status::Frame);
  CHECK(r.framing == Framing::OctetCounting);
  CHECK(r.message == kCfMessage);
  CHECK(r.message.back() == '\n');
  CHECK(points_into(r.message, stream));  // no copy for a frame inside the chunk
  CHECK(parser.next().status == Status::NeedMore);
  CHECK(parser.at_frame_boundary());
  CHECK(parser.finish());
}

TEST_CASE("sink frame parser: LF framing strips the LF trailer, keeps a CR, no copy") {
  const std::string stream = "<14>1 - - - - - - a\n<14>1 - - - - - - b\r\n";
  FrameParser parser(8192);
  parser.feed(stream);
  auto r = parser.next();
  REQUIRE(r.status == Status::Frame);
  CHECK(r.framing == Framing::LineFeed);
  CHECK(r.message == "<14>1 - - - - - - a");
  CHECK(points_into(r.message, stream));
  r = parser.next();
  REQUIRE(r.status == Status::Frame);
  CHECK(r.message == "<14>1 - - - - - - b\r");
  CHECK(parser.next().status == Status::NeedMore);
}

TEST_CASE("sink frame parser: mixed framings, the same frames for every chunk size") {
  const std::string a = "<13>1 - h a p m - octet one";
  const std::string b = "<13>1 - h a p m - line two";
  const std::string c = "x";  // octet counting carries any bytes, even an LF or a '<'
  const std::string d = "<1>\n<2>";
  const std::string stream = std::to_string(a.size()) + " " + a + b + "\n" +
                             std::to_string(c.size()) + " " + c + std::to_string(d.size()) + " " +
                             d + kCfMessage;  // the CF message, LF framed this time
  const std::vector<std::string> want{a, b, c, d, kCfMessage.substr(0, kCfMessage.size() - 1)};
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    CAPTURE(chunk);
    const Outcome out = parse(stream, chunk);
    CHECK(out.error == "");
    CHECK(out.frames == want);
    CHECK(out.framings == std::vector<Framing>{Framing::OctetCounting, Framing::LineFeed,
                                               Framing::OctetCounting, Framing::OctetCounting,
                                               Framing::LineFeed});
  }
}

TEST_CASE("sink frame parser: a frame split across chunks is assembled, then released") {
  FrameParser parser(100);
  const std::string first = "11 hello", second = " world5 again";
  parser.feed(first);
  CHECK(parser.next().status == Status::NeedMore);
  CHECK_FALSE(parser.at_frame_boundary());
  parser.feed(second);
  auto r = parser.next();
  REQUIRE(r.status == Status::Frame);
  CHECK(r.message == "hello world");
  CHECK_FALSE(points_into(r.message, first));
  CHECK_FALSE(points_into(r.message, second));
  r = parser.next();
  REQUIRE(r.status == Status::Frame);
  CHECK(r.message == "again");
  CHECK(points_into(r.message, second));  // back to zero copy after the split frame
}

TEST_CASE("sink frame parser: a chunk boundary right after MSG-LEN SP keeps zero copy") {
  FrameParser parser(100);
  parser.feed("5 ");
  CHECK(parser.next().status == Status::NeedMore);
  const std::string body = "hello";
  parser.feed(body);
  const auto r = parser.next();
  REQUIRE(r.status == Status::Frame);
  CHECK(r.message == "hello");
  CHECK(points_into(r.message, body));
}

TEST_CASE("sink frame parser: maximum size is inclusive for both framings") {
  CHECK(parse("5 abcde", 3, 5).frames == std::vector<std::string>{"abcde"});
  CHECK(parse("6 abcdef", 3, 5).error == "MSG-LEN exceeds the maximum of 5 octets");
  CHECK(parse("<bcde\n", 2, 5).frames == std::vector<std::string>{"<bcde"});
  for (std::size_t chunk : {1, 2, 100}) {
    CAPTURE(chunk);
    CHECK(parse("<bcdef\n", chunk, 5).error == "LF-framed message exceeds the maximum of 5 octets");
    // No LF at all: rejected once the limit passes, not buffered without bound.
    CHECK(parse(std::string(50, '<'), chunk, 5).error ==
          "LF-framed message exceeds the maximum of 5 octets");
  }
}

TEST_CASE("sink frame parser: garbage is a framing error naming the bytes") {
  CHECK(parse("0 x", 10).error == "MSG-LEN starts with '0' at \"0 x\"");
  CHECK(parse("05 hello", 10).error == "MSG-LEN starts with '0' at \"05 hello\"");
  CHECK(parse("hello\n", 10).error ==
        "frame starts with neither a digit (octet counting) nor '<' (LF framing) at \"hello\\x0a\"");
  CHECK(parse(" 5 hello", 10).error.starts_with("frame starts with neither"));
  CHECK(parse("\n", 10).error.starts_with("frame starts with neither"));  // empty LF frame
  CHECK(parse("12x", 10).error == "MSG-LEN not followed by SP at \"x\"");
  CHECK(parse("5\thello", 10).error == "MSG-LEN not followed by SP at \"\\x09hello\"");
  // Much longer than any size_t: rejected on the digit that passes the maximum, no overflow.
  CHECK(parse("99999999999999999999999999999999 x", 1).error ==
        "MSG-LEN exceeds the maximum of 8192 octets");
  // An error after good frames keeps the good ones.
  const Outcome out = parse("1 a<b\nX", 1);
  CHECK(out.frames == std::vector<std::string>{"a", "<b"});
  CHECK(out.error.starts_with("frame starts with neither"));
}

TEST_CASE("sink frame parser: after an error the parser stays failed") {
  FrameParser parser(100);
  parser.feed("0 ");
  CHECK(parser.next().status == Status::Error);
  CHECK(parser.failed());
  parser.feed("5 hello");
  CHECK(parser.next().status == Status::Error);
  CHECK_FALSE(parser.finish());
  CHECK(parser.error().starts_with("MSG-LEN starts with '0'"));
}

TEST_CASE("sink frame parser: the stream ending inside a frame is reported by finish()") {
  CHECK(parse("", 1).error == "");
  CHECK(parse("5 hello", 1).error == "");
  CHECK(parse("12", 1).error == "stream ended inside MSG-LEN");
  CHECK(parse("10 hello", 3).error ==
        "stream ended inside an octet-counted frame (5 of 10 octets received)");
  CHECK(parse("10 ", 3).error ==
        "stream ended inside an octet-counted frame (0 of 10 octets received)");
  CHECK(parse("<14>1 no trailer", 4).error ==
        "stream ended inside an LF-framed message (no trailing LF after 16 octets)");
}
