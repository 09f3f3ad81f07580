// Deferred freeing for lock-free readers (quiescent-state-based reclamation). The app cache's
// readers look entries up with plain atomic loads, with no lock and no reference count, so an
// entry that the cache's thread replaces or evicts cannot be freed at once: a reader may still
// be using it. It is retired instead, and freed once every reader has passed a quiescent point
// after it was unlinked.
//
// A reader is a Participant. Its quiescent point is any moment at which it holds no pointer it
// obtained earlier; it says so by calling quiescent(), which costs one load of a read-mostly
// atomic (and one store when the epoch has moved on). AppCacheReader does this at the start of
// each lookup, which is why a lookup's entry is valid only until the next lookup, and the
// enricher also from tick(), so that an idle connection does not hold memory back.
//
// How: retire() tags an object with the current epoch E. reclaim() frees the objects whose
// epoch every participant has since left behind, then, if anything was retired in E, opens
// E + 1. A participant that has seen E + 1 loaded it after the objects of E were unlinked, so it
// cannot reach them any more.
//
// Threads: quiescent() on the participant's own thread; retire() from any thread; reclaim() from
// one thread (the cache's), which may itself use retired objects until it calls reclaim().
// Participants must be gone before the reclaimer is destroyed; it then frees all it holds.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace nozzle::cfapi {

class QuiescentReclaimer {
 public:
  // One reader's published epoch, on a cache line of its own: readers on several threads must
  // not write the same line.
  struct alignas(64) Record {
    std::atomic<std::uint64_t> seen{0};
  };

  class Participant {
   public:
    explicit Participant(QuiescentReclaimer& reclaimer);
    ~Participant();
    Participant(const Participant&) = delete;
    Participant& operator=(const Participant&) = delete;

    // The caller holds no pointer obtained before this call. True when the epoch moved on since
    // the last call: pointers kept anywhere else by this reader (a front cache) must be dropped.
    bool quiescent() {
      const std::uint64_t e = reclaimer_.epoch_.load(std::memory_order_acquire);
      if (e == seen_) return false;
      seen_ = e;
      record_->seen.store(e, std::memory_order_release);
      return true;
    }

   private:
    QuiescentReclaimer& reclaimer_;
    Record* record_;
    std::uint64_t seen_;
  };

  QuiescentReclaimer() = default;
  ~QuiescentReclaimer();
  QuiescentReclaimer(const QuiescentReclaimer&) = delete;
  QuiescentReclaimer& operator=(const QuiescentReclaimer&) = delete;

  // `p` is no longer reachable by a new lookup; free it once no participant can hold it.
  template <class T>
  void retire(std::unique_ptr<T> p) {
    if (p) retire_erased(p.release(), [](const void* q) { delete static_cast<const T*>(q); });
  }
  // Frees what every participant has left behind; returns how many objects it freed.
  std::size_t reclaim();
  // Objects retired and not yet freed.
  [[nodiscard]] std::size_t pending() const;
  [[nodiscard]] std::uint64_t epoch() const { return epoch_.load(std::memory_order_relaxed); }

 private:
  struct Retired {
    std::uint64_t epoch;
    const void* object;
    void (*destroy)(const void*);
  };
  void retire_erased(const void* object, void (*destroy)(const void*));
  Record* enter();
  void leave(Record* record);

  std::atomic<std::uint64_t> epoch_{1};
  mutable std::mutex mutex_;  // guards the two vectors below
  std::vector<std::unique_ptr<Record>> records_;
  std::vector<Retired> retired_;
};

}  // namespace nozzle::cfapi
