#include "cfapi/app_entry.h"

#include <array>

namespace nozzle::cfapi {
namespace {

constexpr std::array<std::int8_t, 256> make_hex_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<std::int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<std::int8_t>(c - 'A' + 10);
  return t;
}
constexpr auto kHex = make_hex_table();

// Positions of the 32 digits in 8-4-4-4-12 text.
constexpr std::array<std::uint8_t, 32> kDigitAt = {0,  1,  2,  3,  4,  5,  6,  7,  9,  10, 11,
                                                   12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25,
                                                   26, 27, 28, 29, 30, 31, 32, 33, 34, 35};

}  // namespace

std::optional<GuidKey> GuidKey::parse(std::string_view s) {
  if (s.size() != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return std::nullopt;
  std::uint64_t half[2] = {0, 0};
  int bad = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const std::int8_t v = kHex[static_cast<unsigned char>(s[kDigitAt[i]])];
    bad |= v;  // -1 sets the sign bit
    half[i / 16] = half[i / 16] << 4 | static_cast<std::uint64_t>(v & 0xf);
  }
  if (bad < 0) return std::nullopt;
  return GuidKey{half[0], half[1]};
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
