// The ingest step v1 and v2 connections share (ingest.h): decode, count, notice upstream loss,
// filter by event type, hand over. Envelopes are written by cf-sim's own encoders, not by the
// nozzle, so that a misreading shared by both ends could not hide here.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cf-sim/v1_encoder.h"
#include "cf-sim/v2_json.h"
#include "cf-sim/workload.h"
#include "nozzle/ingress/ingest.h"

using namespace nozzle;

namespace {

class Recorder final : public EnvelopeHandler {
 public:
  void on_envelope(Envelope& env) override { got.push_back(std::string(event_type_name(env.type)) + ":" + name_of(env)); }
  std::vector<std::string> got;

 private:
  static std::string name_of(const Envelope& env) {
    if (env.type == EventType::CounterEvent) return env.counter.name;
    if (env.type == EventType::LogMessage) return env.log.message;
    return "";
  }
};

Envelope counter(std::string_view name, std::uint64_t delta) {
  Envelope e;
  e.type = EventType::CounterEvent;
  e.origin = "doppler";
  e.timestamp_ns = 1;
  e.counter.name = std::string(name);
  e.counter.delta = delta;
  e.counter.total = delta;
  return e;
}

Envelope log_message(std::string_view text) {
  Envelope e;
  e.type = EventType::LogMessage;
  e.origin = "rep";
  e.timestamp_ns = 1;
  e.log.message = std::string(text);
  e.log.message_type = LogMessage::Type::Out;
  e.log.timestamp_ns = 1;
  return e;
}

std::string v1_bytes(const Envelope& e) {
  std::string out;
  REQUIRE(cfsim::encode_v1(e, out));
  return out;
}

std::string v2_batch(const std::vector<Envelope>& envs) {
  std::string out = "{\"batch\":[";
  for (std::size_t i = 0; i < envs.size(); ++i) {
    if (i > 0) out += ",";
    cfsim::append_v2_envelope(envs[i], {}, out);
  }
  return out + "]}";
}

// The same stream through either firehose's door.
enum class Door { V1, V2 };
void feed(Ingest& ingest, Door door, const std::vector<Envelope>& envs) {
  if (door == Door::V1) {
    for (const Envelope& e : envs) ingest.v1_message(v1_bytes(e));
  } else {
    ingest.v2_batch(v2_batch(envs));
  }
}

}  // namespace

TEST_CASE("ingest: loss signals are counted alike on v1 and v2, before the event filter") {
  for (const Door door : {Door::V1, Door::V2}) {
    CAPTURE(door == Door::V1 ? "v1" : "v2");
    SourceConfig config;
    config.events = EventSet::none();
    config.events.add(EventType::LogMessage);  // counters are filtered out, and still noticed
    SourceCounters counters;
    Recorder rec;
    Ingest ingest(config, 0, counters, rec);
    Envelope slow;
    cfsim::make_slow_consumer_counter(1, 1, slow);
    Envelope dropped;
    cfsim::make_upstream_drop_counter(1, 40, 40, dropped);
    feed(ingest, door,
         {log_message("a"), slow, dropped, counter("TruncatingBuffer.DroppedMessages", 2),
          counter("doppler_proxy.slow_consumer", 0),  // no delta: nothing new was cut off
          counter("some.other.counter", 9), log_message("b")});

    CHECK(counters.slow_consumer.get() == 1);
    CHECK(counters.upstream_dropped.get() == 42);
    CHECK(rec.got == std::vector<std::string>{"LogMessage:a", "LogMessage:b"});
    CHECK(counters.received_by_type[static_cast<std::size_t>(EventType::CounterEvent)].get() == 5);
    CHECK(counters.received_by_type[static_cast<std::size_t>(EventType::LogMessage)].get() == 2);
    CHECK(counters.filtered.get() == 5);
    CHECK(counters.envelopes.get() == 2);
    CHECK(counters.invalid.get() == 0);
  }
}

TEST_CASE("ingest: wanted counters go on to the handler after the loss check") {
  for (const Door door : {Door::V1, Door::V2}) {
    CAPTURE(door == Door::V1 ? "v1" : "v2");
    SourceConfig config;  // every event type
    SourceCounters counters;
    Recorder rec;
    Ingest ingest(config, 3, counters, rec);
    feed(ingest, door, {counter("TruncatingBuffer.DroppedMessages", 7)});
    CHECK(counters.upstream_dropped.get() == 7);
    CHECK(rec.got == std::vector<std::string>{"CounterEvent:TruncatingBuffer.DroppedMessages"});
    CHECK(counters.envelopes.get() == 1);
    CHECK(counters.filtered.get() == 0);
  }
}

TEST_CASE("ingest: frames are counted, what does not decode is counted as invalid and skipped") {
  SourceConfig config;
  SourceCounters counters;
  Recorder rec;
  Ingest ingest(config, 0, counters, rec);
  ingest.v1_message("\xff\xff\xff\x0f not dropsonde");
  ingest.v1_message(v1_bytes(log_message("v1")));
  ingest.v2_batch("{\"batch\":[{\"timestamp\":\"1\", \"source_id\":");  // cut off mid-batch
  ingest.v2_batch(v2_batch({log_message("v2")}));
  CHECK(counters.frames.get() == 4);
  CHECK(counters.invalid.get() == 2);
  CHECK(counters.envelopes.get() == 2);
  CHECK(rec.got == std::vector<std::string>{"LogMessage:v1", "LogMessage:v2"});
}
