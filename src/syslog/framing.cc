#include "syslog/framing.h"

#include <charconv>

namespace nozzle::syslog {
namespace {

bool ends_with_lf(std::string_view msg) { return !msg.empty() && msg.back() == '\n'; }

std::size_t decimal_digits(std::size_t n) {
  std::size_t digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

}  // namespace

void append_frame(Framing framing, std::string_view msg, std::string& out) {
  switch (framing) {
    case Framing::OctetCounting: {
      // MSG-LEN counts every octet of the SYSLOG-MSG, its trailing LF included (as CF does).
      char len[24];
      auto r = std::to_chars(len, len + sizeof len, msg.size());
      *r.ptr++ = ' ';
      out.append(len, r.ptr);
      out.append(msg);
      return;
    }
    case Framing::Lf:
      out.append(msg);
      if (!ends_with_lf(msg)) out.push_back('\n');
      return;
    case Framing::Datagram:
      out.append(msg);
      return;
  }
}

std::size_t frame_overhead(Framing framing, std::string_view msg) {
  switch (framing) {
    case Framing::OctetCounting: return decimal_digits(msg.size()) + 1;
    case Framing::Lf: return ends_with_lf(msg) ? 0 : 1;
    case Framing::Datagram: return 0;
  }
  return 0;
}

}  // namespace nozzle::syslog
