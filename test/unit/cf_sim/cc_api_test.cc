// Cloud Controller v3 and UAA handlers of cf-sim, as pure functions (no server).
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <set>

#include "cf-sim/cc_api.h"
#include "cf-sim/naming.h"
#include "cf-sim/uaa.h"

namespace {

struct Fixture {
  cfsim::Foundation foundation{{.orgs = 2, .spaces = 4, .apps = 12}};
  cfsim::TokenStore tokens{cfsim::UaaOptions{}};
  cfsim::CcApi cc{foundation, tokens};
  std::string token;

  Fixture() {
    cfsim::HttpRequest req;
    req.method = "POST";
    req.body = "grant_type=client_credentials&client_id=nozzle&client_secret=nozzle-secret";
    const auto r = tokens.handle_token_request(req);
    REQUIRE(r.status == 200);
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    token = d["access_token"].GetString();
  }

  cfsim::CcResult get(const std::string& target) {
    cfsim::HttpRequest req;
    req.method = "GET";
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.headers.emplace_back("authorization", "bearer " + token);
    return cc.handle(req, "https://cc");
  }
};

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

}  // namespace

TEST_CASE("cf-sim CC: /v3/apps pages through every app with next.href until null") {
  Fixture f;
  std::set<std::string> guids;
  std::string next = "/v3/apps?per_page=5";
  int pages = 0;
  while (!next.empty()) {
    const auto r = f.get(next);
    REQUIRE(r.response.status == 200);
    CHECK(r.route == "/v3/apps");
    const auto d = parse(r.response.body);
    CHECK(d["pagination"]["total_results"].GetUint() == 12);
    CHECK(d["pagination"]["total_pages"].GetUint() == 3);
    for (const auto& a : d["resources"].GetArray()) guids.insert(a["guid"].GetString());
    ++pages;
    next.clear();
    if (d["pagination"]["next"].IsObject()) next = std::string(d["pagination"]["next"]["href"].GetString()).substr(10);
  }
  CHECK(pages == 3);
  CHECK(guids.size() == 12);
}

TEST_CASE("cf-sim CC: include=space.organization joins through relationships") {
  Fixture f;
  const auto g1 = cfsim::app_guid(1, 1, 1);
  const auto g2 = cfsim::app_guid(0, 2, 6);
  const auto r = f.get("/v3/apps?guids=" + g1 + "," + g2 + ",00000000-0000-4000-a000-0000000003e7&include=space.organization&per_page=5000");
  REQUIRE(r.response.status == 200);
  const auto d = parse(r.response.body);
  REQUIRE(d["resources"].Size() == 2);  // the unknown guid is left out, no 404
  CHECK(d["included"]["spaces"].Size() == 2);
  CHECK(d["included"]["organizations"].Size() == 2);
  const auto& app = d["resources"][0];
  CHECK(std::string(app["name"].GetString()) == "app-1");
  CHECK(std::string(app["relationships"]["space"]["data"]["guid"].GetString()) == cfsim::space_guid(1, 1));
  CHECK(std::string(app["metadata"]["labels"]["team"].GetString()) == "team-1");
  CHECK(std::string(d["included"]["spaces"][0]["relationships"]["organization"]["data"]["guid"].GetString()) ==
        cfsim::org_guid(1));  // included spaces: space 1 (org 1), then space 2 (org 0)
}

TEST_CASE("cf-sim CC: single app, 404 CF-ResourceNotFound after delete, renames visible") {
  Fixture f;
  const auto guid = cfsim::app_guid(1, 3, 3);
  auto r = f.get("/v3/apps/" + guid + "?include=space.organization");
  REQUIRE(r.response.status == 200);
  CHECK(r.route == "/v3/apps/:guid");
  auto d = parse(r.response.body);
  CHECK(std::string(d["name"].GetString()) == "app-3");
  CHECK(std::string(d["included"]["organizations"][0]["name"].GetString()) == "org-1");
  REQUIRE(f.foundation.rename_app(guid));
  CHECK(std::string(parse(f.get("/v3/apps/" + guid).response.body)["name"].GetString()) == "app-3-r1");
  REQUIRE(f.foundation.delete_app(guid));
  r = f.get("/v3/apps/" + guid);
  CHECK(r.response.status == 404);
  d = parse(r.response.body);
  CHECK(d["errors"][0]["code"].GetInt() == 10010);
  CHECK(std::string(d["errors"][0]["title"].GetString()) == "CF-ResourceNotFound");
  CHECK(std::string(d["errors"][0]["detail"].GetString()) == "App not found");
}

TEST_CASE("cf-sim CC: bad queries are 400 CF-BadQueryParameter, bad tokens 401") {
  Fixture f;
  for (const char* target : {"/v3/apps?per_page=5001", "/v3/apps?per_page=0", "/v3/apps?page=0",
                             "/v3/apps?include=droplet", "/v3/apps?bogus=1", "/v3/spaces?include=space"}) {
    const auto r = f.get(target);
    CHECK_MESSAGE(r.response.status == 400, target);
    CHECK(parse(r.response.body)["errors"][0]["code"].GetInt() == 10005);
  }
  CHECK(f.get("/v3/apps?per_page=5000").response.status == 200);
  f.token = "forged";
  const auto r = f.get("/v3/apps");
  CHECK(r.response.status == 401);
  CHECK(std::string(parse(r.response.body)["errors"][0]["title"].GetString()) == "CF-InvalidAuthToken");
}

TEST_CASE("cf-sim CC: spaces with include=organization, organizations by name") {
  Fixture f;
  auto d = parse(f.get("/v3/spaces?include=organization&organization_guids=" + cfsim::org_guid(1)).response.body);
  CHECK(d["resources"].Size() == 2);  // spaces 1 and 3
  CHECK(d["included"]["organizations"].Size() == 1);
  d = parse(f.get("/v3/organizations?names=org-1").response.body);
  REQUIRE(d["resources"].Size() == 1);
  CHECK(std::string(d["resources"][0]["guid"].GetString()) == cfsim::org_guid(1));
}

TEST_CASE("cf-sim UAA: grants, credentials and token checks") {
  cfsim::TokenStore tokens{cfsim::UaaOptions{}};
  cfsim::HttpRequest req;
  req.method = "POST";
  req.body = "grant_type=client_credentials";
  req.headers.emplace_back("authorization", "Basic bm96emxlOm5venpsZS1zZWNyZXQ=");  // nozzle:nozzle-secret
  auto r = tokens.handle_token_request(req);
  REQUIRE(r.status == 200);
  auto d = parse(r.body);
  CHECK(std::string(d["token_type"].GetString()) == "bearer");
  CHECK(d["expires_in"].GetInt() == 43199);
  CHECK_FALSE(d.HasMember("refresh_token"));
  const std::string token = d["access_token"].GetString();
  CHECK(tokens.check(token, "doppler.firehose") == cfsim::TokenCheck::Valid);
  CHECK(tokens.check(token, "no.such.scope") == cfsim::TokenCheck::Invalid);
  CHECK(cfsim::token_for_traffic_controller("bearer " + token) == token);
  CHECK(cfsim::token_for_traffic_controller("Bearer " + token) != token);  // the TC is case-sensitive
  CHECK(cfsim::token_for_rlp_gateway("bearer  " + token) == token);

  req.headers.clear();
  req.body = "grant_type=password&username=admin&password=admin-password";
  req.headers.emplace_back("authorization", "Basic Y2Y6");  // cf:
  r = tokens.handle_token_request(req);
  REQUIRE(r.status == 200);
  CHECK(parse(r.body).HasMember("refresh_token"));

  req.body = "grant_type=password&username=admin&password=wrong";
  CHECK(tokens.handle_token_request(req).status == 401);
  req.headers.clear();
  req.body = "grant_type=client_credentials&client_id=nozzle&client_secret=wrong";
  CHECK(tokens.handle_token_request(req).status == 401);
  req.body = "grant_type=implicit";
  CHECK(tokens.handle_token_request(req).status == 400);
  tokens.set_expires_in(0);
  req.body = "grant_type=client_credentials&client_id=nozzle&client_secret=nozzle-secret";
  r = tokens.handle_token_request(req);
  CHECK(tokens.check(parse(r.body)["access_token"].GetString()) == cfsim::TokenCheck::Expired);
}
