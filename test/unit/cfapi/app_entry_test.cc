// GuidKey::parse against a plain digit-by-digit reference: every byte value at every position.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "cfapi/app_entry.h"

using nozzle::cfapi::GuidKey;

namespace {

std::optional<GuidKey> reference_parse(const std::string& s) {
  if (s.size() != 36) return std::nullopt;
  std::uint64_t half[2] = {0, 0};
  int digits = 0;
  for (std::size_t i = 0; i < 36; ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
      continue;
    }
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) return std::nullopt;
    half[digits / 16] = half[digits / 16] << 4 | static_cast<std::uint64_t>(v);
    ++digits;
  }
  return GuidKey{half[0], half[1]};
}

}  // namespace

TEST_CASE("guid key: parse agrees with the reference for every byte at every position") {
  const std::string base = "0123abcd-ef45-6789-ABCD-EF0123456789";
  REQUIRE(GuidKey::parse(base));
  CHECK(*GuidKey::parse(base) == *reference_parse(base));
  CHECK(GuidKey::parse(base)->text() == "0123abcd-ef45-6789-abcd-ef0123456789");
  std::size_t accepted = 0;
  for (std::size_t pos = 0; pos < 36; ++pos) {
    for (int b = 0; b < 256; ++b) {
      std::string s = base;
      s[pos] = static_cast<char>(b);
      const auto got = GuidKey::parse(s);
      const auto want = reference_parse(s);
      REQUIRE(got.has_value() == want.has_value());
      if (got) {
        ++accepted;
        REQUIRE(*got == *want);
      }
    }
  }
  CHECK(accepted == 32 * 22 + 4);  // 22 hex characters per digit, '-' only at the dashes
}

TEST_CASE("guid key: text round trip over varied keys") {
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 10'000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const GuidKey k{x, x * 0xC2B2AE3D27D4EB4Full};
    const auto back = GuidKey::parse(k.text());
    REQUIRE(back);
    CHECK(*back == k);
  }
}
