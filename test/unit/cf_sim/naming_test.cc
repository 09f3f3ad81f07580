#include <doctest/doctest.h>

#include "cf-sim/foundation.h"
#include "cf-sim/naming.h"

TEST_CASE("cf-sim naming: guids follow the documented rule and parse back") {
  CHECK(cfsim::org_guid(3) == "00000003-0000-4000-8000-000000000000");
  CHECK(cfsim::space_guid(1, 0x2a) == "00000001-002a-4000-9000-000000000000");
  CHECK(cfsim::app_guid(1, 5, 0x1234) == "00000001-0005-4000-a000-000000001234");
  CHECK(cfsim::app_name(7) == "app-7");
  CHECK(cfsim::app_name(7, 2) == "app-7-r2");
  const auto ref = cfsim::parse_app_guid("00000001-0005-4000-a000-000000001234");
  REQUIRE(ref.has_value());
  CHECK(ref->org == 1);
  CHECK(ref->space == 5);
  CHECK(ref->app == 0x1234);
  CHECK_FALSE(cfsim::parse_app_guid("00000001-0005-4000-9000-000000001234").has_value());
  CHECK_FALSE(cfsim::parse_app_guid("00000001-0005-4000-a000-00000000123").has_value());
  CHECK(cfsim::parse_org_guid(cfsim::org_guid(9)) == 9u);
}

TEST_CASE("cf-sim foundation: apps spread over spaces, spaces over orgs, rename, delete, add") {
  cfsim::Foundation f({.orgs = 2, .spaces = 3, .apps = 7, .opted_out_share = 0.5});
  const auto app5 = f.find_app(cfsim::app_guid(0, 2, 5));  // app 5 -> space 2 -> org 0
  REQUIRE(app5.has_value());
  CHECK(app5->name == "app-5");
  CHECK(app5->labels.at("team") == "team-1");
  CHECK_FALSE(f.find_app(cfsim::app_guid(1, 2, 5)).has_value());  // wrong org in the guid
  CHECK(f.rename_app(app5->guid));
  CHECK(f.find_app(app5->guid)->name == "app-5-r1");
  CHECK(f.rename_app(app5->guid));
  CHECK(f.find_app(app5->guid)->name == "app-5-r2");
  CHECK(f.delete_app(app5->guid));
  CHECK_FALSE(f.find_app(app5->guid).has_value());
  CHECK_FALSE(f.rename_app(app5->guid));
  const auto added = f.add_app();
  CHECK(added.index == 7);
  CHECK(added.guid == cfsim::app_guid(1, 1, 7));
  CHECK(f.live_apps().size() == 7);
  std::size_t opted = 0;
  cfsim::Foundation many({.orgs = 2, .spaces = 3, .apps = 200, .opted_out_share = 0.5});
  for (const auto& a : many.live_apps()) {
    const bool has = a.annotations.count("f2s-disable-logging") == 1;
    CHECK(has == cfsim::app_opted_out(a.index, 0.5));
    opted += has;
  }
  CHECK(opted > 60);
  CHECK(opted < 140);
}
