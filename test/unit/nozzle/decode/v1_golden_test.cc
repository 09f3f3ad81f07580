// The dropsonde golden vectors of docs/WIRE.md, "v1 golden vectors" (protoc encodings of the real
// .proto files) decode to the fields they were made from.
#include <doctest/doctest.h>

#include <string>

#include "unit/nozzle/decode/decode_hex.h"
#include "nozzle/decode/v1_decoder.h"

using nozzle::Envelope;
using nozzle::EventType;
using nozzle::test::from_hex;

namespace {

constexpr const char* kAppGuid = "5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11";
constexpr std::int64_t kTs = 1485350702539694548;
constexpr const char* kUuidText = "f47ac10b-58cc-4372-a567-0e02b2c3d479";

Envelope decode_ok(const std::string& hex) {
  Envelope env;
  const auto err = nozzle::decode_v1_envelope(from_hex(hex), env);
  INFO((err ? err->to_string() : std::string("ok")));
  REQUIRE_FALSE(err.has_value());
  return env;
}

}  // namespace

TEST_CASE("v1 golden: LogMessage envelope with tags") {
  const Envelope e = decode_ok(
      "0a03726570100530d4c385fe81d3c1ce14424a0a0568656c6c6f100118d4c385fe81d3c1ce1422243564326536"
      "6633342d376333622d346331652d396135352d3064356633623065386131312a0c4150502f50524f432f574542"
      "3201306a026366720a646965676f2d63656c6c7a043063336182010831302e302e302e358a01310a09736f7572"
      "63655f6964122435643265366633342d376333622d346331652d396135352d306435663362306538613131");
  CHECK(e.origin == "rep");
  CHECK(e.type == EventType::LogMessage);
  CHECK(e.timestamp_ns == kTs);
  CHECK(e.log.message == "hello");
  CHECK(e.log.message_type == nozzle::LogMessage::Type::Out);
  CHECK(e.log.timestamp_ns == kTs);
  CHECK(e.log.app_id == kAppGuid);
  CHECK(e.log.source_type == "APP/PROC/WEB");
  CHECK(e.log.source_instance == "0");
  CHECK(e.deployment == "cf");
  CHECK(e.job == "diego-cell");
  CHECK(e.index == "0c3a");
  CHECK(e.ip == "10.0.0.5");
  REQUIRE(e.tag_count == 1);
  CHECK(e.tags[0].key == "source_id");
  CHECK(e.tags[0].value == kAppGuid);
}

TEST_CASE("v1 golden: ValueMetric") {
  const Envelope e = decode_ok("0a017810064a100a016d11000000000000f83f1a026d73");
  CHECK(e.origin == "x");
  CHECK(e.type == EventType::ValueMetric);
  CHECK(e.value_metric.name == "m");
  CHECK(e.value_metric.value == 1.5);
  CHECK(e.value_metric.unit == "ms");
  CHECK(e.tag_count == 0);
}

TEST_CASE("v1 golden: CounterEvent") {
  const Envelope e = decode_ok("0a0178100752070a01631003180a");
  CHECK(e.origin == "x");
  CHECK(e.type == EventType::CounterEvent);
  CHECK(e.counter.name == "c");
  CHECK(e.counter.delta == 3);
  CHECK(e.counter.total == 10);
}

TEST_CASE("v1 golden: ContainerMetric") {
  const Envelope e = decode_ok("0a037265701009621a0a0161100019000000000000e03f208008288010308020388040");
  CHECK(e.origin == "rep");
  CHECK(e.type == EventType::ContainerMetric);
  CHECK(e.container.application_id == "a");
  CHECK(e.container.instance_index == 0);
  CHECK(e.container.cpu_percentage == 0.5);
  CHECK(e.container.memory_bytes == 1024);
  CHECK(e.container.disk_bytes == 2048);
  CHECK(e.container.memory_bytes_quota == 4096);
  CHECK(e.container.disk_bytes_quota == 8192);
}

TEST_CASE("v1 golden: HttpStartStop with UUIDs and forwarded") {
  const Envelope e = decode_ok(
      "0a08676f726f75746572100430e8073a8301086410c8011a1408f4f585de808bf3a17210a5cfb990a0f6b0ea7920"
      "012801321968747470733a2f2f6170702e6578616d706c652e636f6d2f783a0d31302e302e302e313a31323334"
      "42046375726c48c801502a621408f4f585de808bf3a17210a5cfb990a0f6b0ea79680172036162637a07312e32"
      "2e332e347a07352e362e372e38");
  CHECK(e.origin == "gorouter");
  CHECK(e.type == EventType::HttpStartStop);
  CHECK(e.timestamp_ns == 1000);
  const auto& h = e.http;
  CHECK(h.start_timestamp_ns == 100);
  CHECK(h.stop_timestamp_ns == 200);
  CHECK(h.request_id == kUuidText);
  CHECK(h.peer_type == nozzle::HttpStartStop::PeerType::Client);
  CHECK(h.method == 1);
  CHECK(nozzle::http_method_name(h.method) == "GET");
  CHECK(h.uri == "https://app.example.com/x");
  CHECK(h.remote_address == "10.0.0.1:1234");
  CHECK(h.user_agent == "curl");
  CHECK(h.status_code == 200);
  CHECK(h.content_length == 42);
  CHECK(h.application_id == kUuidText);
  CHECK(h.instance_index == 1);
  CHECK(h.instance_id == "abc");
  REQUIRE(h.forwarded_count == 2);
  CHECK(h.forwarded[0] == "1.2.3.4");
  CHECK(h.forwarded[1] == "5.6.7.8");
}

TEST_CASE("v1 golden: decoding reuses the Envelope and resets what the last one set") {
  Envelope env;
  REQUIRE_FALSE(nozzle::decode_v1_envelope(
      from_hex("0a08676f726f75746572100430e8073a8301086410c8011a1408f4f585de808bf3a17210a5cfb990a0f6b0ea792001"
               "2801321968747470733a2f2f6170702e6578616d706c652e636f6d2f783a0d31302e302e302e313a313233344204"
               "6375726c48c801502a621408f4f585de808bf3a17210a5cfb990a0f6b0ea79680172036162637a07312e322e332e"
               "347a07352e362e372e38"),
      env));
  REQUIRE(env.http.forwarded_count == 2);
  REQUIRE_FALSE(nozzle::decode_v1_envelope(from_hex("0a0178100752070a01631003180a"), env));
  CHECK(env.type == EventType::CounterEvent);
  CHECK(env.origin == "x");
  CHECK(env.timestamp_ns == 0);
  CHECK(env.http.forwarded_count == 0);
  CHECK(env.http.request_id.empty());
  CHECK(env.tag_count == 0);
}
