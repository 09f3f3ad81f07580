// Transport framing of a SYSLOG-MSG.
#include <doctest/doctest.h>

#include <string>

#include "syslog/framing.h"

using nozzle::syslog::append_frame;
using nozzle::syslog::frame_overhead;
using nozzle::syslog::Framing;

namespace {

std::string frame(Framing f, std::string_view msg) {
  std::string out = "prev|";  // frames are appended
  append_frame(f, msg, out);
  CHECK(out.size() - 5 == msg.size() + frame_overhead(f, msg));
  return out.substr(5);
}

}  // namespace

TEST_CASE("octet counting: LEN SP MSG, LEN counting the trailing LF") {
  CHECK(frame(Framing::OctetCounting, "<14>1 - - - - - -\n") == "18 <14>1 - - - - - -\n");
  CHECK(frame(Framing::OctetCounting, "x") == "1 x");
  CHECK(frame(Framing::OctetCounting, std::string(9, 'a')) == "9 " + std::string(9, 'a'));
  CHECK(frame(Framing::OctetCounting, std::string(10, 'a')) == "10 " + std::string(10, 'a'));
  CHECK(frame(Framing::OctetCounting, std::string(12345, 'a')) == "12345 " + std::string(12345, 'a'));
  CHECK(frame_overhead(Framing::OctetCounting, std::string(99, 'a')) == 3);
  CHECK(frame_overhead(Framing::OctetCounting, std::string(100, 'a')) == 4);
}

TEST_CASE("LF framing adds an LF only when the message lacks one") {
  CHECK(frame(Framing::Lf, "<14>1 msg\n") == "<14>1 msg\n");
  CHECK(frame(Framing::Lf, "<14>1 msg") == "<14>1 msg\n");
  CHECK(frame(Framing::Lf, "") == "\n");
  CHECK(frame_overhead(Framing::Lf, "a\n") == 0);
  CHECK(frame_overhead(Framing::Lf, "a") == 1);
}

TEST_CASE("datagrams carry the message as it is") {
  CHECK(frame(Framing::Datagram, "<14>1 msg\n") == "<14>1 msg\n");
  CHECK(frame(Framing::Datagram, "<14>1 msg") == "<14>1 msg");
  CHECK(frame_overhead(Framing::Datagram, "anything") == 0);
}
