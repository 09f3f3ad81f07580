// Enrichment against cf-sim's Cloud Controller, which counts every request: the acceptance of
// the enrichment issue. Envelopes are driven into the enrich stage directly; the real app cache,
// Cloud Controller client and token provider run against cf-sim over TLS.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "cfapi/app_cache.h"
#include "cfapi/cc_client.h"
#include "cfapi/discovery.h"
#include "cfapi/token_provider.h"
#include "naming.h"
#include "nozzle/pipeline/caching_enricher.h"
#include "simulator.h"
#include "support/wait.h"

using namespace nozzle;
using namespace std::chrono_literals;
using nozzle::test::wait_until;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kOrgs = 3;
constexpr std::uint32_t kSpaces = 12;

std::string guid_of(std::uint64_t app) {
  const auto space = static_cast<std::uint32_t>(app % kSpaces);
  return cfsim::app_guid(space % kOrgs, space, app);
}

struct Emitted {
  std::string app_id, app_name, space_name, org_name;
};

// cf-sim, and the enrich stage on a real app cache talking to it.
struct Rig {
  explicit Rig(std::uint64_t apps, double tagged_share = 0) : sim(sim_options(apps, tagged_share)) {
    sim.start();
    cfapi::HttpClient http(cfapi::TlsOptions{.ca_file = sim.ca_file()});
    auto endpoints = cfapi::discover(http, cfapi::Endpoints{.api = sim.base_url()});
    REQUIRE_MESSAGE(endpoints, endpoints.error());
    tokens = std::make_unique<cfapi::TokenProvider>(
        cfapi::UaaConfig{.uaa_url = endpoints->uaa, .client_id = "nozzle", .client_secret = "nozzle-secret"},
        cfapi::TlsOptions{.ca_file = sim.ca_file()});
    cc = std::make_unique<cfapi::CcClient>(
        cfapi::CcClientConfig{.api_url = sim.base_url(), .tls = {.ca_file = sim.ca_file()}}, *tokens);
    options.cache.backoff_initial = 100ms;
    options.cache.backoff_max = 500ms;
  }
  ~Rig() {
    if (cache) cache->stop();
    sim.stop();
  }
  static cfsim::SimulatorOptions sim_options(std::uint64_t apps, double tagged_share) {
    cfsim::SimulatorOptions o;
    o.foundation.orgs = kOrgs;
    o.foundation.spaces = kSpaces;
    o.foundation.apps = apps;
    o.workload.tagged_share = tagged_share;
    o.workload.seed = 5;
    return o;
  }

  void start() {
    enricher.reset();  // a restart: the old enricher reads the old cache, so it goes first
    cache = std::make_unique<cfapi::AppCache>(options.cache, *cc);
    enricher = std::make_unique<CachingEnricher>(options, *cache, counters);
    cache->start();
  }
  void log(std::uint64_t app) {
    env.clear();
    env.type = EventType::LogMessage;
    env.log.app_id = guid_of(app);
    env.log.message = "hello";
    enricher->process(env, emit);
  }
  void tick() { enricher->tick(Clock::now(), emit); }
  std::uint64_t app_requests() const { return sim.counters().requests_to("/v3/apps"); }
  std::uint64_t named() const {
    return static_cast<std::uint64_t>(std::count_if(out.begin(), out.end(), [](const Emitted& e) {
      return !e.app_name.empty();
    }));
  }

  cfsim::Simulator sim;
  std::unique_ptr<cfapi::TokenProvider> tokens;
  std::unique_ptr<cfapi::CcClient> cc;
  EnrichOptions options;
  EnrichCounters counters;
  std::unique_ptr<cfapi::AppCache> cache;
  std::unique_ptr<CachingEnricher> enricher;
  Envelope env;
  std::vector<Emitted> out;
  Enricher::Emit emit = [this](Envelope& e, const AppInfo& a) {
    out.push_back(Emitted{std::string(a.app_id), std::string(a.app_name), std::string(a.space_name),
                          std::string(a.org_name)});
    (void)e;
  };
};

}  // namespace

TEST_CASE("enrichment: warm-up of 12,000 apps takes 3 app requests, and none per envelope afterwards") {
  Rig r(12000);
  r.start();
  REQUIRE(wait_until([&] { return r.cache->warm(); }, 60s));
  CHECK(r.app_requests() == 3);
  CHECK(r.cache->size() == 12000);
  for (std::uint64_t i = 0; i < 20000; ++i) r.log((i * 7919) % 12000);
  CHECK(r.out.size() == 20000);
  CHECK(r.named() == 20000);
  CHECK(r.counters.from_cache.get() == 20000);
  CHECK(r.counters.held.get() == 0);
  CHECK(r.out[1].app_name == "app-7919");
  CHECK(r.out[1].space_name == "space-" + std::to_string(7919 % kSpaces));
  CHECK(r.out[1].org_name == "org-" + std::to_string(7919 % kSpaces % kOrgs));
  CHECK(r.app_requests() == 3);
  CHECK(r.sim.counters().cc_requests() == 3);
}

TEST_CASE("enrichment: 20,000 untagged envelopes of 1,000 unknown apps are all enriched with at most 100 app requests") {
  Rig r(1000);
  r.options.cache.warm_up = false;
  r.options.enrich_wait = 5s;  // generous for a loaded test machine; the requests are what is judged
  r.options.hold_bytes = 256u << 20;
  r.start();
  for (std::uint64_t chunk = 0; chunk < 20; ++chunk) {
    for (std::uint64_t i = 0; i < 1000; ++i) r.log((chunk * 1000 + i) * 617 % 1000);
    r.tick();
  }
  const bool all = wait_until([&] { r.tick(); return r.out.size() == 20000; }, 30s);
  INFO("emitted " << r.out.size() << ", app requests " << r.app_requests());
  CHECK(all);
  CHECK(r.named() == 20000);
  CHECK(r.counters.timeouts.get() == 0);
  CHECK(r.app_requests() <= 100);
  CHECK(r.sim.counters().requests_to("/v3/apps/:guid") == 0);
  MESSAGE("app requests for 1,000 unknown apps: " << r.app_requests());
}

TEST_CASE("enrichment: tagged envelopes cause no Cloud Controller request at all") {
  Rig r(500, 1.0);
  r.options.cache.warm_up = false;
  r.start();
  const cfsim::Workload& w = r.sim.workload();
  std::uint64_t app_envelopes = 0;
  for (std::uint64_t seq = 0; seq < 20000; ++seq) {
    Envelope e;
    w.make(seq, 0, e);
    if (!e.app_id().empty()) ++app_envelopes;
    r.enricher->process(e, r.emit);
  }
  r.tick();
  REQUIRE(app_envelopes > 5000);
  CHECK(r.counters.from_tags.get() == app_envelopes);
  CHECK(r.cache->size() == 0);  // nothing was asked for, so nothing can be sent
  r.cache->stop();
  CHECK(r.sim.counters().cc_requests() == 0);
}

TEST_CASE("enrichment: Cloud Controller down at start: the stream flows unenriched and counted, names once it is back") {
  Rig r(50);
  r.sim.set_faults(cfsim::FaultSettings{.cc_down_for = 3000ms});
  const auto t0 = Clock::now();
  r.start();
  std::uint64_t sent = 0;
  // The first second: every envelope comes out, without names.
  wait_until([&] {
    for (int i = 0; i < 10; ++i) r.log(sent++ % 50);
    r.tick();
    return false;
  }, 1000ms, 5ms);
  CHECK(r.named() == 0);
  CHECK(r.out.size() + r.enricher->held_envelopes() == sent);
  CHECK(r.out.size() >= sent / 2);  // at most the first enrich wait's worth was held
  CHECK(r.counters.timeouts.get() + r.counters.cc_unavailable.get() == r.out.size());
  CHECK(r.cache->unavailable());
  const bool named = wait_until([&] {
    r.log(sent++ % 50);
    r.tick();
    return r.out.back().app_name == "app-" + std::to_string((sent - 1) % 50);
  }, 15s, 20ms);
  CHECK(named);
  const auto back_after = Clock::now() - t0;
  MESSAGE("names back after " << std::chrono::duration_cast<std::chrono::milliseconds>(back_after).count() << " ms");
  CHECK(back_after >= 3000ms);
  CHECK(back_after < 3000ms + 2000ms);  // down time + backoff cap + a request
}

TEST_CASE("enrichment: a 429 with Retry-After: 2 is followed by no request for 2 s") {
  Rig r(10);
  r.options.cache.warm_up = false;
  r.sim.set_faults(cfsim::FaultSettings{.cc_rate_limit_rate = 1.0, .retry_after_seconds = 2});
  r.start();
  r.log(1);
  REQUIRE(wait_until([&] { return r.app_requests() >= 1; }, 5s, 5ms));
  const auto first = Clock::now();
  CHECK(r.sim.counters().requests_to("/v3/apps", 429) == 1);
  r.log(2);  // another miss meanwhile must wait too
  REQUIRE(wait_until([&] { r.tick(); return r.app_requests() >= 2; }, 10s, 5ms));
  const auto gap = Clock::now() - first;
  MESSAGE("second request after " << std::chrono::duration_cast<std::chrono::milliseconds>(gap).count() << " ms");
  CHECK(gap >= 1950ms);  // observed to within the 5 ms poll
  r.sim.set_faults(cfsim::FaultSettings{});
  CHECK(wait_until([&] { r.log(1); r.tick(); return r.out.back().app_name == "app-1"; }, 10s, 20ms));
}

TEST_CASE("enrichment: a deleted app costs one request, then none for the missing-app TTL") {
  Rig r(10);
  r.options.cache.warm_up = false;
  r.options.cache.missing_app_ttl = 3000ms;
  r.options.cache.sweep_interval = 100ms;
  r.start();
  REQUIRE(r.sim.delete_app(guid_of(3)));
  r.log(3);
  REQUIRE(wait_until([&] { r.tick(); return r.out.size() == 1; }, 5s));
  const auto first = Clock::now();
  CHECK(r.out[0].app_name.empty());
  CHECK(r.counters.unknown_app.get() == 1);
  CHECK(r.app_requests() == 1);
  // Its events keep coming for most of the TTL: no further request.
  wait_until([&] { r.log(3); r.tick(); return false; }, 2500ms, 10ms);
  CHECK(r.app_requests() == 1);
  CHECK(r.counters.unknown_app.get() == r.out.size());
  // Past the TTL it is asked for again, once.
  CHECK(wait_until([&] { r.log(3); r.tick(); return r.app_requests() == 2; }, 5s, 10ms));
  CHECK(Clock::now() - first >= 3000ms);
}

TEST_CASE("enrichment: a rename in cf-sim shows within one pull time") {
  Rig r(20);
  r.options.cache.cc_pull_time = 1000ms;
  r.options.cache.sweep_interval = 50ms;
  r.options.cache.refresh_window = 50ms;
  r.start();
  REQUIRE(wait_until([&] { return r.cache->warm(); }, 10s));
  r.log(5);
  CHECK(r.out.back().app_name == "app-5");
  REQUIRE(r.sim.rename_app(guid_of(5)));
  const auto t0 = Clock::now();
  const bool renamed = wait_until([&] { r.log(5); return r.out.back().app_name == "app-5-r1"; }, 5s, 10ms);
  const auto took = Clock::now() - t0;
  CHECK(renamed);
  MESSAGE("rename visible after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  // An entry lives 0.75..1.25 pull times; then a sweep, a refresh window and one request.
  CHECK(took <= 1250ms + 400ms);
}

TEST_CASE("enrichment: restart with a snapshot enriches at once with zero requests, a corrupt one is ignored") {
  const std::string file = "/tmp/nozzle-enrichment-" + std::to_string(::getpid()) + ".snapshot";
  Rig r(300);
  r.options.cache.cache_file = file;
  r.start();
  REQUIRE(wait_until([&] { return r.cache->warm(); }, 10s));
  r.cache->stop();  // writes the snapshot
  const auto before = r.sim.counters().cc_requests();

  r.start();  // a new cache: reads the snapshot
  CHECK(r.cache->snapshot_status() == "loaded 300 apps");
  CHECK(r.cache->warm());
  r.out.clear();
  for (std::uint64_t i = 0; i < 300; ++i) r.log(i);
  CHECK(r.out.size() == 300);
  CHECK(r.named() == 300);
  CHECK(r.counters.held.get() == 0);
  CHECK(r.sim.counters().cc_requests() == before);
  r.cache->stop();

  {
    std::ofstream f(file, std::ios::binary | std::ios::trunc);
    f << "syslog-nozzle-app-cache 1\n" << guid_of(1) << "\tapp-1\ttruncated";
  }
  r.start();
  CHECK(r.cache->snapshot_status().starts_with("ignored: "));  // and a warning in the log
  CHECK(wait_until([&] { return r.cache->warm(); }, 10s));  // the warm-up ran instead
  CHECK(r.sim.counters().cc_requests() > before);
  r.cache->stop();
  std::remove(file.c_str());
}
