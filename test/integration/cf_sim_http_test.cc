// cf-sim's HTTP endpoints over real TLS: discovery, UAA, Cloud Controller v3, the control
// endpoint and the faults, checked against docs/WIRE.md ("UAA tokens", "Endpoint discovery",
// "Cloud Controller v3") from a Beast client.
#include <doctest/doctest.h>

#include <set>

#include "cf-sim/naming.h"
#include "cf_sim_client.h"

using namespace cfsim_test;

namespace {

cfsim::SimulatorOptions small() {
  cfsim::SimulatorOptions o;
  o.foundation = {.orgs = 2, .spaces = 4, .apps = 30};
  o.workload.total = 100;
  return o;
}

Headers bearer(const std::string& t) { return {{"Authorization", "bearer " + t}}; }

}  // namespace

TEST_CASE("cf-sim http: GET / and /v2/info link back to the one listener") {
  cfsim::Simulator sim(small());
  sim.start();
  CHECK(sim.base_url() == "https://127.0.0.1:" + std::to_string(sim.port()));
  auto r = request(sim, http::verb::get, "/");
  REQUIRE(r.status == 200);
  CHECK(r.headers["content-type"].starts_with("application/json"));
  auto d = r.json();
  CHECK(std::string(d["links"]["uaa"]["href"].GetString()) == sim.base_url());
  CHECK(std::string(d["links"]["login"]["href"].GetString()) == sim.base_url());
  CHECK(std::string(d["links"]["logging"]["href"].GetString()) == sim.websocket_url());
  CHECK(std::string(d["links"]["log_stream"]["href"].GetString()) == sim.base_url());
  CHECK(std::string(d["links"]["cloud_controller_v3"]["href"].GetString()) == sim.base_url() + "/v3");
  CHECK(d["links"]["log_cache"].IsNull());
  r = request(sim, http::verb::get, "/v2/info");
  REQUIRE(r.status == 200);
  d = r.json();
  CHECK(std::string(d["token_endpoint"].GetString()) == sim.base_url());
  CHECK(std::string(d["doppler_logging_endpoint"].GetString()) == sim.websocket_url());
  CHECK(request(sim, http::verb::get, "/no/such/route").status == 404);
}

TEST_CASE("cf-sim http: UAA grants, 401 on bad credentials, tokens counted, expiry") {
  cfsim::Simulator sim(small());
  sim.start();
  const Headers form = {{"Content-Type", "application/x-www-form-urlencoded"}};
  auto r = request(sim, http::verb::post, "/oauth/token", form,
                   "grant_type=client_credentials&client_id=nozzle&client_secret=nozzle-secret");
  REQUIRE(r.status == 200);
  auto d = r.json();
  CHECK(std::string(d["token_type"].GetString()) == "bearer");
  CHECK(d["expires_in"].GetInt() == 43199);
  Headers basic_cf = form;
  basic_cf.emplace_back("Authorization", "Basic Y2Y6");
  r = request(sim, http::verb::post, "/oauth/token", basic_cf, "grant_type=password&username=admin&password=admin-password");
  CHECK(r.status == 200);
  r = request(sim, http::verb::post, "/oauth/token", form,
              "grant_type=client_credentials&client_id=nozzle&client_secret=nope");
  CHECK(r.status == 401);
  CHECK(std::string(r.json()["error"].GetString()) == "unauthorized");
  const auto c = sim.counters();
  CHECK(c.tokens_issued == 2);
  CHECK(c.token_failures == 1);
  CHECK(c.requests_to("/oauth/token", 401) == 1);

  // A token that expires at once is refused by Cloud Controller with 401 CF-InvalidAuthToken.
  sim.set_token_expiry(0);
  const auto expired = token(sim);
  r = request(sim, http::verb::get, "/v3/apps", bearer(expired));
  CHECK(r.status == 401);
  CHECK(std::string(r.json()["errors"][0]["title"].GetString()) == "CF-InvalidAuthToken");
}

TEST_CASE("cf-sim http: /v3/apps pagination by next.href, includes, 404 after delete, rename and add") {
  cfsim::Simulator sim(small());
  sim.start();
  const auto t = token(sim);
  std::set<std::string> guids;
  std::string next = "/v3/apps?per_page=7&include=space.organization";
  int pages = 0;
  while (!next.empty()) {
    const auto r = request(sim, http::verb::get, next, bearer(t));
    REQUIRE(r.status == 200);
    const auto d = r.json();
    REQUIRE(d.IsObject());
    for (const auto& a : d["resources"].GetArray()) {
      const std::string guid = a["guid"].GetString();
      const auto ref = cfsim::parse_app_guid(guid);
      REQUIRE(ref.has_value());
      CHECK(std::string(a["name"].GetString()) == cfsim::app_name(ref->app));
      guids.insert(guid);
    }
    CHECK(d["included"]["spaces"].Size() >= 1);
    CHECK(d["included"]["organizations"].Size() >= 1);
    ++pages;
    next.clear();
    if (d["pagination"]["next"].IsObject()) {
      const std::string href = d["pagination"]["next"]["href"].GetString();
      REQUIRE(href.starts_with(sim.base_url()));
      next = href.substr(sim.base_url().size());
    }
  }
  CHECK(pages == 5);
  CHECK(guids.size() == 30);
  CHECK(sim.counters().requests_to("/v3/apps", 200) == 5);

  const auto guid = cfsim::app_guid(1, 1, 5);
  auto r = request(sim, http::verb::post, "/sim/apps/" + guid + "/rename");
  REQUIRE(r.status == 200);
  r = request(sim, http::verb::get, "/v3/apps/" + guid, bearer(t));
  CHECK(std::string(r.json()["name"].GetString()) == "app-5-r1");
  CHECK(request(sim, http::verb::delete_, "/sim/apps/" + guid).status == 204);
  r = request(sim, http::verb::get, "/v3/apps/" + guid, bearer(t));
  CHECK(r.status == 404);
  CHECK(std::string(r.json()["errors"][0]["title"].GetString()) == "CF-ResourceNotFound");
  CHECK(request(sim, http::verb::delete_, "/sim/apps/" + guid).status == 404);
  r = request(sim, http::verb::post, "/sim/apps");
  REQUIRE(r.status == 201);
  const std::string added = r.json()["guid"].GetString();
  CHECK(added == cfsim::app_guid(0, 2, 30));
  CHECK(request(sim, http::verb::get, "/v3/apps/" + added, bearer(t)).status == 200);
  CHECK(request(sim, http::verb::get, "/v3/spaces?include=organization", bearer(t)).json()["included"]["organizations"].Size() == 2);
  CHECK(request(sim, http::verb::get, "/v3/organizations", bearer(t)).json()["pagination"]["total_results"].GetInt() == 2);
  CHECK(request(sim, http::verb::get, "/v3/apps?per_page=5001", bearer(t)).status == 400);
  CHECK(request(sim, http::verb::get, "/v3/apps").status == 401);
  CHECK(sim.counters().requests_to("/v3/apps/:guid", 404) == 1);
}

TEST_CASE("cf-sim http: faults: 429 with Retry-After, 5xx share, CC and UAA down, latency") {
  cfsim::Simulator sim(small());
  sim.start();
  const auto t = token(sim);
  auto r = request(sim, http::verb::post, "/sim/faults?cc_rate_limit_rate=1&retry_after=3");
  REQUIRE(r.status == 200);
  r = request(sim, http::verb::get, "/v3/apps", bearer(t));
  CHECK(r.status == 429);
  CHECK(r.headers["retry-after"] == "3");
  CHECK(r.headers.count("x-ratelimit-reset") == 1);
  CHECK(std::string(r.json()["errors"][0]["title"].GetString()) == "CF-RateLimitExceeded");
  CHECK(request(sim, http::verb::post, "/sim/faults?cc_rate_limit_rate=0&cc_error_rate=0.5").status == 200);
  int errors = 0;
  for (int i = 0; i < 6; ++i) errors += request(sim, http::verb::get, "/v3/apps", bearer(t)).status == 500;
  CHECK(errors == 3);
  CHECK(request(sim, http::verb::post, "/sim/faults?cc_error_rate=0&cc_down_ms=60000&uaa_down_ms=60000").status == 200);
  r = request(sim, http::verb::get, "/v3/apps", bearer(t));
  CHECK(r.status == 502);
  CHECK(r.headers["x-cf-routererror"] == "endpoint_failure");
  CHECK(token(sim).empty());
  cfsim::FaultSettings f;
  f.cc_latency = 300ms;
  sim.set_faults(f);
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(request(sim, http::verb::get, "/v3/apps", bearer(t)).status == 200);
  CHECK(std::chrono::steady_clock::now() - t0 >= 300ms);
  CHECK(request(sim, http::verb::post, "/sim/faults?bogus=1").status == 400);
  const auto c = request(sim, http::verb::get, "/sim/counters").json();
  CHECK(c["requests"]["/v3/apps"]["429"].GetInt() == 1);
  CHECK(c["requests"]["/v3/apps"]["500"].GetInt() == 3);
  CHECK(c["requests"]["/v3/apps"]["502"].GetInt() == 1);
  CHECK(c["requests"]["/oauth/token"]["502"].GetInt() == 1);
}
