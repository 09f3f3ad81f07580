// cf-sim's hand-written dropsonde encoder against the golden vectors of docs/WIRE.md,
// "v1 golden vectors" (made with protoc from the real .proto files), and its workload envelopes
// against libprotobuf's parser of our .proto files (not the nozzle's decoder: a shared mistake
// would hide).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "cf-sim/naming.h"
#include "cf-sim/v1_encoder.h"
#include "cf-sim/workload.h"
#include "dropsonde/envelope.pb.h"

namespace {

std::string hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string encode(const nozzle::Envelope& e) {
  std::string out;
  REQUIRE(cfsim::encode_v1(e, out));
  return hex(out);
}

constexpr const char* kUuid = "f47ac10b-58cc-4372-a567-0e02b2c3d479";
constexpr const char* kAppGuid = "5d2e6f34-7c3b-4c1e-9a55-0d5f3b0e8a11";
constexpr std::int64_t kTs = 1485350702539694548;

}  // namespace

TEST_CASE("cf-sim v1 encoder: UUID halves follow docs/WIRE.md UUIDs") {
  std::uint64_t low = 0, high = 0;
  REQUIRE(cfsim::uuid_to_halves(kUuid, low, high));
  CHECK(low == 0x7243cc580bc17af4ULL);
  CHECK(high == 0x79d4c3b2020e67a5ULL);
  CHECK_FALSE(cfsim::uuid_to_halves("not-a-uuid", low, high));
}

TEST_CASE("cf-sim v1 encoder: golden LogMessage envelope, byte for byte") {
  nozzle::Envelope e;
  e.origin = "rep";
  e.type = nozzle::EventType::LogMessage;
  e.timestamp_ns = kTs;
  e.log.message = "hello";
  e.log.message_type = nozzle::LogMessage::Type::Out;
  e.log.timestamp_ns = kTs;
  e.log.app_id = kAppGuid;
  e.log.source_type = "APP/PROC/WEB";
  e.log.source_instance = "0";
  e.deployment = "cf";
  e.job = "diego-cell";
  e.index = "0c3a";
  e.ip = "10.0.0.5";
  e.add_tag("source_id", kAppGuid);
  CHECK(encode(e) ==
        "0a03726570100530d4c385fe81d3c1ce14424a0a0568656c6c6f100118d4c385fe81d3c1ce1422243564326536"
        "6633342d376333622d346331652d396135352d3064356633623065386131312a0c4150502f50524f432f574542"
        "3201306a026366720a646965676f2d63656c6c7a043063336182010831302e302e302e358a01310a09736f7572"
        "63655f6964122435643265366633342d376333622d346331652d396135352d306435663362306538613131");
}

TEST_CASE("cf-sim v1 encoder: golden ValueMetric, CounterEvent, ContainerMetric envelopes") {
  nozzle::Envelope v;
  v.origin = "x";
  v.type = nozzle::EventType::ValueMetric;
  v.value_metric = {"m", 1.5, "ms"};
  CHECK(encode(v) == "0a017810064a100a016d11000000000000f83f1a026d73");

  nozzle::Envelope c;
  c.origin = "x";
  c.type = nozzle::EventType::CounterEvent;
  c.counter = {"c", 3, 10};
  CHECK(encode(c) == "0a0178100752070a01631003180a");

  nozzle::Envelope m;
  m.origin = "rep";
  m.type = nozzle::EventType::ContainerMetric;
  m.container = {"a", 0, 0.5, 1024, 2048, 4096, 8192};
  CHECK(encode(m) == "0a037265701009621a0a0161100019000000000000e03f208008288010308020388040");
}

TEST_CASE("cf-sim v1 encoder: golden HttpStartStop envelope") {
  nozzle::Envelope e;
  e.origin = "gorouter";
  e.type = nozzle::EventType::HttpStartStop;
  e.timestamp_ns = 1000;
  auto& h = e.http;
  h.start_timestamp_ns = 100;
  h.stop_timestamp_ns = 200;
  h.request_id = kUuid;
  h.peer_type = nozzle::HttpStartStop::PeerType::Client;
  h.method = 1;
  h.uri = "https://app.example.com/x";
  h.remote_address = "10.0.0.1:1234";
  h.user_agent = "curl";
  h.status_code = 200;
  h.content_length = 42;
  h.application_id = kUuid;
  h.instance_index = 1;
  h.instance_id = "abc";
  h.forwarded = {"1.2.3.4", "5.6.7.8"};
  h.forwarded_count = 2;
  CHECK(encode(e) ==
        "0a08676f726f75746572100430e8073a8301086410c8011a1408f4f585de808bf3a17210a5cfb990a0f6b0ea79200128013219"
        "68747470733a2f2f6170702e6578616d706c652e636f6d2f783a0d31302e302e302e313a3132333442046375726c48c801502a"
        "621408f4f585de808bf3a17210a5cfb990a0f6b0ea79680172036162637a07312e322e332e347a07352e362e372e38");
}

TEST_CASE("cf-sim workload: every envelope parses with libprotobuf and carries its sequence number") {
  cfsim::WorkloadOptions o;
  o.payload_min = 10;
  o.payload_max = 400;  // nested lengths over 127 need a two-byte varint
  o.tagged_share = 0.5;
  const cfsim::Workload w(o, 50, 6, 3);
  nozzle::Envelope env;
  std::set<nozzle::EventType> seen;
  std::size_t named = 0;
  for (std::uint64_t seq = 0; seq < 2000; ++seq) {
    REQUIRE(w.make(seq, kTs, env) == cfsim::Workload::Kind::Envelope);
    std::string bytes;
    REQUIRE(cfsim::encode_v1(env, bytes));
    events::Envelope p;
    REQUIRE(p.ParseFromString(bytes));
    REQUIRE(p.IsInitialized());  // every proto2 required field is present
    seen.insert(env.type);
    CHECK(static_cast<int>(p.eventtype()) == static_cast<int>(env.type));
    REQUIRE(p.tags().count("sim_seq") == 1);
    CHECK(p.tags().at("sim_seq") == std::to_string(seq));
    const std::string prefix = "seq=" + std::to_string(seq) + " ";
    switch (env.type) {
      case nozzle::EventType::LogMessage: {
        CHECK(p.logmessage().message().starts_with(prefix));
        const auto ref = cfsim::parse_app_guid(p.logmessage().app_id());
        REQUIRE(ref.has_value());
        CHECK(ref->app == w.app(seq));
        CHECK(p.tags().at("source_id") == p.logmessage().app_id());
        if (p.tags().count("app_name")) {
          ++named;
          CHECK(p.tags().at("app_name") == cfsim::app_name(ref->app));
          CHECK(p.tags().at("space_name") == cfsim::space_name(ref->space));
          CHECK(p.tags().at("organization_name") == cfsim::org_name(ref->org));
        }
        break;
      }
      case nozzle::EventType::ValueMetric: CHECK(p.valuemetric().value() == static_cast<double>(seq)); break;
      case nozzle::EventType::CounterEvent: CHECK(p.counterevent().total() == seq); break;
      case nozzle::EventType::ContainerMetric: CHECK(p.containermetric().memorybytes() == seq); break;
      case nozzle::EventType::HttpStartStop: CHECK(p.httpstartstop().contentlength() == static_cast<std::int64_t>(seq)); break;
      case nozzle::EventType::Error: CHECK(p.error().message().starts_with(prefix)); break;
      case nozzle::EventType::Event: FAIL("the default mix has no v2 events"); break;
    }
  }
  CHECK(seen.size() == 6);
  CHECK(named > 300);
}

TEST_CASE("cf-sim workload: malformed share is deterministic and close to the share") {
  cfsim::WorkloadOptions o;
  o.malformed_share = 0.1;
  const cfsim::Workload a(o, 10, 4, 2);
  const cfsim::Workload b(o, 10, 4, 2);
  std::size_t bad = 0;
  for (std::uint64_t seq = 0; seq < 10000; ++seq) {
    CHECK(a.kind(seq) == b.kind(seq));
    bad += a.kind(seq) == cfsim::Workload::Kind::Malformed;
  }
  CHECK(bad > 800);
  CHECK(bad < 1200);
}
