// Two small, stable hashes shared by the nozzle: FNV-1a over bytes (the app cache snapshot's
// checksum, a drain group's key, a Loggregator series) and splitmix64's finaliser, which spreads
// FNV's weak low bits. Stable across runs and builds: what they key may be kept on disk or must
// map to the same endpoint after a restart.
#pragma once

#include <cstdint>
#include <string_view>

namespace nozzle {

inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;

// FNV-1a of `s`, continuing from `h` (kFnvOffset to start).
constexpr std::uint64_t fnv1a(std::string_view s, std::uint64_t h = kFnvOffset) {
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// splitmix64's finaliser.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

}  // namespace nozzle
