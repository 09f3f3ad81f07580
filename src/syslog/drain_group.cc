#include "syslog/drain_group.h"

#include <bit>
#include <functional>
#include <stdexcept>

#include "core/hash.h"
#include "core/log.h"
#include "syslog/framing.h"

namespace nozzle::syslog {

namespace {

std::uint32_t all_of(std::size_t n) { return n >= 32 ? ~0u : ((1u << n) - 1u); }

// Raises a monotonic counter to `value` (never lowers it: a sum read while a frame moves between
// endpoints may lag, never lead).
void raise(Counter& c, std::uint64_t value) {
  const std::uint64_t now = c.get();
  if (value > now) c.add(value - now);
}

}  // namespace

// ---- GroupSelector ----

GroupSelector::GroupSelector(GroupMode mode, std::size_t endpoints, std::chrono::milliseconds failback_after)
    : mode_(mode), failback_after_(failback_after), state_(endpoints) {
  if (endpoints == 0 || endpoints > kMaxGroupEndpoints) throw std::invalid_argument("drain group: 1 to 16 endpoints");
  members_ = select();
}

bool GroupSelector::update(std::span<const Observation> seen, Clock::time_point now) {
  for (std::size_t i = 0; i < state_.size() && i < seen.size(); ++i) {
    State& s = state_[i];
    const Observation& o = seen[i];
    // A failed attempt, or a connection lost and made again between two looks, is a failure.
    if (o.connect_failures != s.connect_failures) s.failed = true;
    if (o.reconnects != s.reconnects) {
      s.failed = true;
      if (o.up) s.up_since = now;  // up again, since about now
    }
    s.connect_failures = o.connect_failures;
    s.reconnects = o.reconnects;
    if (o.up) {
      if (!s.up_since) s.up_since = now;
      if (s.failed && now - *s.up_since >= failback_after_) s.failed = false;
    } else {
      if (s.up_since) s.failed = true;  // was up, is down
      s.up_since.reset();
    }
  }
  const std::uint32_t next = select();
  if (next == members_) return false;
  members_ = next;
  return true;
}

std::uint32_t GroupSelector::select() const {
  std::uint32_t healthy = 0, up = 0;
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if (!state_[i].failed) healthy |= 1u << i;
    if (state_[i].up_since) up |= 1u << i;
  }
  if (mode_ == GroupMode::Balance) {
    if (healthy != 0) return healthy;
    if (up != 0) return up;        // every endpoint failed lately: those up now
    return all_of(state_.size());  // none up: each key stays on its own endpoint (queue, spool)
  }
  // Failover: the first healthy endpoint, else the first one up, else the one we had.
  if (healthy != 0) return healthy & (~healthy + 1);
  if ((members_ & up) != 0) return members_;
  if (up != 0) return up & (~up + 1);
  return members_ != 0 ? members_ : 1u;
}

std::uint64_t group_key_hash(std::string_view key) {
  // FNV-1a, then mixed: stable across runs, so a key keeps its endpoint over a restart.
  return mix64(fnv1a(key));
}

std::size_t balance_pick(std::uint64_t key_hash, std::uint32_t members) {
  std::size_t best = 0;
  std::uint64_t best_score = 0;
  bool first = true;
  for (std::uint32_t m = members; m != 0; m &= m - 1) {
    const auto i = static_cast<std::size_t>(std::countr_zero(m));
    const std::uint64_t score = mix64(key_hash ^ (0x9e3779b97f4a7c15ull * (i + 1)));
    if (first || score > best_score) {
      best = i;
      best_score = score;
      first = false;
    }
  }
  return best;
}

// ---- DrainGroup ----

DrainGroup::DrainGroup(DrainConfig config, std::vector<std::shared_ptr<DrainBase>> endpoints)
    : config_(std::move(config)),
      endpoints_(std::move(endpoints)),
      selector_(config_.group.mode, endpoints_.size(), config_.group.failback_after),
      members_(selector_.members()) {
  // Each endpoint has a spool of spool-max-bytes: /health compares the group's summed spool
  // bytes with what the spools hold together.
  config_.spool.max_bytes *= endpoints_.size();
  aggregate_.mark_down();
}

bool DrainGroup::stage(std::string_view message, FrameBatch& batch) { return stage_keyed(message, {}, batch); }

bool DrainGroup::stage_keyed(std::string_view message, std::string_view key, FrameBatch& batch) {
  // As DrainBase::stage(): every endpoint shares the group's framing and bounds.
  const std::size_t size = message.size() + frame_overhead(config_.framing, message);
  if (message.size() > config_.format.max_message_bytes || size > config_.queue_max_bytes || size > UINT32_MAX) {
    too_large_.add();
    return false;
  }
  append_frame(config_.framing, message, batch.bytes);
  batch.lengths.push_back(static_cast<std::uint32_t>(size));
  if (config_.group.mode == GroupMode::Balance) batch.keys.push_back(group_key_hash(key));
  return true;
}

bool DrainGroup::push(std::string_view message) {
  FrameBatch batch;
  if (!stage(message, batch)) return false;
  push_batch(batch);
  return true;
}

void DrainGroup::push_batch(FrameBatch& batch) {
  if (batch.empty()) return;
  std::shared_lock lock(switch_mutex_);
  const std::uint32_t members = members_.load(std::memory_order_relaxed);
  if (config_.group.mode != GroupMode::Balance || std::popcount(members) == 1) {
    endpoints_[static_cast<std::size_t>(std::countr_zero(members))]->push_batch(batch);
    batch.clear();
    return;
  }
  // Balance: split the batch by endpoint, in order, then hand each part over at once.
  thread_local std::array<FrameBatch, kMaxGroupEndpoints> parts;
  std::size_t offset = 0;
  std::uint64_t last_key = 0;
  std::size_t last_pick = kMaxGroupEndpoints;
  for (std::size_t f = 0; f < batch.frames(); ++f) {
    const std::uint64_t key = f < batch.keys.size() ? batch.keys[f] : 0;
    if (last_pick == kMaxGroupEndpoints || key != last_key) {
      last_key = key;
      last_pick = balance_pick(key, members);
    }
    const std::uint32_t length = batch.lengths[f];
    parts[last_pick].bytes.append(batch.bytes, offset, length);
    parts[last_pick].lengths.push_back(length);
    offset += length;
  }
  for (std::uint32_t m = members; m != 0; m &= m - 1) {
    const auto i = static_cast<std::size_t>(std::countr_zero(m));
    if (!parts[i].empty()) endpoints_[i]->push_batch(parts[i]);
    parts[i].clear();
  }
  batch.clear();
}

void DrainGroup::tick(std::chrono::steady_clock::time_point now) {
  std::array<GroupSelector::Observation, kMaxGroupEndpoints> seen{};
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    auto& c = endpoints_[i]->counters();
    seen[i] = {c.connected.get() == 1, c.connect_failures.get(), c.reconnects.get()};
  }
  if (!selector_.update(std::span(seen.data(), endpoints_.size()), now)) return;

  std::unique_lock lock(switch_mutex_);
  const std::uint32_t members = selector_.members();
  const std::uint32_t before = members_.exchange(members, std::memory_order_relaxed);
  switches_.add();
  // What an endpoint that leaves the members now, and is down, still holds in memory goes to
  // one that takes traffic and is up: failover's active endpoint, or in balance the next member
  // after it. Only now: those frames are the newest of their keys, and no producer can push
  // newer ones before them. An endpoint that left while it was up (a reconnect) keeps what it
  // has; moved later, that could land behind newer frames of the same key.
  std::string moved_note;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (!((before >> i) & 1u) || (members >> i) & 1u || selector_.up(i)) continue;
    std::size_t target = kMaxGroupEndpoints;
    for (std::size_t k = 1; k < endpoints_.size(); ++k) {
      const std::size_t j = (i + k) % endpoints_.size();
      if ((members >> j) & 1u && selector_.up(j)) {
        target = j;
        break;
      }
    }
    if (target == kMaxGroupEndpoints) continue;
    FrameBatch moved;
    if (endpoints_[i]->hand_over(moved) == 0) continue;
    moved_note += endpoint_label(config_.group.endpoints[i]) + "->" + endpoint_label(config_.group.endpoints[target]) +
                  ":" + std::to_string(moved.frames()) + " ";
    endpoints_[target]->push_batch(moved);
  }
  lock.unlock();

  std::string active;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    if (!((members >> i) & 1u)) continue;
    if (!active.empty()) active += ",";
    active += endpoint_label(config_.group.endpoints[i]);
  }
  log::info("drain group switched endpoints", {{"drain", config_.name}, {"active", active}, {"moved", moved_note}});
}

DrainCounters& DrainGroup::counters() {
  refresh_counters();
  return aggregate_;
}

void DrainGroup::refresh_counters() {
  std::lock_guard lock(counters_mutex_);
  // produced is read before handed_over (see raise()).
  std::uint64_t produced = too_large_.get();
  for (auto& e : endpoints_) produced += e->counters().produced.get();
  std::uint64_t handed = 0;
  for (auto& e : endpoints_) handed += e->counters().handed_over.get();
  raise(aggregate_.produced, produced >= handed ? produced - handed : 0);

  const auto sum = [&](auto field) {
    std::uint64_t total = 0;
    for (auto& e : endpoints_) total += (e->counters().*field).get();
    return total;
  };
  const auto gauge_sum = [&](auto field) {
    std::int64_t total = 0;
    for (auto& e : endpoints_) total += (e->counters().*field).get();
    return total;
  };
  using C = DrainCounters;
  raise(aggregate_.sent_frames, sum(&C::sent_frames));
  raise(aggregate_.sent_bytes, sum(&C::sent_bytes));
  raise(aggregate_.dropped_queue_full, sum(&C::dropped_queue_full));
  raise(aggregate_.dropped_too_large, sum(&C::dropped_too_large) + too_large_.get());
  raise(aggregate_.dropped_write_failed, sum(&C::dropped_write_failed));
  raise(aggregate_.dropped_shutdown, sum(&C::dropped_shutdown));
  raise(aggregate_.dropped_spool_full, sum(&C::dropped_spool_full));
  raise(aggregate_.dropped_spool_io, sum(&C::dropped_spool_io));
  raise(aggregate_.dropped_spool_corrupt, sum(&C::dropped_spool_corrupt));
  raise(aggregate_.spooled, sum(&C::spooled));
  raise(aggregate_.replayed, sum(&C::replayed));
  raise(aggregate_.resent, sum(&C::resent));
  raise(aggregate_.recovered_frames, sum(&C::recovered_frames));
  raise(aggregate_.handed_over, sum(&C::handed_over));
  raise(aggregate_.reconnects, sum(&C::reconnects));
  raise(aggregate_.connect_failures, sum(&C::connect_failures));
  raise(aggregate_.tls_verify_failures, sum(&C::tls_verify_failures));
  aggregate_.queued_frames.set(gauge_sum(&C::queued_frames));
  aggregate_.queued_bytes.set(gauge_sum(&C::queued_bytes));
  aggregate_.spool_frames.set(gauge_sum(&C::spool_frames));
  aggregate_.spool_bytes.set(gauge_sum(&C::spool_bytes));
  aggregate_.spool_segments.set(gauge_sum(&C::spool_segments));
  aggregate_.relp_in_flight.set(gauge_sum(&C::relp_in_flight));
  std::int64_t spool_failed = 0, down_since = 0;
  bool any_up = false;
  std::string error;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    auto& c = endpoints_[i]->counters();
    spool_failed = std::max(spool_failed, c.spool_failed.get());
    any_up = any_up || c.connected.get() == 1;
    down_since = std::max(down_since, c.down_since_ms.get());  // the group is down since its last endpoint went
    if (std::string e = c.last_error(); !e.empty()) error = endpoint_label(config_.group.endpoints[i]) + ": " + e;
  }
  aggregate_.spool_failed.set(spool_failed);
  if (any_up) {
    aggregate_.mark_up();
  } else {
    aggregate_.connected.set(0);
    aggregate_.down_since_ms.set(down_since);
  }
  if (!error.empty()) aggregate_.set_last_error(std::move(error));
}

}  // namespace nozzle::syslog
