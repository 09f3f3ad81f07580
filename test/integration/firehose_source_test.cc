// The firehose sources against cf-sim over real TLS: discovery, UAA tokens, the v1 websocket and
// the v2 RLP gateway, sharding, reconnects and token refresh.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "cfapi/discovery.h"
#include "cfapi/token_provider.h"
#include "nozzle/ingress/firehose_source.h"
#include "simulator.h"
#include "support/wait.h"

using namespace nozzle;
using namespace std::chrono_literals;
using nozzle::test::wait_until;

namespace {

// Everything an envelope says, in one comparable line, minus the tags that the v1->v2->v1
// round trip moves around by design (source_id, instance_id, source_type: docs/WIRE.md,
// "v1/v2 conversion") and the times, which cf-sim stamps when it sends.
std::string canonical(const Envelope& e) {
  std::ostringstream o;
  o << event_type_name(e.type) << '|' << e.origin << '|' << e.deployment << '|'
    << e.job << '|' << e.index << '|' << e.ip << '|';
  switch (e.type) {
    case EventType::LogMessage:
      o << e.log.message << '|' << static_cast<int>(e.log.message_type) << '|' << e.log.app_id << '|'
        << e.log.source_type << '|' << e.log.source_instance;
      break;
    case EventType::ValueMetric:
      o << e.value_metric.name << '|' << e.value_metric.value << '|' << e.value_metric.unit;
      break;
    case EventType::CounterEvent:
      o << e.counter.name << '|' << e.counter.delta << '|' << e.counter.total;
      break;
    case EventType::ContainerMetric:
      o << e.container.application_id << '|' << e.container.instance_index << '|' << e.container.cpu_percentage
        << '|' << e.container.memory_bytes << '|' << e.container.disk_bytes << '|'
        << e.container.memory_bytes_quota << '|' << e.container.disk_bytes_quota;
      break;
    case EventType::HttpStartStop:
      o << (e.http.stop_timestamp_ns - e.http.start_timestamp_ns) << '|' << e.http.request_id << '|'
        << static_cast<int>(e.http.peer_type) << '|' << e.http.method << '|' << e.http.uri << '|'
        << e.http.remote_address << '|' << e.http.user_agent << '|' << e.http.status_code << '|'
        << e.http.content_length << '|' << e.http.application_id << '|' << e.http.instance_index << '|'
        << e.http.instance_id;
      for (std::size_t i = 0; i < e.http.forwarded_count; ++i) o << '|' << e.http.forwarded[i];
      break;
    case EventType::Error:
      o << e.error.source << '|' << e.error.code << '|' << e.error.message;
      break;
    case EventType::Event:
      o << e.event.title << '|' << e.event.body;
      break;
  }
  std::vector<std::string> tags;
  for (std::size_t i = 0; i < e.tag_count; ++i) {
    const auto& t = e.tags[i];
    if (t.key == "source_id" || t.key == "instance_id" || t.key == "source_type") continue;
    tags.push_back(t.key + "=" + t.value);
  }
  std::sort(tags.begin(), tags.end());
  for (const auto& t : tags) o << '|' << t;
  return o.str();
}

// Records what one connection delivers, keyed by the workload's sequence number.
class Recorder final : public EnvelopeHandler {
 public:
  void on_envelope(Envelope& env) override {
    const auto seq = env.tag("sim_seq");
    std::lock_guard lock(mutex_);
    ++count_;
    if (!seq) {
      ++platform_;  // the simulator's own envelopes (slow-consumer counters)
      return;
    }
    const std::uint64_t n = std::stoull(std::string(*seq));
    if (!seen_.emplace(n, canonical(env)).second) ++duplicates_;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  std::map<std::uint64_t, std::string> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::size_t duplicates() {
    std::lock_guard lock(mutex_);
    return duplicates_;
  }
  std::size_t platform() {
    std::lock_guard lock(mutex_);
    return platform_;
  }

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::string> seen_;
  std::size_t count_ = 0;
  std::size_t platform_ = 0;
  std::size_t duplicates_ = 0;
};

cfsim::SimulatorOptions sim_options(std::uint64_t total) {
  cfsim::SimulatorOptions o;
  o.workload.total = total;
  o.workload.mix = {40, 15, 10, 10, 15, 10, 0};  // all six v1 types, no v2 Events
  o.workload.seed = 7;
  return o;
}

cfapi::TokenProvider make_tokens(const cfsim::Simulator& sim, const std::string& uaa,
                                 cfapi::TokenProvider::Clock clock = std::chrono::steady_clock::now,
                                 std::chrono::seconds margin = 60s) {
  return cfapi::TokenProvider(cfapi::UaaConfig{.uaa_url = uaa, .client_id = "nozzle",
                                               .client_secret = "nozzle-secret", .refresh_margin = margin},
                              cfapi::TlsOptions{.ca_file = sim.ca_file()}, std::move(clock));
}

// The simulator's endpoints, found as the nozzle finds them (API root links).
cfapi::Endpoints discover_sim(const cfsim::Simulator& sim) {
  cfapi::HttpClient http(cfapi::TlsOptions{.ca_file = sim.ca_file()});
  auto found = cfapi::discover(http, cfapi::Endpoints{.api = sim.base_url()});
  REQUIRE_MESSAGE(found, found.error());
  return *found;
}

SourceConfig source_config(const cfsim::Simulator& sim, const std::string& endpoint, const std::string& sub,
                           int connections = 1) {
  SourceConfig c;
  c.endpoint = endpoint;
  c.subscription_id = sub;
  c.connections = connections;
  c.tls.ca_file = sim.ca_file();
  c.backoff_initial = 50ms;
  c.backoff_max = 400ms;
  return c;
}

std::map<std::uint64_t, std::string> read_all(FirehoseApi api, cfsim::Simulator& sim, const std::string& endpoint,
                                              const std::string& uaa, std::uint64_t total) {
  auto tokens = make_tokens(sim, uaa);
  Recorder rec;
  auto source = make_firehose_source(api, source_config(sim, endpoint, api == FirehoseApi::V1 ? "v1-read" : "v2-read"),
                                     tokens, {&rec});
  source->start();
  const bool all = wait_until([&] { return rec.size() >= total; }, 30s);
  source->stop();
  INFO("received " << rec.size() << " of " << total);
  CHECK(all);
  CHECK(rec.duplicates() == 0);
  CHECK(source->counters().invalid.get() == 0);
  return rec.seen();
}

}  // namespace

TEST_CASE("one workload read over v1 and over v2 gives the same envelopes, all six v1 types") {
  constexpr std::uint64_t kTotal = 3000;
  cfsim::Simulator sim(sim_options(kTotal));
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);
  CHECK(endpoints.doppler.rfind("wss://", 0) == 0);
  CHECK(endpoints.rlp.rfind("https://", 0) == 0);

  const auto v1 = read_all(FirehoseApi::V1, sim, endpoints.doppler, endpoints.uaa, kTotal);
  const auto v2 = read_all(FirehoseApi::V2, sim, endpoints.rlp, endpoints.uaa, kTotal);
  REQUIRE(v1.size() == kTotal);
  REQUIRE(v2.size() == kTotal);

  std::set<std::string> types;
  std::size_t differ = 0;
  for (const auto& [seq, line] : v1) {
    types.insert(line.substr(0, line.find('|')));
    const auto it = v2.find(seq);
    if (it == v2.end() || it->second != line) {
      if (++differ <= 3) {
        MESSAGE("seq " << seq << "\n v1: " << line << "\n v2: " << (it == v2.end() ? "(missing)" : it->second));
      }
    }
  }
  CHECK(differ == 0);
  CHECK(types == std::set<std::string>{"LogMessage", "ValueMetric", "CounterEvent", "ContainerMetric",
                                       "HttpStartStop", "Error"});
  sim.stop();
}

TEST_CASE("two connections with one subscription id split the stream with no duplicates") {
  constexpr std::uint64_t kTotal = 4000;
  cfsim::SimulatorOptions o = sim_options(kTotal);
  o.workload.rate = 4000;  // a second long, so that both connections are up while it flows
  cfsim::Simulator sim(o);
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);
  auto tokens = make_tokens(sim, endpoints.uaa);
  Recorder a, b;
  auto source = make_firehose_source(FirehoseApi::V1, source_config(sim, endpoints.doppler, "shared", 2), tokens,
                                     {&a, &b});
  source->start();
  // Both connections must be up before the stream is judged.
  CHECK(wait_until([&] { return source->counters().connected.get() == 2; }, 10s));
  CHECK(wait_until([&] { return a.size() + b.size() >= kTotal; }, 30s));
  source->stop();
  const auto sa = a.seen();
  const auto sb = b.seen();
  std::size_t overlap = 0;
  for (const auto& [seq, _] : sa) overlap += sb.count(seq);
  CHECK(overlap == 0);
  CHECK(sa.size() + sb.size() == kTotal);
  CHECK(sa.size() > 0);
  CHECK(sb.size() > 0);
  CHECK(tokens.tokens_fetched() == 1);
  sim.stop();
}

TEST_CASE("dropped connections are re-established with backoff and counted") {
  cfsim::SimulatorOptions o = sim_options(0);
  o.workload.rate = 20000;
  cfsim::Simulator sim(o);
  sim.start();
  cfsim::FaultSettings f;
  f.drop_every_envelopes = 500;
  sim.set_faults(f);
  const cfapi::Endpoints endpoints = discover_sim(sim);
  for (FirehoseApi api : {FirehoseApi::V1, FirehoseApi::V2}) {
    auto tokens = make_tokens(sim, endpoints.uaa);
    Recorder rec;
    auto source = make_firehose_source(
        api, source_config(sim, api == FirehoseApi::V1 ? endpoints.doppler : endpoints.rlp, "drops"), tokens, {&rec});
    source->start();
    CHECK(wait_until([&] { return source->counters().reconnects.get() >= 3; }, 20s));
    source->stop();
    auto& c = source->counters();
    CHECK(c.connects.get() == c.reconnects.get() + 1);
    CHECK(c.connected.get() == 0);
    CHECK(rec.size() >= 1500);
    CHECK(tokens.tokens_fetched() == 1);  // a dropped stream is not a refused token
  }
  sim.stop();
}

TEST_CASE("a refused token is renewed once per refusal, not once per connection") {
  cfsim::SimulatorOptions o = sim_options(0);
  o.workload.rate = 5000;
  o.uaa.expires_in_seconds = 1;
  cfsim::Simulator sim(o);
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);

  for (FirehoseApi api : {FirehoseApi::V1, FirehoseApi::V2}) {
    // A provider whose clock stands still believes its first token is good forever, so the
    // firehose has to refuse it (401 on v1, 404 on v2) before a new one is fetched.
    const auto frozen = std::chrono::steady_clock::now();
    auto tokens = make_tokens(sim, endpoints.uaa, [frozen] { return frozen; }, 0s);
    REQUIRE(tokens.token());
    const auto issued_before = sim.counters().tokens_issued;
    // Not synchronisation: the token's real one-second lifetime at the simulator must pass.
    std::this_thread::sleep_for(1100ms);

    Recorder a, b;
    auto source = make_firehose_source(
        api, source_config(sim, api == FirehoseApi::V1 ? endpoints.doppler : endpoints.rlp, "refresh", 2), tokens,
        {&a, &b});
    source->start();
    CHECK(wait_until([&] { return a.size() > 100 && b.size() > 100; }, 15s));
    source->stop();
    const auto& c = source->counters();
    CHECK(c.auth_refusals.get() >= 1);
    // Two connections were refused with the same token; one new token served both.
    CHECK(tokens.tokens_fetched() == 2);
    CHECK(sim.counters().tokens_issued - issued_before == 1);
  }
  sim.stop();
}

TEST_CASE("the event filter is applied before anything else and counted") {
  constexpr std::uint64_t kTotal = 2000;
  cfsim::Simulator sim(sim_options(kTotal));
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);
  auto tokens = make_tokens(sim, endpoints.uaa);
  Recorder rec;
  SourceConfig cfg = source_config(sim, endpoints.rlp, "filtered");
  cfg.events = EventSet::none();
  cfg.events.add(EventType::CounterEvent);
  cfg.events.add(EventType::Error);
  auto source = make_firehose_source(FirehoseApi::V2, cfg, tokens, {&rec});
  source->start();
  // The gateway is asked only for counters and logs; logs that are not Errors are filtered here.
  CHECK(wait_until([&] { return source->counters().envelopes.get() + source->counters().filtered.get() > 0 &&
                                rec.size() > 100; },
                   20s));
  source->stop();
  for (const auto& [seq, line] : rec.seen()) {
    const std::string type = line.substr(0, line.find('|'));
    CHECK((type == "CounterEvent" || type == "Error"));
    (void)seq;
  }
  CHECK(source->counters().filtered.get() > 0);
  sim.stop();
}

TEST_CASE("tokens that expire mid-stream are renewed ahead of time and the stream goes on") {
  cfsim::SimulatorOptions o = sim_options(0);
  o.workload.rate = 5000;
  o.uaa.expires_in_seconds = 2;
  cfsim::Simulator sim(o);
  sim.start();
  cfsim::FaultSettings f;
  f.drop_every_envelopes = 2000;  // ~0.4 s at 5000/s: every reconnect shows the current token
  sim.set_faults(f);
  const cfapi::Endpoints endpoints = discover_sim(sim);
  for (FirehoseApi api : {FirehoseApi::V1, FirehoseApi::V2}) {
    auto tokens = make_tokens(sim, endpoints.uaa);  // real clock, 60 s margin: renews at half-life
    Recorder rec;
    auto source = make_firehose_source(
        api, source_config(sim, api == FirehoseApi::V1 ? endpoints.doppler : endpoints.rlp, "expiry"), tokens,
        {&rec});
    source->start();
    // Several token lifetimes: the stream must keep flowing across them.
    CHECK(wait_until([&] { return tokens.tokens_fetched() >= 3; }, 20s));
    const std::size_t before = rec.size();
    CHECK(wait_until([&] { return rec.size() > before + 500; }, 10s));
    source->stop();
    CHECK(source->counters().reconnects.get() >= 2);
    CHECK(source->counters().auth_refusals.get() == 0);  // renewed before the firehose refused it
  }
  sim.stop();
}

TEST_CASE("malformed frames and batches are counted and skipped, the rest is delivered") {
  constexpr std::uint64_t kTotal = 3000;
  cfsim::SimulatorOptions o = sim_options(kTotal);
  o.workload.malformed_share = 0.05;
  o.rlp_batch_size = 10;
  cfsim::Simulator sim(o);
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);
  for (FirehoseApi api : {FirehoseApi::V1, FirehoseApi::V2}) {
    auto tokens = make_tokens(sim, endpoints.uaa);
    Recorder rec;
    auto source = make_firehose_source(
        api, source_config(sim, api == FirehoseApi::V1 ? endpoints.doppler : endpoints.rlp,
                           api == FirehoseApi::V1 ? "bad-v1" : "bad-v2"),
        tokens, {&rec});
    source->start();
    // A malformed seq has no envelope; every other seq arrives.
    std::uint64_t good = 0;
    for (std::uint64_t seq = 0; seq < kTotal; ++seq) {
      good += sim.workload().kind(seq) == cfsim::Workload::Kind::Envelope ? 1 : 0;
    }
    REQUIRE(good < kTotal);
    CHECK(wait_until([&] { return rec.size() >= good; }, 30s));
    source->stop();
    CHECK(rec.size() == good);
    CHECK(source->counters().invalid.get() >= 1);
    if (api == FirehoseApi::V1) CHECK(source->counters().invalid.get() == kTotal - good);
    CHECK(source->counters().connects.get() == 1);  // bad input never costs the connection
  }
  sim.stop();
}

namespace {
// Blocks its connection's thread once, long enough for the Traffic Controller to cut it off.
class BlockingRecorder final : public EnvelopeHandler {
 public:
  explicit BlockingRecorder(std::chrono::milliseconds block) : block_(block) {}
  void on_envelope(Envelope&) override {
    if (++count_ == 100) std::this_thread::sleep_for(block_);  // the slow consumer under test
  }
  std::atomic<std::uint64_t> count_{0};

 private:
  std::chrono::milliseconds block_;
};
}  // namespace

TEST_CASE("a connection cut off as a slow consumer is counted, and the alert seen by the other") {
  cfsim::SimulatorOptions o = sim_options(0);
  o.workload.rate = 20000;
  o.slow_consumer_timeout = 1000ms;
  o.write_bytes = 16 * 1024;
  cfsim::Simulator sim(o);
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);
  auto tokens = make_tokens(sim, endpoints.uaa);
  BlockingRecorder slow(6000ms);
  Recorder healthy;
  auto source = make_firehose_source(FirehoseApi::V1, source_config(sim, endpoints.doppler, "slow", 2), tokens,
                                     {&slow, &healthy});
  source->start();
  // The simulator cuts the blocked connection after 1 s and tells the other one with a
  // doppler_proxy.slow_consumer CounterEvent (docs/WIRE.md, "Loss signals").
  CHECK(wait_until([&] { return source->counters().slow_consumer.get() >= 1; }, 20s));
  CHECK(wait_until([&] { return sim.counters().slow_consumer_cutoffs >= 1; }, 20s));
  source->stop();
}

TEST_CASE("v1 over TLS and plain ws: pings are answered, and stop() ends the stream with close 1000") {
  for (const bool tls : {true, false}) {
    INFO("tls " << tls);
    cfsim::SimulatorOptions o = sim_options(0);
    o.tls = tls;
    o.workload.rate = 2000;
    o.ping_interval = 20ms;  // dozens of ping rounds while the test runs
    o.keepalive_timeout = 300ms;
    cfsim::Simulator sim(o);
    sim.start();
    const cfapi::Endpoints endpoints = discover_sim(sim);
    CHECK(endpoints.doppler.rfind(tls ? "wss://" : "ws://", 0) == 0);
    auto tokens = make_tokens(sim, endpoints.uaa);
    Recorder rec;
    auto source = make_firehose_source(FirehoseApi::V1, source_config(sim, endpoints.doppler, "pings"), tokens, {&rec});
    source->start();
    CHECK(wait_until([&] { return rec.size() >= 2000; }, 15s));  // about a second of pings
    source->stop();
    CHECK(source->counters().connects.get() == 1);
    CHECK(source->counters().slow_consumer.get() == 0);
    CHECK(sim.counters().keepalive_timeouts == 0);
    CHECK(wait_until([&] {
      const auto c = sim.counters().connections;
      return c.size() == 1 && !c[0].open && c[0].close_reason == "client";
    }, 5s));
    sim.stop();
  }
}

TEST_CASE("a stream silent for idle_timeout is dropped and opened again, v1 and v2") {
  for (const FirehoseApi api : {FirehoseApi::V1, FirehoseApi::V2}) {
    CAPTURE(api == FirehoseApi::V1 ? "v1" : "v2");
    cfsim::SimulatorOptions o = sim_options(20);  // twenty envelopes, then silence
    o.ping_interval = 60s;                        // v1: only the first ping
    o.heartbeat_interval = 60s;                   // v2: no heartbeat
    cfsim::Simulator sim(o);
    sim.start();
    const cfapi::Endpoints endpoints = discover_sim(sim);
    auto tokens = make_tokens(sim, endpoints.uaa);
    Recorder rec;
    SourceConfig cfg =
        source_config(sim, api == FirehoseApi::V1 ? endpoints.doppler : endpoints.rlp, "idle");
    cfg.idle_timeout = 300ms;
    auto source = make_firehose_source(api, cfg, tokens, {&rec});
    const auto started = std::chrono::steady_clock::now();
    source->start();
    CHECK(wait_until([&] { return source->counters().reconnects.get() >= 2; }, 10s));
    // Each silent session lasts idle_timeout (give or take a tick), not much less.
    CHECK(std::chrono::steady_clock::now() - started >= 2 * cfg.idle_timeout);
    source->stop();
    CHECK(rec.size() == 20);
    CHECK(source->counters().connect_failures.get() == 0);
    sim.stop();
  }
}

TEST_CASE("loss a doppler announces with TruncatingBuffer.DroppedMessages is counted on v1 and v2") {
  cfsim::SimulatorOptions o = sim_options(0);
  o.workload.rate = 2000;
  cfsim::Simulator sim(o);
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);
  for (const FirehoseApi api : {FirehoseApi::V1, FirehoseApi::V2}) {
    CAPTURE(api == FirehoseApi::V1 ? "v1" : "v2");
    auto tokens = make_tokens(sim, endpoints.uaa);
    Recorder rec;
    auto source = make_firehose_source(
        api, source_config(sim, api == FirehoseApi::V1 ? endpoints.doppler : endpoints.rlp,
                           api == FirehoseApi::V1 ? "loss-v1" : "loss-v2"),
        tokens, {&rec});
    source->start();
    REQUIRE(wait_until([&] { return rec.size() > 100; }, 15s));  // streaming: the counter reaches it
    sim.report_upstream_drop(5);
    sim.report_upstream_drop(7);
    CHECK(wait_until([&] { return source->counters().upstream_dropped.get() == 12; }, 10s));
    source->stop();
    CHECK(source->counters().upstream_dropped.get() == 12);  // each delta once
    CHECK(rec.platform() == 2);  // and the counters themselves go on like any CounterEvent
    CHECK(source->counters().slow_consumer.get() == 0);
  }
  sim.stop();
}

TEST_CASE("a v1 stream the Traffic Controller closes with 1008 is counted as a slow consumer and opened again") {
  cfsim::SimulatorOptions o = sim_options(0);
  o.workload.rate = 2000;
  o.ping_interval = 50ms;
  o.keepalive_timeout = 300ms;  // a connection thread busy for longer misses a pong: close 1008
  cfsim::Simulator sim(o);
  sim.start();
  const cfapi::Endpoints endpoints = discover_sim(sim);
  auto tokens = make_tokens(sim, endpoints.uaa);
  BlockingRecorder slow(1500ms);
  auto source = make_firehose_source(FirehoseApi::V1, source_config(sim, endpoints.doppler, "close-1008"), tokens,
                                     {&slow});
  source->start();
  CHECK(wait_until([&] { return sim.counters().keepalive_timeouts >= 1; }, 15s));
  CHECK(wait_until([&] { return source->counters().slow_consumer.get() >= 1; }, 15s));
  CHECK(wait_until([&] { return source->counters().reconnects.get() >= 1; }, 15s));
  const std::uint64_t before = slow.count_.load();
  CHECK(wait_until([&] { return slow.count_.load() > before + 500; }, 15s));  // the stream goes on
  source->stop();
  CHECK(source->counters().connect_failures.get() == 0);
  CHECK(source->counters().connects.get() == source->counters().reconnects.get() + 1);
}
