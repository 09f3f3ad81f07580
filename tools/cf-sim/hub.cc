#include "hub.h"

#include <algorithm>

namespace cfsim {

Claim StreamGroup::claim(std::uint64_t max, Clock::time_point now) {
  if (rate_ > 0) {
    std::lock_guard lock(mutex_);
    // Token bucket with 100 ms of rate as its burst: sessions claim on every write and on
    // their tick, and a burst smaller than the tick would cap the rate at one claim per tick.
    const double burst = std::max(1.0, rate_ / 10.0);
    if (last_refill_ == Clock::time_point{}) {
      last_refill_ = now;
      tokens_ = burst;
    }
    // Sessions on other threads may pass a reading older than the last one: it adds nothing
    // (a negative balance, cast to an unsigned count, would lift the limit altogether).
    if (now > last_refill_) {
      tokens_ = std::min(burst, tokens_ + rate_ * std::chrono::duration<double>(now - last_refill_).count());
      last_refill_ = now;
    }
    max = std::min<std::uint64_t>(max, static_cast<std::uint64_t>(std::max(0.0, tokens_)));
    tokens_ -= static_cast<double>(max);
  }
  Claim c;
  if (max == 0) return c;
  if (total_ == 0) {
    c.first = next_.fetch_add(max, std::memory_order_relaxed);
    c.count = max;
    return c;
  }
  std::uint64_t first = next_.load(std::memory_order_relaxed);
  do {
    if (first >= total_) {
      c.exhausted = true;
      return c;
    }
    c.count = std::min(max, total_ - first);
  } while (!next_.compare_exchange_weak(first, first + c.count, std::memory_order_relaxed));
  c.first = first;
  return c;
}

std::uint64_t StreamGroup::claimed() const {
  const auto n = next_.load(std::memory_order_relaxed);
  return total_ == 0 ? n : std::min(n, total_);
}

void StreamGroup::inject(const nozzle::Envelope& env) {
  std::lock_guard lock(mutex_);
  injections_.push_back(env);
  has_injection_.store(true, std::memory_order_release);
}

bool StreamGroup::take_injection(nozzle::Envelope& out) {
  if (!has_injection_.load(std::memory_order_acquire)) return false;
  std::lock_guard lock(mutex_);
  if (injections_.empty()) return false;
  out = std::move(injections_.front());
  injections_.pop_front();
  has_injection_.store(!injections_.empty(), std::memory_order_release);
  return true;
}

std::shared_ptr<StreamGroup> Hub::join(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (key.empty()) {
    auto g = std::make_shared<StreamGroup>(total_, rate_);
    std::erase_if(private_, [](const auto& w) { return w.expired(); });
    private_.push_back(g);
    return g;
  }
  auto& g = shared_[key];
  if (!g) g = std::make_shared<StreamGroup>(total_, rate_);
  return g;
}

void Hub::inject_all(const nozzle::Envelope& env) {
  std::lock_guard lock(mutex_);
  for (auto& [key, g] : shared_) g->inject(env);
  for (auto& w : private_) {
    if (auto g = w.lock()) g->inject(env);
  }
}

void Hub::leave(const std::shared_ptr<StreamGroup>& group) {
  std::lock_guard lock(mutex_);
  std::erase_if(private_, [&](const auto& w) {
    auto g = w.lock();
    return !g || g == group;
  });
}

}  // namespace cfsim
