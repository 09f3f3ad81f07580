#include "cfapi/app_cache_reader.h"

#include <bit>
#include <cstring>

namespace nozzle::cfapi {

AppCacheReader::AppCacheReader(AppCache& cache, std::size_t slots)
    : cache_(cache),
      participant_(cache.reclaimer()),
      slots_(std::bit_ceil(std::max<std::size_t>(2, slots))),
      set_mask_(slots_.size() / 2 - 1) {}

std::size_t AppCacheReader::text_hash(std::string_view guid) {
  // The first and the last 8 characters: random in real guids, the app index in cf-sim's.
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, guid.data(), 8);
  std::memcpy(&b, guid.data() + 28, 8);
  // Little-endian loads put the last character in the top byte: fold before and after the
  // multiply so that every character reaches the low bits the set index uses.
  std::uint64_t x = (a * 0x9E3779B97F4A7C15ull) ^ b;
  x ^= x >> 29;
  x *= 0xC2B2AE3D27D4EB4Full;
  return static_cast<std::size_t>(x ^ (x >> 32));
}

AppLookup AppCacheReader::from_entry(const AppEntry& e) const {
  switch (e.state) {
    case AppState::Found: return {AppStatus::Found, &e};
    case AppState::Missing: return {AppStatus::Missing, &e};
    case AppState::Pending: break;
  }
  return {cache_.unavailable() ? AppStatus::Unavailable : AppStatus::Pending, nullptr};
}

AppLookup AppCacheReader::lookup(std::string_view guid) { return find(guid, true); }
AppLookup AppCacheReader::peek(std::string_view guid) { return find(guid, false); }

void AppCacheReader::quiescent() {
  if (participant_.quiescent()) {
    for (Slot& slot : slots_) slot.entry = nullptr;
  }
}

AppLookup AppCacheReader::find(std::string_view guid, bool request) {
  quiescent();
  if (guid.size() != 36) return {AppStatus::Invalid, nullptr};
  Slot* set = &slots_[(text_hash(guid) & set_mask_) * 2];
  ++clock_;
  for (int way = 0; way < 2; ++way) {
    Slot& slot = set[way];
    if (slot.entry && std::memcmp(slot.text, guid.data(), 36) == 0 &&
        !slot.entry->superseded.load(std::memory_order_acquire)) {
      slot.stamp = clock_;
      slot.entry->touch(cache_.epoch());
      return from_entry(*slot.entry);
    }
  }
  const auto key = GuidKey::parse(guid);
  if (!key) return {AppStatus::Invalid, nullptr};
  ++front_misses_;
  const AppEntry* e = request ? cache_.find_or_request(*key) : cache_.peek(*key);
  if (!e) return {AppStatus::Untracked, nullptr};
  e->touch(cache_.epoch());
  // Replace the way holding this guid (a superseded entry), else the one used longest ago.
  Slot* victim = std::memcmp(set[0].text, guid.data(), 36) == 0   ? &set[0]
                 : std::memcmp(set[1].text, guid.data(), 36) == 0 ? &set[1]
                 : set[0].stamp <= set[1].stamp                   ? &set[0]
                                                                  : &set[1];
  std::memcpy(victim->text, guid.data(), 36);
  victim->stamp = clock_;
  victim->entry = e;
  return from_entry(*victim->entry);
}

}  // namespace nozzle::cfapi
