// cf-sim's RLP gateway: /v2/read as chunked server-sent events with protojson batches,
// heartbeats, the closing event, 404 on a bad token and 400s on bad queries.
#include <doctest/doctest.h>

#include <set>

#include "cf_sim_client.h"

using namespace cfsim_test;

namespace {

std::string get(const std::string& target, const std::string& auth) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n" +
         (auth.empty() ? "" : "Authorization: " + auth + "\r\n") + "\r\n";
}

std::string body_of(const std::string& raw) { return raw.substr(raw.find("\r\n\r\n") + 4); }

}  // namespace

TEST_CASE("cf-sim rlp: errors are 404 for auth (text/plain JSON), 400 for queries, 405 for methods") {
  cfsim::SimulatorOptions o;
  cfsim::Simulator sim(o);
  sim.start();
  auto r = request(sim, http::verb::get, "/v2/read?log", {{"Authorization", "bearer forged"}});
  CHECK(r.status == 404);
  CHECK(r.headers["content-type"].starts_with("text/plain"));
  CHECK(std::string(r.json()["error"].GetString()) == "not_found");
  const auto t = "bearer " + token(sim);
  r = request(sim, http::verb::get, "/v2/read", {{"Authorization", t}});
  CHECK(r.status == 400);
  CHECK(std::string(r.json()["error"].GetString()) == "empty_query");
  r = request(sim, http::verb::get, "/v2/read?shard_id=x", {{"Authorization", t}});
  CHECK(std::string(r.json()["error"].GetString()) == "missing_envelope_type");
  CHECK(request(sim, http::verb::post, "/v2/read?log", {{"Authorization", t}}).status == 405);
}

TEST_CASE("cf-sim rlp: SSE framing, batches, heartbeat after idle, closing after the stream timeout") {
  cfsim::SimulatorOptions o;
  o.workload.total = 250;
  o.workload.mix = {50, 15, 10, 10, 12, 3, 5};  // with v2 events
  o.rlp_batch_size = 100;
  o.heartbeat_interval = 200ms;
  o.stream_timeout = 1500ms;
  cfsim::Simulator sim(o);
  sim.start();
  const auto raw = raw_exchange(sim, get("/v2/read?shard_id=s&log&counter&gauge&timer&event", "bearer " + token(sim)),
                                [](const std::string& got) { return got.ends_with("0\r\n\r\n"); });
  const auto head = raw.substr(0, raw.find("\r\n\r\n"));
  CHECK(head.starts_with("HTTP/1.1 200 OK"));
  CHECK(head.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(head.find("Cache-Control: no-cache") != std::string::npos);
  CHECK(head.find("Transfer-Encoding: chunked") != std::string::npos);
  bool last = false;
  const std::string events = dechunk(body_of(raw), &last);
  CHECK(last);
  std::set<std::uint64_t> seqs;
  int heartbeats = 0;
  bool closing = false;
  std::size_t pos = 0;
  std::set<std::string> kinds;
  while (pos < events.size()) {
    const auto end = events.find("\n\n", pos);
    REQUIRE(end != std::string::npos);
    const std::string ev = events.substr(pos, end - pos);
    pos = end + 2;
    if (ev.starts_with("event: heartbeat\ndata: ")) {
      ++heartbeats;
      CHECK(std::stoll(ev.substr(23)) > 1600000000);
      continue;
    }
    if (ev == "event: closing\ndata: closing due to stream timeout") {
      closing = true;
      continue;
    }
    REQUIRE(ev.starts_with("data: "));
    CHECK(ev.find('\n') == std::string::npos);  // one line per batch
    rapidjson::Document d;
    d.Parse(ev.c_str() + 6);
    REQUIRE_FALSE(d.HasParseError());
    CHECK(d["batch"].Size() <= 100);
    for (const auto& e : d["batch"].GetArray()) {
      CHECK(e["timestamp"].IsString());
      CHECK(e["deprecated_tags"].IsObject());
      seqs.insert(std::stoull(e["tags"]["sim_seq"].GetString()));
      for (const char* k : {"log", "counter", "gauge", "timer", "event"}) {
        if (e.HasMember(k)) kinds.insert(k);
      }
    }
  }
  CHECK(seqs.size() == 250);
  CHECK(*seqs.rbegin() == 249);
  CHECK(kinds.size() == 5);
  CHECK(heartbeats >= 2);
  CHECK(closing);
  CHECK(eventually([&] {
    const auto c = sim.counters().connections;
    return !c.empty() && !c[0].open && c[0].close_reason == "stream_timeout";
  }));
}

TEST_CASE("cf-sim rlp: source_id and type selectors, broken batches counted") {
  cfsim::SimulatorOptions o;
  o.foundation = {.orgs = 1, .spaces = 1, .apps = 4};
  o.workload.total = 2000;
  o.workload.malformed_share = 0.01;
  o.stream_timeout = 800ms;
  cfsim::Simulator sim(o);
  sim.start();
  const std::string app = "00000000-0000-4000-a000-000000000002";
  const auto raw = raw_exchange(sim, get("/v2/read?log&source_id=" + app, "bearer " + token(sim)),
                                [](const std::string& got) { return got.ends_with("0\r\n\r\n"); });
  const std::string events = dechunk(body_of(raw));
  std::size_t pos = 0;
  int envelopes = 0;
  int broken = 0;
  while ((pos = events.find("data: {", pos)) != std::string::npos) {
    const auto end = events.find("\n\n", pos);
    rapidjson::Document d;
    d.Parse(events.substr(pos + 6, end - pos - 6).c_str());
    pos = end;
    if (d.HasParseError()) {
      ++broken;
      continue;
    }
    for (const auto& e : d["batch"].GetArray()) {
      ++envelopes;
      CHECK(std::string(e["source_id"].GetString()) == app);
      CHECK(e.HasMember("log"));
    }
  }
  CHECK(envelopes > 100);
  CHECK(broken > 5);
  const auto c = sim.counters().connections.at(0);
  CHECK(c.malformed == static_cast<std::uint64_t>(broken));
  CHECK(c.envelopes == static_cast<std::uint64_t>(envelopes));
}
