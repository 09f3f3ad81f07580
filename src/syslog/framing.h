// Transport framing of a SYSLOG-MSG. Pure code.
#pragma once

#include <string>
#include <string_view>

namespace nozzle::syslog {

enum class Framing {
  OctetCounting,  // "LEN SP MSG" (RFC 5425 / RFC 6587 3.4.1); default for TCP and TLS
  Lf,             // MSG terminated by LF (RFC 6587 3.4.2, non-transparent)
  Datagram,       // UDP: one message per datagram, no framing bytes (RFC 5426)
};

// Appends msg framed as `framing` to out. With Lf, a trailing LF is added only when msg lacks one.
void append_frame(Framing framing, std::string_view msg, std::string& out);

// The number of framing bytes append_frame() adds to a message of `length` bytes.
std::size_t frame_overhead(Framing framing, std::string_view msg);

}  // namespace nozzle::syslog
