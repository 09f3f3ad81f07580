#include <doctest/doctest.h>

#include "cfapi/discovery.h"
#include "cfapi/http_client.h"
#include "cfapi/token_provider.h"

using namespace nozzle::cfapi;

TEST_CASE("API root links give uaa, logging and log_stream, null links are skipped") {
  const char* root = R"({"links":{"self":{"href":"https://api.sys"},
    "uaa":{"href":"https://uaa.sys/"},"login":{"href":"https://login.sys"},
    "logging":{"href":"wss://doppler.sys:443"},"log_cache":null,
    "log_stream":{"href":"https://log-stream.sys"},"credhub":null}})";
  Endpoints e;
  apply_root_links(root, e);
  CHECK(e.uaa == "https://uaa.sys");
  CHECK(e.doppler == "wss://doppler.sys:443");
  CHECK(e.rlp == "https://log-stream.sys");

  Endpoints nulls;
  apply_root_links(R"({"links":{"uaa":null,"logging":null}})", nulls);
  CHECK(nulls.uaa.empty());
  CHECK(nulls.doppler.empty());
}

TEST_CASE("overrides win over discovered links") {
  Endpoints e;
  e.doppler = "wss://my-tc:8081";
  apply_root_links(R"({"links":{"logging":{"href":"wss://doppler.sys:443"},"uaa":{"href":"https://uaa.sys"}}})", e);
  CHECK(e.doppler == "wss://my-tc:8081");
  CHECK(e.uaa == "https://uaa.sys");
}

TEST_CASE("/v2/info fills the UAA and doppler endpoints the root lacked") {
  Endpoints e;
  apply_v2_info(R"({"name":"","token_endpoint":"https://uaa.sys",
    "doppler_logging_endpoint":"wss://doppler.sys:443","api_version":""})", e);
  CHECK(e.uaa == "https://uaa.sys");
  CHECK(e.doppler == "wss://doppler.sys:443");
  CHECK(e.rlp.empty());

  Endpoints broken;
  apply_v2_info("not json", broken);
  apply_root_links("{\"links\": 3}", broken);
  CHECK(broken.uaa.empty());
}

TEST_CASE("UAA token response parsing") {
  auto ok = parse_token_response(
      R"({"access_token":"eyJabc","token_type":"bearer","expires_in":43199,"scope":"doppler.firehose","jti":"x"})");
  REQUIRE(ok);
  CHECK(ok->header_value == "bearer eyJabc");
  CHECK(ok->expires_in.count() == 43199);

  // The Traffic Controller only strips a lowercase "bearer " prefix.
  auto upper = parse_token_response(R"({"access_token":"t","token_type":"Bearer","expires_in":60})");
  REQUIRE(upper);
  CHECK(upper->header_value == "bearer t");

  auto no_type = parse_token_response(R"({"access_token":"t"})");
  REQUIRE(no_type);
  CHECK(no_type->header_value == "bearer t");
  CHECK(no_type->expires_in.count() == 0);

  CHECK_FALSE(parse_token_response(R"({"token_type":"bearer"})"));
  CHECK_FALSE(parse_token_response(R"({"access_token":""})"));
  CHECK_FALSE(parse_token_response("<html>"));
  CHECK(parse_token_response("[]").error() == "UAA token response is not a JSON object");
}

TEST_CASE("form values are percent-encoded") {
  CHECK(form_escape("admin") == "admin");
  CHECK(form_escape("p@ss w&rd=") == "p%40ss%20w%26rd%3D");
  CHECK(form_escape("a-b_c.d~") == "a-b_c.d~");
}
