#include "cfapi/app_entry.h"

#include <array>
#include <bit>
#include <cstring>

namespace nozzle::cfapi {
namespace {

static_assert(std::endian::native == std::endian::little, "hex8() takes the first digit from the lowest byte");

// Positions of the 32 digits in 8-4-4-4-12 text.
constexpr std::array<std::uint8_t, 32> kDigitAt = {0,  1,  2,  3,  4,  5,  6,  7,  9,  10, 11,
                                                   12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25,
                                                   26, 27, 28, 29, 30, 31, 32, 33, 34, 35};

std::uint64_t load(const char* p, std::size_t n) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

// Eight hex digits, the first in the lowest byte of `x`, to their value; false when a byte is not
// a hex digit. Byte-wise arithmetic in one register (SWAR) rather than a table lookup per digit:
// the parse runs on every front cache miss, and this took 40 ns off such a lookup
// (bench_enrich, cycling over 100,000 apps).
bool hex8(std::uint64_t x, std::uint32_t& out) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  // High bit of each byte: lo <= byte <= hi. No carry crosses a byte while bytes are below 0x80.
  const auto between = [](std::uint64_t v, std::uint64_t lo, std::uint64_t hi) {
    return (v + kOnes * (0x80 - lo)) & ~(v + kOnes * (0x7f - hi)) & kHigh;
  };
  const std::uint64_t lower = x | kOnes * 0x20;  // 'A'-'F' -> 'a'-'f'; digits keep their value
  if ((x & kHigh) != 0 || (between(x, '0', '9') | between(lower, 'a', 'f')) != kHigh) return false;
  // A digit's value is its low nibble; a letter's (bit 6 set) its low nibble plus 9.
  std::uint64_t v = (x & kOnes * 0x0f) + 9 * ((x >> 6) & kOnes);
  v = ((v << 4) | (v >> 8)) & 0x00ff00ff00ff00ffull;  // digit pairs, in the even bytes
  v = (v | (v >> 8)) & 0x0000ffff0000ffffull;
  v = (v | (v >> 16)) & 0xffffffffull;
  out = __builtin_bswap32(static_cast<std::uint32_t>(v));  // the first pair is the high byte
  return true;
}

}  // namespace

std::optional<GuidKey> GuidKey::parse(std::string_view s) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return std::nullopt;
  const char* p = s.data();
  std::uint32_t a = 0, b = 0, c = 0, d = 0;
  if (!hex8(load(p, 8), a) || !hex8(load(p + 9, 4) | load(p + 14, 4) << 32, b) ||
      !hex8(load(p + 19, 4) | load(p + 24, 4) << 32, c) || !hex8(load(p + 28, 8), d)) {
    return std::nullopt;
  }
  return GuidKey{std::uint64_t{a} << 32 | b, std::uint64_t{c} << 32 | d};
}

void GuidKey::append_text(std::string& out) const {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t base = out.size();
  out.resize(base + 36, '-');
  for (std::size_t i = 0; i < 32; ++i) {
    const std::uint64_t h = i < 16 ? hi : lo;
    const unsigned shift = static_cast<unsigned>(60 - 4 * (i % 16));
    out[base + kDigitAt[i]] = kDigits[(h >> shift) & 0xf];
  }
}

std::string GuidKey::text() const {
  std::string s;
  append_text(s);
  return s;
}

}  // namespace nozzle::cfapi
