#include <doctest/doctest.h>

#include <vector>

#include "cfapi/expiry_schedule.h"

using nozzle::cfapi::ExpirySchedule;
using nozzle::cfapi::GuidKey;

TEST_CASE("expiry schedule: takes what is due, earliest first, and leaves the rest") {
  ExpirySchedule s;
  for (const std::int64_t t : {50, 10, 40, 20, 30, 20}) s.add(t, GuidKey{0, static_cast<std::uint64_t>(t)});
  std::vector<std::int64_t> taken;
  s.take_due(25, [&](const ExpirySchedule::Item& i) {
    CHECK(i.key.lo == static_cast<std::uint64_t>(i.at_ns));
    taken.push_back(i.at_ns);
  });
  CHECK(taken == std::vector<std::int64_t>{10, 20, 20});
  CHECK(s.size() == 3);
  taken.clear();
  s.take_due(25, [&](const auto& i) { taken.push_back(i.at_ns); });
  CHECK(taken.empty());
  s.add(5, GuidKey{1, 5});  // added late, due already
  s.take_due(40, [&](const auto& i) { taken.push_back(i.at_ns); });
  CHECK(taken == std::vector<std::int64_t>{5, 30, 40});
  CHECK(s.size() == 1);
}

TEST_CASE("expiry schedule: rebuild replaces every item") {
  ExpirySchedule s;
  for (std::int64_t t = 0; t < 100; ++t) s.add(t, GuidKey{});
  s.rebuild({{300, GuidKey{0, 3}}, {100, GuidKey{0, 1}}, {200, GuidKey{0, 2}}});
  CHECK(s.size() == 3);
  std::vector<std::uint64_t> keys;
  s.take_due(1000, [&](const auto& i) { keys.push_back(i.key.lo); });
  CHECK(keys == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(s.empty());
}
