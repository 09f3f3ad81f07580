// Byte-level helpers shared by the pcf and cf styles and the JSON body: UTF-8 validation and
// repair, number appends, RFC 5424 field sanitising. Private to src/syslog/.
//
// Invalid UTF-8 is repaired the way the Unicode standard recommends (§3.9, "maximal subparts"):
// each maximal subpart of an ill-formed sequence becomes one U+FFFD. A lone continuation byte,
// an overlong form, a surrogate and anything above U+10FFFF are all ill-formed.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nozzle::syslog::text {

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at p[0] (1..4), or 0 when it is ill-formed;
// then *bad is the length of its maximal subpart (1..3), which one U+FFFD replaces.
int utf8_sequence(const unsigned char* p, const unsigned char* end, int* bad);

// Index of the first byte that does not start a well-formed sequence (in.size() if none).
std::size_t valid_utf8_prefix(std::string_view in);

// The largest n <= max such that in[0, n) ends on a character boundary. `in` must be valid UTF-8.
std::size_t utf8_floor(std::string_view in, std::size_t max);

// Appends a log payload as CF's drains carry it: NUL bytes removed, invalid UTF-8 replaced.
// Stops before the first character that would take the appended length past `max`.
// Returns true when all of `in` was appended.
bool append_payload(std::string_view in, std::size_t max, std::string& out);

// Appends `value` reduced to PRINTUSASCII (33..126; other bytes dropped), at most `max` bytes.
// Returns the number of bytes appended.
std::size_t append_printusascii(std::string_view value, std::size_t max, std::string& out);

template <typename Int>
inline void append_int(Int v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Appends `v` as exactly `width` decimal digits (v must fit).
inline void append_fixed(unsigned v, int width, std::string& out) {
  char buf[10];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Appends CF's hostname label for `value` (see cf_host_label in rfc5424.h).
void append_cf_host_label(std::string_view value, std::string& out);

}  // namespace nozzle::syslog::text
