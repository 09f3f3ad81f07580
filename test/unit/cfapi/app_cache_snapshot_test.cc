// The snapshot file: format, atomic write, and a restarted cache that needs no request.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cfapi/app_cache.h"
#include "cfapi/app_cache_reader.h"
#include "cfapi/app_snapshot.h"
#include "fake_app_source.h"

using namespace std::chrono_literals;
using namespace nozzle::cfapi;
using nozzle::test::app_guid;
using nozzle::test::FakeAppSource;
using nozzle::test::make_app;
using nozzle::test::ManualClock;

namespace {

std::string temp_path(const char* name) {
  return "/tmp/nozzle-snapshot-test-" + std::to_string(::getpid()) + "-" + name;
}

void drive_for(AppCache& cache, ManualClock& clock, int steps) {
  for (int i = 0; i < steps; ++i) {
    clock.advance(10ms);
    for (int j = 0; j < 100 && cache.run_once(clock.now) <= clock.now; ++j) {
    }
  }
}

}  // namespace

TEST_CASE("app cache snapshot: round trip, names with tabs, newlines and backslashes") {
  std::vector<CcApp> apps{make_app(1), make_app(2)};
  apps[0].name = "tab\there\nnew\\line\r";
  apps[1].app_opted_out = true;
  apps[1].org_opted_out = true;
  apps[1].app_labels = RoutingLabels{RoutingLabels::Forward::Yes, "team\ta"};
  apps[1].space_labels.forward = RoutingLabels::Forward::No;
  apps[1].org_labels.drain = "team-o";
  const std::string text = format_snapshot(apps);
  CHECK(text.starts_with("syslog-nozzle-app-cache 2\n"));
  auto back = parse_snapshot(text);
  REQUIRE_MESSAGE(back, back.error());
  REQUIRE(back->size() == 2);
  CHECK((*back)[0].name == apps[0].name);
  CHECK((*back)[0].org_name == "org-1");
  CHECK((*back)[1].app_opted_out);
  CHECK_FALSE((*back)[1].space_opted_out);
  CHECK((*back)[1].org_opted_out);
  CHECK((*back)[1].app_labels == apps[1].app_labels);
  CHECK((*back)[1].space_labels == apps[1].space_labels);
  CHECK((*back)[1].org_labels == apps[1].org_labels);
  CHECK((*back)[0].app_labels == RoutingLabels{});
  CHECK(parse_snapshot(format_snapshot({}))->empty());
}

TEST_CASE("app cache snapshot: a version 1 file (before the routing labels) is still read") {
  const std::string v1 =
      "syslog-nozzle-app-cache 1\n"
      "33333333-0000-0000-0000-000000000001\tweb\ts1\tdev\to1\tacme\t010\n";
  std::uint64_t sum = 0xcbf29ce484222325ull;
  for (const char c : v1.substr(v1.find('\n') + 1)) {
    sum ^= static_cast<unsigned char>(c);
    sum *= 0x100000001b3ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sum));
  auto back = parse_snapshot(v1 + "end 1 " + hex + "\n");
  REQUIRE_MESSAGE(back, back.error());
  REQUIRE(back->size() == 1);
  CHECK((*back)[0].name == "web");
  CHECK((*back)[0].space_opted_out);
  CHECK((*back)[0].app_labels == RoutingLabels{});
}

TEST_CASE("app cache snapshot: foreign, other version, truncated and corrupt files are refused") {
  const std::string good = format_snapshot(std::vector<CcApp>{make_app(1), make_app(2)});
  CHECK_FALSE(parse_snapshot(""));
  CHECK(parse_snapshot(std::string("\0\0\0\x10\xed\xda\x0c", 7)).error().find("foreign") != std::string::npos);
  CHECK(parse_snapshot("syslog-nozzle-app-cache 3\nend 0 cbf29ce484222325\n").error().find("version") !=
        std::string::npos);
  CHECK_FALSE(parse_snapshot(good.substr(0, good.size() - 1)));
  CHECK_FALSE(parse_snapshot(good.substr(0, good.size() / 2)));
  std::string flipped = good;
  flipped[40] = flipped[40] == 'a' ? 'b' : 'a';
  CHECK(parse_snapshot(flipped).error().find("corrupt") != std::string::npos);
  CHECK_FALSE(parse_snapshot(good + "x"));
}

TEST_CASE("app cache snapshot: a restarted cache enriches from the file with no request and skips the warm-up") {
  const std::string path = temp_path("restart");
  FakeAppSource cc;
  cc.add(0, 300);
  {
    ManualClock clock;
    AppCacheOptions o;
    o.cache_file = path;
    o.cc_rps = 0;
    AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
    drive_for(cache, clock, 5);
    REQUIRE(cache.warm());
    REQUIRE(cache.write_snapshot());
  }
  const auto before = cc.calls();
  ManualClock clock;
  AppCacheOptions o;
  o.cache_file = path;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  CHECK(cache.load_snapshot() == 300);
  CHECK(cache.snapshot_status() == "loaded 300 apps");
  CHECK(cache.warm());
  AppCacheReader reader(cache);
  for (std::uint64_t i = 0; i < 300; ++i) {
    const auto l = reader.lookup(app_guid(i));
    REQUIRE(l.status == AppStatus::Found);
    CHECK(l.entry->name == "app-" + std::to_string(i));
  }
  drive_for(cache, clock, 50);
  CHECK(cc.calls() == before);
  std::remove(path.c_str());
}

TEST_CASE("app cache snapshot: a corrupt file is reported, ignored, and the warm-up runs") {
  const std::string path = temp_path("corrupt");
  {
    std::ofstream f(path, std::ios::binary);
    f << "syslog-nozzle-app-cache 1\ngarbage\n";
  }
  FakeAppSource cc;
  cc.add(0, 10);
  ManualClock clock;
  AppCacheOptions o;
  o.cache_file = path;
  o.cc_rps = 0;
  AppCache cache(o, cc, clock.fn(), [] { return 0.5; });
  CHECK(cache.load_snapshot() == 0);
  CHECK(cache.snapshot_status().starts_with("ignored: "));
  CHECK_FALSE(cache.warm());
  drive_for(cache, clock, 5);
  CHECK(cache.warm());
  CHECK(cc.list_calls.size() == 1);
  std::remove(path.c_str());

  AppCacheOptions absent;
  absent.cache_file = temp_path("absent");
  AppCache fresh(absent, cc, clock.fn(), [] { return 0.5; });
  fresh.load_snapshot();
  CHECK(fresh.snapshot_status() == "absent");
}

TEST_CASE("app cache snapshot: written atomically, no temporary file left behind") {
  const std::string path = temp_path("atomic");
  REQUIRE(write_snapshot_file(path, "one"));
  REQUIRE(write_snapshot_file(path, "two"));
  std::ifstream f(path);
  std::string s;
  f >> s;
  CHECK(s == "two");
  CHECK(access((path + ".tmp." + std::to_string(::getpid())).c_str(), F_OK) != 0);
  CHECK_FALSE(write_snapshot_file("/nonexistent-dir/x", "y"));
  std::remove(path.c_str());
}
