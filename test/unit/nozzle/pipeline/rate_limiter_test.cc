// The per-app token buckets and the report that turns their drops into metrics and notices,
// driven by a hand-set clock.
#include <doctest/doctest.h>

#include "nozzle/pipeline/rate_limiter.h"

using namespace nozzle;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

AppInfo app(std::string_view id, std::string_view name) { return AppInfo{id, name, "s", "space", "o", "org", {}}; }

}  // namespace

TEST_CASE("rate limiter: an app gets its burst at once, then its rate, and other apps are untouched") {
  AppRateLimiter limiter(RateLimit{100, 50});
  const AppInfo noisy = app("a1", "noisy");
  const AppInfo quiet = app("a2", "quiet");
  int passed = 0;
  for (int i = 0; i < 1000; ++i) passed += limiter.allow(noisy, 0) ? 1 : 0;
  CHECK(passed == 50);             // the burst
  CHECK(limiter.allow(quiet, 0));  // another app has its own bucket
  passed = 0;
  // One second later, in 1,000 steps of 1 ms, with 20 lines per step: 100 more pass.
  for (int step = 1; step <= 1000; ++step) {
    for (int i = 0; i < 20; ++i) passed += limiter.allow(noisy, step * kSecond / 1000) ? 1 : 0;
  }
  CHECK(passed >= 99);
  CHECK(passed <= 101);
  std::vector<Drops> drops;
  limiter.take(drops, kSecond);
  REQUIRE(drops.size() == 1);
  CHECK(drops[0].app.app_name == "noisy");
  CHECK(drops[0].count == 950 + 20000 - static_cast<std::uint64_t>(passed));
  drops.clear();
  limiter.take(drops, 2 * kSecond);
  CHECK(drops.empty());  // told once
  limiter.take(drops, 200 * kSecond);
  CHECK(limiter.tracked() == 0);  // idle apps are forgotten
}

TEST_CASE("rate limiter: a limit shared by N connections gives each 1/N, the burst defaults to one second") {
  const RateLimit shared = RateLimit{1000, 0}.share(4);
  CHECK(shared.per_second == doctest::Approx(250));
  CHECK(shared.burst == doctest::Approx(250));
  CHECK(RateLimit{10, 0}.share(100).burst == doctest::Approx(1));  // never below one line
}

TEST_CASE(
    "rate limit report: the first drops are told at once, later ones once a minute, all at stop, top N by drops") {
  RateLimitReport report(std::chrono::seconds(60), 2);
  std::vector<Drops> drops{Drops{LimitedApp::of(app("a1", "one")), 10}, Drops{LimitedApp::of(app("a2", "two")), 5}};
  auto due = report.add("global", drops, 0, false);
  CHECK(due.size() == 2);
  CHECK(drops.empty());
  drops.push_back(Drops{LimitedApp::of(app("a1", "one")), 7});
  CHECK(report.add("global", drops, 30 * kSecond, false).empty());  // within the minute: kept
  drops.push_back(Drops{LimitedApp::of(app("a1", "one")), 3});
  due = report.add("global", drops, 61 * kSecond, false);
  REQUIRE(due.size() == 1);
  CHECK(due[0].dropped == 10);  // 7 + 3 since the first notice
  drops.push_back(Drops{LimitedApp::of(app("a3", "three")), 100});
  drops.push_back(Drops{LimitedApp::of(app("a2", "two")), 1});
  due = report.add("drain-x", drops, 62 * kSecond, true);  // at stop: everything untold
  CHECK(due.size() == 2);
  const auto top = report.top();
  REQUIRE(top.size() == 2);
  CHECK(top[0].app.app_name == "three");
  CHECK(top[0].scope == "drain-x");
  CHECK(top[1].app.app_name == "one");
  CHECK(top[1].dropped == 20);
  CHECK(report.notices() == 5);
  CHECK(notice_text(20, 1000, "global") ==
        "syslog-nozzle: 20 log lines of this app were dropped: over the limit of 1000 lines/s per app "
        "(--app-rate-limit)");
}
