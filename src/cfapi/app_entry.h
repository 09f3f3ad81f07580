// The app cache's records: compact and immutable once published. The cache's table owns them
// and readers on the firehose threads use them through plain pointers, valid until the reader's
// next quiescent point (AppTable, QuiescentReclaimer). Spaces and orgs are interned and shared
// (through shared_ptr, counted only by the cache's thread): a thousand apps of one space share
// one SpaceInfo, which keeps an entry near 150 bytes (bench/RESULTS.md, Enrichment).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cfapi/cc_client.h"

namespace nozzle::cfapi {

// A UUID in 16 bytes: the map key. Half the size of its text, compared in two loads, hashed in
// one multiply.
struct GuidKey {
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  bool operator==(const GuidKey&) const = default;

  // 8-4-4-4-12 hex digits, either case (Cloud Controller's guids are lowercase; the key makes
  // an uppercase one in an envelope find the same app). nullopt for anything else.
  static std::optional<GuidKey> parse(std::string_view text);
  // Lowercase 8-4-4-4-12.
  [[nodiscard]] std::string text() const;
  void append_text(std::string& out) const;
};

struct GuidKeyHash {
  std::size_t operator()(const GuidKey& k) const noexcept {
    // A multiply spreads low bits upwards only: fold the high half down, then the product.
    std::uint64_t x = k.hi ^ (k.lo * 0x9E3779B97F4A7C15ull);
    x ^= x >> 32;
    x *= 0xC2B2AE3D27D4EB4Full;
    return static_cast<std::size_t>(x ^ (x >> 29));
  }
};

struct OrgInfo {
  std::string guid;
  std::string name;
  bool opted_out = false;  // f2s-disable-logging: "true" as a label or annotation of the org
  RoutingLabels labels;    // syslog-nozzle/forward and syslog-nozzle/drain on the org
};

struct SpaceInfo {
  std::string guid;
  std::string name;
  bool opted_out = false;  // on the space itself
  std::shared_ptr<const OrgInfo> org;  // never null
  RoutingLabels labels;                // on the space itself
};

enum class AppState : std::uint8_t {
  Pending,  // asked of Cloud Controller, no answer yet
  Found,
  Missing,  // Cloud Controller does not know the app (deleted, never existed, not readable)
};

struct AppEntry {
  // What a lookup reads comes first, so that it shares the entry's first cache line.
  GuidKey key;  // the table's lookups confirm a match on it
  AppState state = AppState::Pending;
  bool opted_out = false;  // the app, its space or its org opted out
  // Set by the cache's thread when the entry is replaced or evicted; a reader that kept a
  // pointer to it looks the app up again.
  mutable std::atomic<bool> superseded{false};
  // The cache epoch (seconds since the cache started) of the latest lookup; stored only when it
  // changes, so readers on several threads rarely write the same cache line.
  mutable std::atomic<std::uint32_t> seen{0};
  std::shared_ptr<const SpaceInfo> space;  // null unless Found
  std::string name;
  // Steady-clock ns; 0 while Pending. The cache's thread only (a sweep may push it back, see
  // AppCache::sweep()); readers never look at it.
  mutable std::int64_t expires_ns = 0;
  std::uint32_t fetched = 0;  // the cache epoch of Cloud Controller's answer (or of the snapshot load)
  RoutingLabels labels;         // on the app itself; forward() and drain() give the nearest level's

  // The nearest syslog-nozzle/forward (app over space over org); Unset when no level has it.
  [[nodiscard]] RoutingLabels::Forward forward() const {
    using F = RoutingLabels::Forward;
    if (labels.forward != F::Unset || !space) return labels.forward;
    if (space->labels.forward != F::Unset) return space->labels.forward;
    return space->org->labels.forward;
  }
  // The nearest syslog-nozzle/drain; "" when no level has it.
  [[nodiscard]] std::string_view drain() const {
    if (!labels.drain.empty() || !space) return labels.drain;
    if (!space->labels.drain.empty()) return space->labels.drain;
    return space->org->labels.drain;
  }

  void touch(std::uint32_t epoch) const {
    if (seen.load(std::memory_order_relaxed) != epoch) seen.store(epoch, std::memory_order_relaxed);
  }
};

}  // namespace nozzle::cfapi
