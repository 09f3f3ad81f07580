// Cloud Controller v3 parsing (docs/WIRE.md, "Cloud Controller v3"), guid keys and the --cc-rps
// pace.
#include <doctest/doctest.h>

#include "cfapi/app_entry.h"
#include "cfapi/cc_client.h"
#include "cfapi/rate_limiter.h"

using namespace std::chrono_literals;
using namespace nozzle::cfapi;

namespace {

constexpr const char* kPage = R"({
  "pagination": {"total_results": 3, "total_pages": 2,
    "first": {"href": "https://api.example.com/v3/apps?page=1&per_page=2"},
    "next": {"href": "https://api.example.com/v3/apps?page=2&per_page=2&include=space.organization"},
    "previous": null},
  "resources": [
    {"guid": "a1", "name": "web", "state": "STARTED",
     "relationships": {"space": {"data": {"guid": "s1"}}},
     "metadata": {"labels": {}, "annotations": {"f2s-disable-logging": "true"}}},
    {"guid": "a2", "name": "worker",
     "relationships": {"space": {"data": {"guid": "s2"}}},
     "metadata": {"labels": {"f2s-disable-logging": "false"}, "annotations": {}}},
    {"guid": "a3", "name": "orphan", "relationships": {"space": {"data": {"guid": "s9"}}}}
  ],
  "included": {
    "spaces": [
      {"guid": "s1", "name": "dev", "relationships": {"organization": {"data": {"guid": "o1"}}},
       "metadata": {"labels": {}, "annotations": {}}},
      {"guid": "s2", "name": "prod", "relationships": {"organization": {"data": {"guid": "o2"}}},
       "metadata": {"labels": {"f2s-disable-logging": "true"}, "annotations": {}}}
    ],
    "organizations": [
      {"guid": "o1", "name": "acme", "metadata": {"labels": {}, "annotations": {}}},
      {"guid": "o2", "name": "globex", "metadata": {"labels": {}, "annotations": {"f2s-disable-logging": "true"}}}
    ]
  }
})";

}  // namespace

TEST_CASE("cc client: a /v3/apps page joins included spaces and orgs and reads the opt-out") {
  auto page = parse_apps_page(kPage);
  REQUIRE_MESSAGE(page, page.error());
  REQUIRE(page->apps.size() == 3);
  const auto& web = page->apps[0];
  CHECK(web.guid == "a1");
  CHECK(web.name == "web");
  CHECK(web.space_guid == "s1");
  CHECK(web.space_name == "dev");
  CHECK(web.org_guid == "o1");
  CHECK(web.org_name == "acme");
  CHECK(web.app_opted_out);
  CHECK_FALSE(web.space_opted_out);
  const auto& worker = page->apps[1];
  CHECK_FALSE(worker.app_opted_out);  // "false" is not an opt-out
  CHECK(worker.space_opted_out);
  CHECK(worker.org_opted_out);
  CHECK(worker.org_name == "globex");
  const auto& orphan = page->apps[2];
  CHECK(orphan.space_guid == "s9");
  CHECK(orphan.space_name.empty());
  CHECK(page->next_url == "https://api.example.com/v3/apps?page=2&per_page=2&include=space.organization");
}

TEST_CASE("cc client: the last page has no next, broken bodies are errors") {
  auto last = parse_apps_page(R"({"pagination":{"next":null},"resources":[]})");
  REQUIRE(last);
  CHECK(last->next_url.empty());
  CHECK(last->apps.empty());
  CHECK_FALSE(parse_apps_page("{"));
  CHECK_FALSE(parse_apps_page("[]"));
  CHECK_FALSE(parse_apps_page(R"({"errors":[{"code":10010}]})"));
}

TEST_CASE("cc client: next-page links are followed on the configured API address") {
  CHECK(rebase_url("https://api.sys.example.com", "https://cc.internal:9022/v3/apps?page=2") ==
        "https://api.sys.example.com/v3/apps?page=2");
  CHECK(rebase_url("https://api.sys.example.com/", "/v3/apps?page=3") == "https://api.sys.example.com/v3/apps?page=3");
}

TEST_CASE("cc client: guid keys parse either case and print lowercase") {
  const auto k = GuidKey::parse("0000000A-00b1-4000-A000-00000000c0fe");
  REQUIRE(k);
  CHECK(k->text() == "0000000a-00b1-4000-a000-00000000c0fe");
  CHECK(*k == *GuidKey::parse(k->text()));
  CHECK_FALSE(GuidKey::parse(""));
  CHECK_FALSE(GuidKey::parse("0000000a-00b1-4000-a000-00000000c0f"));
  CHECK_FALSE(GuidKey::parse("0000000a_00b1-4000-a000-00000000c0fe"));
  CHECK_FALSE(GuidKey::parse("0000000a-00b1-4000-a000-00000000c0fz"));
  CHECK(GuidKeyHash{}(*k) != GuidKeyHash{}(*GuidKey::parse("0000000a-00b1-4000-a000-00000000c0ff")));
}

TEST_CASE("cc client: the rate limiter spaces requests 1/rps apart, 0 is unlimited") {
  RateLimiter limit(4);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  CHECK(limit.ready(t0));
  limit.record(t0);
  CHECK_FALSE(limit.ready(t0 + 249ms));
  CHECK(limit.ready(t0 + 250ms));
  RateLimiter none(0);
  none.record(t0);
  CHECK(none.ready(t0));
}

TEST_CASE(
    "cc client: the routing labels syslog-nozzle/forward and syslog-nozzle/drain are read on app, space and org") {
  constexpr const char* kLabelled = R"({
  "resources": [
    {"guid": "a1", "name": "web", "relationships": {"space": {"data": {"guid": "s1"}}},
     "metadata": {"labels": {"syslog-nozzle/forward": "true", "syslog-nozzle/drain": "team-a"}}},
    {"guid": "a2", "name": "worker", "relationships": {"space": {"data": {"guid": "s1"}}},
     "metadata": {"labels": {"syslog-nozzle/forward": "maybe"}, "annotations": {"syslog-nozzle/drain": "x"}}}
  ],
  "included": {
    "spaces": [{"guid": "s1", "name": "dev", "relationships": {"organization": {"data": {"guid": "o1"}}},
                "metadata": {"labels": {"syslog-nozzle/forward": "false"}}}],
    "organizations": [{"guid": "o1", "name": "acme", "metadata": {"labels": {"syslog-nozzle/drain": "team-o"}}}]
  }
})";
  using F = RoutingLabels::Forward;
  auto page = parse_apps_page(kLabelled);
  REQUIRE_MESSAGE(page, page.error());
  REQUIRE(page->apps.size() == 2);
  const auto& web = page->apps[0];
  CHECK(web.app_labels.forward == F::Yes);
  CHECK(web.app_labels.drain == "team-a");
  CHECK(web.space_labels.forward == F::No);
  CHECK(web.space_labels.drain.empty());
  CHECK(web.org_labels.forward == F::Unset);
  CHECK(web.org_labels.drain == "team-o");
  const auto& worker = page->apps[1];
  CHECK(worker.app_labels.forward == F::Unset);  // neither true nor false: the level above decides
  CHECK(worker.app_labels.drain.empty());        // an annotation does not route
}
