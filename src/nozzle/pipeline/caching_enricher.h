// The enrich stage (enricher.h) on the app cache: names from the envelope's tags when it carries
// them (no lookup at all), else from the cache; envelopes of an app still being looked up are
// held, in arrival order per app, for at most the enrich wait and released from tick().
//
// Decisions, in the order they are taken for an app envelope:
//   tags app_name, space_name, organization_name all present -> those names (ids from tags)
//   cache: Found -> names; Missing -> no names (or dropped with drop_missing_apps);
//          Pending -> held; Unavailable (Cloud Controller failing) -> sent at once, no names
//   then: opted out (f2s-disable-logging) -> dropped; --orgs set and org not listed or unknown
//         -> dropped (org_selected(), the rule a drain's orgs= follows too); the app name loses
//         its first matching --strip-app-name-suffixes entry.
// Tagged envelopes bypass the cache, so an opt-out is seen for them only when the cache holds
// the app (after the warm-up, normally); the cache is peeked only once it knows any opted-out
// app at all.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

#include "cfapi/app_cache.h"
#include "cfapi/app_cache_reader.h"
#include "nozzle/pipeline/enrich_options.h"
#include "nozzle/pipeline/enricher.h"

namespace nozzle {

class CachingEnricher final : public Enricher {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // Slots of the connection's front cache (a power of two; 32 bytes each).
  static constexpr std::size_t kFrontSlots = 4096;

  // `cache` and `counters` are shared by every connection and outlive the enricher. The clock
  // is read only when an envelope is held.
  CachingEnricher(const EnrichOptions& options, cfapi::AppCache& cache, EnrichCounters& counters,
                  Clock clock = std::chrono::steady_clock::now);

  void process(Envelope& env, const Emit& emit) override;
  void tick(std::chrono::steady_clock::time_point now, const Emit& emit) override;
  void flush(const Emit& emit) override;

  [[nodiscard]] std::size_t held_envelopes() const { return held_count_; }
  [[nodiscard]] std::size_t held_bytes() const { return held_bytes_; }
  [[nodiscard]] std::uint64_t front_misses() const { return reader_.front_misses(); }

  // The estimate the hold bound counts in. Pure; exposed for tests.
  static std::size_t estimated_bytes(const Envelope& env);
  // firehose-to-syslog's suffix rule (see EnrichOptions). Pure; exposed for tests.
  static std::string_view strip_suffix(std::string_view name, const std::vector<std::string>& suffixes);

 private:
  struct Held {
    Envelope env;
    std::chrono::steady_clock::time_point deadline;
    std::size_t bytes;
  };
  enum class Why { Timeout, Unavailable, HoldFull, Invalid };

  void deliver_found(Envelope& env, const cfapi::AppEntry& entry, const Emit& emit);
  void deliver_missing(Envelope& env, const Emit& emit);
  void deliver_unnamed(Envelope& env, Why why, const Emit& emit);
  void deliver(Envelope& env, const cfapi::AppLookup& lookup, const Emit& emit);
  void hold(Envelope& env, std::string_view app_id, const Emit& emit);
  // Emits every held envelope of one app by the lookup's answer; true when the group is done.
  bool release(std::deque<Held>& group, const cfapi::AppLookup& lookup,
               std::chrono::steady_clock::time_point now, bool all, const Emit& emit);
  void forget(const Held& h);

  EnrichOptions options_;
  cfapi::AppCacheReader reader_;
  EnrichCounters& counters_;
  Clock clock_;
  std::unordered_map<std::string, std::deque<Held>> held_;  // app id -> its held envelopes, oldest first
  std::size_t held_count_ = 0;
  std::size_t held_bytes_ = 0;
};

}  // namespace nozzle
