#include "cfapi/app_cache_reader.h"

#include <bit>

namespace nozzle::cfapi {

AppCacheReader::AppCacheReader(AppCache& cache, std::size_t slots)
    : cache_(cache), slots_(std::bit_ceil(std::max<std::size_t>(1, slots))), mask_(slots_.size() - 1) {}

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

AppLookup AppCacheReader::find(std::string_view guid, bool request) {
  const auto key = GuidKey::parse(guid);
  if (!key) return {AppStatus::Invalid, nullptr};
  Slot& slot = slots_[GuidKeyHash{}(*key) & mask_];
  if (slot.entry && slot.key == *key && !slot.entry->superseded.load(std::memory_order_acquire)) {
    slot.entry->touch(cache_.epoch());
    return from_entry(*slot.entry);
  }
  std::shared_ptr<const AppEntry> e = request ? cache_.find_or_request(*key).entry : cache_.peek(*key);
  if (!e) return {AppStatus::Untracked, nullptr};
  e->touch(cache_.epoch());
  slot.key = *key;
  slot.entry = std::move(e);
  return from_entry(*slot.entry);
}

}  // namespace nozzle::cfapi
