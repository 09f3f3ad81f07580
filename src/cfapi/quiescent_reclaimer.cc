#include "cfapi/quiescent_reclaimer.h"

#include <algorithm>
#include <limits>

namespace nozzle::cfapi {

QuiescentReclaimer::Participant::Participant(QuiescentReclaimer& reclaimer)
    : reclaimer_(reclaimer), record_(reclaimer.enter()), seen_(record_->seen.load(std::memory_order_relaxed)) {}

QuiescentReclaimer::Participant::~Participant() { reclaimer_.leave(record_); }

QuiescentReclaimer::~QuiescentReclaimer() {
  for (const Retired& r : retired_) r.destroy(r.object);
}

QuiescentReclaimer::Record* QuiescentReclaimer::enter() {
  std::lock_guard lock(mutex_);
  auto record = std::make_unique<Record>();
  // Under the mutex, so that reclaim() never sees a record older than what it frees.
  record->seen.store(epoch_.load(std::memory_order_acquire), std::memory_order_relaxed);
  records_.push_back(std::move(record));
  return records_.back().get();
}

void QuiescentReclaimer::leave(Record* record) {
  std::lock_guard lock(mutex_);
  std::erase_if(records_, [record](const auto& r) { return r.get() == record; });
}

void QuiescentReclaimer::retire_erased(const void* object, void (*destroy)(const void*)) {
  std::lock_guard lock(mutex_);
  retired_.push_back(Retired{epoch_.load(std::memory_order_relaxed), object, destroy});
}

std::size_t QuiescentReclaimer::reclaim() {
  std::vector<Retired> done;
  {
    std::lock_guard lock(mutex_);
    const std::uint64_t current = epoch_.load(std::memory_order_relaxed);
    std::uint64_t oldest = current;
    for (const auto& r : records_) oldest = std::min(oldest, r->seen.load(std::memory_order_acquire));
    // Everything retired before the oldest epoch a participant is in can go.
    const auto keep = std::stable_partition(retired_.begin(), retired_.end(),
                                            [oldest](const Retired& r) { return r.epoch >= oldest; });
    done.assign(keep, retired_.end());
    retired_.erase(keep, retired_.end());
    if (std::any_of(retired_.begin(), retired_.end(), [current](const Retired& r) { return r.epoch == current; })) {
      epoch_.store(current + 1, std::memory_order_release);
    }
  }
  for (const Retired& r : done) r.destroy(r.object);
  return done.size();
}

std::size_t QuiescentReclaimer::pending() const {
  std::lock_guard lock(mutex_);
  return retired_.size();
}

}  // namespace nozzle::cfapi
