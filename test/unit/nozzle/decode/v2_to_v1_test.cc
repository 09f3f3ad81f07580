// Every v2->v1 rule of docs/WIRE.md, "v2 to v1" (go-loggregator conversion.ToV1), through the
// decoder, plus our one exception: a v2 event becomes an Event instead of nothing.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "nozzle/decode/v2_decoder.h"

using nozzle::Envelope;
using nozzle::EventType;

namespace {

std::vector<Envelope> convert(const std::string& envelope_json) {
  nozzle::V2Decoder d;
  const auto r = d.decode_batch(R"({"batch":[)" + envelope_json + "]}");
  INFO((r.first_error ? r.first_error->to_string() : std::string("no error")));
  CHECK(r.invalid == 0);
  auto span = d.envelopes();
  return {span.begin(), span.end()};
}

Envelope one(const std::string& envelope_json) {
  auto out = convert(envelope_json);
  REQUIRE(out.size() == 1);
  return out[0];
}

std::map<std::string, std::string> tags_of(const Envelope& e) {
  std::map<std::string, std::string> m;
  for (std::size_t i = 0; i < e.tag_count; ++i) m[e.tags[i].key] = e.tags[i].value;
  return m;
}

using Tags = std::map<std::string, std::string>;

constexpr const char* kGuid = "b3015d69-09cd-476d-aace-ad2d824d5ab7";

}  // namespace

TEST_CASE("v2->v1 base: fields from tags, reserved keys dropped, source_id added, ts copied") {
  const Envelope e = one(R"({"timestamp":"99","source_id":"src","tags":{"origin":"o","deployment":"d","job":"j",)"
                         R"("index":"i","ip":"1.2.3.4","__v1_type":"LogMessage","custom":"c"},"log":{}})");
  CHECK(e.origin == "o");
  CHECK(e.deployment == "d");
  CHECK(e.job == "j");
  CHECK(e.index == "i");
  CHECK(e.ip == "1.2.3.4");
  CHECK(e.timestamp_ns == 99);
  CHECK(tags_of(e) == Tags{{"custom", "c"}, {"source_id", "src"}});
  // No source_id, no tag.
  CHECK(tags_of(one(R"({"tags":{"a":"b"},"event":{}})")) == Tags{{"a", "b"}});
}

TEST_CASE("v2->v1 base: deprecated_tags are read too, integers as %d, decimals as %f") {
  const Envelope e = one(
      R"({"deprecated_tags":{"origin":{"text":"origin"},"deployment":{"text":"dep"},"random_int":{"integer":"123"},)"
      R"("random_decimal":{"decimal":123},"neg":{"integer":-7},"frac":{"decimal":0.1234567},"nothing":{},"nil":null,)"
      R"("nan":{"decimal":"NaN"}},"log":{}})");
  CHECK(e.origin == "origin");
  CHECK(e.deployment == "dep");
  CHECK(tags_of(e) == Tags{{"random_int", "123"}, {"random_decimal", "123.000000"}, {"neg", "-7"},
                           {"frac", "0.123457"}, {"nan", "NaN"}});
  // A key in both maps: the plain tag wins, whichever comes first in the JSON.
  CHECK(one(R"({"tags":{"origin":"plain"},"deprecated_tags":{"origin":{"text":"old"}},"event":{}})").origin == "plain");
  CHECK(one(R"({"deprecated_tags":{"k":{"text":"old"}},"tags":{"k":"new"},"event":{}})").tag("k") == "new");
  // A key repeated in one map: the last wins.
  CHECK(tags_of(one(R"({"tags":{"k":"1","k":"2"},"event":{}})")) == Tags{{"k", "2"}});
}

TEST_CASE("v2->v1 log: LogMessage with app id, source type and instance") {
  const Envelope e = one(R"({"timestamp":"99","source_id":"uuid","instance_id":"test-source-instance",)"
                         R"("deprecated_tags":{"source_type":{"text":"test-source-type"}},)"
                         R"("log":{"payload":"SGVsbG8gV29ybGQ=","type":"OUT"}})");
  CHECK(e.type == EventType::LogMessage);
  CHECK(e.log.message == "Hello World");
  CHECK(e.log.message_type == nozzle::LogMessage::Type::Out);
  CHECK(e.log.timestamp_ns == 99);
  CHECK(e.log.app_id == "uuid");
  CHECK(e.log.source_type == "test-source-type");
  CHECK(e.log.source_instance == "test-source-instance");
  CHECK(tags_of(e) == Tags{{"source_id", "uuid"}});  // source_type removed
  CHECK(one(R"({"log":{"type":"ERR"}})").log.message_type == nozzle::LogMessage::Type::Err);
}

TEST_CASE("v2->v1 log with __v1_type Error: an Error event") {
  const Envelope e = one(R"({"tags":{"__v1_type":"Error","source":"test-source","code":"12345","other":"x"},)"
                         R"("log":{"payload":"dGVzdC1tZXNzYWdl","type":"OUT"}})");
  CHECK(e.type == EventType::Error);
  CHECK(e.error.source == "test-source");
  CHECK(e.error.code == 12345);
  CHECK(e.error.message == "test-message");
  CHECK(tags_of(e) == Tags{{"other", "x"}});
  CHECK(one(R"({"tags":{"__v1_type":"Error","code":"x1"},"log":{}})").error.code == 0);
  CHECK(one(R"({"tags":{"__v1_type":"LogMessage"},"log":{}})").type == EventType::LogMessage);
}

TEST_CASE("v2->v1 counter: CounterEvent, instance_id as a tag") {
  const Envelope e = one(R"({"source_id":"doppler","instance_id":"abc","counter":{"name":"egress","delta":"9","total":"1462"}})");
  CHECK(e.type == EventType::CounterEvent);
  CHECK(e.counter.name == "egress");
  CHECK(e.counter.delta == 9);
  CHECK(e.counter.total == 1462);
  CHECK(tags_of(e) == Tags{{"source_id", "doppler"}, {"instance_id", "abc"}});
  CHECK(tags_of(one(R"({"counter":{}})")).empty());
}

TEST_CASE("v2->v1 gauge: the five container metrics make one ContainerMetric") {
  const std::string five =
      R"("cpu":{"unit":"percentage","value":11},"memory":{"unit":"bytes","value":13},"disk":{"unit":"bytes","value":15},)"
      R"("memory_quota":{"unit":"bytes","value":17},"disk_quota":{"unit":"bytes","value":19})";
  Envelope e = one(R"({"source_id":"some-id","instance_id":"123","gauge":{"metrics":{)" + five + "}}}");
  CHECK(e.type == EventType::ContainerMetric);
  CHECK(e.container.application_id == "some-id");
  CHECK(e.container.instance_index == 123);
  CHECK(e.container.cpu_percentage == 11);
  CHECK(e.container.memory_bytes == 13);
  CHECK(e.container.disk_bytes == 15);
  CHECK(e.container.memory_bytes_quota == 17);
  CHECK(e.container.disk_bytes_quota == 19);
  CHECK(tags_of(e) == Tags{{"source_id", "some-id"}});
  // instance_index from the gauge wins over instance_id; units alone make a metric present.
  e = one(R"({"instance_id":"123","gauge":{"metrics":{"instance_index":{"unit":"","value":19},)"
          R"("cpu":{"unit":"percent"},"memory":{"unit":"percent"},"disk":{"unit":"percent"},)"
          R"("memory_quota":{"unit":"bytes"},"disk_quota":{"unit":"bytes"}}}})");
  CHECK(e.type == EventType::ContainerMetric);
  CHECK(e.container.instance_index == 19);
  CHECK(e.container.memory_bytes == 0);
  // Negative, NaN and huge values convert without undefined behaviour.
  e = one(R"({"instance_id":"x","gauge":{"metrics":{"cpu":{"value":"NaN"},"memory":{"value":-5},"disk":{"value":1e300},)"
          R"("memory_quota":{"value":"Infinity"},"disk_quota":{"value":2.9}}}})");
  CHECK(e.type == EventType::ContainerMetric);
  CHECK(e.container.instance_index == 0);
  CHECK(e.container.memory_bytes == 0);
  CHECK(e.container.disk_bytes == UINT64_MAX);
  CHECK(e.container.memory_bytes_quota == UINT64_MAX);
  CHECK(e.container.disk_bytes_quota == 2);
}

TEST_CASE("v2->v1 gauge: otherwise one ValueMetric per metric, with instance_id") {
  auto out = convert(R"({"source_id":"s","instance_id":"7","tags":{"origin":"o"},"gauge":{"metrics":{)"
                     R"("name":{"unit":"meters","value":123},"other-name":{"unit":"feet","value":321}}}})");
  REQUIRE(out.size() == 2);
  for (const Envelope& e : out) {
    CHECK(e.type == EventType::ValueMetric);
    CHECK(e.origin == "o");
    CHECK(tags_of(e) == Tags{{"source_id", "s"}, {"instance_id", "7"}});
  }
  CHECK(out[0].value_metric.name == "name");
  CHECK(out[0].value_metric.unit == "meters");
  CHECK(out[0].value_metric.value == 123);
  CHECK(out[1].value_metric.name == "other-name");
  CHECK(out[1].value_metric.value == 321);
  // Four of the five container metrics, or one of them empty: value metrics.
  CHECK(convert(R"({"gauge":{"metrics":{"cpu":{"value":1},"memory":{"value":1},"disk":{"value":1},"memory_quota":{"value":1}}}})").size() == 4);
  CHECK(convert(R"({"gauge":{"metrics":{"cpu":{"value":1},"memory":{"value":1},"disk":{"value":1},"memory_quota":{"value":1},"disk_quota":{}}}})").size() == 5);
  // A zero-valued metric with no unit still converts; null metrics and empty gauges give nothing.
  CHECK(one(R"({"gauge":{"metrics":{"name":{"unit":"","value":0}}}})").value_metric.name == "name");
  CHECK(convert(R"({"gauge":{"metrics":{"name":null}}})").empty());
  CHECK(convert(R"({"gauge":{"metrics":{"cpu":null,"memory":null,"disk":null,"memory_quota":null,"disk_quota":null}}})").empty());
  CHECK(convert(R"({"gauge":{}})").empty());
  CHECK(convert(R"({"gauge":{"metrics":{}}})").empty());
}

TEST_CASE("v2->v1 timer: every timer is an HttpStartStop read from its tags") {
  const Envelope e = one(
      std::string(R"({"source_id":")") + kGuid + R"(","instance_id":"10","timer":{"name":"http","start":"99","stop":"100"},)"
      R"("deprecated_tags":{"request_id":{"text":"954F61C4-AC84-44BE-9217-CDFA3117FB41"},"peer_type":{"text":"Client"},)"
      R"("method":{"text":"GET"},"uri":{"text":"/hello-world"},"remote_address":{"text":"10.1.1.0"},)"
      R"("user_agent":{"text":"Mozilla/5.0"},"status_code":{"integer":200},"content_length":{"text":"1000000"},)"
      R"("routing_instance_id":{"text":"application-id"},"forwarded":{"text":"6.6.6.6\n8.8.8.8"},"keep":{"text":"k"}}})");
  CHECK(e.type == EventType::HttpStartStop);
  const auto& h = e.http;
  CHECK(h.start_timestamp_ns == 99);
  CHECK(h.stop_timestamp_ns == 100);
  CHECK(h.request_id == "954f61c4-ac84-44be-9217-cdfa3117fb41");
  CHECK(h.application_id == kGuid);
  CHECK(h.peer_type == nozzle::HttpStartStop::PeerType::Client);
  CHECK(h.method == 1);
  CHECK(h.uri == "/hello-world");
  CHECK(h.remote_address == "10.1.1.0");
  CHECK(h.user_agent == "Mozilla/5.0");
  CHECK(h.status_code == 200);
  CHECK(h.content_length == 1000000);
  CHECK(h.instance_index == 10);
  CHECK(h.instance_id == "application-id");
  REQUIRE(h.forwarded_count == 2);
  CHECK(h.forwarded[0] == "6.6.6.6");
  CHECK(h.forwarded[1] == "8.8.8.8");
  CHECK(tags_of(e) == Tags{{"keep", "k"}, {"source_id", kGuid}});

  // Not a UUID, unknown names, bad numbers, any timer name: zero values, still an HttpStartStop.
  const Envelope odd = one(R"({"source_id":"some-id","instance_id":"x","timer":{"name":"db"},"tags":{"request_id":"nope",)"
                           R"("peer_type":"Proxy","method":"FETCH","status_code":"2xx","forwarded":""}})");
  CHECK(odd.type == EventType::HttpStartStop);
  CHECK(odd.http.application_id.empty());
  CHECK(odd.http.request_id.empty());
  CHECK(odd.http.peer_type == nozzle::HttpStartStop::PeerType::Unknown);
  CHECK(odd.http.method == 0);
  CHECK(odd.http.status_code == 0);
  CHECK(odd.http.instance_index == 0);
  CHECK(odd.http.forwarded_count == 0);
  CHECK(one(R"({"timer":{},"tags":{"method":"VERSION_CONTROL","peer_type":"Server"}})").http.method == 44);
}

TEST_CASE("v2->v1 event: kept as an Event (loggregator drops it)") {
  const Envelope e = one(R"({"timestamp":"5","source_id":"cc","tags":{"origin":"o","a":"b"},"event":{"title":"t","body":"b"}})");
  CHECK(e.type == EventType::Event);
  CHECK(e.event.title == "t");
  CHECK(e.event.body == "b");
  CHECK(e.origin == "o");
  CHECK(e.timestamp_ns == 5);
  CHECK(tags_of(e) == Tags{{"a", "b"}, {"source_id", "cc"}});
}
