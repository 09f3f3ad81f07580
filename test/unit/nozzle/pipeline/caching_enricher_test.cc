// The enrich stage on a cache driven by hand (fake Cloud Controller, manual clock).
#include <doctest/doctest.h>

#include <map>

#include "unit/cfapi/fake_app_source.h"
#include "nozzle/pipeline/caching_enricher.h"

using namespace std::chrono_literals;
using namespace nozzle;
using nozzle::test::app_guid;
using nozzle::test::FakeAppSource;
using nozzle::test::ManualClock;

namespace {

struct Out {
  std::string app_id, app_name, space_id, space_name, org_id, org_name, message, drain_label;
};

struct Rig {
  FakeAppSource cc;
  ManualClock clock;
  EnrichCounters counters;
  EnrichOptions options;
  std::unique_ptr<cfapi::AppCache> cache;
  std::unique_ptr<CachingEnricher> enricher;
  std::vector<Out> out;
  Enricher::Emit emit = [this](Envelope& env, const AppInfo& a) {
    out.push_back(Out{std::string(a.app_id), std::string(a.app_name), std::string(a.space_id),
                      std::string(a.space_name), std::string(a.org_id), std::string(a.org_name), env.log.message,
                      std::string(a.drain_label)});
  };

  Rig() {
    cc.add(0, 10);
    options.cache.warm_up = false;
    options.cache.cc_rps = 0;
  }
  void start() {
    cache = std::make_unique<cfapi::AppCache>(options.cache, cc, clock.fn(), [] { return 0.5; });
    enricher = std::make_unique<CachingEnricher>(options, *cache, counters, clock.fn());
  }
  void log(std::uint64_t app, const std::string& msg, bool tagged = false) {
    Envelope env;
    env.type = EventType::LogMessage;
    env.log.app_id = app_guid(app);
    env.log.message = msg;
    if (tagged) {
      env.add_tag("app_name", "tagged-" + std::to_string(app));
      env.add_tag("space_name", "tspace");
      env.add_tag("organization_name", "torg");
      env.add_tag("space_id", "sid");
      env.add_tag("organization_id", "oid");
    }
    enricher->process(env, emit);
  }
  // Time passes: the cache's thread runs, the connection ticks.
  void run(std::chrono::milliseconds span) {
    for (auto t = 0ms; t < span; t += 10ms) {
      clock.advance(10ms);
      for (int i = 0; i < 100 && cache->run_once(clock.now) <= clock.now; ++i) {
      }
      enricher->tick(clock.now, emit);
    }
  }
};

}  // namespace

TEST_CASE("enricher: tags first, no lookup at all") {
  Rig r;
  r.start();
  r.log(1, "m", true);
  r.run(100ms);
  REQUIRE(r.out.size() == 1);
  CHECK(r.out[0].app_name == "tagged-1");
  CHECK(r.out[0].space_id == "sid");
  CHECK(r.out[0].org_name == "torg");
  CHECK(r.out[0].app_id == app_guid(1));
  CHECK(r.counters.from_tags.get() == 1);
  CHECK(r.cc.calls() == 0);
  CHECK(r.cache->size() == 0);
}

TEST_CASE("enricher: platform envelopes pass untouched, also with --orgs") {
  Rig r;
  r.options.orgs = {"org-0"};
  r.start();
  Envelope env;
  env.type = EventType::ValueMetric;
  r.enricher->process(env, r.emit);
  CHECK(r.out.size() == 1);
  CHECK(r.counters.not_app.get() == 1);
}

TEST_CASE("enricher: a miss is held, then released with names in arrival order") {
  Rig r;
  r.start();
  r.log(3, "a");
  r.log(3, "b");
  r.log(4, "c");
  CHECK(r.out.empty());
  CHECK(r.enricher->held_envelopes() == 3);
  CHECK(r.counters.holding.get() == 3);
  r.run(50ms);
  REQUIRE(r.out.size() == 3);
  std::vector<std::string> app3;  // an app's order is kept (apps may interleave differently)
  for (const auto& o : r.out) {
    if (o.app_id != app_guid(3)) continue;
    app3.push_back(o.message);
    CHECK(o.app_name == "app-3");
    CHECK(o.space_name == "space-3");
    CHECK(o.org_name == "org-1");
  }
  CHECK(app3 == std::vector<std::string>{"a", "b"});
  CHECK(r.counters.held.get() == 3);
  CHECK(r.counters.from_cache.get() == 3);
  CHECK(r.counters.holding.get() == 0);
  CHECK(r.counters.holding_bytes.get() == 0);
  CHECK(r.cc.by_guid_calls.size() == 1);
  r.log(3, "d");  // a hit now: straight through
  CHECK(r.out.size() == 4);
}

TEST_CASE("enricher: held envelopes go out without names after the enrich wait, counted") {
  Rig r;
  r.options.enrich_wait = 200ms;
  r.options.cache.collect_window = 300ms;  // the answer comes too late
  r.cc.failures.push_back(FakeAppSource::failure(cfapi::FetchStatus::RateLimited, 5));
  r.start();
  r.log(3, "a");
  r.run(190ms);
  CHECK(r.out.empty());
  r.run(20ms);
  REQUIRE(r.out.size() == 1);
  CHECK(r.out[0].app_name.empty());
  CHECK(r.out[0].app_id == app_guid(3));
  CHECK(r.counters.timeouts.get() == 1);
  r.run(100ms);  // the request went out and got a 429
  // Cloud Controller is known to be failing now: no more waiting.
  r.log(3, "b");
  CHECK(r.out.size() == 2);
  CHECK(r.counters.cc_unavailable.get() == 1);
  r.run(5000ms);  // Retry-After over: the lookup is answered, names are back
  r.log(3, "c");
  CHECK(r.out.back().app_name == "app-3");
}

TEST_CASE("enricher: the hold is bounded in bytes, past it envelopes go out at once") {
  Rig r;
  r.options.hold_bytes = 3 * CachingEnricher::estimated_bytes(Envelope{}) + 200;
  r.start();
  for (int i = 0; i < 5; ++i) r.log(5, "x");
  CHECK(r.enricher->held_envelopes() == 3);
  CHECK(r.counters.hold_full.get() == 2);
  CHECK(r.out.size() == 2);
  r.run(50ms);
  CHECK(r.out.size() == 5);
}

TEST_CASE("enricher: --strip-app-name-suffixes cuts the first matching suffix once") {
  const std::vector<std::string> s{"-venerable", "-blue", "", "-green"};
  CHECK(CachingEnricher::strip_suffix("shop-venerable", s) == "shop");
  CHECK(CachingEnricher::strip_suffix("shop-green", s) == "shop");
  CHECK(CachingEnricher::strip_suffix("shop-blue-venerable", s) == "shop-blue");
  CHECK(CachingEnricher::strip_suffix("shop", s) == "shop");
  CHECK(CachingEnricher::strip_suffix("-blue", s) == "-blue");  // never cut to nothing
  Rig r;
  r.options.strip_app_name_suffixes = {"", "-3"};
  r.start();
  r.log(3, "a");
  r.log(3, "b", true);  // not held: tags need no lookup
  r.run(50ms);
  CHECK(r.out[0].app_name == "tagged");
  CHECK(r.out[1].app_name == "app");
}

TEST_CASE("enricher: --orgs lets listed orgs through by name or guid and fails closed") {
  Rig r;
  r.options.orgs = {"org-0", "00000001-0000-4000-8000-000000000000", "torg"};
  r.options.enrich_wait = 100ms;
  r.start();
  r.log(2, "by name");
  r.log(3, "by guid");
  r.log(9, "tagged", true);
  r.run(50ms);
  CHECK(r.out.size() == 3);
  r.options.orgs = {"org-0"};
  Rig only;
  only.options.orgs = {"org-0"};
  only.options.enrich_wait = 100ms;
  only.start();
  only.log(3, "org-1: dropped");
  only.log(1, "tagged torg: dropped", true);
  only.log(77, "unknown app: dropped");
  only.cc.failures.push_back(FakeAppSource::failure(cfapi::FetchStatus::Failed));
  only.run(50ms);
  only.log(8, "cc down, org unknown: dropped");
  only.run(200ms);
  CHECK(only.out.empty());
  CHECK(only.counters.dropped_org.get() == 4);
}

TEST_CASE("enricher: opted-out apps are dropped, tagged ones too once the cache knows them") {
  Rig r;
  r.cc.apps[app_guid(1)].space_opted_out = true;
  r.start();
  r.log(1, "a");
  r.run(50ms);
  CHECK(r.out.empty());
  r.log(1, "b", true);
  r.log(2, "c", true);
  CHECK(r.out.size() == 1);
  CHECK(r.counters.dropped_opt_out.get() == 2);
}

TEST_CASE("enricher: apps Cloud Controller does not know go out without names, or are dropped when asked") {
  Rig r;
  r.options.ignore_missing_apps = true;
  r.start();
  r.log(50, "a");
  r.run(50ms);
  r.log(50, "b");
  REQUIRE(r.out.size() == 2);
  CHECK(r.out[1].app_name.empty());
  CHECK(r.out[1].app_id == app_guid(50));
  CHECK(r.counters.unknown_app.get() == 2);
  CHECK(r.cc.calls() == 1);

  Rig d;
  d.options.drop_missing_apps = true;
  d.start();
  d.log(50, "a");
  d.run(50ms);
  CHECK(d.out.empty());
  CHECK(d.counters.dropped_missing.get() == 1);
}

TEST_CASE("enricher: flush sends everything held, a bad app id goes out without names") {
  Rig r;
  r.start();
  r.log(3, "a");
  r.log(4, "b");
  r.enricher->flush(r.emit);
  CHECK(r.out.size() == 2);
  CHECK(r.enricher->held_envelopes() == 0);
  CHECK(r.counters.timeouts.get() == 2);
  Envelope env;
  env.log.app_id = "not-a-guid";
  r.enricher->process(env, r.emit);
  CHECK(r.out.size() == 3);
  CHECK(r.counters.invalid_app_id.get() == 1);
}

TEST_CASE("enricher: opt-in forwards only apps labelled on app, space or org, the nearest label wins") {
  using F = cfapi::RoutingLabels::Forward;
  Rig r;
  r.options.opt_in = true;
  r.options.read_labels = true;
  r.cc.apps[app_guid(1)].app_labels.forward = F::Yes;
  r.cc.apps[app_guid(2)].space_labels.forward = F::Yes;
  r.cc.apps[app_guid(3)].org_labels.forward = F::Yes;
  r.cc.apps[app_guid(4)].org_labels.forward = F::Yes;
  r.cc.apps[app_guid(4)].app_labels.forward = F::No;      // the app's own label is nearer
  r.cc.apps[app_guid(5)].space_labels.drain = "team-a";   // naming a drain opts in too
  r.cc.apps[app_guid(6)].app_labels.drain = "";           // nothing: not forwarded
  r.start();
  for (std::uint64_t app = 1; app <= 6; ++app) r.log(app, "m" + std::to_string(app));
  r.log(50, "unknown");  // Cloud Controller does not know it: its labels are unknown
  r.run(50ms);
  r.log(1, "tagged", true);  // names in the tags, labels from the cache
  r.log(6, "tagged-6", true);
  REQUIRE(r.out.size() == 5);
  std::map<std::string, std::string> label_of;  // message -> drain label (held apps are released in any order)
  for (std::size_t i = 0; i < 4; ++i) label_of[r.out[i].message] = r.out[i].drain_label;
  CHECK(label_of == std::map<std::string, std::string>{{"m1", ""}, {"m2", ""}, {"m3", ""}, {"m5", "team-a"}});
  CHECK(r.out[4].message == "tagged");
  CHECK(r.out[4].app_name == "app-1");  // the cache's entry, which knows the labels
  CHECK(r.counters.not_opted_in.get() == 2);  // app 6, twice
  CHECK(r.counters.dropped_opt_out.get() == 1);  // app 4: forward=false
  CHECK(r.counters.opt_in_unknown.get() == 1);
  CHECK(r.counters.from_tags.get() == 0);
}

TEST_CASE("enricher: with label routing only, tagged envelopes of apps not yet cached go by their tags") {
  Rig r;
  r.options.read_labels = true;
  r.cc.apps[app_guid(1)].org_labels.drain = "team-o";
  r.start();
  r.log(1, "first", true);  // not cached yet: tags, no label, no wait
  REQUIRE(r.out.size() == 1);
  CHECK(r.out[0].app_name == "tagged-1");
  CHECK(r.out[0].drain_label.empty());
  r.run(50ms);
  r.log(1, "second", true);
  REQUIRE(r.out.size() == 2);
  CHECK(r.out[1].drain_label == "team-o");
  CHECK(r.counters.from_tags.get() == 1);
  CHECK(r.counters.from_cache.get() == 1);
}
