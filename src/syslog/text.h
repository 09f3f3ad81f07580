// Byte-level helpers shared by the pcf and cf styles and the JSON body: UTF-8 validation and
// repair, RFC 5424 field sanitising, timestamps and numbers. Private to src/syslog/.
//
// Invalid UTF-8 is repaired the way the Unicode standard recommends (§3.9, "maximal subparts"):
// each maximal subpart of an ill-formed sequence becomes one U+FFFD. A lone continuation byte,
// an overlong form, a surrogate and anything above U+10FFFF are all ill-formed.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nozzle::syslog::text {

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Byte classes for the scanning loops: one load per byte instead of a chain of compares.
using ByteClass = std::array<bool, 256>;
// ASCII that a JSON string carries as is (not a control character, '"' or '\').
inline constexpr ByteClass kJsonPlain = [] {
  ByteClass t{};
  for (unsigned c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();
// ASCII that an SD-PARAM value carries unescaped (anything but '"', '\' and ']').
inline constexpr ByteClass kSdPlain = [] {
  ByteClass t{};
  for (unsigned c = 0; c < 0x80; ++c) t[c] = c != '"' && c != '\\' && c != ']';
  return t;
}();
// SD-NAME characters: PRINTUSASCII except '=', ']' and '"' (SP is not PRINTUSASCII).
inline constexpr ByteClass kSdName = [] {
  ByteClass t{};
  for (unsigned c = 33; c <= 126; ++c) t[c] = c != '=' && c != ']' && c != '"';
  return t;
}();

// The last n bytes (1 <= n < 8) of a string at least 8 bytes long, as the low bytes of a
// little-endian word (the high bytes zero): a short tail tested and copied as one word.
inline std::uint64_t tail_word(const unsigned char* end, std::size_t n) {
  std::uint64_t w;
  __builtin_memcpy(&w, end - 8, sizeof w);
  return w >> (8 * (8 - n));
}

// SWAR: the index (0..7) of the first byte of the little-endian word w that is >= 0x80 or
// equal to a, b or c (each < 0x80), or 8 when there is none.
inline unsigned first_byte_of(std::uint64_t w, unsigned char a, unsigned char b, unsigned char c) {
  constexpr std::uint64_t kLow = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  // A byte is flagged exactly when it is zero, except above a flagged byte; the lowest flag is
  // therefore exact, which is all that is asked.
  auto zero = [](std::uint64_t x) { return (x - kLow) & ~x & kHigh; };
  const std::uint64_t any = zero(w ^ (kLow * a)) | zero(w ^ (kLow * b)) | zero(w ^ (kLow * c)) |
                            (w & kHigh);
  return any == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(any)) / 8;
}

// Length of the well-formed UTF-8 sequence starting at p[0] (1..4), or 0 when it is ill-formed;
// then *bad is the length of its maximal subpart (1..3), which one U+FFFD replaces.
inline int utf8_sequence(const unsigned char* p, const unsigned char* end, int* bad) {
  const unsigned c = p[0];
  if (c < 0x80) return 1;
  // Unicode Table 3-7: the second byte's range depends on the lead byte; that single rule
  // excludes overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
  int need;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *bad = 1;
    return 0;
  }
  for (int i = 1; i <= need; ++i) {
    if (p + i >= end || p[i] < lo || p[i] > hi) {
      *bad = i;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

// Index of the first byte that does not start a well-formed sequence (in.size() if none).
std::size_t valid_utf8_prefix(std::string_view in);

// The largest n <= max such that in[0, n) ends on a character boundary. `in` must be valid UTF-8.
std::size_t utf8_floor(std::string_view in, std::size_t max);

// The put_* functions write at `p`, into room the caller has reserved, and return the end.

// `in` with invalid UTF-8 replaced, at most `max` bytes: stops before the first character that
// does not fit; *complete tells whether all of `in` went out. Needs min(max, 3 * in.size())
// bytes of room.
char* put_repaired(std::string_view in, std::size_t max, char* p, bool* complete);

// `value` reduced to PRINTUSASCII (33..126; other bytes dropped), at most `max` bytes.
// Needs min(max, value.size()) bytes.
char* put_printusascii(std::string_view value, std::size_t max, char* p);
// As put_printusascii, but "-" (NILVALUE) when nothing is left. Needs one byte more.
char* put_header_field(std::string_view value, std::size_t max, char* p);

// An SD-PARAM value: '"', '\' and ']' escaped, invalid UTF-8 replaced. Needs 3 * size bytes.
char* put_sd_value(std::string_view value, char* p);
inline std::size_t sd_value_bound(std::string_view value) { return 3 * value.size(); }

// CF's hostname label (see cf_host_label in rfc5424.h). Needs value.size() bytes.
char* put_cf_host_label(std::string_view value, char* p);

// RFC 5424 timestamps (see append_timestamp_utc / _cf in rfc5424.h). Need kMaxTimestamp bytes.
inline constexpr std::size_t kMaxTimestamp = 32;
char* put_timestamp_utc(std::int64_t unix_ns, char* p);
char* put_timestamp_cf(std::int64_t unix_ns, char* p);

// Go's strconv.FormatFloat(v, 'g', -1, 64). Needs kMaxGoFloat bytes.
inline constexpr std::size_t kMaxGoFloat = 32;
char* put_go_float(double v, char* p);

// Decimal integers. Need kMaxInt bytes.
inline constexpr std::size_t kMaxInt = 20;
template <typename Int>
inline char* put_int(Int v, char* p) {
  return std::to_chars(p, p + kMaxInt, v).ptr;
}

}  // namespace nozzle::syslog::text
