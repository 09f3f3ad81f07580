// cf-sim's websocket framing, sharding hub, protojson writer, RLP query parsing and faults.
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <set>
#include <thread>

#include "cf-sim/faults.h"
#include "cf-sim/hub.h"
#include "cf-sim/rlp_protocol.h"
#include "cf-sim/v2_json.h"
#include "cf-sim/workload.h"
#include "cf-sim/ws_frame.h"

TEST_CASE("cf-sim websocket: accept key (RFC 6455 example), headers, masked client frames") {
  CHECK(cfsim::websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  std::string h;
  cfsim::append_ws_header(h, cfsim::kWsBinary, 125);
  CHECK(h == std::string("\x82\x7d", 2));
  h.clear();
  cfsim::append_ws_header(h, cfsim::kWsBinary, 300);
  CHECK(h == std::string("\x82\x7e\x01\x2c", 4));
  h.clear();
  cfsim::append_ws_header(h, cfsim::kWsBinary, 70000);
  CHECK(h.size() == 10);

  // A masked pong "ab" and a masked close 1000, split across feeds.
  const std::string bytes = std::string("\x8a\x82\x01\x02\x03\x04", 6) + char('a' ^ 1) + char('b' ^ 2) +
                            std::string("\x88\x82\x01\x02\x03\x04", 6) + char(0x03 ^ 1) + char(0xe8 ^ 2);
  cfsim::WsFrameReader r;
  cfsim::WsFrame f;
  r.feed(bytes.substr(0, 5));
  CHECK_FALSE(r.next(f));
  r.feed(bytes.substr(5));
  REQUIRE(r.next(f));
  CHECK(f.opcode == cfsim::kWsPong);
  CHECK(f.payload == "ab");
  REQUIRE(r.next(f));
  CHECK(f.opcode == cfsim::kWsClose);
  CHECK(cfsim::ws_close_code(f.payload) == 1000);
  cfsim::WsFrameReader unmasked;
  unmasked.feed(std::string("\x8a\x00", 2));
  CHECK_FALSE(unmasked.next(f));
  CHECK(unmasked.failed());
}

TEST_CASE("cf-sim hub: one subscription id splits the stream, others get all of it") {
  cfsim::Hub hub(10000, 0);
  auto a = hub.join("v1|sub|");
  auto b = hub.join("v1|sub|");
  auto other = hub.join("v1|other|");
  CHECK(a == b);
  std::vector<std::uint64_t> seen;
  std::mutex m;
  auto drain = [&](std::shared_ptr<cfsim::StreamGroup> g) {
    for (;;) {
      const auto c = g->claim(64, std::chrono::steady_clock::now());
      if (c.count == 0) return;
      std::lock_guard lock(m);
      for (auto s = c.first; s < c.first + c.count; ++s) seen.push_back(s);
    }
  };
  std::thread t1(drain, a), t2(drain, b);
  t1.join();
  t2.join();
  std::set<std::uint64_t> unique(seen.begin(), seen.end());
  CHECK(seen.size() == 10000);
  CHECK(unique.size() == 10000);
  CHECK(*unique.rbegin() == 9999);
  CHECK(other->claim(100000, std::chrono::steady_clock::now()).count == 10000);
  CHECK(other->claim(1, std::chrono::steady_clock::now()).exhausted);
  CHECK(hub.join("") != hub.join(""));  // empty key: private
}

TEST_CASE("cf-sim hub: the rate limiter paces claims") {
  cfsim::Hub hub(0, 1000);  // 1000/s, burst 100 (100 ms of rate)
  auto g = hub.join("k");
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(g->claim(1000, t0).count == 100);
  CHECK(g->claim(1000, t0).count == 0);
  CHECK(g->claim(1000, t0 + std::chrono::milliseconds(5)).count == 5);
}

TEST_CASE("cf-sim hub: a session's older clock reading does not lift the rate limit") {
  cfsim::Hub hub(0, 1000);
  auto g = hub.join("k");
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(g->claim(1000, t0 + std::chrono::milliseconds(10)).count == 100);
  CHECK(g->claim(1000, t0).count == 0);  // read before the claim above, on another thread
  CHECK(g->claim(1000, t0 + std::chrono::milliseconds(10)).count == 0);
  CHECK(g->claim(1000, t0 + std::chrono::milliseconds(15)).count == 5);
}

TEST_CASE("cf-sim protojson: shape, int64 strings, base64 payloads, ToV2 tags") {
  cfsim::WorkloadOptions o;
  const cfsim::Workload w(o, 10, 4, 2);
  nozzle::Envelope env;
  std::uint64_t seq = 0;
  while (w.type(seq) != nozzle::EventType::LogMessage) ++seq;
  w.make(seq, 1532030745755909241, env);
  std::string json = "{\"batch\":[";
  cfsim::append_v2_envelope(env, {}, json);
  json += "]}";
  rapidjson::Document d;
  d.Parse(json.c_str());
  REQUIRE_FALSE(d.HasParseError());
  const auto& e = d["batch"][0];
  CHECK(std::string(e["timestamp"].GetString()) == "1532030745755909241");
  CHECK(std::string(e["source_id"].GetString()) == env.log.app_id);
  CHECK(e["deprecated_tags"].ObjectEmpty());
  CHECK(std::string(e["tags"]["__v1_type"].GetString()) == "LogMessage");
  CHECK(std::string(e["tags"]["sim_seq"].GetString()) == std::to_string(seq));
  CHECK_FALSE(e["tags"].HasMember("source_id"));
  CHECK(std::string(e["log"]["type"].GetString()) == "OUT");
  CHECK(json.find("\"payload\":\"c2VxPT") != std::string::npos);  // base64 of "seq="

  std::string camel;
  cfsim::append_v2_envelope(env, {.camel_case = true, .spaces = false}, camel);
  CHECK(camel.find("\"sourceId\":") != std::string::npos);
  CHECK(camel.find("\"deprecatedTags\":{}") != std::string::npos);

  std::string d1;
  cfsim::append_json_double(0.5, d1);
  cfsim::append_json_double(1e21, d1);
  cfsim::append_json_double(12345, d1);
  CHECK(d1 == "0.51e+2112345");
}

TEST_CASE("cf-sim RLP query: selectors and the gateway's 400s") {
  cfsim::RlpSelectors s;
  cfsim::HttpResponse err;
  REQUIRE(cfsim::parse_rlp_query("shard_id=n&log&counter&source_id=a&source_id=b", s, err));
  CHECK(s.shard_id == "n");
  CHECK(s.source_ids.size() == 2);
  CHECK(s.matches(nozzle::EventType::LogMessage, "a", ""));
  CHECK_FALSE(s.matches(nozzle::EventType::LogMessage, "c", ""));
  CHECK_FALSE(s.matches(nozzle::EventType::ValueMetric, "a", ""));
  cfsim::RlpSelectors t;
  CHECK_FALSE(cfsim::parse_rlp_query("", t, err));
  CHECK(err.body.find("empty_query") != std::string::npos);
  CHECK_FALSE(cfsim::parse_rlp_query("shard_id=x", t, err));
  CHECK(err.body.find("missing_envelope_type") != std::string::npos);
  CHECK_FALSE(cfsim::parse_rlp_query("counter.name=", t, err));
  CHECK(err.body.find("missing_counter_name") != std::string::npos);
  std::string chunk;
  cfsim::append_chunk(chunk, "hello, world and more");
  CHECK(chunk == "15\r\nhello, world and more\r\n");
}

TEST_CASE("cf-sim faults: shares are exact, not random") {
  cfsim::Faults f;
  cfsim::FaultSettings s;
  REQUIRE(cfsim::apply_fault_query(cfsim::parse_query("cc_error_rate=0.5&retry_after=7"), s).empty());
  CHECK_FALSE(cfsim::apply_fault_query(cfsim::parse_query("cc_error_rate=2"), s).empty());
  CHECK_FALSE(cfsim::apply_fault_query(cfsim::parse_query("nonsense=1"), s).empty());
  f.set(s);
  int errors = 0;
  for (int i = 0; i < 10; ++i) errors += f.next_cc_request() == cfsim::Faults::CcOutcome::ServerError;
  CHECK(errors == 5);
  CHECK(f.retry_after_seconds() == 7);
}
