#include "nozzle/decode/json_scalars.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace nozzle::json {
namespace {

template <class Int>
bool parse_integer(std::string_view text, Int& out) {
  const char* first = text.data();
  const char* last = first + text.size();
  if (first == last) return false;
  auto [ptr, ec] = std::from_chars(first, last, out);
  if (ec == std::errc() && ptr == last) return true;
  if (ec == std::errc::result_out_of_range) return false;
  // Exponent or fraction form: accept it when the value is integral and fits.
  double d = 0;
  auto [dptr, dec] = std::from_chars(first, last, d);
  if (dec != std::errc() || dptr != last || !std::isfinite(d) || d != std::trunc(d)) return false;
  // 2^63 and 2^64 are exact doubles; anything at or past them does not fit.
  constexpr double kLimit = std::numeric_limits<Int>::is_signed ? 9223372036854775808.0 : 18446744073709551616.0;
  constexpr double kLow = std::numeric_limits<Int>::is_signed ? -9223372036854775808.0 : 0.0;
  if (d >= kLimit || d < kLow) return false;
  out = static_cast<Int>(d);
  return true;
}

// Decoding table: 0..63 for the digit, 64 for '=', 255 for anything else. Both alphabets map.
constexpr std::array<unsigned char, 256> make_base64_table() {
  std::array<unsigned char, 256> t{};
  for (auto& v : t) v = 255;
  constexpr std::string_view kStd = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (unsigned i = 0; i < 64; ++i) t[static_cast<unsigned char>(kStd[i])] = static_cast<unsigned char>(i);
  t['-'] = 62;
  t['_'] = 63;
  t['='] = 64;
  return t;
}
constexpr auto kBase64 = make_base64_table();

// The same, pre-shifted for each of the four digits of a group, so that a group is four loads
// and three ORs; anything but a digit sets bit 31 (bench/RESULTS.md, Decoding).
constexpr std::uint32_t kBadDigit = 0x80000000u;
constexpr std::array<std::uint32_t, 256> make_shifted_table(unsigned shift) {
  std::array<std::uint32_t, 256> t{};
  for (unsigned c = 0; c < 256; ++c) t[c] = kBase64[c] < 64 ? std::uint32_t{kBase64[c]} << shift : kBadDigit;
  return t;
}
constexpr auto kDigit0 = make_shifted_table(18);
constexpr auto kDigit1 = make_shifted_table(12);
constexpr auto kDigit2 = make_shifted_table(6);
constexpr auto kDigit3 = make_shifted_table(0);

// The 24 bits of one group of four digits, or a value with kBadDigit set.
inline std::uint32_t base64_group(const char* p) {
  return kDigit0[static_cast<unsigned char>(p[0])] | kDigit1[static_cast<unsigned char>(p[1])] |
         kDigit2[static_cast<unsigned char>(p[2])] | kDigit3[static_cast<unsigned char>(p[3])];
}

// The low 24 bits of v, most significant first, as one 4-byte store (the 4th byte is junk).
inline void store_be24(char* o, std::uint32_t v) {
  std::uint32_t be = v << 8;
  if constexpr (std::endian::native == std::endian::little) be = __builtin_bswap32(be);
  std::memcpy(o, &be, 4);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parse_int64(std::string_view text, std::int64_t& out) { return parse_integer(text, out); }

bool parse_uint64(std::string_view text, std::uint64_t& out) {
  if (!text.empty() && text.front() == '-') {
    // "-0" is zero; any other negative value is out of range.
    std::int64_t v = 0;
    if (!parse_integer(text, v) || v != 0) return false;
    out = 0;
    return true;
  }
  return parse_integer(text, out);
}

bool parse_double(std::string_view text, double& out) {
  if (text == "NaN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "Infinity") {
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-Infinity") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (text.empty()) return false;
  // from_chars would also take "inf" and "nan"; protojson spells those only as above.
  const char c = text.front() == '-' && text.size() > 1 ? text[1] : text.front();
  if (!(c >= '0' && c <= '9') && c != '.') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  // Out-of-range magnitudes (1e400) come back as an error; protojson rejects them too.
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool decode_base64(std::string_view text, std::string& out) {
  std::size_t n = text.size();
  std::size_t pad = 0;
  while (n > 0 && text[n - 1] == '=' && pad < 2) {
    --n;
    ++pad;
  }
  // With padding the whole length is a multiple of 4; without, a lone trailing digit is invalid.
  if (pad > 0 && text.size() % 4 != 0) return false;
  if (n % 4 == 1) return false;
  out.resize(n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1));
  char* o = out.data();
  const char* in = text.data();
  std::size_t i = 0;
  // Two groups at a time, each written as 4 bytes (the 4th overwritten next): while another
  // full group follows, the store stays inside `out`.
  for (; i + 12 <= n; i += 8) {
    const std::uint32_t v = base64_group(in + i);
    const std::uint32_t w = base64_group(in + i + 4);
    if (((v | w) & kBadDigit) != 0) return false;
    store_be24(o, v);
    store_be24(o + 3, w);
    o += 6;
  }
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t v = base64_group(in + i);
    if ((v & kBadDigit) != 0) return false;
    *o++ = static_cast<char>(v >> 16);
    *o++ = static_cast<char>(v >> 8);
    *o++ = static_cast<char>(v);
  }
  if (i < n) {
    unsigned v = 0;
    const std::size_t rest = n - i;
    for (std::size_t k = 0; k < rest; ++k) {
      const unsigned digit = kBase64[static_cast<unsigned char>(text[i + k])];
      if (digit >= 64) return false;
      v |= digit << (18 - 6 * k);
    }
    *o++ = static_cast<char>(v >> 16);
    if (rest == 3) *o++ = static_cast<char>(v >> 8);
  }
  return true;
}

bool normalize_uuid(std::string_view text, std::string& out) {
  out.clear();
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : hex_value(text[i]) < 0) return false;
  }
  out.assign(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

std::int64_t atoi_or_zero(std::string_view text) {
  // strconv.Atoi takes an optional sign and decimal digits only.
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && text.front() == '-') return 0;
  }
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return 0;
  return v;
}

void format_int(std::int64_t v, std::string& out) {
  char buf[24];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.assign(buf, ptr);
}

void format_fixed6(double v, std::string& out) {
  if (std::isnan(v)) {
    out.assign("NaN");
  } else if (std::isinf(v)) {
    out.assign(v > 0 ? "+Inf" : "-Inf");
  } else {
    // DBL_MAX in %f is 309 digits plus ".000000".
    char buf[330];
    const int n = std::snprintf(buf, sizeof buf, "%f", v);
    out.assign(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
}

std::uint64_t double_to_uint64(double v) {
  if (!(v > 0)) return 0;  // also NaN
  if (v >= 18446744073709551616.0) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(v);
}

std::int32_t double_to_int32(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 2147483647.0) return std::numeric_limits<std::int32_t>::max();
  if (v <= -2147483648.0) return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(v);
}

}  // namespace nozzle::json
