// cf-sim's v1 Traffic Controller firehose over wss: auth before the upgrade, one dropsonde
// envelope per binary message, filters, sharding by subscription id, keep-alive close 1008,
// the slow-consumer cut-off (close 1000 + doppler_proxy.slow_consumer to the others), faults.
#include <doctest/doctest.h>

#include <set>

#include "cf_sim_client.h"
#include "dropsonde/envelope.pb.h"

using namespace cfsim_test;

namespace {

cfsim::SimulatorOptions opts(std::uint64_t total) {
  cfsim::SimulatorOptions o;
  o.foundation = {.orgs = 2, .spaces = 4, .apps = 20};
  o.workload.total = total;
  return o;
}

std::uint64_t seq_of(const events::Envelope& e) { return std::stoull(e.tags().at("sim_seq")); }

}  // namespace

TEST_CASE("cf-sim firehose: 401 before the upgrade without a token, with a wrong one, or with 'Bearer'") {
  cfsim::Simulator sim(opts(10));
  sim.start();
  const auto t = token(sim);
  // Beast's handshake does not keep a refused upgrade's response, so ask over plain HTTP.
  const auto upgrade = [&](const std::string& auth) {
    Headers h = {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}, {"Sec-WebSocket-Version", "13"},
                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
    if (!auth.empty()) h.emplace_back("Authorization", auth);
    return request(sim, http::verb::get, "/firehose/sub", h);
  };
  auto r = upgrade("");
  CHECK(r.status == 401);
  CHECK(r.headers["www-authenticate"] == "Basic");
  CHECK(r.body == "You are not authorized. authorization not provided");
  r = upgrade("Bearer " + t);  // the TC strips only a lowercase "bearer "
  CHECK(r.status == 401);
  CHECK(r.body == "You are not authorized. invalid authorization");
  CHECK(upgrade("bearer forged").status == 401);
  CHECK_FALSE(Firehose(sim, "/firehose/sub", "").ok());
  Firehose raw(sim, "/firehose/sub", t);  // a raw token works
  CHECK(raw.ok());
  CHECK(raw.status() == 101);
  CHECK(sim.counters().requests_to("/firehose/:id", 401) == 4);
}

TEST_CASE("cf-sim firehose: the whole stream, one envelope per binary message, in order") {
  cfsim::Simulator sim(opts(3000));
  sim.start();
  Firehose fh(sim, "/firehose/all?", "bearer " + token(sim));
  REQUIRE(fh.ok());
  CHECK(fh.status() == 101);
  std::uint64_t expect = 0;
  std::map<int, int> types;
  while (expect < 3000) {
    const auto m = fh.read();
    REQUIRE(m.has_value());
    events::Envelope e;
    REQUIRE(e.ParseFromString(*m));
    REQUIRE(e.IsInitialized());
    CHECK(seq_of(e) == expect);
    ++types[e.eventtype()];
    ++expect;
  }
  CHECK(types.size() == 6);
  CHECK_FALSE(fh.read(200ms).has_value());  // the total is reached: nothing more, no close
  CHECK(fh.timed_out());
  CHECK(eventually([&] { return sim.counters().envelopes_sent() == 3000; }));
}

TEST_CASE("cf-sim firehose: filter-type=logs and metrics split the types") {
  cfsim::Simulator sim(opts(1000));
  sim.start();
  const auto t = "bearer " + token(sim);
  Firehose logs(sim, "/firehose/f?filter-type=logs", t);
  Firehose metrics(sim, "/firehose/f?filter-type=metrics", t);
  std::set<std::uint64_t> seqs;
  for (auto* fh : {&logs, &metrics}) {
    const bool want_logs = fh == &logs;
    while (auto m = fh->read(500ms)) {
      events::Envelope e;
      REQUIRE(e.ParseFromString(*m));
      CHECK((e.eventtype() == events::Envelope::LogMessage) == want_logs);
      CHECK(seqs.insert(seq_of(e)).second);
    }
  }
  CHECK(seqs.size() == 1000);  // different filter-types are different groups: together, all
}

TEST_CASE("cf-sim firehose: one subscription id shards, another id gets everything") {
  cfsim::Simulator sim(opts(20000));
  sim.start();
  const auto t = "bearer " + token(sim);
  Firehose a(sim, "/firehose/shared", t);
  Firehose b(sim, "/firehose/shared", t);
  Firehose c(sim, "/firehose/other", t);
  std::set<std::uint64_t> sa, sb, sc;
  // Read from all three in turn until each stops delivering.
  bool progress = true;
  while (progress) {
    progress = false;
    for (auto [fh, set] : {std::pair{&a, &sa}, std::pair{&b, &sb}, std::pair{&c, &sc}}) {
      for (int i = 0; i < 500; ++i) {
        const auto m = fh->read(300ms);
        if (!m) break;
        events::Envelope e;
        REQUIRE(e.ParseFromString(*m));
        CHECK(set->insert(seq_of(e)).second);  // no duplicates within a connection
        progress = true;
      }
    }
  }
  CHECK(sa.size() > 0);
  CHECK(sb.size() > 0);
  for (auto s : sa) CHECK_FALSE(sb.count(s));  // disjoint
  CHECK(sa.size() + sb.size() == 20000);        // and together the whole stream
  CHECK(sc.size() == 20000);
}

TEST_CASE("cf-sim firehose: no pong within the keep-alive timeout closes with 1008") {
  auto o = opts(5);
  o.keepalive_timeout = 300ms;
  cfsim::Simulator sim(o);
  sim.start();
  Firehose fh(sim, "/firehose/k", "bearer " + token(sim));
  REQUIRE(fh.ok());
  // Not reading means not answering the first ping.
  REQUIRE(eventually([&] { return sim.counters().keepalive_timeouts == 1; }));
  int n = 0;
  while (fh.read()) ++n;
  CHECK(n == 5);
  CHECK(fh.error() == websocket::error::closed);
  CHECK(fh.close_code() == 1008);
  CHECK(fh.close_text() == "Client did not respond to ping before keep-alive timeout expired.");
}

TEST_CASE("cf-sim firehose: a consumer answering pings stays connected across ping rounds") {
  auto o = opts(5);
  o.keepalive_timeout = 300ms;
  o.ping_interval = 50ms;
  cfsim::Simulator sim(o);
  sim.start();
  Firehose fh(sim, "/firehose/k", "bearer " + token(sim));
  for (int i = 0; i < 5; ++i) REQUIRE(fh.read());
  CHECK_FALSE(fh.read(1000ms));  // reading answers pings for a second: no close
  CHECK(fh.timed_out());
  CHECK(sim.counters().keepalive_timeouts == 0);
}

TEST_CASE("cf-sim firehose: a consumer blocked for the slow-consumer timeout is cut off with 1000") {
  auto o = opts(0);
  o.workload.rate = 200000;
  o.slow_consumer_timeout = 1000ms;  // the Traffic Controller's is 5 s; settable so the test is quick
  o.keepalive_timeout = 60s;
  cfsim::Simulator sim(o);
  sim.start();
  const auto t = "bearer " + token(sim);
  Firehose slow(sim, "/firehose/slow", t);
  Firehose other(sim, "/firehose/watcher?filter-type=metrics", t);
  REQUIRE(slow.ok());
  REQUIRE(other.ok());
  // `other` keeps reading (and so is never slow) until the counter arrives.
  bool saw_counter = false;
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (!saw_counter && std::chrono::steady_clock::now() < end) {
    const auto m = other.read();
    REQUIRE(m.has_value());
    events::Envelope e;
    REQUIRE(e.ParseFromString(*m));
    if (e.eventtype() == events::Envelope::CounterEvent && e.counterevent().name() == "doppler_proxy.slow_consumer") {
      saw_counter = true;
      CHECK(e.counterevent().delta() == 1);
      CHECK(e.origin() == "loggregator.trafficcontroller");
    }
  }
  CHECK(saw_counter);
  CHECK(sim.counters().slow_consumer_cutoffs == 1);
  // The stalled consumer resumes: it gets what was in flight, then close 1000.
  while (slow.read()) {
  }
  CHECK(slow.error() == websocket::error::closed);
  CHECK(slow.close_code() == 1000);
  CHECK(eventually([&] {
    for (const auto& c : sim.counters().connections) {
      if (c.subscription == "slow") return !c.open && c.close_reason == "slow_consumer";
    }
    return false;
  }));
}

TEST_CASE("cf-sim firehose: drop faults, malformed frames counted") {
  auto o = opts(0);
  o.workload.malformed_share = 0.05;
  cfsim::Simulator sim(o);
  sim.start();
  cfsim::FaultSettings f;
  f.drop_every_envelopes = 1000;
  sim.set_faults(f);
  Firehose fh(sim, "/firehose/drop", "bearer " + token(sim));
  int n = 0;
  int garbage = 0;
  while (auto m = fh.read()) {
    events::Envelope e;
    if (!e.ParseFromString(*m) || !e.IsInitialized()) ++garbage;
    ++n;
  }
  INFO(fh.error().message());
  CHECK(n == 1000);
  CHECK(fh.close_code() == 1000);
  CHECK(garbage > 10);
  CHECK(eventually([&] { return sim.counters().fault_drops == 1; }));
  CHECK(sim.counters().connections.at(0).malformed == static_cast<std::uint64_t>(garbage));
}
