// Loggregator's own counters (loggregator_health.h): what is counted, the steps of one
// instance's counter (never negative, a restart starts again from 0), the window and the
// ratios. The counter envelopes are made by cf-sim's Loggregator model and written by cf-sim's
// own encoders, then read by the nozzle's ingest step, as on the wire.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cf-sim/loggregator_metrics.h"
#include "cf-sim/v1_encoder.h"
#include "cf-sim/v2_json.h"
#include "nozzle/ingress/ingest.h"
#include "nozzle/pipeline/loggregator_health.h"

using namespace nozzle;
using namespace std::chrono_literals;

namespace {

class Nothing final : public EnvelopeHandler {
 public:
  void on_envelope(Envelope&) override { ++got; }
  int got = 0;
};

LgObservation reading(std::uint64_t total, std::uint64_t delta, std::int64_t ts) {
  LgObservation o;
  o.series = 1;
  o.total = total;
  o.delta = delta;
  o.timestamp_ns = ts;
  return o;
}

Envelope counter(std::string origin, std::string name, std::uint64_t delta, std::uint64_t total) {
  Envelope e;
  e.type = EventType::CounterEvent;
  e.origin = std::move(origin);
  e.job = "doppler";
  e.index = "0";
  e.timestamp_ns = 10;
  e.counter.name = std::move(name);
  e.counter.delta = delta;
  e.counter.total = total;
  return e;
}

// Every envelope of `envs` through either firehose's door of one Ingest.
void feed(Ingest& ingest, bool v1, const std::vector<Envelope>& envs) {
  if (v1) {
    for (const Envelope& e : envs) {
      std::string bytes;
      REQUIRE(cfsim::encode_v1(e, bytes));
      ingest.v1_message(bytes);
    }
    return;
  }
  std::string batch = "{\"batch\":[";
  for (std::size_t i = 0; i < envs.size(); ++i) {
    if (i > 0) batch += ",";
    cfsim::append_v2_envelope(envs[i], {}, batch);
  }
  ingest.v2_batch(batch + "]}");
}

std::size_t ci(LgComponent c) { return static_cast<std::size_t>(c); }
std::size_t ki(LgKind k) { return static_cast<std::size_t>(k); }

}  // namespace

TEST_CASE("loggregator health: a counter's steps are its increases, a restart starts again from 0") {
  LgSeriesState s;
  // First reading of a summed counter: its delta (what the instance counted since it last
  // reported), not the whole total the instance has counted since it started.
  CHECK(lg_step(&s, reading(1000, 40, 100)) == 40);
  CHECK(lg_step(&s, reading(1100, 100, 200)) == 100);
  CHECK(lg_step(&s, reading(1100, 0, 300)) == 0);
  // The instance restarted: 30 counted since. Not 30 - 1100.
  CHECK(lg_step(&s, reading(30, 30, 400)) == 30);
  CHECK(lg_step(&s, reading(75, 45, 500)) == 45);
  // A reading older than the last one (another connection delivered it late) adds nothing.
  CHECK(lg_step(&s, reading(60, 30, 450)) == 0);
  CHECK(lg_step(&s, reading(80, 5, 600)) == 5);
  // A cumulative counter read from a metrics endpoint (delta 0): its first reading is the base.
  LgSeriesState scraped;
  CHECK(lg_step(&scraped, reading(5000, 0, 100)) == 0);
  CHECK(lg_step(&scraped, reading(5600, 0, 200)) == 600);
  // A cumulative counter still at 0 when first read: every later increase counts.
  LgSeriesState zero;
  CHECK(lg_step(&zero, reading(0, 0, 100)) == 0);
  CHECK(lg_step(&zero, reading(250, 0, 200)) == 250);
  // A counter no agent has summed yet (total 0): each delta.
  LgSeriesState raw;
  CHECK(lg_step(&raw, reading(0, 7, 100)) == 7);
  CHECK(lg_step(&raw, reading(0, 3, 200)) == 3);
}

TEST_CASE("loggregator health: which counters are Loggregator's, by origin, source_id and name") {
  const auto kind_of = [](const Envelope& e) -> std::string {
    const auto o = classify_loggregator_counter(e);
    if (!o) return "-";
    return std::string(lg_component_name(o->component)) + "/" + std::string(lg_kind_name(o->kind)) +
           (o->legacy ? "/legacy" : "");
  };
  CHECK(kind_of(counter("loggregator.doppler", "ingress", 1, 1)) == "doppler/ingress");
  CHECK(kind_of(counter("loggregator.doppler", "dropped", 1, 1)) == "doppler/dropped");
  CHECK(kind_of(counter("loggregator.trafficcontroller", "egress", 1, 1)) == "traffic_controller/egress");
  CHECK(kind_of(counter("loggregator.rlp", "dropped", 1, 1)) == "rlp/dropped");
  CHECK(kind_of(counter("loggregator.metron", "ingress", 1, 1)) == "agent/ingress");
  CHECK(kind_of(counter("DopplerServer", "listeners.receivedEnvelopes", 1, 1)) == "doppler/ingress/legacy");
  CHECK(kind_of(counter("DopplerServer", "doppler.shedEnvelopes", 1, 1)) == "doppler/dropped/legacy");
  CHECK(kind_of(counter("MetronAgent", "grpc.sendErrorCount", 1, 1)) == "agent/dropped/legacy");
  CHECK(kind_of(counter("LoggregatorTrafficController", "listeners.receivedEnvelopes", 1, 1)) ==
        "traffic_controller/ingress/legacy");
  Envelope by_source = counter("", "ingress", 1, 1);
  by_source.add_tag("source_id", "reverse_log_proxy");
  CHECK(kind_of(by_source) == "rlp/ingress");
  CHECK(kind_of(counter("doppler", "dropped", 1, 1)) == "doppler/dropped");  // a source id as the origin
  // Not Loggregator's: another component's counter of the same name, another name, a gauge.
  CHECK(kind_of(counter("gorouter", "ingress", 1, 1)) == "-");
  CHECK(kind_of(counter("loggregator.doppler", "subscriptions", 1, 1)) == "-");
  CHECK(kind_of(counter("loggregator.doppler", "doppler_proxy.slow_consumer", 1, 1)) == "-");
  Envelope gauge = counter("loggregator.doppler", "ingress", 1, 1);
  gauge.type = EventType::ValueMetric;
  CHECK(kind_of(gauge) == "-");
  // Two directions of one instance's dropped counter are two series; tag order does not matter.
  Envelope in = counter("loggregator.doppler", "dropped", 1, 1);
  in.add_tag("direction", "ingress");
  in.add_tag("metric_version", "2.0");
  Envelope out = counter("loggregator.doppler", "dropped", 1, 1);
  out.add_tag("direction", "egress");
  out.add_tag("metric_version", "2.0");
  Envelope in_reordered = counter("loggregator.doppler", "dropped", 5, 5);
  in_reordered.add_tag("metric_version", "2.0");
  in_reordered.add_tag("direction", "ingress");
  CHECK(classify_loggregator_counter(in)->series != classify_loggregator_counter(out)->series);
  CHECK(classify_loggregator_counter(in)->series == classify_loggregator_counter(in_reordered)->series);
}

TEST_CASE(
    "loggregator health: cf-sim's counters through the ingest step add up to what cf-sim reported, restarts included") {
  for (const bool v1 : {true, false}) {
    for (const bool v1_names : {false, true}) {
      CAPTURE(v1);
      CAPTURE(v1_names);
      cfsim::LoggregatorMetricsOptions lo;
      lo.interval = 1000ms;
      lo.v1_names = v1_names;
      lo.load[0] = {10000, 0.02, 3};   // doppler drops 2 %
      lo.load[1] = {8000, 0.005, 2};   // traffic controller 0.5 %
      lo.load[2] = {6000, 0.01, 2};    // rlp 1 %
      lo.load[3] = {12000, 0.001, 4};  // agents 0.1 %
      cfsim::LoggregatorMetrics sim(lo);

      SourceConfig config;
      config.events = EventSet::none();
      config.events.add(EventType::LogMessage);  // counters not forwarded, still read
      HealthTaps taps(1);
      config.health = &taps;
      SourceCounters counters;
      Nothing handler;
      Ingest ingest(config, 0, counters, handler);
      HealthAggregator agg(v1 ? LgComponent::TrafficController : LgComponent::Rlp);
      const auto t0 = HealthAggregator::Clock::time_point{} + 1h;
      std::vector<LgObservation> drained;
      for (int second = 1; second <= 20; ++second) {
        if (second == 8) sim.restart(cfsim::SimComponent::Doppler, 1);
        if (second == 13) sim.restart(cfsim::SimComponent::Agent, 0);
        std::vector<Envelope> envs;
        sim.emit(second, std::int64_t{second} * 1000000000, envs);
        feed(ingest, v1, envs);
        drained.clear();
        taps.drain(drained);
        for (const auto& o : drained) agg.add(o, t0 + std::chrono::seconds(second));
      }
      CHECK(handler.got == 0);
      CHECK(taps.overflowed() == 0);
      const LgTotals& t = agg.totals();
      for (const auto c : {cfsim::SimComponent::Doppler, cfsim::SimComponent::Rlp, cfsim::SimComponent::Agent,
                           cfsim::SimComponent::TrafficController}) {
        const auto r = sim.reported(c);
        const std::size_t i = static_cast<std::size_t>(c);  // the same order in both
        CAPTURE(i);
        CHECK(t[i][ki(LgKind::Ingress)] == r.ingress);
        // The dropsonde-era traffic controller counted only what it received.
        const bool only_ingress = v1_names && c == cfsim::SimComponent::TrafficController;
        CHECK(t[i][ki(LgKind::Dropped)] == (only_ingress ? 0 : r.dropped));
        CHECK(t[i][ki(LgKind::Egress)] == (only_ingress ? 0 : r.egress));
      }
      CHECK(t[ci(LgComponent::Doppler)][ki(LgKind::Ingress)] > 190000);  // 20 s at 10,000/s less the restart's loss
    }
  }
}

TEST_CASE("loggregator health: the window, the ratios per component and for the whole path") {
  HealthAggregator agg(LgComponent::TrafficController, 300s);
  const auto t0 = HealthAggregator::Clock::time_point{} + 1h;
  std::uint64_t series = 0;
  const auto add = [&](LgComponent c, LgKind k, std::uint64_t total, int at_s) {
    LgObservation o;
    o.series = 100 * static_cast<std::uint64_t>(c) + static_cast<std::uint64_t>(k) + series;
    o.component = c;
    o.kind = k;
    o.total = total;
    o.timestamp_ns = std::int64_t{at_s} * 1000000000 + 1;
    agg.add(o, t0 + std::chrono::seconds(at_s));
  };
  NozzleLossTotals nozzle;
  // Baselines at 0 s (cumulative counters: the first reading adds nothing).
  add(LgComponent::Doppler, LgKind::Ingress, 1000, 0);
  add(LgComponent::Doppler, LgKind::Dropped, 500, 0);
  add(LgComponent::TrafficController, LgKind::Ingress, 1000, 0);
  add(LgComponent::TrafficController, LgKind::Dropped, 0, 0);
  agg.sample(t0, nozzle);
  // In the next 100 s: doppler 100,000 in, 2,000 dropped; traffic controller 50,000 in, 250.
  add(LgComponent::Doppler, LgKind::Ingress, 101000, 100);
  add(LgComponent::Doppler, LgKind::Dropped, 2500, 100);
  add(LgComponent::TrafficController, LgKind::Ingress, 51000, 100);
  add(LgComponent::TrafficController, LgKind::Dropped, 250, 100);
  nozzle.received = 40000;
  nozzle.invalid = 0;
  nozzle.drain_produced = 40000;
  nozzle.drain_dropped = 400;
  agg.sample(t0 + 100s, nozzle);
  HealthReport r = agg.report(t0 + 100s, nozzle);
  CHECK(r.window_seconds == doctest::Approx(100));
  CHECK(r.component_ratio[ci(LgComponent::Doppler)] == doctest::Approx(0.02));
  CHECK(r.component_ratio[ci(LgComponent::TrafficController)] == doctest::Approx(0.005));
  CHECK(r.component_seen[ci(LgComponent::Doppler)]);
  CHECK_FALSE(r.component_seen[ci(LgComponent::Agent)]);  // silent: not part of the product
  CHECK(r.loggregator_ratio == doctest::Approx(1 - 0.98 * 0.995));
  CHECK(r.nozzle_ratio == doctest::Approx(0.01));
  CHECK(r.all_ratio == doctest::Approx(1 - 0.98 * 0.995 * 0.99));
  // The RLP is not on a v1 nozzle's path: its loss does not count in "all".
  add(LgComponent::Rlp, LgKind::Ingress, 1, 100);
  add(LgComponent::Rlp, LgKind::Ingress, 10001, 150);
  add(LgComponent::Rlp, LgKind::Dropped, 1, 100);
  add(LgComponent::Rlp, LgKind::Dropped, 5001, 150);
  r = agg.report(t0 + 150s, nozzle);
  CHECK(r.component_ratio[ci(LgComponent::Rlp)] == doctest::Approx(0.5));
  CHECK(r.loggregator_ratio == doctest::Approx(1 - 0.98 * 0.995));

  // 400 s on, with no loss since 100 s: the window (300 s) has left the loss behind.
  for (int s = 101; s < 400; s += 10) agg.sample(t0 + std::chrono::seconds(s), nozzle);
  add(LgComponent::Doppler, LgKind::Ingress, 201000, 400);
  add(LgComponent::Doppler, LgKind::Dropped, 2500, 400);
  agg.sample(t0 + 400s, nozzle);
  add(LgComponent::Doppler, LgKind::Ingress, 211000, 410);
  agg.sample(t0 + 410s, nozzle);
  r = agg.report(t0 + 410s, nozzle);
  CHECK(r.window_seconds >= 300);
  CHECK(r.window_seconds < 320);
  CHECK(r.component_ratio[ci(LgComponent::Doppler)] == doctest::Approx(0.0));
  CHECK(r.window[ci(LgComponent::Doppler)][ki(LgKind::Ingress)] == 110000);
  CHECK(r.nozzle_ratio == doctest::Approx(0.0));
  // The totals never went down.
  CHECK(r.totals[ci(LgComponent::Doppler)][ki(LgKind::Ingress)] == 210000);
}

TEST_CASE("loggregator health: a component's dropsonde-era names count until its current names appear") {
  HealthAggregator agg(LgComponent::TrafficController);
  const auto now = HealthAggregator::Clock::time_point{} + 1h;
  LgObservation legacy;
  legacy.series = 1;
  legacy.legacy = true;
  legacy.total = 0;
  legacy.delta = 50;
  agg.add(legacy, now);
  CHECK(agg.totals()[ci(LgComponent::Doppler)][ki(LgKind::Ingress)] == 50);
  LgObservation modern = legacy;
  modern.series = 2;
  modern.legacy = false;
  agg.add(modern, now);
  agg.add(legacy, now);  // the same envelopes under both names: counted once
  CHECK(agg.totals()[ci(LgComponent::Doppler)][ki(LgKind::Ingress)] == 100);
}

TEST_CASE("loggregator health: a full ring drops and counts, and never blocks the producer") {
  HealthTap tap;
  LgObservation o;
  for (std::size_t i = 0; i < HealthTap::kCapacity + 10; ++i) {
    o.total = i;
    tap.push(o);
  }
  CHECK(tap.overflowed() == 10);
  std::vector<LgObservation> out;
  CHECK(tap.drain(out) == HealthTap::kCapacity);
  CHECK(out.front().total == 0);
  CHECK(out.back().total == HealthTap::kCapacity - 1);
  tap.push(o);
  out.clear();
  CHECK(tap.drain(out) == 1);
}

TEST_CASE(
    "loggregator health: a connection thread pushes while another drains, nothing is lost uncounted or reordered") {
  HealthTap tap;
  constexpr std::uint64_t kCount = 200000;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    LgObservation o;
    for (std::uint64_t i = 1; i <= kCount; ++i) {
      o.total = i;
      o.series = i * 3;
      tap.push(o);
    }
    done.store(true);
  });
  std::vector<LgObservation> got;
  std::uint64_t last = 0;
  std::uint64_t received = 0;
  bool ordered = true;
  bool intact = true;
  for (;;) {
    const bool finished = done.load();
    got.clear();
    tap.drain(got);
    for (const auto& o : got) {
      ordered = ordered && o.total > last;
      intact = intact && o.series == o.total * 3;
      last = o.total;
    }
    received += got.size();
    if (finished && got.empty()) {
      CHECK(received + tap.overflowed() == kCount);
      break;
    }
  }
  producer.join();
  CHECK(ordered);
  CHECK(intact);
}
