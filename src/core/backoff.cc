#include "core/backoff.h"

#include <algorithm>
#include <memory>
#include <random>

namespace nozzle {

Backoff::Backoff(Duration initial, Duration max, Random random)
    : initial_(initial), max_(std::max(initial, max)), random_(std::move(random)) {}

Backoff::Duration Backoff::next() {
  // Doubling stops once past max, so the shift never overflows.
  const unsigned shift = std::min(attempt_, 30u);
  const auto base = std::min<std::int64_t>(initial_.count() << shift, max_.count());
  if (base < max_.count()) ++attempt_;
  const double r = random_();
  const auto half = base / 2;
  return Duration(half + static_cast<std::int64_t>(r * static_cast<double>(base - half)));
}

Backoff::Random Backoff::system_random() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace nozzle
